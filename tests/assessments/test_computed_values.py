"""Values the platform computes — from citizens' responses ("survey") or from a system's records ("records") —
change only when computed again from their own source: not by hand, not by another import; the entry form shows
them read-only."""

import pytest
from django.utils import translation

from assessments.models import IndicatorValue
from assessments.services import Entry, values_save
from assessments.services.submissions import ValuesInvalid
from tests.factories import CycleFactory, SubmissionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def computed(framework_v2, regions, people):
    submission = SubmissionFactory(region=regions["hangzhou"], cycle=CycleFactory(framework=framework_v2,
                                                                                  period=2026))
    values_save(submission=submission, entries={"SC02": Entry(61.5, "由办件库计算：123 / 200")},
                actor=people["analyst"], expected_version=None, source=IndicatorValue.Source.RECORDS)
    submission.refresh_from_db()
    return submission


def test_a_value_from_records_cannot_be_changed_by_hand(computed, people):
    with pytest.raises(ValuesInvalid) as caught, translation.override("en"):
        values_save(submission=computed, entries={"SC02": Entry(90)}, actor=people["officer"],
                    expected_version=computed.version)
    assert caught.value.fields["SC02"][0].startswith(
        "This value is computed from the records of a system and cannot be changed by hand")
    assert computed.values.get(indicator__code="SC02").value == 61.5


def test_another_import_of_records_changes_it_and_another_source_does_not(computed, people):
    values_save(submission=computed, entries={"SC02": Entry(64.0, "again")}, actor=people["analyst"],
                expected_version=None, source=IndicatorValue.Source.RECORDS)
    assert computed.values.get(indicator__code="SC02").value == 64.0
    with pytest.raises(ValuesInvalid):
        values_save(submission=computed, entries={"SC02": Entry(10)}, actor=people["analyst"],
                    expected_version=None, source=IndicatorValue.Source.SURVEY)


def test_the_entry_form_shows_it_read_only(computed, client, people):
    client.force_login(people["officer"])
    page = client.get(f"/submissions/{computed.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    row = page.split('id="row-SC02"')[1].split('id="row-')[0]
    assert "From system records" in row
    assert 'name="value_SC02"' in row
    assert row.split('name="value_SC02"')[1].split(">")[0].rstrip().endswith("disabled")
