"""Staff pages of questionnaires: the list and creation, a questionnaire with its results and QR code, its
questions and texts, the weighting of its responses, publishing and closing. Rules in `surveys.services`."""

import io

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from assessments.models import Region, Submission
from assessments.permissions import visible_regions
from smartgov.errors import DomainError

from .. import selectors
from ..forms import QuestionFormSet, QuestionnaireCreateForm, QuestionnaireForm
from ..models import Question, Questionnaire
from ..selectors import IndicatorEstimate, may_manage
from ..services import (
    SatisfactionRefused,
    questionnaire_create,
    questionnaire_save,
    questionnaire_status_set,
    questionnaire_weighting_save,
)


@login_required
def satisfaction_index(request):
    visible = visible_regions(request.user)
    form = QuestionnaireCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            questionnaire = questionnaire_create(cycle=form.cleaned_data["cycle"], region=form.cleaned_data["region"],
                                                 actor=request.user)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Questionnaire created with the default questions: check them, then "
                                        "publish it."))
            return redirect("questionnaire-edit", pk=questionnaire.pk)
    return render(request, "surveys/index.html", {
        "questionnaires": Questionnaire.objects.filter(region__in=visible).select_related("cycle", "region")
        .annotate(n=Count("responses")),
        "submissions": Submission.objects.filter(region__in=visible, region__level=Region.Level.PREFECTURE)
        .select_related("cycle", "region").order_by("-cycle__period", "region__code")[:500],
        "form": form, "can_create": bool(form.fields["region"].queryset),
        "can_import_records": selectors.records_provinces(request.user).exists(),
    }, status=400 if form.errors else 200)


def _questionnaire(request, pk, *, manage=False) -> Questionnaire:
    """The questionnaire if the user may see its region (else 404) and, with `manage`, manage it (else 403)."""
    questionnaire = get_object_or_404(
        Questionnaire.objects.select_related("cycle__framework", "region__province"), pk=pk)
    if not visible_regions(request.user).filter(pk=questionnaire.region_id).exists():
        raise Http404
    if manage and not may_manage(request.user, questionnaire.region):
        raise PermissionDenied
    return questionnaire


def _public_url(request, questionnaire):
    return request.build_absolute_uri(reverse("survey", args=[questionnaire.key]))


@login_required
@require_GET
def questionnaire_detail(request, pk):
    questionnaire = _questionnaire(request, pk)
    url = _public_url(request, questionnaire)
    found = selectors.questionnaire_estimates(questionnaire)
    estimates = [IndicatorEstimate(i, found[i.code], "questionnaire")
                 for i in selectors.question_indicators(questionnaire.cycle.framework) if i.code in found]
    return render(request, "surveys/questionnaire.html", {
        "questionnaire": questionnaire, "public_url": url,
        "qr": mark_safe(segno.make(url, error="m").svg_inline(scale=5, dark="#1f2933")),  # noqa: S308 - segno's SVG
        "manage": may_manage(request.user, questionnaire.region),
        "overview": selectors.response_overview(questionnaire), "estimates": estimates,
        "comments": selectors.comments_page(questionnaire, None, request.GET.get("page")),
        "min_responses": selectors.min_responses(), "statuses": Questionnaire.Status,
    })


@login_required
@require_GET
def questionnaire_qr(request, pk):
    questionnaire = _questionnaire(request, pk)
    buffer = io.BytesIO()
    segno.make(_public_url(request, questionnaire), error="m").save(buffer, kind="svg", scale=10, border=4)
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Content-Disposition"] = f'attachment; filename="questionnaire-{questionnaire.pk}-qr.svg"'
    return response


@login_required
def questionnaire_edit(request, pk):
    questionnaire = _questionnaire(request, pk, manage=True)
    answered = questionnaire.responses.exists()
    framework = questionnaire.cycle.framework
    data = request.POST if request.method == "POST" else None
    form = QuestionnaireForm(data, instance=questionnaire)
    formset = None if answered else QuestionFormSet(data, instance=questionnaire, framework=framework,
                                                    queryset=questionnaire.questions.select_related("indicator"))
    if data is not None and form.is_valid() and (formset is None or formset.is_valid()):
        try:
            questionnaire_save(questionnaire=questionnaire, texts=form.cleaned_data,
                               questions=None if formset is None else formset.questions(), actor=request.user)
        except SatisfactionRefused as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Questionnaire saved."))
            return redirect("questionnaire", pk=pk)
    return render(request, "surveys/questionnaire_edit.html", {
        "questionnaire": questionnaire, "form": form, "formset": formset, "answered": answered,
        "questions": questionnaire.questions.select_related("indicator") if answered else None,
    }, status=400 if data is not None else 200)


@login_required
def questionnaire_weighting(request, pk):
    questionnaire = _questionnaire(request, pk, manage=True)
    choices = list(questionnaire.questions.filter(kind=Question.Kind.CHOICE))
    error = None
    if request.method == "POST":
        chosen = next((q for q in choices if str(q.pk) == request.POST.get("question")), None)
        shares = None
        if chosen is not None:
            shares = {n: _float(request.POST.get(f"share_{chosen.pk}_{n}")) for n in range(1, len(chosen.options) + 1)}
        try:
            questionnaire_weighting_save(questionnaire=questionnaire, question=chosen, shares=shares,
                                         actor=request.user)
        except SatisfactionRefused as refused:
            error = str(refused)
        else:
            messages.success(request, _("Weighting saved."))
            return redirect("questionnaire", pk=pk)
    rows = [{"question": q, "options": list(zip(range(1, len(q.options) + 1), q.option_labels(),
                                                [o.get("share") for o in q.options], strict=True))}
            for q in choices]
    return render(request, "surveys/weighting.html", {
        "questionnaire": questionnaire, "rows": rows, "error": error,
        "selected": request.POST.get("question", next((str(q.pk) for q in choices if q.weighting), "")),
    }, status=400 if error else 200)


def _float(text):
    try:
        return float((text or "").strip().rstrip("%"))
    except ValueError:
        return None


@login_required
@require_POST
def questionnaire_status(request, pk, action):
    questionnaire = _questionnaire(request, pk, manage=True)
    try:
        questionnaire_status_set(questionnaire=questionnaire, action=action, actor=request.user)
    except SatisfactionRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The questionnaire is now “%(status)s”.")
                         % {"status": Questionnaire.objects.get(pk=pk).get_status_display()})
    return redirect("questionnaire", pk=pk)
