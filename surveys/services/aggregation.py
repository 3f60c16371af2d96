"""Turning citizens' responses, imported ratings and hotline figures into the satisfaction indicators of a
city's submission, with a note saying how each value was computed."""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import IndicatorValue, Submission
from assessments.services import Change, Entry, values_save
from audit.services import Actor

from .. import sources
from ..models import Questionnaire, SatisfactionEstimate
from ..selectors import IndicatorEstimate, city_estimates, covering_questionnaire, min_responses
from .refusals import check_manage


@dataclass
class AggregateOutcome:
    changes: list[Change]
    estimates: list[IndicatorEstimate] = field(default_factory=list)


def satisfaction_aggregate(*, submission: Submission, actor: Actor) -> AggregateOutcome:
    """Compute the satisfaction indicators of the submission's city from citizens' responses, imported ratings
    and hotline figures, and write them into the submission (source "survey", each with a note saying how),
    through `values_save`: audited, refused while the submission is locked. A value from citizens whose source
    is now empty is cleared. Values from citizens cannot be changed by hand afterwards (see `values_save`)."""
    check_manage(actor, submission.region)
    questionnaire = covering_questionnaire(submission.cycle, submission.region)
    estimates = city_estimates(submission, questionnaire)
    with transaction.atomic():
        current = {v.indicator.code: v for v in submission.values.select_related("indicator")
                   .filter(indicator__code__in=[e.indicator.code for e in estimates])}
        entries = {}
        for item in estimates:
            code = item.indicator.code
            score = item.estimate.value
            if score is not None:  # the estimate is available
                entries[code] = Entry(round(score, 2), explain(item, questionnaire))
            elif code in current and current[code].source == IndicatorValue.Source.SURVEY:
                entries[code] = Entry(None)
        result = values_save(submission=submission, entries=entries, actor=actor, expected_version=None,
                             source=IndicatorValue.Source.SURVEY)
        values = {v.indicator.code: v for v in submission.values.select_related("indicator")
                  .filter(indicator__code__in=list(entries), source=IndicatorValue.Source.SURVEY)}
        now = timezone.now()
        for item in estimates:
            value = values.get(item.indicator.code)
            if value is None or not item.available:
                continue
            e = item.estimate
            SatisfactionEstimate.objects.update_or_create(value=value, defaults={
                "method": e.method, "n": e.n, "n_effective": e.n_effective, "low": e.low, "high": e.high,
                "weighted": e.weighted, "unweighted": e.unweighted, "too_few": item.too_few,
                "sources": {"source": item.source, "questionnaire": getattr(questionnaire, "pk", None),
                            "numerator": e.numerator, "excluded": e.excluded,
                            "empty_groups": list(e.empty_groups)},
                "computed_at": now})
    return AggregateOutcome(result.changes, estimates)


def _number(x: float | None, digits: int = 1) -> str:
    return "—" if x is None else f"{x:,.{digits}f}"


def explain(item: IndicatorEstimate, questionnaire: Questionnaire | None) -> str:
    """The note written with a value from citizens: where it comes from, n, the interval, the method."""
    e = item.estimate
    parts = []
    if item.too_few:
        parts.append(_("⚠ Too few responses: %(n)s, fewer than %(min)s.") % {"n": f"{e.n:,}",
                                                                              "min": f"{min_responses():,}"})
    interval = {"low": _number(e.low), "high": _number(e.high)}
    if item.source == "questionnaire":
        parts.append(_("From citizens: %(n)s responses to the questionnaire “%(title)s” (%(region)s), answers 1–5 "
                       "converted as (mean − 1) ÷ 4 × 100; 95%% interval %(low)s–%(high)s (normal approximation).")
                     % {"n": f"{e.n:,}", "title": questionnaire.title_zh, "region": questionnaire.region.name_zh,
                        **interval})
        if e.weighted:
            parts.append(_("Weighted to the population shares of “%(question)s” (post-stratification): effective "
                           "sample size %(n_eff)s; unweighted %(unweighted)s.")
                         % {"question": e.notes.get("weighting", ""), "n_eff": _number(e.n_effective),
                            "unweighted": _number(e.unweighted, 2)})
            if e.excluded:
                parts.append(_("%(count)s respondents without an answer to that question were left out.")
                             % {"count": f"{e.excluded:,}"})
            if e.empty_groups:
                parts.append(_("No respondent in %(count)d groups; their shares went to the others.")
                             % {"count": len(e.empty_groups)})
    else:
        texts = {
            sources.RATINGS_SATISFIED: _("From citizens: %(k)s of %(n)s imported good/bad ratings were 4–5 "
                                         "(satisfied or very satisfied)."),
            sources.RATINGS_RECTIFIED: _("From citizens: %(k)s of %(n)s bad ratings (1–2) with a rectification "
                                         "answer were rectified."),
            sources.HOTLINE_SATISFIED: _("From citizens (12345 hotline, %(months)s months imported): %(k)s of %(n)s "
                                         "requesters who answered the follow-up were satisfied."),
            sources.HOTLINE_ON_TIME: _("From the 12345 hotline (%(months)s months imported): %(k)s of %(n)s work "
                                       "orders were closed on time."),
            sources.HOTLINE_UNRESOLVED: _("From citizens (12345 hotline, %(months)s months imported): %(k)s of %(n)s "
                                          "requesters who answered the follow-up said their request was not "
                                          "resolved."),
        }
        parts.append(texts[item.indicator.code] % {"k": f"{e.numerator:,}", "n": f"{e.n:,}",
                                                     "months": e.notes.get("months", 0)})
        parts.append(_("95%% Wilson interval %(low)s–%(high)s.") % interval)
    parts.append(_("Aggregated from the responses, not entered by hand."))
    return " ".join(parts)
