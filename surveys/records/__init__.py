"""Indicator values computed from the records of the systems that hold them — the case log of the integrated
government service platform, 12345 work orders and call-centre figures, 好差评 ratings — for framework
`smartgov-maturity` version 2 on. One module per file layout, reading and computing only (no database); the write
is `surveys.services.record_imports`. The layouts and formulas: docs/records.md."""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ..tables import Column
from . import calls, cases, hotline, ratings
from .common import Figure, Records, RegionFigures


@dataclass(frozen=True)
class Layout:
    kind: str
    system: str | Promise
    """Where the records come from, as a value's note names it."""
    indicators: tuple[str, ...]
    parse: Callable[..., Records]
    """(table, *, year, today) → the records, or the row errors."""
    compute: Callable[..., list[RegionFigures]]
    """(records, *, year, today) → the indicators per region."""
    columns: tuple[Column, ...]
    """The file's columns, as the page's template and layout table show them."""

LAYOUTS = {layout.kind: layout for layout in (
    Layout("cases", _("the case log of the integrated government service platform"), cases.INDICATORS, cases.parse,
           cases.compute, cases.COLUMNS),
    Layout("hotline", _("the 12345 work orders"), hotline.INDICATORS, hotline.parse, hotline.compute,
           hotline.COLUMNS),
    Layout("calls", _("the 12345 call centre's monthly ACD figures"), calls.INDICATORS, calls.parse, calls.compute,
           calls.COLUMNS),
    Layout("ratings", _("the good/bad ratings (好差评)"), ratings.INDICATORS, ratings.parse, ratings.compute,
           ratings.COLUMNS),
)}

__all__ = ["LAYOUTS", "Figure", "Layout", "Records", "RegionFigures"]
