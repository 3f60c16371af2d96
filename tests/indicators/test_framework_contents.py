"""A published framework's contents are read once per process; a draft's every time."""

import copy

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from indicators.models import Framework
from indicators.published import framework_contents
from indicators.services import framework_import, framework_new_version, framework_publish

pytestmark = pytest.mark.django_db


def _queries(call):
    with CaptureQueriesContext(connection) as queries:
        result = call()
    return result, len(queries)


def test_the_contents_are_the_frameworks_in_form_order(framework):
    contents = framework_contents(framework)
    expected = list(framework.indicators.order_by("dimension__order", "order").values_list("code", flat=True))
    assert [indicator.code for indicator in contents.indicators] == expected
    assert [dimension.code for dimension, _members in contents.dimensions] == ["RS", "MP", "SC", "PS"]
    assert all(indicator.dimension.code == dimension.code
               for dimension, members in contents.dimensions for indicator in members)
    assert sorted(contents.by_code) == sorted(expected)
    assert [rule.code for rule in contents.rules] == list(framework.rules.order_by("order")
                                                         .values_list("code", flat=True))
    assert contents.rules, "the default framework has cross-indicator rules"


def test_a_published_framework_is_read_once(framework):
    first, read = _queries(lambda: framework_contents(framework))
    same = Framework.objects.get(pk=framework.pk)
    again, kept = _queries(lambda: framework_contents(same))
    assert (read, kept) == (3, 0)
    assert again is first


def test_a_draft_is_read_every_time_and_its_changes_are_seen(framework):
    draft = framework_new_version(framework=framework, actor=None)
    assert draft.status == Framework.Status.DRAFT
    before = framework_contents(draft)
    draft.indicators.filter(code="RS01").update(name_zh="改过的名称")
    after, read = _queries(lambda: framework_contents(draft))
    assert read == 3
    assert before.by_code["RS01"].name_zh != "改过的名称"
    assert after.by_code["RS01"].name_zh == "改过的名称"


def test_publishing_a_draft_once_read_gives_what_was_published(framework, default_document):
    document = copy.deepcopy(default_document)
    document["version"] = 99
    draft = framework_import(document=document).framework
    framework_contents(draft)
    draft.indicators.filter(code="RS01").update(name_zh="发布前改名")
    published = framework_publish(framework=draft)
    assert framework_contents(published).by_code["RS01"].name_zh == "发布前改名"


def test_another_framework_under_the_same_id_is_not_mistaken_for_the_kept_one(framework):
    """A restored database may give a kept framework's id to another one: it is published at another time."""
    framework_contents(framework)
    stand_in = Framework.objects.get(pk=framework.pk)
    stand_in.published_at = framework.published_at.replace(year=framework.published_at.year - 1)
    _contents, read = _queries(lambda: framework_contents(stand_in))
    assert read == 3
