"""Writes on many submissions of one cycle at once — values, evidence, workflow steps — by the rules, with the audit
and the notifications of their one-submission services (`values_save`, `evidence_add`, `submission_transition`),
in a number of queries that does not grow with the number of submissions. For work on a whole cycle, such as the
national demo (3,183 regions × 33 indicators a cycle), where a call per submission spends its time in round trips.

Each call is one transaction, all or nothing: when a submission is refused, nothing is written and the error — of
the kind the one-submission service raises — names the region (the first refused, by code) and the reason. Not
offered here: the optimistic version check (`expected_version`: a batch acts on the submissions as they are when
it runs) and per-indicator review comments.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any

from django.contrib.auth.models import User
from django.core.files import File
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import Action
from audit.selectors import submissions_round_actors
from audit.services import Actor, audit_record_each
from indicators.published import framework_contents
from smartgov.errors import DomainError, Invalid, PermissionRefused
from smartgov.limits import COMMENT_MAX_LENGTH, NOTE_MAX_LENGTH

from ..checks import InvalidValue, not_applicable, parse_value
from ..evidence import EvidenceInvalid, check_upload
from ..models import Cycle, Evidence, IndicatorValue, Notification, RoleAssignment, Submission
from ..permissions import FOUR_EYES_ACTIONS, four_eyes_refusal, roles_for_region
from ..selectors import submission_contents, submissions_findings_of
from ..workflow import WorkflowRefused, reason_refusal, role_refusal, state_refusal, transition
from .evidence import GENERAL, _facts, _subject
from .notifications import AUDIENCE, notifications_deliver
from .scores import cycle_scores_request
from .submissions import (
    TRANSITION_ACTIONS,
    Change,
    Entry,
    SaveResult,
    ValuesInvalid,
    _check_may_edit,
    computed_refusal,
)

Upload = tuple[Submission, str | None, "File[Any] | IO[bytes]"]
"""A file to attach: the submission, the indicator code (None, "" or "general": the submission as a whole), the
file."""


def values_save_many(*, cycle: Cycle, entries: Mapping[Submission, Mapping[str, Entry]], actor: Actor,
                     source: str = IndicatorValue.Source.FORM) -> list[SaveResult]:
    """`values_save` for many submissions of `cycle`: every value, or — if one is refused — none. Each change is
    audited (old → new) and raises its submission's version, as there."""
    with transaction.atomic():
        submissions = _locked(cycle, entries)
        _check_may_edit_each(submissions, actor)
        indicators = framework_contents(cycle.framework).by_code
        parsed: dict[int, dict[str, tuple[float | None, str]]] = {}
        errors, unknown = {}, []
        for submission in submissions:
            parsed[submission.pk] = {}
            applying = submission_contents(submission).by_code
            for code, entry in entries[submission].items():
                where = f"{submission.region.code} {code}"
                if code not in indicators:
                    errors[where] = _("not an indicator of this framework")
                    unknown.append(where)
                    continue
                if code not in applying:
                    errors[where] = not_applicable(submission.region)
                    continue
                try:
                    parsed[submission.pk][code] = (parse_value(indicators[code], entry.value),
                                                   (entry.note or "").strip()[:NOTE_MAX_LENGTH])
                except InvalidValue as error:
                    errors[where] = str(error)
        if errors:
            raise ValuesInvalid(errors, unknown)
        refused = _computed_refusals(submissions, parsed, source)
        if refused:
            raise ValuesInvalid(refused)
        changes = _apply(submissions, indicators, parsed, actor, source)
        changed = [s for s in submissions if changes[s.pk]]
        _raise_versions(changed)
        audit_record_each(actor=actor, action=Action.VALUE_CHANGED,
                          events=((s, code, old, new) for s in changed for code, old, new in changes[s.pk]))
    return [SaveResult(s, changes[s.pk]) for s in submissions]


def evidence_add_many(*, cycle: Cycle, uploads: Sequence[Upload], actor: Actor) -> list[Evidence]:
    """`evidence_add` for many files on submissions of `cycle`: every file checked (type from its content, size,
    name), then all stored and audited, or — if one is refused — none."""
    checked = [check_upload(upload) for _submission, _code, upload in uploads]
    stored: list[str] = []
    try:
        with transaction.atomic():
            submissions = {s.pk: s for s in _locked(cycle, [s for s, _code, _upload in uploads])}
            _check_may_edit_each(list(submissions.values()), actor)
            indicators = framework_contents(cycle.framework).by_code
            attached: set[tuple[int, int | None, str]] = set(
                Evidence.objects.filter(submission_id__in=list(submissions))
                .values_list("submission_id", "indicator_id", "sha256"))
            rows = []
            for (given, code, upload), facts in zip(uploads, checked, strict=True):
                submission, code = submissions[given.pk], (code or "").strip()
                indicator = None
                if code and code != GENERAL:
                    indicator = indicators.get(code)
                    if indicator is None:
                        raise EvidenceInvalid(_("%(region)s: “%(code)s” is not an indicator of this framework.")
                                              % {"region": submission.region, "code": code})
                key = (submission.pk, None if indicator is None else indicator.pk, facts.sha256)
                if key in attached:
                    raise EvidenceInvalid(_("%(region)s: this file is already attached here.")
                                          % {"region": submission.region})
                attached.add(key)
                evidence = Evidence(submission=submission, indicator=indicator, original_name=facts.name,
                                    content_type=facts.type.content_type, size=facts.size, sha256=facts.sha256,
                                    uploaded_by=actor if actor.is_authenticated else None)
                upload.seek(0)
                evidence.file.save(facts.name, upload if isinstance(upload, File) else File(upload, name=facts.name),
                                   save=False)
                stored.append(str(evidence.file.name))
                rows.append(evidence)
            Evidence.objects.bulk_create(rows, batch_size=500)
            audit_record_each(actor=actor, action=Action.EVIDENCE_ADDED,
                              events=((e.submission, _subject(e), None, _facts(e)) for e in rows))
    except BaseException:
        storage = Evidence.file.field.storage
        for name in stored:
            storage.delete(name)
        raise
    return rows


def submission_transition_many(*, cycle: Cycle, submissions: Iterable[Submission], action: str, actor: Actor,
                               comment: str = "") -> list[Submission]:
    """`submission_transition` of the same `action` on many submissions of `cycle`: audited and notified each, or —
    if one is refused — none. The refusals are checked in the order of the one-submission service: the actor's
    role, a missing or too long reason, the state or the entry window, the four-eyes rule, values not ready to
    submit. Approving, or reopening an approved submission, asks once for a recompute of the cycle's scores."""
    step = transition(action)
    comment = comment.strip()
    with transaction.atomic():
        locked = _locked(cycle, submissions)
        roles = {s.pk: roles_for_region(actor, s.region) for s in locked}
        for submission in locked:
            _refuse(submission, PermissionRefused, role_refusal(step, roles[submission.pk]))
        if step.needs_comment and not comment:
            raise Invalid(reason_refusal(step), fields={"comment": [_("A reason is needed.")]})
        if len(comment) > COMMENT_MAX_LENGTH:
            reason = _("At most %(limit)d characters.") % {"limit": COMMENT_MAX_LENGTH}
            raise Invalid(reason, fields={"comment": [reason]})
        took = (submissions_round_actors([s.pk for s in locked])
                if action in FOUR_EYES_ACTIONS and cycle.separation_of_duties else {})
        for submission in locked:
            _refuse(submission, WorkflowRefused,
                    state_refusal(step, submission.status, roles[submission.pk], entry_open=submission.entry_open))
            _refuse(submission, PermissionRefused,
                    four_eyes_refusal(actor, submission, action, took=took.get(submission.pk, {})))
        if action == "submit":
            findings = submissions_findings_of(cycle, locked)
            for submission in locked:
                blocking = [f for f in findings[submission.pk] if f.blocking]
                if blocking:
                    _refuse(submission, WorkflowRefused, _("Not ready to submit: %(problems)s") % {
                        "problems": " ".join(f.message for f in blocking)})
        old = {s.pk: s.status for s in locked}
        Submission.objects.filter(pk__in=[s.pk for s in locked]).update(
            status=step.target, version=F("version") + 1, updated_at=timezone.now())
        for submission in locked:
            submission.status, submission.version = step.target, submission.version + 1
        audit_record_each(actor=actor, action=TRANSITION_ACTIONS[action], comment=comment,
                          events=((s, "status", old[s.pk], step.target) for s in locked))
        _notify(locked, action, actor, comment)
        if locked and Submission.Status.APPROVED in (*old.values(), step.target):
            cycle_scores_request(cycle=cycle, actor=actor, reason=f"{action} {len(locked)} submissions",
                                 follow_up=True)
    return locked


def _locked(cycle: Cycle, submissions: Iterable[Submission]) -> list[Submission]:
    """The submissions, locked and read again with their cycle and region, by region code; each must be of
    `cycle`."""
    ids = {s.pk for s in submissions}
    locked = list(Submission.objects.select_for_update(of=("self",)).select_related("cycle__framework", "region")
                  .filter(cycle_id=cycle.pk, pk__in=ids).order_by("region__code"))
    if len(locked) != len(ids):
        raise Invalid(_("Some of these submissions are not of this cycle."))
    return locked


def _refuse(submission: Submission, kind: type[DomainError], reason: Any) -> None:
    if reason:
        raise kind(_("%(region)s: %(reason)s") % {"region": submission.region, "reason": reason})


def _check_may_edit_each(submissions: Sequence[Submission], actor: Actor) -> None:
    """`_check_may_edit` of each submission; its refusal, of the same kind, names the region."""
    for submission in submissions:
        try:
            _check_may_edit(submission, actor)
        except DomainError as refused:
            raise type(refused)(_("%(region)s: %(reason)s") % {"region": submission.region,
                                                               "reason": refused.message},
                                fields=refused.fields) from refused


def _computed_refusals(submissions: Sequence[Submission],
                       parsed: Mapping[int, Mapping[str, tuple[float | None, str]]], source: str) -> dict[str, str]:
    """As `submissions.computed_refusals`: a computed value changes only when computed again from its source."""
    regions = {s.pk: s.region.code for s in submissions}
    refused = {}
    for current in IndicatorValue.objects.select_related("indicator").filter(
            submission_id__in=list(regions), source__in=IndicatorValue.COMPUTED_SOURCES).exclude(source=source):
        given = parsed[current.submission_id].get(current.indicator.code)
        if given is not None and given != (current.value, current.note):
            refused[f"{regions[current.submission_id]} {current.indicator.code}"] = computed_refusal(current)
    return refused


def _apply(submissions: Sequence[Submission], indicators: Mapping[str, Any],
           parsed: Mapping[int, Mapping[str, tuple[float | None, str]]], actor: Actor, source: str
           ) -> dict[int, list[Change]]:
    """As `submissions._apply`, for every submission at once: removed, created and updated in bulk."""
    existing = {(v.submission_id, v.indicator.code): v for v in IndicatorValue.objects.select_related("indicator")
                .filter(submission_id__in=[s.pk for s in submissions])}
    changes: dict[int, list[Change]] = {s.pk: [] for s in submissions}
    created, updated, removed = [], [], []
    now = timezone.now()
    by = actor.pk if actor.is_authenticated else None
    for submission in submissions:
        for code, (value, note) in parsed[submission.pk].items():
            current = existing.get((submission.pk, code))
            old = None if current is None else {"value": current.value, "note": current.note}
            new = None if value is None else {"value": value, "note": note}
            if old == new:
                continue
            changes[submission.pk].append((code, old, new))
            if value is None:
                if current is not None:  # old != new: there was a value to clear
                    removed.append(current.pk)
            elif current is None:
                created.append(IndicatorValue(submission_id=submission.pk, indicator_id=indicators[code].pk,
                                              value=value, note=note, source=source, updated_by_id=by))
            else:
                current.value, current.note, current.source, current.updated_by_id = value, note, source, by
                current.updated_at = now
                updated.append(current)
    IndicatorValue.objects.filter(pk__in=removed).delete()
    IndicatorValue.objects.bulk_create(created, batch_size=1000)
    IndicatorValue.objects.bulk_update(updated, ["value", "note", "source", "updated_by", "updated_at"],
                                       batch_size=500)
    return changes


def _raise_versions(submissions: Sequence[Submission]) -> None:
    if not submissions:
        return
    Submission.objects.filter(pk__in=[s.pk for s in submissions]).update(version=F("version") + 1,
                                                                          updated_at=timezone.now())
    for submission in submissions:
        submission.version += 1


def _notify(submissions: Sequence[Submission], action: str, actor: Actor, comment: str) -> None:
    """`notify_transition` for each submission: one query for the people concerned, one write."""
    where, roles = AUDIENCE[action]
    cities = {s.region_id for s in submissions} if where in ("city", "both") else set()
    provinces = {s.region.province_id for s in submissions} if where in ("province", "both") else set()
    held: dict[int | None, set[User]] = {}
    for assignment in RoleAssignment.objects.filter(Q(region_id__in=cities) | Q(region_id__in=provinces),
                                                    role__in=roles).select_related("user"):
        if assignment.user != actor and assignment.user.is_active:
            held.setdefault(assignment.region_id, set()).add(assignment.user)
    facts: dict[str, Any] = {
        "action": action, "by": (actor.get_full_name() or actor.get_username()) if isinstance(actor, User) else None,
        "comment": comment, "indicators": []}
    notifications = []
    for submission in submissions:
        users = held.get(submission.region_id, set()) if where in ("city", "both") else set()
        if where in ("province", "both"):
            users = users | held.get(submission.region.province_id, set())
        notifications += [Notification(user=user, submission=submission, cycle=submission.cycle,
                                       kind=Notification.Kind.TRANSITION, facts=dict(facts))
                          for user in sorted(users, key=lambda user: user.pk)]
    notifications_deliver(notifications)
