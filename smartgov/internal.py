"""Who counts as an internal caller (a health check, a metrics scraper, an operator on the host): details about
the database, the broker and the queues are shown to them only.

A caller is internal when its address (REMOTE_ADDR) is in INTERNAL_NETWORKS and the request did not come through
the reverse proxy: the proxy adds X-Forwarded-For to every request it forwards, so a visitor from outside, whose
request reaches gunicorn from the proxy's (private) address, is never taken for an internal caller.
"""

import ipaddress
from functools import cache

from django.conf import settings


@cache
def _networks(spec: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(net, strict=False) for net in spec)


def is_internal_request(request) -> bool:
    if "HTTP_X_FORWARDED_FOR" in request.META or "HTTP_X_REAL_IP" in request.META:
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in _networks(tuple(settings.INTERNAL_NETWORKS)))
