"""Requests per token (or per user, for the browsable API), at the rate of the setting API_THROTTLE_RATE.

The counts live in the default cache (Redis in production). When that cache fails, throttling goes on in the
worker process's own memory (each process counting alone, so a client may get up to the rate per process) and a
warning is logged: the API never answers 500 because its rate limiter's cache is down. The cache is asked again
after RETRY_CACHE_SECONDS, so that an outage does not cost every request a failed connection.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache as default_cache
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.locmem import LocMemCache
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken

if TYPE_CHECKING:  # not at run time: DRF's settings import this module while rest_framework.views loads
    from rest_framework.request import Request
    from rest_framework.views import APIView


logger = logging.getLogger(__name__)

WARN_EVERY_SECONDS = 60
RETRY_CACHE_SECONDS = 30


class FallbackCache(BaseCache):
    """The default cache, or this process's memory while the default cache raises (a warning at most once a
    minute per process, so that an outage does not flood the logs). Only what the throttle uses: get and set."""

    def __init__(self) -> None:
        super().__init__({})
        self.local = LocMemCache("smartgov-api-throttle", {"OPTIONS": {"MAX_ENTRIES": 10000}})
        self.warned_at = 0.0
        self.down_until = 0.0

    def _down(self) -> bool:
        return time.monotonic() < self.down_until

    def _fallback(self, operation: str, error: Exception) -> None:
        now = time.monotonic()
        self.down_until = now + RETRY_CACHE_SECONDS
        if now - self.warned_at >= WARN_EVERY_SECONDS or not self.warned_at:
            self.warned_at = now
            logger.warning("API throttle: the cache failed on %s (%s: %s); counting in this process's memory "
                           "until it answers again", operation, type(error).__name__, error)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        if self._down():
            return self.local.get(key, default, version)
        try:
            return default_cache.get(key, default, version)
        except Exception as error:  # any failure of the backend: Redis down, a timeout, a refused login
            self._fallback("get", error)
            return self.local.get(key, default, version)

    def set(self, key: Any, value: Any, timeout: float | None = DEFAULT_TIMEOUT,
            version: int | None = None) -> None:
        if self._down():
            self.local.set(key, value, timeout, version)
            return
        try:
            default_cache.set(key, value, timeout, version)
        except Exception as error:  # any failure of the backend: Redis down, a timeout, a refused login
            self._fallback("set", error)
            self.local.set(key, value, timeout, version)


class TokenRateThrottle(SimpleRateThrottle):
    scope = "api"
    cache = FallbackCache()

    def get_rate(self) -> str:
        rate: str = settings.API_THROTTLE_RATE
        return rate

    def get_cache_key(self, request: Request, view: APIView) -> str:
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"anon-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
