"""Where each region's index comes from: the share of its weight and of its points carried by the indicators of
each provenance (self-declared, system records, the province's survey, third-party samples, the platform), as the
framework declares them (`Indicator.provenance`). An auditor reads from it how much of a score rests on what the
assessed government declared itself."""

from collections.abc import Collection
from dataclasses import dataclass
from statistics import median

from django.db.models import Sum
from django.utils.translation import gettext as _

from assessments.models import IndicatorScore
from indicators.models import Indicator
from indicators.vocabulary import PROVENANCES

NOT_DECLARED = ""
ORDER = (*PROVENANCES, NOT_DECLARED)


def provenance_label(code: str) -> str:
    """The name of a provenance in the active language ("" : not declared)."""
    return str(Indicator.Provenance(code).label) if code else _("Provenance not declared")


@dataclass(frozen=True)
class ProvenanceShare:
    provenance: str
    """A code of `indicators.vocabulary.PROVENANCES`, or "" for indicators that declare none."""
    weight: float
    """Share (0–1) of the region's effective weight."""
    points: float | None
    """Share (0–1) of the region's index points; None without an index (or one of 0)."""

    @property
    def label(self) -> str:
        return provenance_label(self.provenance)

    @property
    def points_pct(self) -> float | None:
        return None if self.points is None else 100 * self.points

    @property
    def weight_pct(self) -> float:
        return 100 * self.weight


def provenance_shares(run_id: int, region_ids: Collection[int] | None = None) -> dict[str, tuple[ProvenanceShare, ...]]:
    """Region code → its shares by provenance (in `ORDER`, only the provenances its framework uses), for the regions
    of the run with a complete index (all of them, or those of `region_ids`). Empty when the framework declares no
    provenance at all. One query."""
    rows = IndicatorScore.objects.filter(run_id=run_id, weight__gt=0)
    if region_ids is not None:
        rows = rows.filter(region_id__in=list(region_ids))
    sums: dict[str, dict[str, tuple[float, float]]] = {}
    for region, provenance, weight, points in rows.values_list("region__code", "indicator__provenance").annotate(
            weight=Sum("weight"), points=Sum("contribution")).order_by():
        sums.setdefault(region, {})[provenance or NOT_DECLARED] = (weight or 0.0, points or 0.0)
    if all(set(parts) == {NOT_DECLARED} for parts in sums.values()):
        return {}
    return {region: _shares(parts) for region, parts in sums.items()}


def _shares(parts: dict[str, tuple[float, float]]) -> tuple[ProvenanceShare, ...]:
    weight = sum(w for w, _p in parts.values())
    points = sum(p for _w, p in parts.values())
    return tuple(ProvenanceShare(provenance=code, weight=parts[code][0] / weight if weight else 0.0,
                                 points=parts[code][1] / points if points > 0 else None)
                 for code in ORDER if code in parts)


@dataclass(frozen=True)
class ProvenanceSpread:
    """One provenance across the regions of a run: its mean share of the weight, and the least, median and
    greatest share of a region's index points."""

    provenance: str
    label: str
    weight_pct: float
    points_min_pct: float | None
    points_median_pct: float | None
    points_max_pct: float | None


def provenance_spread(shares: dict[str, tuple[ProvenanceShare, ...]]) -> tuple[ProvenanceSpread, ...]:
    """`provenance_shares` of many regions summed up per provenance, in `ORDER`."""
    by_code: dict[str, list[ProvenanceShare]] = {}
    for region in shares.values():
        for share in region:
            by_code.setdefault(share.provenance, []).append(share)
    spread = []
    for code in (c for c in ORDER if c in by_code):
        items = by_code[code]
        points = [100 * s.points for s in items if s.points is not None]
        spread.append(ProvenanceSpread(
            provenance=code, label=items[0].label, weight_pct=100 * sum(s.weight for s in items) / len(items),
            points_min_pct=min(points, default=None), points_median_pct=median(points) if points else None,
            points_max_pct=max(points, default=None)))
    return tuple(spread)
