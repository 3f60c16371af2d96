"""The contents of a framework as the entry form and every autosave read them, kept per process once published.

On deadline day each of 300 officers' autosaves reads the framework's indicators and rules to answer with the
form's counters and findings, and each form opened reads its dimensions and indicators: the same rows every
time, of a framework that cannot change any more — a published or retired framework is immutable (services
refuse the edit, database triggers refuse the write). So they are read once per process and kept; a draft,
which can still change, is read afresh every time.

The key is (id, publication time), not the id alone: a database restored or rebuilt (tests roll theirs back)
may give the id to another framework, never with the same publication time. The instances kept are shared
between requests: callers read them and never change them.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from django.db.models import Prefetch

from .models import CrossRule, Dimension, Framework, Indicator

KEPT_FRAMEWORKS = 16
"""Published frameworks kept per process: a few are in use at a time (the current cycles' and last year's)."""


@dataclass(frozen=True)
class FrameworkContents:
    """A framework's dimensions in order, each with its indicators in order, and its cross-indicator rules."""

    dimensions: tuple[tuple[Dimension, tuple[Indicator, ...]], ...]
    indicators: tuple[Indicator, ...]
    """Every indicator in form order (dimension, then indicator), its `dimension` loaded."""
    by_code: Mapping[str, Indicator]
    rules: tuple[CrossRule, ...]

    def at_level(self, level: str) -> "FrameworkContents":
        """What a region of `level` is assessed on: the indicators that apply to it (`Indicator.applies_to`) and
        the rules that name only those (a sum missing a term by design would be refused wrongly)."""
        if all(i.applies_at(level) for i in self.indicators):
            return self
        dimensions = tuple((dimension, tuple(i for i in members if i.applies_at(level)))
                           for dimension, members in self.dimensions)
        indicators = tuple(i for _dimension, members in dimensions for i in members)
        by_code = MappingProxyType({i.code: i for i in indicators})
        rules = tuple(r for r in self.rules if all(code in by_code for code in (*r.left, *r.right)))
        return FrameworkContents(dimensions=dimensions, indicators=indicators, by_code=by_code, rules=rules)


def framework_contents(framework: Framework) -> FrameworkContents:
    """The contents of `framework`: kept when it is published or retired (no query once kept), read when draft."""
    if framework.is_editable or framework.published_at is None:
        return _read(framework.pk)
    return _kept(framework.pk, framework.published_at)


def framework_contents_forget() -> None:
    """Drop what this process keeps (tests whose database is rolled back under the same ids)."""
    _kept.cache_clear()


@lru_cache(maxsize=KEPT_FRAMEWORKS)
def _kept(framework_id: int, _published_at: object) -> FrameworkContents:
    return _read(framework_id)


def _read(framework_id: int) -> FrameworkContents:
    """Three queries: the dimensions, their indicators and the rules."""
    dimensions = tuple(
        (dimension, tuple(dimension.indicators.all()))
        for dimension in Dimension.objects.filter(framework_id=framework_id).order_by("order").prefetch_related(
            Prefetch("indicators", queryset=Indicator.objects.order_by("order")))
    )
    for dimension, indicators in dimensions:
        for indicator in indicators:
            indicator.dimension = dimension
    indicators = tuple(indicator for _dimension, members in dimensions for indicator in members)
    return FrameworkContents(
        dimensions=dimensions, indicators=indicators,
        by_code=MappingProxyType({indicator.code: indicator for indicator in indicators}),
        rules=tuple(CrossRule.objects.filter(framework_id=framework_id).order_by("order")))
