"""Fixtures of the campaign's tests (lifecycle, participants, publication, pages, permissions)."""

import pytest
from django.utils import translation

from tests.assessments.campaign_cast import campaign_actors


@pytest.fixture
def actors(regions, people):
    """Who tries each campaign step, by name (see `campaign_cast.ACTORS`)."""
    return campaign_actors(regions)


@pytest.fixture
def quick_scores(settings):
    """Score runs with 50 uncertainty draws instead of the setting's: the ranks' intervals are not under test."""
    settings.SCORE_UNCERTAINTY_DRAWS = 50


@pytest.fixture
def english(settings):
    """Messages in English, for tests that read them (the default language is Simplified Chinese): the default
    for requests, and the active language for services called directly."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
