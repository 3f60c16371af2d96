"""The entry form of a submission: show, save (form and autosave), copy last period, workflow actions."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from smartgov.errors import DomainError, Invalid, error_body
from smartgov.limits import COMMENT_MAX_LENGTH

from ..checks import value_rules
from ..edit_conflict import edit_conflict
from ..models import Submission
from ..permissions import edit_access, submission_actions
from ..selectors import entry_progress, region_score_of, submission_entry
from ..services import (
    Entry,
    StaleEdit,
    ValuesInvalid,
    submission_transition,
    values_copy_previous,
    values_save,
)
from ..workflow import transition
from .access import visible_submission


@login_required
def submission_detail(request, pk):
    submission = visible_submission(request, pk)
    if request.method != "POST":
        return _render(request, submission)
    entries = _entries_from_form(request.POST, submission)
    try:
        values_save(submission=submission, entries=entries, actor=request.user,
                    expected_version=_version(request.POST))
    except ValuesInvalid as error:
        return _render(request, submission, typed=entries, errors=error.errors, status=400)
    except StaleEdit as error:
        conflict = edit_conflict(submission, error, entries)
        return _render(request, submission, typed=conflict.kept, conflict=conflict, status=409)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("submission", pk=pk)
    messages.success(request, _("Saved."))
    return redirect("submission", pk=pk)


@login_required
@require_POST
def submission_autosave(request, pk):
    """Save the fields changed in the page (JSON in and out); the page keeps unsaved input in the browser."""
    submission = visible_submission(request, pk)
    try:
        body = json.loads(request.body)
        entries = {code: Entry(item.get("value"), item.get("note", "")) for code, item in body["entries"].items()}
        version = int(body["version"])
    except (ValueError, KeyError, TypeError, AttributeError, OverflowError):  # OverflowError: a version of 1e400
        error = Invalid(_("The request is not valid JSON of entries and a version."))
        return JsonResponse(error_body(error), status=error.status)
    try:
        result = values_save(submission=submission, entries=entries, actor=request.user, expected_version=version)
    except StaleEdit as error:
        # The page shows the conflict as the form does (the same partial), the user's input kept beside it.
        html = render_to_string("assessments/_entry_conflict.html", {
            "submission": submission, "conflict": edit_conflict(submission, error, entries)}, request)
        return JsonResponse({**error_body(error), "conflict_html": html}, status=error.status)
    except DomainError as error:
        return JsonResponse(error_body(error), status=error.status)
    progress = entry_progress(result.submission)
    return JsonResponse({
        "version": result.submission.version,
        "saved": [code for code, _old, _new in result.changes],
        "filled": progress.filled, "total": progress.total, "dimensions": progress.dimensions,
        "findings": [{"kind": f.kind, "message": f.message, "indicators": f.indicators, "blocking": f.blocking}
                     for f in progress.findings],
    })


@login_required
@require_POST
def submission_copy_previous(request, pk):
    submission = visible_submission(request, pk)
    try:
        result = values_copy_previous(submission=submission, actor=request.user,
                                      expected_version=_version(request.POST))
    except ValuesInvalid as error:
        messages.error(request, _("Last period's values do not fit this period's ranges: %(errors)s")
                       % {"errors": error})
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(count)d values copied from the last period.") % {"count": len(result.changes)})
    return redirect("submission", pk=pk)


@login_required
@require_POST
def submission_act(request, pk, action):
    submission = visible_submission(request, pk)
    indicator_comments = {key.removeprefix("comment_"): value for key, value in request.POST.items()
                          if key.startswith("comment_")}
    try:
        step = transition(action)
        submission_transition(submission=submission, action=action, actor=request.user,
                              comment=request.POST.get("comment", ""), indicator_comments=indicator_comments,
                              expected_version=_version(request.POST))
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(action)s: done.") % {"action": step.label})
        if Submission.Status.APPROVED in (step.target, *step.sources):
            messages.info(request, _("The cycle's scores are being recomputed in the background: the provisional "
                                     "results are updated within a few minutes."))
    return redirect("submission", pk=pk)


def _render(request, submission, *, typed=None, errors=None, conflict=None, status=200):
    """The page; `reviewing` when the user may return the submission (a comment box beside each value), and
    `commented` the rows the province commented on when it last returned it."""
    access = edit_access(request.user, submission)
    actions = submission_actions(request.user, submission)
    entry = submission_entry(submission)
    context = {
        "submission": submission, "entry": entry,
        "editable": access.editable, "lock_reason": access.lock if access.role else None,
        "actions": [step for step, _refusal in actions],
        "four_eyes": {step.action: refusal for step, refusal in actions if refusal},
        "reviewing": any(step.action == "return" and not refusal for step, refusal in actions),
        "commented": [row for block in entry.dimensions for row in block.rows if row.comments],
        "comment_limit": COMMENT_MAX_LENGTH,
        "typed": typed or {}, "errors": errors or {}, "conflict": conflict,
        "statuses": Submission.Status,
        "js_messages": _js_messages(), "value_rules": value_rules(),
        "score": region_score_of(submission),
        "bands": {b.level: b for b in submission.cycle.framework.bands.all()},
    }
    return render(request, "assessments/submission.html", context, status=status)


def _js_messages():
    return {
        "not_a_number": _("This is not a number."),
        "finite": _("Enter a finite number."),
        "boolean": _("Enter 1 (yes) or 0 (no)."),
        "whole": _("Enter a whole number (a level)."),
        "range": _("Must lie between %(low)s and %(high)s."),
        "anomaly": _("More than %(limit)s %% away from last period: explain it in the note."),
        "saving": _("Saving…"),
        "saved": _("Saved automatically at"),
        "offline": _("Not saved: no connection. Your input is kept in this browser and saved when you are back."),
        "unreachable": _("Not saved: the server did not answer. Your input is kept in this browser; trying again "
                         "in %(seconds)s s."),
        "conflict": _("Not saved: someone else saved this submission after you opened it. What they changed and "
                      "your input are shown above the form."),
        "failed": _("Not saved."),
        "fix_first": _("Correct the values marked in red first."),
        "restored": _("%(count)s values typed earlier but not saved yet were restored; saving them now."),
    }


def _entries_from_form(data, submission):
    codes = submission.cycle.framework.indicators.values_list("code", flat=True)
    return {code: Entry(data.get(f"value_{code}", ""), data.get(f"note_{code}", ""))
            for code in codes if f"value_{code}" in data}


def _version(data):
    """The version the page was built on; a missing one counts as stale, so nothing is overwritten blindly."""
    try:
        return int(data.get("version", ""))
    except ValueError:
        return 0

