"""The one rule by which typed text becomes a value: `parse_value` applies it on the server, and the entry form's
script applies the same data (`value_rules()`), which the page carries, as the user types."""

import json
import re

import pytest

from assessments.checks import FALSE_WORDS, SPACES, TRUE_WORDS, InvalidValue, parse_value, value_rules
from assessments.models import IndicatorValue
from indicators.models import Indicator

DataType = Indicator.DataType
PERCENT = Indicator(code="P", data_type=DataType.PERCENT, min_value=0, max_value=100, unit_zh="%")
COUNT = Indicator(code="N", data_type=DataType.NUMBER, min_value=0, unit_zh="件")
LEVEL = Indicator(code="L", data_type=DataType.ORDINAL, min_value=1, max_value=5, unit_zh="级")
YES_NO = Indicator(code="B", data_type=DataType.BOOLEAN, min_value=0, max_value=1, unit_zh="是/否")


@pytest.mark.parametrize(("indicator", "raw", "value"), [
    (PERCENT, "９０", 90), (PERCENT, "８５.５", 85.5), (PERCENT, "８５．５", 85.5), (PERCENT, "８５％", 85),
    (PERCENT, "85%", 85), (PERCENT, "85.5 %", 85.5), (PERCENT, "\u3000９０\u3000", 90), (PERCENT, "+.5", 0.5),
    (PERCENT, "5.", 5), (PERCENT, "1e1", 10), (PERCENT, "－０", 0), (PERCENT, 90, 90), (PERCENT, 85.5, 85.5),
    (COUNT, "1,234", 1234), (COUNT, "１，２３４", 1234), (COUNT, "１２３４.５", 1234.5), (COUNT, "1,234,567", 1234567),
    (LEVEL, "３", 3), (LEVEL, "3.0", 3), (LEVEL, 4, 4),
])
def test_it_reads_numbers_typed_in_full_width_or_with_separators(indicator, raw, value):
    assert parse_value(indicator, raw) == value


@pytest.mark.parametrize("raw", ["是", "有", "yes", "YES", "Yes", "y", "Y", "true", "TRUE", "ｙｅｓ", " 是 ", "1", "１",
                                 "1.0", 1, 1.0, True])
def test_it_reads_yes(raw):
    assert parse_value(YES_NO, raw) == 1.0


@pytest.mark.parametrize("raw", ["否", "无", "no", "NO", "No", "n", "N", "false", "False", "ＮＯ", "\u3000否", "0",
                                 "０", "0.0", 0, 0.0, False])
def test_it_reads_no(raw):
    assert parse_value(YES_NO, raw) == 0.0


@pytest.mark.parametrize("raw", [None, "", "   ", "\u3000", "\t\n"])
def test_blank_is_no_value(raw):
    assert parse_value(PERCENT, raw) is None
    assert parse_value(YES_NO, raw) is None


@pytest.mark.parametrize(("indicator", "raw", "message"), [
    (PERCENT, "150", "数值须在 0 至 100 % 之间。"),
    (PERCENT, "１５０", "数值须在 0 至 100 % 之间。"),
    (PERCENT, "-1", "数值须在 0 至 100 % 之间。"),
    (PERCENT, "abc", "“abc”不是数字。"),
    (PERCENT, "９０ ０", "“９０ ０”不是数字。"),
    (PERCENT, "８５。５", "“８５。５”不是数字。"),  # the ideographic full stop is not a decimal point
    (PERCENT, "1_000", "“1_000”不是数字。"),  # Python's float() reads these four; the rule does not
    (PERCENT, "٩٠", "“٩٠”不是数字。"),
    (PERCENT, "inf", "“inf”不是数字。"),
    (PERCENT, "nan", "“nan”不是数字。"),
    (PERCENT, "0x10", "“0x10”不是数字。"),  # JavaScript's Number() reads this one; the rule does not
    (PERCENT, "%", "“%”不是数字。"),
    (PERCENT, "10²", "“10²”不是数字。"),  # a superscript is not a digit (NFKC would read 102)
    (PERCENT, "①", "“①”不是数字。"),
    (COUNT, "1e999", "请填写有限的数值。"),
    (COUNT, 10 ** 400, "请填写有限的数值。"),
    (COUNT, float("nan"), "请填写有限的数值。"),
    (LEVEL, "2.5", "请填写整数（等级）。"),
    (LEVEL, "２．５", "请填写整数（等级）。"),
    (YES_NO, "是的", "请填写 1（是）或 0（否）。"),
    (YES_NO, "2", "请填写 1（是）或 0（否）。"),
    (YES_NO, "1.00", "请填写 1（是）或 0（否）。"),
    (YES_NO, 0.5, "请填写 1（是）或 0（否）。"),
])
def test_it_refuses_with_the_reason(indicator, raw, message):
    with pytest.raises(InvalidValue) as refused:
        parse_value(indicator, raw)
    assert str(refused.value) == message


def test_the_rule_is_data_the_page_can_carry():
    rules = value_rules()
    assert json.loads(json.dumps(rules)) == rules
    assert (set(rules["true_words"]), set(rules["false_words"])) == (TRUE_WORDS, FALSE_WORDS)
    assert {"是", "有", "yes"} <= TRUE_WORDS
    assert {"否", "无", "no"} <= FALSE_WORDS
    assert (rules["full_width"], rules["stripped_at_end"], rules["stripped_anywhere"]) == (
        {"first": 0xFF01, "last": 0xFF5E, "offset": 0xFEE0}, "%", ",")


def test_the_spaces_trimmed_include_every_space_python_knows():
    """`SPACES` is what the script trims; it must hold at least what Python's `str.strip()` takes off."""
    assert {c for c in map(chr, range(0x110000)) if c.isspace()} <= set(SPACES)


@pytest.mark.django_db
def test_the_entry_page_carries_the_rules(client, officer, submission):
    client.force_login(officer)
    page = client.get(f"/submissions/{submission.pk}/").content.decode()
    block = re.search(r'<script id="value-rules" type="application/json">(.*?)</script>', page, re.DOTALL)
    assert block, "the page has no value-rules block"
    carried = json.loads(block.group(1))
    assert carried == value_rules()
    assert "是" in carried["true_words"]
    assert "否" in carried["false_words"]


@pytest.mark.django_db
def test_the_server_normalises_what_the_page_sends_as_typed(client, officer, submission):
    client.force_login(officer)
    response = client.post(f"/submissions/{submission.pk}/autosave", content_type="application/json", data={
        "version": submission.version, "entries": {"RS01": {"value": "９０"}, "RS08": {"value": "是"},
                                                   "RS06": {"value": "１，２３４"}}})
    assert response.status_code == 200, response.content
    saved = dict(IndicatorValue.objects.filter(submission=submission).values_list("indicator__code", "value"))
    assert saved == {"RS01": 90, "RS08": 1, "RS06": 1234}
