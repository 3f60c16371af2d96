"""HTML → PDF: plotly charts exported to SVG by kaleido, pages laid out by WeasyPrint in Noto Sans CJK SC.

- Charts: drawn to SVG by kaleido in Debian's Chromium, kept warm in each process (reports.charts), and embedded
  as images (`svg_data_uri`).
- Text: the page CSS names the family "Noto Sans CJK SC" (Debian's fonts-noto-cjk), found through fontconfig,
  and WeasyPrint embeds the subset used. Charts use the same family inside their SVG.
- Before any work the requirements are checked: a missing CJK font (which would print tofu boxes) or a missing
  Chromium fails the report with a message that says what to install, never a crash or an unreadable PDF.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import gc
import glob
import logging
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from smartgov.errors import DomainError, ErrorCode

from .text import sentences

logger = logging.getLogger(__name__)

CJK_FAMILY = "Noto Sans CJK SC"
FONT_STACK = f'"{CJK_FAMILY}", sans-serif'
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
FONT_GLOBS = ("/usr/share/fonts/**/NotoSansCJK-Regular.ttc", "/usr/share/fonts/**/NotoSansCJKsc-Regular.otf",
              "/usr/share/fonts/**/NotoSansSC-Regular.otf")


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

_collector_lock = threading.Lock()
_collector_pauses = 0
_collector_was_enabled = True


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while a PDF is laid out. WeasyPrint allocates hundreds of thousands
    of short-lived objects (boxes, styles, lines), which set off collections, and among them full ones that walk
    the whole heap of a worker (~330,000 objects: Django, plotly, pandas): 0.3 s of a 2 s city report. Its
    objects are freed by reference counting meanwhile; the few cycles it leaves go at the next collection after
    it. Counted, so that concurrent builds (threads) turn the collector back on only after the last one, and
    only if it was on."""
    global _collector_pauses, _collector_was_enabled
    with _collector_lock:
        if _collector_pauses == 0:
            _collector_was_enabled = gc.isenabled()
            gc.disable()
        _collector_pauses += 1
    try:
        yield
    finally:
        with _collector_lock:
            _collector_pauses -= 1
            if _collector_pauses == 0 and _collector_was_enabled:
                gc.enable()


def html_to_pdf(html: str) -> Pdf:
    """Lay out the HTML (print CSS included) and return the PDF with its number of pages."""
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)  # six INFO lines a PDF, in a worker's log
    with _collector_paused():
        return _laid_out(html)  # its document is freed on return, before the collector is back


def _laid_out(html: str) -> Pdf:
    from weasyprint import HTML

    document = HTML(string=html, base_url=str(settings.BASE_DIR)).render()
    return Pdf(content=document.write_pdf(), pages=len(document.pages))
