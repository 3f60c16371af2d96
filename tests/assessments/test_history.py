"""The history of a submission: every audited change on a page and in Excel, only for those who may see it."""

import datetime
import io
from urllib.parse import quote

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from assessments.models import RoleAssignment
from assessments.services import Entry, submission_transition, values_save
from audit.models import AuditEvent
from audit.services import audit_record, audit_record_many
from smartgov.numbers import human_number
from tests.evidence_files import with_required_evidence
from tests.factories import fill

pytestmark = pytest.mark.django_db
Role = RoleAssignment.Role
HEADERS_ZH = ["时间", "操作人", "操作", "指标代码", "对象", "原值", "原备注", "新值", "新备注", "意见",
              "文件指纹（SHA-256）"]


@pytest.fixture
def people(people):
    """The cast, the officer with a Chinese name (shown instead of the user name)."""
    officer = people["officer"]
    officer.first_name = "王小明"
    officer.save(update_fields=["first_name"])
    return people


@pytest.fixture
def worked(submission, people):
    """Submitted by the officer, sent back by the reviewer with a reason, then one value corrected."""
    with_required_evidence(fill(submission))
    old = submission.values.get(indicator__code="RS01").value
    submission_transition(submission=submission, action="submit", actor=people["officer"])
    submission_transition(submission=submission, action="send_back", actor=people["reviewer"],
                          comment="RS01 口径不对，请按挂接目录重新统计")
    submission.refresh_from_db()
    values_save(submission=submission, entries={"RS01": Entry("42.5", "按挂接目录重新统计")},
                actor=people["officer"], expected_version=submission.version)
    submission.old_rs01 = old
    return submission


def _history(client, submission, **params):
    return client.get(reverse("submission-history", args=[submission.pk]), params)


def _rows(html):
    return html.split('<tbody>')[1].split('</tbody>')[0].split('<tr class="history-')[1:]


def test_the_history_lists_value_and_status_changes_newest_first(client, worked, people):
    client.force_login(people["reviewer"])
    response = _history(client, worked)
    assert response.status_code == 200
    rows = _rows(response.content.decode())
    assert len(rows) == 3
    value, send_back, submit = rows
    assert value.startswith("values")
    assert "王小明" in value
    assert "修改数值" in value
    assert "RS01 政务数据目录挂接率" in value
    assert f'<span class="old">{human_number(worked.old_rs01)}</span> → <span class="new">42.5</span>' in value
    assert "按挂接目录重新统计" in value
    assert send_back.startswith("status")
    assert "reviewer" in send_back
    assert "退回填报员" in send_back
    assert "状态" in send_back
    assert '<span class="old">待城市签核</span> → <span class="new">草稿</span>' in send_back
    assert "RS01 口径不对，请按挂接目录重新统计" in send_back
    assert "提交城市签核" in submit
    assert '<span class="old">草稿</span> → <span class="new">待城市签核</span>' in submit


def test_times_are_shown_in_beijing_time(client, submission, people):
    AuditEvent.objects.create(actor=people["officer"], action="value_changed", submission=submission, subject="RS01",
                              old=None, new={"value": 80.0, "note": ""},
                              at=datetime.datetime(2026, 11, 2, 16, 30, 5, tzinfo=datetime.UTC))
    client.force_login(people["officer"])
    html = _history(client, submission).content.decode()
    assert "2026-11-03 00:30:05" in html
    assert "填报数值" in html


def test_the_history_filters_by_kind(client, worked, people):
    client.force_login(people["officer"])
    status_rows = _rows(_history(client, worked, kind="status").content.decode())
    assert [row.split('"')[0] for row in status_rows] == ["status", "status"]
    value_rows = _rows(_history(client, worked, kind="values").content.decode())
    assert [row.split('"')[0] for row in value_rows] == ["values"]
    assert "history-empty" in _history(client, worked, kind="evidence").content.decode()
    assert len(_rows(_history(client, worked, kind="nonsense").content.decode())) == 3


def test_evidence_events_are_listed(client, submission, people):
    facts = {"file": "共享平台截图.png", "sha256": "ab" * 32, "size": 2048, "content_type": "image/png"}
    audit_record(actor=people["officer"], action="evidence_added", submission=submission, subject="RS05",
                 new=facts)
    audit_record(actor=people["officer"], action="evidence_removed", submission=submission, subject="",
                 old={**facts, "file": "旧文件.pdf"})
    client.force_login(people["officer"])
    removed, added = _rows(_history(client, submission, kind="evidence").content.decode())
    assert "上传佐证材料" in added
    assert "RS05" in added
    assert f'<span class="new" title="SHA-256 {"ab" * 32}">共享平台截图.png (2.0\xa0KB)</span>' in added
    assert "删除佐证材料" in removed
    assert "整份填报" in removed
    assert f'<span class="old" title="SHA-256 {"ab" * 32}">旧文件.pdf (2.0\xa0KB)</span> → <span class="new">—</span>' \
        in removed
    assert added.count("ab" * 32) == 1  # in the title only


def test_the_history_is_in_english_for_english_users(client, worked, people):
    client.force_login(people["reviewer"])
    html = client.get(reverse("submission-history", args=[worked.pk]),
                      headers={"accept-language": "en"}).content.decode()
    assert "Value changed" in html
    assert "RS01 Data catalogue linkage rate" in html
    assert "Awaiting city sign-off" in html


@pytest.mark.parametrize("who", ["officer", "reviewer", "analyst"])
def test_those_who_may_see_the_submission_see_its_history(client, worked, people, who):
    client.force_login(people[who])
    assert _history(client, worked).status_code == 200
    assert client.get(reverse("submission-history-excel", args=[worked.pk])).status_code == 200


@pytest.mark.parametrize("who", ["ningbo_reviewer", "jiangsu_analyst"])
def test_another_region_gets_a_404(client, worked, people, who):
    client.force_login(people[who])
    assert _history(client, worked).status_code == 404
    assert client.get(reverse("submission-history-excel", args=[worked.pk])).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, worked):
    for name in ("submission-history", "submission-history-excel"):
        url = reverse(name, args=[worked.pk])
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={quote(url)}"


def test_the_excel_export_holds_the_same_rows_with_chinese_headers(client, worked, people):
    client.force_login(people["officer"])
    response = client.get(reverse("submission-history-excel", args=[worked.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="history-330100-2026.xlsx"; ')
    assert f"filename*=UTF-8''{quote('杭州市-2026-修改记录.xlsx', safe='')}" in disposition
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS_ZH
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["E"].width > 20
    assert len(rows) == 1 + AuditEvent.objects.filter(submission=worked).count() == 4
    when, who, action, code, subject, old, old_note, new, new_note, comment, sha256 = rows[1]
    assert isinstance(when, datetime.datetime)
    assert (who, action, code, subject) == ("王小明", "修改数值", "RS01", "RS01 政务数据目录挂接率")
    assert (old, old_note, new, new_note, comment, sha256) == (pytest.approx(worked.old_rs01), None, 42.5,
                                                               "按挂接目录重新统计", None, None)
    assert rows[2][1:] == ("reviewer", "退回填报员", None, "状态", "待城市签核", None, "草稿", None,
                           "RS01 口径不对，请按挂接目录重新统计", None)
    assert rows[3][2] == "提交城市签核"
    page = _rows(_history(client, worked).content.decode())
    for html, row in zip(page, rows[1:], strict=True):
        assert row[0].strftime("%Y-%m-%d %H:%M:%S") in html


def test_the_excel_export_follows_the_kind_filter(client, worked, people):
    client.force_login(people["officer"])
    response = client.get(reverse("submission-history-excel", args=[worked.pk]), {"kind": "status"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [row[2] for row in rows[1:]] == ["退回填报员", "提交城市签核"]


def test_a_note_that_looks_like_a_formula_stays_text(client, submission, people):
    audit_record(actor=people["officer"], action="value_changed", submission=submission, subject="RS01",
                 old=None, new={"value": 1.0, "note": "=HYPERLINK(\"http://evil.example\")"})
    client.force_login(people["officer"])
    response = client.get(reverse("submission-history-excel", args=[submission.pk]))
    cell = load_workbook(io.BytesIO(response.content)).active["I2"]
    assert cell.data_type == "s"
    assert cell.value == "=HYPERLINK(\"http://evil.example\")"


def _many_events(submission, actor, count):
    codes = list(submission.cycle.framework.indicators.values_list("code", flat=True))
    audit_record_many(actor=actor, action="value_changed", submission=submission, changes=[
        (codes[i % len(codes)], {"value": float(i), "note": ""}, {"value": float(i + 1), "note": f"第{i}次"})
        for i in range(count)])


def test_the_history_is_paginated_by_100(client, submission, people):
    _many_events(submission, people["officer"], 150)
    client.force_login(people["officer"])
    first = _history(client, submission).content.decode()
    assert len(_rows(first)) == 100
    assert "page=2" in first
    assert len(_rows(_history(client, submission, page=2).content.decode())) == 50


def test_the_queries_do_not_grow_with_the_number_of_events(client, submission, people,
                                                           django_assert_max_num_queries):
    client.force_login(people["officer"])
    _many_events(submission, people["officer"], 2)
    with django_assert_max_num_queries(10) as few:
        assert _history(client, submission).status_code == 200
    _many_events(submission, people["officer"], 300)
    with django_assert_max_num_queries(10) as many:
        assert _history(client, submission).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("submission-history-excel", args=[submission.pk]))
    assert len(list(load_workbook(io.BytesIO(response.content)).active.iter_rows())) == 303


def test_numbers_are_shown_for_people_and_stay_numbers_in_excel(client, submission, people):
    audit_record(actor=people["officer"], action="value_changed", submission=submission, subject="RS01",
                 old={"value": 652.0, "note": ""}, new={"value": 6450000.0, "note": ""})
    audit_record(actor=people["officer"], action="value_changed", submission=submission, subject="RS02",
                 old={"value": 0.1 + 0.2, "note": ""}, new={"value": 1e-07, "note": ""})
    client.force_login(people["officer"])
    changed, entered = _rows(_history(client, submission).content.decode())
    assert '<span class="old">652</span> → <span class="new">6,450,000</span>' in entered
    assert '<span class="old">0.3</span> → <span class="new">0.0000001</span>' in changed
    assert "e+" not in entered
    assert "e-0" not in changed
    response = client.get(reverse("submission-history-excel", args=[submission.pk]))
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert (rows[2][5], rows[2][7]) == (652, 6450000)


def test_imports_and_extensions_read_in_words_with_the_fingerprint_kept_aside(client, submission, people):
    audit_record(actor=people["officer"], action="values_imported", submission=submission, subject="excel",
                 new={"values": 1234, "sha256": "89" * 32}, comment="杭州市填报.xlsx")
    audit_record(actor=people["admin"], action="deadline_extended", submission=submission, subject="extended_until",
                 old={"until": None, "reason": ""}, new={"until": "2026-12-31", "reason": "系统迁移"},
                 comment="系统迁移")
    client.force_login(people["officer"])
    extended, imported = _rows(_history(client, submission).content.decode())
    assert f'<span class="new" title="SHA-256 {"89" * 32}">1,234个数值</span>' in imported
    assert "整份填报" in imported
    assert "excel" not in imported
    assert "杭州市填报.xlsx" in imported
    assert '<span class="old">—</span> → <span class="new">2026年12月31日</span>' in extended
    assert "截止日期" in extended
    assert "extended_until" not in extended
    response = client.get(reverse("submission-history-excel", args=[submission.pk]))
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[2][7] == "1,234个数值"
    assert rows[2][10] == "89" * 32
