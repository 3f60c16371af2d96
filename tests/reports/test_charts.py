"""The charts of the PDF reports (`reports.charts`): drawn in a warm Chromium tab, in one batch per report, the
same SVG as on a fresh tab; the tab reloaded every RECYCLE_AFTER figures; a browser that fails, misses its
deadline or belongs to the parent process is never used again; the report workers' children warm up."""

import asyncio
import os
import re
import threading

import plotly.graph_objects as go
import pytest
from celery import current_app
from django.utils import translation

from reports import charts, pdf, tasks

needs_chromium = pytest.mark.skipif(pdf.chromium_path() is None, reason="Chromium is not installed")


def _figures():
    """Three figures unlike each other: bars with Chinese labels, a radar, a line on shaded bands."""
    bars = go.Figure(go.Bar(x=["数字政府", "一网通办", "数据共享"], y=[72.5, 64.1, 80.3], text=["72.5", "64", "80"]))
    bars.update_layout(title="维度得分")
    radar = go.Figure(go.Scatterpolar(r=[60, 70, 80, 60], theta=["甲", "乙", "丙", "甲"], fill="toself"))
    line = go.Figure(go.Scatter(x=["2024", "2025", "2026"], y=[55, 61, 66], mode="lines+markers+text"))
    line.add_hrect(y0=0, y1=60, fillcolor="#e4e7eb", opacity=0.3, line={"width": 0})
    return {"bars": charts.Chart(bars, 660, 300), "radar": charts.Chart(radar, 600, 440),
            "line": charts.Chart(line, 660, 300)}


def _without_ids(svg):
    """The SVG with plotly's random ids (the figure's, in its clip paths and defs; each trace's, in its class)
    replaced by constants."""
    uid = re.search(r'id="defs-([0-9a-f]+)"', svg).group(1)
    return re.sub(r"\btrace[0-9a-f]{6}\b", "traceUID", svg.replace(uid, "UID"))


@pytest.fixture
def fresh_browser():
    """No browser in this process before the test, none left after it."""
    charts._forget_parent()
    yield
    if charts._exporter is not None:
        charts._exporter.close()
    charts._forget_parent()


@needs_chromium
def test_a_batch_in_a_warm_tab_draws_the_same_svgs_as_a_fresh_tab_for_each_chart(fresh_browser, monkeypatch):
    charts.svgs({"first": _figures()["radar"]})  # the tab has drawn something before
    batched = charts.svgs(_figures())
    monkeypatch.setattr(charts, "RECYCLE_AFTER", 1)  # reloaded after every figure, as kaleido's own server does
    one_by_one = {name: charts.svgs({name: chart})[name] for name, chart in _figures().items()}

    assert list(batched) == ["bars", "radar", "line"]
    assert {name: _without_ids(svg) for name, svg in batched.items()} == {
        name: _without_ids(svg) for name, svg in one_by_one.items()}
    assert all(svg.startswith("<svg") and "Noto Sans CJK SC" in svg for svg in batched.values())
    assert "数字政府" in batched["bars"]


@needs_chromium
def test_the_tab_is_reloaded_every_recycle_after_figures(fresh_browser, monkeypatch):
    from kaleido._kaleido_tab import _KaleidoTab

    reloads = []
    reload = _KaleidoTab.reload

    async def counted(tab):
        reloads.append(tab)
        await reload(tab)

    monkeypatch.setattr(_KaleidoTab, "reload", counted)
    monkeypatch.setattr(charts, "RECYCLE_AFTER", 2)
    charts.svgs(_figures())
    charts.svgs({"again": _figures()["bars"]})

    assert len(reloads) == 2  # after the 2nd and the 4th figure


@needs_chromium
def test_an_export_past_its_deadline_fails_with_a_message(fresh_browser):
    exporter = charts._Exporter()
    try:
        with translation.override("en"), pytest.raises(pdf.ReportUnavailable, match=r"did not answer within 0\.2 s"):
            exporter._run(asyncio.sleep(5), 0.2)
    finally:
        exporter.close()
    assert not exporter.thread.is_alive()
    assert exporter.browser.subprocess.poll() is not None  # Chromium is gone


class _FakeExporter:
    made = []

    def __init__(self):
        self.closed, self.fail = False, not self.made
        self.made.append(self)

    def alive(self):
        return not self.closed

    def svgs(self, charts_):
        if self.fail:
            raise RuntimeError("Chromium crashed")
        return [b'<?xml version="1.0"?><svg id="defs-1"/>' for _chart in charts_]

    def close(self):
        self.closed = True


def test_a_browser_whose_export_failed_is_closed_and_the_next_export_starts_another(fresh_browser, monkeypatch):
    _FakeExporter.made = []
    monkeypatch.setattr(charts, "_Exporter", _FakeExporter)
    chart = _figures()["bars"]

    with pytest.raises(RuntimeError, match="crashed"):
        charts.svgs({"bars": chart})
    assert charts._exporter is None
    assert _FakeExporter.made[0].closed

    assert charts.svg_uris({"bars": chart}) == {"bars": pdf.svg_data_uri('<svg id="defs-1"/>')}
    assert charts.svgs({"bars": chart}) == {"bars": '<svg id="defs-1"/>'}
    assert len(_FakeExporter.made) == 2  # the second browser is kept for the next report


def test_a_forked_child_forgets_its_parents_browser_and_lock(fresh_browser, monkeypatch):
    monkeypatch.setattr(charts, "_exporter", _FakeExporter())
    parent_lock = charts._lock
    parent_lock.acquire()  # as if the parent were exporting when it forked
    try:
        pid = os.fork()
        if pid == 0:  # the child
            fine = charts._exporter is None and charts._lock is not parent_lock and charts._lock.acquire(timeout=1)
            os._exit(0 if fine else 1)
        _pid, status = os.waitpid(pid, 0)
    finally:
        parent_lock.release()
    assert os.waitstatus_to_exitcode(status) == 0
    assert charts._exporter is not None  # the parent keeps its own


def test_the_children_of_a_report_worker_warm_up_in_the_background(settings, monkeypatch):
    started = threading.Event()
    monkeypatch.setattr(charts, "warm_up", started.set)
    queues = current_app.amqp.queues
    monkeypatch.setattr(queues, "_consume_from", {settings.REPORTS_QUEUE: queues[settings.REPORTS_QUEUE]})

    thread = tasks.warm_up_report_worker(sender="reports@host")

    thread.join(10)
    assert started.is_set()


def test_the_children_of_other_workers_start_no_browser(settings, monkeypatch):
    monkeypatch.setattr(charts, "warm_up", lambda: pytest.fail("warmed up"))
    queues = current_app.amqp.queues
    default = settings.CELERY_TASK_DEFAULT_QUEUE
    monkeypatch.setattr(queues, "_consume_from", {default: queues[default]})

    assert tasks.warm_up_report_worker(sender="default@host") is None
