"""Every role × every page and action × its own region or another: allowed, or refused as designed (302 to the
login page, 403 or 404), and never another city's data."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments.models import Evidence, IndicatorValue, Submission
from assessments.services.evidence import evidence_add
from tests.evidence_files import with_required_evidence
from tests.factories import fill, user_with_role

pytestmark = pytest.mark.django_db
ROLES = {
    "officer": ("city_officer", "hangzhou"),
    "reviewer": ("city_reviewer", "hangzhou"),
    "analyst": ("province_analyst", "zhejiang"),
    "admin": ("platform_admin", None),
    "other_city": ("city_officer", "ningbo"),
    "other_province": ("province_analyst", "jiangsu"),
    "anonymous": None,
}
SEES = {"officer", "reviewer", "analyst", "admin"}
EDITS = SEES
SUBMITS = {"officer", "reviewer", "admin"}
PROVINCE = {"analyst", "admin"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world(regions, submission, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with_required_evidence(fill(submission))
    owner = user_with_role("owner", "city_officer", regions["hangzhou"])
    evidence = evidence_add(submission=submission, indicator_code="RS01",
                            upload=SimpleUploadedFile("证明.pdf", PDF, "application/pdf"), actor=owner)
    submission.refresh_from_db()
    return {"submission": submission, "evidence": evidence, "regions": regions}


def _client(client, who, regions):
    if ROLES[who] is None:
        return client
    role, region = ROLES[who]
    user = user_with_role(who, role, regions[region] if region else None)
    client.force_login(user)
    return client


def _expected(who, allowed, *, ok=200):
    if who == "anonymous":
        return 302
    return ok if who in allowed else 404


PAGES = {
    "entry form": (lambda w: f"/submissions/{w['submission'].pk}/", SEES),
    "history": (lambda w: f"/submissions/{w['submission'].pk}/history/", SEES),
    "history export": (lambda w: f"/submissions/{w['submission'].pk}/history.xlsx", SEES),
    "evidence page": (lambda w: f"/submissions/{w['submission'].pk}/evidence/", SEES),
    "evidence download": (lambda w: f"/evidence/{w['evidence'].pk}/download", SEES),
    "excel template": (lambda w: f"/submissions/{w['submission'].pk}/excel", SEES),
    "province excel": (lambda w: f"/cycles/{w['submission'].cycle_id}/provinces/330000/excel", PROVINCE),
}


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("who", list(ROLES))
def test_pages(client, world, who, page):
    url, allowed = PAGES[page]
    response = _client(client, who, world["regions"]).get(url(world))
    assert response.status_code == _expected(who, allowed)
    if response.status_code == 302:
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("who", list(ROLES))
def test_autosave(client, world, who):
    submission = world["submission"]
    response = _client(client, who, world["regions"]).post(
        f"/submissions/{submission.pk}/autosave", content_type="application/json",
        data=json.dumps({"version": submission.version, "entries": {"RS01": {"value": "42"}}}))
    assert response.status_code == _expected(who, EDITS)
    saved = IndicatorValue.objects.get(submission=submission, indicator__code="RS01").value == 42
    assert saved == (who in EDITS)


@pytest.mark.parametrize("who", list(ROLES))
def test_form_save(client, world, who):
    submission = world["submission"]
    response = _client(client, who, world["regions"]).post(
        f"/submissions/{submission.pk}/", {"version": submission.version, "value_RS01": "43"})
    assert response.status_code == _expected(who, EDITS, ok=302)
    assert (IndicatorValue.objects.get(submission=submission, indicator__code="RS01").value == 43) == (who in EDITS)


@pytest.mark.parametrize("who", list(ROLES))
def test_submit(client, world, who):
    submission = world["submission"]
    response = _client(client, who, world["regions"]).post(
        f"/submissions/{submission.pk}/act/submit", {"version": submission.version})
    assert response.status_code == _expected(who, SEES, ok=302)
    status = Submission.objects.get(pk=submission.pk).status
    assert status == ("submitted" if who in SUBMITS else "draft")


@pytest.mark.parametrize("who", list(ROLES))
def test_approve_skipping_the_city_sign_off_is_refused_for_everyone(client, world, who):
    submission = world["submission"]
    Submission.objects.filter(pk=submission.pk).update(status="submitted")
    _client(client, who, world["regions"]).post(f"/submissions/{submission.pk}/act/approve", {"version": 1})
    assert Submission.objects.get(pk=submission.pk).status == "submitted"


@pytest.mark.parametrize("who", list(ROLES))
def test_evidence_upload(client, world, who):
    submission = world["submission"]
    before = Evidence.objects.count()
    response = _client(client, who, world["regions"]).post(
        f"/submissions/{submission.pk}/evidence/",
        {"indicator": "RS02", "file": SimpleUploadedFile("b.pdf", PDF + b"x", "application/pdf")})
    assert response.status_code == _expected(who, EDITS, ok=302)
    assert Evidence.objects.count() == before + (who in EDITS)


@pytest.mark.parametrize("who", list(ROLES))
def test_excel_import_of_another_region_is_not_reachable(client, world, who):
    submission = world["submission"]
    upload = SimpleUploadedFile("x.xlsx", io.BytesIO(b"not really").getvalue())
    response = _client(client, who, world["regions"]).post(f"/submissions/{submission.pk}/import", {"file": upload})
    if who == "anonymous":
        assert response.status_code == 302
    elif who in EDITS:
        assert response.status_code in (200, 400)
    else:
        assert response.status_code in (403, 404)
    assert not IndicatorValue.objects.filter(submission=submission, source="excel").exists()


@pytest.mark.parametrize("who", ["other_city", "other_province"])
def test_home_never_shows_another_city(client, world, who):
    page = _client(client, who, world["regions"]).get("/").content.decode()
    assert "杭州市" not in page
    assert f"/submissions/{world['submission'].pk}/" not in page
