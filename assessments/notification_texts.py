"""What a notification says, told from its kind and facts in the active language: on the notifications page in
the reader's, in an e-mail in the recipient's (`assessments.services.notifications` chooses it)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from smartgov.i18n import localised

from .models import Notification
from .workflow import TRANSITIONS

Kind = Notification.Kind
CODES_SHOWN = 10
"""Indicator codes a reminder names before saying how many more."""


def notification_message(notification: Notification) -> str:
    tell = MESSAGES.get(notification.kind)
    return tell(notification) if tell else notification.written


def notification_indicators(notification: Notification) -> list[tuple[str, str]]:
    return [(code, localised(zh, en)) for code, zh, en in notification.facts.get("indicators", [])]


def notification_subject(notification: Notification) -> str:
    if notification.kind == Kind.REMINDER:
        return _("SmartGov reminder: %(region)s %(period)s") % _where(notification)
    if notification.submission_id is not None:
        return _("SmartGov: %(region)s %(period)s") % _where(notification)
    return _("SmartGov: %(cycle)s") % {"cycle": notification.cycle}


def notification_email(notification: Notification) -> str:
    """The e-mail's text: the message, the indicators it concerns with a link to each one's row of the
    submission, and a link to the submission."""
    link = ""
    if notification.submission_id is not None:
        link = settings.SITE_URL + reverse("submission", args=[notification.submission_id])
    return render_to_string("assessments/email/notification.txt", {
        "message": notification_message(notification), "link": link,
        "indicators": [(code, name, f"{link}#row-{code}") for code, name in notification_indicators(notification)],
    })


def _where(notification: Notification) -> dict[str, object]:
    submission = notification.submission
    return {"region": submission.region.name, "period": submission.cycle.period} if submission else {
        "region": "", "period": notification.cycle.period if notification.cycle else ""}


def _date(iso: str) -> str:
    return formats.date_format(datetime.date.fromisoformat(iso), "DATE_FORMAT")


def _transition(notification: Notification) -> str:
    facts = notification.facts
    step = TRANSITIONS.get(facts["action"])
    message = _("%(region)s %(period)s: %(action)s by %(who)s.") % {
        **_where(notification), "action": step.label if step else facts["action"],
        "who": facts.get("by") or _("the platform")}
    if facts.get("comment"):
        message = _("%(message)s Reason: %(comment)s") % {"message": message, "comment": facts["comment"]}
    return message


def _cycle_opened(notification: Notification) -> str:
    facts = notification.facts
    return _("%(cycle)s is open for entry from %(opens)s until %(closes)s.") % {
        "cycle": notification.cycle, "opens": _date(facts["opens"]), "closes": _date(facts["closes"])}


def _cycle_closed(notification: Notification) -> str:
    if notification.facts.get("approved"):
        return _("%(cycle)s is closed for entry.") % {"cycle": notification.cycle}
    return _("%(cycle)s is closed for entry. Your submission was not approved by then: it is reported as not "
             "approved (the province may still review it).") % {"cycle": notification.cycle}


def _participant_added(notification: Notification) -> str:
    return _("%(cycle)s: your region takes part; entry is open until %(closes)s.") % {
        "cycle": notification.cycle, "closes": _date(notification.facts["closes"])}


def _deadline_extended(notification: Notification) -> str:
    facts = notification.facts
    return _("%(region)s %(period)s: the deadline is extended to %(until)s. Reason: %(reason)s") % {
        **_where(notification), "until": _date(facts["until"]), "reason": facts["reason"]}


def _results_published(notification: Notification) -> str:
    facts = notification.facts
    if facts["version"] == 1:
        return _("The results of %(cycle)s are published (version 1).") % {"cycle": notification.cycle}
    return _("The results of %(cycle)s are revised (version %(version)s). Reason: %(reason)s") % {
        "cycle": notification.cycle, "version": facts["version"], "reason": facts["reason"]}


def _reminder(notification: Notification) -> str:
    """The cycle, the deadline (and how near or how late it was when the reminder was sent), what is missing."""
    facts = notification.facts
    days = facts["days"]
    if days > 0:
        when = ngettext("in %(days)d day", "in %(days)d days", days) % {"days": days}
    elif days == 0:
        when = _("today")
    else:
        when = ngettext("%(days)d day overdue", "%(days)d days overdue", -days) % {"days": -days}
    where = _where(notification)
    parts = [_("%(region)s, assessment %(period)s: the deadline is %(deadline)s (%(when)s).") % {
        **where, "deadline": _date(facts["deadline"]), "when": when}]
    missing, evidence_missing = facts.get("missing", []), facts.get("evidence_missing", [])
    if missing:
        parts.append(_("%(missing)d of %(expected)d indicators have no value yet: %(codes)s.") % {
            "missing": len(missing), "expected": facts["expected"], "codes": _codes(missing)})
    if evidence_missing:
        parts.append(_("Evidence is missing for %(codes)s.") % {"codes": _codes(evidence_missing)})
    if facts.get("awaiting_sign_off"):
        parts.append(_("The submission awaits the city reviewer's sign-off."))
    elif not missing and not evidence_missing:
        parts.append(_("Every value is entered: submit the submission for sign-off."))
    return localised("", " ").join(parts)


def _codes(codes: Sequence[str]) -> str:
    shown = localised("、", ", ").join(codes[:CODES_SHOWN])
    more = len(codes) - CODES_SHOWN
    if more <= 0:
        return shown
    return ngettext("%(codes)s and %(count)d more", "%(codes)s and %(count)d more", more) % {
        "codes": shown, "count": more}


MESSAGES: dict[str, Callable[[Notification], str]] = {
    Kind.TRANSITION: _transition,
    Kind.CYCLE_OPENED: _cycle_opened,
    Kind.CYCLE_CLOSED: _cycle_closed,
    Kind.PARTICIPANT_ADDED: _participant_added,
    Kind.DEADLINE_EXTENDED: _deadline_extended,
    Kind.RESULTS_PUBLISHED: _results_published,
    Kind.REMINDER: _reminder,
}
