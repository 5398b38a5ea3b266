"""Keyset pagination: every list is in id order, and a page starts after (or ends before)
the id its cursor holds, so the 400th page costs what the first does.

A cursor is opaque to clients: URL-safe base64 of "n:<id>" (the page after that id) or
"p:<id>" (the page before it), checked strictly. It names a position, nothing more: a
made-up one is just another page, so it is not signed.
"""

import base64
import binascii
import re
from operator import attrgetter
from urllib.parse import urlencode

from talks.api.errors import BadParameters

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
_CURSOR = re.compile(r"([np]):([1-9][0-9]{0,17})")
_PAGE_SIZE = re.compile(r"[1-9][0-9]{0,2}")


def encode_cursor(direction: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{direction}:{pk}".encode()).decode().rstrip("=")


def decode_cursor(value: str) -> tuple[str, int]:
    """("n" or "p", id) of a cursor; BadParameters for anything else."""
    try:
        text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("ascii")
    except (binascii.Error, ValueError):
        text = ""
    match = _CURSOR.fullmatch(text)
    if not match or len(value) > 32 or encode_cursor(*match.groups()) != value:
        raise BadParameters(
            {"cursor": ["Not a cursor this API gave: follow `next` or `previous`."]}
        )
    return match.group(1), int(match.group(2))


def page_size(query) -> int:
    value = query.get("page_size")
    if value is None:
        return DEFAULT_PAGE_SIZE
    if not _PAGE_SIZE.fullmatch(value) or int(value) > MAX_PAGE_SIZE:
        raise BadParameters(
            {"page_size": [f"A whole number from 1 to {MAX_PAGE_SIZE}, written without signs."]}
        )
    return int(value)


def cursor_of(query) -> tuple[str, int] | None:
    """The query's decoded `cursor`, None without one."""
    value = query.get("cursor")
    return None if value is None else decode_cursor(value)


def keyset_page(queryset, cursor, size: int, *, key=attrgetter("pk")):
    """(rows, cursor of the next page or None, cursor of the previous page or None)
    of `queryset` in id order, at the position `cursor` (from `cursor_of`) names;
    `key` gives a row's id (the row itself for a `values_list("pk", flat=True)`)."""
    if cursor is None:
        rows = list(queryset.order_by("pk")[: size + 1])
        more_after, more_before = len(rows) > size, False
        rows = rows[:size]
    else:
        direction, pk = cursor
        if direction == "n":
            rows = list(queryset.filter(pk__gt=pk).order_by("pk")[: size + 1])
            more_after, more_before = len(rows) > size, True
            rows = rows[:size]
        else:
            rows = list(queryset.filter(pk__lt=pk).order_by("-pk")[: size + 1])
            more_after, more_before = True, len(rows) > size
            rows = rows[:size][::-1]
    following = encode_cursor("n", key(rows[-1])) if rows and more_after else None
    preceding = encode_cursor("p", key(rows[0])) if rows and more_before else None
    return rows, following, preceding


def page_url(request, query, cursor: str | None) -> str | None:
    """The absolute URL of the same list at `cursor` (None stays None), its parameters
    in one order, so that every client asks the page cache for the same entry."""
    if cursor is None:
        return None
    params = {name: query[name] for name in sorted(query) if name != "cursor"}
    params["cursor"] = cursor
    return request.build_absolute_uri(f"{request.path}?{urlencode(sorted(params.items()))}")
