"""Workbook bombs: a small upload that would make openpyxl spend gigabytes or minutes (a 0.5 MB workbook whose shared
strings unpack to 187 MB took 73 s and 1.1 GB) is refused by `smartgov.workbooks.check_workbook` before openpyxl
reads anything — in well under 2 s and 100 MB, with a message that says why — and every reader goes through it.
The bombs are built by `tests.bomb_files`; legitimate workbooks still open."""

import datetime
import io
import os
import re
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from defusedxml import EntitiesForbidden
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from assessments.evidence import XLSX, EvidenceInvalid, check_upload
from assessments.models import Cycle, IndicatorValue
from audit.models import AuditEvent
from smartgov import workbooks
from smartgov.workbooks import UnreadableWorkbook, check_workbook, human_size, open_workbook, require_defused_xml
from tests.bomb_files import (
    MAIN_NS,
    MIB,
    deflate_bomb,
    deflated,
    entity_bomb,
    measure_refusal,
    parts_bomb,
    plain_workbook,
    repack,
    shared_strings_bomb,
    shared_strings_xml,
    sheet_with,
    with_shared_strings,
)

ROOT = Path(__file__).resolve().parents[1]
APPS = ("api", "assessments", "audit", "indicators", "outbox", "reports", "smartgov", "surveys")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHARED_STRINGS_REFUSAL = ("The workbook is too large once unpacked: the shared strings xl/sharedStrings.xml would be "
                          "187 MB (limit 64 MB).")
DEFLATE_REFUSAL = ("The workbook is too large once unpacked: sheet xl/worksheets/sheet1.xml would be 1 GB (limit "
                   "100 MB).")

@pytest.fixture(scope="module")
def bomb_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bombs")
    files = {"shared strings": folder / "shared-strings.xlsx", "deflate": folder / "deflate.xlsx"}
    files["shared strings"].write_bytes(shared_strings_bomb())
    files["deflate"].write_bytes(deflate_bomb())
    return files


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _refusal(data: bytes) -> str:
    with pytest.raises(UnreadableWorkbook) as refused:
        open_workbook(data)
    return str(refused.value)


# The two bombs of the report -------------------------------------------------------------------------------------


def test_the_bombs_are_small_files_that_unpack_to_far_more(bomb_files):
    for path, unpacked in ((bomb_files["shared strings"], 187 * MIB), (bomb_files["deflate"], 1024 * MIB)):
        assert path.stat().st_size < 1.1 * MIB
        with zipfile.ZipFile(path) as archive:
            assert sum(info.file_size for info in archive.infolist()) > unpacked


@pytest.mark.parametrize(("bomb", "message"), [("shared strings", SHARED_STRINGS_REFUSAL),
                                                ("deflate", DEFLATE_REFUSAL)])
def test_a_bomb_is_refused_within_2_seconds_and_100_mb(bomb_files, bomb, message):
    measured = measure_refusal(bomb_files[bomb])
    print(f"{bomb} bomb: refused in {measured['seconds'] * 1000:.1f} ms, peak memory "
          f"+{human_size(measured['grown_bytes'])}")
    assert measured["message"] == message
    assert measured["seconds"] < 2
    assert measured["grown_bytes"] < 100 * MIB
    assert measured["calibration_bytes"] > 60 * MIB


def test_openpyxl_never_sees_a_refused_workbook(bomb_files, monkeypatch):
    def load_workbook(*args, **kwargs):
        raise AssertionError("openpyxl was asked to read a refused workbook")

    monkeypatch.setattr(openpyxl, "load_workbook", load_workbook)
    assert _refusal(bomb_files["shared strings"].read_bytes()) == SHARED_STRINGS_REFUSAL
    assert _refusal(bomb_files["deflate"].read_bytes()) == DEFLATE_REFUSAL


# Every other kind --------------------------------------------------------------------------------------------------


def _sheet_of_cells(cells: int) -> bytes:
    return sheet_with("".join(f'<row r="{n + 1}"><c r="A{n + 1}"><v>{n}</v></c></row>' for n in range(cells)))


def _bzip2_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain_workbook())) as source, \
            zipfile.ZipFile(buffer, "w", zipfile.ZIP_BZIP2) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info))
    return buffer.getvalue()


def _many_strings(count: int, then: bytes = b"") -> bytes:
    """Shared strings that each differ (so that they pack only about five times), followed by `then`."""
    strings = (b"<si><t>%d</t></si>" % n for n in range(count))
    return with_shared_strings(deflated([*shared_strings_xml(strings), then]))


def _styles_of(elements: int) -> bytes:
    return repack(plain_workbook(), {"xl/styles.xml": f'<styleSheet xmlns="{MAIN_NS}">{"<x/>" * elements}'
                                                      f"</styleSheet>".encode()})


BOMBS = {
    "deflate bomb under the size limit": (
        lambda: deflate_bomb(90 * MIB),
        "The workbook cannot be read safely: sheet xl/worksheets/sheet1.xml unpacks to 1,009 times its packed size "
        "(limit 100 times)."),
    "billion laughs": (
        entity_bomb,
        "The workbook cannot be read safely: the shared strings xl/sharedStrings.xml declares a document type or "
        "entities (<!DOCTYPE>), which Excel never writes."),
    "too many parts": (
        parts_bomb, "The workbook has too many parts: 5,009 files in its zip (limit 2,000)."),
    "a dimension of a whole Excel sheet": (
        lambda: sheet_with('<row r="1"><c r="A1"><v>1</v></c></row>', dimension="A1:XFD1048576"),
        "The sheet is too large: sheet xl/worksheets/sheet1.xml spans 1,048,576 rows × 16,384 columns, "
        "17,179,869,184 cells (limit 33,554,432); delete the empty rows and columns after the data."),
    "two cells a million rows apart": (
        lambda: sheet_with('<row r="1"><c r="AZ1"><v>1</v></c></row>'
                           '<row r="1000000"><c r="A1000000"><v>1</v></c></row>'),
        "The sheet is too large: sheet xl/worksheets/sheet1.xml spans 1,000,000 rows × 52 columns, 52,000,000 "
        "cells (limit 33,554,432); delete the empty rows and columns after the data."),
    "a row numbered two billion": (
        lambda: sheet_with('<row r="2000000000"><c><v>1</v></c></row>'),
        "The workbook is damaged: sheet xl/worksheets/sheet1.xml has a row numbered 2,000,000,000, beyond Excel's "
        "1,048,576 rows."),
    "a cell beyond column XFD": (
        lambda: sheet_with('<row r="1"><c r="ZZZ1"><v>1</v></c></row>'),
        "The workbook is damaged: sheet xl/worksheets/sheet1.xml has a row of 18,278 columns, beyond Excel's 16,384."),
    "a row of 17,000 cells": (
        lambda: sheet_with(f'<row r="1">{"<c/>" * 17_000}</row>'),
        "The workbook is damaged: sheet xl/worksheets/sheet1.xml has a row of 16,385 columns, beyond Excel's 16,384."),
    "a cell of 40,000 rich-text runs": (
        lambda: sheet_with(f'<row r="1"><c t="inlineStr"><is>{"<r><t>a</t></r>" * 40_000}</is></c></row>'),
        "The workbook is too complex: a row or text of sheet xl/worksheets/sheet1.xml holds more than 65,536 XML "
        "elements."),
    "styles of 250,001 elements": (
        lambda: _styles_of(250_001),
        "The workbook is too complex: part xl/styles.xml holds more than 250,000 XML elements."),
    "a text of 2 MB": (
        lambda: sheet_with(f'<row r="1"><c t="inlineStr"><is><t>{os.urandom(MIB).hex()}</t></is></c></row>'),
        "The workbook cannot be read safely: sheet xl/worksheets/sheet1.xml holds a text or tag longer than 1 MB."),
    "an XML comment of 2 MB": (
        lambda: sheet_with(f"<!-- {os.urandom(MIB).hex()} -->"),
        "The workbook cannot be read safely: sheet xl/worksheets/sheet1.xml holds a text or tag longer than 1 MB."),
    "600,000 shared strings": (
        lambda: _many_strings(600_000),
        "The workbook has too many different texts: more than 500,000 in the shared strings xl/sharedStrings.xml; "
        "split it into smaller files."),
    "a sheet behind 100 KB of spaces": (
        lambda: repack(plain_workbook(), {"xl/worksheets/sheet1.xml": b" " * 100_000 + (
            f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="2000000000"/></sheetData></worksheet>').encode()}),
        "The workbook is damaged: sheet xl/worksheets/sheet1.xml has a row numbered 2,000,000,000, beyond Excel's "
        "1,048,576 rows."),
    "a part packed with bzip2": (_bzip2_workbook, "The file is damaged and cannot be opened as an Excel workbook."),
}


@pytest.mark.parametrize("bomb", list(BOMBS))
def test_each_kind_of_bomb_is_refused_with_its_reason(bomb):
    build, message = BOMBS[bomb]
    assert _refusal(build()) == message


def test_the_strings_are_counted_while_streaming_and_the_count_stops_at_the_limit():
    """Past the 500,000th string the part is no longer even XML: the count stopped before reading it."""
    data = _many_strings(500_001, then=b"<<< not XML at all " * 1000)
    assert _refusal(data).startswith("The workbook has too many different texts: more than 500,000")
    assert _refusal(_many_strings(500_000, then=b"<<<")) == ("The file is damaged and cannot be opened as an Excel "
                                                            "workbook.")


def test_shared_strings_under_another_name_are_bounded_as_shared_strings(monkeypatch):
    monkeypatch.setattr(workbooks, "WORKBOOK_MAX_SHARED_STRINGS_BYTES", 1000)
    xml = b"".join(shared_strings_xml(b"<si><t>%d</t></si>" % n for n in range(100)))
    data = repack(plain_workbook(), {"xl/strings.xml": xml})
    assert _refusal(data).startswith("The workbook is too large once unpacked: the shared strings xl/strings.xml "
                                     "would be 1.9 KB (limit 1000 B).")


def test_the_cells_and_the_elements_of_the_whole_workbook_are_bounded(monkeypatch):
    monkeypatch.setattr(workbooks, "WORKBOOK_MAX_CELLS", 100)
    assert _refusal(_sheet_of_cells(101)) == ("The workbook has too many cells: more than 100; split it into smaller "
                                              "files.")
    open_workbook(_sheet_of_cells(100)).close()
    monkeypatch.setattr(workbooks, "WORKBOOK_MAX_XML_ELEMENTS", 500)
    assert _refusal(_sheet_of_cells(300)) == ("The workbook is too complex: more than 500 XML elements in all; split "
                                              "it into smaller files.")


def test_a_whole_file_that_unpacks_to_too_much_is_refused(monkeypatch):
    monkeypatch.setattr(workbooks, "WORKBOOK_MAX_UNPACKED_BYTES", 10_000)
    refusal = _refusal(plain_workbook())
    assert re.fullmatch(r"The workbook is too large once unpacked: 1\d KB \(limit 9.8 KB\)\.", refusal)


def test_the_xml_parser_of_openpyxl_expands_no_entity():
    from openpyxl.xml import DEFUSEDXML
    from openpyxl.xml.functions import fromstring

    assert DEFUSEDXML is True
    require_defused_xml()
    with pytest.raises(EntitiesForbidden):
        fromstring('<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>')
    # Even past the check, openpyxl itself would refuse the billion laughs rather than expand them.
    with pytest.raises(ValueError, match="could not read strings") as refused:
        openpyxl.load_workbook(io.BytesIO(entity_bomb()), read_only=True)
    assert isinstance(refused.value.__cause__, EntitiesForbidden)


def test_no_workbook_is_opened_without_defusedxml(monkeypatch):
    monkeypatch.setattr("openpyxl.xml.DEFUSEDXML", False)
    with pytest.raises(ImproperlyConfigured, match="defusedxml"):
        open_workbook(plain_workbook())


def test_every_reader_opens_workbooks_through_the_one_checked_helper():
    offenders = [str(path.relative_to(ROOT)) for app in APPS for path in (ROOT / app).rglob("*.py")
                 if path != ROOT / "smartgov" / "workbooks.py" and "load_workbook(" in path.read_text()]
    assert offenders == []


# Legitimate workbooks --------------------------------------------------------------------------------------------


def test_legitimate_workbooks_still_open():
    book = open_workbook(plain_workbook(5000))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    assert len(rows) == 5001
    assert rows[1] == ("服务事项0", "窗口", 1)
    # As exporters (and openpyxl's write-only mode) write them: inline strings, no dimension.
    streamed = openpyxl.Workbook(write_only=True)
    sheet = streamed.create_sheet("评价")
    for number in range(3000):
        sheet.append([f"评价内容 {number}", number, "是"])
    buffer = io.BytesIO()
    streamed.save(buffer)
    book = open_workbook(buffer.getvalue())
    assert sum(1 for _ in book.worksheets[0].iter_rows()) == 3000
    book.close()
    check_workbook(io.BytesIO(buffer.getvalue()))  # a file object too
    # Parts that are not XML (an image, printer settings in UTF-16) are not parsed.
    with_media = repack(plain_workbook(), {"xl/media/image1.jpeg": b"\xff\xd8\xff\xe0" + os.urandom(5000),
                                           "xl/printerSettings/printerSettings1.bin": "Microsoft".encode("utf-16-le")})
    open_workbook(with_media).close()


def test_sizes_read_as_people_write_them():
    assert [human_size(n) for n in (512, 1536, 465 * 1024, 187 * MIB, 1024 * MIB)] == [
        "512 B", "1.5 KB", "465 KB", "187 MB", "1 GB"]


# Through the pages and the evidence ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_bomb_uploaded_as_values_is_refused_with_its_reason_and_nothing_is_written(
        client, officer, submission, cycle, settings, tmp_path, bomb_files):
    settings.MEDIA_ROOT = tmp_path
    today = timezone.localdate()
    Cycle.objects.filter(pk=cycle.pk).update(opens=today - datetime.timedelta(days=30),
                                             closes=today + datetime.timedelta(days=30))
    client.force_login(officer)
    upload = SimpleUploadedFile("values.xlsx", bomb_files["shared strings"].read_bytes(), content_type=XLSX_TYPE)
    started = time.perf_counter()
    response = client.post(reverse("submission-import", args=[submission.pk]), {"file": upload},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert time.perf_counter() - started < 2
    assert response.status_code == 400
    assert response.context["error"] == SHARED_STRINGS_REFUSAL
    assert response.context["preview"] is None
    assert "xl/sharedStrings.xml would be 187 MB" in response.content.decode()
    assert not IndicatorValue.objects.exists()
    assert not AuditEvent.objects.filter(submission__isnull=False).exists()
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []


@pytest.mark.parametrize("bomb", ["shared strings", "deflate"])
def test_a_bomb_is_refused_as_evidence_with_its_reason(bomb_files, bomb):
    with pytest.raises(EvidenceInvalid) as refused:
        check_upload(SimpleUploadedFile("统计表.xlsx", bomb_files[bomb].read_bytes()))
    assert str(refused.value) == {"shared strings": SHARED_STRINGS_REFUSAL, "deflate": DEFLATE_REFUSAL}[bomb]


def test_a_legitimate_workbook_is_still_accepted_as_evidence():
    assert check_upload(SimpleUploadedFile("统计表.xlsx", plain_workbook(100))).type == XLSX
