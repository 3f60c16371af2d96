"""Numbers as people read them: grouped thousands, no exponent, no trailing zeros, no binary noise."""

import math
from decimal import Decimal

import pytest
from django.template import Context, Template

from smartgov.numbers import human_number


@pytest.mark.parametrize(("value", "text"), [
    (6.45e6, "6,450,000"), (652, "652"), (652.0, "652"), (85.50, "85.5"), (0.1 + 0.2, "0.3"), (1e-07, "0.0000001"),
    (-1234567.891, "-1,234,567.891"), (1e20, "100,000,000,000,000,000,000"), (-0.0, "0"), (0, "0"),
    (12345678901234, "12,345,678,901,234"), (1 / 3, "0.3333333333"), (Decimal("1.50"), "1.5"),
    (math.inf, "∞"), (-math.inf, "−∞"), (math.nan, "—"), (None, ""), (True, "True"), ("约 5 万", "约 5 万"),
])
def test_it_reads_as_people_write_numbers(value, text):
    assert human_number(value) == text


def test_the_template_filter_is_the_same_helper():
    assert Template("{% load smartgov %}{{ v|human_number }}").render(Context({"v": 6.45e6})) == "6,450,000"
