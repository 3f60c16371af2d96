"""Login, logout, password change, and the limit on failed logins (django-axes)."""

import pytest

from audit.models import Action, AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(db):
    return UserFactory(username="zhang", password="a-long-passphrase-1")


def _login(client, password):
    return client.post("/accounts/login/", {"username": "zhang", "password": password}, REMOTE_ADDR="10.0.0.8")


def test_login_and_logout(client, user):
    assert _login(client, "a-long-passphrase-1").status_code == 302
    assert client.get("/").context["user"] == user
    client.post("/accounts/logout/")
    assert not client.get("/").context["user"].is_authenticated


def test_a_wrong_password_says_so_in_chinese(client, user):
    response = _login(client, "wrong")
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def test_five_failures_lock_the_account_even_for_the_right_password(client, user):
    for _ in range(5):
        _login(client, "wrong")
    response = _login(client, "a-long-passphrase-1")
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()


def test_password_change(client, user):
    client.force_login(user)
    response = client.post("/accounts/password_change/", {
        "old_password": "a-long-passphrase-1", "new_password1": "another-long-one-2",
        "new_password2": "another-long-one-2"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("another-long-one-2")
    assert client.get("/").context["user"] == user  # still logged in
    event = AuditEvent.objects.get(action=Action.PERSON_CHANGED)
    assert (event.actor, event.new) == (user, {"password": "set"})


def test_a_wrong_password_is_said_once(client, officer):
    page = client.post("/accounts/login/", {"username": officer.username, "password": "not-the-password"})
    text = page.content.decode()
    assert page.status_code == 200
    assert text.count("errorlist nonfield") == 1
