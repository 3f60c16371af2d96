"""The history of a submission, read from its audit trail: rows for the history page and its Excel export.

Who changed what and when, old → new: entered values (with their notes), workflow steps (with the reason)
and evidence. A page of events costs one query for the events (with their actors) and one for the names of
the indicators they concern, whatever the number of events.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.template.defaultfilters import filesizeformat
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from audit.models import EVIDENCE_ACTIONS, SUBMISSION_STATUS_ACTIONS, Action
from audit.selectors import submission_events
from indicators.models import Indicator
from smartgov.i18n import localised
from smartgov.numbers import human_number
from smartgov.workbooks import workbook_bytes

from .models import Submission

SHANGHAI = ZoneInfo("Asia/Shanghai")
KINDS = {
    "values": ((Action.VALUE_CHANGED,), gettext_lazy("Values")),
    "status": (SUBMISSION_STATUS_ACTIONS, gettext_lazy("Status changes")),
    "evidence": (EVIDENCE_ACTIONS, gettext_lazy("Evidence")),
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Side:
    """One side of a change: the value as stored (a number, a status label or a text), as people read it, and the
    note; for a file, its SHA-256 fingerprint (kept apart from the text)."""

    value: object
    text: str
    note: str = ""
    sha256: str = ""


@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    """In Asia/Shanghai."""
    who: str
    action: str
    kind: str
    """"values", "status", "evidence" or "other"."""
    code: str
    """The indicator's code, when the event concerns one."""
    subject: str
    old: Side | None
    new: Side | None
    comment: str

    @property
    def when(self) -> str:
        return self.at.strftime("%Y-%m-%d %H:%M:%S")

    @property
    def note_changed(self) -> bool:
        return (self.old.note if self.old else "") != (self.new.note if self.new else "")

    @property
    def sha256(self) -> str:
        """The fingerprint of the file the event concerns (uploaded, removed or imported), if any."""
        return (self.new.sha256 if self.new else "") or (self.old.sha256 if self.old else "")


def history_kind(value) -> str:
    """The kind asked for in a request ("values", "status", "evidence"), or "" for every event."""
    return value if value in KINDS else ""


def history_kinds():
    return [(kind, label) for kind, (_query, label) in KINDS.items()]


def history_events(submission: Submission, kind: str = ""):
    """The submission's audit events, newest first, with their actors; only those of `kind` if given."""
    return submission_events(submission, actions=KINDS[kind][0] if kind in KINDS else None)


def history_rows(submission: Submission, events) -> list[HistoryRow]:
    events = list(events)
    codes = {e.subject for e in events if e.subject and e.action not in SUBMISSION_STATUS_ACTIONS}
    names = {}
    if codes:
        names = {code: localised(zh, en) for code, zh, en in Indicator.objects.filter(
            framework_id=submission.cycle.framework_id, code__in=codes).values_list("code", "name_zh", "name_en")}
    return [_row(event, names) for event in events]


def _row(event, names):
    kind = _kind(event.action)
    if kind == "status":
        subject, code = _("Status"), ""
        old, new = _status(event.old), _status(event.new)
    else:
        code = event.subject if event.subject in names else ""
        subject = f"{code} {names[code]}" if code else _subject(event)
        old, new = _side(event.old), _side(event.new)
    return HistoryRow(
        at=timezone.localtime(event.at, SHANGHAI), who=_who(event.actor), action=_action(event), kind=kind,
        code=code, subject=subject, old=old, new=new, comment=event.comment,
    )


def _subject(event):
    """What an event that names no indicator of the framework concerns (its subject may be a technical word)."""
    if event.action == Action.VALUE_CHANGED:
        return event.subject
    if event.action == Action.DEADLINE_EXTENDED:
        return _("Deadline")
    return _("The submission as a whole")


def _kind(action):
    return next((kind for kind, (actions, _label) in KINDS.items() if action in actions), "other")


def _action(event):
    if event.action == Action.VALUE_CHANGED:
        if event.old is None:
            return _("Value entered")
        if event.new is None:
            return _("Value cleared")
        return _("Value changed")
    return str(Action(event.action).label)


def _who(actor):
    if actor is None:
        return "—"
    return actor.get_full_name() or actor.get_username()


def _status(value):
    if value is None:
        return None
    try:
        label = str(Submission.Status(value).label)
    except ValueError:
        label = str(value)
    return Side(label, label)


def _side(value):
    """A value event's {"value", "note"}, a file (its name and size), an import (how many values or rows), an
    extension (its date), or any other JSON, as people read them."""
    if value is None:
        return None
    if isinstance(value, dict):
        return _facts_side(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Side(value, human_number(value))
    return Side(str(value), str(value))


def _facts_side(facts: dict) -> Side:
    sha256 = str(facts.get("sha256") or "")
    if "value" in facts:
        number = facts["value"]
        return Side(number, human_number(number), str(facts.get("note") or ""))
    name = next((str(facts[key]) for key in ("original_name", "name", "file") if facts.get(key)), "")
    if name:
        text = f"{name} ({filesizeformat(facts['size'])})" if isinstance(facts.get("size"), int) else name
        return Side(text, text, sha256=sha256)
    if isinstance(facts.get("values"), int):
        count = facts["values"]
        text = ngettext("%(count)s value", "%(count)s values", count) % {"count": human_number(count)}
        return Side(text, text, sha256=sha256)
    if isinstance(facts.get("rows"), int):
        count = facts["rows"]
        text = ngettext("%(count)s row", "%(count)s rows", count) % {"count": human_number(count)}
        return Side(text, text, sha256=sha256)
    if "until" in facts:
        text = formats.date_format(datetime.fromisoformat(facts["until"]), "DATE_FORMAT") if facts["until"] else ""
        return Side(text, text)
    text = ", ".join(f"{k}: {human_number(v)}" for k, v in facts.items() if k != "sha256")
    return Side(text, text, sha256=sha256)


# --- Excel ---------------------------------------------------------------------------------------------------

COLUMNS = [  # (header, width, wraps)
    (gettext_lazy("Time"), 20, False),
    (gettext_lazy("User"), 16, False),
    (gettext_lazy("Action"), 22, False),
    (gettext_lazy("Indicator code"), 12, False),
    (gettext_lazy("Subject"), 36, True),
    (gettext_lazy("Old value"), 16, False),
    (gettext_lazy("Old note"), 30, True),
    (gettext_lazy("New value"), 16, False),
    (gettext_lazy("New note"), 30, True),
    (gettext_lazy("Comment"), 40, True),
    (gettext_lazy("File fingerprint (SHA-256)"), 20, False),
]


def history_headers() -> list[str]:
    return [str(header) for header, _width, _wraps in COLUMNS]


def history_workbook(submission: Submission, rows: list[HistoryRow]) -> bytes:
    """The rows as an .xlsx file: headers in the active language, bold and frozen; numbers stay numbers."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = re.sub(r"[\[\]:*?/\\]", " ", f"{submission.region.name} {submission.cycle.period}")[:31]
    sheet.append(history_headers())
    header_fill = PatternFill("solid", fgColor="DDE6F0")
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(vertical="center")
    wraps = [wrap for _header, _width, wrap in COLUMNS]
    for row in rows:
        values = [
            row.at.replace(tzinfo=None, microsecond=0), row.who, row.action, row.code, row.subject,
            row.old.value if row.old else None, row.old.note if row.old else None,
            row.new.value if row.new else None, row.new.note if row.new else None,
            row.comment, row.sha256,
        ]
        sheet.append([value if value != "" else None for value in values])
        for cell, wrap in zip(sheet[sheet.max_row], wraps, strict=True):
            cell.alignment = Alignment(vertical="top", wrap_text=wrap)
        sheet.cell(sheet.max_row, 1).number_format = "yyyy-mm-dd hh:mm:ss"
    for index, (_header, width, _wrap) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{max(sheet.max_row, 1)}"
    return workbook_bytes(workbook)


def history_filename(submission: Submission) -> tuple[str, str]:
    """(the file name in the user's language, an ASCII fallback)."""
    name = f"{submission.region.name}-{submission.cycle.period}-{_('History')}.xlsx"
    return name, f"history-{submission.region.code}-{submission.cycle.period}.xlsx"


def attachment(name: str, fallback: str) -> str:
    """A Content-Disposition value with an ASCII fallback and the real (e.g. Chinese) name per RFC 5987."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
