"""A cycle's comparison groups (副省级城市, 计划单列市, the members of an international index): named sets of its
participants ranked among themselves with every score run (`indicators.scoring`, docs/scoring.md §9.1).

`groups_set` replaces all of a cycle's groups at once (all or nothing, audited with old and new) and asks for a
recompute so that the current results rank the new groups; the national coordinator does it while the cycle is not
published. Groups also come from a file (CSV or .xlsx, one row per member: group_code, group_name_zh,
group_name_en, region_code) checked first in a dry run that names every wrong row.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import groupby, islice
from typing import Any

from django.core import signing
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.models import Action
from audit.services import Actor, audit_record
from smartgov.errors import Invalid, Refused
from smartgov.i18n import localised
from smartgov.limits import GROUPS_FILE_MAX_BYTES, GROUPS_FILE_MAX_ROWS, IMPORT_UPLOAD_LIFETIME
from smartgov.workbooks import OLE_SIGNATURE, ZIP_SIGNATURE, UnreadableWorkbook, csv_rows, open_workbook

from .. import lifecycle
from ..models import ComparisonGroup, Cycle, Region, Submission

Status = Cycle.Status
SET_GROUPS = lifecycle.CampaignStep("set_groups", gettext_lazy("Set the comparison groups"),
                                    (Status.PLANNED, Status.OPEN, Status.CLOSED), lifecycle.NATIONAL)
GROUPS_MAX = 50
"""Comparison groups a cycle may have."""
CODE = re.compile(r"^[-a-zA-Z0-9_]{1,40}$")
NAME_MAX_LENGTH = 200
SEPARATORS = re.compile(r"[\s,，;；、]+")
FILE_COLUMNS = {
    "group_code": ("group_code", "分组代码"),
    "group_name_zh": ("group_name_zh", "分组名称（中文）", "分组中文名称"),
    "group_name_en": ("group_name_en", "分组名称（英文）", "分组英文名称"),
    "region_code": ("region_code", "地区代码"),
}
TOKEN_SALT = "smartgov.groups-file"  # noqa: S105 - a signing namespace, not a secret


@dataclass(frozen=True)
class GroupInput:
    """One comparison group as given: its code, names and the codes of its member regions."""

    code: str
    name_zh: str
    name_en: str
    members: tuple[str, ...] = ()

    def normalised(self) -> GroupInput:
        return GroupInput(self.code.strip(), self.name_zh.strip(), self.name_en.strip(),
                          tuple(sorted({m.strip() for m in self.members if m.strip()})))

    def facts(self) -> dict[str, Any]:
        return {"code": self.code, "name_zh": self.name_zh, "name_en": self.name_en, "members": list(self.members)}


def cycle_groups(cycle: Cycle) -> list[GroupInput]:
    """The cycle's groups by code, members by code: one query, whatever their number."""
    rows = (ComparisonGroup.objects.filter(cycle_id=cycle.pk).order_by("code", "members__code")
            .values_list("code", "name_zh", "name_en", "members__code"))
    return [GroupInput(code, name_zh, name_en, tuple(row[3] for row in group if row[3] is not None))
            for (code, name_zh, name_en), group in groupby(rows, key=lambda row: row[:3])]


def group_facts(groups: Iterable[GroupInput]) -> list[dict[str, Any]]:
    """The groups as a score run's method and the audit record them: codes, names and member codes."""
    return [group.facts() for group in groups]


def groups_fingerprint(groups: Iterable[GroupInput]) -> str:
    """SHA-256 of the groups: the same groups give the same fingerprint."""
    facts = sorted(group_facts(g.normalised() for g in groups), key=lambda g: g["code"])
    return hashlib.sha256(json.dumps(facts, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def members_from_text(text: str) -> tuple[str, ...]:
    """Region codes pasted as a list: separated by spaces, new lines, commas, semicolons or 、."""
    return tuple(code for code in SEPARATORS.split(text) if code)


def groups_with(groups: Sequence[GroupInput], *, replace: str = "", group: GroupInput | None = None
                ) -> list[GroupInput]:
    """`groups` without the one whose code is `replace` (if any), with `group` added (if given)."""
    kept = [g for g in groups if g.code != replace]
    return [*kept, group] if group is not None else kept


def groups_check(cycle: Cycle, groups: Sequence[GroupInput]) -> dict[str, list[str]]:
    """Why `groups` cannot be the cycle's groups, by input field (code, name_zh, name_en, members); empty when
    they can. Every member must be a participant of the cycle; refused codes are named."""
    problems: dict[str, list[str]] = {}

    def refuse(name: str, message: str) -> None:
        problems.setdefault(name, []).append(message)

    if len(groups) > GROUPS_MAX:
        refuse("code", _("A cycle has at most %(limit)d comparison groups.") % {"limit": GROUPS_MAX})
    seen: set[str] = set()
    for group in groups:
        label = group.code or group.name_zh
        if not CODE.match(group.code):
            refuse("code", _("Group “%(group)s”: the code must be 1 to 40 letters, digits, hyphens or underscores.")
                   % {"group": label})
        elif group.code in seen:
            refuse("code", _("The code “%(code)s” is given to more than one group.") % {"code": group.code})
        seen.add(group.code)
        for name, value in (("name_zh", group.name_zh), ("name_en", group.name_en)):
            if not value or len(value) > NAME_MAX_LENGTH:
                refuse(name, _("Group “%(group)s”: the name must be 1 to %(limit)d characters.")
                       % {"group": label, "limit": NAME_MAX_LENGTH})
        if not group.members:
            refuse("members", _("Group “%(group)s” has no member.") % {"group": label})
    wanted = {code for group in groups for code in group.members}
    participants = set(Submission.objects.filter(cycle_id=cycle.pk, region__code__in=wanted)
                       .values_list("region__code", flat=True))
    outside = wanted - participants
    known = {region.code: region for region in Region.objects.filter(code__in=outside)} if outside else {}
    for group in groups:
        unknown = [code for code in group.members if code in outside and code not in known]
        strangers = [known[code] for code in group.members if code in known]
        if unknown:
            refuse("members", _("Group “%(group)s”: no region has these codes: %(codes)s.")
                   % {"group": group.code, "codes": "、".join(unknown)})
        if strangers:
            refuse("members", _("Group “%(group)s”: these regions are not participants of this cycle: %(regions)s.")
                   % {"group": group.code, "regions": localised("、", ", ").join(
                       localised("{}（{}）", "{} ({})").format(region.name, region.code) for region in strangers)})
    return problems


@transaction.atomic
def groups_set(*, cycle: Cycle, groups: Sequence[GroupInput], actor: Actor | None, expected: str | None = None
               ) -> list[GroupInput]:
    """Replace the cycle's comparison groups by `groups` (all or nothing) and return them as stored.

    The national coordinator's, while the cycle is not published. `expected`, when given, is the fingerprint of
    the groups the change was prepared against (a dry run): if they changed meanwhile, nothing is written. A
    change is audited with the old and new groups and asks for a recompute, so that the results rank the new
    groups.
    """
    locked = Cycle.objects.select_for_update().get(pk=cycle.pk)
    lifecycle.check(SET_GROUPS, locked, actor)
    new = sorted((g.normalised() for g in groups), key=lambda g: g.code)
    problems = groups_check(locked, new)
    if problems:
        raise Invalid(_("The comparison groups were not saved: %(reasons)s")
                      % {"reasons": " ".join(m for reasons in problems.values() for m in reasons)}, fields=problems)
    old = cycle_groups(locked)
    if expected is not None and expected != groups_fingerprint(old):
        raise Refused(_("The comparison groups changed since the file was checked: check it again."))
    if old == new:
        return new
    _write(locked, new)
    audit_record(actor=actor, action=Action.GROUPS_SET, target=locked, old=group_facts(old), new=group_facts(new))
    if locked.submissions.filter(status=Submission.Status.APPROVED).exists():
        from .scores import cycle_scores_request

        cycle_scores_request(cycle=locked, actor=actor, reason="comparison groups set", follow_up=True)
    return new


def _write(cycle: Cycle, groups: Sequence[GroupInput]) -> None:
    """Delete, update and create the groups and their members in a number of queries that does not grow with
    the number of groups or members."""
    existing = {g.code: g for g in ComparisonGroup.objects.filter(cycle_id=cycle.pk)}
    wanted = {g.code: g for g in groups}
    ComparisonGroup.objects.filter(cycle_id=cycle.pk).exclude(code__in=wanted).delete()
    renamed = []
    for code, group in wanted.items():
        stored = existing.get(code)
        if stored is not None and (stored.name_zh, stored.name_en) != (group.name_zh, group.name_en):
            stored.name_zh, stored.name_en = group.name_zh, group.name_en
            renamed.append(stored)
    ComparisonGroup.objects.bulk_update(renamed, ["name_zh", "name_en"])
    ComparisonGroup.objects.bulk_create(ComparisonGroup(cycle_id=cycle.pk, code=g.code, name_zh=g.name_zh,
                                                        name_en=g.name_en) for g in groups if g.code not in existing)
    ids = dict(ComparisonGroup.objects.filter(cycle_id=cycle.pk).values_list("code", "pk"))
    regions = dict(Region.objects.filter(code__in={c for g in groups for c in g.members}).values_list("code", "pk"))
    through = ComparisonGroup.members.through
    through.objects.filter(comparisongroup__cycle_id=cycle.pk).delete()
    through.objects.bulk_create(through(comparisongroup_id=ids[g.code], region_id=regions[code])
                                for g in groups for code in g.members)


# Groups from a file ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """What is wrong with a row of a groups file: its number in the file, the group it names, the column and the
    value at fault."""

    row: int
    group: str
    column: str
    value: str
    reason: str


@dataclass(frozen=True)
class GroupsPreview:
    """The dry run of a groups file: the groups it gives, what is wrong (by row, then overall) and how the
    cycle's groups would change. `token` carries the groups to the apply."""

    rows: int
    groups: list[GroupInput]
    errors: list[RowError] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    fingerprint: str = ""
    token: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors and not self.problems

    @property
    def changes(self) -> bool:
        return bool(self.added or self.changed or self.removed)


def groups_preview(*, cycle: Cycle, data: bytes, name: str = "") -> GroupsPreview:
    """Read a groups file and check every row against the cycle, writing nothing."""
    header, rows = _file_rows(data, name)
    position = _columns(header)
    missing = [key for key in FILE_COLUMNS if key not in position]
    if missing:
        raise UnreadableWorkbook(_("The first row must hold the column headers; missing: %(columns)s.")
                                 % {"columns": ", ".join(missing)})
    cells = [(number, {key: _text(row, position[key]) for key in FILE_COLUMNS}) for number, row in rows]
    participants = set(Submission.objects.filter(cycle_id=cycle.pk).values_list("region__code", flat=True))
    codes = {cell["region_code"] for _number, cell in cells} - participants
    known = set(Region.objects.filter(code__in=codes).values_list("code", flat=True)) if codes else set()
    errors: list[RowError] = []
    names: dict[str, tuple[str, str]] = {}
    members: dict[str, dict[str, int]] = {}
    for number, cell in cells:
        reason = _row_refusal(cell, participants, known, names, members)
        if reason is not None:
            column, why = reason
            errors.append(RowError(number, cell["group_code"][:40], column, cell[column][:60], why))
            continue
        members.setdefault(cell["group_code"], {})[cell["region_code"]] = number
    found = [GroupInput(code, *names[code], tuple(sorted(members[code]))) for code in sorted(members)]
    problems = [] if errors else [m for reasons in groups_check(cycle, found).values() for m in reasons]
    current = {g.code: g for g in cycle_groups(cycle)}
    after = {g.code: g for g in found}
    return GroupsPreview(
        rows=len(cells), groups=found, errors=errors, problems=problems,
        added=sorted(after.keys() - current.keys()), removed=sorted(current.keys() - after.keys()),
        changed=sorted(code for code in after.keys() & current.keys() if after[code] != current[code]),
        fingerprint=groups_fingerprint(current.values()),
        token=signing.dumps(group_facts(found), salt=TOKEN_SALT, compress=True),
    )


def groups_from_token(token: str) -> list[GroupInput]:
    """The groups of a checked file, as its dry run left them."""
    try:
        facts = signing.loads(token, salt=TOKEN_SALT, max_age=IMPORT_UPLOAD_LIFETIME)
    except signing.BadSignature:
        raise Invalid(_("The checked file has expired or cannot be read back: upload it again.")) from None
    return [GroupInput(g["code"], g["name_zh"], g["name_en"], tuple(g["members"])) for g in facts]


def groups_csv(groups: Iterable[GroupInput]) -> str:
    """The groups as a file in the upload's format (UTF-8 with a byte-order mark, for Excel); every cell is
    text, a name that begins like a formula is quoted so that a spreadsheet never evaluates it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(list(FILE_COLUMNS))
    for group in groups:
        writer.writerows(csv_rows([group.code, group.name_zh, group.name_en, code] for code in group.members))
    return "\ufeff" + buffer.getvalue()


def _row_refusal(cell: dict[str, str], participants: set[str], known: set[str], names: dict[str, tuple[str, str]],
                 members: dict[str, dict[str, int]]) -> tuple[str, str] | None:
    """(column, reason) of what is wrong with a row of a groups file, or None. The first row of a group that
    names it gives its names (kept in `names`); later rows may repeat them or leave them empty."""
    code, region = cell["group_code"], cell["region_code"]
    if not CODE.match(code):
        return "group_code", _("The group code must be 1 to 40 letters, digits, hyphens or underscores.")
    given = (cell["group_name_zh"], cell["group_name_en"])
    for column, name, earlier in zip(("group_name_zh", "group_name_en"), given, names.get(code, ("", "")),
                                     strict=True):
        if len(name) > NAME_MAX_LENGTH:
            return column, _("At most %(limit)d characters.") % {"limit": NAME_MAX_LENGTH}
        if code not in names and not name:
            return column, _("The group's first row must give its name.")
        if earlier and name and name != earlier:
            return column, _("The group “%(code)s” has another name on an earlier row.") % {"code": code}
    names.setdefault(code, given)
    if not region:
        return "region_code", _("This cell must not be empty.")
    if region not in participants:
        return "region_code", (_("This region is not a participant of this cycle.") if region in known
                               else _("No region has this code."))
    row = members.get(code, {}).get(region)
    if row is not None:
        return "region_code", _("This region is already in the group on row %(row)d.") % {"row": row}
    return None


def _file_rows(data: bytes, name: str) -> tuple[list[str], list[tuple[int, tuple[Any, ...]]]]:
    """The header and the numbered non-blank rows of a CSV or .xlsx file."""
    if not data.strip():
        raise UnreadableWorkbook(_("The file is empty."))
    if len(data) > GROUPS_FILE_MAX_BYTES:
        raise UnreadableWorkbook(_("The file is larger than %(limit)d MB.")
                                 % {"limit": GROUPS_FILE_MAX_BYTES // (1024 * 1024)})
    if data[:4] == OLE_SIGNATURE:
        raise UnreadableWorkbook(_("This is an old Excel 97–2003 (.xls) file or a password-protected workbook: save "
                                   "it as an Excel workbook (.xlsx) or as CSV and upload it again."))
    workbook = data[:4] == ZIP_SIGNATURE or name.lower().endswith(".xlsx")
    numbered = _xlsx_rows(data) if workbook else _csv_rows(data)
    filled = [(number, row) for number, row in numbered if any(_text(row, i) for i in range(len(row)))]
    if not filled:
        raise UnreadableWorkbook(_("The file is empty."))
    if len(filled) > GROUPS_FILE_MAX_ROWS + 1:
        raise UnreadableWorkbook(_("The file has more than %(limit)s rows; split it into smaller files.")
                                 % {"limit": f"{GROUPS_FILE_MAX_ROWS:,}"})
    header = [_text(filled[0][1], i) for i in range(len(filled[0][1]))]
    return header, filled[1:]


def _xlsx_rows(data: bytes) -> list[tuple[int, tuple[Any, ...]]]:
    book = open_workbook(data)
    try:
        sheet = book.worksheets[0]
        return list(enumerate(islice(sheet.iter_rows(values_only=True), GROUPS_FILE_MAX_ROWS * 2), start=1))
    except Exception:  # openpyxl raises many kinds of errors on a damaged sheet
        raise UnreadableWorkbook(_("The file is damaged and cannot be opened as an Excel workbook.")) from None
    finally:
        book.close()


def _csv_rows(data: bytes) -> list[tuple[int, tuple[Any, ...]]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        dialect = csv.excel_tab if text.partition("\n")[0].count("\t") > text.partition("\n")[0].count(",") else None
        try:
            reader = csv.reader(io.StringIO(text, newline=""), dialect or csv.excel)
            return [(number, tuple(row)) for number, row in enumerate(reader, start=1)]
        except csv.Error:
            raise UnreadableWorkbook(_("The CSV file is malformed (an unclosed quote?).")) from None
    raise UnreadableWorkbook(_("This is neither a CSV file nor an Excel workbook (.xlsx)."))


def _columns(header: list[str]) -> dict[str, int]:
    names = {_header_key(name): key for key, aliases in FILE_COLUMNS.items() for name in aliases}
    position: dict[str, int] = {}
    for index, text in enumerate(header):
        key = names.get(_header_key(text))
        if key is not None:
            position.setdefault(key, index)
    return position


def _header_key(text: str) -> str:
    return re.sub(r"[\s_\-()（）]", "", text).casefold()


def _text(row: tuple[Any, ...], index: int) -> str:
    """A cell as stripped text (a whole number written by Excel as 330100.0 reads 330100)."""
    value = row[index] if index < len(row) else None
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()
