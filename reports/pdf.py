"""HTML → PDF: plotly charts exported to SVG by kaleido, pages laid out by WeasyPrint in Noto Sans CJK SC.

- Charts: kaleido drives Debian's Chromium. Its sync server is started once per process (the first export
  takes ~1.5 s, each later one ~0.1 s); a server whose thread died (a crash, or a fork that copied the flag but
  not the thread) is restarted. Every export has a deadline, so a stuck browser fails the report instead of
  hanging the worker.
- Text: the page CSS names the family "Noto Sans CJK SC" (Debian's fonts-noto-cjk), found through fontconfig,
  and WeasyPrint embeds the subset used. Charts use the same family inside their SVG.
- Before any work the requirements are checked: a missing CJK font (which would print tofu boxes) or a missing
  Chromium fails the report with a message that says what to install, never a crash or an unreadable PDF.
"""

from __future__ import annotations

import base64
import functools
import glob
import logging
import os
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from smartgov.errors import DomainError, ErrorCode

from .text import sentences

if TYPE_CHECKING:
    import plotly.graph_objects as go

logger = logging.getLogger(__name__)

CJK_FAMILY = "Noto Sans CJK SC"
FONT_STACK = f'"{CJK_FAMILY}", sans-serif'
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
FONT_GLOBS = ("/usr/share/fonts/**/NotoSansCJK-Regular.ttc", "/usr/share/fonts/**/NotoSansCJKsc-Regular.otf",
              "/usr/share/fonts/**/NotoSansSC-Regular.otf")
EXPORT_TIMEOUT = 60


class ReportUnavailable(DomainError):
    """The machine lacks something a PDF needs (a font, Chromium, a library); the message says what."""

    code = ErrorCode.UNAVAILABLE


@dataclass(frozen=True)
class Pdf:
    content: bytes
    pages: int


# ---- requirements ---------------------------------------------------------------------------------------

@functools.cache
def cjk_font_file() -> str | None:
    """The file of Noto Sans CJK SC as fontconfig (the lookup WeasyPrint uses) finds it, else None."""
    if shutil.which("fc-list"):
        try:
            found = subprocess.run(["fc-list", f":family={CJK_FAMILY}", "file"],  # noqa: S603, S607 - fixed command
                                   capture_output=True, text=True, timeout=20, check=False).stdout.split()
        except (OSError, subprocess.SubprocessError):
            found = []
        return found[0].rstrip(":") if found else None
    for pattern in FONT_GLOBS:
        if files := glob.glob(pattern, recursive=True):
            return files[0]
    return None


@functools.cache
def chromium_path() -> str | None:
    """The browser kaleido drives: REPORTS_CHROMIUM or BROWSER_PATH when set, else Debian's chromium."""
    configured = getattr(settings, "REPORTS_CHROMIUM", "") or os.environ.get("BROWSER_PATH", "")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    for candidate in CHROMIUM_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


def missing_requirements() -> list[str]:
    """What this machine lacks to build a report, each as a sentence for the user; empty when all is there."""
    missing = []
    if cjk_font_file() is None:
        missing.append(_("The Chinese font “Noto Sans CJK SC” is not installed (Debian package fonts-noto-cjk): "
                         "without it the Chinese text would print as empty boxes."))
    if chromium_path() is None:
        missing.append(_("Chromium is not installed (Debian package chromium): it is needed to draw the charts."))
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as error:
        missing.append(_("WeasyPrint cannot start (%(error)s): install the Debian packages libpango-1.0-0, "
                         "libpangoft2-1.0-0 and libharfbuzz-subset0.") % {"error": error})
    return missing


def check_requirements() -> None:
    missing = missing_requirements()
    if missing:
        raise ReportUnavailable(sentences(_("The PDF cannot be built on this server."), *missing))


# ---- charts ---------------------------------------------------------------------------------------------

_kaleido_lock = threading.Lock()
_export_lock = threading.Lock()


def _kaleido_server() -> None:
    """Start the process's kaleido server on first use, and again when its thread has died."""
    import kaleido

    with _kaleido_lock:
        server = kaleido._global_server
        thread = getattr(server, "_thread", None)
        if server.is_running() and (thread is None or not thread.is_alive()):
            kaleido.stop_sync_server(silence_warnings=True)
        if not server.is_running():
            path = chromium_path()
            if path is None:
                raise ReportUnavailable(_("Chromium is not installed (Debian package chromium): it is needed to "
                                          "draw the charts."))
            for name in ("choreographer", "kaleido", "logistro"):  # their INFO lines are noise in a worker's log
                logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger(name).level))
            kaleido.start_sync_server(path=path, mathjax=False, silence_warnings=True)


class _Export(TypedDict, total=False):
    """What the export thread of `figure_svg` hands back: the SVG, or the error that stopped it."""

    svg: str | bytes
    error: BaseException


def figure_svg(figure: go.Figure, *, width: int, height: int) -> str:
    """The figure as SVG markup, in the report's font, sized `width` × `height` CSS pixels."""
    figure.update_layout(font_family=CJK_FAMILY, width=width, height=height,
                         paper_bgcolor="white", plot_bgcolor="white")
    figure.layout.title.font.family = CJK_FAMILY
    import kaleido

    _kaleido_server()
    outcome: _Export = {}

    def export() -> None:
        try:
            outcome["svg"] = kaleido.calc_fig_sync(figure, opts={"format": "svg", "width": width, "height": height})
        except BaseException as error:  # handed back to the caller below
            outcome["error"] = error

    # One export at a time per process: the server answers through one shared queue.
    if not _export_lock.acquire(timeout=EXPORT_TIMEOUT):
        raise ReportUnavailable(_("The chart export did not answer within %(seconds)s s (Chromium).")
                                % {"seconds": EXPORT_TIMEOUT})
    try:
        worker = threading.Thread(target=export, name="report-chart-export", daemon=True)
        worker.start()
        worker.join(EXPORT_TIMEOUT)
    finally:
        _export_lock.release()
    if worker.is_alive():
        # The server is stuck; forget it, so that the next export starts a fresh one.
        kaleido._global_server._initialized = False
        raise ReportUnavailable(_("The chart export did not answer within %(seconds)s s (Chromium).")
                                % {"seconds": EXPORT_TIMEOUT})
    if "error" in outcome:
        raise outcome["error"]
    svg = outcome["svg"]
    svg = svg.decode("utf-8") if isinstance(svg, bytes) else svg
    if svg.startswith("<?xml"):
        svg = svg[svg.index("?>") + 2:]
    return svg.strip()


def svg_data_uri(svg: str) -> str:
    """An SVG as a data: URI for <img src>. WeasyPrint draws it with its SVG renderer, about twice as fast as the
    same SVG inline in the HTML (whose style attributes also go through the HTML's CSS, with a warning for
    every SVG-only property)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


# ---- pages ----------------------------------------------------------------------------------------------

def css_string(text: object) -> str:
    """`text` as a quoted CSS string, safe inside a <style> element."""
    escaped = (str(text).replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ").replace(">", "\\3e ")
               .replace("\n", "\\a "))
    return mark_safe(f'"{escaped}"')  # noqa: S308 - escaped for CSS just above


def page_counter_css() -> str:
    """CSS `content` of the page numbers, in the active language: "Page " counter(page) " of " counter(pages)."""
    parts = re.split(r"(%\(page\)s|%\(pages\)s)", _("Page %(page)s of %(pages)s"))
    counters = {"%(page)s": "counter(page)", "%(pages)s": "counter(pages)"}
    return mark_safe(" ".join(counters.get(part) or css_string(part) for part in parts if part))  # noqa: S308


def print_context(*, top_left: str, top_right: str, bottom_right: str = "", bottom_left: str = ""
                  ) -> dict[str, object]:
    """What templates/reports/pdf/base.html needs for its running headers and footers and its font."""
    return {"font_stack": mark_safe(FONT_STACK), "css": {  # noqa: S308 - a constant
        "top_left": css_string(top_left), "top_right": css_string(top_right),
        "bottom_left": css_string(bottom_left), "bottom_right": css_string(bottom_right),
        "page_counter": page_counter_css()}}


# ---- PDF ----------------------------------------------------------------------------------------------

def html_to_pdf(html: str) -> Pdf:
    """Lay out the HTML (print CSS included) and return the PDF with its number of pages."""
    from weasyprint import HTML

    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)  # six INFO lines a PDF, in a worker's log
    document = HTML(string=html, base_url=str(settings.BASE_DIR)).render()
    return Pdf(content=document.write_pdf(), pages=len(document.pages))
