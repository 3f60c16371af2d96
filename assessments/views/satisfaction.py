"""Public satisfaction pages: questionnaires (staff), a city's satisfaction page with its imports and the
aggregation into the submission, and the public questionnaire citizens answer without logging in.
The rules are in `assessments.services.satisfaction`, the reads in `assessments.satisfaction.queries`."""

import csv
import io

import segno
from django.conf import settings
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

from ..models import Question, Questionnaire, Region, SatisfactionImport, Submission
from ..permissions import visible_regions
from ..satisfaction import queries
from ..satisfaction.forms import QuestionFormSet, QuestionnaireCreateForm, QuestionnaireForm, parse_response
from ..satisfaction.queries import IndicatorEstimate, may_manage
from ..satisfaction.tables import HOTLINE_COLUMNS, MAX_BYTES, RATING_COLUMNS, template_csv
from ..services import EntryLocked, ValuesInvalid
from ..services.imports import edit_refusal
from ..services.satisfaction import (
    AlreadyAnswered,
    ImportRejected,
    SatisfactionRefused,
    SurveyClosed,
    TooManyResponses,
    questionnaire_create,
    questionnaire_save,
    questionnaire_status_set,
    questionnaire_weighting_save,
    satisfaction_aggregate,
    satisfaction_import,
    satisfaction_import_remove,
    survey_response_submit,
)
from .access import visible_submission

COLUMNS = {SatisfactionImport.Kind.RATINGS: RATING_COLUMNS, SatisfactionImport.Kind.HOTLINE: HOTLINE_COLUMNS}
SHOWN_ERRORS = 200
KEPT_ERRORS = 5000
COOKIE_DAYS = 400


# --- Staff: questionnaires ------------------------------------------------------------------------------------


@login_required
def satisfaction_index(request):
    visible = visible_regions(request.user)
    form = QuestionnaireCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            questionnaire = questionnaire_create(cycle=form.cleaned_data["cycle"], region=form.cleaned_data["region"],
                                                 actor=request.user)
        except (SatisfactionRefused, PermissionDenied) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Questionnaire created with the default questions: check them, then "
                                        "publish it."))
            return redirect("questionnaire-edit", pk=questionnaire.pk)
    return render(request, "assessments/satisfaction/index.html", {
        "questionnaires": Questionnaire.objects.filter(region__in=visible).select_related("cycle", "region")
        .annotate(n=Count("responses")),
        "submissions": Submission.objects.filter(region__in=visible, region__level=Region.Level.CITY)
        .select_related("cycle", "region").order_by("-cycle__period", "region__code")[:500],
        "form": form, "can_create": bool(form.fields["region"].queryset),
    }, status=400 if form.errors else 200)


def _questionnaire(request, pk, *, manage=False) -> Questionnaire:
    """The questionnaire if the user may see its region (else 404) and, with `manage`, manage it (else 403)."""
    questionnaire = get_object_or_404(
        Questionnaire.objects.select_related("cycle__framework", "region__parent"), pk=pk)
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
    found = queries.questionnaire_estimates(questionnaire)
    estimates = [IndicatorEstimate(i, found[i.code], "questionnaire")
                 for i in queries.question_indicators(questionnaire.cycle.framework) if i.code in found]
    return render(request, "assessments/satisfaction/questionnaire.html", {
        "questionnaire": questionnaire, "public_url": url,
        "qr": mark_safe(segno.make(url, error="m").svg_inline(scale=5, dark="#1f2933")),  # segno output, no user text
        "manage": may_manage(request.user, questionnaire.region),
        "overview": queries.response_overview(questionnaire), "estimates": estimates,
        "comments": queries.comments_page(questionnaire, None, request.GET.get("page")),
        "min_responses": queries.min_responses(), "statuses": Questionnaire.Status,
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
    return render(request, "assessments/satisfaction/questionnaire_edit.html", {
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
    return render(request, "assessments/satisfaction/weighting.html", {
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


# --- Staff: a city's satisfaction page, imports, aggregation --------------------------------------------------


def _city_submission(request, pk) -> Submission:
    submission = visible_submission(request, pk)
    if submission.region.level != Region.Level.CITY:
        raise Http404
    return submission


@login_required
@require_GET
def satisfaction_city(request, pk):
    submission = _city_submission(request, pk)
    questionnaire = queries.covering_questionnaire(submission.cycle, submission.region)
    values = {v.indicator.code: v for v in submission.values.select_related("indicator", "satisfaction_estimate")
              .filter(indicator__dimension__code=queries.sources.DIMENSION)}
    manage = may_manage(request.user, submission.region)
    estimates = queries.city_estimates(submission, questionnaire)
    for item in estimates:
        item.current = values.get(item.indicator.code)
    return render(request, "assessments/satisfaction/city.html", {
        "submission": submission, "questionnaire": questionnaire, "manage": manage, "estimates": estimates,
        "too_few": any(item.too_few for item in estimates),
        "overview": questionnaire and queries.response_overview(questionnaire, submission.region),
        "comments": questionnaire and queries.comments_page(questionnaire, submission.region,
                                                            request.GET.get("page")),
        "imports": queries.imports_of(submission.region, submission.cycle),
        "lock": edit_refusal(submission, request.user) if manage else None,
        "min_responses": queries.min_responses(), "kinds": SatisfactionImport.Kind,
    })


@login_required
@require_POST
def satisfaction_aggregate_view(request, pk):
    submission = _city_submission(request, pk)
    try:
        outcome = satisfaction_aggregate(submission=submission, actor=request.user)
    except (EntryLocked, PermissionDenied, ValuesInvalid) as error:
        messages.error(request, str(error) or _("Not allowed."))
    else:
        messages.success(request, _("%(count)d satisfaction values written into the submission.")
                         % {"count": len(outcome.changes)})
    return redirect("satisfaction-city", pk=pk)


def _import_scope(request, pk, kind):
    submission = _city_submission(request, pk)
    if kind not in SatisfactionImport.Kind.values:
        raise Http404
    if not may_manage(request.user, submission.region):
        raise PermissionDenied
    return submission


@login_required
def satisfaction_import_view(request, pk, kind):
    submission = _import_scope(request, pk, kind)
    page = {"submission": submission, "kind": kind, "kind_label": SatisfactionImport.Kind(kind).label,
            "columns": COLUMNS[kind], "max_megabytes": MAX_BYTES // (1024 * 1024)}
    if request.method != "POST":
        return render(request, "assessments/satisfaction/import.html", page)
    upload = request.FILES.get("file")
    if upload is None:
        return _import_page(request, page, _("Choose a CSV or Excel (.xlsx) file to upload."))
    if upload.size > MAX_BYTES:
        return _import_page(request, page, _("The file is larger than %(limit)d MB.")
                            % {"limit": page["max_megabytes"]})
    dry_run = bool(request.POST.get("dry_run"))
    try:
        outcome = satisfaction_import(submission=submission, kind=kind, data=upload.read(MAX_BYTES + 1),
                                      name=upload.name, actor=request.user, dry_run=dry_run)
    except ImportRejected as rejected:
        request.session[_errors_key(submission, kind)] = [
            [e.row, e.column, e.value, e.reason] for e in rejected.errors[:KEPT_ERRORS]]
        return _import_page(request, page, str(rejected), rejected.errors)
    if dry_run:
        return render(request, "assessments/satisfaction/import.html", {**page, "checked": outcome.rows})
    messages.success(request, _("%(rows)d rows imported from “%(name)s”. Recompute the indicators to use them.")
                     % {"rows": outcome.rows, "name": upload.name})
    return redirect("satisfaction-city", pk=pk)


def _import_page(request, page, error, errors=()):
    return render(request, "assessments/satisfaction/import.html", {
        **page, "error": error, "errors": errors[:SHOWN_ERRORS], "error_count": len(errors),
    }, status=400)


def _errors_key(submission, kind):
    return f"satisfaction-import-errors:{submission.pk}:{kind}"


@login_required
@require_GET
def satisfaction_import_errors(request, pk, kind):
    submission = _import_scope(request, pk, kind)
    rows = request.session.get(_errors_key(submission, kind))
    if not rows:
        raise Http404
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_("Row"), _("Column"), _("Value"), _("Reason")])
    writer.writerows(rows)
    return _csv(buffer.getvalue(), f"import-errors-{submission.region.code}-{kind}.csv")


@login_required
@require_GET
def satisfaction_import_template(request, pk, kind):
    submission = _import_scope(request, pk, kind)
    return _csv(template_csv(COLUMNS[kind], submission.cycle.period)[1:], f"{kind}-template.csv")


def _csv(text, name):
    response = HttpResponse(("\ufeff" + text).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def satisfaction_import_remove_view(request, pk, batch_pk):
    submission = _city_submission(request, pk)
    batch = get_object_or_404(SatisfactionImport, pk=batch_pk, region=submission.region, cycle=submission.cycle)
    try:
        satisfaction_import_remove(batch=batch, submission=submission, actor=request.user)
    except PermissionDenied as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("“%(name)s” removed. Recompute the indicators to take it out of them.")
                         % {"name": batch.file_name})
    return redirect("satisfaction-city", pk=pk)


# --- Public: the questionnaire citizens answer ----------------------------------------------------------------


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
    response = render(request, f"assessments/satisfaction/{template}", context, status=status)
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
    cities = (list(Region.objects.filter(parent=questionnaire.region, level=Region.Level.CITY).order_by("code"))
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
    scale = [str(label) for label in queries.SCALE_LABELS]
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
