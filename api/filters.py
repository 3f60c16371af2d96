"""Query-string filters and orderings (django-filter). Numbers are bounded so that no value reaches the
database out of its column's range, codes are matched as sent (nothing trimmed): a bad value is a 400 naming
the parameter. Each filter's schema is stated from the same bounds (`stated`); an empty value filters nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

import django_filters as filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessments.models import Cycle, Region, RegionScore, ScoreRun, Submission
from indicators.models import Framework

from .serializers.common import (
    PERIOD_MAX,
    PERIOD_MIN,
    WHOLE_NUMBER_TEXT,
    QueryInteger,
    framework_code,
    region_code,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

FilterT = TypeVar("FilterT", bound=filters.Filter)


class WholeNumberField(forms.IntegerField):
    """A whole number written as one: `2025.0` or ` 2025` is refused (Django's IntegerField takes both)."""

    def to_python(self, value: Any) -> int | None:
        if value not in self.empty_values and not WHOLE_NUMBER_TEXT.fullmatch(str(value)):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class IntegerFilter(filters.NumberFilter):
    """A whole number (`?cycle=2025.5` is a 400, not an empty list)."""

    field_class = WholeNumberField


def stated(filter_field: FilterT, schema: serializers.Field) -> FilterT:
    """`filter_field` with the schema of `schema`, a DRF field built from the same bounds."""
    return extend_schema_field(schema)(filter_field)


def integer_filter(field_name: str, low: int, high: int, label: StrOrPromise) -> IntegerFilter:
    return stated(IntegerFilter(field_name=field_name, min_value=low, max_value=high, label=label),
                  QueryInteger(min_value=low, max_value=high, help_text=str(label)))


def period_filter(field_name: str) -> IntegerFilter:
    return integer_filter(field_name, PERIOD_MIN, PERIOD_MAX, _("The cycle's period (year), e.g. 2025."))


def code_filter(field_name: str, label: StrOrPromise) -> filters.CharFilter:
    """A framework code: a slug (`?framework=a b` is a 400 naming `framework`)."""
    schema = framework_code(help_text=str(label))
    return stated(filters.CharFilter(field_name=field_name, max_length=schema.max_length, strip=False,
                                     validators=schema.validators, label=label), schema)


def region_filter(field_name: str, label: StrOrPromise) -> filters.CharFilter:
    """A region code as the register writes it (`REGION_CODE`: 330000, CHN…); a malformed one (`abc`) is a 400
    naming the parameter, a well-formed one outside your regions matches nothing."""
    schema = region_code(help_text=str(label))
    return stated(filters.CharFilter(field_name=field_name, max_length=schema.max_length, strip=False,
                                     validators=schema.validators, label=label), schema)


class StableOrderingFilter(filters.OrderingFilter):
    """An ordering that always ends on the primary key, so that pages never overlap or skip rows."""

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        qs = super().filter(qs, value)
        ordering = list(qs.query.order_by) or list(qs.model._meta.ordering)
        return qs.order_by(*ordering, "pk")


class FrameworkFilter(filters.FilterSet):
    code = code_filter("code", _("Framework code."))
    status = filters.ChoiceFilter(choices=Framework.Status.choices)
    ordering = StableOrderingFilter(fields=(("code", "code"), ("version", "version"),
                                            ("published_at", "published_at")))

    class Meta:
        model = Framework
        fields = ["code", "status"]


class RegionFilter(filters.FilterSet):
    parent = region_filter("parent__code", _("Code of the parent region: ?parent=330000 lists Zhejiang's cities."))
    level = filters.ChoiceFilter(choices=Region.Level.choices)
    ordering = StableOrderingFilter(fields=(("code", "code"), ("level", "level")))

    class Meta:
        model = Region
        fields = ["parent", "level"]


class CycleFilter(filters.FilterSet):
    period = period_filter("period")
    framework = code_filter("framework__code", _("Framework code."))
    status = filters.ChoiceFilter(choices=Cycle.Status.choices)
    ordering = StableOrderingFilter(fields=(("period", "period"), ("opens", "opens")))

    class Meta:
        model = Cycle
        fields = ["period", "framework", "status"]


class SubmissionFilter(filters.FilterSet):
    cycle = period_filter("cycle__period")
    framework = code_filter("cycle__framework__code", _("Framework code."))
    status = filters.ChoiceFilter(choices=Submission.Status.choices)
    province = region_filter("region__province__code", _("Province code, e.g. 330000."))
    region = region_filter("region__code", _("Region code, e.g. 330100."))
    ordering = StableOrderingFilter(fields=(("region__code", "region"), ("cycle__period", "cycle"),
                                            ("status", "status"), ("updated_at", "updated_at")))

    class Meta:
        model = Submission
        fields = ["cycle", "framework", "status", "province", "region"]


class ScoreRunFilter(filters.FilterSet):
    cycle = period_filter("cycle__period")
    framework = code_filter("cycle__framework__code", _("Framework code."))
    status = filters.ChoiceFilter(choices=ScoreRun.Status.choices)
    ordering = StableOrderingFilter(fields=(("requested_at", "requested_at"), ("finished_at", "finished_at")))

    class Meta:
        model = ScoreRun
        fields = ["cycle", "framework", "status"]


class ResultFilter(filters.FilterSet):
    """Filters of the published results; `cycle` and `framework` choose the run (see the view)."""

    province = region_filter("region__province__code", _("Province code, e.g. 330000."))
    level = integer_filter("level", 1, 100, _("Maturity level."))
    ordering = StableOrderingFilter(fields=(("rank", "rank"), ("index", "index"), ("change", "change"),
                                            ("parent_rank", "parent_rank"), ("region__code", "region")))

    class Meta:
        model = RegionScore
        fields = ["province", "level"]
