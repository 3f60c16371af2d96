"""Read and check region register files (`smartgov-regions/1`, see docs/regions.md).

Plain Python, no Django: the build script of China's register reads its own output with it. A file is refused as
a whole, naming each wrong row and field (`regions[12] 330183: parent: …`); the loader
(`assessments.services.regions`) then compares a good one with the database.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from smartgov.errors import Invalid
from smartgov.limits import REGIONS_FILE_MAX_BYTES

FORMAT = "smartgov-regions/1"
LEVELS = ("group", "country", "province", "prefecture", "county")
"""From the widest to the narrowest (the values of `Region.Level`). A region sits below its parent's level; only
groups may hold groups, and only groups and countries may have no parent."""
CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,19}$")
TREE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,19}$")
NAME_MAX_LENGTH = 200
EDITION_MAX_LENGTH = 40
TEXT_MAX_LENGTH = 2000

REGIONS_MAX = 100_000
REPLACES_MAX = 50
ERRORS_SHOWN = 50

Errors = list[tuple[str, str]]
"""(row and field, reason) pairs."""


class RegionsFileError(Invalid):
    """The file is refused; `errors` lists (row and field, reason) pairs, at most `ERRORS_SHOWN` of them."""

    def __init__(self, errors: Errors) -> None:
        errors = errors[:ERRORS_SHOWN]
        fields: dict[str, list[Any]] = {}
        for where, reason in errors:
            fields.setdefault(where, []).append(reason)
        super().__init__("; ".join(f"{where}: {reason}" for where, reason in errors), fields=fields)
        self.errors = errors


@dataclass(frozen=True)
class RegionEntry:
    code: str
    parent: str | None
    level: str
    name_zh: str
    name_en: str
    replaces: tuple[str, ...] = ()


@dataclass(frozen=True)
class RegionsDocument:
    """A checked register file: one tree (`tree`) as it stands from `valid_from` on."""

    tree: str
    edition: str
    valid_from: datetime.date
    source: str
    regions: tuple[RegionEntry, ...]
    name_zh: str = ""
    name_en: str = ""
    licence: str = ""

    @property
    def fingerprint(self) -> str:
        """A digest of the whole content, whatever the file's layout."""
        content = json.dumps(asdict(self), default=str, ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(content.encode("utf-8")).hexdigest()


def read_regions_file(path: Path) -> RegionsDocument:
    if path.stat().st_size > REGIONS_FILE_MAX_BYTES:
        raise RegionsFileError([("(file)", f"is larger than {REGIONS_FILE_MAX_BYTES // (1024 * 1024)} MB")])
    return read_regions_bytes(path.read_bytes())


def read_regions_bytes(content: bytes) -> RegionsDocument:
    if len(content) > REGIONS_FILE_MAX_BYTES:
        raise RegionsFileError([("(file)", f"is larger than {REGIONS_FILE_MAX_BYTES // (1024 * 1024)} MB")])
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise RegionsFileError([("(file)", "is not UTF-8 text")]) from None
    return read_regions_text(text)


def read_regions_text(text: str) -> RegionsDocument:
    """Parse YAML (or JSON, which is YAML) and check it."""
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 (a safe loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(file)"
        raise RegionsFileError([(where, f"is not valid YAML ({getattr(error, 'problem', None) or error})")]) from None
    return parse_regions(data)


def parse_regions(data: object) -> RegionsDocument:
    """Check a parsed file; raise `RegionsFileError` naming every wrong row and field."""
    checker = _Checker()
    document = checker.document(data)
    if checker.errors or document is None:
        raise RegionsFileError(checker.errors)
    return document


class _Checker:
    def __init__(self) -> None:
        self.errors: Errors = []

    def fail(self, where: str, reason: str) -> None:
        self.errors.append((where, reason))

    def text(self, data: dict[str, Any], key: str, where: str, *, required: bool = True,
             max_length: int = TEXT_MAX_LENGTH) -> str:
        value = data.get(key)
        if value is None or value == "":
            if required:
                self.fail(f"{where}{key}", "is required")
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int):
            self.fail(f"{where}{key}", "must be text")
            return ""
        value = str(value).strip()
        if len(value) > max_length:
            self.fail(f"{where}{key}", f"must be at most {max_length} characters")
        return value

    def code(self, value: object, where: str) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int):
            self.fail(where, "must be a code (quote codes of digits: \"330100\")")
            return ""
        code = str(value).strip()
        if not CODE.match(code):
            self.fail(where, f"{code!r} is not a code: 2 to 20 capital letters, digits or hyphens")
            return ""
        return code

    def names(self, data: dict[str, Any], where: str, *, required: bool = True) -> tuple[str, str]:
        name = data.get("name")
        if name is None and not required:
            return "", ""
        if not isinstance(name, dict):
            self.fail(f"{where}name", "must be a mapping {zh: …, en: …}")
            return "", ""
        return (self.text(name, "zh", f"{where}name.", max_length=NAME_MAX_LENGTH),
                self.text(name, "en", f"{where}name.", max_length=NAME_MAX_LENGTH))

    def document(self, data: object) -> RegionsDocument | None:
        if not isinstance(data, dict):
            self.fail("(file)", "must be a mapping with format, tree, edition, valid_from, source and regions")
            return None
        if data.get("format") != FORMAT:
            self.fail("format", f"must be {FORMAT}")
        tree = self.text(data, "tree", "", max_length=20)
        if tree and not TREE.match(tree):
            self.fail("tree", "may hold only capital letters, digits and hyphens (at most 20)")
        edition = self.text(data, "edition", "", max_length=EDITION_MAX_LENGTH)
        valid_from = self.date(data.get("valid_from"))
        source = self.text(data, "source", "")
        licence = self.text(data, "licence", "", required=False)
        name_zh, name_en = self.names(data, "", required=False)
        regions = data.get("regions")
        if not isinstance(regions, list) or not regions:
            self.fail("regions", "must be a non-empty list")
            return None
        if len(regions) > REGIONS_MAX:
            self.fail("regions", f"must hold at most {REGIONS_MAX} regions")
            return None
        entries = [self.entry(row, i) for i, row in enumerate(regions)]
        found = [entry for entry in entries if entry is not None]
        if len(found) == len(entries) and not self.errors:
            self.tree(found)
        if self.errors or valid_from is None:
            return None
        return RegionsDocument(tree=tree, edition=edition, valid_from=valid_from, source=source,
                               regions=tuple(found), name_zh=name_zh, name_en=name_en, licence=licence)

    def date(self, value: object) -> datetime.date | None:
        if isinstance(value, datetime.datetime):
            value = value.date()
        if isinstance(value, datetime.date):
            return value
        if isinstance(value, str):
            try:
                return datetime.date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.fail("valid_from", "must be a date (YYYY-MM-DD): the first day this edition describes")
        return None

    def entry(self, row: object, index: int) -> RegionEntry | None:
        label = f"regions[{index + 1}]"
        if not isinstance(row, dict):
            self.fail(label, "must be a mapping {code, parent, level, name, replaces}")
            return None
        if isinstance(row.get("code"), str | int):
            label = f"{label} {str(row['code']).strip()}"
        where = f"{label}: "
        errors = len(self.errors)
        code = self.code(row.get("code"), f"{where}code")
        parent = None if row.get("parent") is None else self.code(row["parent"], f"{where}parent")
        level = row.get("level")
        if level not in LEVELS:
            self.fail(f"{where}level", f"must be one of {', '.join(LEVELS)}")
        name_zh, name_en = self.names(row, where)
        replaces = row.get("replaces") or []
        if not isinstance(replaces, list) or len(replaces) > REPLACES_MAX:
            self.fail(f"{where}replaces", f"must be a list of at most {REPLACES_MAX} codes")
            replaces = []
        codes = tuple(self.code(old, f"{where}replaces") for old in replaces)
        unknown = set(row) - {"code", "parent", "level", "name", "replaces"}
        if unknown:
            self.fail(where.rstrip(": "), f"unknown field(s): {', '.join(sorted(map(str, unknown)))}")
        if len(self.errors) > errors:
            return None
        return RegionEntry(code=code, parent=parent, level=str(level), name_zh=name_zh, name_en=name_en,
                           replaces=codes)

    def tree(self, entries: list[RegionEntry]) -> None:
        """The rows form a tree: codes unique, parents listed, levels below their parent's, no loops; a replaced
        code is no longer listed and is replaced by one region only."""
        rows: dict[str, tuple[int, RegionEntry]] = {}
        for index, entry in enumerate(entries):
            where = f"regions[{index + 1}] {entry.code}"
            if entry.code in rows:
                self.fail(f"{where}: code", f"is listed twice (first at regions[{rows[entry.code][0] + 1}])")
            rows.setdefault(entry.code, (index, entry))
        replaced_by: dict[str, str] = {}
        for index, entry in enumerate(entries):
            where = f"regions[{index + 1}] {entry.code}: "
            depth = LEVELS.index(entry.level)
            if entry.parent is None:
                if entry.level not in ("group", "country"):
                    self.fail(f"{where}parent", "is required below a country")
            elif entry.parent not in rows:
                self.fail(f"{where}parent", f"{entry.parent} is not in the file")
            else:
                parent = rows[entry.parent][1]
                if entry.parent == entry.code:
                    self.fail(f"{where}parent", "is the region itself")
                elif not (LEVELS.index(parent.level) < depth or parent.level == entry.level == "group"):
                    self.fail(f"{where}level", f"a {entry.level} cannot lie in a {parent.level} ({parent.code})")
            for old in entry.replaces:
                if old in rows:
                    self.fail(f"{where}replaces", f"{old} is still listed: only a code no longer in use is replaced")
                elif old in replaced_by:
                    self.fail(f"{where}replaces", f"{old} is already replaced by {replaced_by[old]}: "
                                                  "a code has one successor")
                replaced_by.setdefault(old, entry.code)
        if not self.errors:
            self.no_loops(entries, {code: row for code, (_index, row) in rows.items()})

    def no_loops(self, entries: list[RegionEntry], rows: dict[str, RegionEntry]) -> None:
        for index, entry in enumerate(entries):
            seen, parent = {entry.code}, entry.parent
            while parent is not None:
                if parent in seen:
                    self.fail(f"regions[{index + 1}] {entry.code}: parent", "makes a loop")
                    return
                seen.add(parent)
                parent = rows[parent].parent
