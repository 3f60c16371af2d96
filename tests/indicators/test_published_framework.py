"""A published framework is immutable: the services refuse, and so does the database."""

import copy

import pytest
from django.db import IntegrityError, transaction

from audit.selectors import events_about
from indicators.models import Dimension, Framework, Indicator, MaturityBand
from indicators.services import (
    FrameworkLocked,
    framework_import,
    framework_new_version,
    framework_publish,
    framework_retire,
)

pytestmark = pytest.mark.django_db


def test_reimporting_a_changed_published_framework_is_refused(framework, default_document):
    changed = copy.deepcopy(default_document)
    changed["dimensions"][0]["indicators"][0]["weight"] = 0.2
    changed["dimensions"][0]["indicators"][1]["weight"] = 0.1
    with pytest.raises(FrameworkLocked, match="请在文件中使用新的版本号"):
        framework_import(document=changed)
    assert Indicator.objects.get(framework=framework, code="RS01").weight == 0.15


def test_the_database_refuses_an_indicator_update(framework):
    with pytest.raises(IntegrityError, match="cannot be edited"), transaction.atomic():
        Indicator.objects.filter(framework=framework, code="RS01").update(weight=0.9)


def test_the_database_refuses_a_new_dimension(framework):
    with pytest.raises(IntegrityError, match="cannot be edited"), transaction.atomic():
        Dimension.objects.create(framework=framework, code="XX", name_zh="新", name_en="New", weight=0)


def test_the_database_refuses_a_band_change(framework):
    with pytest.raises(IntegrityError, match="cannot be edited"), transaction.atomic():
        MaturityBand.objects.filter(framework=framework).update(label_en="Changed")


def test_the_database_refuses_renaming_the_framework(framework):
    with pytest.raises(IntegrityError, match="cannot be edited"), transaction.atomic():
        Framework.objects.filter(pk=framework.pk).update(name_en="Renamed")


def test_the_database_refuses_unpublishing(framework):
    with pytest.raises(IntegrityError, match="cannot be edited"), transaction.atomic():
        Framework.objects.filter(pk=framework.pk).update(status="draft")


def test_a_published_framework_can_be_retired(framework):
    assert framework_retire(framework=framework).status == Framework.Status.RETIRED


def test_publishing_twice_is_refused(framework):
    with pytest.raises(FrameworkLocked, match="只能发布草稿"):
        framework_publish(framework=framework)


def test_a_new_version_is_an_editable_copy(framework):
    draft = framework_new_version(framework=framework)
    assert (draft.version, draft.status) == (2, Framework.Status.DRAFT)
    assert draft.indicators.count() == framework.indicators.count()
    Indicator.objects.filter(framework=draft, code="RS01").update(name_en="Changed in v2")
    assert Indicator.objects.get(framework=framework, code="RS01").name_en != "Changed in v2"


def test_publishing_and_retiring_are_audited(framework):
    framework_retire(framework=framework)
    actions = list(events_about(framework).values_list("action", flat=True))
    assert actions == ["framework_created", "framework_published", "framework_retired"]


def test_the_database_refuses_changing_the_geometric_floor(framework):
    with pytest.raises(IntegrityError, match="cannot be edited"), transaction.atomic():
        Framework.objects.filter(pk=framework.pk).update(geometric_floor=5)
