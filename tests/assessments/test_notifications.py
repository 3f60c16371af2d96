"""Notifications: who hears of a workflow step, the list page, the unread count in the header, marking read."""

import re
from urllib.parse import quote

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from assessments.context_processors import notifications as notifications_context
from assessments.models import Notification, Person, RoleAssignment
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


def _written(user, text, submission=None):
    """A notification as made before messages were told in the reader's language: its text as stored."""
    return Notification.objects.create(user=user, submission=submission, kind=Notification.Kind.TEXT, written=text)


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
    assert mailoutbox[0].body.startswith(notification.message)
    assert f"http://127.0.0.1:8000/submissions/{filled.pk}/" in mailoutbox[0].body

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
    mine = [_written(people["reviewer"], f"第{i}条", filled) for i in range(3)]
    theirs = _written(people["officer"], "别人的", filled)
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
        _written(people["reviewer"], f"第{i}条", filled)
    theirs = _written(people["officer"], "别人的", filled)
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
    notification = _written(people["reviewer"], "一条", filled)
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
    _written(people["reviewer"], "一")
    _written(people["reviewer"], "二")
    _written(people["officer"], "别人的")
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


# --- Told in the reader's language ------------------------------------------------------------------------------


def _returned_with_comments(submission, people):
    submission_transition(submission=submission, action="submit", actor=people["officer"])
    submission_transition(submission=submission, action="sign_off", actor=people["reviewer"])
    return submission_transition(submission=submission, action="return", actor=people["analyst"], comment="请核实",
                                 indicator_comments={"RS05": "口径不符", "RS01": "请补充说明"})


def test_the_same_notification_reads_in_each_readers_language(client, filled, people):
    submission_transition(submission=filled, action="submit", actor=people["officer"])
    notification = Notification.objects.get()
    assert (notification.kind, notification.facts["action"], notification.written) == ("transition", "submit", "")
    client.force_login(people["reviewer"])
    assert "杭州市2026年度：officer已提交城市签核。" in _page(client)
    english = client.get(reverse("notifications"), headers={"accept-language": "en"}).content.decode()
    assert "Hangzhou 2026: Submit for city sign-off by officer." in english
    assert "杭州" not in english


def test_notifications_made_before_keep_their_text_in_every_language(client, filled, people):
    _written(people["reviewer"], "杭州市 2026 年度：officer 已提交城市签核。", filled)
    client.force_login(people["reviewer"])
    english = client.get(reverse("notifications"), headers={"accept-language": "en"}).content.decode()
    assert "杭州市 2026 年度：officer 已提交城市签核。" in english


def test_a_return_lists_the_commented_indicators_with_links_to_their_rows(client, filled, people, framework):
    _returned_with_comments(filled, people)
    notification = Notification.objects.get(user=people["officer"])
    names = dict(framework.indicators.filter(code__in=["RS01", "RS05"]).values_list("code", "name_zh"))
    assert notification.indicators == [("RS01", names["RS01"]), ("RS05", names["RS05"])]
    assert "请核实" in notification.message
    client.force_login(people["officer"])
    html = _page(client)
    link = reverse("submission", args=[filled.pk])
    assert f'<a href="{link}#row-RS01">RS01 {names["RS01"]}</a>' in html
    assert f'<a href="{link}#row-RS05">RS05 {names["RS05"]}</a>' in html
    assert html.index("#row-RS01") < html.index("#row-RS05")


def test_emails_are_in_each_recipients_language_and_link_to_the_commented_rows(
        filled, people, framework, mailoutbox, settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://smartgov.example.gov.cn"
    Person.objects.update_or_create(user=people["officer"], defaults={"language": "en"})
    with django_capture_on_commit_callbacks(execute=True):
        _returned_with_comments(filled, people)
    mails = {m.to[0]: m for m in mailoutbox}
    link = f"https://smartgov.example.gov.cn{reverse('submission', args=[filled.pk])}"
    english, chinese = mails["officer@example.gov.cn"], mails["reviewer@example.gov.cn"]
    rs01 = framework.indicators.get(code="RS01")
    assert english.subject == "SmartGov: Hangzhou 2026"
    assert english.body.startswith("Hangzhou 2026: Return to the city by analyst. Reason: 请核实\n")
    assert (f"The indicators commented on:\n- RS01 {rs01.name_en}\n  {link}#row-RS01\n- RS05 " in english.body)
    assert english.body.endswith(f"\nOpen the submission:\n{link}\n")
    assert chinese.subject == "智慧政府评估：杭州市2026年度"
    assert chinese.body.startswith("杭州市2026年度：analyst已退回城市。理由：请核实\n")
    assert f"有审核意见的指标：\n- RS01 {rs01.name_zh}\n  {link}#row-RS01\n" in chinese.body
    assert f"{link}#row-RS05" in chinese.body


def test_one_email_per_address_in_the_language_of_the_first_recipient(filled, people, mailoutbox,
                                                                       django_capture_on_commit_callbacks):
    people["reviewer"].email = people["officer"].email
    people["reviewer"].save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        _returned_with_comments(filled, people)
    assert [m.to for m in mailoutbox if "Return" in m.body or "退回" in m.body] == [["officer@example.gov.cn"]]


def test_campaign_notifications_are_told_from_their_facts(cycle, people):
    extended = Notification.objects.create(
        user=people["officer"], submission=cycle.submissions.create(region=people["officer"].roles.get().region),
        cycle=cycle, kind=Notification.Kind.DEADLINE_EXTENDED, facts={"until": "2026-12-31", "reason": "系统迁移"})
    revised = Notification.objects.create(user=people["analyst"], cycle=cycle, kind=Notification.Kind.RESULTS_PUBLISHED,
                                          facts={"version": 2, "reason": "更正宁波市数据"})
    extended = Notification.objects.select_related("submission__region", "cycle__framework").get(pk=extended.pk)
    assert extended.message == "杭州市2026年度：截止日期已延至2026年12月31日。理由：系统迁移"
    assert revised.message == f"{cycle}的结果已修订（第2版）。理由：更正宁波市数据"
    with translation.override("en"):
        assert extended.message == "Hangzhou 2026: the deadline is extended to Dec. 31, 2026. Reason: 系统迁移"
        assert revised.message == f"The results of {cycle} are revised (version 2). Reason: 更正宁波市数据"


def test_the_list_runs_the_same_number_of_queries_for_2_and_30_notifications(client, filled, people,
                                                                             django_assert_max_num_queries):
    def made(count):
        for i in range(count):
            Notification.objects.create(user=people["reviewer"], submission=filled, cycle=filled.cycle,
                                        kind=Notification.Kind.TRANSITION,
                                        facts={"action": "return", "by": "王", "comment": f"第{i}次",
                                               "indicators": [["RS01", "甲", "A"]]})
            Notification.objects.create(user=people["reviewer"], cycle=filled.cycle,
                                        kind=Notification.Kind.RESULTS_PUBLISHED, facts={"version": 1, "reason": ""})

    client.force_login(people["reviewer"])
    made(1)
    with django_assert_max_num_queries(20) as few:
        _page(client)
    made(14)
    with django_assert_max_num_queries(20) as many:
        assert _page(client).count("#row-RS01") == 15
    assert len(many.captured_queries) == len(few.captured_queries)
