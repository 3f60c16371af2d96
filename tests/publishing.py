"""Builders for tests of provisional and published results: a participant not yet approved, a correction after
publication, a cycle's minimum participation. (Publication itself: `tests.factories.published`.)"""

from django.utils import timezone

from assessments.models import Cycle, Region, Submission

from .factories import RegionFactory, in_province, score


def late_participant(cycle: Cycle, province: Region, *, code: str | None = None) -> Submission:
    """One more participant of the cycle in `province` (a new city, e.g. 330900), whose submission is a draft."""
    city = in_province(RegionFactory(code=code or f"{province.code[:2]}9900", parent=province))
    return Submission.objects.create(cycle=cycle, region=city)


def corrected(cycle: Cycle, code: str = "330200"):
    """A correction after publication: the city's resource-sharing (RS) values drop to 1 and the cycle is scored
    again. Returns the new run (the cycle's latest computation, not shown until published)."""
    submission = Submission.objects.get(cycle=cycle, region__code=code)
    submission.values.filter(indicator__code__startswith="RS").update(value=1.0)
    Submission.objects.filter(pk=submission.pk).update(updated_at=timezone.now())
    return score(cycle)


def ranks_need(cycle: Cycle, share: float) -> Cycle:
    """The cycle shows ranks only while at least `share` (0–1) of its participants are approved."""
    Cycle.objects.filter(pk=cycle.pk).update(min_participation=share)
    cycle.refresh_from_db()
    return cycle
