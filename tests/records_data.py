"""Builders for the tests of the records importers: a framework `smartgov-maturity` version 2 holding the
indicators they compute, a cycle of it whose year is over (records are dated in the past whatever today is) and
open for entry today, with submissions of 杭州 and 宁波 (Zhejiang) and 南京 (Jiangsu)."""

import datetime

import factory
import pytest
from django.utils import timezone

from assessments.models import Cycle, IndicatorValue, Submission
from audit.models import AuditEvent
from indicators.models import Dimension, Framework, Indicator
from surveys.services.record_imports import RecordsOutcome, records_import
from surveys.services.refusals import ImportRejected
from surveys.tables import RowError

from .factories import CycleFactory, SubmissionFactory, example_user, region_tree, table_csv

RECORD_INDICATORS = ("RS05", "MP05", "MP09", "MP10", "SC01", "SC02", "SC03", "SC04", "SC05", "SC06", "PS01",
                     "PS07", "PS09")
COUNTS = {"SC03": "次", "SC04": "件"}
"""Indicators that are means of counts, not percentages."""
NOT_FOR_COUNTIES = ("MP05", "MP09", "MP10", "PS07")
"""Indicators v2 assesses in provinces and prefecture-level cities only (12345 hotlines)."""


class FrameworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Framework

    code = "smartgov-maturity"
    version = 2
    name_zh = "智慧政府成熟度评估指标体系"
    name_en = "Smart Government Maturity Assessment Framework"


class DimensionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dimension

    name_zh = factory.LazyAttribute(lambda d: f"维度{d.code}")
    name_en = factory.LazyAttribute(lambda d: f"Dimension {d.code}")
    weight = 0.25


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    framework = factory.LazyAttribute(lambda i: i.dimension.framework)
    name_zh = factory.LazyAttribute(lambda i: f"指标{i.code}")
    name_en = factory.LazyAttribute(lambda i: f"Indicator {i.code}")
    definition_zh = "见第2版定义。"
    definition_en = "As defined in version 2."
    data_type = "percent"
    unit_zh = unit_en = "%"
    goalpost_lower, goalpost_upper = 0.0, 100.0
    min_value, max_value = 0.0, 100.0
    weight = 0.1
    source = "framework v2"


def framework_v2(codes=RECORD_INDICATORS, *, code="smartgov-maturity", version=2) -> Framework:
    """A published framework with `codes`, each in the dimension its first two letters name."""
    framework = FrameworkFactory(code=code, version=version)
    dimensions = {}
    for order, indicator in enumerate(codes):
        prefix = indicator[:2]
        if prefix not in dimensions:
            dimensions[prefix] = DimensionFactory(framework=framework, code=prefix, order=len(dimensions))
        extra = ({"data_type": "number", "unit_zh": COUNTS[indicator], "unit_en": "", "goalpost_upper": 10.0,
                  "max_value": None} if indicator in COUNTS else {})
        applies_to = ["province", "prefecture"] if indicator in NOT_FOR_COUNTIES else None
        IndicatorFactory(dimension=dimensions[prefix], code=indicator, order=order, applies_to=applies_to, **extra)
    Framework.objects.filter(pk=framework.pk).update(status=Framework.Status.PUBLISHED, published_at=timezone.now())
    framework.refresh_from_db()
    return framework


def records_year() -> int:
    return timezone.localdate().year - 1


def records_cycle(framework: Framework) -> Cycle:
    """A cycle of last year, open for entry today, with draft submissions of 杭州, 宁波 and 南京."""
    today = timezone.localdate()
    cycle = CycleFactory(framework=framework, period=records_year(), opens=today - datetime.timedelta(days=30),
                         closes=today + datetime.timedelta(days=30), status=Cycle.Status.OPEN)
    regions = region_tree()
    for key in ("hangzhou", "ningbo", "nanjing"):
        SubmissionFactory(region=regions[key], cycle=cycle)
    return cycle


def import_records(cycle: Cycle, kind: str, data: bytes, *, name: str = "records.csv", actor: str = "analyst",
                   province: str = "zhejiang", dry_run: bool = False) -> RecordsOutcome:
    """`records_import` by a member of the cast, for a province of `region_tree()`."""
    return records_import(kind=kind, cycle=cycle, province=region_tree()[province], data=data, name=name,
                          actor=example_user(actor), dry_run=dry_run)


def refused_row(cycle: Cycle, kind: str, rows: list, header: list[str]) -> RowError:
    """The one row error of a CSV file of `rows` that the import refuses, having checked that nothing was written."""
    with pytest.raises(ImportRejected) as refused:
        import_records(cycle, kind, table_csv(rows, header=header))
    assert not IndicatorValue.objects.exists()
    assert not AuditEvent.objects.filter(action__in=["values_imported", "value_changed"]).exists()
    [error] = refused.value.errors
    return error


def computed(cycle: Cycle, code: str) -> dict[str, float]:
    """Indicator code → value of the values computed from records in a region's submission."""
    submission = Submission.objects.get(cycle=cycle, region__code=code)
    return {v.indicator.code: v.value for v in submission.values.select_related("indicator")
            if v.source == IndicatorValue.Source.RECORDS}


def excel_cell(text: str) -> object:
    """A cell as Excel holds it: a date (and time) as a datetime, a small whole number as a number."""
    for pattern in ("%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(text, pattern)  # noqa: DTZ007 - Excel's dates have no time zone
        except ValueError:
            continue
    return int(text) if text.isdigit() and len(text) < 4 else text
