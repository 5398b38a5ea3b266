"""The query parameters of the API's lists, checked strictly: a parameter a list does not
read, one given twice, or a malformed value is a 400 naming it, never ignored."""

import datetime
import re

from django.utils.dateparse import parse_date, parse_datetime

from confnotes.i18n import LANGUAGE_TAG
from talks.api.errors import BadParameters
from talks.api.scopes import DETAIL, FILTERS, PAGING
from talks.models import Kind

EXPANDABLE = {
    "conferences": frozenset({"days"}),
    "days": frozenset({"conference"}),
    "talks": frozenset({"conference", "day", "speakers", "tags"}),
    "speakers": frozenset(),
    "tags": frozenset(),
    "notes": frozenset(),
}
_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,200}")
_TAG_SLUG = re.compile(r"[^/\x00]{1,100}")
_YEAR = re.compile(r"[0-9]{4}")
_DATE_ONLY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MAX_TEXT = 200


def check_names(resource: str, query, *, detail: bool = False) -> None:
    """Refuse parameters the endpoint does not read, and any given more than once."""
    reads = DETAIL if detail else FILTERS[resource] | PAGING
    errors = {}
    for name in query:
        if name not in reads:
            known = ", ".join(sorted(reads))
            errors[name] = [f"Unknown parameter: this endpoint reads {known}."]
        elif len(query.getlist(name)) > 1:
            errors[name] = ["Given more than once."]
    if errors:
        raise BadParameters(errors)


def expand(resource: str, query) -> frozenset:
    """The relations `?expand=a,b` names, each one this endpoint can expand."""
    value = query.get("expand")
    if value is None:
        return frozenset()
    names = frozenset(value.split(","))
    allowed = EXPANDABLE[resource]
    unknown = sorted(names - allowed)
    if unknown:
        offer = ", ".join(sorted(allowed)) or "nothing"
        raise BadParameters(
            {
                "expand": [
                    f"Cannot expand {', '.join(map(repr, unknown))}: this endpoint expands {offer}."
                ]
            }
        )
    return names


def _text(name: str, value: str) -> str:
    value = value.strip()
    if not value or len(value) > MAX_TEXT or "\x00" in value:
        raise BadParameters({name: [f"Give 1 to {MAX_TEXT} characters, or leave it out."]})
    return value


def _slug(name: str, value: str, pattern=_SLUG) -> str:
    if not pattern.fullmatch(value):
        raise BadParameters({name: ["Not a slug (letters, digits, - and _)."]})
    return value


def _moment(name: str, value: str) -> datetime.datetime:
    """An ISO 8601 date-time with its offset (2024-05-01T10:00:00+02:00, or Z), or a date
    (2024-05-01, midnight UTC)."""
    try:
        if _DATE_ONLY.fullmatch(value):
            day = parse_date(value)
            return datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC)
        moment = parse_datetime(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise BadParameters(
            {
                name: [
                    "An ISO 8601 date (2024-05-01) or date-time with its offset "
                    "(2024-05-01T10:00:00+02:00 or ...Z)."
                ]
            }  # fmt: skip
        )
    return moment


def filter_values(resource: str, query) -> dict:
    """The checked filters of a list request, by name (only those given)."""
    values = {}
    for name in sorted(FILTERS[resource] & set(query)):
        raw = query[name]
        if name in ("conference", "day", "speaker"):
            values[name] = _slug(name, raw)
        elif name == "tag":
            values[name] = _slug(name, raw, _TAG_SLUG)
        elif name in ("q", "series"):
            values[name] = _text(name, raw)
        elif name == "year":
            if not _YEAR.fullmatch(raw) or not 1900 <= int(raw) <= 2199:
                raise BadParameters({name: ["A year, four digits (1900 to 2199)."]})
            values[name] = int(raw)
        elif name == "kind":
            if raw not in Kind.values:
                raise BadParameters({name: [f"One of {', '.join(Kind.values)}."]})
            values[name] = raw
        elif name == "language":
            if not LANGUAGE_TAG.fullmatch(raw) or len(raw) > 20:
                raise BadParameters({name: ["A language code, e.g. en or pt-BR."]})
            values[name] = raw
        elif name == "updated_since":
            values[name] = _moment(name, raw)
    if "day" in values and "conference" not in values:
        raise BadParameters(
            {"day": ["A day's slug is unique in its conference only: give conference too."]}
        )
    return values
