"""The region register: load a register file (`smartgov-regions/1`, docs/regions.md) into one tree of regions.

`regions_diff` is the dry run: what loading the file would change, written nowhere. `regions_load` writes that
change all or nothing, in bulk, and audits it once (`REGIONS_LOADED`); loading the same file again writes
nothing and records nothing. Compared with the database, for the file's tree:

- created: codes new to the tree (valid from the edition's `valid_from`);
- renamed: same code, another name; the old name is kept in `RegionName`, used until the edition's date;
- moved: same code under another parent (or at another level);
- closed: codes of the tree the file no longer lists: `valid_to` is the edition's date and the successor is the
  region whose `replaces` names the code; nothing is deleted, so past cycles keep the code and name they were
  assessed under. Roles held on a closed region move to its successor (granted there, revoked on the old code,
  each audited); without a successor they stay where they are, and the diff says so;
- reopened: closed codes the file lists again.

Regions of other trees are never touched. A code belongs to the tree that first loaded it: when a file lists a
code another tree holds (China, CHN, is both the root of CN and a country of the UN tree), that region is left as
it is, reported as `shared`, and the file's regions below it hang under it.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils.translation import gettext as _

from audit.models import Action
from audit.services import Actor, audit_record
from smartgov.errors import Invalid, Refused

from ..models import Region, RegionName, RoleAssignment
from ..regions_file import RegionEntry, RegionsDocument
from .roles import role_grant, role_revoke

UPDATED_FIELDS = ["name_zh", "name_en", "level", "parent", "province", "edition", "valid_to", "successor"]
BATCH = 500


@dataclass(frozen=True)
class RegionChange:
    """One region in the diff: its code and (Chinese) name, and what changes, as text for people."""

    code: str
    name: str
    old: str = ""
    new: str = ""


@dataclass(frozen=True)
class RoleMove:
    """A role held on a closed region: moved to `new` (the successor's code), or kept where it is (`new` empty)."""

    user: str
    role: str
    old: str
    new: str = ""


@dataclass(frozen=True)
class RegionsDiff:
    """What loading a register file changes in its tree. Empty (`changes == 0`) when the file is already loaded."""

    tree: str
    edition: str
    valid_from: datetime.date
    created: tuple[RegionChange, ...] = ()
    renamed: tuple[RegionChange, ...] = ()
    moved: tuple[RegionChange, ...] = ()
    closed: tuple[RegionChange, ...] = ()
    reopened: tuple[RegionChange, ...] = ()
    roles: tuple[RoleMove, ...] = ()
    shared: tuple[RegionChange, ...] = ()
    """Codes of the file another tree holds: left as they are."""
    refreshed: int = 0
    """Regions whose only change is the edition they were last loaded from (or a province-level division that
    did not follow from their parents)."""
    unchanged: int = 0
    key: str = field(default="", compare=False)
    """A digest of the file and of this diff: the apply refuses to go on when it no longer matches."""

    @property
    def changes(self) -> int:
        return (len(self.created) + len(self.renamed) + len(self.moved) + len(self.closed) + len(self.reopened)
                + len(self.roles) + self.refreshed)

    def summary(self) -> dict[str, object]:
        """Counts, and the codes closed, renamed and reopened: what the audit trail keeps."""
        return {
            "tree": self.tree, "edition": self.edition, "valid_from": self.valid_from.isoformat(),
            "created": len(self.created), "renamed": [c.code for c in self.renamed], "moved": len(self.moved),
            "closed": {c.code: c.new or None for c in self.closed}, "reopened": [c.code for c in self.reopened],
            "roles_moved": len([r for r in self.roles if r.new]), "refreshed": self.refreshed,
            "unchanged": self.unchanged,
        }


@dataclass
class _Plan:
    diff: RegionsDiff
    creates: list[RegionEntry]
    updates: dict[str, Region]
    """code → region of the tree, its own fields set to their new values (parent, province and successor are set
    by code below, once the new regions have ids)."""
    restamp: list[int]
    """Ids of the regions whose only change is the edition (one UPDATE for them all)."""
    parents: dict[str, str | None]
    """code → parent code, for every region of the tree the file lists."""
    provinces: dict[str, str | None]
    """code → code of its province-level division, for the same regions."""
    successors: dict[str, str]
    former_names: list[RegionName]
    role_moves: list[tuple[RoleAssignment, str]]


def regions_diff(*, document: RegionsDocument) -> RegionsDiff:
    """The dry run: what `regions_load` would change. Writes nothing."""
    return _plan(document, lock=False).diff


@transaction.atomic
def regions_load(*, document: RegionsDocument, actor: Actor | None, expected: str | None = None) -> RegionsDiff:
    """Bring the file's tree up to the file, all or nothing; returns the diff applied. With `expected` (the `key` of
    a dry run), refuse when the file or the register changed since that dry run."""
    plan = _plan(document, lock=True)
    diff = plan.diff
    if expected is not None and expected != diff.key:
        raise Refused(_("The register changed since the dry run: look at the changes again before applying."))
    if not diff.changes:
        return diff
    pks, created = _create(document, plan)
    _update(plan, pks, created)
    Region.objects.filter(pk__in=plan.restamp).update(edition=document.edition)
    named = set(RegionName.objects.filter(region__in=[n.region for n in plan.former_names],
                                          valid_until=document.valid_from).values_list("region_id", flat=True))
    # A second rename on the same day (a corrected file of the same edition) keeps the name used before that day.
    RegionName.objects.bulk_create([n for n in plan.former_names if n.region.pk not in named], batch_size=BATCH)
    acting = actor if actor is not None else AnonymousUser()  # a command: recorded as nobody
    for assignment, successor in plan.role_moves:
        role_grant(user=assignment.user, role=assignment.role, region=Region.objects.get(pk=pks[successor]),
                   actor=acting)
        role_revoke(assignment=assignment, actor=acting)
    audit_record(actor=actor, action=Action.REGIONS_LOADED, subject=f"{document.tree} {document.edition}"[:100],
                 new=diff.summary(), comment=document.source[:2000])
    return diff


@dataclass
class _Changes:
    """What comparing the file with the tree finds, as it is found."""

    created: list[RegionChange] = field(default_factory=list)
    renamed: list[RegionChange] = field(default_factory=list)
    moved: list[RegionChange] = field(default_factory=list)
    reopened: list[RegionChange] = field(default_factory=list)
    closed: list[RegionChange] = field(default_factory=list)
    creates: list[RegionEntry] = field(default_factory=list)
    updates: dict[str, Region] = field(default_factory=dict)
    restamp: list[int] = field(default_factory=list)
    former_names: list[RegionName] = field(default_factory=list)
    successors: dict[str, str] = field(default_factory=dict)
    too_early: list[Region] = field(default_factory=list)
    refreshed: int = 0
    unchanged: int = 0


def _plan(document: RegionsDocument, *, lock: bool) -> _Plan:
    tree = document.tree
    queryset = Region.objects.filter(tree=tree).select_related("parent", "province", "successor")
    existing = {region.code: region for region in (queryset.select_for_update(of=("self",)) if lock else queryset)}
    entries = {entry.code: entry for entry in document.regions}
    shared = {region.code: region for region in
              Region.objects.filter(code__in=list(entries)).exclude(tree=tree).select_related("province")}
    provinces = _provinces(entries, shared)
    found = _Changes()
    for code, entry in entries.items():
        if code not in shared:
            _compare_listed(found, document, entry, existing.get(code), provinces[code])
    replaced_by = {old: entry.code for entry in document.regions for old in entry.replaces}
    for code, region in existing.items():
        if code not in entries:
            _compare_absent(found, document, region, replaced_by.get(code))
    _refuse_older_edition(document, existing.values(),
                          bool(found.created or found.renamed or found.moved or found.closed or found.reopened))
    if found.too_early:
        region = found.too_early[0]
        raise Invalid(_("%(code)s is valid from %(date)s: this edition, valid from %(valid_from)s, cannot close it. "
                        "Give the file a later valid_from.")
                      % {"code": region.code, "date": region.valid_from, "valid_from": document.valid_from},
                      fields={"valid_from": [_("must be later than %(date)s") % {"date": region.valid_from}]})
    role_moves, roles = _roles({change.code for change in found.closed}, found.successors)
    diff = RegionsDiff(
        tree=tree, edition=document.edition, valid_from=document.valid_from, created=tuple(found.created),
        renamed=tuple(found.renamed), moved=tuple(found.moved), closed=tuple(found.closed),
        reopened=tuple(found.reopened), roles=tuple(roles),
        shared=tuple(RegionChange(code, region.name_zh, old=region.tree) for code, region in shared.items()),
        refreshed=found.refreshed, unchanged=found.unchanged,
    )
    return _Plan(diff=replace(diff, key=_key(document, diff)), creates=found.creates, updates=found.updates,
                 restamp=found.restamp, parents={c: e.parent for c, e in entries.items() if c not in shared},
                 provinces=provinces, successors=found.successors, former_names=found.former_names,
                 role_moves=role_moves)


def _compare_listed(found: _Changes, document: RegionsDocument, entry: RegionEntry, region: Region | None,
                    province: str | None) -> None:
    """A region the file lists: new, or changed in place (`region` then holds its new values), or unchanged."""
    code = entry.code
    if region is None:
        found.creates.append(entry)
        found.created.append(RegionChange(code, entry.name_zh, new=entry.parent or ""))
        return
    changed = False
    if (region.name_zh, region.name_en) != (entry.name_zh, entry.name_en):
        found.renamed.append(RegionChange(code, entry.name_zh, old=f"{region.name_zh} · {region.name_en}",
                                          new=f"{entry.name_zh} · {entry.name_en}"))
        found.former_names.append(RegionName(region=region, name_zh=region.name_zh, name_en=region.name_en,
                                             valid_until=document.valid_from, edition=document.edition))
        region.name_zh, region.name_en, changed = entry.name_zh, entry.name_en, True
    old_parent = region.parent.code if region.parent is not None else None
    if (old_parent, region.level) != (entry.parent, entry.level):
        found.moved.append(RegionChange(code, entry.name_zh, old=_place(old_parent, region.level),
                                        new=_place(entry.parent, entry.level)))
        region.level, changed = entry.level, True
    if region.valid_to is not None:
        found.reopened.append(RegionChange(code, entry.name_zh, old=region.valid_to.isoformat()))
        region.valid_to, region.successor, changed = None, None, True
    old_province = region.province.code if region.province is not None else None
    if changed or old_province != province:
        found.refreshed += not changed
        region.edition = document.edition
        found.updates[code] = region
    elif region.edition != document.edition:
        found.refreshed += 1
        found.restamp.append(region.pk)
    else:
        found.unchanged += 1


def _compare_absent(found: _Changes, document: RegionsDocument, region: Region, replaced_by: str | None) -> None:
    """A region of the tree the file no longer lists: closed on the edition's date (if it is not already), with
    the successor the file names (or the one it had)."""
    old_successor = region.successor.code if region.successor is not None else None
    successor = replaced_by or old_successor
    valid_to = region.valid_to or document.valid_from
    if (successor, valid_to) == (old_successor, region.valid_to):
        return
    if region.valid_from is not None and region.valid_from >= valid_to:
        found.too_early.append(region)
    found.closed.append(RegionChange(region.code, region.name_zh,
                                     old=region.valid_to.isoformat() if region.valid_to else "", new=successor or ""))
    region.valid_to = valid_to
    found.updates[region.code] = region
    if successor is not None:
        found.successors[region.code] = successor


def _key(document: RegionsDocument, diff: RegionsDiff) -> str:
    content = json.dumps([document.fingerprint, asdict(diff)], default=str, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def _place(parent: str | None, level: str) -> str:
    return f"{parent or '—'} ({level})"


def _provinces(entries: dict[str, RegionEntry], shared: dict[str, Region]) -> dict[str, str | None]:
    """code → code of the region's province-level division: itself for one, else the nearest one above it (a
    region of another tree keeps its own)."""
    found: dict[str, str | None] = {}

    def province(code: str) -> str | None:
        if code not in found:
            entry = entries[code]
            if code in shared:
                held = shared[code].province
                found[code] = held.code if held is not None else None
            elif entry.level == Region.Level.PROVINCE:
                found[code] = code
            else:
                found[code] = province(entry.parent) if entry.parent is not None else None
        return found[code]

    return {code: province(code) for code in entries}


def _refuse_older_edition(document: RegionsDocument, regions: Iterable[Region], changes: bool) -> None:
    """A file older than what the tree already holds would undo history: refuse it when it changes anything."""
    latest = max((d for region in regions for d in (region.valid_from, region.valid_to) if d is not None),
                 default=None)
    if changes and latest is not None and latest > document.valid_from:
        raise Invalid(_("The register %(tree)s already holds changes of %(date)s; this file describes it as of "
                        "%(valid_from)s. Load a newer edition.")
                      % {"tree": document.tree, "date": latest, "valid_from": document.valid_from},
                      fields={"valid_from": [_("must not be earlier than %(date)s") % {"date": latest}]})


def _roles(closing: set[str], successors: dict[str, str]) -> tuple[list[tuple[RoleAssignment, str]], list[RoleMove]]:
    """Roles held on the regions being closed: each moves to the successor, or stays (and is listed)."""
    moves: list[tuple[RoleAssignment, str]] = []
    listed: list[RoleMove] = []
    if not closing:
        return moves, listed
    held = (RoleAssignment.objects.filter(region__code__in=closing).select_related("user", "region")
            .order_by("region__code", "user__username", "role"))
    for assignment in held:
        code = assignment.region.code if assignment.region is not None else ""
        successor = successors.get(code, "")
        listed.append(RoleMove(assignment.user.get_username(), assignment.role, code, successor))
        if successor:
            moves.append((assignment, successor))
    return moves, listed


def _create(document: RegionsDocument, plan: _Plan) -> tuple[dict[str, int], list[Region]]:
    """Create the new regions, parents first. Returns code → id of every region the writes refer to, and the
    regions created."""
    wanted = {*plan.parents, *(p for p in plan.parents.values() if p), *(p for p in plan.provinces.values() if p),
              *plan.successors.values()}
    pks = dict(Region.objects.filter(code__in=list(wanted)).values_list("code", "pk"))
    depths = _depths(plan.parents)
    created: list[Region] = []
    for depth in sorted({depths[entry.code] for entry in plan.creates}):
        rows = [Region(code=e.code, name_zh=e.name_zh, name_en=e.name_en, level=e.level, tree=document.tree,
                       edition=document.edition, valid_from=document.valid_from,
                       parent_id=pks[e.parent] if e.parent is not None else None,
                       province_id=pks.get(plan.provinces[e.code] or ""))  # set below for a province itself
                for e in plan.creates if depths[e.code] == depth]
        Region.objects.bulk_create(rows, batch_size=BATCH)
        if any(row.pk is None for row in rows):  # a database that returns no ids from a bulk insert
            rows = list(Region.objects.filter(code__in=[row.code for row in rows]))
        pks.update((row.code, row.pk) for row in rows)
        created += rows
    return pks, created


def _update(plan: _Plan, pks: dict[str, int], created: list[Region]) -> None:
    """Set parents, province-level divisions and successors, and write every region that changed, in bulk."""
    changed = dict(plan.updates)
    for region in [*plan.updates.values(), *created]:
        if region.code in plan.parents:
            parent, province = plan.parents[region.code], plan.provinces[region.code]
            parent_id = pks[parent] if parent is not None else None
            province_id = pks[province] if province is not None else None
            if (region.parent_id, region.province_id) != (parent_id, province_id):
                region.parent_id, region.province_id = parent_id, province_id
                changed[region.code] = region
    for code, successor in plan.successors.items():
        changed[code].successor_id = pks[successor]
    Region.objects.bulk_update(list(changed.values()), UPDATED_FIELDS, batch_size=BATCH)


def _depths(parents: dict[str, str | None]) -> dict[str, int]:
    """code → how many ancestors of the file it has (parents are created before their children)."""
    depths: dict[str, int] = {}

    def depth(code: str) -> int:
        if code not in depths:
            parent = parents.get(code)
            depths[code] = 0 if parent is None or parent not in parents else depth(parent) + 1
        return depths[code]

    return {code: depth(code) for code in parents}
