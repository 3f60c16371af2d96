"""Writes of the API app: tokens (create, revoke), webhooks (register, notify, deliver one attempt), and the dry
run of a write."""

import hashlib
import hmac
import json
import logging
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import Publication, Region, RegionScore
from assessments.permissions import is_platform_admin, roles_for_region
from audit.models import Action
from audit.services import Actor, audit_record
from outbox.registry import Again
from outbox.services import job_enqueue
from smartgov.errors import Invalid, PermissionRefused

from .models import ApiToken, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)
WEBHOOKS_JOB = "webhooks.deliver"

EVENT_RESULTS_PUBLISHED = "results.published"
"""A cycle's results were published: publication version 1."""
EVENT_RESULTS_REVISED = "results.revised"
"""A cycle's published results were revised: publication version 2 or later, with its reason."""
RETRY_DELAYS = (10, 60, 300, 1800, 7200)
"""Seconds before the 2nd … 6th attempt of a webhook delivery; after the 6th failure it is given up."""
WEBHOOK_TIMEOUT = 10
SIGNATURE_HEADER = "X-SmartGov-Signature"
TIMESTAMP_HEADER = "X-SmartGov-Timestamp"


@contextmanager
def undone(*, dry_run: bool) -> Iterator[None]:
    """With `dry_run`, every write made inside the block is rolled back at its end (a savepoint inside a request's
    transaction): a dry run through the real write path, so that it refuses exactly what the write would and keeps
    nothing — no row, no audit event, no new version. Callbacks set for the commit are dropped with it; a write
    that reaches outside the database otherwise (a mail sent at once, a file stored) must not run inside."""
    if not dry_run:
        yield
        return
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def token_create(*, user: User, name: str, actor: Actor | None = None) -> tuple[ApiToken, str]:
    """A new token for `user`; returns it with its secret, which is not stored and cannot be shown again.
    `actor` is who made it (None: a command on the server)."""
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name.strip()[:100] or _("API token"), key_prefix=secret[:8],
                                    key_hash=token_hash(secret))
    audit_record(actor=actor, action=Action.TOKEN_CREATED, target=token,
                 new={"user": user.get_username(), "name": token.name, "prefix": token.key_prefix})
    return token, secret


@transaction.atomic
def token_rename(*, token: ApiToken, name: str, actor: Actor) -> ApiToken:
    old = ApiToken.objects.values_list("name", flat=True).get(pk=token.pk)
    token.name = name.strip()[:100] or _("API token")
    if token.name != old:
        token.save(update_fields=["name"])
        audit_record(actor=actor, action=Action.TOKEN_RENAMED, target=token, subject="name", old=old,
                     new=token.name)
    return token


@transaction.atomic
def token_revoke(*, token: ApiToken, actor: Actor) -> ApiToken:
    """Refuse the token from now on (kept, with who revoked it and when, for the record)."""
    if token.revoked_at is None:
        token.revoked_at, token.revoked_by = timezone.now(), actor if actor and actor.is_authenticated else None
        token.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(actor=actor, action=Action.TOKEN_REVOKED, target=token, subject="revoked_at",
                     new=token.revoked_at.isoformat())
    return token


WEBHOOK_FIELDS = ("url", "region", "owner", "active")


def webhook_check(*, owner: User, url: str, region: Region, secret: str = "") -> None:
    """Refuse an endpoint the rules do not allow (a bad URL, an owner without a role on the region)."""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as error:
        raise Invalid(" ".join(error.messages), fields={"url": error.messages}) from None
    if not (is_platform_admin(owner) or roles_for_region(owner, region)):
        raise PermissionRefused(_("The owner of a webhook must hold a role for its region."))
    if len(secret) > 100:
        raise Invalid(_("At most 100 characters."), fields={"secret": [_("At most 100 characters.")]})


@transaction.atomic
def webhook_register(*, owner: User, url: str, region: Region, secret: str = "", actor: Actor | None = None
                     ) -> WebhookEndpoint:
    """Register `url` to be notified about `region`; the owner must see the region. A secret is generated
    when none is given."""
    webhook_check(owner=owner, url=url, region=region, secret=secret)
    endpoint = WebhookEndpoint.objects.create(owner=owner, url=url, region=region,
                                              secret=secret or secrets.token_urlsafe(32))
    audit_record(actor=actor, action=Action.WEBHOOK_REGISTERED, target=endpoint, region=region,
                 new=_webhook_facts(endpoint))
    return endpoint


@transaction.atomic
def webhook_update(*, endpoint: WebhookEndpoint, actor: Actor, secret: str = "", **changes: Any) -> WebhookEndpoint:
    """Change an endpoint's url, region, owner or active flag (and its secret, when one is given)."""
    before = WebhookEndpoint.objects.select_related("region", "owner").get(pk=endpoint.pk)
    for name, value in changes.items():
        if name not in WEBHOOK_FIELDS:
            raise Invalid(_("Unknown field."), fields={name: [_("Unknown field.")]})
        setattr(endpoint, name, value)
    webhook_check(owner=endpoint.owner, url=endpoint.url, region=endpoint.region, secret=secret)
    if secret:
        endpoint.secret = secret
    endpoint.save()
    old, new = _webhook_facts(before), _webhook_facts(endpoint)
    if secret:
        new["secret_changed"] = True
    if old != new:
        audit_record(actor=actor, action=Action.WEBHOOK_CHANGED, target=endpoint, region=endpoint.region,
                     old=old, new=new)
    return endpoint


def _webhook_facts(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {"url": endpoint.url, "region": endpoint.region.code, "owner": endpoint.owner.get_username(),
            "active": endpoint.active}


def webhooks_results_published(*, publication_id: int) -> list[WebhookDelivery]:
    """Tell the active endpoints whose region covers a region of a publication's run that the cycle's results
    are published (`results.published`, version 1) or revised (`results.revised`, a later version).

    Runs in the announcement's background job, after the publication committed. Creates one delivery per
    endpoint (never twice for the same publication), each with its own job, in one transaction; an error makes
    the announcement's job call it again. Provisional results (a recompute that is not published) are never
    announced.
    """
    publication = (Publication.objects.select_related("cycle__framework", "run").filter(pk=publication_id)
                   .first())
    if publication is None:
        return []
    event = EVENT_RESULTS_PUBLISHED if publication.version == 1 else EVENT_RESULTS_REVISED
    covered: dict[int, int] = {}
    for region, parent, province in RegionScore.objects.filter(run=publication.run_id).values_list(
            "region_id", "region__parent_id", "region__province_id"):
        for scope in {region, parent, province}:
            if scope is not None:
                covered[scope] = covered.get(scope, 0) + 1
    endpoints = [e for e in WebhookEndpoint.objects.filter(active=True, owner__is_active=True,
                                                           region_id__in=list(covered))
                 .select_related("region__province", "owner")
                 if is_platform_admin(e.owner) or roles_for_region(e.owner, e.region)]
    key = f"{event}:publication-{publication.pk}"
    with transaction.atomic():
        done = set(WebhookDelivery.objects.filter(key=key).values_list("endpoint_id", flat=True))
        created = WebhookDelivery.objects.bulk_create(
            [WebhookDelivery(endpoint=e, event=event, key=key,
                             payload=_published_payload(event, publication, e.region, covered[e.region_id]))
             for e in endpoints if e.pk not in done])
        for delivery in created:
            job_enqueue(kind_name=WEBHOOKS_JOB, key=f"webhook-delivery:{delivery.pk}",
                        args={"delivery_id": delivery.pk})
    return created


def _published_payload(event: str, publication: Publication, region: Region, regions: int) -> dict[str, Any]:
    cycle, run = publication.cycle, publication.run
    query = f"cycle={cycle.period}&framework={cycle.framework.code}"
    scope = f"&province={region.code}" if region.level == Region.Level.PROVINCE else ""
    version = f"&version={publication.version}"
    return {
        "event": event,
        "cycle": {"period": cycle.period, "framework": cycle.framework.code, "version": cycle.framework.version},
        "publication": {"version": publication.version,
                        "published_at": timezone.localtime(publication.published_at).isoformat(),
                        "reason": publication.reason, "participants": publication.participants,
                        "approved": publication.approved},
        "run": {"id": run.pk,
                "finished_at": timezone.localtime(run.finished_at).isoformat() if run.finished_at else None,
                "inputs_fingerprint": publication.inputs_fingerprint,
                "engine_version": publication.engine_version},
        "region": {"code": region.code, "name_zh": region.name_zh, "name_en": region.name_en},
        "regions_scored": regions,
        "results": f"/api/v1/results/?{query}{scope}{version}",
        "aggregates": f"/api/v1/aggregates/?{query}{scope}{version}",
    }


def webhook_signature(secret: str, timestamp: int, body: bytes) -> str:
    """`sha256=` and the hex HMAC-SHA256, keyed with the endpoint's secret, of `<timestamp>.<raw body>`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


@dataclass(frozen=True)
class Attempt:
    status: str
    retry_in: int | None = None
    """Seconds until the next attempt, when there will be one."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())


def webhook_deliver(*, delivery_id: int) -> Attempt:
    """Make one attempt to deliver, and log it on the delivery: status code or error, when, how long.

    A 2xx answer delivers it. Otherwise another attempt is due after the next of RETRY_DELAYS; after the last
    one the delivery fails for good. A delivery that is no longer pending is left alone (safe to run twice).
    """
    with transaction.atomic():
        delivery = (WebhookDelivery.objects.select_for_update(of=("self",)).select_related("endpoint")
                    .filter(pk=delivery_id).first())
        if delivery is None or delivery.status != WebhookDelivery.Status.PENDING:
            return Attempt(delivery.status if delivery else "missing")
        if not delivery.endpoint.active:
            return _record(delivery, None, _("The endpoint was deactivated."), 0, final=True)
        body = json.dumps({**delivery.payload, "delivery": delivery.pk}, ensure_ascii=False,
                          sort_keys=True).encode()
        timestamp = int(time.time())
        # The URL was checked to be http(s) when the endpoint was registered or changed (webhook_check).
        request = urllib.request.Request(delivery.endpoint.url, data=body, method="POST", headers={  # noqa: S310
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "SmartGov-Webhook/1",
            "X-SmartGov-Event": delivery.event,
            "X-SmartGov-Delivery": str(delivery.pk),
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: webhook_signature(delivery.endpoint.secret, timestamp, body),
        })
        started = time.monotonic()
        code, error = None, ""
        try:
            with _opener.open(request, timeout=WEBHOOK_TIMEOUT) as response:
                code = response.status
        except urllib.error.HTTPError as failure:
            code, error = failure.code, _("The receiver answered HTTP %(code)s.") % {"code": failure.code}
        except Exception as failure:
            error = f"{type(failure).__name__}: {failure}"[:500]
        elapsed = int((time.monotonic() - started) * 1000)
        if code is not None and 200 <= code < 300:
            error = ""
        elif code is not None and not error:
            error = _("The receiver answered HTTP %(code)s.") % {"code": code}
        return _record(delivery, code, error, elapsed, final=delivery.attempts >= len(RETRY_DELAYS))


def _record(delivery: WebhookDelivery, code: int | None, error: str, elapsed: int, *, final: bool) -> Attempt:
    now = timezone.now()
    delivered = not error
    retry_in = None if delivered or final else RETRY_DELAYS[delivery.attempts]
    delivery.attempt_log = [*delivery.attempt_log, {"at": now.isoformat(), "status_code": code, "error": error,
                                                    "ms": elapsed, "retry_in": retry_in}]
    delivery.attempts = F("attempts") + 1
    delivery.last_status_code, delivery.last_error = code, error
    if delivered:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
            WebhookDelivery.Status.DELIVERED, now, None)
    elif retry_in is None:
        delivery.status, delivery.next_attempt_at = WebhookDelivery.Status.FAILED, None
    else:
        delivery.next_attempt_at = now + timedelta(seconds=retry_in)
    delivery.save(update_fields=["attempt_log", "attempts", "last_status_code", "last_error", "status",
                                 "delivered_at", "next_attempt_at"])
    if not delivered:
        logger.warning("webhook delivery %s attempt failed: %s", delivery.pk, error)
    return Attempt(delivery.status, retry_in)


def webhook_job(*, delivery_id: int) -> Again | None:
    """The background job of a delivery (outbox kind `webhooks.deliver`): one attempt, and the next one due
    after the delay RETRY_DELAYS gives it (a due time kept in the database, not a countdown in the broker)."""
    attempt = webhook_deliver(delivery_id=delivery_id)
    return Again(attempt.retry_in) if attempt.retry_in is not None else None


def webhook_given_up(*, delivery_id: int, error: str) -> None:
    """A delivery whose job was given up (it failed or lost its worker again and again) fails with that reason."""
    WebhookDelivery.objects.filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING).update(
        status=WebhookDelivery.Status.FAILED, next_attempt_at=None, last_error=error[:2000])
