"""The overview's ranking at any scale: which regions it shows (by region level, maturity level, province and a
search by name or code) and which page of them. Pure functions over the rows of a `selectors.ScopeReport`: no
query, no request."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.utils.translation import gettext as _

from assessments.models import Region

from .selectors import CityRow

PAGE_SIZE = 50
"""Rows of the ranking on a page."""
MANY = 60
"""Above this many regions, the charts of the overview summarise them by province (or the current page) instead
of drawing one mark per region."""
ALL = "all"
"""The value of the region-level filter that shows every level."""
SEARCH_MAX = 40
"""Longest search text kept (a name or a code is far shorter)."""


@dataclass(frozen=True)
class RankingFilters:
    """What the reader asked the ranking to show (the query string's `level`, `band`, `province`, `q`)."""

    level: str
    """Region level (`Region.Level` value) or ALL."""
    band: str
    """Maturity level ("1", "2", …), "none" (not rated) or "" (every level)."""
    province: str
    """Code of a province-level division, or "" (every province)."""
    search: str
    """Text a region's name contains or its code starts with, or "" (no search)."""

    def params(self) -> dict[str, str]:
        """The filters as query parameters, for links that keep them (empty ones left out)."""
        return {key: value for key, value in (("level", self.level), ("band", self.band),
                                              ("province", self.province), ("q", self.search)) if value}

    @property
    def narrowed(self) -> bool:
        """Whether the rows are narrowed below the region level (maturity level, province or search)."""
        return bool(self.band or self.province or self.search)


def default_level(counts: Mapping[str, int]) -> str:
    """The region level the overview shows first: the level of more than half of the results; when they are
    mixed, prefecture-level (the unit most campaigns compare) if any, else every level."""
    total = sum(counts.values())
    for level, count in counts.items():
        if 2 * count > total:
            return level
    return Region.Level.PREFECTURE if counts.get(Region.Level.PREFECTURE) else ALL


def ranking_filters(query: Mapping[str, str], counts: Mapping[str, int]) -> RankingFilters:
    """The filters of the query string; a region level no result has (or none given) is the default one."""
    level = query.get("level", "")
    if level != ALL and level not in counts:
        level = default_level(counts)
    band = query.get("band", "")
    if band != "none" and not (band.isdigit() and len(band) <= 2):
        band = ""
    province = query.get("province", "")
    if not (province.isalnum() and len(province) <= 20):
        province = ""
    return RankingFilters(level=level, band=band, province=province,
                          search=" ".join(query.get("q", "").split())[:SEARCH_MAX])


def level_choices(counts: Mapping[str, int]) -> list[tuple[str, str, int]]:
    """The region levels to choose from: (value, label, results), ALL first, then the levels in register order."""
    order = [level for level, _label in Region.Level.choices]
    labels = dict(Region.Level.choices)
    levels = sorted(counts, key=lambda level: order.index(level) if level in order else len(order))
    return [(ALL, _("All levels of region"), sum(counts.values())),
            *((level, str(labels.get(level, level)), counts[level]) for level in levels)]


def filtered(cities: Sequence[CityRow], filters: RankingFilters) -> list[CityRow]:
    """The rows (in their order) that the maturity-level, province and search filters keep."""
    rows = list(cities)
    if filters.band == "none":
        rows = [c for c in rows if c.level is None]
    elif filters.band:
        rows = [c for c in rows if c.level == int(filters.band)]
    if filters.province:
        rows = [c for c in rows if c.province_code == filters.province]
    if filters.search:
        text = filters.search.casefold()
        rows = [c for c in rows if text in c.name.casefold() or c.code.startswith(filters.search)]
    return rows


def page_of(rows: Sequence[CityRow], number: str | None) -> Page:
    """The page `number` (the text of ?page=) of `rows`: the first for none or nonsense, the last beyond it."""
    return Paginator(rows, PAGE_SIZE).get_page(number)
