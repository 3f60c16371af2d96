"""Writes on submissions: workflow transitions and entered values, each audited in its own transaction."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import Action, AuditEvent
from audit.selectors import change_record, submission_events_since
from audit.services import Actor, audit_record, audit_record_many
from indicators.models import Indicator
from indicators.published import framework_contents
from smartgov.errors import DomainError, ErrorCode, Invalid, PermissionRefused
from smartgov.limits import COMMENT_MAX_LENGTH, NOTE_MAX_LENGTH

from ..checks import InvalidValue, not_applicable, parse_value
from ..models import IndicatorValue, ReviewComment, Submission
from ..permissions import edit_access, four_eyes_refusal, roles_for_region
from ..selectors import previous_values, submission_contents, submission_findings_of
from ..workflow import WorkflowRefused, reason_refusal, role_refusal, state_refusal, transition
from .notifications import notify_transition
from .scores import cycle_scores_request

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

TRANSITION_ACTIONS = {
    "submit": Action.SUBMISSION_SUBMITTED, "send_back": Action.SUBMISSION_SENT_BACK,
    "sign_off": Action.SUBMISSION_SIGNED_OFF, "return": Action.SUBMISSION_RETURNED,
    "approve": Action.SUBMISSION_APPROVED, "reopen": Action.SUBMISSION_REOPENED,
}


class StaleEdit(DomainError):
    """The submission changed since the user loaded it; `changes` are the audit events since that version."""

    code = ErrorCode.STALE_VERSION

    def __init__(self, message: str, submission: Submission, changes: Iterable[AuditEvent] = ()) -> None:
        self.changes = list(changes)
        super().__init__(
            message, fields={"version": [_("The submission is at version %(version)s.") % {
                "version": submission.version}]},
            current_version=submission.version, changes=[change_record(event) for event in self.changes])


def _check_version(submission: Submission, expected_version: int | None, stale: str) -> None:
    """The version an edit is based on (None: not checked) must be the submission's current one: an older one is a
    stale edit (`stale` says so, with what changed since); a newer one it never had is a wrong input."""
    if expected_version is None or expected_version == submission.version:
        return
    if expected_version > submission.version:
        reason = _("The submission has never had version %(sent)s; it is at version %(version)s.") % {
            "sent": expected_version, "version": submission.version}
        raise Invalid(reason, fields={"version": [reason]})
    raise StaleEdit(stale, submission, submission_events_since(submission, expected_version))


class EntryLocked(DomainError):
    """The values cannot be edited now; the message says why and who can unlock them."""

    code = ErrorCode.LOCKED


class ValuesInvalid(DomainError):
    """Some entered values are refused; `errors` maps indicator code → reason, `unknown` holds the codes that
    are not indicators of the framework at all. Nothing was written."""

    code = ErrorCode.VALUES_INVALID

    def __init__(self, errors: Mapping[str, str], unknown: Iterable[str] = ()) -> None:
        super().__init__(_("Some values were refused; nothing was saved."),
                         fields={code: [reason] for code, reason in errors.items()})
        self.errors = errors
        self.unknown = set(unknown)

    def __str__(self) -> str:
        return "; ".join(f"{code}: {reason}" for code, reason in self.errors.items())

    def located(self, names: Mapping[str, str]) -> "ValuesInvalid":
        """The same refusal with each reason under the caller's name for that input (`values[3].value`)."""
        located = ValuesInvalid(self.errors, self.unknown)
        located.fields = {
            names[code]: [_("%(code)s is not an indicator of this framework.") % {"code": code}
                          if code in self.unknown else f"{code}: {reason}"]
            for code, reason in self.errors.items()}
        return located


@dataclass(frozen=True)
class Entry:
    value: object
    """As typed: text, a number or None (blank clears the value)."""
    note: str = ""


Change = tuple[str, dict[str, Any] | None, dict[str, Any] | None]
"""(indicator code, old, new) of a value that changed; old/new are {"value", "note"} or None."""


@dataclass
class SaveResult:
    submission: Submission
    changes: list[Change] = field(default_factory=list)
    """(indicator code, old, new) of every value that changed; old/new are {"value", "note"} or None."""


def values_save(*, submission: Submission, entries: Mapping[str, Entry], actor: Actor, expected_version: int | None,
                source: str = IndicatorValue.Source.FORM) -> SaveResult:
    """Save entered values: all of them or, if one is refused, none. Each change is audited (old → new).

    A save based on an older version of the submission is refused with what changed in between, so that
    nobody silently overwrites a colleague's work.
    """
    with transaction.atomic():
        submission = _locked(submission)
        _check_may_edit(submission, actor)
        _check_version(submission, expected_version, _(
            "Someone saved this submission after you opened it; your changes were not saved. Their changes are "
            "listed below: reload the page to see them, then enter yours again."))
        indicators = framework_contents(submission.cycle.framework).by_code
        applying = submission_contents(submission).by_code
        parsed, errors = {}, {}
        unknown = [code for code in entries if code not in indicators]
        for code, entry in entries.items():
            if code not in indicators:
                errors[code] = _("not an indicator of this framework")
                continue
            if code not in applying:
                errors[code] = not_applicable(submission.region)
                continue
            try:
                parsed[code] = (parse_value(indicators[code], entry.value),
                                (entry.note or "").strip()[:NOTE_MAX_LENGTH])
            except InvalidValue as error:
                errors[code] = str(error)
        if errors:
            raise ValuesInvalid(errors, unknown)
        codes = {indicators[code].pk: code for code in parsed}
        existing = {codes[v.indicator_id]: v for v in submission.values.filter(indicator_id__in=list(codes))}
        refused = computed_refusals(existing, parsed, source)
        if refused:
            raise ValuesInvalid(refused)
        changes = _apply(submission, indicators, existing, parsed, actor, source)
        if changes:
            submission.version += 1
            submission.save(update_fields=["version", "updated_at"])
            audit_record_many(actor=actor, action=Action.VALUE_CHANGED, submission=submission, changes=changes)
    return SaveResult(submission, changes)


def _locked(submission: Submission) -> Submission:
    return Submission.objects.select_for_update(of=("self",)).select_related(
        "cycle__framework", "region").get(pk=submission.pk)


def _check_may_edit(submission: Submission, actor: Actor) -> None:
    access = edit_access(actor, submission)
    if not access.role:
        raise PermissionRefused(_("You may not edit this region's values."))
    if access.lock:
        raise EntryLocked(access.lock)


Parsed = dict[str, tuple[float | None, str]]
"""Indicator code → (value, note) as parsed from what was entered."""


def computed_refusal(current: IndicatorValue) -> str:
    """Why a computed value cannot be changed but by computing it again."""
    if current.source == IndicatorValue.Source.RECORDS:
        return _("This value is computed from the records of a system and cannot be changed by hand; it changes only "
                 "when the records are imported again. How it was computed: %(how)s") % {"how": current.note or "—"}
    return _("This value is computed from citizens' responses and cannot be changed by hand; it changes only when the "
             "responses are aggregated again. How it was computed: %(how)s") % {"how": current.note or "—"}


def computed_refusals(existing: Mapping[str, IndicatorValue], parsed: Parsed, source: str) -> dict[str, str]:
    """A computed value (`IndicatorValue.COMPUTED_SOURCES`) changes only when computed again from its own source.
    `existing`: the submission's values of the indicators in `parsed`, by code."""
    refused = {}
    for code, current in existing.items():
        if current.source not in IndicatorValue.COMPUTED_SOURCES or current.source == source:
            continue
        value, note = parsed[code]
        if value != current.value or note != current.note:
            refused[code] = computed_refusal(current)
    return refused


def _apply(submission: Submission, indicators: Mapping[str, Indicator], existing: Mapping[str, IndicatorValue],
           parsed: Parsed, actor: Actor, source: str) -> list[Change]:
    changes, created, updated, removed = [], [], [], []
    now = timezone.now()
    for code, (value, note) in parsed.items():
        current = existing.get(code)
        old = None if current is None else {"value": current.value, "note": current.note}
        new = None if value is None else {"value": value, "note": note}
        if old == new:
            continue
        changes.append((code, old, new))
        if new is None and current is not None:  # old != new: there was a value to clear
            removed.append(current.pk)
        elif current is None:
            created.append(IndicatorValue(submission=submission, indicator=indicators[code], value=value, note=note,
                                          source=source, updated_by=actor))
        else:
            current.value, current.note, current.source, current.updated_by = value, note, source, actor
            current.updated_at = now
            updated.append(current)
    IndicatorValue.objects.filter(pk__in=removed).delete()
    IndicatorValue.objects.bulk_create(created)
    IndicatorValue.objects.bulk_update(updated, ["value", "note", "source", "updated_by", "updated_at"])
    return changes


def submission_transition(*, submission: Submission, action: str, actor: Actor, comment: str = "",
                          indicator_comments: Mapping[str, str] | None = None,
                          expected_version: int | None = None) -> Submission:
    """Move a submission through the workflow (see assessments.workflow): audited and notified. Returning
    takes a reason overall and/or per indicator; approving, or reopening an approved submission, asks for a
    recompute of the cycle's scores.

    Refusals, in the order they are checked: the actor's role (PermissionRefused), a missing reason or an
    unknown indicator in the comments (Invalid, naming the field), a stale version (StaleEdit), the state or
    the cycle's entry window (WorkflowRefused), the four-eyes rule of the cycle (PermissionRefused, see
    `permissions.four_eyes_refusal`), values not ready to submit (WorkflowRefused)."""
    step = transition(action)
    comment = comment.strip()
    indicator_comments = {code: text.strip() for code, text in (indicator_comments or {}).items() if text.strip()}
    with transaction.atomic():
        submission = _locked(submission)
        roles = roles_for_region(actor, submission.region)
        reason: StrOrPromise | None = role_refusal(step, roles)
        if reason:
            raise PermissionRefused(reason)
        if step.needs_comment and not (comment or indicator_comments):
            raise Invalid(reason_refusal(step), fields={"comment": [_("A reason is needed.")]})
        _check_comment_lengths(comment, indicator_comments)
        commented = _commented_indicators(submission, indicator_comments)
        _check_version(submission, expected_version,
                       _("Someone changed this submission after you opened it; reload it and try again."))
        reason = state_refusal(step, submission.status, roles, entry_open=submission.entry_open)
        if reason:
            raise WorkflowRefused(reason)
        reason = four_eyes_refusal(actor, submission, action)
        if reason:
            raise PermissionRefused(reason)
        if action == "submit":
            reason = _not_ready(submission)
        if reason:
            raise WorkflowRefused(reason)
        old = submission.status
        submission.status = step.target
        submission.version += 1
        submission.save(update_fields=["status", "version", "updated_at"])
        _record_review_comments(submission, actor, comment if action == "return" else "", indicator_comments,
                                commented)
        audit_record(actor=actor, action=TRANSITION_ACTIONS[action], submission=submission, subject="status",
                     old=old, new=step.target,
                     comment="\n".join([comment, *(f"{c}: {t}" for c, t in indicator_comments.items())]).strip())
        notify_transition(submission=submission, action=action, actor=actor, comment=comment,
                          indicators=indicator_comments)
        if Submission.Status.APPROVED in (old, step.target):
            cycle_scores_request(cycle=submission.cycle, actor=actor, reason=f"{action} {submission.region.code}",
                                 follow_up=True)
    return submission


def _check_comment_lengths(comment: str, per_indicator: Mapping[str, str]) -> None:
    too_long = {name: text for name, text in [("comment", comment),
                                              *((f"indicator_comments.{c}", t) for c, t in per_indicator.items())]
                if len(text) > COMMENT_MAX_LENGTH}
    if too_long:
        reason = _("At most %(limit)d characters.") % {"limit": COMMENT_MAX_LENGTH}
        raise Invalid(reason, fields={name: [reason] for name in too_long})


def _commented_indicators(submission: Submission, per_indicator: Mapping[str, str]) -> dict[str, int]:
    """Indicator code → id of the indicators commented on; Invalid names any code that is not one."""
    indicators = dict(submission.cycle.framework.indicators.filter(code__in=list(per_indicator))
                      .values_list("code", "pk"))
    unknown = sorted(set(per_indicator) - set(indicators))
    if unknown:
        raise Invalid(_("Not indicators of this framework: %(codes)s") % {"codes": ", ".join(unknown)},
                      fields={f"indicator_comments.{code}": [_("Not an indicator of this framework.")]
                              for code in unknown})
    return indicators


def _record_review_comments(submission: Submission, actor: Actor, overall: str, per_indicator: Mapping[str, str],
                            indicators: Mapping[str, int]) -> None:
    rows = [ReviewComment(submission=submission, indicator_id=indicators[code], text=text, author=actor,
                          submission_version=submission.version) for code, text in per_indicator.items()]
    if overall:
        rows.append(ReviewComment(submission=submission, text=overall, author=actor,
                                  submission_version=submission.version))
    ReviewComment.objects.bulk_create(rows)


def _not_ready(submission: Submission) -> str | None:
    """Why the values are not ready to go on: missing values, broken rules, unexplained warnings."""
    blocking = [f for f in submission_findings_of(submission) if f.blocking]
    if not blocking:
        return None
    return _("Not ready to submit: %(problems)s") % {"problems": " ".join(f.message for f in blocking)}


def values_copy_previous(*, submission: Submission, actor: Actor, expected_version: int | None) -> SaveResult:
    """Fill every indicator still without a value with last period's value (never overwrites one)."""
    present = set(submission.values.values_list("indicator__code", flat=True))
    entries = {code: Entry(value) for code, value in previous_values(submission).items() if code not in present}
    return values_save(submission=submission, entries=entries, actor=actor, expected_version=expected_version)
