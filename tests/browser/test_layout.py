"""The dashboards and the reports page laid out in Chromium, in both languages, on a 1366 px desktop and a 390 px
phone: the page never scrolls sideways; on the desktop every table fits its box; on the phone a table wider than
its box scrolls inside a box that shows it can (a shadow on the hidden side, focusable for the keyboard); every
chart label lies inside its chart; a label on several lines breaks between words (English) or characters
(Chinese), never inside a word or a number."""

import itertools
import re

import pytest

from assessments.models import Cycle, Region
from assessments.services import cycle_scores_compute, cycle_scores_request
from indicators.models import Dimension, Indicator, MaturityBand
from reports.models import Report
from reports.services import batch_request
from tests.browser.pages import login, screenshot
from tests.factories import approved_cycle, many_cities

pytestmark = pytest.mark.django_db(transaction=True)

WORD = re.compile(r"[A-Za-z0-9]+")
"""A word, a number or a code: what a line must not break inside."""
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}

LAYOUT = """() => {
  const width = document.documentElement.clientWidth;
  const scrolling = [...document.querySelectorAll("body *")].filter((box) => {
    const overflow = getComputedStyle(box).overflowX;
    return ["auto", "scroll"].includes(overflow) && box.scrollWidth > box.clientWidth + 1;
  }).map((box) => ({
    what: `${box.tagName.toLowerCase()}.${[...box.classList].join(".")}#${box.id}`,
    boxed: box.classList.contains("table-scroll"),
    cue: getComputedStyle(box).backgroundImage.includes("radial-gradient"),
    focusable: box.tabIndex === 0,
  }));
  return {page: document.documentElement.scrollWidth, width, scrolling};
}"""

LABELS = """() => [...document.querySelectorAll(".js-plotly-plot .main-svg")].flatMap((svg) => {
  const frame = svg.getBoundingClientRect();
  const chart = svg.closest(".plotly-graph-div").id;
  return [...svg.querySelectorAll("text")].filter((text) => text.textContent.trim()).map((text) => {
    const box = text.getBoundingClientRect();
    const lines = [...text.querySelectorAll("tspan.line")].map((line) => line.textContent);
    return {chart, text: text.textContent, lines,
            outside: box.width > 0 && (box.left < frame.left - 2 || box.right > frame.right + 2
                                       || box.top < frame.top - 2 || box.bottom > frame.bottom + 2)};
  });
})"""


def _run(cycle):
    cycle_scores_compute(run_id=cycle_scores_request(cycle=cycle, enqueue=False).pk)
    return cycle


@pytest.fixture
def scored(framework, regions, people):
    """Ten cities of Zhejiang and four of Jiangsu in two scored cycles; reports of the analyst's to list."""
    cities = many_cities(10, regions["zhejiang"]) + many_cities(4, regions["jiangsu"])
    _run(approved_cycle(framework, cities, 2025, seed=1))
    cycle = Cycle.objects.get(pk=_run(approved_cycle(framework, cities, 2026, seed=2)).pk)
    analyst = people["analyst"]
    Report.objects.create(cycle=cycle, region=regions["zhejiang"], kind=Report.Kind.PROVINCE, requested_by=analyst,
                          status=Report.Status.SUCCEEDED, progress=100, pages=6, size=180_000,
                          file="reports/2026/330000/province.pdf")
    Report.objects.create(cycle=cycle, region=regions["hangzhou"], language="en", requested_by=analyst,
                          status=Report.Status.FAILED, error="The chart export did not answer within 60 s (Chromium).")
    batch_request(cycle=cycle, province=regions["zhejiang"], actor=analyst, enqueue=False)
    return cycle


def _words(framework):
    """Every word a chart label of the cycle may hold: the runs of Latin letters and digits in the names of
    dimensions, indicators, levels and regions in both languages, and the codes."""
    names = [*Dimension.objects.filter(framework=framework).values_list("name_en", "name_zh", "code"),
             *Indicator.objects.filter(framework=framework).values_list("name_en", "name_zh", "code"),
             *MaturityBand.objects.filter(framework=framework).values_list("label_en", "label_zh", "level"),
             *Region.objects.values_list("name_en", "name_zh"), ("Index", "L1 L2 L3 L4 L5")]
    return {word.lower() for texts in names for text in texts for word in WORD.findall(str(text))}


def _open(new_page, live_server, language, viewport, username):
    page = new_page(viewport=viewport, locale="en-GB" if language == "en" else "zh-CN")
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    login(page, username)
    return page


def _visit(page, path):
    page.goto(f"{page.base_url}{path}")
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts.ready.then(() => true)")
    page.wait_for_function("document.querySelectorAll('script.js-chart').length"
                           " === document.querySelectorAll('.js-plotly-plot').length")


def _check_layout(page, name, viewport):
    layout = page.evaluate(LAYOUT)
    assert layout["page"] <= layout["width"], f"{name}: the page is {layout['page']} px wide in {layout['width']}"
    if viewport["width"] >= DESKTOP["width"]:
        assert layout["scrolling"] == [], f"{name}: does not fit at {viewport['width']} px: {layout['scrolling']}"
    for box in layout["scrolling"]:  # each a .table-scroll, with its shadows, that the keyboard can scroll
        assert box["boxed"], f"{name}: scrolls inside a box that is no .table-scroll: {box}"
        assert box["cue"], f"{name}: scrolls without showing it: {box}"
        assert box["focusable"], f"{name}: scrolls but the keyboard cannot reach it: {box}"


def _check_labels(page, name, words):
    labels = page.evaluate(LABELS)
    assert labels, f"{name}: no chart drawn"
    cut = [(label["chart"], label["text"]) for label in labels if label["outside"]]
    assert not cut, f"{name}: chart labels cut at the edge: {cut}"
    for label in labels:
        for before, after in itertools.pairwise(label["lines"]):
            ends = [match.group().lower() for match in (re.search(f"{WORD.pattern}$", before),
                                                          re.match(WORD.pattern, after)) if match]
            split = [end for end in ends if end not in words]
            assert not split, f"{name}: {label['chart']} breaks “{label['text']}” inside a word: {label['lines']}"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366px", "390px"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_dashboards_and_the_reports_page_fit_the_screen(new_page, live_server, scored, language, viewport):
    words = _words(scored.framework)
    pages = {
        "admin": {"overview-all": "/dashboards/"},
        "analyst": {"overview-province": "/dashboards/", "city": "/dashboards/cities/330100/",
                    "compare": "/dashboards/compare/?cities=330100,330200,330300", "reports": "/reports/"},
    }
    for username, paths in pages.items():
        page = _open(new_page, live_server, language, viewport, username)
        for name, path in paths.items():
            _visit(page, path)
            screenshot(page, f"layout-{name}-{language}-{viewport['width']}")
            _check_layout(page, name, viewport)
            if name != "reports":
                _check_labels(page, name, words)
