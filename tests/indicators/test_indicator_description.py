"""What an indicator is and where its value comes from — class, provenance, control, calibration: read from the
file, stored, exported and served unchanged, refused when misspelt, shown on the entry form; "not declared" in
every framework written before they existed."""

import copy

import pytest

from indicators.framework_file import FrameworkFileError, load_framework_text, parse_framework
from indicators.models import Indicator
from indicators.selectors import framework_document
from indicators.services import framework_import, framework_publish
from tests.factories import CycleFactory, SubmissionFactory

pytestmark = pytest.mark.django_db
DESCRIBED = {"indicator_class": "outcome", "provenance": "system_record", "control": "local",
             "calibration": "好差评 2023 年 7 月通报：满意率 99.79 %"}


def _described(default_document, code="smartgov-described"):
    document = {**copy.deepcopy(default_document), "code": code}
    document["dimensions"][0]["indicators"][0].update(DESCRIBED)
    document["dimensions"][1]["indicators"][0].update(provenance="self_declared", control="vertical")
    return document


def test_the_default_framework_v1_declares_none_of_them(framework, default_document):
    indicator = default_document["dimensions"][0]["indicators"][0]
    assert {key: indicator[key] for key in DESCRIBED} == dict.fromkeys(DESCRIBED)
    assert set(framework.indicators.values_list("indicator_class", "provenance", "control", "calibration")) == {
        (None, None, None, None)}


def test_they_are_stored_and_exported_and_served_as_written(default_document, client, people):
    document = _described(default_document)
    framework = framework_publish(framework=framework_import(document=document).framework)
    stored = Indicator.objects.get(framework=framework, code="RS01")
    assert (stored.indicator_class, stored.provenance, stored.control, stored.calibration) == tuple(
        DESCRIBED.values())
    assert stored.get_provenance_display() == "由业务系统记录计算"
    assert framework_document(framework) == parse_framework(document)
    client.force_login(people["admin"])
    served = client.get(f"/api/v1/frameworks/{framework.code}/1/").json()
    first, other = served["dimensions"][0]["indicators"][0], served["dimensions"][1]["indicators"][0]
    assert {key: first[key] for key in DESCRIBED} == DESCRIBED
    assert (other["provenance"], other["control"], other["indicator_class"], other["calibration"]) == (
        "self_declared", "vertical", None, None)


@pytest.mark.parametrize(("key", "value"), [("provenance", "self-declared"), ("indicator_class", "result"),
                                            ("control", "上级"), ("calibration", "x" * 1001)])
def test_a_value_outside_the_vocabulary_is_refused_where_it_is(default_document, key, value):
    document = _described(default_document)
    document["dimensions"][0]["indicators"][0][key] = value
    with pytest.raises(FrameworkFileError) as caught:
        parse_framework(document)
    assert f"dimensions[0].indicators[0].{key}" in dict(caught.value.errors)


def test_a_blank_calibration_is_not_declared(default_document):
    document = _described(default_document)
    document["dimensions"][0]["indicators"][0]["calibration"] = "   "
    assert parse_framework(document)["dimensions"][0]["indicators"][0]["calibration"] is None


def test_the_yaml_file_reads_them(default_document):
    text = ("format: smartgov-framework/1\ncode: tiny\nversion: 1\nname: {zh: 小}\n"
            "dimensions:\n- code: D\n  name: {zh: 维}\n  weight: 1\n  indicators:\n"
            "  - {code: A, name: {zh: 甲}, definition: {zh: 定义}, source: 来源, weight: 1,\n"
            "     normalisation: {method: minmax_observed}, provenance: third_party, indicator_class: input}\n")
    indicator = load_framework_text(text)["dimensions"][0]["indicators"][0]
    assert (indicator["provenance"], indicator["indicator_class"], indicator["control"]) == (
        "third_party", "input", None)


def test_the_entry_form_says_where_each_value_comes_from(default_document, regions, people, client):
    framework = framework_publish(framework=framework_import(document=_described(default_document)).framework)
    submission = SubmissionFactory(region=regions["hangzhou"], cycle=CycleFactory(framework=framework, period=2026))
    client.force_login(people["officer"])
    page = client.get(f"/submissions/{submission.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    row = page[page.index('id="row-RS01"'):page.index('id="row-RS02"')]
    assert '<span class="badge provenance" title="数据来源">由业务系统记录计算</span>' in row
    assert "自主填报" in page[page.index('id="row-MP01"'):page.index('id="row-MP02"')]
    assert 'class="badge provenance"' not in page[page.index('id="row-RS02"'):page.index('id="row-RS03"')]
