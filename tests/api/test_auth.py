"""Bearer tokens: found by prefix, compared by hash, refused once revoked; throttled per token."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.utils import timezone

from api.models import ApiToken
from api.services import token_hash, token_revoke
from tests.api.clients import client_for, user_with_token

pytestmark = pytest.mark.django_db


def test_it_refuses_a_request_without_a_token(regions):
    response = client_for().get("/api/v1/regions/")
    assert response.status_code == 401
    assert response.json() == {"code": "not_authenticated", "message": "Authentication credentials were not "
                                                                       "provided.", "fields": {}}
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_it_refuses_an_unknown_token(zhejiang_aggregator):
    response = client_for("x" * 43).get("/api/v1/regions/")
    assert (response.status_code, response.json()) == (401, {"code": "authentication_failed",
                                                             "message": "The API token is not valid.", "fields": {}})


def test_it_refuses_a_token_whose_secret_only_shares_the_prefix(zhejiang_aggregator):
    _user, _token, secret = zhejiang_aggregator
    response = client_for(secret[:8] + "A" * 35).get("/api/v1/regions/")
    assert response.status_code == 401


def test_it_refuses_a_revoked_token(zhejiang_aggregator, admin_user):
    _user, token, secret = zhejiang_aggregator
    client = client_for(secret)
    assert client.get("/api/v1/regions/").status_code == 200
    token_revoke(token=token, actor=admin_user)
    response = client.get("/api/v1/regions/")
    assert (response.status_code, response.json()) == (401, {"code": "token_revoked",
                                                             "message": "This API token has been revoked.",
                                                             "fields": {}})
    token.refresh_from_db()
    assert token.revoked_by == admin_user
    assert token.revoked_at is not None


def test_it_refuses_the_token_of_a_disabled_account(zhejiang_aggregator):
    user, _token, secret = zhejiang_aggregator
    user.is_active = False
    user.save()
    assert client_for(secret).get("/api/v1/regions/").json()["code"] == "authentication_failed"


def test_it_refuses_an_account_without_a_role(db):
    _user, _token, secret = user_with_token("nobody")
    response = client_for(secret).get("/api/v1/regions/")
    assert response.status_code == 403
    assert response.json()["message"] == ("Your account holds no role on any region; ask a platform administrator "
                                          "for one.")


def test_it_stores_only_the_hash_and_records_the_last_use_at_most_once_a_minute(zhejiang_aggregator,
                                                                               django_assert_num_queries):
    _user, token, secret = zhejiang_aggregator
    assert token.key_hash == token_hash(secret)
    assert token.key_prefix == secret[:8]
    assert secret not in str(
        ApiToken.objects.values().get(pk=token.pk))
    client = client_for(secret)
    client.get("/api/v1/cycles/")
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    client.get("/api/v1/cycles/")
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - datetime.timedelta(minutes=2))
    client.get("/api/v1/cycles/")
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first - datetime.timedelta(seconds=1)


def test_it_throttles_per_token_with_the_common_error_format(zhejiang_aggregator, settings, regions):
    settings.API_THROTTLE_RATE = "3/min"
    client = client_for(zhejiang_aggregator[2])
    assert [client.get("/api/v1/regions/").status_code for _ in range(3)] == [200, 200, 200]
    response = client.get("/api/v1/regions/")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 60
    other = client_for(user_with_token("other", "province_analyst", regions["jiangsu"])[2])
    assert other.get("/api/v1/regions/").status_code == 200


def test_it_accepts_the_session_of_a_logged_in_user_for_the_browsable_api(client, zhejiang_aggregator):
    client.force_login(zhejiang_aggregator[0])
    response = client.get("/api/v1/regions/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert b"330100" in response.content


def test_it_creates_a_token_from_the_command_and_prints_the_secret_once(zhejiang_aggregator, capsys):
    call_command("create_api_token", "zj-aggregator", "--name", "浙江省汇聚平台")
    out = capsys.readouterr().out.strip().splitlines()
    token = ApiToken.objects.get(name="浙江省汇聚平台")
    assert token.key_hash == token_hash(out[-1])
    assert out[0].startswith(f"Token “浙江省汇聚平台” ({token.key_prefix}…)")
    assert client_for(out[-1]).get("/api/v1/regions/").status_code == 200


def test_it_creates_a_token_in_the_admin_showing_the_secret_once_and_revokes_it(client, admin_user,
                                                                              zhejiang_aggregator):
    user = zhejiang_aggregator[0]
    client.force_login(admin_user)
    response = client.post("/admin/api/apitoken/add/", {"user": user.pk, "name": "省平台"}, follow=True)
    assert response.status_code == 200
    shown = [str(m) for m in get_messages(response.wsgi_request)] + [response.content.decode()]
    token = ApiToken.objects.get(name="省平台")
    secret = next(word for text in shown for word in text.split() if token_hash(word.strip("<>.")) == token.key_hash)
    assert client_for(secret).get("/api/v1/regions/").status_code == 200
    assert secret not in client.get(f"/admin/api/apitoken/{token.pk}/change/").content.decode()
    client.post("/admin/api/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_by == admin_user
    assert token.revoked_at <= timezone.now()
    assert client_for(secret).get("/api/v1/regions/").status_code == 401
