"""A per-address limit on API requests, counted in the shared cache.

`CONFNOTES_API_THROTTLE` ("120/minute") allows so many requests of /api/ per client
address in each fixed window; the next ones get 429 with Retry-After until the
window ends. The count is one atomic `incr` in the cache every worker and app server
shares (settings: CACHE_URL), so the limit holds across processes.

It counts the requests that reach the views: it sits after the page cache in
MIDDLEWARE, so an answer the cache holds is served without being counted, as the
HTML pages are. The limit guards the database and the renderer, which a hit does not
touch: a 429 costs the server no less than the hit it would refuse, and counting every
hit took a quarter of a cached answer's time under gunicorn (docs/benchmarks.md).

The address is REMOTE_ADDR; behind N trusted reverse proxies
(`CONFNOTES_API_TRUSTED_PROXIES=N`) it is the Nth address from the right of
X-Forwarded-For, the one the nearest trusted proxy saw.
"""

import re
import time
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache

from talks.api.errors import ApiError, error_response

_RATE = re.compile(r"([1-9][0-9]*)/(second|minute|hour|day)")
_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
PREFIX = "confnotes:api-throttle"


@lru_cache(maxsize=8)
def parse_rate(rate: str) -> tuple[int, int]:
    """(requests, window in seconds) of "120/minute"; ValueError for anything else."""
    match = _RATE.fullmatch(rate.strip())
    if not match:
        raise ValueError(f"CONFNOTES_API_THROTTLE: {rate!r} is not like 120/minute")
    return int(match.group(1)), _SECONDS[match.group(2)]


def client_address(request) -> str:
    proxies = settings.CONFNOTES_API_TRUSTED_PROXIES
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [address for address in forwarded if address]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def allow(address: str, *, now: float | None = None) -> int:
    """0 when the address may make one more request now (it is counted), else the
    seconds until its window ends."""
    limit, window = parse_rate(settings.CONFNOTES_API_THROTTLE)
    now = time.time() if now is None else now
    current = int(now // window)
    key = f"{PREFIX}:{window}:{current}:{address}"
    try:
        count = cache.incr(key)
    except ValueError:  # the window's first request
        if cache.add(key, 1, timeout=window + 1):
            count = 1
        else:
            count = cache.incr(key)  # another process added it first
    if count <= limit:
        return 0
    return max(1, int((current + 1) * window - now + 0.999))


class ApiThrottleMiddleware:
    """Answer 429 (JSON, Retry-After) to an address past its limit of /api/ requests."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            wait = allow(client_address(request))
            if wait:
                response = error_response(
                    ApiError(
                        f"Too many requests from your address: at most "
                        f"{settings.CONFNOTES_API_THROTTLE}. Try again in {wait} s.",
                        status=429,
                    )
                )
                response["Retry-After"] = str(wait)
                return response
        return self.get_response(request)
