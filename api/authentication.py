"""`Authorization: Bearer <secret>`: the token is found by its prefix, its hash compared in constant time."""

from __future__ import annotations

import hmac
from datetime import timedelta
from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .models import ApiToken
from .services import token_hash

if TYPE_CHECKING:  # not at run time: DRF's settings import this module while rest_framework.request loads
    from rest_framework.request import Request

LAST_USED_EVERY = timedelta(minutes=1)
"""`last_used_at` is written at most once a minute per token, so that reads stay reads."""


class TokenRevoked(exceptions.AuthenticationFailed):
    default_detail = _("This API token has been revoked.")
    default_code = "token_revoked"


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Give the token as “Authorization: Bearer <token>”."))
        try:
            secret = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("The API token is not valid.")) from None
        return self.authenticate_secret(secret)

    def authenticate_secret(self, secret: str) -> tuple[User, ApiToken]:
        digest = token_hash(secret)
        candidates = ApiToken.objects.select_related("user").filter(key_prefix=secret[:8])
        token = next((t for t in candidates if hmac.compare_digest(t.key_hash, digest)), None)
        if token is None:
            raise exceptions.AuthenticationFailed(_("The API token is not valid."))
        if token.revoked_at is not None:
            raise TokenRevoked()
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("The account of this API token is disabled."))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'
