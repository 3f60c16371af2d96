"""A save refused as stale (`StaleEdit`), told to the person whose input it was: who changed which indicator, from
what to what and when, since they opened the page; and their own input beside the value saved now, so that one
click can save it again against the current version.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from audit.models import Action, AuditEvent
from indicators.models import Indicator
from smartgov.numbers import human_number

from .checks import InvalidValue, field_text, parse_value
from .history_export import history_rows
from .models import Submission
from .services import Entry, StaleEdit

Side = dict[str, Any] | None
"""A value as the audit trail stores it: {"value", "note"}, or None when there is none."""


@dataclass(frozen=True)
class Change:
    """One change made since the user opened the page."""

    sentence: SafeString
    """In words; the indicator named, linked to its row."""
    code: str = ""
    """The indicator whose value changed, "" for anything else (a workflow step, evidence)."""
    field: tuple[str, str] | None = None
    """On the latest change of a value: (value, note) saved now, as the entry fields write them."""


@dataclass(frozen=True)
class Yours:
    """The user's own input on one indicator, not saved, beside the value saved now."""

    code: str
    name: str
    typed: str
    note: str
    saved: str
    """The value saved now, in words."""
    by: str
    """Who saved it since the page was opened; "" when nobody changed it since."""


@dataclass(frozen=True)
class EditConflict:
    version: int
    """The submission's version now: what a new save is based on."""
    changes: list[Change]
    yours: list[Yours]
    kept: dict[str, Entry]
    """The user's entries that differ from what their page showed, to keep in the fields."""


def edit_conflict(submission: Submission, error: StaleEdit, entries: Mapping[str, Entry]) -> EditConflict:
    """What `error` refused, for the page: the changes since in words and the user's `entries` that differed
    from what their page showed. (A whole form sends every field: an untouched one is not the user's input,
    and the field shows the value saved now.)"""
    indicators = {i.code: i for i in submission.cycle.framework.indicators.all()}
    values = [event for event in error.changes if event.action == Action.VALUE_CHANGED and event.subject in indicators]
    shown: dict[str, Side] = {}
    latest: dict[str, AuditEvent] = {}
    for event in values:
        shown.setdefault(event.subject, event.old)
        latest[event.subject] = event
    saved: dict[str, Side] = {code: {"value": value, "note": note} for code, value, note in submission.values.filter(
        indicator__code__in=[*entries, *latest]).values_list("indicator__code", "value", "note")}
    kept = {code: entry for code, entry in entries.items() if code in indicators
            and not _same(indicators[code], entry, shown[code] if code in shown else saved.get(code))}
    yours = [Yours(code=code, name=indicators[code].name, typed="" if entry.value is None else str(entry.value),
                   note=entry.note or "", saved=_words(indicators[code], saved.get(code)),
                   by=_who(latest[code]) if code in latest else "")
             for code, entry in kept.items()]
    rows = dict(zip((e.pk for e in error.changes if e not in values),
                    history_rows(submission, [e for e in error.changes if e not in values]), strict=True))
    changes = []
    for event in error.changes:
        if event.pk in rows:
            changes.append(Change(_other_sentence(event, rows[event.pk])))
            continue
        code, now = event.subject, saved.get(event.subject)
        field = (field_text(now["value"]), now["note"]) if now else ("", "")
        changes.append(Change(_value_sentence(event, indicators[code]), code, field if event is latest[code] else None))
    return EditConflict(version=submission.version, changes=changes, yours=yours, kept=kept)


def _same(indicator: Indicator, entry: Entry, side: Side) -> bool:
    """Whether saving `entry` would leave `side` as it is."""
    try:
        value = parse_value(indicator, entry.value)
    except InvalidValue:
        return False
    if value is None or side is None:
        return value is None and side is None
    return value == side["value"] and (entry.note or "").strip() == (side.get("note") or "")


def _value_sentence(event: AuditEvent, indicator: Indicator) -> SafeString:
    parts = {"who": _who(event), "when": _when(event), "old": _words(indicator, event.old),
             "new": _words(indicator, event.new),
             "indicator": format_html('<a href="#row-{}">{} {}</a>', indicator.code, indicator.code, indicator.name)}
    old_note, new_note = (str((side or {}).get("note") or "") for side in (event.old, event.new))
    if event.old is None:
        sentence = _html(_("%(who)s entered %(new)s for %(indicator)s at %(when)s."), parts)
    elif event.new is None:
        sentence = _html(_("%(who)s cleared %(indicator)s (it was %(old)s) at %(when)s."), parts)
    elif event.old.get("value") != event.new.get("value"):
        sentence = _html(_("%(who)s changed %(indicator)s from %(old)s to %(new)s at %(when)s."), parts)
    else:
        sentence = _html(_("%(who)s changed the note on %(indicator)s at %(when)s."), parts)
    if new_note and new_note != old_note:
        sentence = _html(_("%(sentence)s Their note: “%(note)s”."), {"sentence": sentence, "note": new_note})
    return sentence


def _other_sentence(event: AuditEvent, row) -> SafeString:
    """A change that is not an indicator's value (a workflow step, evidence), as the history page words it."""
    what = " · ".join(part for part in (row.action, row.subject if row.code else "") if part)
    sides = [side.text for side in (row.old, row.new) if side and side.text]
    if sides:
        what = f"{what} ({' → '.join(sides)})"
    return _html(_("%(who)s: %(what)s, at %(when)s."), {"who": _who(event), "what": what, "when": _when(event)})


def _html(template: str, parts: Mapping[str, object]) -> SafeString:
    """A translated sentence with its parts escaped (a part that is HTML already, like a link, stays HTML)."""
    return mark_safe(escape(template) % {name: conditional_escape(part) for name, part in parts.items()})  # noqa: S308


def _words(indicator: Indicator, side: Side) -> str:
    """A value for people: 是/否 for a yes/no indicator, a number with its unit, "empty" for none."""
    if side is None or side.get("value") is None:
        return _("empty")
    value = side["value"]
    if indicator.data_type == Indicator.DataType.BOOLEAN:
        return _("yes") if value else _("no")
    unit = indicator.unit
    joined = not unit or unit.startswith("%") or unit[0] >= "\u2e80"  # "85%", "12件"; but "3 hours"
    return f"{human_number(value)}{'' if joined else ' '}{unit}"


def _who(event: AuditEvent) -> str:
    actor = event.actor
    if actor is None:
        return _("the platform")
    return actor.get_full_name() or actor.get_username()


def _when(event: AuditEvent) -> str:
    """The time of day for a change made today, the date too for an earlier one."""
    at = timezone.localtime(event.at)
    return date_format(at, "H:i:s" if at.date() == timezone.localdate() else "Y-m-d H:i")
