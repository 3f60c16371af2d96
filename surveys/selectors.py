"""Reads behind the satisfaction pages and the aggregation: who may manage what, which questionnaire covers a
city, the estimates per indicator, and the statistics of the responses (over time, per question, comments)."""

import dataclasses
import datetime
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import Cycle, Region, RoleAssignment, Submission
from assessments.permissions import held_roles, is_platform_admin, roles_for_region
from audit.services import Actor
from indicators.models import Framework, Indicator
from indicators.selectors import DEFAULT_FRAMEWORK_CODE
from smartgov.limits import IMPORT_UPLOAD_LIFETIME

from . import sources
from .masking import mask_personal_data
from .models import (
    Answer,
    HotlineStatistic,
    Question,
    Questionnaire,
    RecordsImportRequest,
    SatisfactionImport,
    SatisfactionImportRequest,
    ServiceRating,
    SurveyResponse,
)
from .stats import Estimate, bucket_counts, mean_estimate, poststratification_weights, respondent_scores, share_estimate

Role = RoleAssignment.Role
MANAGING_ROLES = frozenset({Role.CITY_REVIEWER, Role.PROVINCE_ANALYST, Role.PLATFORM_ADMIN})
SCALE_LABELS = (_("Very dissatisfied"), _("Dissatisfied"), _("Neutral"), _("Satisfied"), _("Very satisfied"))
COMMENTS_PER_PAGE = 20


def min_responses() -> int:
    return getattr(settings, "SATISFACTION_MIN_RESPONSES", 100)


def may_manage(user: Actor, region: Region) -> bool:
    """City reviewers (their city), provincial analysts (the province and its cities), administrators."""
    return bool(roles_for_region(user, region) & MANAGING_ROLES)


def satisfaction_indicators(framework: Framework) -> QuerySet[Indicator]:
    return framework.indicators.filter(dimension__code=sources.DIMENSION).order_by("order")


def question_indicators(framework: Framework) -> QuerySet[Indicator]:
    """The indicators a satisfaction question may feed: the dimension's scores, not its shares from records."""
    return satisfaction_indicators(framework).exclude(code__in=sources.not_from_questions(framework))


def covering_questionnaire(cycle: Cycle, city: Region) -> Questionnaire | None:
    """The questionnaire whose responses count for `city` in `cycle`: the city's own once it is published,
    otherwise its province's (the responses of respondents who chose this city)."""
    candidates = Questionnaire.objects.filter(cycle=cycle).exclude(status=Questionnaire.Status.DRAFT)
    own = candidates.filter(region=city).first()
    if own is not None or city.province_id in (None, city.pk):
        return own
    return candidates.filter(region_id=city.province_id).first()


def responses_of(questionnaire: Questionnaire, region: Region | None = None) -> QuerySet[SurveyResponse]:
    responses = SurveyResponse.objects.filter(questionnaire=questionnaire)
    if region is not None and region.pk != questionnaire.region_id:
        responses = responses.filter(region=region)
    return responses


@dataclass
class IndicatorEstimate:
    indicator: Indicator
    estimate: Estimate
    source: str | None
    """"questionnaire", "ratings", "hotline", or None when nothing feeds it."""

    @property
    def too_few(self) -> bool:
        return 0 < self.estimate.n < min_responses()

    @property
    def available(self) -> bool:
        return self.estimate.value is not None


def questionnaire_estimates(questionnaire: Questionnaire, region: Region | None = None) -> dict[str, Estimate]:
    """Indicator code → Estimate from the questionnaire's responses (of `region`'s respondents when it is a city
    of a provincial questionnaire), weighted when a question carries population shares."""
    answers = Answer.objects.filter(response__in=responses_of(questionnaire, region))
    rows = np.array(list(answers.filter(question__kind=Question.Kind.SCALE)
                         .values_list("response_id", "question__indicator__code", "value")), dtype=object)
    weighting = questionnaire.questions.filter(weighting=True).first()
    groups, shares = {}, {}
    if weighting is not None:
        groups = dict(answers.filter(question=weighting).values_list("response_id", "value"))
        shares = {number: option.get("share") for number, option in enumerate(weighting.options, start=1)}
    estimates: dict[str, Estimate] = {}
    if rows.size == 0:
        return estimates
    for code in sorted(set(rows[:, 1])):
        mine = rows[rows[:, 1] == code]
        ids, scores = respondent_scores(mine[:, 0].astype(np.int64), mine[:, 2].astype(float))
        if weighting is None:
            estimates[code] = mean_estimate(scores)
            continue
        weights = poststratification_weights([groups.get(int(i)) for i in ids], shares)
        estimate = mean_estimate(scores, weights.weights)
        estimates[code] = dataclasses.replace(
            estimate, excluded=weights.excluded, empty_groups=weights.empty_groups,
            unweighted=float(np.mean(scores)), notes={"weighting": weighting.text})
    return estimates


def ratings_estimates(region: Region, cycle: Cycle) -> dict[str, Estimate]:
    counts = ServiceRating.objects.filter(batch__region=region, batch__cycle=cycle).aggregate(
        total=Count("id"), satisfied=Count("id", filter=Q(rating__gte=4)),
        bad=Count("id", filter=Q(rating__lte=2, rectified__isnull=False)),
        rectified=Count("id", filter=Q(rating__lte=2, rectified=True)))
    return {sources.RATINGS_SATISFIED: share_estimate(counts["satisfied"], counts["total"]),
            sources.RATINGS_RECTIFIED: share_estimate(counts["rectified"], counts["bad"])}


def hotline_estimates(region: Region, cycle: Cycle) -> dict[str, Estimate]:
    sums = {key: value or 0 for key, value in HotlineStatistic.objects.filter(region=region, cycle=cycle).aggregate(
        calls=Sum("calls"), on_time=Sum("on_time"), resolved=Sum("resolved"), satisfied=Sum("satisfied"),
        rated=Sum("rated"), months=Count("id")).items()}
    estimates = {
        sources.HOTLINE_SATISFIED: share_estimate(sums["satisfied"], sums["rated"]),
        sources.HOTLINE_ON_TIME: share_estimate(sums["on_time"], sums["calls"]),
        sources.HOTLINE_UNRESOLVED: share_estimate(sums["rated"] - sums["resolved"], sums["rated"]),
    }
    return {code: dataclasses.replace(e, notes={"months": sums["months"]}) for code, e in estimates.items()}


def city_estimates(submission: Submission, questionnaire: Questionnaire | None = None) -> list[IndicatorEstimate]:
    """Every satisfaction indicator of the submission's framework with what its sources say now."""
    region, cycle = submission.region, submission.cycle
    questionnaire = questionnaire or covering_questionnaire(cycle, region)
    found = {}
    if questionnaire is not None:
        found.update({code: ("questionnaire", e) for code, e in questionnaire_estimates(questionnaire, region).items()})
    if sources.feeds_from_imports(cycle.framework):
        found.update({code: ("ratings", e) for code, e in ratings_estimates(region, cycle).items()})
        found.update({code: ("hotline", e) for code, e in hotline_estimates(region, cycle).items()})
    result = []
    for indicator in satisfaction_indicators(cycle.framework):
        source, estimate = found.get(indicator.code, (None, Estimate("mean", None, 0)))
        if estimate.n == 0:
            source = None
        result.append(IndicatorEstimate(indicator, estimate, source))
    return result


def imports_of(region: Region, cycle: Cycle) -> QuerySet[SatisfactionImport]:
    return (SatisfactionImport.objects.filter(region=region, cycle=cycle)
            .select_related("imported_by").order_by("-imported_at", "-id"))


def import_requests_of(submission: Submission, *, kind: str | None = None,
                       limit: int = 10) -> list[SatisfactionImportRequest]:
    """The latest files uploaded for the city's cycle (checks and imports), newest first."""
    requests = SatisfactionImportRequest.objects.filter(submission=submission).select_related("requested_by")
    if kind is not None:
        requests = requests.filter(kind=kind)
    return list(requests.defer("row_errors").order_by("-requested_at", "-id")[:limit])


def import_file_kept(request: SatisfactionImportRequest | RecordsImportRequest) -> bool:
    """Whether a request's stored file is still there to be imported: a successful dry run's is kept
    IMPORT_UPLOAD_LIFETIME seconds after the check (then removed as the next file is uploaded)."""
    finished = request.finished_at or request.requested_at
    return bool(request.file) and finished >= timezone.now() - datetime.timedelta(seconds=IMPORT_UPLOAD_LIFETIME)


def import_request_status(request: SatisfactionImportRequest | RecordsImportRequest) -> dict[str, object]:
    """What the page of a request shows while it waits or runs (its status endpoint answers this)."""
    return {"id": request.pk, "status": request.status, "status_label": request.get_status_display(),
            "active": request.is_active, "stage": request.stage,
            "stage_label": request.get_stage_display() if request.stage else "", "progress": request.progress}


@dataclass(frozen=True)
class AnswerBar:
    """How many chose one answer of a question."""

    label: str
    value: int
    """The answer as stored: 1–5 on the satisfaction scale, the option's number for a choice."""
    count: int
    percent: float
    """Of those who answered the question."""


@dataclass(frozen=True)
class QuestionResults:
    question: Question
    bars: list[AnswerBar]
    answered: int
    skipped: int
    """Respondents who left it out or answered "not applicable"."""
    score: float | None
    """The mean answer as 0–100 ((answer − 1) × 25), for a satisfaction question."""


@dataclass(frozen=True)
class TimelineBucket:
    date: datetime.date
    """The day, or the first day of the week."""
    count: int
    percent: float
    """Of the busiest day or week."""


@dataclass(frozen=True)
class CityCount:
    region: Region
    responses: int


@dataclass(frozen=True)
class ResponseOverview:
    total: int
    unit: str
    """"day" or "week": the buckets of `timeline`."""
    timeline: list[TimelineBucket]
    questions: list[QuestionResults]
    by_city: list[CityCount]
    """For a province's questionnaire seen as a whole: responses per city, by code; else empty."""


def response_overview(questionnaire: Questionnaire, region: Region | None = None) -> ResponseOverview:
    """Responses over time, the distribution of the answers to each question, and the responses per city."""
    responses = responses_of(questionnaire, region)
    total = responses.count()
    per_day = list(responses.annotate(day=TruncDate("submitted_at")).values_list("day")
                   .annotate(n=Count("id")).order_by("day"))
    unit, buckets = bucket_counts(per_day)
    peak = max((count for _day, count in buckets), default=0)
    counts: dict[int, dict[int, int]] = {}
    for question_id, value, n in (Answer.objects.filter(response__in=responses)
                                  .values_list("question_id", "value").annotate(n=Count("id"))):
        counts.setdefault(question_id, {})[value] = n
    questions = []
    for question in questionnaire.questions.select_related("indicator"):
        labels = ([str(label) for label in SCALE_LABELS] if question.kind == Question.Kind.SCALE
                  else question.option_labels())
        mine = counts.get(question.pk, {})
        answered = sum(mine.values())
        bars = [AnswerBar(label, number, mine.get(number, 0), 100 * mine.get(number, 0) / answered if answered else 0)
                for number, label in enumerate(labels, start=1)]
        mean = (sum((number - 1) * 25 * n for number, n in mine.items()) / answered
                if answered and question.kind == Question.Kind.SCALE else None)
        questions.append(QuestionResults(question, bars, answered, total - answered, mean))
    by_city = []
    if questionnaire.region.level == Region.Level.PROVINCE and region is None:
        cities = {r.pk: r for r in Region.objects.filter(pk__in=responses.values("region"))}
        by_city = [CityCount(cities[region_id], n) for region_id, n in
                   responses.values_list("region").annotate(n=Count("id")).order_by("region__code")]
    return ResponseOverview(
        total=total, unit=unit, questions=questions, by_city=by_city,
        timeline=[TimelineBucket(day, count, 100 * count / peak if peak else 0) for day, count in buckets])


@dataclass(frozen=True)
class Comment:
    at: datetime.datetime
    region: Region
    text: str
    """Personal data masked."""


@dataclass(frozen=True)
class CommentsPage:
    page: Page[SurveyResponse]
    rows: list[Comment]


def comments_page(questionnaire: Questionnaire, region: Region | None, number: int | str | None) -> CommentsPage:
    """One page of the comments, newest first, with personal data masked (again: they are stored masked)."""
    comments = (responses_of(questionnaire, region).exclude(comment="").select_related("region")
                .only("submitted_at", "comment", "region__name_zh", "region__name_en").order_by("-submitted_at", "-id"))
    page = Paginator(comments, COMMENTS_PER_PAGE).get_page(number)
    return CommentsPage(page, [Comment(r.submitted_at, r.region, mask_personal_data(r.comment))
                               for r in page.object_list])


def records_import_requests_of(province: Region, *, limit: int = 10) -> list[RecordsImportRequest]:
    """The latest files of records uploaded for the province's regions (checks and imports), newest first."""
    return list(RecordsImportRequest.objects.filter(province=province).select_related("requested_by", "cycle")
                .defer("row_errors", "outcome").order_by("-requested_at", "-id")[:limit])


def records_cycles() -> QuerySet[Cycle]:
    """The open cycles whose framework computes values from system records (the default framework from
    RECORDS_SINCE_VERSION on), newest first."""
    return (Cycle.objects.filter(status=Cycle.Status.OPEN, framework__code=DEFAULT_FRAMEWORK_CODE,
                                 framework__version__gte=sources.RECORDS_SINCE_VERSION)
            .select_related("framework").order_by("-period", "-id"))


def records_provinces(user: Actor) -> QuerySet[Region]:
    """The provinces whose records `user` may import: every one for a platform administrator, their own for a
    provincial analyst."""
    provinces = Region.objects.filter(level=Region.Level.PROVINCE).order_by("code")
    if is_platform_admin(user):
        return provinces
    return provinces.filter(pk__in=[region_id for role, region_id in held_roles(user)
                                    if role == RoleAssignment.Role.PROVINCE_ANALYST])
