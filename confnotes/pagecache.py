"""Public pages cached in the shared cache, keyed on a content version.

Any change to published content bumps one version number in the cache
(`bump_content_version`), so every page key changes at once: no flush, no
scan of keys; stale entries simply age out. One version rather than one per
conference because nearly every page shows data that crosses conferences
(speaker names, tags, latest notes), and writers edit far less often than
readers read. Requests that carry a session cookie (staff, editors) are never
served from the cache and never stored in it.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.cache import patch_cache_control

VERSION_KEY = "confnotes:content-version"
PAGE_TIMEOUT = 60 * 60  # seconds; a bump makes older entries unreachable anyway

_UNCACHED_PREFIXES = ("/admin/", "/healthz", "/static/", "/media/")


def content_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        # A fresh cache starts from the clock, so it never reuses an old key.
        version = str(time.time_ns())
        cache.add(VERSION_KEY, version, timeout=None)
        version = cache.get(VERSION_KEY, version)
    return str(version)


def bump_content_version(**_signal_kwargs) -> None:
    """Make every cached page stale; call after any change to public content.

    Inside a transaction the version moves again at commit: a reader who came
    between the first bump and the commit saw, and cached, the old rows.
    """
    _bump()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_bump)


def _bump() -> None:
    cache.set(VERSION_KEY, str(time.time_ns()), timeout=None)


def _cacheable_request(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not request.path.startswith(_UNCACHED_PREFIXES)
    )


class PublicPageCacheMiddleware:
    """Serve anonymous GETs of public pages from the cache, with an ETag.

    Put it after ConditionalGetMiddleware in MIDDLEWARE so a matching
    If-None-Match is answered 304 for cached and fresh responses alike.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _cacheable_request(request):
            return self.get_response(request)
        # Scheme and host too: pages print absolute URLs (canonical, og:url, JSON-LD).
        address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
        key = f"page:{content_version()}:{hashlib.sha256(address.encode()).hexdigest()}"
        cached = cache.get(key)
        if cached is not None:
            cached["X-Confnotes-Cache"] = "hit"
            return cached
        response = self.get_response(request)
        if response.status_code == 200 and not response.streaming and not response.cookies:
            if not response.has_header("ETag"):
                digest = hashlib.sha256(response.content).hexdigest()[:32]
                response["ETag"] = f'"{digest}"'
            patch_cache_control(response, public=True, max_age=0, must_revalidate=True)
            # Written piece by piece (feeds are), a response would be sent as
            # hundreds of small writes on every hit: store it as one piece.
            response.content = response.content
            cache.set(key, response, PAGE_TIMEOUT)
            response["X-Confnotes-Cache"] = "miss"
        return response
