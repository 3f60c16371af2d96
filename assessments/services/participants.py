"""A cycle's participants and their deadlines: which regions take part (all regions of a level, in some provinces,
or an explicit list of codes, typed or uploaded), late participants, and per-participant extensions.

A participant is a region with a submission in the cycle: taking part creates it (once; asking again creates
nothing). Bad input is refused as a whole, each refused code named with where it came from; nothing is written.
"""

import csv
import datetime
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import Action
from audit.services import Actor, audit_record
from smartgov.errors import Invalid, PermissionRefused
from smartgov.limits import EXTENSION_REASON_MAX_LENGTH, PARTICIPANTS_FILE_MAX_BYTES, PARTICIPANTS_FILE_MAX_ROWS
from smartgov.workbooks import ZIP_SIGNATURE, UnreadableWorkbook, open_workbook

from ..lifecycle import STEPS, check, is_national
from ..models import REGION_CODE, Cycle, Notification, Region, Submission
from ..permissions import coordinated_provinces, may_coordinate
from .notifications import notify_participants

Level = Region.Level
PARTICIPANT_LEVELS = (Level.PREFECTURE, Level.COUNTY, Level.PROVINCE, Level.COUNTRY)
"""The levels whose regions take part in a cycle (a group of regions is compared, it does not take part)."""
NAMED = 20
"""At most this many regions are named in one refusal (then: “and N more”)."""


@dataclass(frozen=True)
class Listed:
    """A code as listed by the user, and where: “row 3” of a file, “line 2” of a typed list."""

    code: str
    where: str


@dataclass(frozen=True)
class ParticipantSet:
    """Who takes part: every current region of `level` (in `provinces`, codes of province-level divisions, when
    any are given) and the regions `listed` explicitly. Either or both."""

    level: str = ""
    provinces: tuple[str, ...] = ()
    listed: tuple[Listed, ...] = ()

    @classmethod
    def of_codes(cls, codes: Iterable[str]) -> "ParticipantSet":
        return cls(listed=tuple(Listed(code, _("item %(number)d") % {"number": n})
                                for n, code in enumerate(codes, start=1)))

    def describe(self) -> dict[str, object]:
        """The choice as the audit trail keeps it."""
        return {"level": self.level, "provinces": list(self.provinces), "listed": len(self.listed)}


@dataclass(frozen=True)
class ParticipantsAdded:
    cycle: Cycle
    added: list[Submission] = field(default_factory=list)
    """The submissions created, one per new participant."""
    already: int = 0
    """Regions chosen that already took part."""


def participant_codes_parse(text: str) -> tuple[Listed, ...]:
    """Codes typed or pasted: one or more a line, separated by spaces, commas or 、."""
    return tuple(Listed(item.upper(), _("line %(number)d") % {"number": n})
                 for n, line in enumerate(text.splitlines(), start=1)
                 for item in re.split(r"[\s,，;；、]+", line) if item)


def participant_codes_read(*, data: bytes) -> tuple[Listed, ...]:
    """Codes from the first column of an uploaded CSV or .xlsx file; a first row without a digit that is no
    region's code is a header. Refused whole (Invalid on `file`) when the file is too large, too long or unreadable."""
    if len(data) > PARTICIPANTS_FILE_MAX_BYTES:
        raise _file_refused(_("The file is larger than %(size)d KB.") % {"size": PARTICIPANTS_FILE_MAX_BYTES // 1024})
    cells = _first_cells_xlsx(data) if data[:4] == ZIP_SIGNATURE else _first_cells_csv(data)
    if len(cells) > PARTICIPANTS_FILE_MAX_ROWS:
        raise _file_refused(_("The file has more than %(rows)d rows.") % {"rows": PARTICIPANTS_FILE_MAX_ROWS})
    codes = [_cell_text(cell).upper() for cell in cells]
    if codes and not re.search(r"\d", codes[0]) and not Region.objects.filter(code=codes[0]).exists():
        codes[0] = ""  # a header (区划代码, code…): no digit, and no region's code
    return tuple(Listed(code, _("row %(number)d") % {"number": number})
                 for number, code in enumerate(codes, start=1) if code)


def _file_refused(reason: str) -> Invalid:
    return Invalid(reason, fields={"file": [reason]})


def _first_cells_xlsx(data: bytes) -> list[object]:
    try:
        book = open_workbook(data)
    except UnreadableWorkbook as error:
        raise _file_refused(str(error)) from None
    try:
        return [row[0] if row else None for row in book.worksheets[0].iter_rows(
            max_col=1, max_row=PARTICIPANTS_FILE_MAX_ROWS + 1, values_only=True)]
    finally:
        book.close()


def _first_cells_csv(data: bytes) -> list[object]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _file_refused(_("The file is neither UTF-8 nor GB18030 text."))
    if "\x00" in text:
        raise _file_refused(_("This is not a CSV file or an Excel workbook (.xlsx)."))
    return [row[0] if row else None for row in csv.reader(io.StringIO(text))]


def _cell_text(cell: object) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return "" if cell is None else str(cell).strip()


def participants_resolve(selection: ParticipantSet) -> list[Region]:
    """The regions of `selection`, by code; Invalid naming every refused level, province or code (with where it
    was listed) when anything is wrong."""
    errors: dict[str, list[str]] = {}
    regions: dict[int, Region] = {}
    if selection.level:
        regions.update((r.pk, r) for r in _of_level(selection, errors))
    elif selection.provinces:
        errors["level"] = [_("Choose the level of the regions to take part in these provinces.")]
    if selection.listed:
        regions.update((r.pk, r) for r in _of_codes(selection.listed, errors))
    if errors:
        raise Invalid(_("Some of the participants chosen were refused; nothing was written."), fields=errors)
    if not regions:
        reason = _("No region matches this choice: choose a level, or list the regions' codes.")
        raise Invalid(reason, fields={"level": [reason]})
    return sorted(regions.values(), key=lambda region: region.code)


def _of_level(selection: ParticipantSet, errors: dict[str, list[str]]) -> list[Region]:
    if selection.level not in PARTICIPANT_LEVELS:
        errors["level"] = [_("Regions of this level do not take part in a cycle.")]
        return []
    regions = Region.objects.current().filter(level=selection.level)
    if selection.provinces:
        provinces = dict(Region.objects.filter(code__in=selection.provinces, level=Level.PROVINCE)
                         .values_list("code", "pk"))
        unknown = [code for code in selection.provinces if code not in provinces]
        if unknown:
            errors["provinces"] = [_("“%(code)s” is not a province-level division of the register.") % {"code": code}
                                   for code in unknown]
        regions = regions.filter(province_id__in=provinces.values())
    return list(regions.select_related("province"))


def _of_codes(listed: Sequence[Listed], errors: dict[str, list[str]]) -> list[Region]:
    found = {r.code: r for r in Region.objects.filter(code__in={item.code for item in listed})
             .select_related("province", "successor")}
    regions, reasons = [], []
    for item in listed:
        region = found.get(item.code)
        facts = {"where": item.where, "code": item.code}
        if region is None:
            valid = _valid_code(item.code)
            reasons.append(_("%(where)s: “%(code)s” is not a region code of the register.") % facts if valid else
                           _("%(where)s: “%(code)s” is not a region code.") % facts)
        elif region.level not in PARTICIPANT_LEVELS:
            reasons.append(_("%(where)s: %(region)s is a group of regions; list its members.")
                           % {**facts, "region": region})
        elif region.valid_to is not None:
            reasons.append(_("%(where)s: %(region)s is no longer valid (since %(date)s); %(successor)s.") % {
                **facts, "region": region, "date": region.valid_to.isoformat(),
                "successor": (_("it was replaced by %(region)s") % {"region": region.successor}
                              if region.successor else _("it has no successor"))})
        else:
            regions.append(region)
    if reasons:
        errors["codes"] = reasons
    return regions


def _valid_code(code: str) -> bool:
    try:
        REGION_CODE(code)
    except Exception:
        return False
    return True


def participants_in_scope(regions: Sequence[Region], actor: Actor | None) -> None:
    """Refuse (PermissionRefused, naming them) the regions `actor` does not coordinate."""
    if is_national(actor):
        return
    outside = [region for region in regions if actor is not None and not may_coordinate(actor, region)]
    if outside:
        raise PermissionRefused(_("You coordinate the participants of your province only; not these: %(regions)s")
                                % {"regions": named(outside)})


def named(regions: Sequence[Region]) -> str:
    """The regions' names and codes, the first NAMED of them and how many more."""
    shown = "、".join(str(region) for region in regions[:NAMED])
    if len(regions) > NAMED:
        shown += _(" and %(count)d more") % {"count": len(regions) - NAMED}
    return shown


def scoped(selection: ParticipantSet, actor: Actor | None) -> ParticipantSet:
    """A provincial coordinator choosing a level without naming provinces means their own provinces."""
    if is_national(actor) or not selection.level or selection.provinces or actor is None:
        return selection
    return ParticipantSet(level=selection.level, listed=selection.listed,
                          provinces=tuple(coordinated_provinces(actor).values_list("code", flat=True)))


def submissions_create(cycle: Cycle, regions: Sequence[Region]) -> tuple[list[Submission], int]:
    """One submission for each of `regions` that has none in `cycle` yet: (the new ones, how many existed)."""
    existing = set(cycle.submissions.filter(region__in=regions).values_list("region_id", flat=True))
    new = [Submission(cycle=cycle, region=region) for region in regions if region.pk not in existing]
    Submission.objects.bulk_create(new, batch_size=500)
    created = list(cycle.submissions.filter(region__in=[s.region for s in new]).select_related("region", "cycle")
                   .order_by("region__code"))
    return created, len(existing)


def common_province(regions: Iterable[Region]) -> Region | None:
    """The province-level division all `regions` lie in, if they share one (for the audit trail's region)."""
    provinces = {region.province for region in regions}
    return provinces.pop() if len(provinces) == 1 else None


def participants_add(*, cycle: Cycle, participants: ParticipantSet, actor: Actor | None) -> ParticipantsAdded:
    """Late participants of an open cycle: a submission for each region chosen that has none (those that take
    part already are left as they are). The national coordinator adds anywhere, a provincial coordinator in
    their province."""
    with transaction.atomic():
        cycle = _locked(cycle)
        check(STEPS["add_participants"], cycle, actor)
        regions = participants_resolve(scoped(participants, actor))
        participants_in_scope(regions, actor)
        added, already = submissions_create(cycle, regions)
        if added:
            audit_record(actor=actor, action=Action.PARTICIPANTS_ADDED, target=cycle,
                         region=common_province(s.region for s in added),
                         new={"codes": [s.region.code for s in added], "count": len(added),
                              "selection": participants.describe()})
            notify_participants(submissions=added, actor=actor, kind=Notification.Kind.PARTICIPANT_ADDED,
                                facts={"closes": cycle.closes.isoformat()})
    return ParticipantsAdded(cycle, added, already)


def _locked(cycle: Cycle) -> Cycle:
    return Cycle.objects.select_for_update(of=("self",)).select_related("framework", "current_run").get(pk=cycle.pk)


def deadline_extend(*, submission: Submission, until: datetime.date, reason: str, actor: Actor | None
                    ) -> Submission:
    """Let one participant enter values and sign off until `until`, after the cycle's closing date, for
    `reason` (who and when are kept with it). A coordinator of the participant's region, while the cycle is
    open; a later extension replaces an earlier one."""
    reason = (reason or "").strip()
    with transaction.atomic():
        submission = (Submission.objects.select_for_update(of=("self",))
                      .select_related("cycle__framework", "region__province").get(pk=submission.pk))
        cycle = submission.cycle
        check(STEPS["extend_deadline"], cycle, actor)
        participants_in_scope([submission.region], actor)
        _check_extension(cycle, until, reason)
        old = {"until": submission.extended_until.isoformat() if submission.extended_until else None,
               "reason": submission.extension_reason}
        submission.extended_until, submission.extension_reason = until, reason
        submission.extended_by = actor if isinstance(actor, User) else None
        submission.extended_at = timezone.now()
        submission.save(update_fields=["extended_until", "extension_reason", "extended_by", "extended_at"])
        audit_record(actor=actor, action=Action.DEADLINE_EXTENDED, target=submission, submission=submission,
                     subject="extended_until",
                     old=old, new={"until": until.isoformat(), "reason": reason}, comment=reason)
        notify_participants(submissions=[submission], actor=actor, kind=Notification.Kind.DEADLINE_EXTENDED,
                            facts={"until": until.isoformat(), "reason": reason})
    return submission


def _check_extension(cycle: Cycle, until: datetime.date, reason: str) -> None:
    fields: dict[str, list[str]] = {}
    if not reason:
        fields["reason"] = [_("An extension needs a reason.")]
    elif len(reason) > EXTENSION_REASON_MAX_LENGTH:
        fields["reason"] = [_("At most %(limit)d characters.") % {"limit": EXTENSION_REASON_MAX_LENGTH}]
    if until <= cycle.closes:
        fields["until"] = [_("An extension ends after the cycle's closing date (%(closes)s).")
                           % {"closes": cycle.closes.isoformat()}]
    elif until < timezone.localdate():
        fields["until"] = [_("An extension cannot end in the past.")]
    if fields:
        raise Invalid(next(iter(fields.values()))[0], fields=fields)
