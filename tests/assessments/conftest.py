"""Fixtures of the campaign's tests (lifecycle, participants, publication, pages, permissions)."""

import pytest

from tests.assessments.campaign_cast import campaign_actors


@pytest.fixture
def actors(regions, people):
    """Who tries each campaign step, by name (see `campaign_cast.ACTORS`)."""
    return campaign_actors(regions)


@pytest.fixture
def quick_scores(settings):
    """Score runs with 16 base samples of the sensitivity analysis instead of the setting's: the ranks' intervals
    are not under test."""
    settings.SCORE_SENSITIVITY_SAMPLES = 16
