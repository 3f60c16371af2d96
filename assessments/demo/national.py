"""The national demo (`seed_demo --scale national`): every prefecture- and county-level division of the register
(China's: 333 + 2,850) assessed in five annual cycles, 2022–2025 closed and published, 2026 open with submissions
at every step and provisional results — for trying the platform at the scale of a national campaign.

It is built through the campaign's services like the quick demo (`demo_seed`): the cycles are created, opened for
their participants, given comparison groups, closed and published by the national coordinator, and their scores
computed by the score run (its statistical audit and sensitivity analysis included). Values, evidence and the
workflow go through the batched forms of the entry services (`services.batch`), which apply the same rules, audit
and notifications a cycle at a time: one call per submission, as the quick demo makes, would take most of an hour
for 16,000 submissions.

Like the quick demo's past cycles, every cycle is recorded after the fact by the platform administrator (the demo
imports no staff for 3,183 regions), so their four-eyes rule is off. Values are generated, not observed
(`generate_values`, with an east–west gradient between provinces and counties that follow their prefecture):
every cycle is flagged `is_demo`, every value's source is "demo", every evidence file says it is generated, and
the seeding is audited as "Demo data generated".
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from audit.models import Action
from audit.services import audit_record
from indicators.models import Framework, Indicator
from smartgov.errors import Refused

from ..models import Cycle, IndicatorValue, Region, ScoreRun, Submission
from ..regions_file import read_regions_file
from ..selectors import submissions_findings_of
from ..services import Entry, cycle_create, cycle_scores_compute, cycle_scores_request, regions_load
from ..services.batch import evidence_add_many, submission_transition_many, values_save_many
from ..services.cycles import cycle_close, cycle_open
from ..services.groups import GroupInput, groups_set
from ..services.participants import ParticipantSet
from ..services.publication import cycle_publish
from .campaign import CURRENT_STATUSES, EXPLANATION, MIN_PARTICIPATION, WORKFLOW, _window, evidence_file
from .people import DEMO_USERS, demo_logins
from .values import PROVINCE_EFFECT, SEED, generate_values

Level = Region.Level
Status = Submission.Status
NATIONAL_PERIODS = (2022, 2023, 2024, 2025, 2026)
NATIONAL_PROVINCE_EFFECT = {
    **PROVINCE_EFFECT,
    "310000": 0.5, "110000": 0.45, "350000": 0.2, "120000": 0.15, "370000": 0.15, "340000": 0.1, "500000": 0.05,
    "420000": 0.05, "510000": 0.0, "430000": 0.0, "460000": -0.05, "520000": -0.05, "610000": -0.05,
    "360000": -0.05, "410000": -0.05, "130000": -0.1, "210000": -0.1, "220000": -0.15, "140000": -0.15,
    "150000": -0.15, "450000": -0.15, "230000": -0.2, "530000": -0.2, "640000": -0.2, "620000": -0.3,
    "650000": -0.3, "630000": -0.35, "540000": -0.45,
}
"""How far ahead each province-level division is: an illustrative east–west gradient, not a measurement (the quick
demo's three provinces keep their effects)."""
SUB_PROVINCIAL = ("210100", "210200", "220100", "230100", "320100", "330100", "330200", "350200", "370100",
                  "370200", "420100", "440100", "440300", "510100", "610100")
SEPARATELY_PLANNED = ("210200", "330200", "350200", "370200", "440300")
Say = Callable[[str], None]


class Stopwatch:
    """Seconds spent in each stage of each cycle, as the seeding goes (`say` tells each one when it ends)."""

    def __init__(self, say: Say) -> None:
        self.say = say
        self.stages: dict[str, dict[str, float]] = {}

    @contextmanager
    def __call__(self, part: str, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        seconds = time.perf_counter() - start
        self.stages.setdefault(part, {})[stage] = round(self.stages.get(part, {}).get(stage, 0.0) + seconds, 2)
        self.say(f"  {part} {stage}: {seconds:.1f} s")


def demo_seed_national(*, framework: Framework, regions_file: Path, say: Say = lambda _text: None
                       ) -> dict[str, Any]:
    """Create the national demo, or complete it: a cycle that exists already is left as it is, so a second run
    changes nothing. Refused (nothing of the cycles written) when a cycle of its periods exists that does not
    cover the register, e.g. the quick demo's."""
    clock = Stopwatch(say)
    with clock("setup", "regions"):
        document = read_regions_file(regions_file)
        regions_load(document=document, actor=None)
    with clock("setup", "logins"):
        admin = demo_logins()["demo_admin"]
    regions = list(Region.objects.current().filter(tree=document.tree, level__in=[Level.PREFECTURE, Level.COUNTY])
                   .select_related("province", "parent").order_by("code"))
    if not regions:
        raise Refused(_("The register has no prefecture- or county-level division to assess."))
    todo = _periods_to_make(framework, regions)
    indicators = list(framework.indicators.select_related("dimension").order_by("dimension__order", "order"))
    values = generate_values([r.code for r in regions], {r.code: r.province.code for r in regions}, indicators,
                             NATIONAL_PERIODS, SEED, province_effect=NATIONAL_PROVINCE_EFFECT,
                             parent_of={r.code: r.parent.code for r in regions if r.level == Level.COUNTY})
    for period in todo:
        say(f"{period}:")
        current = period == NATIONAL_PERIODS[-1]
        with transaction.atomic():
            _cycle_run(framework, regions, indicators, values[NATIONAL_PERIODS.index(period)], admin,
                       period=period, current=current, clock=clock)
    facts = {"scale": "national", "regions": len(regions), "periods": list(todo), "indicators": len(indicators)}
    if todo:
        audit_record(actor=None, action=Action.DEMO_SEEDED, subject="national", new=facts)
    return {**facts, "stages": clock.stages, "users": [u.username for u in DEMO_USERS]}


def _periods_to_make(framework: Framework, regions: Sequence[Region]) -> list[int]:
    """The national periods without a cycle yet; Refused when one has a cycle that does not cover the register."""
    wanted = {r.pk for r in regions}
    todo = []
    for period in NATIONAL_PERIODS:
        cycle = Cycle.objects.filter(framework=framework, period=period).first()
        if cycle is None:
            todo.append(period)
            continue
        taking_part = set(cycle.submissions.values_list("region_id", flat=True))
        if not wanted <= taking_part:
            raise Refused(_(
                "The %(period)s cycle exists with %(participants)d participants, not the register's %(regions)d "
                "prefecture- and county-level divisions (the quick demo's?): the national demo needs a database "
                "without it, e.g. a new one.") % {"period": period, "participants": len(taking_part),
                                                  "regions": len(wanted)})
    return todo


def _cycle_run(framework: Framework, regions: Sequence[Region], indicators: Sequence[Indicator], values: np.ndarray,
               admin: User, *, period: int, current: bool, clock: Stopwatch) -> Cycle:
    """One national cycle (values: regions × indicators), as far as the quick demo takes its own: the current one to
    provisional results, a past one to published results."""
    part = str(period)
    with clock(part, "open"):
        opens, closes = _window(period, current=current)
        cycle = cycle_create(actor=admin, framework=framework, period=period, opens=opens, closes=closes,
                             min_participation=MIN_PARTICIPATION, is_demo=True, separation_of_duties=False)
        cycle_open(cycle=cycle, actor=admin, participants=ParticipantSet.of_codes(r.code for r in regions))
        groups_set(cycle=cycle, groups=national_groups(regions), actor=admin)
        by_region = {s.region_id: s for s in cycle.submissions.select_related("region")}
        drafts = {u.region_code for u in DEMO_USERS if u.region_code}
        targets = {by_region[r.pk]: _target(n, r, drafts, current=current) for n, r in enumerate(regions)}
    with clock(part, "values"):
        values_save_many(cycle=cycle, actor=admin, source=IndicatorValue.Source.DEMO, entries={
            by_region[r.pk]: {i.code: Entry(float(value)) for j, (i, value) in enumerate(zip(indicators, row,
                                                                                             strict=True))
                              if targets[by_region[r.pk]] != Status.DRAFT or j % 5}
            for r, row in zip(regions, values, strict=True)})
    going = [s for s, target in targets.items() if target != Status.DRAFT]
    with clock(part, "evidence"):
        required = [i for i in indicators if i.evidence_required]
        evidence_add_many(cycle=cycle, actor=admin, uploads=[
            (s, i.code, evidence_file(s.region, i, period)) for s in going for i in required])
    with clock(part, "explain"):
        _explain(cycle, going, admin)
    with clock(part, "workflow"):
        for action in WORKFLOW[Status.APPROVED]:
            taking = [s for s in going if action in WORKFLOW[targets[s]]]
            if taking:
                submission_transition_many(cycle=cycle, submissions=taking, action=action, actor=admin)
    with clock(part, "scores"):
        run = cycle_scores_request(cycle=cycle, actor=admin, reason="demo", enqueue=False)
        run = cycle_scores_compute(run_id=run.pk)
        if run.status != ScoreRun.Status.SUCCEEDED:
            raise Refused(_("The demo's score run of %(period)s failed: %(error)s") % {"period": period,
                                                                                     "error": run.error})
    if not current:
        with clock(part, "publish"):
            cycle_close(cycle=cycle, actor=admin)
            cycle_publish(cycle=cycle, actor=admin)
    return cycle


def national_groups(regions: Sequence[Region]) -> list[GroupInput]:
    """The national cycles' comparison groups among `regions`: the sub-provincial cities, the cities specifically
    designated in the state plan, and each level (a county is ranked among counties too)."""
    codes = {r.code for r in regions}
    groups = [
        GroupInput("sub-provincial", "副省级城市", "Sub-provincial cities",
                   tuple(c for c in SUB_PROVINCIAL if c in codes)),
        GroupInput("separately-planned", "计划单列市", "Cities specifically designated in the state plan",
                   tuple(c for c in SEPARATELY_PLANNED if c in codes)),
        GroupInput("prefecture-level", "地级行政区", "Prefecture-level divisions",
                   tuple(r.code for r in regions if r.level == Level.PREFECTURE)),
        GroupInput("county-level", "县级行政区", "County-level divisions",
                   tuple(r.code for r in regions if r.level == Level.COUNTY)),
    ]
    return [g for g in groups if g.members]


def _target(index: int, region: Region, drafts: set[str], *, current: bool) -> Status:
    """As the quick demo: past cycles all approved; the current one at every step, the demo logins' city a draft."""
    if not current:
        return Status.APPROVED
    if region.code in drafts:
        return Status.DRAFT
    return CURRENT_STATUSES[index % len(CURRENT_STATUSES)]


def _explain(cycle: Cycle, submissions: Sequence[Submission], officer: User) -> None:
    """A note on every value a warning rule or the anomaly check asks about, as the quick demo's officers write."""
    findings = submissions_findings_of(cycle, submissions)
    flagged = {s: {code for f in findings[s.pk] if f.kind in ("rule_warning", "anomaly") for code in f.indicators}
               for s in submissions}
    flagged = {s: codes for s, codes in flagged.items() if codes}
    if not flagged:
        return
    stored = {(pk, code): value for pk, code, value in IndicatorValue.objects.filter(
        submission__in=list(flagged)).values_list("submission_id", "indicator__code", "value")}
    values_save_many(cycle=cycle, actor=officer, source=IndicatorValue.Source.DEMO, entries={
        s: {code: Entry(stored[(s.pk, code)], EXPLANATION) for code in codes} for s, codes in flagged.items()})
