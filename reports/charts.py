"""The charts of the PDF reports: plotly figures drawn to SVG by kaleido, in a Chromium kept warm in each process.

Why not kaleido's own sync server (`kaleido.start_sync_server`): after every figure it reloads its browser tab,
which parses plotly.js (4.6 MB) again — about 0.2 s of the 0.25 s a chart took, most of the charts' share of a
city report. Here the tab is reloaded only every RECYCLE_AFTER figures: plotly.js draws each figure in a div of
its own that it purges afterwards (`Plotly.toImage`), so a figure's SVG does not depend on what the tab drew
before (tests/reports/test_charts.py), and the periodic reload bounds the page's memory in a long-lived worker.

- One browser per process, started on first use or by `warm_up` (when a child of a report worker starts:
  reports.tasks). A forked child forgets its parent's browser (its thread did not survive the fork) and starts
  its own; a browser whose export failed or missed its deadline is closed, and the next export starts another.
- A report's charts go to the browser in one batch (`svg_uris`) under one deadline, one batch at a time per
  process, so a stuck browser fails the report instead of hanging the worker.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import threading
from collections.abc import Coroutine, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

import kaleido
from django.utils.translation import gettext as _

from .pdf import CJK_FAMILY, ReportUnavailable, chromium_path, svg_data_uri

if TYPE_CHECKING:
    import plotly.graph_objects as go

logger = logging.getLogger(__name__)

EXPORT_TIMEOUT = 60
"""Seconds a batch of charts (or the start of the browser) may take before the report fails."""
CLOSE_TIMEOUT = 10
"""Seconds given to a browser to close before it is left to its watchdog."""
RECYCLE_AFTER = 50
"""Figures a tab draws between two reloads (which free what plotly.js keeps)."""


class Chart(NamedTuple):
    """A figure of a report and its size in the page, in CSS pixels."""

    figure: go.Figure
    width: int
    height: int


class _Browser(kaleido.Kaleido):
    """kaleido's browser, with its tab reloaded every RECYCLE_AFTER figures instead of after each."""

    drawn = 0

    async def _return_kaleido_tab(self, tab: Any) -> None:  # kaleido's hook, called after every figure
        self.drawn += 1
        if self.drawn % RECYCLE_AFTER == 0:
            await tab.reload()
        await self.tabs_ready.put(tab)


class _Exporter:
    """A browser driven from an event loop in a thread of its own, in the process that started it."""

    def __init__(self) -> None:
        path = chromium_path()
        if path is None:
            raise ReportUnavailable(_("Chromium is not installed (Debian package chromium): it is needed to draw "
                                      "the charts."))
        for name in ("choreographer", "kaleido", "logistro"):  # their INFO lines are noise in a worker's log
            logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger(name).level))
        self.pid = os.getpid()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="report-charts", daemon=True)
        self.thread.start()
        try:
            self.browser: _Browser = self._run(self._open(path))
        except BaseException:
            self.close()
            raise

    def alive(self) -> bool:
        """Whether this process started the browser and its thread and Chromium still run."""
        return self.pid == os.getpid() and self.thread.is_alive() and self.browser.subprocess.poll() is None

    def svgs(self, charts: list[Chart]) -> list[bytes]:
        """The SVG of each chart, drawn one after the other in the warm tab."""
        return self._run(self._draw(charts))

    async def _open(self, path: str) -> _Browser:
        browser = _Browser(path=path, mathjax=False, timeout=EXPORT_TIMEOUT)
        await browser.open()
        return browser

    async def _draw(self, charts: list[Chart]) -> list[bytes]:
        return [await self.browser.calc_fig(chart.figure, opts={"format": "svg", "width": chart.width,
                                                                "height": chart.height}) for chart in charts]

    def _run(self, work: Coroutine[Any, Any, Any], timeout: float | None = None) -> Any:
        """Run `work` in the browser's loop; ReportUnavailable when it takes longer than `timeout` (default:
        EXPORT_TIMEOUT)."""
        timeout = timeout or EXPORT_TIMEOUT
        future = asyncio.run_coroutine_threadsafe(work, self.loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise ReportUnavailable(_("The chart export did not answer within %(seconds)s s (Chromium).")
                                    % {"seconds": timeout}) from None

    def close(self) -> None:
        """Close the browser and stop the loop, each within CLOSE_TIMEOUT."""
        browser = getattr(self, "browser", None)  # None when the browser did not start
        if browser is not None and self.thread.is_alive():
            try:
                self._run(browser.close(), CLOSE_TIMEOUT)
            except Exception:  # a browser that will not close is left to its watchdog
                logger.warning("the chart browser did not close cleanly", exc_info=True)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(CLOSE_TIMEOUT)
        if not self.thread.is_alive():
            self.loop.close()


_lock = threading.Lock()
_exporter: _Exporter | None = None


def _forget_parent() -> None:
    """In a forked child: the parent's browser and lock are the parent's (its thread is not copied)."""
    global _lock, _exporter
    _lock, _exporter = threading.Lock(), None


os.register_at_fork(after_in_child=_forget_parent)


def _svgs(charts: list[Chart]) -> list[bytes]:
    """Draw `charts` with this process's browser (started if needed); one that fails is closed and forgotten."""
    global _exporter
    if not _lock.acquire(timeout=EXPORT_TIMEOUT):
        raise ReportUnavailable(_("The chart export did not answer within %(seconds)s s (Chromium).")
                                % {"seconds": EXPORT_TIMEOUT})
    try:
        if _exporter is not None and not _exporter.alive():
            _exporter = None
        if _exporter is None:
            _exporter = _Exporter()
        try:
            return _exporter.svgs(charts)
        except BaseException:
            exporter, _exporter = _exporter, None
            exporter.close()
            raise
    finally:
        _lock.release()


def _prepared(chart: Chart) -> Chart:
    """The chart in the report's font, on white, at its size."""
    chart.figure.update_layout(font_family=CJK_FAMILY, width=chart.width, height=chart.height,
                               paper_bgcolor="white", plot_bgcolor="white")
    chart.figure.layout.title.font.family = CJK_FAMILY
    return chart


def _markup(svg: bytes) -> str:
    text = svg.decode("utf-8")
    if text.startswith("<?xml"):
        text = text[text.index("?>") + 2:]
    return text.strip()


def svgs(charts: Mapping[str, Chart]) -> dict[str, str]:
    """Each chart as SVG markup in the report's font, by name, all drawn in one batch."""
    if not charts:
        return {}
    drawn = _svgs([_prepared(chart) for chart in charts.values()])
    return {name: _markup(svg) for name, svg in zip(charts, drawn, strict=True)}


def svg_uris(charts: Mapping[str, Chart]) -> dict[str, str]:
    """Each chart as an SVG data: URI for the report's <img> elements (`pdf.svg_data_uri`), by name."""
    return {name: svg_data_uri(svg) for name, svg in svgs(charts).items()}


def warm_up() -> None:
    """Start this process's browser and draw a small figure, so that its first report need not wait (~2 s)."""
    import plotly.graph_objects as go

    try:
        svgs({"warm-up": Chart(go.Figure(go.Bar(x=["智慧"], y=[1])), 200, 100)})
    except Exception:  # the first report will say what is missing
        logger.warning("the chart browser could not be started ahead of the first report", exc_info=True)
