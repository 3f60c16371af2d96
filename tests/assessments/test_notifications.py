"""Notifications: who hears of a workflow step, the list page, the unread count in the header, marking read."""

import re
from urllib.parse import quote

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import reverse

from assessments.context_processors import notifications as notifications_context
from assessments.models import Notification, RoleAssignment
from assessments.services import submission_transition
from tests.evidence_files import with_required_evidence
from tests.factories import fill

pytestmark = pytest.mark.django_db
Role = RoleAssignment.Role


@pytest.fixture
def filled(submission):
    return with_required_evidence(fill(submission))


def _unread_badge(html):
    match = re.search(r'id="unread-count"[^>]*>(\d+)<', html)
    return int(match.group(1)) if match else 0


def _page(client):
    return client.get(reverse("notifications")).content.decode()


def test_submitting_notifies_the_city_reviewer_in_the_app_and_by_one_email(
        client, filled, people, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        submission_transition(submission=filled, action="submit", actor=people["officer"])
    notification = Notification.objects.get()
    assert notification.user == people["reviewer"]
    assert notification.submission == filled
    assert "杭州市" in notification.message
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["reviewer@example.gov.cn"]
    assert mailoutbox[0].body == notification.message

    client.force_login(people["reviewer"])
    html = _page(client)
    assert f'id="notification-{notification.pk}"' in html
    assert 'class="unread"' in html
    assert f'href="{reverse("submission", args=[filled.pk])}"' in html
    assert notification.message in html
    assert _unread_badge(html) == 1
    assert _unread_badge(client.get(reverse("home")).content.decode()) == 1


def test_the_actor_and_other_cities_hear_nothing(client, filled, people):
    submission_transition(submission=filled, action="submit", actor=people["officer"])
    for who in ("officer", "analyst", "ningbo_reviewer"):
        client.force_login(people[who])
        html = _page(client)
        assert "notifications-empty" in html
        assert _unread_badge(html) == 0
        assert 'id="notifications-link"' in html


def test_signing_off_notifies_the_province(client, filled, people, mailoutbox,
                                           django_capture_on_commit_callbacks):
    submission_transition(submission=filled, action="submit", actor=people["officer"])
    with django_capture_on_commit_callbacks(execute=True):
        submission_transition(submission=filled, action="sign_off", actor=people["reviewer"])
    signed_off = Notification.objects.get(user=people["analyst"])
    assert signed_off.submission == filled
    assert [m.to for m in mailoutbox] == [["analyst@example.gov.cn"]]
    client.force_login(people["analyst"])
    html = _page(client)
    assert signed_off.message in html
    assert _unread_badge(html) == 1
    assert not Notification.objects.filter(user=people["officer"]).exists()


def test_marking_one_notification_read(client, filled, people):
    mine = [Notification.objects.create(user=people["reviewer"], submission=filled, message=f"第{i}条")
            for i in range(3)]
    theirs = Notification.objects.create(user=people["officer"], submission=filled, message="别人的")
    client.force_login(people["reviewer"])
    response = client.post(reverse("notifications-read"),
                           {"ids": [mine[0].pk, theirs.pk], "next": reverse("notifications")})
    assert response.status_code == 302
    assert response["Location"] == reverse("notifications")
    assert set(Notification.objects.filter(read_at__isnull=False)) == {mine[0]}
    html = _page(client)
    assert _unread_badge(html) == 2
    assert f'<li class="read" id="notification-{mine[0].pk}">' in html
    assert f'<li class="unread" id="notification-{mine[1].pk}">' in html
    assert "别人的" not in html


def test_marking_all_read_touches_only_the_users_own(client, filled, people):
    for i in range(3):
        Notification.objects.create(user=people["reviewer"], submission=filled, message=f"第{i}条")
    theirs = Notification.objects.create(user=people["officer"], submission=filled, message="别人的")
    client.force_login(people["reviewer"])
    response = client.post(reverse("notifications-read"), headers={"referer": "http://testserver/"})
    assert response["Location"] == "http://testserver/"
    assert not Notification.objects.filter(user=people["reviewer"], read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    html = _page(client)
    assert _unread_badge(html) == 0
    assert 'id="mark-all-read"' not in html


def test_marking_read_ignores_bad_ids_and_foreign_redirects(client, filled, people):
    notification = Notification.objects.create(user=people["reviewer"], submission=filled, message="一条")
    client.force_login(people["reviewer"])
    response = client.post(reverse("notifications-read"), {"ids": ["abc", "²", "9" * 30],
                                                           "next": "https://evil.example/"})
    assert response["Location"] == reverse("notifications")
    notification.refresh_from_db()
    assert notification.read_at is None


def test_marking_read_needs_a_post_and_a_login(client, people):
    url = reverse("notifications-read")
    assert client.post(url)["Location"] == f"{reverse('login')}?next={quote(url)}"
    client.force_login(people["reviewer"])
    assert client.get(url).status_code == 405


def test_the_list_needs_a_login(client):
    url = reverse("notifications")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={quote(url)}"


def test_the_unread_count_is_one_query_and_only_for_logged_in_users(people, django_assert_num_queries):
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert notifications_context(request) == {}
    Notification.objects.create(user=people["reviewer"], message="一")
    Notification.objects.create(user=people["reviewer"], message="二")
    Notification.objects.create(user=people["officer"], message="别人的")
    request.user = people["reviewer"]
    with django_assert_num_queries(1) as queries:
        assert str(notifications_context(request)["unread_notifications"]) == "2"
    assert "COUNT" in queries.captured_queries[0]["sql"].upper()


def test_anonymous_pages_show_no_bell(client, db):
    html = client.get(reverse("login")).content.decode()
    assert 'id="notifications-link"' not in html


def test_the_header_links_to_my_work(client, people):
    client.force_login(people["officer"])
    assert f'<a href="{reverse("home")}">' in _page(client)
