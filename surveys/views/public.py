"""The questionnaire citizens answer, without logging in: one response per browser (a signed cookie), a
limit per network address and hour, a hidden field against robots."""


from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from assessments.models import Region

from .. import selectors
from ..forms import parse_response
from ..models import Question, Questionnaire
from ..services import (
    AlreadyAnswered,
    SurveyClosed,
    TooManyResponses,
    survey_response_submit,
)

COOKIE_DAYS = 400


def _cookie_name(questionnaire):
    return f"sgsurvey_{questionnaire.key}"


def _cookie_salt(questionnaire):
    return f"assessments.satisfaction.answered/{questionnaire.key}"


def _answered_before(request, questionnaire) -> bool:
    return request.get_signed_cookie(_cookie_name(questionnaire), default=None,
                                     salt=_cookie_salt(questionnaire)) is not None


def _client_address(request) -> str:
    """REMOTE_ADDR, or the last address of SATISFACTION_CLIENT_ADDRESS_HEADER (set behind a reverse proxy)."""
    header = getattr(settings, "SATISFACTION_CLIENT_ADDRESS_HEADER", "")
    value = request.META.get(header, "") if header else ""
    return value.split(",")[-1].strip() if value else request.META.get("REMOTE_ADDR", "")


def _public(request, template, context, status=200):
    response = render(request, f"surveys/{template}", context, status=status)
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "same-origin"
    return response


def survey(request, key):
    questionnaire = get_object_or_404(Questionnaire.objects.select_related("region", "cycle"), key=key)
    if questionnaire.status == Questionnaire.Status.DRAFT:
        raise Http404
    page = {"questionnaire": questionnaire}
    if questionnaire.status == Questionnaire.Status.CLOSED:
        return _public(request, "public_message.html", {**page, "kind": "closed"},
                       status=409 if request.method == "POST" else 200)
    if _answered_before(request, questionnaire):
        return _public(request, "public_message.html", {**page, "kind": "answered"},
                       status=409 if request.method == "POST" else 200)
    questions = list(questionnaire.questions.all())
    cities = (list(Region.objects.filter(parent=questionnaire.region).current().order_by("code"))
              if questionnaire.region.level == Region.Level.PROVINCE else [])
    page["cities"] = cities
    if request.method != "POST":
        return _public(request, "public_form.html", _form_context(page, questions, {}, {}))
    parsed = parse_response(questionnaire, questions, cities, request.POST)
    if parsed.errors and not parsed.honeypot:
        return _public(request, "public_form.html", _form_context(page, questions, request.POST, parsed.errors),
                       status=400)
    try:
        survey_response_submit(questionnaire=questionnaire, parsed=parsed, address=_client_address(request),
                               answered_before=False)
    except TooManyResponses:
        return _public(request, "public_message.html", {**page, "kind": "throttled"}, status=429)
    except (AlreadyAnswered, SurveyClosed):
        return _public(request, "public_message.html", {**page, "kind": "closed"}, status=409)
    response = redirect("survey-thanks", key=key)
    response.set_signed_cookie(_cookie_name(questionnaire), "1", salt=_cookie_salt(questionnaire),
                               max_age=COOKIE_DAYS * 24 * 3600, path=reverse("survey", args=[key]),
                               secure=request.is_secure(), httponly=True, samesite="Lax")
    return response


def _form_context(page, questions, posted, errors):
    scale = [str(label) for label in selectors.SCALE_LABELS]
    items = []
    for question in questions:
        name = f"q{question.pk}"
        labels = scale if question.kind == Question.Kind.SCALE else question.option_labels()
        items.append({"question": question, "name": name, "error": errors.get(name),
                      "scale": question.kind == Question.Kind.SCALE, "selected": posted.get(name, ""),
                      "options": [(str(number), label) for number, label in enumerate(labels, start=1)]})
    return {**page, "items": items, "errors": errors, "city": posted.get("city", ""),
            "comment": posted.get("comment", "")}


@require_GET
def survey_thanks(request, key):
    questionnaire = get_object_or_404(Questionnaire.objects.select_related("region", "cycle"), key=key)
    if questionnaire.status == Questionnaire.Status.DRAFT:
        raise Http404
    return _public(request, "public_message.html", {"questionnaire": questionnaire, "kind": "thanks"})
