"""The province PDF's annex: the statistical audit and sensitivity analysis of the run it shows, in the report's
language, with the rank intervals and moved values of the province's cities only."""

import re
import shutil
import subprocess

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from assessments.models import Region, RunAnalysis
from reports import pdf
from reports.audit_context import audit_context
from reports.models import Report
from reports.selectors import run_analysis
from reports.services import report_build, report_request
from tests.run_analyses import analyse, scored_with_an_outlier

pytestmark = pytest.mark.django_db

needs_pdf = pytest.mark.skipif(
    bool(pdf.missing_requirements()) or not shutil.which("pdftotext"),
    reason="cannot build PDFs here (or read them: poppler-utils): " + " ".join(pdf.missing_requirements()))


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def analysed(framework, regions):
    cycle = scored_with_an_outlier(framework, regions)
    analyse(cycle)
    return cycle


def _text(cycle, province, *, language="zh-hans", actor=None):
    report = report_request(cycle=cycle, region=province, language=language, actor=actor, enqueue=False)
    report = report_build(report_id=report.pk)
    assert report.status == Report.Status.SUCCEEDED, report.error
    raw = subprocess.run(["pdftotext", "-raw", report.file.path, "-"], capture_output=True, text=True,
                         check=True).stdout
    return raw.replace("\n", "" if language == "zh-hans" else " ")


def _annex(text, heading):
    assert heading in text
    return text[text.rindex(heading):]


@needs_pdf
def test_the_province_report_ends_with_the_audit_and_sensitivity_annex(analysed, regions, analyst):
    annex = _annex(_text(analysed, regions["zhejiang"], actor=analyst), "附录：统计审计与敏感性分析")
    for words in ("审计发现", "指标统计", "偏度", "峰度", "维度的内部一致性", "克朗巴哈α系数", "名义权重与实际权重",
                  "排名的敏感性", "一阶指数（S1）", "总效应指数（ST）", "本省城市的排名区间", "近乎共线"):
        assert words in annex, words
    assert re.search(r"公共数据开放有效数据集数量（RS06）\s*12 0% [\d.% -]+ 是 缩尾处理：1个数值经缩尾处理", annex)
    assert "（RS06）测试市21000000822" in annex.replace(" ", "")  # 330300's value and the value scored
    stored = analysed.current_run.analysis.sensitivity
    hangzhou = next(r for r in stored["regions"] if r["region"] == "330100")
    assert f"杭州市 {hangzhou['rank']} " in annex
    assert "南京市" not in annex  # Jiangsu: no interval of another province
    intervals = annex[annex.rindex("本省城市的排名区间"):]
    assert "杭州市" in intervals
    assert "宁波市" in intervals


@needs_pdf
def test_the_annex_is_in_english_in_an_english_report(analysed, regions, analyst):
    annex = _annex(_text(analysed, regions["zhejiang"], language="en", actor=analyst),
                   "Appendix: statistical audit and sensitivity analysis")
    for words in ("Indicator statistics", "Cronbach's α", "Nominal and effective weights", "Sensitivity of the ranks",
                  "Rank intervals of the province's cities", "Hangzhou", "Winsorise: 1 value winsorised"):
        assert words in annex, words
    assert "Nanjing" not in annex


@needs_pdf
def test_a_report_on_a_run_without_an_analysis_says_so_in_the_annex(analysed, regions, analyst):
    RunAnalysis.objects.filter(run_id=analysed.current_run_id).delete()
    annex = _annex(_text(analysed, regions["zhejiang"], actor=analyst), "附录：统计审计与敏感性分析")
    assert "本结果没有保存统计审计" in annex
    assert "指标统计" not in annex


def test_the_annex_template_shows_the_tables_of_the_province(analysed, regions):
    """Without the PDF stack too: the annex's HTML from the province's view of the analysis."""
    with translation.override("en"):
        analysis = run_analysis(analysed, Region.objects.filter(province=regions["zhejiang"]))
        context = audit_context(analysis.audit, analysis.sensitivity, analysis.names, analysis.visible,
                                charts=False)["audit"]
        html = render_to_string("reports/pdf/_audit_annex.html", {"annex": context, "charts": {}})
    for table in ("audit-annex-statistics", "audit-annex-moved", "audit-annex-consistency", "audit-annex-weights",
                  "audit-annex-sobol", "audit-annex-intervals"):
        assert f'id="{table}"' in html, table
    intervals = html.split('id="audit-annex-intervals"')[1].split("</table>")[0]
    assert len(re.findall(r"<tr><td>", intervals)) == 8
    assert "Hangzhou" in intervals
    assert "Nanjing" not in html
    assert "1000000" in html.split('id="audit-annex-moved"')[1].split("</table>")[0]
    with translation.override("en"):
        html = render_to_string("reports/pdf/_audit_annex.html", {"annex": None, "charts": {}})
    assert 'id="audit-annex-none"' in html
