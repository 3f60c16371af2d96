"""Writes on questionnaires: create one with the default questions, edit its texts and questions, weight its
responses to population shares, publish and close it; each audited."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from assessments.models import Cycle, Region
from audit.models import Action
from audit.services import Actor, audit_record
from smartgov.numbers import human_number

from .. import sources
from ..models import Question, Questionnaire
from ..selectors import question_indicators
from .refusals import SatisfactionRefused, check_manage

Status = Questionnaire.Status


def questionnaire_create(*, cycle: Cycle, region: Region, actor: Actor) -> Questionnaire:
    """A draft questionnaire with the default questions: one per satisfaction score of the framework and a few
    about the respondent (age band, channel, who; the district when the city's counties are known)."""
    check_manage(actor, region)
    if region.level not in (Region.Level.PREFECTURE, Region.Level.PROVINCE):
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
        audit_record(actor=actor, action=Action.QUESTIONNAIRE_CREATED, target=questionnaire,
                     new={"cycle": cycle.period, "region": region.code})
    return questionnaire


def questionnaire_save(*, questionnaire: Questionnaire, texts: dict[str, Any], questions: list[dict[str, Any]] | None,
                       actor: Actor) -> Questionnaire:
    """Save the title, introduction and comment setting; and the questions, unless responses exist (then the
    questions stay as the respondents saw them). Weighting shares survive for options that keep their name."""
    check_manage(actor, questionnaire.region)
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
        audit_record(actor=actor, action=Action.QUESTIONNAIRE_EDITED, target=questionnaire,
                     new={"questions": len(questions) if questions is not None else None})
    return questionnaire


def _replace_questions(questionnaire: Questionnaire, questions: list[dict[str, Any]]) -> None:
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


def questionnaire_weighting_save(*, questionnaire: Questionnaire, question: Question | None,
                                 shares: dict[int, Any] | None, actor: Actor) -> None:
    """Weight the responses to population shares (in %, summing to 100) of one question's options, or
    (question None) not at all. Possible at any time: the estimates are recomputed from the stored answers."""
    check_manage(actor, questionnaire.region)
    with transaction.atomic():
        questionnaire.questions.filter(weighting=True).update(weighting=False)
        if question is None:
            audit_record(actor=actor, action=Action.QUESTIONNAIRE_WEIGHTING_SET, target=questionnaire, new=None)
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
                                      % {"total": human_number(sum(values))})
        question.options = [{**o, "share": s} for o, s in zip(question.options, values, strict=True)]
        question.weighting = True
        question.save(update_fields=["options", "weighting"])
        audit_record(actor=actor, action=Action.QUESTIONNAIRE_WEIGHTING_SET, target=questionnaire,
                     new={"question": question.text_zh, "shares": values})


STATUS_MOVES = {"publish": ((Status.DRAFT, Status.CLOSED), Status.PUBLISHED, Action.QUESTIONNAIRE_PUBLISHED),
                "close": ((Status.PUBLISHED,), Status.CLOSED, Action.QUESTIONNAIRE_CLOSED)}


def questionnaire_status_set(*, questionnaire: Questionnaire, action: str, actor: Actor) -> Questionnaire:
    """Publish (open the public link, or reopen it) or close a questionnaire."""
    check_manage(actor, questionnaire.region)
    if action not in STATUS_MOVES:
        raise SatisfactionRefused(_("Unknown action."))
    sources_, target, audited = STATUS_MOVES[action]
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
        audit_record(actor=actor, action=audited, target=questionnaire, subject="status", old=old, new=target)
    return questionnaire
