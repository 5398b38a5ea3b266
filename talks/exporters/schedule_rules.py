"""What the frab ecosystem's validators refuse in a schedule export.

The validators are voc/schedule's `schedule.xml.xsd` and `schema.json` (draft-06, with
format checks). The tests check exports with those files themselves; the rules here
restate the parts that apply to values an export passes through from an imported
source, so that an export can say which of them it kept as they were
(`talks.exporters.schedule.ScheduleExport.kept`). confnotes' own values always pass.
"""

import re
from dataclasses import dataclass
from xml.etree.ElementTree import Element


@dataclass(frozen=True)
class Refusal:
    """One value the schema refuses: where (`event.slug`, `day/@start`), why, and what."""

    field: str
    reason: str
    value: str


# -- JSON (schema.json) ------------------------------------------------------

_JSON_CONFERENCE_KEYS = frozenset(
    {"acronym", "title", "description", "start", "end", "daysCount", "timeslot_duration"}
    | {"time_zone_name", "logo", "colors", "keywords", "url", "tracks", "rooms", "meta", "days"}
)
_JSON_EVENT_KEYS = frozenset(
    {"guid", "code", "id", "logo", "date", "start", "end", "duration", "room", "slug", "url"}
    | {"title", "subtitle", "track", "type", "language", "abstract", "description"}
    | {"recording_license", "do_not_record", "do_not_stream", "persons", "links"}
    | {"feedback_url", "origin_url", "attachments"}
)
_JSON_ACRONYM = re.compile(r"^[a-z0-9_-][a-z0-9_]{3,}(-2[0-9]{3}-[a-z]+)?$")
_JSON_TIME_ZONE = re.compile(r"^([A-Z][a-z]+/[A-Z][a-z]+)|UTC$")
_JSON_SLUG = re.compile(r"^[a-z0-9_-]+[a-z0-9]$")
_JSON_START = re.compile(r"^(0[0-9]|1[0-9]|2[0-3]):[0-5][0-9]$")
_JSON_DURATION = re.compile(r"^[0-9]+:[0-9]{2}$")
_JSON_CODE = re.compile(r"^[A-Z0-9]+$")
_REFERENCE_TYPES = frozenset(
    {"slides", "paper", "web", "blog", "article", "media", "related", "activitypub"}
)
# RFC 3986: a scheme, then only the characters a URI may hold ("[" and "]" only in the
# host, "%" only before two hex digits).
_URI_CHARS = r"A-Za-z0-9\-._~!$&'()*+,;=:@"
_URI = re.compile(
    rf"[A-Za-z][A-Za-z0-9+.-]*:(?://(?:[{_URI_CHARS}\[\]]|%[0-9A-Fa-f]{{2}})*)?"
    rf"(?:[{_URI_CHARS}/?#]|%[0-9A-Fa-f]{{2}})*"
)
_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", re.ASCII
)
_UUID = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")


def time_zone_name_ok(name: str) -> bool:
    """Whether the JSON schema takes `name` as a time zone ("Europe/Berlin", "UTC")."""
    return bool(_JSON_TIME_ZONE.search(name))


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_text_or_null(value) -> bool:
    return value is None or isinstance(value, str)


class _Found:
    def __init__(self):
        self.refusals: list[Refusal] = []

    def add(self, field: str, reason: str, value) -> None:
        self.refusals.append(Refusal(field, reason, _shown(value)))


def _shown(value) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:79] + "…"


def json_refusals(data: dict) -> list[Refusal]:
    """What schema.json refuses in `data`, the JSON shape of an export."""
    found = _Found()
    schedule = data.get("schedule", {})
    if "base_url" in schedule and not _uri(schedule["base_url"]):
        found.add("schedule.base_url", "not an absolute URI", schedule["base_url"])
    conference = schedule.get("conference", {})
    for key in conference:
        if key not in _JSON_CONFERENCE_KEYS:
            found.add(f"conference.{key}", "no such field in the schema", conference[key])
    acronym = conference.get("acronym")
    if not (isinstance(acronym, str) and _JSON_ACRONYM.search(acronym)):
        found.add("conference.acronym", "does not match the acronym pattern", acronym)
    zone = conference.get("time_zone_name")
    if zone is not None and not (isinstance(zone, str) and _JSON_TIME_ZONE.search(zone)):
        found.add("conference.time_zone_name", "not an Area/Place name or UTC", zone)
    for key in ("url", "logo"):
        if key in conference and not _uri(conference[key]):
            found.add(f"conference.{key}", "not an absolute URI", conference[key])
    for day in conference.get("days", ()):
        for key in ("day_start", "day_end"):
            if not _rfc3339(day.get(key)):
                found.add(f"day.{key}", "not a date-time with an offset", day.get(key))
        for events in day.get("rooms", {}).values():
            for event in events:
                _json_event(event, found)
    return found.refusals


def _json_event(event: dict, found: _Found) -> None:
    for key in event:
        if key not in _JSON_EVENT_KEYS:
            found.add(f"event.{key}", "no such field in the schema", event[key])
    ident = event.get("id")
    if not (_is_int(ident) and ident >= 1):
        found.add("event.id", "not a positive whole number", ident)
    if not (isinstance(event.get("guid"), str) and _UUID.fullmatch(event["guid"])):
        found.add("event.guid", "not a UUID", event.get("guid"))
    if "code" in event and not (
        isinstance(event["code"], str) and _JSON_CODE.search(event["code"])
    ):
        found.add("event.code", "not uppercase letters and digits", event["code"])
    if not (isinstance(event.get("slug"), str) and _JSON_SLUG.search(event["slug"])):
        found.add("event.slug", "does not match the slug pattern", event.get("slug"))
    for key in ("url", "feedback_url", "origin_url"):
        if (key in event or key == "url") and not _uri(event.get(key)):
            found.add(f"event.{key}", "not an absolute URI", event.get(key))
    for key in ("date", "end"):
        if (key in event or key == "date") and not _rfc3339(event.get(key)):
            found.add(f"event.{key}", "not a date-time with an offset", event.get(key))
    if not (isinstance(event.get("start"), str) and _JSON_START.search(event["start"])):
        found.add("event.start", "not HH:MM", event.get("start"))
    if not (isinstance(event.get("duration"), str) and _JSON_DURATION.search(event["duration"])):
        found.add("event.duration", "not H:MM", event.get("duration"))
    for key in ("title", "type", "room", "recording_license"):
        if (key in event or key != "recording_license") and not isinstance(event.get(key), str):
            found.add(f"event.{key}", "not text", event.get(key))
    for key in ("subtitle", "track", "language", "abstract", "description"):
        if (key in event or key != "description") and not _is_text_or_null(event.get(key)):
            found.add(f"event.{key}", "not text", event.get(key))
    if event.get("do_not_record") is not None and not isinstance(event["do_not_record"], bool):
        found.add("event.do_not_record", "not true or false", event["do_not_record"])
    persons = event.get("persons")
    if not isinstance(persons, list):
        found.add("event.persons", "not a list", persons)
    else:
        for person in persons:
            if not _json_person_ok(person):
                found.add("event.persons", "neither a frab nor a pretalx person", person)
    for group in ("links", "attachments"):
        items = event.get(group, [] if group == "attachments" else None)
        if not isinstance(items, list):
            found.add(f"event.{group}", "not a list", items)
            continue
        for item in items:
            _json_reference(item, group, found)


def _json_person_ok(person) -> bool:
    """A person must be a frab person (id and public_name) or a pretalx one (name),
    not both ("oneOf")."""
    if not isinstance(person, dict):
        return False
    checks = (
        ("name", lambda v: isinstance(v, str)),
        ("guid", lambda v: isinstance(v, str)),
        ("id", _is_int),
        ("url", _uri),
        ("public_name", lambda v: isinstance(v, str)),
        ("links", lambda v: isinstance(v, list) and all(_reference_ok(i) for i in v)),
    )
    if any(key in person and not check(person[key]) for key, check in checks):
        return False
    frab = _is_int(person.get("id")) and isinstance(person.get("public_name"), str)
    pretalx = (
        isinstance(person.get("name"), str)
        and ("code" not in person or isinstance(person["code"], str))
        and (not isinstance(person.get("code"), str) or _JSON_CODE.search(person["code"]))
        and _is_text_or_null(person.get("avatar"))
        and (not isinstance(person.get("avatar"), str) or _uri(person["avatar"]))
        and _is_text_or_null(person.get("biography"))
    )
    return frab != pretalx


def _reference_ok(item) -> bool:
    return (
        isinstance(item, dict)
        and set(item) <= {"type", "url", "title"}
        and _uri(item.get("url"))
        and ("type" not in item or item["type"] in _REFERENCE_TYPES)
        and ("title" not in item or isinstance(item["title"], str))
    )


def _json_reference(item, group: str, found: _Found) -> None:
    label = group.removesuffix("s")
    if not isinstance(item, dict):
        found.add(f"event.{group}", f"a {label} that is not an object", item)
        return
    for key in set(item) - {"type", "url", "title"}:
        found.add(f"{label}.{key}", "no such field in the schema", item[key])
    if not _uri(item.get("url")):
        found.add(f"{label}.url", "not an absolute URI", item.get("url"))
    if "type" in item and item["type"] not in _REFERENCE_TYPES:
        found.add(f"{label}.type", "not one of the schema's link types", item["type"])
    if "title" in item and not isinstance(item["title"], str):
        found.add(f"{label}.title", "not text", item["title"])


def _uri(value) -> bool:
    return isinstance(value, str) and bool(_URI.fullmatch(value))


def _rfc3339(value) -> bool:
    return isinstance(value, str) and bool(_RFC3339.fullmatch(value))


# -- XML (schedule.xml.xsd) --------------------------------------------------

_XML_CONFERENCE_CHILDREN = frozenset(
    {"title", "acronym", "start", "end", "days", "timeslot_duration", "base_url", "logo"}
    | {"url", "time_zone_name", "color", "track"}
)
_XML_EVENT_CHILDREN = frozenset(
    {"room", "title", "subtitle", "type", "date", "start", "duration", "abstract", "slug"}
    | {"track", "logo", "persons", "language", "description", "recording", "links"}
    | {"attachments", "video_download_url", "url", "feedback_url", "origin_url"}
)
_XML_EVENT_REQUIRED = ("room", "title", "type", "date", "start", "duration", "abstract", "track")
_XML_ACRONYM = re.compile(r"[a-z0-9_-]{4,}")
_XML_SLUG = re.compile(r"[a-z0-9_]{4,}-[a-z0-9\-_]{4,}")
_XML_DURATION = re.compile(r"([0-9]{1,2}:[0-9]{2})|([0-9]{1,2}:[0-9]{2}:[0-9]{1,2})")
_XML_START = re.compile(r"([0-2][0-9]:[0-5][0-9])|([0-2][0-9]:[0-5][0-9]:[0-5][0-9])")
_XML_CODE = re.compile(r"[0-9A-Z]{6}")
_XML_HTTP = re.compile(r"https?://.*")
_XML_DATE = re.compile(r"-?\d{4,}-\d{2}-\d{2}(Z|[+-]\d{2}:\d{2})?", re.ASCII)
_XML_DATETIME_TZ = re.compile(
    r"-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", re.ASCII
)
_XML_BOOLEAN = frozenset({"true", "false", "1", "0"})
_XML_TEXT_TYPES = {
    "start": (_XML_START, "not HH:MM"),
    "duration": (_XML_DURATION, "not H:MM or H:MM:SS"),
    "timeslot_duration": (_XML_DURATION, "not H:MM or H:MM:SS"),
    "slug": (_XML_SLUG, "does not match the slug pattern"),
    "acronym": (_XML_ACRONYM, "does not match the acronym pattern"),
    "date": (_XML_DATETIME_TZ, "not a date-time with an offset"),
    "base_url": (_XML_HTTP, "not an http(s) URL"),
    "url": (_XML_HTTP, "not an http(s) URL"),
    "video_download_url": (_XML_HTTP, "not an http(s) URL"),
    "feedback_url": (_XML_HTTP, "not an http(s) URL"),
    "origin_url": (_XML_HTTP, "not an http(s) URL"),
}


def xml_refusals(root: Element) -> list[Refusal]:
    """What schedule.xml.xsd refuses in `root`, the <schedule> of an export."""
    found = _Found()
    conference = root.find("conference")
    for child in _elements(conference):
        tag = child.tag
        if tag not in _XML_CONFERENCE_CHILDREN:
            found.add(f"conference/{tag}", "no such element in the schema", child.text or "")
        elif tag in ("start", "end"):
            text = (child.text or "").strip()
            if not (_XML_DATE.fullmatch(text) or _XML_DATETIME_TZ.fullmatch(text)):
                found.add(f"conference/{tag}", "not a date", child.text or "")
        elif tag in ("logo", "url"):
            _xml_text_type(child, "url", "conference", found)
        else:
            _xml_text_type(child, tag, "conference", found)
    seen: dict[str, set] = {"@index": set(), "@guid": set(), "@id": set(), "@code": set()}
    seen["slug"] = set()
    for day in root.findall("day"):
        index = day.get("index", "")
        if not (index.strip().isdigit() and int(index) > 0):
            found.add("day/@index", "not a positive whole number", index)
        _unique("day/@index", index, seen["@index"], found)
        if day.get("date") is not None and not _XML_DATE.fullmatch(day.get("date").strip()):
            found.add("day/@date", "not a date", day.get("date"))
        for name in ("start", "end"):
            if not _XML_DATETIME_TZ.fullmatch((day.get(name) or "").strip()):
                found.add(f"day/@{name}", "not a date-time with an offset", day.get(name) or "")
        for event in day.iterfind("room/event"):
            _xml_event(event, seen, found)
    return found.refusals


def _elements(parent):
    """The child elements of `parent`, without processing instructions or comments."""
    return [child for child in parent if isinstance(child.tag, str)] if parent is not None else []


def _unique(field: str, value, seen: set, found: _Found) -> None:
    if value is None:
        return
    if value in seen:
        found.add(field, "not unique in the schedule", value)
    seen.add(value)


def _xml_text_type(element, kind: str, parent: str, found: _Found) -> None:
    rule = _XML_TEXT_TYPES.get(kind)
    text = element.text or ""
    if rule and not rule[0].fullmatch(text.strip() if kind == "date" else text):
        found.add(f"{parent}/{element.tag}", rule[1], text)


def _xml_event(event, seen: dict, found: _Found) -> None:
    for name in set(event.attrib) - {"id", "guid", "code"}:
        found.add(f"event/@{name}", "no such attribute in the schema", event.get(name))
    ident = event.get("id")
    if ident is None or not (ident.strip().isdigit() and int(ident) > 0):
        found.add("event/@id", "not a positive whole number", ident or "")
    if not _UUID.fullmatch(event.get("guid") or ""):
        found.add("event/@guid", "not a UUID", event.get("guid") or "")
    if event.get("code") is not None and not _XML_CODE.fullmatch(event.get("code")):
        found.add("event/@code", "not six uppercase letters and digits", event.get("code"))
    for name in ("guid", "id", "code"):
        _unique(f"event/@{name}", event.get(name), seen[f"@{name}"], found)
    children = _elements(event)
    names = [child.tag for child in children]
    for name in _XML_EVENT_REQUIRED:
        if name not in names:
            found.add(f"event/{name}", "missing", "")
    for child in children:
        tag = child.tag
        if tag not in _XML_EVENT_CHILDREN:
            found.add(f"event/{tag}", "no such element in the schema", child.text or "")
        elif names.count(tag) > 1:
            found.add(f"event/{tag}", "more than once", child.text or "")
        elif tag == "logo":
            if not re.fullmatch(r"https?://.*|\s*", child.text or ""):
                found.add("event/logo", "not an http(s) URL", child.text or "")
        elif tag == "slug":
            _xml_text_type(child, "slug", "event", found)
            _unique("event/slug", child.text or "", seen["slug"], found)
        elif tag == "recording":
            optout = (child.findtext("optout") or "").strip()
            if optout not in _XML_BOOLEAN:
                found.add("recording/optout", "not true or false", optout)
        elif tag == "persons":
            _xml_persons(child, found)
        else:
            _xml_text_type(child, tag, "event", found)


def _xml_persons(persons, found: _Found) -> None:
    for person in _elements(persons):
        if person.tag != "person":
            found.add(f"persons/{person.tag}", "no such element in the schema", "")
            continue
        for name in set(person.attrib) - {"id", "guid"}:
            found.add(f"person/@{name}", "no such attribute in the schema", person.get(name))
        ident = person.get("id")
        if ident is not None and not re.fullmatch(r"[+-]?\d+", ident.strip()):
            found.add("person/@id", "not a whole number", ident)
        if person.get("guid") is not None and not _UUID.fullmatch(person.get("guid")):
            found.add("person/@guid", "not a UUID", person.get("guid"))
