"""Reads of a cycle's participation, for the coordinators' pages: participants by province with the status of
their submissions, how many are approved, extended or not approved at closing, and the cycle's publications.
A fixed number of queries whatever the number of participants."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q, QuerySet

from .models import Cycle, Publication, Region, Submission

APPROVED = Submission.Status.APPROVED


@dataclass(frozen=True)
class Participation:
    """Participants and their submissions' statuses, of a cycle or of one province in it."""

    counts: dict[str, int] = field(default_factory=dict)
    """Status → participants in it, every status present."""
    extended: int = 0
    """Participants whose deadline was extended."""
    province: Region | None = None
    """The province-level division (None: the whole cycle, or regions outside any province)."""

    @property
    def participants(self) -> int:
        return sum(self.counts.values())

    @property
    def approved(self) -> int:
        return self.counts.get(APPROVED, 0)

    @property
    def share(self) -> float:
        """Share of the participants approved, 0–1."""
        return self.approved / self.participants if self.participants else 0.0

    @property
    def percent(self) -> float:
        return 100 * self.share


@dataclass(frozen=True)
class CycleParticipation:
    total: Participation
    provinces: list[Participation]


def _empty() -> dict[str, int]:
    return {status: 0 for status in Submission.Status.values}


def cycle_participation(cycle: Cycle, *, provinces: Sequence[int] | None = None) -> CycleParticipation:
    """The cycle's participation by province (only `provinces`, ids, when given), by province code."""
    submissions = Submission.objects.filter(cycle=cycle)
    if provinces is not None:
        submissions = submissions.filter(region__province_id__in=provinces)
    rows = (submissions.order_by().values("region__province_id", "status")
            .annotate(n=Count("pk"), extended=Count("pk", filter=Q(extended_until__isnull=False))))
    counts: dict[int | None, dict[str, int]] = {}
    extended: dict[int | None, int] = {}
    for row in rows:
        key = row["region__province_id"]
        counts.setdefault(key, _empty())[row["status"]] = row["n"]
        extended[key] = extended.get(key, 0) + row["extended"]
    regions = Region.objects.in_bulk([key for key in counts if key is not None])
    by_province = sorted((Participation(counts[key], extended.get(key, 0), regions.get(key) if key else None)
                          for key in counts), key=lambda p: p.province.code if p.province else "~")
    total = _empty()
    for item in by_province:
        for status, n in item.counts.items():
            total[status] += n
    return CycleParticipation(Participation(total, sum(extended.values())), by_province)


def cycles_participation(cycles: Iterable[Cycle], *, provinces: Sequence[int] | None = None
                         ) -> dict[int, Participation]:
    """Cycle id → its participation (in `provinces` when given), in one query."""
    submissions = Submission.objects.filter(cycle__in=list(cycles))
    if provinces is not None:
        submissions = submissions.filter(region__province_id__in=provinces)
    found: dict[int, dict[str, int]] = {}
    for cycle_id, status, n in submissions.order_by().values_list("cycle_id", "status").annotate(n=Count("pk")):
        found.setdefault(cycle_id, _empty())[status] = n
    return {cycle_id: Participation(counts) for cycle_id, counts in found.items()}


def latest_versions(cycles: Iterable[Cycle]) -> dict[int, int]:
    """Cycle id → its latest publication version (cycles never published are not in the answer)."""
    return dict(Publication.objects.filter(cycle__in=list(cycles)).values("cycle_id")
                .annotate(v=Max("version")).values_list("cycle_id", "v"))


def participants_of(cycle: Cycle, province: Region | None) -> QuerySet[Submission]:
    """The cycle's submissions in `province` (those outside any province when None), by region code."""
    submissions = Submission.objects.filter(cycle=cycle)
    submissions = (submissions.filter(region__province=province) if province is not None
                   else submissions.filter(region__province__isnull=True))
    return submissions.select_related("region", "extended_by", "cycle").order_by("region__code")


def not_approved(cycle: Cycle, *, provinces: Sequence[int] | None = None) -> QuerySet[Submission]:
    """Participants whose submission is not approved (after closing: reported as not approved)."""
    submissions = Submission.objects.filter(cycle=cycle).exclude(status=APPROVED)
    if provinces is not None:
        submissions = submissions.filter(region__province_id__in=provinces)
    return submissions.select_related("region__province").order_by("region__code")


def publications_of(cycle: Cycle) -> QuerySet[Publication]:
    """Every version of the cycle's published results, the latest first."""
    return cycle.publications.select_related("run", "published_by").order_by("-version")
