"""The cyclic garbage collector is off while WeasyPrint lays out a PDF (`reports.pdf.html_to_pdf`), and back as
it was afterwards — after the last of concurrent layouts, and never turned on when it was off."""

import gc
import threading

import pytest

from reports import pdf


@pytest.fixture(autouse=True)
def _collector_restored():
    was = gc.isenabled()
    yield
    (gc.enable if was else gc.disable)()


def test_the_collector_is_off_during_the_layout_and_on_after_it(monkeypatch):
    seen = []
    monkeypatch.setattr(pdf, "_laid_out", lambda html: seen.append(gc.isenabled()) or pdf.Pdf(b"%PDF", 1))
    gc.enable()

    assert pdf.html_to_pdf("<p>智慧政务</p>") == pdf.Pdf(b"%PDF", 1)
    assert seen == [False]
    assert gc.isenabled()


def test_the_collector_is_back_after_a_layout_that_failed(monkeypatch):
    def broken(html):
        raise ValueError("bad HTML")

    monkeypatch.setattr(pdf, "_laid_out", broken)
    gc.enable()

    with pytest.raises(ValueError, match="bad HTML"):
        pdf.html_to_pdf("<p>")
    assert gc.isenabled()


def test_concurrent_layouts_turn_the_collector_back_on_after_the_last_one():
    gc.enable()
    first_in, second_done = threading.Event(), threading.Event()
    states = {}

    def first():
        with pdf._collector_paused():
            first_in.set()
            second_done.wait(10)
            states["first, after the second"] = gc.isenabled()

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(10)
    with pdf._collector_paused():
        pass
    states["between"] = gc.isenabled()
    second_done.set()
    thread.join(10)

    assert states == {"between": False, "first, after the second": False}
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    with pdf._collector_paused():
        pass
    assert not gc.isenabled()
