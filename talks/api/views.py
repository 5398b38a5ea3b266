"""The API's endpoints: plain Django views that read through talks/api/reads.py and
answer JSON built by talks/api/serializers.py (README.md, "JSON API", says why no
framework).

Every answer carries the version and CORS headers; every refusal is JSON. Anonymous
GETs are cached by the page cache like the HTML pages, under the scopes of
talks/api/scopes.py, so an edit expires them; `Last-Modified` is when those scopes
last changed, and ConditionalGetMiddleware (or the page cache, for a hit) answers
304 to a client that holds the current answer.
"""

import hashlib
import json
import uuid
from functools import wraps
from operator import attrgetter

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt

from confnotes.pagecache import remember, remember_many, scopes_of_request, versions
from talks import renames
from talks.api import filters as checks
from talks.api import reads, serializers
from talks.api.errors import (
    VERSION_HEADER,
    ApiError,
    BadParameters,
    error_response,
    json_response,
    moved_response,
)
from talks.api.filters import EXPANDABLE
from talks.api.pagination import cursor_of, keyset_page, page_size, page_url
from talks.api.schema import RESOURCES, schema_document
from talks.api.scopes import VERSION, list_scope
from talks.freshness import talk_row_scopes
from talks.models import talk_counts

ALLOWED_METHODS = "GET, HEAD, OPTIONS"
TALK_EXPANDS = EXPANDABLE["talks"]


def endpoint(view):
    """The API's side of every endpoint: methods, the version a client asks for, JSON
    errors, Last-Modified."""

    @csrf_exempt  # nothing is written; a POST gets the API's 405, not the CSRF page
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "OPTIONS":
            return _preflight()
        if request.method not in ("GET", "HEAD"):
            response = error_response(ApiError("The API is read-only: GET it.", status=405))
            response["Allow"] = ALLOWED_METHODS
            return response
        asked = request.headers.get(VERSION_HEADER)
        try:
            if asked is not None and asked != VERSION:
                raise ApiError(
                    f"This server speaks API version {VERSION} only.",
                    errors={VERSION_HEADER: [f"Send {VERSION}, or leave the header out."]},
                )
            # In English for every reader (labels, errors): programs read it, and one
            # answer for all keeps it cacheable.
            with translation.override(settings.LANGUAGE_CODE):
                response = view(request, *args, **kwargs)
        except ApiError as error:
            return error_response(error)
        scopes = scopes_of_request(request)
        if scopes is not None:
            moved = [int(v.partition("@")[0]) for v in versions(scopes) if v]
            if moved:
                response["Last-Modified"] = http_date(max(moved) // 1_000_000_000)
        return response

    return wrapper


def _preflight():
    response = json_response(None, status=204)
    response.content = b""
    response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
    response["Access-Control-Allow-Headers"] = f"{VERSION_HEADER}, If-None-Match, If-Modified-Since"
    response["Access-Control-Max-Age"] = "86400"
    return response


def not_found(what: str = "Nothing") -> ApiError:
    return ApiError(f"{what} here.", status=404)


def _moved(request, name: str, **kwargs):
    """The 301 to resource `name` under its slugs of today, the query kept."""
    location = reverse(f"api:{name}", kwargs=kwargs)
    query = request.META.get("QUERY_STRING", "")
    return moved_response(f"{location}?{query}" if query else location)


def _in_renamed_conference(request, name: str, conference: str, **kwargs):
    """A 301 when `conference` is an old slug of a public conference, else None."""
    current = renames.conference(conference)
    return current and _moved(request, name, conference=current.slug, **kwargs)


# ---------------------------------------------------------------------------
# Lists


def _list(request, resource: str, rows_of, serialize_page, *, key=attrgetter("pk")):
    """A page of the list `resource`: {count, next, previous, results}."""
    query = request.GET
    checks.check_names(resource, query)
    expanded = checks.expand(resource, query)
    size = page_size(query)
    cursor = cursor_of(query)
    values = checks.filter_values(resource, query)
    rows = rows_of(values)
    # Kept until the list's scope moves: a count costs one COUNT, whatever the page.
    given = json.dumps(sorted((name, str(value)) for name, value in values.items()))
    count = remember(
        f"api-count:{resource}:{hashlib.sha256(given.encode()).hexdigest()[:32]}",
        [list_scope(resource, query)],
        rows.count,
    )
    page, following, preceding = keyset_page(rows, cursor, size, key=key)
    links = serializers.Links(request)
    return json_response(
        {
            "count": count,
            "next": page_url(request, query, following),
            "previous": page_url(request, query, preceding),
            "results": serialize_page(page, links, expanded),
        }
    )


@endpoint
def conference_list(request):
    def serialize(page, links, expanded):
        counts = talk_counts([row.pk for row in page])
        days = {}
        if "days" in expanded:
            for day in reads.days({}).filter(conference__in=page).order_by("date", "position"):
                days.setdefault(day.conference_id, []).append(day)
        return [
            serializers.conference(
                row,
                links,
                expand=expanded,
                talk_count=counts.get(row.pk, 0),
                days=days.get(row.pk, []),
            )
            for row in page
        ]

    return _list(request, "conferences", reads.conferences, serialize)


@endpoint
def day_list(request):
    def serialize(page, links, expanded):
        return [serializers.day(row, links, expand=expanded) for row in page]

    return _list(request, "days", reads.days, serialize)


@endpoint
def talk_list(request):
    def serialize(ids, links, expanded):
        # Each talk kept in the cache, as its row on the pages is, until its scope moves
        # (`talk:<id>`: every edit of what it prints expires it; talks/freshness.py).
        def compute(missing):
            by_id = reads.talks_by_id(missing)
            return [serializers.talk(by_id[pk], links, expand=TALK_EXPANDS) for pk in missing]

        full = remember_many(
            ids,
            name=lambda pk: f"api-talk:{links.base}:{pk}",
            scopes=talk_row_scopes,
            compute=compute,
        )
        return [serializers.collapse_talk(data, expanded) for data in full]

    return _list(request, "talks", _talk_ids, serialize, key=int)


def _talk_ids(filters):
    return reads.talk_ids(filters).values_list("pk", flat=True)


@endpoint
def speaker_list(request):
    def serialize(page, links, expanded):
        return [serializers.speaker(row, links) for row in page]

    return _list(request, "speakers", reads.speakers, serialize)


@endpoint
def tag_list(request):
    def serialize(page, links, expanded):
        counts = reads.tag_talk_counts([row.pk for row in page])
        return [serializers.tag(row, links, talk_count=counts.get(row.pk, 0)) for row in page]

    return _list(request, "tags", reads.tags, serialize)


@endpoint
def note_list(request):
    def serialize(page, links, expanded):
        return [serializers.note(row, links) for row in page]

    return _list(request, "notes", reads.notes, serialize)


# ---------------------------------------------------------------------------
# Details


def _detail_expand(request, resource: str) -> frozenset:
    checks.check_names(resource, request.GET, detail=True)
    return checks.expand(resource, request.GET)


@endpoint
def conference_detail(request, conference):
    expanded = _detail_expand(request, "conferences")
    row = reads.conferences({}, detail=True).filter(slug=conference).first()
    if row is None:
        moved = _in_renamed_conference(request, "conference_detail", conference)
        if moved:
            return moved
        raise not_found("No such conference")
    days = reads.conference_days(row) if "days" in expanded else []
    for day in days:
        day.conference = row
    data = serializers.conference(
        row,
        serializers.Links(request),
        expand=expanded,
        talk_count=talk_counts([row.pk]).get(row.pk, 0),
        days=days,
        detail=True,
    )
    return json_response(data)


@endpoint
def day_detail(request, conference, day):
    expanded = _detail_expand(request, "days")
    row = reads.days({"conference": conference}, detail=True).filter(slug=day).first()
    if row is None:
        current = renames.day(conference, day)
        if current:
            return _moved(request, "day_detail", conference=conference, day=current.slug)
        moved = _in_renamed_conference(request, "day_detail", conference, day=day)
        if moved:
            return moved
        raise not_found("No such day")
    return json_response(
        serializers.day(row, serializers.Links(request), expand=expanded, detail=True)
    )


@endpoint
def talk_detail(request, conference, talk):
    expanded = _detail_expand(request, "talks")
    row = reads.talks({"conference": conference}, detail=True).filter(slug=talk).first()
    if row is None:
        current = renames.talk(conference, talk)
        if current:
            return _moved(request, "talk_detail", conference=conference, talk=current.slug)
        moved = _in_renamed_conference(request, "talk_detail", conference, talk=talk)
        if moved:
            return moved
        raise not_found("No such talk")
    return json_response(
        serializers.talk(row, serializers.Links(request), expand=expanded, detail=True)
    )


@endpoint
def speaker_detail(request, slug):
    _detail_expand(request, "speakers")
    row = reads.speakers({}, detail=True).filter(slug=slug).first()
    if row is None:
        current = renames.speaker(slug)
        if current:
            return _moved(request, "speaker_detail", slug=current.slug)
        raise not_found("No speaker with a published talk")
    return json_response(serializers.speaker(row, serializers.Links(request), detail=True))


@endpoint
def tag_detail(request, slug):
    _detail_expand(request, "tags")
    row = reads.tags({}).filter(slug=slug).first()
    if row is None:
        current = renames.tag(slug)
        if current:
            return _moved(request, "tag_detail", slug=current.slug)
        raise not_found("No tag with a published talk")
    count = reads.tag_talk_counts([row.pk]).get(row.pk, 0)
    return json_response(serializers.tag(row, serializers.Links(request), talk_count=count))


@endpoint
def note_detail(request, uid):
    _detail_expand(request, "notes")
    try:
        key = uuid.UUID(uid)
    except ValueError:
        raise not_found("No such note") from None
    row = reads.notes({}, detail=True).filter(uid=key).first()
    if row is None:
        raise not_found("No such note")
    return json_response(serializers.note(row, serializers.Links(request), detail=True))


# ---------------------------------------------------------------------------
# The documents


@endpoint
def root(request):
    if request.GET:
        raise BadParameters({name: ["This document reads no parameters."] for name in request.GET})
    links = serializers.Links(request)
    return json_response(
        {
            "version": VERSION,
            "schema": links.api("schema"),
            "documentation": links.api("index"),
            "resources": {name: links.api(f"{name[:-1]}_list") for name in RESOURCES},
        }
    )


@endpoint
def schema(request):
    if request.GET:
        raise BadParameters({name: ["This document reads no parameters."] for name in request.GET})
    return json_response(schema_document())


@endpoint
def unknown(request, rest=""):
    raise not_found("No such endpoint")


def index(request):
    """The human page: what the API offers, and a link to its OpenAPI document."""
    context = {"resources": RESOURCES, "throttle": settings.CONFNOTES_API_THROTTLE}
    return render(request, "api/index.html", context)
