"""The address of the client a request comes from: one answer for the lockout, rate limits and logs.

Behind reverse proxies every request arrives from the nearest proxy (REMOTE_ADDR); each proxy
appends the address it saw to X-Forwarded-For. Only the entries our own proxies appended can be
believed: a client writes whatever it likes on the left of the chain. So the address is read
TRUSTED_PROXY_COUNT entries from the right, the one the outermost trusted proxy saw. With no
trusted proxy (the default, `make run`) the header is ignored entirely and a direct client cannot
pass for anybody else.

Written here rather than taken from django-ipware, whose resolver also reads other headers
(X-Real-IP, Forwarded, …) and skips private addresses by default: on a government intranet
every client has a private address, and a header the proxy does not set must never count.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest

# What a request without a readable address counts as (a unix socket without a proxy header):
# such requests share one lockout and one rate limit rather than escaping them.
# The address of an unknown client (not an address to bind to).
UNKNOWN = "0.0.0.0"  # nosec B104


def client_ip(request: HttpRequest) -> str:
    """The client's address, normalised ("::ffff:10.0.0.1" is "10.0.0.1").

    With TRUSTED_PROXY_COUNT = N > 0, the N-th address from the right of X-Forwarded-For; when
    the chain is shorter than N (a request from one of the proxies themselves) or that entry is
    not an address, REMOTE_ADDR."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        chain = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        chain = [entry.strip() for entry in chain if entry.strip()]
        if len(chain) >= proxies:
            address = _address(chain[-proxies])
            if address:
                return address
    return _address(request.META.get("REMOTE_ADDR", "")) or UNKNOWN


def _address(value: str) -> str | None:
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if getattr(address, "scope_id", None):
        return None  # "fe80::1%eth0" names an interface of the sender, not a client
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return str(address)
