"""PDF reports: built by the Celery task from stored scores, in Chinese with an embedded CJK font, stored under
MEDIA_ROOT, listed with their status, downloadable only by users who may see the region."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from assessments.models import DimensionScore, RegionScore, RoleAssignment
from assessments.services import cycle_scores_compute, cycle_scores_request
from indicators.models import MaturityBand
from outbox.models import Job
from outbox.tasks import run_job
from reports import pdf
from reports.models import Report, ReportBatch
from reports.services import ReportRefused, batch_request, report_build, report_request, report_retry
from smartgov.errors import PermissionRefused
from tests.factories import approved_cycle, many_cities, published
from tests.publishing import late_participant, ranks_need

pytestmark = pytest.mark.django_db
Role = RoleAssignment.Role

needs_poppler = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("pdftotext", "pdffonts", "pdftoppm")),
    reason="poppler-utils (pdftotext, pdffonts, pdftoppm) is not installed: apt-get install poppler-utils")
needs_pdf_stack = pytest.mark.skipif(
    bool(pdf.missing_requirements()),
    reason="cannot build PDFs here: " + " ".join(pdf.missing_requirements()))


# ---- fixtures -------------------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def cities(regions):
    return [*many_cities(4, regions["zhejiang"]), regions["nanjing"]]


@pytest.fixture
def cycle(framework, cities):
    """Two computed cycles (so that the report has a change and a trend); the 2026 one is returned."""
    for period, seed in ((2025, 3), (2026, 4)):
        current = approved_cycle(framework, cities, period, seed=seed)
        run = cycle_scores_compute(run_id=cycle_scores_request(cycle=current, enqueue=False).pk)
        assert run.status == "succeeded", run.error
    current.refresh_from_db()
    return current


@pytest.fixture
def outsider(people):
    return people["jiangsu_analyst"]


def _score(cycle, city):
    return cycle.current_run.region_scores.get(region=city)


def _built(cycle, region, *, language="zh-hans", actor=None):
    report = report_request(cycle=cycle, region=region, language=language, actor=actor, enqueue=False)
    return report_build(report_id=report.pk)


def _text(report):
    return subprocess.run(["pdftotext", "-layout", report.file.path, "-"], capture_output=True, text=True,
                          check=True).stdout


def _running(report, *, chinese=True):
    """The report's text in reading order, its lines joined as the language joins them (Chinese: no space)."""
    text = subprocess.run(["pdftotext", "-raw", report.file.path, "-"], capture_output=True, text=True,
                          check=True).stdout
    return text.replace("\n", "" if chinese else " ")


def _fonts(report):
    return subprocess.run(["pdffonts", report.file.path], capture_output=True, text=True, check=True).stdout


def _label(cycle, level, language="zh"):
    return getattr(MaturityBand.objects.get(framework=cycle.framework, level=level), f"label_{language}")


# ---- building -------------------------------------------------------------------------------------------

@needs_pdf_stack
@needs_poppler
def test_it_builds_a_city_report_in_chinese_with_an_embedded_cjk_font(cycle, regions, officer, tmp_path):
    report = _built(cycle, regions["hangzhou"], actor=officer)

    assert report.status == Report.Status.SUCCEEDED, report.error
    assert (report.progress, report.error, report.run_id) == (100, "", cycle.current_run_id)
    assert report.file.name.startswith("reports/2026/330100/")
    assert Path(report.file.path).is_file()
    assert report.size == Path(report.file.path).stat().st_size
    assert report.size > 10_000
    assert report.pages >= 6
    assert str(tmp_path) in report.file.path  # under MEDIA_ROOT
    score = _score(cycle, regions["hangzhou"])
    text = _text(report)
    assert "杭州市" in text
    assert f"{score.index:.1f}" in text
    assert _label(cycle, score.level) in text
    assert "附录" in text or "Appendix" in text
    fonts = _fonts(report)
    cjk = [line for line in fonts.splitlines() if re.search(r"Noto.?Sans.?CJK", line)]
    assert cjk, fonts
    assert all(line.split()[-5] == "yes" for line in cjk), fonts  # the "emb" column
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", report.file.path,
                    str(tmp_path / "page")], check=True)
    page = next(tmp_path.glob("page*.png"))
    assert page.stat().st_size > 1000


@needs_pdf_stack
@needs_poppler
def test_it_builds_the_report_in_the_language_asked_for(cycle, regions):
    report = _built(cycle, regions["hangzhou"], language="en")

    assert report.status == Report.Status.SUCCEEDED, report.error
    text = _text(report)
    score = _score(cycle, regions["hangzhou"])
    assert "Hangzhou" in text
    assert "杭州市" not in text
    assert _label(cycle, score.level, "en") in text
    assert "Appendix" in text
    assert report.filename() == "Hangzhou-2026-smart-government-maturity.pdf"


@needs_pdf_stack
@needs_poppler
def test_it_builds_a_province_report(cycle, regions, analyst, cities):
    report = _built(cycle, regions["zhejiang"], actor=analyst)

    assert report.kind == Report.Kind.PROVINCE
    assert report.status == Report.Status.SUCCEEDED, report.error
    assert report.pages >= 4
    text = _text(report)
    assert "浙江省" in text
    for city in cities[:4]:
        assert city.name_zh in text
        assert f"{_score(cycle, city).index:.1f}" in text
    assert "南京市" not in text  # another province
    assert "本省全部参评城市均已有结果。" in _running(report)
    assert any(re.search(r"Noto.?Sans.?CJK", line) for line in _fonts(report).splitlines())


def _lead_service_convenience(cycle, regions, *, rank_low, rank_high):
    """Ningbo has the highest index of the cycle, Hangzhou the highest score in service convenience (95.1 against
    Ningbo's 92.2, every other city 50); Hangzhou's rank stays between `rank_low` and `rank_high`."""
    run = cycle.current_run_id
    RegionScore.objects.filter(run_id=run, region=regions["ningbo"]).update(index=99.0)
    scores = DimensionScore.objects.filter(run_id=run, dimension__code="SC")
    scores.update(score=50.0)
    scores.filter(region=regions["hangzhou"]).update(score=95.1)
    scores.filter(region=regions["ningbo"]).update(score=92.2)
    RegionScore.objects.filter(run_id=run, region=regions["hangzhou"]).update(rank=3, rank_low=rank_low,
                                                                             rank_high=rank_high, rank_median=3)
    return _score(cycle, regions["hangzhou"])


@needs_pdf_stack
@needs_poppler
def test_the_city_report_reads_as_an_official_chinese_document(cycle, regions):
    score = _lead_service_convenience(cycle, regions, rank_low=3, rank_high=3)

    report = _built(cycle, regions["hangzhou"])

    text, table = _running(report), _text(report)
    service = next(line for line in table.splitlines() if line.strip().startswith("服务便捷度") and "%" in line)
    assert re.search(r"95\.1\s+杭州市", service), service  # the highest score of the dimension, and whose it is
    assert "92.2" not in service
    assert (f"2026年度，杭州市智慧政府成熟度综合指数为{score.index:.1f}，成熟度等级为“{_label(cycle, score.level)}”，"
            "在5个参评城市中排名第3位。") in text
    assert ("在方法的不确定选择（权重等）变动的重新计算中，其排名有90%的概率保持在第3位。"
            "本评估周期综合指数最高的城市为宁波市（99.0）。") in text
    assert "90%的模拟结果中排名均为第3位。" in text
    assert "介于" not in text
    assert "浙江省内排名" in text
    assert "2026年度智慧政府成熟度评估报告" in text
    assert re.search(r"（[A-Z]{2}\d{2}）：\d+\.\d，全省平均\d+\.\d", text)  # a strength against the province
    assert "省份" not in text
    assert "第2页，共" in text
    for stray in (r"[\u4e00-\u9fff] 的", r" 内排名", r"第 \d", r"\d 个", r"\d 年度", r"。 "):
        assert not re.search(stray, text), stray


@needs_pdf_stack
@needs_poppler
def test_the_city_report_in_english_names_the_highest_score_and_the_rank_interval(cycle, regions):
    _lead_service_convenience(cycle, regions, rank_low=2, rank_high=4)

    text = _running(_built(cycle, regions["hangzhou"], language="en"), chinese=False)

    assert ("When the method's uncertain choices vary, its rank stays between 2 and 4 in 90 % of the "
            "recomputations.") in text
    assert "The city with the highest index of the cycle is Ningbo (99.0)." in text
    assert "Highest score City with the highest score" in text
    assert "Service convenience 25.0 % 62" not in text
    assert re.search(r"Service convenience [\d.]+ % [\d.]+ [\d.]+ 95\.1 Hangzhou", text)
    assert re.search(r"\(PS\d\d\): [\d.]+; province average [\d.]+", text)
    assert "In 90 % of the simulations the rank lies between 2 and 4." in text


@needs_pdf_stack
@needs_poppler
def test_the_province_report_names_its_cities_without_a_result(cycle, regions, analyst):
    late = late_participant(cycle, regions["zhejiang"]).region

    chinese = _running(_built(cycle, regions["zhejiang"], actor=analyst))
    english = _running(_built(cycle, regions["zhejiang"], language="en", actor=analyst), chinese=False)

    assert "本评估周期浙江省共有4个城市有结果。" in chinese
    assert f"尚有1个参评城市暂无结果（本结果计算时其填报尚未审核通过）：{late.name_zh}。" in chinese
    assert "暂无结果的参评城市" in chinese
    assert ("4 cities of Zhejiang have a result in this cycle. 1 participating city has no result yet (no "
            f"submission approved when these results were computed): {late.name_en}.") in english


@needs_pdf_stack
def test_a_batch_builds_every_scored_city_of_the_province(cycle, regions, analyst,
                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        batch = batch_request(cycle=cycle, province=regions["zhejiang"], actor=analyst)

    assert batch.total == 4
    counts = batch.counts()
    assert counts["succeeded"] == 4
    assert ReportBatch.status_of(counts) == "succeeded"
    assert sorted(batch.reports.values_list("region__code", flat=True)) == ["330100", "330200", "330300", "330400"]
    assert all(r.pages and r.size for r in batch.reports.all())


# ---- the task: once, failures, retries ------------------------------------------------------------------

def _run_its_job(report):
    """Deliver the report's background job (again) through Celery, in-process."""
    job = Job.objects.create(kind="reports.build", key=f"report:{report.pk}", args={"report_id": report.pk})
    assert run_job.delay(job.pk).get() == "done"


@needs_pdf_stack
def test_a_finished_report_is_not_built_twice(cycle, regions):
    report = _built(cycle, regions["hangzhou"])
    first = (report.file.name, report.finished_at, report.size)

    _run_its_job(report)

    report.refresh_from_db()
    assert report.status == "succeeded"
    assert (report.file.name, report.finished_at, report.size) == first
    assert len(list(Path(report.file.path).parent.iterdir())) == 1


@needs_pdf_stack
@needs_poppler
def test_a_report_on_provisional_results_says_so_on_its_pages_and_is_not_reused_once_published(cycle, regions,
                                                                                              officer):
    report = _built(cycle, regions["hangzhou"], language="en", actor=officer)
    text = _text(report)
    pages = text.split("\f")[1:report.pages]  # the footer of every page after the cover
    assert all("Provisional results (not published)" in page for page in pages), pages
    assert "Provisional results (not published) · 5 of 5 participants approved" in text  # on the cover
    assert "Published version" not in text

    publication = published(cycle)
    again = _built(cycle, regions["hangzhou"], language="en", actor=officer)
    assert again.pk != report.pk  # the same run, but the earlier report says “provisional”
    assert again.run_id == report.run_id == publication.run_id
    text = _text(again)
    date = timezone.localtime(publication.published_at).strftime("%Y-%m-%d")
    assert all(f"Published version 1 on {date}" in page for page in text.split("\f")[1:again.pages])
    assert f"Published version 1 on {date} · 5 of 5 participants approved" in text
    assert "Provisional results" not in text
    assert report_request(cycle=cycle, region=regions["hangzhou"], language="en", actor=officer,
                          enqueue=False) == again


@needs_pdf_stack
@needs_poppler
def test_a_report_below_the_minimum_participation_shows_scores_without_ranks(cycle, regions, analyst):
    ranks_need(cycle, 1.0)
    late_participant(cycle, regions["zhejiang"])
    city = _text(_built(cycle, regions["hangzhou"], language="en"))
    province = _text(_built(cycle, regions["zhejiang"], language="en", actor=analyst))
    for text in (city, province):
        assert "Ranks are not shown, only scores: 83 % of the participants are approved" in text
        assert "Overall rank" not in text
        assert "Rank among all cities" not in text
    assert f"{_score(cycle, regions['hangzhou']).index:.1f}" in city
    assert "How certain is the rank?" not in city


def test_the_same_request_returns_the_waiting_or_finished_report(cycle, regions, officer):
    first = report_request(cycle=cycle, region=regions["hangzhou"], actor=officer, enqueue=False)
    assert report_request(cycle=cycle, region=regions["hangzhou"], actor=officer, enqueue=False) == first
    assert report_request(cycle=cycle, region=regions["hangzhou"], actor=officer, language="en",
                          enqueue=False) != first
    assert Report.objects.count() == 2


def test_the_task_marks_a_failure_with_its_error_and_a_retry_rebuilds(cycle, regions, monkeypatch):
    monkeypatch.setattr(pdf, "missing_requirements", lambda: ["The Chinese font “Noto Sans CJK SC” is missing."])
    report = report_request(cycle=cycle, region=regions["hangzhou"], enqueue=False)

    _run_its_job(report)

    report.refresh_from_db()
    assert report.status == Report.Status.FAILED
    assert report.finished_at is not None
    assert "Noto Sans CJK SC" in report.error
    assert report.error.startswith("本服务器无法生成PDF。The Chinese font")  # no space after a Chinese sentence
    assert not report.file

    monkeypatch.undo()
    if pdf.missing_requirements():
        pytest.skip("the rebuild needs the PDF stack: " + " ".join(pdf.missing_requirements()))
    report = report_retry(report=report, enqueue=False)
    assert (report.status, report.error) == (Report.Status.QUEUED, "")
    report = report_build(report_id=report.pk)
    assert report.status == Report.Status.SUCCEEDED, report.error


def test_a_failure_in_a_chart_fails_the_report_with_its_message(cycle, regions, monkeypatch):
    from reports import figures

    def broken(report):
        raise RuntimeError("radar exploded")

    monkeypatch.setattr(pdf, "missing_requirements", lambda: [])
    monkeypatch.setattr(figures, "city_radar", broken)
    report = report_build(report_id=report_request(cycle=cycle, region=regions["hangzhou"], enqueue=False).pk)

    assert (report.status, report.error, report.progress) == (Report.Status.FAILED, "radar exploded", 10)


def test_nothing_is_reported_without_scores(framework, regions, cities):
    cycle = approved_cycle(framework, cities, 2027)
    with pytest.raises(ReportRefused, match="尚未计算得分"):
        report_request(cycle=cycle, region=regions["hangzhou"], enqueue=False)


# ---- pages and permissions ------------------------------------------------------------------------------

def test_the_list_shows_the_users_reports_with_status_and_progress(client, cycle, regions, officer):
    waiting = report_request(cycle=cycle, region=regions["hangzhou"], actor=officer, enqueue=False)
    Report.objects.filter(pk=waiting.pk).update(status="running", progress=40)
    failed = Report.objects.create(cycle=cycle, region=regions["hangzhou"], language="en", requested_by=officer,
                                   status="failed", error="Chromium is not installed.")
    client.force_login(officer)

    page = client.get(reverse("report-list")).content.decode()

    assert f'id="report-{waiting.pk}"' in page
    assert f'id="report-{failed.pk}"' in page
    with translation.override("zh-hans"):
        running = str(Report.Status.RUNNING.label)
    assert 'value="40"' in page
    assert running in page
    assert "Chromium is not installed." in page
    assert reverse("report-status") in page  # polled while a report runs

    status = client.get(reverse("report-status"), {"reports": f"{waiting.pk},{failed.pk}"}).json()
    assert status["active"] is True
    assert {r["id"]: (r["status"], r["progress"]) for r in status["reports"]} == {
        waiting.pk: ("running", 40), failed.pk: ("failed", 0)}


@needs_pdf_stack
def test_a_city_user_requests_and_downloads_their_report(client, cycle, regions, officer,
                                                         django_capture_on_commit_callbacks):
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("report-request"),
                               {"cycle": cycle.pk, "region": "330100", "language": "zh-hans"})
    assert response.status_code == 302
    report = Report.objects.get(requested_by=officer)
    assert report.status == Report.Status.SUCCEEDED, report.error

    download = client.get(reverse("report-download", args=[report.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert "attachment" in download["Content-Disposition"]
    assert reverse("report-download", args=[report.pk]) in client.get(reverse("report-list")).content.decode()


def test_a_user_of_another_province_gets_404_and_cannot_request(client, cycle, regions, officer, outsider):
    report = Report.objects.create(cycle=cycle, region=regions["hangzhou"], requested_by=officer,
                                   status="succeeded", file="reports/2026/330100/x.pdf", size=10, pages=1)
    client.force_login(outsider)

    assert client.get(reverse("report-download", args=[report.pk])).status_code == 404
    assert client.post(reverse("report-request"), {"cycle": cycle.pk, "region": "330100"}).status_code == 404
    assert client.post(reverse("report-batch-request"), {"cycle": cycle.pk, "region": "330000"}).status_code == 404
    assert client.post(reverse("report-request"), {"cycle": cycle.pk, "region": "330000"}).status_code == 404
    assert client.get(reverse("report-status"), {"reports": str(report.pk)}).json()["reports"] == []
    assert Report.objects.count() == 1


def test_a_city_user_cannot_ask_for_another_city_or_the_province(client, cycle, regions, officer):
    client.force_login(officer)

    assert client.post(reverse("report-request"), {"cycle": cycle.pk, "region": "330200"}).status_code == 404
    assert client.post(reverse("report-batch-request"), {"cycle": cycle.pk, "region": "330000"}).status_code == 404
    with pytest.raises(PermissionRefused):
        batch_request(cycle=cycle, province=regions["zhejiang"], actor=officer, enqueue=False)
    assert not Report.objects.exists()


def test_the_province_analyst_may_download_a_city_report_of_the_province(client, cycle, regions, officer, analyst,
                                                                        settings):
    path = Path(settings.MEDIA_ROOT) / "reports/2026/330100/x.pdf"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"%PDF-1.7 test")
    report = Report.objects.create(cycle=cycle, region=regions["hangzhou"], requested_by=officer,
                                   status="succeeded", file="reports/2026/330100/x.pdf", size=13, pages=1)
    client.force_login(analyst)

    assert client.get(reverse("report-download", args=[report.pk])).status_code == 200


def test_the_batch_page_and_status_follow_the_batch(client, cycle, regions, analyst):
    batch = batch_request(cycle=cycle, province=regions["zhejiang"], actor=analyst, enqueue=False)
    first = batch.reports.order_by("region__code").first()
    Report.objects.filter(pk=first.pk).update(status="failed", error="boom")
    client.force_login(analyst)

    page = client.get(reverse("report-batch", args=[batch.pk])).content.decode()
    status = client.get(reverse("report-status"), {"batches": str(batch.pk)}).json()

    assert page.count('class="report-row"') == 4
    row = status["batches"][0]
    assert row.pop("status_label")
    assert status["batches"] == [{"id": batch.pk, "status": "running", "total": 4, "done": 1,
                                  "counts": {"queued": 3, "running": 0, "succeeded": 0, "failed": 1,
                                             "expired": 0}}]
    assert batch_request(cycle=cycle, province=regions["zhejiang"], actor=analyst, enqueue=False) == batch


def test_a_failed_report_is_retried_from_the_list(client, cycle, regions, officer, django_capture_on_commit_callbacks,
                                                  monkeypatch):
    monkeypatch.setattr("outbox.services.job_send", lambda job_id: None)
    report = Report.objects.create(cycle=cycle, region=regions["hangzhou"], requested_by=officer, status="failed",
                                   error="boom")
    client.force_login(officer)

    assert client.post(reverse("report-retry", args=[report.pk])).status_code == 302
    report.refresh_from_db()
    assert (report.status, report.error) == ("queued", "")
    assert Job.objects.get(key=f"report:{report.pk}").state == "pending"
