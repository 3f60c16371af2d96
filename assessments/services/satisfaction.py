"""Writes of public satisfaction (公众满意度): questionnaires, citizens' responses, imported good/bad ratings and
12345 hotline figures, and their aggregation into the satisfaction indicators of a city's submission.

Privacy: a response carries no personal data. The client's network address is kept only as an HMAC keyed with
a key derived from SECRET_KEY and salted per questionnaire (IPv6 addresses by their /64 network); it serves to
limit floods and cannot be turned back into the address. Free text (survey comments, rating comments) is stored
with phone numbers, ID card numbers and e-mail addresses masked.
"""

import datetime
import hashlib
import ipaddress
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from ..audit import audit_record
from ..models import (
    Answer,
    HotlineStatistic,
    IndicatorValue,
    Question,
    Questionnaire,
    Region,
    SatisfactionEstimate,
    SatisfactionImport,
    ServiceRating,
    SurveyResponse,
)
from ..satisfaction import sources
from ..satisfaction.masking import mask_personal_data
from ..satisfaction.queries import (
    city_estimates,
    covering_questionnaire,
    may_manage,
    min_responses,
    question_indicators,
)
from ..satisfaction.tables import UnreadableTable, parse_hotline, parse_ratings, read_table
from .submissions import Entry, values_save

Status = Questionnaire.Status


class SatisfactionRefused(Exception):
    """A request the rules refuse; the message says why, for the user."""


class SurveyClosed(SatisfactionRefused):
    pass


class AlreadyAnswered(SatisfactionRefused):
    pass


class TooManyResponses(SatisfactionRefused):
    pass


class ImportRejected(Exception):
    """Nothing was imported; `errors` are the row-level problems (empty when the whole file is unusable)."""

    def __init__(self, message, errors=(), rows=0):
        super().__init__(message)
        self.errors = list(errors)
        self.rows = rows


def _check_manage(actor, region):
    if not may_manage(actor, region):
        raise PermissionDenied(_("Only the city's reviewer, the province's analysts and administrators may do "
                                 "this."))


# --- Questionnaires -------------------------------------------------------------------------------------------


def questionnaire_create(*, cycle, region: Region, actor) -> Questionnaire:
    """A draft questionnaire with the default questions: one per satisfaction score of the framework and a few
    about the respondent (age band, channel, who; the district when the city's counties are known)."""
    _check_manage(actor, region)
    if region.level not in (Region.Level.CITY, Region.Level.PROVINCE):
        raise SatisfactionRefused(_("A questionnaire is for a city or a province."))
    if Questionnaire.objects.filter(cycle=cycle, region=region).exists():
        raise SatisfactionRefused(_("This region already has a questionnaire in this cycle."))
    names = {"period": cycle.period}
    with transaction.atomic():
        questionnaire = Questionnaire.objects.create(
            cycle=cycle, region=region, created_by=actor,
            title_zh=sources.DEFAULT_TITLE[0].format(region=region.name_zh, **names),
            title_en=sources.DEFAULT_TITLE[1].format(region=region.name_en, **names),
            intro_zh=sources.DEFAULT_INTRO[0], intro_en=sources.DEFAULT_INTRO[1])
        questions = [Question(kind=Question.Kind.SCALE, indicator=indicator, text_zh=texts[0], text_en=texts[1])
                     for indicator in question_indicators(cycle.framework)
                     if (texts := sources.DEFAULT_SCALE_QUESTIONS.get(indicator.code,
                                                                      (indicator.name_zh, indicator.name_en)))]
        choices = list(sources.DEFAULT_CHOICE_QUESTIONS)
        counties = list(region.children.filter(level=Region.Level.COUNTY).order_by("code"))
        if counties:
            choices.insert(1, ("您所在的区县", "Your district or county", [(c.name_zh, c.name_en) for c in counties]))
        questions += [Question(kind=Question.Kind.CHOICE, text_zh=zh, text_en=en,
                               options=[{"zh": o_zh, "en": o_en, "share": None} for o_zh, o_en in options])
                      for zh, en, options in choices]
        for order, question in enumerate(questions, start=1):
            question.questionnaire, question.order = questionnaire, order
        Question.objects.bulk_create(questions)
        audit_record(actor=actor, action="questionnaire_create", subject=f"questionnaire {questionnaire.pk}",
                     new={"cycle": cycle.period, "region": region.code})
    return questionnaire


def questionnaire_save(*, questionnaire: Questionnaire, texts: dict, questions: list | None, actor) -> Questionnaire:
    """Save the title, introduction and comment setting; and the questions, unless responses exist (then the
    questions stay as the respondents saw them). Weighting shares survive for options that keep their name."""
    _check_manage(actor, questionnaire.region)
    with transaction.atomic():
        questionnaire = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
        if questions is not None and questionnaire.responses.exists():
            raise SatisfactionRefused(_("Citizens have answered already: the questions can no longer be changed."))
        allowed = {"title_zh", "title_en", "intro_zh", "intro_en", "allow_comment"}
        for name, value in texts.items():
            if name in allowed:
                setattr(questionnaire, name, value)
        questionnaire.save()
        if questions is not None:
            _replace_questions(questionnaire, questions)
        audit_record(actor=actor, action="questionnaire_save", subject=f"questionnaire {questionnaire.pk}",
                     new={"questions": len(questions) if questions is not None else None})
    return questionnaire


def _replace_questions(questionnaire, questions):
    eligible = set(question_indicators(questionnaire.cycle.framework).values_list("pk", flat=True))
    old = {(q.kind, q.text_zh): q for q in questionnaire.questions.all()}
    rows = []
    for order, data in enumerate(questions, start=1):
        if data["kind"] == Question.Kind.SCALE and getattr(data["indicator"], "pk", None) not in eligible:
            raise SatisfactionRefused(_("A satisfaction question must feed a satisfaction indicator of the "
                                        "framework."))
        previous = old.get((data["kind"], data["text_zh"]))
        options, weighting = data.get("options") or [], False
        if previous is not None and data["kind"] == Question.Kind.CHOICE:
            shares = {o.get("zh"): o.get("share") for o in previous.options}
            options = [{**o, "share": shares.get(o["zh"])} for o in options]
            weighting = previous.weighting and all(o["share"] is not None for o in options)
        rows.append(Question(questionnaire=questionnaire, order=order, kind=data["kind"], text_zh=data["text_zh"],
                             text_en=data.get("text_en", ""), indicator=data.get("indicator"), options=options,
                             required=data.get("required", False), weighting=weighting))
    questionnaire.questions.all().delete()
    Question.objects.bulk_create(rows)


def questionnaire_weighting_save(*, questionnaire: Questionnaire, question: Question | None, shares: dict | None,
                                 actor) -> None:
    """Weight the responses to population shares (in %, summing to 100) of one question's options, or
    (question None) not at all. Possible at any time: the estimates are recomputed from the stored answers."""
    _check_manage(actor, questionnaire.region)
    with transaction.atomic():
        questionnaire.questions.filter(weighting=True).update(weighting=False)
        if question is None:
            audit_record(actor=actor, action="questionnaire_weighting", subject=f"questionnaire {questionnaire.pk}",
                         new=None)
            return
        if question.questionnaire_id != questionnaire.pk or question.kind != Question.Kind.CHOICE:
            raise SatisfactionRefused(_("Only a question about the respondent can carry population shares."))
        values = []
        for number in range(1, len(question.options) + 1):
            share = (shares or {}).get(number)
            if share is None or share < 0:
                raise SatisfactionRefused(_("Enter a population share (0 or more) for every option."))
            values.append(float(share))
        if abs(sum(values) - 100) > 1:
            raise SatisfactionRefused(_("The population shares add up to %(total)s %%; they must add up to 100 %%.")
                                      % {"total": f"{sum(values):g}"})
        question.options = [{**o, "share": s} for o, s in zip(question.options, values, strict=True)]
        question.weighting = True
        question.save(update_fields=["options", "weighting"])
        audit_record(actor=actor, action="questionnaire_weighting", subject=f"questionnaire {questionnaire.pk}",
                     new={"question": question.text_zh, "shares": values})


STATUS_MOVES = {"publish": ((Status.DRAFT, Status.CLOSED), Status.PUBLISHED),
                "close": ((Status.PUBLISHED,), Status.CLOSED)}


def questionnaire_status_set(*, questionnaire: Questionnaire, action: str, actor) -> Questionnaire:
    """Publish (open the public link, or reopen it) or close a questionnaire."""
    _check_manage(actor, questionnaire.region)
    if action not in STATUS_MOVES:
        raise SatisfactionRefused(_("Unknown action."))
    sources_, target = STATUS_MOVES[action]
    with transaction.atomic():
        questionnaire = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
        if questionnaire.status not in sources_:
            raise SatisfactionRefused(_("Not possible while the questionnaire is “%(status)s”.")
                                      % {"status": questionnaire.get_status_display()})
        if target == Status.PUBLISHED and not questionnaire.questions.filter(kind=Question.Kind.SCALE).exists():
            raise SatisfactionRefused(_("A questionnaire needs at least one satisfaction question."))
        old = questionnaire.status
        questionnaire.status = target
        questionnaire.save(update_fields=["status", "updated_at"])
        audit_record(actor=actor, action=f"questionnaire_{action}", subject=f"questionnaire {questionnaire.pk}",
                     old=old, new=target)
    return questionnaire


# --- Responses ------------------------------------------------------------------------------------------------


def address_hash(questionnaire: Questionnaire, address: str) -> str:
    """A keyed hash of the client's address, different for every questionnaire; the address is not kept."""
    text = (address or "").strip()
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        normal = text[:100]
    else:
        if ip.version == 6 and ip.ipv4_mapped is not None:
            normal = str(ip.ipv4_mapped)
        elif ip.version == 6:
            normal = f"{ipaddress.ip_network(f'{ip}/64', strict=False).network_address}/64"
        else:
            normal = str(ip)
    return salted_hmac(f"assessments.satisfaction.address/{questionnaire.key}", normal,
                       algorithm="sha256").hexdigest()


def responses_per_hour() -> int:
    return getattr(settings, "SATISFACTION_RESPONSES_PER_ADDRESS_HOUR", 30)


def survey_response_submit(*, questionnaire: Questionnaire, parsed, address: str,
                           answered_before: bool) -> SurveyResponse | None:
    """Store one citizen's answers. Refused when the questionnaire is not open, when this browser answered
    already, or when too many responses came from the same address within the last hour. A filled-in hidden
    field (a robot) is thanked and nothing is stored (None)."""
    if questionnaire.status != Status.PUBLISHED:
        raise SurveyClosed(_("This questionnaire is not open for responses."))
    if answered_before:
        raise AlreadyAnswered(_("You have already answered this questionnaire on this device. Thank you!"))
    digest = address_hash(questionnaire, address)
    since = timezone.now() - datetime.timedelta(hours=1)
    if SurveyResponse.objects.filter(questionnaire=questionnaire, client_hash=digest,
                                     submitted_at__gte=since).count() >= responses_per_hour():
        raise TooManyResponses(_("Too many responses have come from your network in the last hour. Please try "
                                 "again later."))
    if parsed.honeypot:
        return None
    if parsed.errors:
        raise SatisfactionRefused(" ".join(str(e) for e in parsed.errors.values()))
    with transaction.atomic():
        response = SurveyResponse.objects.create(questionnaire=questionnaire, region=parsed.region,
                                                 client_hash=digest, comment=mask_personal_data(parsed.comment))
        Answer.objects.bulk_create(Answer(response=response, question=question, value=value)
                                   for question, value in parsed.answers.items())
    return response


# --- Imports --------------------------------------------------------------------------------------------------


@dataclass
class ImportOutcome:
    kind: str
    rows: int
    dry_run: bool
    batch: SatisfactionImport | None = None


def satisfaction_import(*, submission, kind: str, data: bytes, name: str, actor, dry_run: bool = False
                        ) -> ImportOutcome:
    """Import a file of good/bad ratings or hotline figures for the submission's city and cycle: every row, or
    none when any row is wrong (ImportRejected with the row-level errors). A dry run only checks."""
    _check_manage(actor, submission.region)
    region, cycle = submission.region, submission.cycle
    if kind not in SatisfactionImport.Kind.values:
        raise ImportRejected(_("Unknown kind of import."))
    try:
        table = read_table(data, name)
    except UnreadableTable as error:
        raise ImportRejected(str(error)) from None
    today = timezone.localdate()
    if kind == SatisfactionImport.Kind.RATINGS:
        parsed = parse_ratings(table, year=cycle.period, today=today)
    else:
        existing = dict(HotlineStatistic.objects.filter(region=region, cycle=cycle)
                        .values_list("month", "batch__file_name"))
        parsed = parse_hotline(table, year=cycle.period, today=today, existing=existing)
    if parsed.errors:
        rows = {e.row for e in parsed.errors}
        raise ImportRejected(_("Nothing was imported: %(count)d rows have errors. Correct them and upload the file "
                               "again.") % {"count": len(rows)}, parsed.errors, len(table.rows))
    if not parsed.records:
        raise ImportRejected(_("The file has no data rows."))
    digest = hashlib.sha256(data).hexdigest()
    before = SatisfactionImport.objects.filter(region=region, cycle=cycle, kind=kind, sha256=digest).first()
    if before is not None:
        raise ImportRejected(_("This file was already imported on %(when)s; nothing was imported again.")
                             % {"when": timezone.localtime(before.imported_at).strftime("%Y-%m-%d %H:%M")})
    if dry_run:
        return ImportOutcome(kind, len(parsed.records), True)
    try:
        with transaction.atomic():
            batch = SatisfactionImport.objects.create(region=region, cycle=cycle, kind=kind, file_name=name[:255],
                                                      sha256=digest, rows=len(parsed.records), imported_by=actor)
            if kind == SatisfactionImport.Kind.RATINGS:
                ServiceRating.objects.bulk_create(
                    (ServiceRating(batch=batch, **{**r, "comment": mask_personal_data(r["comment"])})
                     for r in parsed.records), batch_size=2000)
            else:
                HotlineStatistic.objects.bulk_create(
                    HotlineStatistic(batch=batch, region=region, cycle=cycle, **r) for r in parsed.records)
            audit_record(actor=actor, action="satisfaction_import", submission=submission, subject=kind,
                         new={"rows": len(parsed.records), "sha256": digest}, comment=name[:200])
    except IntegrityError:
        raise ImportRejected(_("Someone imported overlapping data at the same time; nothing was imported. Reload "
                               "the page and try again.")) from None
    return ImportOutcome(kind, len(parsed.records), False, batch)


def satisfaction_import_remove(*, batch: SatisfactionImport, submission, actor) -> None:
    """Remove an imported file's rows (e.g. to import a corrected one). The indicator values computed from them
    change only when the aggregation runs again."""
    _check_manage(actor, batch.region)
    with transaction.atomic():
        audit_record(actor=actor, action="satisfaction_import_remove", submission=submission, subject=batch.kind,
                     old={"rows": batch.rows, "sha256": batch.sha256}, comment=batch.file_name)
        batch.delete()


# --- Aggregation ----------------------------------------------------------------------------------------------


@dataclass
class AggregateOutcome:
    changes: list
    estimates: list = field(default_factory=list)


def satisfaction_aggregate(*, submission, actor) -> AggregateOutcome:
    """Compute the satisfaction indicators of the submission's city from citizens' responses, imported ratings
    and hotline figures, and write them into the submission (source "survey", each with a note saying how),
    through `values_save`: audited, refused while the submission is locked. A value from citizens whose source
    is now empty is cleared. Values from citizens cannot be changed by hand afterwards (see `values_save`)."""
    _check_manage(actor, submission.region)
    questionnaire = covering_questionnaire(submission.cycle, submission.region)
    estimates = city_estimates(submission, questionnaire)
    with transaction.atomic():
        current = {v.indicator.code: v for v in submission.values.select_related("indicator")
                   .filter(indicator__code__in=[e.indicator.code for e in estimates])}
        entries = {}
        for item in estimates:
            code = item.indicator.code
            if item.available:
                entries[code] = Entry(round(item.estimate.value, 2), explain(item, questionnaire))
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


def _number(x, digits=1):
    return "—" if x is None else f"{x:,.{digits}f}"


def explain(item, questionnaire) -> str:
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
    parts.append(_("Recomputed on the satisfaction page, not entered by hand."))
    return " ".join(parts)
