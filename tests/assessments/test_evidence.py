"""Evidence files: type from the content, size limit, who may add/remove, audit, and the guarded download."""

import base64
import datetime
import hashlib
import io
import struct
import zipfile
import zlib

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from assessments.evidence import EvidenceInvalid, check_upload, sanitise_name
from assessments.models import Evidence, RoleAssignment, Submission
from assessments.services import EntryLocked, evidence_add, evidence_remove
from audit.models import AuditEvent
from smartgov.errors import PermissionRefused
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
Role = RoleAssignment.Role

PDF = b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n" \
      b"trailer <</Root 1 0 R>>\n%%EOF\n"
JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeF"
    "xlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCAABAAEDASIA"
    "AhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0"
    "KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWm"
    "p6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8"
    "QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElK"
    "U1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6O"
    "nq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDIooorkPqD/9k="
)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 \
      + b"This program cannot be run in DOS mode."
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _png():
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xb4\x23\x2a"))
            + chunk(b"IEND", b""))


def _xlsx():
    workbook = openpyxl.Workbook()
    workbook.active.append(["指标", "数值"])
    workbook.active.append(["A1.1", 87.5])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _zip(parts):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in parts:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


def upload(name, content, content_type="application/pdf"):
    """As a browser sends it: the claimed content type is whatever the browser guessed from the name."""
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files(root):
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def open_submission(submission):
    """The submission with its cycle open today, whatever the date the tests run on."""
    today = timezone.localdate()
    cycle = submission.cycle
    cycle.opens, cycle.closes = today - datetime.timedelta(days=1), today + datetime.timedelta(days=30)
    cycle.save()
    return submission


@pytest.fixture
def code(open_submission):
    return open_submission.cycle.framework.indicators.order_by("dimension__order", "order").first().code


def client_for(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize(("name", "content", "content_type"), [
    ("年度报告.pdf", PDF, "application/pdf"),
    ("现场照片.jpg", JPEG, "image/jpeg"),
    ("截图.png", _png(), "image/png"),
    ("统计表.xlsx", _xlsx(), XLSX_TYPE),
])
def test_accepted_types_are_stored_with_the_detected_type_and_hash(name, content, content_type, open_submission,
                                                                     code, officer, media):
    evidence = evidence_add(submission=open_submission, indicator_code=code,
                            upload=upload(name, content, "application/octet-stream"), actor=officer)
    evidence.refresh_from_db()
    assert evidence.content_type == content_type
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    assert evidence.size == len(content)
    assert evidence.original_name == name
    assert evidence.indicator.code == code
    assert evidence.uploaded_by == officer
    assert evidence.file.name == f"evidence/2026/330100/{evidence.sha256}"
    assert (media / evidence.file.name).read_bytes() == content
    event = AuditEvent.objects.get(action="evidence_added")
    assert (event.submission, event.actor, event.subject) == (open_submission, officer, code)
    assert event.new == {"file": name, "sha256": evidence.sha256, "size": len(content), "content_type": content_type}


def test_upload_through_the_page_redirects_to_the_submission(client, open_submission, code, officer, media):
    response = client_for(client, officer).post(reverse("evidence-upload", args=[open_submission.pk]),
                                                {"indicator": code, "file": upload("report.pdf", PDF)})
    assert response.status_code == 302
    assert response["Location"] == reverse("submission", args=[open_submission.pk])
    evidence = Evidence.objects.get()
    assert (evidence.indicator.code, evidence.content_type) == (code, "application/pdf")
    assert stored_files(media) == [media / evidence.file.name]


def test_general_evidence_has_no_indicator(open_submission, officer):
    evidence = evidence_add(submission=open_submission, indicator_code="general", upload=upload("a.pdf", PDF),
                            actor=officer)
    assert evidence.indicator is None
    assert AuditEvent.objects.get(action="evidence_added").subject == ""


def test_the_type_comes_from_the_content_not_the_name_or_the_browser(open_submission, officer):
    evidence = evidence_add(submission=open_submission, indicator_code="", actor=officer,
                            upload=upload("scan.pdf", _png(), "application/pdf"))
    assert evidence.content_type == "image/png"
    assert evidence.original_name == "scan.pdf.png"


def test_an_exe_renamed_pdf_is_refused_and_nothing_is_written(client, open_submission, code, officer, media):
    response = client_for(client, officer).post(reverse("evidence-upload", args=[open_submission.pk]),
                                                {"indicator": code, "file": upload("invoice.pdf", EXE)})
    assert response.status_code == 400
    assert "PDF, JPG, PNG, XLSX" in response.content.decode()
    assert f'<option value="{code}" selected>' in response.content.decode()
    assert not Evidence.objects.exists()
    assert not AuditEvent.objects.filter(action="evidence_added").exists()
    assert stored_files(media) == []


def test_the_refusal_names_the_accepted_types(open_submission, officer):
    with translation.override("en"), pytest.raises(EvidenceInvalid) as refused:
        evidence_add(submission=open_submission, indicator_code="", upload=upload("invoice.pdf", EXE), actor=officer)
    assert "“invoice.pdf” is refused" in str(refused.value)
    assert "PDF, JPG, PNG, XLSX" in str(refused.value)


@pytest.mark.parametrize("content", [
    _zip(["hello.txt"]),
    _zip(["[Content_Types].xml", "word/document.xml"]),
    b"PK\x03\x04" + b"\x00" * 200,
    b"<html><script>alert(1)</script></html>",
])
def test_a_zip_that_is_not_a_workbook_and_other_content_are_refused(content, open_submission, officer, media):
    with pytest.raises(EvidenceInvalid):
        evidence_add(submission=open_submission, indicator_code="", upload=upload("data.xlsx", content, XLSX_TYPE),
                     actor=officer)
    assert not Evidence.objects.exists()
    assert stored_files(media) == []


def test_over_the_size_limit_is_refused_with_the_limit(settings, client, open_submission, officer, media):
    settings.EVIDENCE_MAX_BYTES = 1024 * 1024
    big = PDF + b"0" * (1024 * 1024)
    with translation.override("en"), pytest.raises(EvidenceInvalid, match="limit of 1 MB"):
        evidence_add(submission=open_submission, indicator_code="", upload=upload("big.pdf", big), actor=officer)
    response = client_for(client, officer).post(reverse("evidence-upload", args=[open_submission.pk]),
                                                {"indicator": "general", "file": upload("big.pdf", big)})
    assert response.status_code == 400
    assert "1 MB" in response.content.decode()
    assert not Evidence.objects.exists()
    assert stored_files(media) == []
    exactly = PDF + b"0" * (1024 * 1024 - len(PDF))
    assert evidence_add(submission=open_submission, indicator_code="", upload=upload("ok.pdf", exactly),
                        actor=officer).size == 1024 * 1024


def test_an_empty_file_is_refused(open_submission, officer):
    with translation.override("en"), pytest.raises(EvidenceInvalid, match="empty"):
        evidence_add(submission=open_submission, indicator_code="", upload=upload("empty.pdf", b""), actor=officer)


def test_an_unknown_indicator_and_a_duplicate_are_refused(open_submission, code, officer, media):
    with pytest.raises(EvidenceInvalid):
        evidence_add(submission=open_submission, indicator_code="Z9.9", upload=upload("a.pdf", PDF), actor=officer)
    evidence_add(submission=open_submission, indicator_code=code, upload=upload("a.pdf", PDF), actor=officer)
    with pytest.raises(EvidenceInvalid):
        evidence_add(submission=open_submission, indicator_code=code, upload=upload("b.pdf", PDF), actor=officer)
    assert Evidence.objects.count() == 1
    assert len(stored_files(media)) == 1


def test_a_missing_file_is_a_400(client, open_submission, officer):
    response = client_for(client, officer).post(reverse("evidence-upload", args=[open_submission.pk]),
                                                {"indicator": "general"})
    assert response.status_code == 400


@pytest.mark.parametrize(("raw", "expected"), [
    ("C:\\Users\\张三\\Desktop\\报告.pdf", "报告.pdf"),
    ("../../etc/passwd", "passwd.pdf"),
    ("evil\x00name\n.pdf", "evilname.pdf"),
    ("", "evidence.pdf"),
    ("..", "evidence.pdf"),
    ("报告.PDF", "报告.PDF"),
])
def test_names_are_reduced_to_a_safe_base_name(raw, expected):
    from assessments.evidence import PDF as PDF_TYPE

    assert sanitise_name(raw, PDF_TYPE) == expected


def test_long_names_are_cut_to_255_keeping_the_extension(open_submission, officer):
    evidence = evidence_add(submission=open_submission, indicator_code="", actor=officer,
                            upload=upload("长" * 300 + ".pdf", PDF))
    assert len(evidence.original_name) == 255
    assert evidence.original_name.endswith(".pdf")


def test_check_upload_reads_any_file_object():
    checked = check_upload(SimpleUploadedFile("x.xlsx", _xlsx()))
    assert checked.type.content_type == XLSX_TYPE


# --- who may add and remove --------------------------------------------------------------------------------

@pytest.mark.parametrize("status", [Submission.Status.APPROVED, Submission.Status.SIGNED_OFF,
                                    Submission.Status.SUBMITTED])
def test_upload_is_refused_while_the_values_are_locked(status, client, open_submission, code, officer, media):
    Submission.objects.filter(pk=open_submission.pk).update(status=status)
    with pytest.raises(EntryLocked):
        evidence_add(submission=open_submission, indicator_code=code, upload=upload("a.pdf", PDF), actor=officer)
    page = client_for(client, officer).get(reverse("evidence-upload", args=[open_submission.pk]))
    assert page.status_code == 200
    assert 'id="lock-reason"' in page.content.decode()
    assert 'id="evidence-form"' not in page.content.decode()
    response = client.post(reverse("evidence-upload", args=[open_submission.pk]),
                           {"indicator": code, "file": upload("a.pdf", PDF)})
    assert response.status_code == 409
    assert 'id="evidence-error"' in response.content.decode()
    assert not Evidence.objects.exists()
    assert stored_files(media) == []


def test_the_province_may_add_evidence_for_its_cities(open_submission, people):
    evidence = evidence_add(submission=open_submission, indicator_code="", upload=upload("a.pdf", PDF),
                            actor=people["analyst"])
    assert evidence.uploaded_by == people["analyst"]


def test_users_of_other_regions_may_not_add(client, open_submission, people, media):
    for name in ("ningbo_officer", "jiangsu_analyst"):
        with pytest.raises(PermissionRefused):
            evidence_add(submission=open_submission, indicator_code="", upload=upload("a.pdf", PDF),
                         actor=people[name])
        client.force_login(people[name])
        url = reverse("evidence-upload", args=[open_submission.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"indicator": "general", "file": upload("a.pdf", PDF)}).status_code == 404
    assert not Evidence.objects.exists()
    assert stored_files(media) == []


def test_an_admin_may_add_when_the_cycle_is_closed_a_city_officer_may_not(open_submission, people):
    cycle = open_submission.cycle
    cycle.status = cycle.Status.CLOSED
    cycle.save()
    with pytest.raises(EntryLocked):
        evidence_add(submission=open_submission, indicator_code="", upload=upload("a.pdf", PDF),
                     actor=people["officer"])
    assert evidence_add(submission=open_submission, indicator_code="", upload=upload("a.pdf", PDF),
                        actor=people["admin"]).pk


def test_the_page_preselects_the_indicator_and_hints_the_types(client, open_submission, code, officer):
    response = client_for(client, officer).get(reverse("evidence-upload", args=[open_submission.pk]),
                                               {"indicator": code})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<option value="{code}" selected>' in html
    assert 'accept=".pdf,.jpg,.jpeg,.png,.xlsx"' in html
    assert 'enctype="multipart/form-data"' in html
    general = client.get(reverse("evidence-upload", args=[open_submission.pk])).content.decode()
    assert '<option value="general" selected>' in general


def test_removal_is_audited_and_deletes_the_file(client, open_submission, code, officer, media,
                                                  django_capture_on_commit_callbacks):
    evidence = evidence_add(submission=open_submission, indicator_code=code, upload=upload("a.pdf", PDF),
                            actor=officer)
    path = media / evidence.file.name
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(client, officer).post(reverse("evidence-remove", args=[evidence.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("evidence-upload", args=[open_submission.pk])
    assert not Evidence.objects.exists()
    assert not path.exists()
    event = AuditEvent.objects.get(action="evidence_removed")
    assert (event.submission, event.actor, event.subject) == (open_submission, officer, code)
    assert event.old == {"file": "a.pdf", "sha256": hashlib.sha256(PDF).hexdigest(), "size": len(PDF),
                         "content_type": "application/pdf"}


def test_removal_is_refused_while_locked_and_outside_the_region(client, open_submission, officer, people, media,
                                                                django_capture_on_commit_callbacks):
    evidence = evidence_add(submission=open_submission, indicator_code="", upload=upload("a.pdf", PDF),
                            actor=officer)
    with django_capture_on_commit_callbacks(execute=True):
        assert client_for(client, people["ningbo_officer"]).post(
            reverse("evidence-remove", args=[evidence.pk])).status_code == 404
        Submission.objects.filter(pk=open_submission.pk).update(status=Submission.Status.APPROVED)
        with pytest.raises(EntryLocked):
            evidence_remove(evidence=evidence, actor=officer)
        assert client_for(client, officer).post(reverse("evidence-remove", args=[evidence.pk])).status_code == 302
        assert client.get(reverse("evidence-remove", args=[evidence.pk])).status_code == 405
    assert Evidence.objects.filter(pk=evidence.pk).exists()
    assert (media / evidence.file.name).exists()
    assert not AuditEvent.objects.filter(action="evidence_removed").exists()


# --- download ---------------------------------------------------------------------------------------------------

@pytest.fixture
def stored(open_submission, code, officer):
    return evidence_add(submission=open_submission, indicator_code=code, upload=upload("年度报告.pdf", PDF),
                        actor=officer)


@pytest.mark.parametrize("who", ["officer", "analyst", "admin"])
def test_download_for_users_who_see_the_region(who, client, stored, people):
    response = client_for(client, people[who]).get(reverse("evidence-download", args=[stored.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E5%B9%B4%E5%BA%A6%E6%8A%A5%E5%91%8A.pdf" in response["Content-Disposition"]
    response.close()


@pytest.mark.parametrize("who", ["ningbo_officer", "jiangsu_analyst"])
def test_download_is_404_for_other_regions(who, client, stored, people):
    assert client_for(client, people[who]).get(reverse("evidence-download", args=[stored.pk])).status_code == 404


def test_download_needs_a_login(client, stored):
    response = client.get(reverse("evidence-download", args=[stored.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_no_file_is_served_from_a_public_url(client, stored):
    client.force_login(UserFactory(username="nobody"))
    assert client.get(f"/media/{stored.file.name}").status_code == 404
    assert client.get(f"/{stored.file.name}").status_code == 404


def test_a_large_upload_streamed_to_a_temporary_file_is_stored(client, open_submission, officer, media):
    content = PDF + b"0" * (3 * 1024 * 1024)
    response = client_for(client, officer).post(reverse("evidence-upload", args=[open_submission.pk]),
                                                {"indicator": "general", "file": upload("big.pdf", content)})
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    assert (media / evidence.file.name).read_bytes() == content
