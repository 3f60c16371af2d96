"""The sheet of people a coordinator onboards: its columns, the downloadable template, the reader, and the upload
kept between the dry run and the apply. What the rows mean is decided in `assessments.services.people`.

The headers are part of the format: the reader recognises each in Chinese, in English or both (the template
writes both, e.g. "姓名 Name"), whatever the page's language, so they are fixed pairs rather than gettext strings.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext as _
from django.utils.translation import override
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from smartgov.limits import IMPORT_UPLOAD_LIFETIME
from smartgov.workbooks import OLE_SIGNATURE, UnreadableWorkbook, open_workbook, workbook_bytes

from .excel.layout import HEADER_ALIGNMENT, HEADER_FILL, HEADER_FONT, WRAP
from .models import Region, RoleAssignment

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

Role = RoleAssignment.Role
COLUMNS = {
    "name": ("姓名", "Name"),
    "email": ("电子邮箱", "E-mail"),
    "mobile": ("手机", "Mobile"),
    "region_code": ("地区代码", "Region code"),
    "role": ("角色", "Role"),
}
WIDTHS = {"name": 16, "email": 30, "mobile": 16, "region_code": 14, "role": 22}
REQUIRED = ("name", "region_code", "role")
IMPORTED_ROLES = (Role.CITY_OFFICER, Role.CITY_REVIEWER, Role.PROVINCE_ANALYST, Role.PROVINCE_COORDINATOR)
"""The roles a sheet may grant (a platform administrator is made in the admin, by another administrator)."""
ROLE_LEVELS = {
    Role.CITY_OFFICER: (Region.Level.PREFECTURE, Region.Level.COUNTY),
    Role.CITY_REVIEWER: (Region.Level.PREFECTURE, Region.Level.COUNTY),
    Role.PROVINCE_ANALYST: (Region.Level.PROVINCE,),
    Role.PROVINCE_COORDINATOR: (Region.Level.PROVINCE,),
}
"""The levels of region each role is held on: city roles on a prefecture-level or county-level division,
provincial roles on a province-level one."""
UPLOAD_SALT = "smartgov.people-upload"


def _normalised(text: object) -> str:
    return "".join(str(text).split()).casefold().strip("*＊")


def _header_keys() -> dict[str, str]:
    keys = {}
    for key, (zh, en) in COLUMNS.items():
        for text in (zh, en, f"{zh}{en}", f"{zh}/{en}", f"{zh}({en})", f"{zh}（{en}）"):
            keys[_normalised(text)] = key
    return keys


HEADER_KEYS = _header_keys()


def header(key: str) -> str:
    """The header the template writes: Chinese, then English."""
    zh, en = COLUMNS[key]
    return f"{zh} {en}"


def role_labels(role: str) -> tuple[str, str]:
    """The role's label in Chinese and in English."""
    label = Role(role).label
    with override("zh-hans"):
        zh = str(label)
    with override("en"):
        en = str(label)
    return zh, en


def role_aliases() -> dict[str, str]:
    """Every way a sheet may name a role (its code, its label in Chinese or English, normalised) → the role."""
    return {_normalised(name): role for role in Role.values for name in (role, *role_labels(role))}


def role_from_text(text: str, aliases: dict[str, str] | None = None) -> str | None:
    """The role a cell names, or None."""
    return (aliases or role_aliases()).get(_normalised(text)) if text else None


# The template ---------------------------------------------------------------------------------------------------


def people_template(*, regions: Iterable[Region]) -> bytes:
    """The empty sheet to fill in, with an instruction sheet (the roles and where each is held) and the list of
    `regions` a row may name, as .xlsx bytes. Every cell is plain text."""
    workbook = Workbook()
    sheet = workbook.create_sheet("人员 People", 0)
    workbook.remove(workbook.worksheets[1])
    for index, key in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=header(key))
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGNMENT
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = WIDTHS[key]
        sheet.column_dimensions[letter].number_format = "@"  # mobiles and codes stay text, not numbers
    sheet.row_dimensions[1].height = 30
    sheet.freeze_panes = "A2"
    role_column = get_column_letter(list(COLUMNS).index("role") + 1)
    labels = ",".join(role_labels(role)[0] for role in IMPORTED_ROLES)
    validation = DataValidation(type="list", formula1=f'"{labels}"', allow_blank=True, showErrorMessage=True,
                                errorStyle="warning", error=_("Choose a role from the list, or write its code.")[:255])
    validation.add(f"{role_column}2:{role_column}5000")
    sheet.add_data_validation(validation)
    _instructions(workbook.create_sheet("说明 Instructions"))
    _regions(workbook.create_sheet("地区 Regions"), regions)
    workbook.properties.title = "人员导入 People import"
    workbook.properties.creator = "SmartGov"
    return workbook_bytes(workbook)


def _instructions(sheet: Worksheet) -> None:
    lines = [
        ("填写说明", "How to fill in the sheet"),
        ("每行一个人在一个地区的一个角色；同一人有多个角色时写多行。",
         "One row per role of a person in a region; a person with several roles takes several rows."),
        ("电子邮箱和手机至少填写一项：平台先按电子邮箱、再按手机查找已有账号。",
         "Enter an e-mail address or a mobile number, or both: an existing account is found by e-mail, else by "
         "mobile."),
        ("新账号会收到邀请链接（有电子邮箱时通过邮件发送），用于设置密码。",
         "Each new account gets an invitation link to set a password (by e-mail when it has an address)."),
        ("手机：11位数字，以1开头。地区代码见“地区 Regions”工作表。",
         "Mobile: 11 digits starting with 1. Region codes: see the sheet “地区 Regions”."),
        ("", ""),
        ("角色", "Role"),
    ]
    for zh, en in lines:
        sheet.append((zh, en))
    sheet.append(("中文名称 Chinese label", "English label", "代码 Code", "所在地区 Held on"))
    for role in IMPORTED_ROLES:
        zh, en = role_labels(role)
        with override("zh-hans"):
            held_zh = "、".join(str(Region.Level(level).label) for level in ROLE_LEVELS[role])
        with override("en"):
            held_en = ", ".join(str(Region.Level(level).label) for level in ROLE_LEVELS[role])
        sheet.append((zh, en, role.value, f"{held_zh} / {held_en}"))
    for letter, width in zip("ABCD", (44, 60, 22, 50), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows():
        for cell in row:
            cell.alignment = WRAP


def _regions(sheet: Worksheet, regions: Iterable[Region]) -> None:
    sheet.append(("地区代码 Region code", "名称 Name", "Name", "级别 Level", "省级 Province"))
    for cell in sheet[1]:
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGNMENT
    for region in regions:
        province = region.province
        sheet.append(plain_row((region.code, region.name_zh, region.name_en, region.get_level_display(),
                                province.name_zh if province is not None else "")))
    for letter, width in zip("ABCDE", (14, 24, 28, 18, 16), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"


def plain_row(values: Iterable[object]) -> list[object]:
    return [str(value) if value is not None else None for value in values]


# The reader -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonRow:
    """One non-empty row as typed, each cell as text (stripped; "" when empty)."""

    number: int
    name: str
    email: str
    mobile: str
    region_code: str
    role: str


@dataclass(frozen=True)
class PeopleSheet:
    rows: list[PersonRow]
    columns: dict[str, str]
    """Column key → letter, for the columns the sheet has."""

    def column_label(self, key: str) -> str:
        letter = self.columns.get(key)
        return f"{header(key)} ({letter})" if letter else header(key)


def read_people(data: bytes, *, max_rows: int) -> PeopleSheet:
    """The rows of the first sheet whose first row holds the headers. Raises UnreadableWorkbook with a message
    for the user when the file cannot be used at all."""
    if data[:4] == OLE_SIGNATURE:
        raise UnreadableWorkbook(_("This is an old Excel 97–2003 (.xls) file or a password-protected workbook: save it "
                                   "as an Excel workbook (.xlsx) without a password and upload it again."))
    workbook = open_workbook(data)
    try:
        for sheet in workbook.worksheets:
            rows = sheet.iter_rows(values_only=True)
            index = _header_index(next(rows, ()))
            if "region_code" in index or "role" in index:
                return _read_rows(rows, index, max_rows)
    finally:
        workbook.close()
    raise UnreadableWorkbook(_("No sheet starts with the column headers of the template (%(columns)s): download the "
                               "template and fill it in.") % {"columns": "、".join(map(header, COLUMNS))})


def _header_index(cells: Iterable[object]) -> dict[str, int]:
    index: dict[str, int] = {}
    for i, text in enumerate(cells):
        key = HEADER_KEYS.get(_normalised(text)) if text is not None else None
        if key is not None and key not in index:
            index[key] = i
    return index


def _read_rows(rows: Iterable[tuple[Any, ...]], index: dict[str, int], max_rows: int) -> PeopleSheet:
    missing = [key for key in REQUIRED if key not in index]
    if "email" not in index and "mobile" not in index:
        missing.append("email")
    if missing:
        raise UnreadableWorkbook(_("The first row must hold the column headers of the template; missing: %(columns)s.")
                                 % {"columns": "、".join(header(key) for key in missing)})
    result: list[PersonRow] = []
    for number, cells in enumerate(rows, start=2):
        texts = {key: cell_text(cells[i] if i < len(cells) else None) for key, i in index.items()}
        if not any(texts.values()):
            continue
        if len(result) >= max_rows:
            raise UnreadableWorkbook(_("The file has more than %(limit)s rows; split it into smaller files.")
                                     % {"limit": f"{max_rows:,}"})
        result.append(PersonRow(number=number, **{key: texts.get(key, "") for key in COLUMNS}))
    return PeopleSheet(rows=result, columns={key: get_column_letter(i + 1) for key, i in index.items()})


def cell_text(value: object) -> str:
    """A cell as text: 13812345678 or 330100 typed as numbers are the same as typed as text."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


# The upload between the dry run and the apply -------------------------------------------------------------------


def _upload_path(user_pk: int, sha256: str) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / "people" / f"{sha256}-{user_pk}.xlsx"


def people_upload_keep(*, data: bytes, user_pk: int, name: str) -> str:
    """Keep the uploaded bytes (outside the web root) for the apply; returns a signed token naming them, valid for
    the uploader only and for IMPORT_UPLOAD_LIFETIME seconds."""
    sha256 = hashlib.sha256(data).hexdigest()
    path = _upload_path(user_pk, sha256)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    expired = time.time() - IMPORT_UPLOAD_LIFETIME
    for old in path.parent.glob("*.xlsx"):
        if old.stat().st_mtime < expired:
            old.unlink(missing_ok=True)
    path.write_bytes(data)
    return signing.dumps({"user": user_pk, "sha256": sha256, "name": name[:200]}, salt=UPLOAD_SALT, compress=True)


def people_upload_take(*, token: str, user_pk: int) -> tuple[bytes, str] | None:
    """The bytes and the file name of a kept upload, or None when the token is not this user's, has expired or the
    file is gone."""
    try:
        record = signing.loads(token, salt=UPLOAD_SALT, max_age=IMPORT_UPLOAD_LIFETIME)
    except signing.BadSignature:
        return None
    if not isinstance(record, dict) or record.get("user") != user_pk:
        return None
    path = _upload_path(user_pk, str(record.get("sha256")))
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if hashlib.sha256(data).hexdigest() != record.get("sha256"):
        return None
    return data, str(record.get("name", ""))


def people_upload_discard(*, token: str, user_pk: int) -> None:
    try:
        record = signing.loads(token, salt=UPLOAD_SALT, max_age=IMPORT_UPLOAD_LIFETIME)
    except signing.BadSignature:
        return
    if isinstance(record, dict) and record.get("user") == user_pk:
        _upload_path(user_pk, str(record.get("sha256"))).unlink(missing_ok=True)
