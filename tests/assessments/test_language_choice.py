"""The language chosen is kept: a cookie for a year (not only until the browser closes), and in a signed-in
person's profile, which a login on a browser without the cookie (another device) brings back."""

import pytest
from django.conf import settings

from assessments.models import Person

pytestmark = pytest.mark.django_db


def test_the_choice_is_kept_for_a_year_and_in_the_profile(client, officer):
    client.force_login(officer)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert (cookie.value, cookie["max-age"]) == ("en", 365 * 24 * 3600)
    assert Person.objects.get(user=officer).language == "en"


def test_a_login_on_a_browser_without_the_cookie_brings_the_profiles_language_back(client, officer):
    Person.objects.update_or_create(user=officer, defaults={"language": "en"})
    officer.set_password("a-long-passphrase-1")
    officer.save()
    response = client.post("/accounts/login/", {"username": officer.username, "password": "a-long-passphrase-1"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert client.get("/")["Content-Language"] == "en"


def test_a_login_with_a_language_cookie_keeps_it(client, officer):
    Person.objects.update_or_create(user=officer, defaults={"language": "en"})
    officer.set_password("a-long-passphrase-1")
    officer.save()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    response = client.post("/accounts/login/", {"username": officer.username, "password": "a-long-passphrase-1"})
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert client.get("/")["Content-Language"] == "zh-hans"


def test_an_anonymous_choice_sets_the_cookie_only(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert not Person.objects.filter(language="en").exists()


def test_an_unknown_language_changes_nothing(client, officer):
    client.force_login(officer)
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert not Person.objects.filter(user=officer, language__gt="").exists()
