"""Public pages cached in the shared cache, expired by scope.

A scope names a part of the site that one kind of edit changes: a conference's
own pages, a speaker's page, the list of tags... Each scope has a version in
the cache. A cached page is stored with the versions of the scopes it belongs
to, and served only while they are all still current; an edit gives its
scopes new versions (`expire`), so the pages it changed miss once and every
other page keeps its entry. docs/caching.md tells the whole design.

The versions decide freshness, so they live where every worker and every app
server sees them: the cache named by CACHE_URL, which is shared (a folder on
disk by default, Redis across machines; see settings). A version moves again
when the change is committed, so no reader keeps old rows under a new version.

Requests that carry a session cookie (staff, editors) are never served from
the cache and never stored in it; they read the database.
"""

import hashlib
import time
from functools import cache as memoize
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import parse_http_date_safe
from django.utils.module_loading import import_string
from django.utils.translation import get_language

from confnotes import compression, routers
from confnotes.i18n import reader_language

# In every key: a change to what an entry holds (its shape) takes a new prefix.
PREFIX = "confnotes:3"
PAGE_TIMEOUT = 60 * 60  # seconds; an expired scope makes older entries unusable anyway
EVERYWHERE = "all"  # a scope every page belongs to, for the rare change that shows everywhere

_UNCACHED_PREFIXES = ("/admin/", "/healthz", "/static/", "/media/", "/favicon.ico")


@memoize
def _entries_prefix() -> str:
    """The prefix of pages and fragments: PREFIX and a digest of what renders them (the
    templates, static files, translations and Python code of this deploy). Entries
    outlive a deploy in a shared cache; a deploy that changes how a page looks reads
    none of the old ones. Scope versions keep the plain PREFIX: an edit on a server
    still running the last deploy expires every deploy's pages."""
    digest = hashlib.sha256()
    for folder in ("templates", "static", "locale", "confnotes", "speakers", "talks"):
        for path in sorted((settings.BASE_DIR / folder).rglob("*")):
            if path.is_file() and path.suffix != ".pyc" and "tests" not in path.parts:
                digest.update(str(path.relative_to(settings.BASE_DIR)).encode() + b"\0")
                digest.update(path.read_bytes())
    return f"{PREFIX}:{digest.hexdigest()[:12]}"


def _version_key(scope: str) -> str:
    # Hashed: a scope holds a slug from the URL, of any length and any characters.
    return f"{PREFIX}:scope:{hashlib.sha256(scope.encode()).hexdigest()[:32]}"


def versions(scopes) -> tuple[str, ...]:
    """The current version of each of `scopes`, in order; a scope seen first gets one."""
    keys = [_version_key(scope) for scope in scopes]
    found = _given_versions(keys, cache.get_many(keys))
    return tuple(found[key] for key in keys)


def _given_versions(keys, found: dict) -> dict:
    """`found` (what a get_many of `keys` gave), with a version for each key it lacks.

    Called before reading what the versions cover, so nothing read is older than them.
    """
    missing = list(dict.fromkeys(key for key in keys if key not in found))
    if missing:
        # A fresh cache starts from the clock, so it never reuses an old version.
        start = str(time.time_ns())
        for key in missing:
            cache.add(key, start, timeout=None)
        found.update(cache.get_many(missing))
        found.update((key, "") for key in missing if key not in found)  # an unreachable cache
    return found


def expire(scopes) -> None:
    """Give `scopes` new versions now, and again when the current transaction commits.

    The second move is the one that matters: a reader between the two may have
    cached the old rows under the first new version.
    """
    scopes = set(scopes)
    if scopes:
        _move(scopes)
        if transaction.get_connection().in_atomic_block:
            transaction.on_commit(lambda: _move(scopes))


def _move(scopes) -> None:
    # A scope with no version has nothing cached under it (`versions()` gives one
    # before anything is read for it): an import's thousands of new talks,
    # speakers and tags need none.
    current = cache.get_many([_version_key(scope) for scope in scopes])
    if current:
        # With read replicas, where the primary's log stands: see confnotes/routers.py.
        position = routers.write_position()
        version = f"{time.time_ns()}@{position}" if position else str(time.time_ns())
        cache.set_many(dict.fromkeys(current, version), timeout=None)


def _write_position(versions) -> int:
    """The furthest primary log position among `versions` (0 for none)."""
    return max((int(v.partition("@")[2] or 0) for v in versions if v), default=0)


def _data_key(name: str) -> str:
    # In the interface's language: what is kept may be rendered (a talk's row).
    return f"{_entries_prefix()}:data:{get_language()}:{name}"


def remember(name: str, scopes, compute):
    """`compute()`, kept in the cache until one of `scopes` (or `EVERYWHERE`) expires."""
    current = versions([EVERYWHERE, *scopes])
    key = _data_key(name)
    entry = cache.get(key)
    if entry is not None and entry[0] == current:
        return entry[1]
    value = compute()
    cache.set(key, (current, value), PAGE_TIMEOUT)
    return value


def remember_many(items, *, name, scopes, compute) -> list:
    """For each of `items`, the value `compute(items missing)` gave for it, kept in the
    cache until one of `scopes(item)` (or `EVERYWHERE`) expires; in the order of `items`.

    Fragments of a page: after an edit, only the items it touched are computed again.
    One `get_many` reads every entry and every version.
    """
    keyed = [
        (
            _data_key(name(item)),
            [_version_key(s) for s in (EVERYWHERE, *scopes(item))],
        )
        for item in items
    ]
    wanted = {key for key, _versions in keyed} | {v for _key, vs in keyed for v in vs}
    found = cache.get_many(list(wanted))
    found = _given_versions([v for _key, vs in keyed for v in vs], found)
    values, missing = [], []
    for item, (key, version_keys) in zip(items, keyed, strict=True):
        current = tuple(found.get(v) for v in version_keys)
        entry = found.get(key)
        if entry is not None and entry[0] == current:
            values.append(entry[1])
        else:
            values.append(None)
            missing.append((len(values) - 1, item, key, current))
    if missing:
        computed = compute([item for _i, item, _key, _current in missing])
        fresh = {}
        for (index, _item, key, current), value in zip(missing, computed, strict=True):
            values[index] = value
            fresh[key] = (current, value)
        cache.set_many(fresh, PAGE_TIMEOUT)
    return values


def scopes_of_request(request) -> list[str] | None:
    """The scopes of the requested page, from the project's `CONFNOTES_PAGE_SCOPES`
    function; None when the page is not to be cached (a query it does not read)."""
    scopes = _scopes_function()(request)
    return None if scopes is None else [EVERYWHERE, *scopes]


@memoize
def _scopes_function():
    return import_string(settings.CONFNOTES_PAGE_SCOPES)


def _cacheable_request(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not request.path.startswith(_UNCACHED_PREFIXES)
    )


class PublicPageCacheMiddleware:
    """Serve anonymous GETs of public pages from the cache, with an ETag and 304s.

    First in MIDDLEWARE: a hit is answered before any other middleware runs, and
    a page is stored as the other middleware left it, headers and all.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        scopes = scopes_of_request(request) if _cacheable_request(request) else None
        if scopes is None:
            response = self.get_response(request)
            if settings.SESSION_COOKIE_NAME in request.COOKIES:
                # Made for who asks (staff see drafts): no shared cache may keep it.
                patch_cache_control(response, private=True)
                patch_vary_headers(response, ("Cookie",))
            return response
        # Scheme and host too: pages print absolute URLs (canonical, og:url, JSON-LD).
        # The query in one order: ?q=x&page=2 and ?page=2&q=x are one page. And the
        # language the page is in for this reader (confnotes/i18n.py).
        query = urlencode(sorted(request.GET.lists()), doseq=True)
        language = reader_language(request)
        address = f"{language} {request.scheme}://{request.get_host()}{request.path}?{query}"
        key = f"{_entries_prefix()}:page:{hashlib.sha256(address.encode()).hexdigest()}"
        version_keys = [_version_key(scope) for scope in scopes]
        found = cache.get_many([key, *version_keys])
        current = tuple(found.get(k) for k in version_keys)
        entry = found.get(key)
        if entry is not None and entry[0] == current:
            return _from_entry(request, key, entry)
        if None in current:
            current = versions(scopes)
        with routers.reads_at_least(_write_position(current)):
            response = self.get_response(request)
        if response.status_code == 200 and not response.streaming and not response.cookies:
            # ConditionalGetMiddleware, below, gave it an ETag; 304s of hits compare it.
            response["Cache-Control"] = "public, max-age=0, must-revalidate"
            # Written piece by piece (feeds are), a response would be sent as
            # hundreds of small writes on every hit: store it as one piece.
            response.content = response.content
            # Compressed once for each encoding, kept beside it: hits are not compressed
            # again each time. Only in this reader's encoding now: the first reader after
            # an edit does not pay for the others (see `_from_entry`).
            copies = compression.compressed(response, compression.accepted(request)[:1])
            cache.set(key, (current, response, copies), PAGE_TIMEOUT)
            response[compression.CACHE_HEADER] = "miss"
            compression.send_compressed(request, response, copies)
        return response


def _from_entry(request, key, entry):
    """The stored page (a copy of it: the cache unpickles each time), compressed as the
    client accepts, or a 304 when the client holds it already (its ETag matches).

    The first hit in an encoding not kept yet compresses the page and keeps that copy
    too. Stored under the versions it was read with: should an edit have moved them
    since, the entry is one nobody will serve."""
    current, response, copies = entry
    wanted = compression.accepted(request)[:1]
    if wanted and wanted[0] not in copies:
        copies = {**copies, **compression.compressed(response, wanted)}
        cache.set(key, (current, response, copies), PAGE_TIMEOUT)
    compression.send_compressed(request, response, copies)
    # Last-Modified too, as ConditionalGetMiddleware compares it on a miss (feeds and the
    # API send one): a client that sends only If-Modified-Since gets its 304 from a hit.
    last_modified = response.get("Last-Modified")
    last_modified = last_modified and parse_http_date_safe(last_modified)
    response = get_conditional_response(
        request, etag=response.get("ETag"), last_modified=last_modified, response=response
    )
    response[compression.CACHE_HEADER] = "hit"
    return response
