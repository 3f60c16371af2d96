"""Chart labels (`reports.figures`): broken into lines between words in English and between characters in
Chinese, never inside a word, a number or a code, never before a closing punctuation mark."""

import itertools

import pytest

from reports.figures import _wrap


@pytest.mark.parametrize("width", [8, 12, 16, 24, 30])
@pytest.mark.parametrize("label", [
    "RS04 Electronic licence aggregation rate",
    "MP08 Level of integrated urban operation management",
    "SC09 Implementation rate of 'one thing done efficiently' key items",
    "Management precision",
])
def test_an_english_label_breaks_between_words_only(label, width):
    lines = _wrap(label, width).split("<br>")
    assert " ".join(lines) == label
    assert all(len(line) <= width or " " not in line for line in lines)  # only a word longer than a line is


@pytest.mark.parametrize("width", [8, 12, 16, 30])
@pytest.mark.parametrize("label", [
    "PS06 12345热线工单按时办结率",
    "MP08 城市运行“一网统管”协同等级",
    "SC09 “高效办成一件事”重点事项落地率",
    "资源共享度",
])
def test_a_chinese_label_breaks_between_characters_but_not_inside_a_number_or_a_quotation(label, width):
    lines = _wrap(label, width).split("<br>")
    assert "".join(lines).replace(" ", "") == label.replace(" ", "")
    rest = label
    for before, after in itertools.pairwise(lines):
        rest = rest[len(before):]
        at_space = rest.startswith(" ")
        rest = rest.lstrip(" ")
        letters = before[-1].isascii() and before[-1].isalnum() and after[0].isascii() and after[0].isalnum()
        assert at_space or not letters, lines  # "12345" and "PS06" stay whole
        assert after[0] not in "”，。）", lines
        assert before[-1] not in "“（", lines


def test_lines_are_balanced_and_short_labels_stay_whole():
    assert _wrap("资源共享度", 12) == "资源共享度"
    assert _wrap("Management precision", 12) == "Management<br>precision"
    assert _wrap("MP08 城市运行“一网统管”协同等级", 30) == "MP08 城市运行“一<br>网统管”协同等级"
    assert _wrap("", 10) == ""
