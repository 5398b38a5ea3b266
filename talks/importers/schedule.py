"""Import frab and pretalx schedules (`schedule.json` or `schedule.xml`) as a conference,
its days and talks.

The format is told by the file's content, not its name. XML is first read into the JSON
shape, so one code path checks and writes both. What the pages don't show is kept in
`extra["schedule"]` of the conference and of each talk, so that the exporter
(`talks.exporters.schedule`) can write the schedule back out without loss.
"""

import datetime
import hashlib
import json
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError, ProcessingInstruction, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import XMLParser as DefusedXMLParser
from django.db import DatabaseError, transaction
from django.utils import timezone

from confnotes.history.versions import RevisionLog
from confnotes.markdown import render_markdown
from confnotes.slugs import RESERVED_ROOT_SLUGS, ascii_slug, free_slug, unique_slug
from confnotes.text import clean_text
from speakers.models import Speaker, normalize_name
from talks.importers.common import (
    ImportFailed,
    ImportSummary,
    SpeakerResolver,
    announce_import,
    guess_series,
    kind_for_type,
    link_kind,
    normalize_language,
    refuse_json_constant,
    resolve_url,
    revision_comment,
    use_primary_database,
)
from talks.importers.schedule_extension import NAME as EXTENSION
from talks.importers.schedule_extension import EventExtension, pop_extension
from talks.models import (
    Conference,
    ConferenceOldSlug,
    Day,
    Kind,
    Link,
    LinkKind,
    Source,
    Talk,
    TalkOldSlug,
    TalkSpeaker,
)
from talks.tags import tags_of_old_names
from talks.times import date_problem, offset_name, parse_zone
from talks.video import split_offset

MAX_FILE_BYTES = 20 * 1024 * 1024
# Schedules are about eight levels deep; anything far deeper is hostile.
MAX_DEPTH = 32
# The key of `extra` under which this importer keeps its source fields.
EXTRA_KEY = "schedule"
# Event fields that become Talk columns, links or tags; the rest is kept in extra.
_MODELLED_EVENT_FIELDS = frozenset(
    {"title", "start", "duration", "room", "track", "language", "date", "links", "tags"}
)
_KNOWN_CONFERENCE_FIELDS = frozenset(
    {"acronym", "title", "start", "end", "daysCount", "days", "timeslot_duration"}
    | {"time_zone_name", "base_url"}
)

# ---------------------------------------------------------------------------
# Shared with the exporter


_VIDEO_LINE = re.compile(r"^[ \t>*_-]*video[ \t*_]*:[ \t]*<?(https?://[^\s<>)\]]+)", re.I | re.M)


def video_in_text(text: str) -> str:
    """The URL of a "Video: https://…" line of a description, or ""."""
    for match in _VIDEO_LINE.finditer(text or ""):
        url = resolve_url(match.group(1))
        if url:
            return url
    return ""


def combined_abstract(abstract: str, description: str) -> str:
    """The talk's abstract (Markdown): the source's abstract, then its description."""
    return "\n\n".join(part for part in (abstract, description) if part)


def derived_guid(text: str) -> str:
    """A stable guid for a record that has none of its own."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"confnotes:{text}"))


def schedule_extra(obj) -> dict:
    """The source fields this importer kept on a conference or talk."""
    extra = obj.extra if isinstance(obj.extra, dict) else {}
    value = extra.get(EXTRA_KEY)
    return value if isinstance(value, dict) else {}


_UUID = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")


def talk_guid(talk: Talk, conference_slug: str) -> str:
    """The guid a talk is exported with, and recognised by when its export comes back:
    the source's, else the one its import derived, else one derived from its slug."""
    guid = schedule_extra(talk).get("guid")
    if isinstance(guid, str) and guid:
        return guid
    if talk.source == Source.SCHEDULE and _UUID.fullmatch(talk.external_id):
        return talk.external_id
    return derived_guid(f"talk:{conference_slug}/{talk.slug}")


def parse_datetime(value) -> datetime.datetime | None:
    """A day's `day_start`/`day_end` as a datetime ("2019-05-22" is midnight), or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return datetime.datetime.fromisoformat(value.strip())
    except ValueError:
        return None


def effective_date(date: datetime.date, start: datetime.time | None, day_start) -> datetime.date:
    """The calendar date of an event: a schedule day may run past midnight (04:00 to
    03:59 the next day), so a start before the day's start is on the next date."""
    begins = parse_datetime(day_start)
    if start is not None and begins is not None and begins.date() == date:
        if start < begins.time().replace(tzinfo=None):
            return date + datetime.timedelta(days=1)
    return date


# ---------------------------------------------------------------------------
# Reading a file into the JSON shape


def read_schedule(path) -> tuple[str, dict]:
    """Read and parse a schedule file: its format ("frab JSON", "pretalx XML", ...) and
    its `schedule` object in the JSON shape. Raises ImportFailed."""
    path = Path(path)
    try:
        if not path.is_file():
            raise ImportFailed(path, "no such file")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ImportFailed(
                path, f"file is {_megabytes(size)}, over the limit of {_megabytes(MAX_FILE_BYTES)}"
            )
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ImportFailed(path, f"cannot read the file: {exc.strerror or exc}") from None
    if len(raw) > MAX_FILE_BYTES:  # It grew while we looked.
        raise ImportFailed(path, f"file is over the limit of {_megabytes(MAX_FILE_BYTES)}")
    first = raw.removeprefix(b"\xef\xbb\xbf").lstrip()[:1]
    if not first:
        raise ImportFailed(path, "empty file")
    if first in (b"{", b"["):
        schedule = _read_json(raw, path)
        return f"{_json_flavour(schedule)} JSON", schedule
    if first == b"<":
        schedule = _read_xml(raw, path)
        return f"{schedule.get('generator', {}).get('name') or 'frab'} XML", schedule
    shown = first.decode("latin-1")
    raise ImportFailed(path, f"neither JSON nor XML (it starts with {shown!r})")


def _megabytes(n: int) -> str:
    if n < 1024 * 1024:
        return f"{n} bytes"
    return f"{n / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")


def _read_json(raw: bytes, path) -> dict:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed(path, f"not UTF-8 text (byte at offset {exc.start})") from None
    try:
        data = json.loads(text, parse_constant=refuse_json_constant)
    except RecursionError:
        raise ImportFailed(path, f"nested more than {MAX_DEPTH} levels deep") from None
    except json.JSONDecodeError as exc:
        raise ImportFailed(
            path, f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except ValueError as exc:
        raise ImportFailed(path, f"not valid JSON: {exc}") from None
    data = _clean(data, path)
    if not isinstance(data, dict) or not isinstance(data.get("schedule"), dict):
        raise ImportFailed(path, 'not a schedule: no "schedule" object at the top')
    schedule = data["schedule"]
    if isinstance(data.get("generator"), dict) and "generator" not in schedule:
        schedule["generator"] = data["generator"]
    return schedule


def _json_flavour(schedule: dict) -> str:
    """pretalx (its persons have a `code`) or frab: only said in the progress line."""
    generator = schedule.get("generator")
    if isinstance(generator, dict) and isinstance(generator.get("name"), str):
        return generator["name"]
    days = (schedule.get("conference") or {}).get("days")
    for day in days if isinstance(days, list) else []:
        rooms = day.get("rooms") if isinstance(day, dict) else None
        for events in rooms.values() if isinstance(rooms, dict) else []:
            for event in events if isinstance(events, list) else []:
                persons = event.get("persons") if isinstance(event, dict) else None
                for person in persons if isinstance(persons, list) else []:
                    if isinstance(person, dict):
                        return "pretalx" if "code" in person else "frab"
    return "frab"


def _clean(value, path, depth: int = 0):
    """`value` with clean_text() applied to every string in it; refuses deep nesting."""
    if depth > MAX_DEPTH:
        raise ImportFailed(path, f"nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {_clean(k, path, depth): _clean(v, path, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v, path, depth + 1) for v in value]
    return value


def _read_xml(raw: bytes, path) -> dict:
    try:
        # No DTD at all: that refuses entity expansion (billion laughs) and external
        # entities before anything is expanded or fetched.
        # Processing instructions are kept: confnotes' extension is one.
        parser = DefusedXMLParser(target=TreeBuilder(insert_pis=True), forbid_dtd=True)
        parser.feed(raw)
        root = parser.close()
    except DefusedXmlException as exc:
        raise ImportFailed(
            path, f"XML with a DTD or entity declarations is refused ({type(exc).__name__})"
        ) from None
    except ParseError as exc:
        raise ImportFailed(path, f"not valid XML: {exc}") from None
    except RecursionError:
        raise ImportFailed(path, f"nested more than {MAX_DEPTH} levels deep") from None
    if root.tag != "schedule":
        raise ImportFailed(path, f"not a schedule: the root element is <{root.tag}>")
    _check_xml_depth(root, path)
    return _clean(_schedule_from_xml(root, path), path)


def _check_xml_depth(root: Element, path) -> None:
    level = [root]
    for _ in range(MAX_DEPTH):
        level = [child for element in level for child in element]
        if not level:
            return
    raise ImportFailed(path, f"nested more than {MAX_DEPTH} levels deep")


def _xml_text(element: Element | None) -> str:
    return "" if element is None else "".join(element.itertext())


def _xml_number(value: str | None):
    """XML attributes are text; frab ids and day indexes are numbers in JSON."""
    if value is not None and value.strip().isdigit():
        return int(value.strip())
    return value


def _schedule_from_xml(root: Element, path) -> dict:
    schedule: dict = {}
    generator = root.find("generator")
    if generator is not None:
        schedule["generator"] = dict(generator.attrib)
    version = root.find("version")
    if version is not None:
        schedule["version"] = _xml_text(version)
    element = root.find("conference")
    if element is None:
        raise ImportFailed(path, "conference: missing <conference>")
    conference: dict = {}
    for child in element:
        if child.tag is ProcessingInstruction:
            target, _, text = (child.text or "").partition(" ")
            if target == EXTENSION:  # read with the JSON's: `conference.meta.confnotes`
                conference["meta"] = {EXTENSION: text}
        elif not isinstance(child.tag, str):
            continue
        elif child.tag == "base_url":
            schedule["base_url"] = _xml_text(child)
        elif child.tag == "days":
            conference["daysCount"] = _xml_number(_xml_text(child))
        elif len(child) == 0 and not child.attrib and child.tag not in conference:
            conference[child.tag] = _xml_text(child)
    conference["days"] = []
    for day_element in root.findall("day"):
        rooms: dict[str, list] = {}
        for room in day_element.findall("room"):
            events = rooms.setdefault(room.get("name") or "", [])
            events.extend(_event_from_xml(event) for event in room.findall("event"))
        day = {"index": _xml_number(day_element.get("index")), "date": day_element.get("date")}
        day.update(day_start=day_element.get("start"), day_end=day_element.get("end"))
        conference["days"].append({**day, "rooms": rooms})
    schedule["conference"] = conference
    return schedule


def _event_from_xml(element: Element) -> dict:
    event: dict = {}
    if element.get("id") is not None:
        event["id"] = _xml_number(element.get("id"))
    if element.get("guid") is not None:
        event["guid"] = element.get("guid")
    for child in element:
        tag = child.tag
        if not isinstance(tag, str):  # a processing instruction
            continue
        if tag == "persons":
            event["persons"] = [
                {
                    **{k: _xml_number(v) if k == "id" else v for k, v in p.attrib.items()},
                    "public_name": _xml_text(p),
                }
                for p in child.findall("person")
            ]
        elif tag == "person":
            # Jekyll's frab-like files: one comma-separated string of names.
            names = (name.strip() for name in _xml_text(child).split(","))
            event.setdefault("persons", []).extend({"public_name": n} for n in names if n)
        elif tag in ("links", "attachments"):
            event[tag] = [
                {"url": item.get("href") or "", "title": _xml_text(item)}
                for item in child
                if isinstance(item.tag, str)
            ]
        elif tag == "recording":
            event["recording_license"] = _xml_text(child.find("license"))
            optout = _xml_text(child.find("optout")).strip().lower()
            event["do_not_record"] = {"true": True, "false": False}.get(optout, optout)
        elif tag == "tags":
            event["tags"] = [_xml_text(tag) for tag in child.findall("tag")]
        elif len(child) == 0 or tag in ("title", "abstract", "description"):
            event[tag] = _xml_text(child)
    return event


# ---------------------------------------------------------------------------
# Checking the schedule and reading its records


class _BadEvent(Exception):
    """An event that cannot be imported; the rest of the file can."""


@dataclass
class ParsedLink:
    kind: str
    url: str
    title: str


@dataclass
class ParsedEvent:
    label: str
    order: int
    guid: str
    source_id: object
    source_slug: str
    title: str
    start: datetime.time | None
    moment: datetime.datetime | None  # the event's `date`, when a full datetime
    duration: datetime.timedelta | None
    room: str
    track: str
    kind: str
    language: str
    abstract: str
    persons: list[tuple[str, dict]]
    links: list[ParsedLink]
    slides_url: str
    video_url: str
    tags: list[str] | None
    extra: dict
    key: str = ""
    talk_slug: str = ""  # the talk's slug where a confnotes export names it
    position: int | None = None  # an untimed item's place in its day, where one names it


@dataclass
class ParsedDay:
    date: datetime.date
    position: int
    info: dict
    events: list[ParsedEvent] = field(default_factory=list)

    def start_date(self, event: ParsedEvent) -> datetime.date | None:
        """The date the event starts on: the one its `date` says when that agrees with
        its start, else the day's (the next one when it starts before the day does)."""
        if event.start is None:
            return None
        moment = event.moment
        if moment is not None and moment.time().replace(tzinfo=None) == event.start:
            if 0 <= (moment.date() - self.date).days <= 1:
                return moment.date()
        return effective_date(self.date, event.start, self.info.get("day_start"))


@dataclass
class ParsedSchedule:
    title: str
    key: str
    acronym_slug: str
    slug_candidates: list[str]
    start: datetime.date | None
    end: datetime.date | None
    extra: dict
    days: list[ParsedDay]
    problems: list[str]
    time_zone: str = ""  # its name, else the one offset its times carry, else ""
    ours: bool = False  # written by confnotes' export: a copy of rows, not a source

    @property
    def events(self) -> list[ParsedEvent]:
        return [event for day in self.days for event in day.events]


_JSON_KINDS = {bool: "true/false", int: "a number", float: "a number", list: "a list"}


def _kind_of(value) -> str:
    """How a wrong value is named in an error: as JSON calls it."""
    if isinstance(value, dict):
        return "an object"
    return _JSON_KINDS.get(type(value), "text" if isinstance(value, str) else "null")


def _fail(path, record: str, problem: str):
    raise ImportFailed(path, problem, record=record)


def _optional_text(value, path, record: str, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        _fail(path, record, f"{what} must be text, not {_kind_of(value)}")
    return value.strip()


def _date(value, path, record: str, what: str) -> datetime.date | None:
    text = _optional_text(value, path, record, what)
    if not text:
        return None
    try:
        if len(text) > 10:
            value = datetime.datetime.fromisoformat(text).date()
        else:
            value = datetime.date.fromisoformat(text)
    except ValueError:
        _fail(path, record, f"{what} {text!r} is not a date")
    problem = date_problem(value)
    if problem:
        _fail(path, record, f"{what} {problem}")
    return value


def _acronym_slug(acronym: str) -> str:
    slug = ascii_slug(acronym)[:194].strip("-")
    usable = len(slug) >= 2 and not slug.isdigit() and slug not in RESERVED_ROOT_SLUGS
    return slug if usable else ""


def parse_schedule(schedule: dict, *, path) -> ParsedSchedule:
    """Check the structure of a schedule and read its conference, days and events.

    A broken structure (a missing title or day date, a wrong type) raises ImportFailed;
    a bad event is left out and named in `problems`."""
    conference = schedule.get("conference")
    if not isinstance(conference, dict):
        _fail(path, "schedule", 'missing "conference" object')
    conference = dict(conference)
    extension = pop_extension(conference, path)
    record = "conference"
    title = " ".join(_optional_text(conference.get("title"), path, record, "title").split())
    if not title:
        _fail(path, record, "missing title")
    acronym = _optional_text(conference.get("acronym"), path, record, "acronym")
    start = _date(conference.get("start"), path, record, "start")
    end = _date(conference.get("end"), path, record, "end")
    if start and end and end < start:
        _fail(path, record, f"ends ({end}) before it starts ({start})")
    base_url = _optional_text(schedule.get("base_url"), path, "schedule", "base_url")
    extra: dict = {"acronym": acronym}
    for name in ("version", "base_url"):
        if name in schedule:
            extra[name] = _optional_text(schedule[name], path, "schedule", name)
    if isinstance(schedule.get("generator"), dict):
        extra["generator"] = schedule["generator"]
    for name in ("timeslot_duration", "time_zone_name"):
        if name in conference:
            extra[name] = _optional_text(conference[name], path, record, name)
    others = {k: v for k, v in conference.items() if k not in _KNOWN_CONFERENCE_FIELDS}
    if others:
        extra["conference"] = others

    raw_days = conference.get("days")
    if not isinstance(raw_days, list):
        _fail(path, record, '"days" is not a list' if raw_days is not None else "missing days")
    days: dict[datetime.date, ParsedDay] = {}
    problems: list[str] = []
    order = 0
    for n, raw_day in enumerate(raw_days, start=1):
        record = f"day {n}"
        if not isinstance(raw_day, dict):
            _fail(path, record, "is not an object")
        # Old frab files may leave out the date where the day's start still has it.
        date = _date(raw_day.get("date") or raw_day.get("day_start"), path, record, "date")
        if date is None:
            _fail(path, record, "missing date")
        record = f"day {date}"
        index = raw_day.get("index")
        position = index if isinstance(index, int) and not isinstance(index, bool) else n
        day = days.get(date)
        if day is None:
            info = {
                name: _optional_text(raw_day.get(name), path, record, name)
                for name in ("day_start", "day_end")
                if name in raw_day
            }
            day = days[date] = ParsedDay(date=date, position=max(position, 1), info=info)
        rooms = raw_day.get("rooms")
        if not isinstance(rooms, dict):
            _fail(
                path, record, '"rooms" is not an object' if rooms is not None else "missing rooms"
            )
        room_names = day.info.setdefault("rooms", [])
        for room, raw_events in rooms.items():
            if not isinstance(raw_events, list):
                _fail(path, f"{record}, room {room!r}", "events are not a list")
            if room not in room_names:
                room_names.append(room)
            for m, raw in enumerate(raw_events, start=1):
                if not isinstance(raw, dict):
                    _fail(path, f"{record}, room {room!r}, event {m}", "is not an object")
                order += 1
                guid = raw.get("guid")
                noted = extension.events.get(guid) if isinstance(guid, str) else None
                try:
                    day.events.append(_parse_event(raw, room, order, base_url, noted))
                except _BadEvent as exc:
                    problems.append(f"{path}: {_event_label(raw, room, date)}: {exc}")

    parsed_days = sorted(days.values(), key=lambda d: d.date)
    key = (acronym or ascii_slug(title) or "conference")[:200]
    # A confnotes export names the conference's slug: it comes back under it.
    acronym_slug = extension.slug or _acronym_slug(acronym)
    candidates = [
        s for s in (acronym_slug, _acronym_slug(acronym), ascii_slug(title)[:194].strip("-")) if s
    ]
    if not start and parsed_days:
        start = parsed_days[0].date
    if not end and parsed_days:
        end = max(parsed_days[-1].date, start)
    parsed = ParsedSchedule(
        title=title[:200],
        key=key,
        acronym_slug=acronym_slug,
        slug_candidates=list(dict.fromkeys(candidates)),
        start=start,
        end=end,
        extra=extra,
        days=parsed_days,
        problems=problems,
    )
    parsed.time_zone = schedule_zone(extra.get("time_zone_name"), parsed_days)
    if extension.time_zone is not None:  # the conference's own, as confnotes exported it
        parsed.time_zone = extension.time_zone if parse_zone(extension.time_zone) else ""
    generator = schedule.get("generator")
    parsed.ours = isinstance(generator, dict) and generator.get("name") == "confnotes"
    _assign_keys(parsed, path)
    return parsed


def schedule_zone(name, days: list[ParsedDay]) -> str:
    """The schedule's zone for `Conference.time_zone`: its valid name; else the offset
    every day's start (or else every event's date) carries, when they agree; else "".

    A "Z" on event dates alone is not believed: Jekyll's frab-style files stamp local
    times with it."""
    if isinstance(name, str) and parse_zone(name) is not None:
        return name.strip()
    starts = [parse_datetime(day.info.get("day_start")) for day in days]
    offsets = {begins.utcoffset() for begins in starts if begins is not None} - {None}
    if not offsets:
        moments = [event.moment for day in days for event in day.events if event.moment]
        offsets = {moment.utcoffset() for moment in moments} - {None}
        if offsets == {datetime.timedelta(0)}:
            return ""
    return offset_name(offsets.pop()) if len(offsets) == 1 else ""


def _event_label(raw: dict, room: str, date) -> str:
    title = raw.get("title")
    title = f' "{" ".join(title.split())[:80]}"' if isinstance(title, str) and title.strip() else ""
    ident = raw.get("id", raw.get("guid"))
    if isinstance(ident, int | str) and not isinstance(ident, bool) and str(ident).strip():
        return f"event {ident}{title}"
    return f"event{title} in room {room!r} on {date}"


def _parse_time(value) -> datetime.time | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        text = value.strip()
        match = re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", text)
        if match:
            hours, minutes, seconds = (int(g or 0) for g in match.groups())
            if hours < 24 and minutes < 60 and seconds < 60:
                return datetime.time(hours, minutes, seconds)
        elif "T" in text:  # A full datetime: its wall-clock time, whatever the offset.
            moment = parse_datetime(text)
            if moment is not None:
                return moment.time().replace(tzinfo=None)
    raise _BadEvent(f"start time {value!r} is not HH:MM")


def _datetime_text(value) -> str | None:
    """An event's `date` when it is a full datetime (its start, when `start` is missing)."""
    return value if isinstance(value, str) and "T" in value else None


def _parse_duration(value) -> datetime.timedelta | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        match = re.fullmatch(r"(\d{1,3}):(\d{2})(?::(\d{2}))?", value.strip())
        if match:
            hours, minutes, seconds = (int(g or 0) for g in match.groups())
            if minutes < 60 and seconds < 60:
                # "00:00" is how a schedule (and our export) says "no known duration".
                return datetime.timedelta(hours=hours, minutes=minutes, seconds=seconds) or None
    raise _BadEvent(f"duration {value!r} is not HH:MM or H:MM:SS")


def _event_text(raw: dict, name: str) -> str:
    value = raw.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _BadEvent(f"{name} must be text, not {_kind_of(value)}")
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def _event_list(raw: dict, name: str) -> list:
    value = raw.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _BadEvent(f"{name} must be a list, not {_kind_of(value)}")
    return value


def _person_name(person) -> str:
    if isinstance(person, str):
        return person
    if isinstance(person, dict):
        for name in ("public_name", "name", "full_name"):
            if isinstance(person.get(name), str) and person[name].strip():
                return person[name]
    return ""


def _link_parts(item) -> tuple[object, str]:
    if isinstance(item, str):
        return item, ""
    if isinstance(item, dict):
        title = item.get("title")
        return item.get("url", item.get("href")), title.strip() if isinstance(title, str) else ""
    return None, ""


def _parse_event(
    raw: dict, room: str, order: int, base_url: str, noted: EventExtension | None = None
) -> ParsedEvent:
    """One event; `noted` is what confnotes' extension says of it (tags, no known time,
    a duration with seconds)."""
    title = " ".join(_event_text(raw, "title").split())
    if not title:
        raise _BadEvent("missing title")
    noted = noted or EventExtension()
    start = _parse_time(raw.get("start") or _datetime_text(raw.get("date")))
    moment = parse_datetime(_datetime_text(raw.get("date")))
    if start is not None and moment is not None:
        wall = moment.time().replace(tzinfo=None, microsecond=0)
        if wall.replace(second=0) == start:
            start = wall  # `start` is HH:MM; the seconds are in `date`
    if noted.untimed:
        start = moment = None
    duration = _parse_duration(noted.duration or raw.get("duration"))
    guid = raw.get("guid")
    if guid is not None and not isinstance(guid, str):
        raise _BadEvent(f"guid must be text, not {_kind_of(guid)}")
    if isinstance(raw.get("id"), bool | float | dict | list):
        raise _BadEvent(f"id must be a number or text, not {_kind_of(raw['id'])}")
    event_type = _event_text(raw, "type")
    track = " ".join(_event_text(raw, "track").split())
    if event_type:
        kind = kind_for_type(event_type)
    else:  # No type (Jekyll's files): a track called "Pause" or "Keynote" still tells.
        kind = kind_for_type(track, default=Kind.TALK)
    abstract = _event_text(raw, "abstract")
    description = _event_text(raw, "description")
    tags = raw.get("tags", noted.tags)
    if tags is not None:
        # Names, or objects naming one ({"tag": "python", "color": ...}).
        names = [
            t.get("tag", t.get("name")) if isinstance(t, dict) else t
            for t in (tags if isinstance(tags, list) else [None])
        ]
        if not all(isinstance(n, str) for n in names):
            raise _BadEvent("tags are not a list of names")
        tags = list(dict.fromkeys(n.strip()[:100] for n in names if n.strip()))

    persons = []
    for person in _event_list(raw, "persons"):
        name = " ".join(_person_name(person).split())
        if name:
            persons.append((name, person if isinstance(person, dict) else {"public_name": name}))

    links: list[ParsedLink] = []
    unlinked: dict[str, list] = {"links": [], "attachments": []}
    # confnotes' extension: kinds a link's title cannot tell, and the links written only
    # to carry the talk's video and slides (they are no links of their own).
    # In JSON, URLs are written as URIs: `iris` gives the ones stored otherwise back.
    iris = {resolve_url(uri, base_url): resolve_url(iri) for uri, iri in noted.iris.items()}

    def stored_url(url) -> str:
        resolved = resolve_url(url, base_url) or ""
        return iris.get(resolved) or resolved

    kinds = {stored_url(url): kind for url, kind in noted.kinds.items()}
    carried = {
        name: stored_url(noted_url)
        for name, noted_url in (("video", noted.video), ("slides", noted.slides))
    }
    for group in ("links", "attachments"):
        for item in _event_list(raw, group):
            url, link_title = _link_parts(item)
            resolved = stored_url(url) or None
            if resolved and group == "links" and resolved in carried.values():
                continue
            if resolved is None or any(link.url == resolved for link in links):
                unlinked[group].append(item)
                continue
            what = kinds.get(resolved) or link_kind(resolved, link_title)
            links.append(ParsedLink(what, resolved, link_title[:300]))
    slides = (
        carried["slides"]
        or stored_url(noted.slides_link)
        or next((link.url for link in links if link.kind == LinkKind.SLIDES), "")
    )
    video = (
        carried["video"]
        or stored_url(noted.video_link)
        or next((link.url for link in links if link.kind == LinkKind.VIDEO), "")
    )

    extra = {k: v for k, v in raw.items() if k not in _MODELLED_EVENT_FIELDS}
    extra.update(type=event_type, abstract=abstract, description=description)
    extra["persons"] = [p for _, p in persons]
    # Where each link came from, so the export writes it back where it was.
    extra["link_urls"] = [link.url for link in links]
    extra["attachments"] = _event_list(raw, "attachments")
    extra.update((f"unlinked_{group}", items) for group, items in unlinked.items() if items)
    source_slug = raw.get("slug") if isinstance(raw.get("slug"), str) else ""
    return ParsedEvent(
        label=_event_label(raw, room, ""),
        order=order,
        guid=(guid or "").strip(),
        source_id=raw.get("id"),
        source_slug=source_slug.strip(),
        title=title[:300],
        start=start,
        moment=moment,
        duration=duration,
        room=room.strip()[:200],
        track=track[:200],
        kind=kind,
        language=normalize_language(_event_text(raw, "language")),
        abstract=combined_abstract(abstract, description),
        persons=persons,
        links=links,
        slides_url=slides,
        video_url=video or video_in_text(description) or video_in_text(abstract),
        tags=tags,
        extra=extra,
        talk_slug=noted.slug or "",
        position=noted.position if start is None else None,
    )


def _short_key(text: str) -> str:
    if len(text) <= 200:
        return text
    return text[:183] + "#" + hashlib.sha1(text.encode()).hexdigest()[:16]


def _assign_keys(parsed: ParsedSchedule, path) -> None:
    """Give each event its external id: its guid; else a guid derived from its frab id
    within this conference, when no other event has it; else from date/room/start/title.
    (A derived guid is what the export writes, so the event is known when it comes back.)"""
    ids: dict[str, int] = defaultdict(int)
    for event in parsed.events:
        if not event.guid and event.source_id is not None and str(event.source_id):
            ids[str(event.source_id)] += 1
    seen: set[str] = set()
    for day in parsed.days:
        kept = []
        for event in day.events:
            ident = str(event.source_id) if event.source_id is not None else ""
            if event.guid:
                event.key = _short_key(event.guid)
            elif ident and ids.get(ident) == 1:
                event.key = derived_guid(f"schedule:{parsed.key}/{ident}")
            else:
                start = event.start.strftime("%H:%M") if event.start else ""
                name = event.source_slug or event.title
                event.key = derived_guid(
                    f"schedule:{parsed.key}/{day.date}/{event.room}/{start}/{name}"
                )
            if event.key in seen:
                parsed.problems.append(f"{path}: {event.label}: same id as an earlier event")
                continue
            seen.add(event.key)
            kept.append(event)
        day.events = kept


# ---------------------------------------------------------------------------
# Writing


def import_schedule(path, *, stdout=None, history: RevisionLog | None = None) -> ImportSummary:
    """Import one frab/pretalx schedule file, all or nothing; returns what changed.

    Raises ImportFailed (one line: file, record, problem) when the file cannot be imported.
    What it writes goes into the revision of `history` (a run of several files shares
    one), else into a revision of its own."""
    if history is None:
        history = RevisionLog(revision_comment("import_schedule", [path]))
    fmt, schedule = read_schedule(path)
    parsed = parse_schedule(schedule, path=path)
    if stdout is not None:
        stdout.write(
            f"{path}: {fmt} schedule of {parsed.title}: {len(parsed.days)} days, "
            f"{len(parsed.events)} events\n"
        )
    summary = ImportSummary()
    try:
        with use_primary_database(), transaction.atomic():
            writer = _ScheduleWriter(parsed, summary)
            conference = writer.write()
            history.add(writer.written)
            announce_import("schedule", [conference.pk])
    except DatabaseError as exc:
        raise ImportFailed(path, f"database error: {exc}") from None
    for problem in parsed.problems:
        summary.add("Talk", "skipped")
        summary.problem(problem)
    return summary


def _snapshot(obj, names) -> tuple:
    return tuple(getattr(obj, name) for name in names)


def _person_id(person) -> int | str | None:
    """A person's id in a schedule, when it is one (files put anything there)."""
    value = person.get("id") if isinstance(person, dict) else None
    return value if isinstance(value, (int, str)) and value != "" else None


def _merged(old: dict, new: dict) -> dict:
    """`new`, keeping what only `old` knew (pretalx JSON has biographies its XML lacks)."""
    merged = {**old, **new}
    for name in ("unlinked_links", "unlinked_attachments"):
        if not new.get(name):
            merged.pop(name, None)
    if isinstance(new.get("persons"), list) and isinstance(old.get("persons"), list):
        by_id = {_person_id(p): p for p in old["persons"] if _person_id(p) is not None}
        merged["persons"] = [
            {**by_id.get(_person_id(p), {}), **p} if isinstance(p, dict) else p
            for p in new["persons"]
        ]
    return merged


_CONFERENCE_FIELDS = (
    "name", "series", "start_date", "end_date", "time_zone", "source", "external_id", "extra",
)  # fmt: skip
# What an import writes on a talk (its slug only when new: a renamed talk keeps its URL).
_TALK_FIELDS = (
    "day_id", "conference_id", "title", "kind", "position", "start_time", "start_date",
    "duration", "room", "track", "language", "abstract", "abstract_html", "slides_url",
    "video_url", "video_start", "video_end", "source", "external_id", "extra",
)  # fmt: skip


class _ScheduleWriter:
    """Writes one parsed schedule in a fixed number of queries per kind of row; runs
    inside the caller's transaction."""

    def __init__(self, parsed: ParsedSchedule, summary: ImportSummary):
        self.parsed = parsed
        self.summary = summary
        self.written: list = []  # rows created or changed, for the run's revision

    def write(self) -> Conference:
        self.conference = self.write_conference()
        days = self.write_days()
        resolver = SpeakerResolver(self.summary)
        speakers = resolver.resolve_all(
            name for event in self.parsed.events for name, _ in event.persons
        )
        placed = []  # (event, talk) in program order
        self.load_talks()
        for parsed_day in self.parsed.days:

            def order(event, parsed_day=parsed_day):
                if event.start is None:
                    return (datetime.datetime.max, event.room.casefold(), event.order)
                moment = datetime.datetime.combine(parsed_day.start_date(event), event.start)
                return (moment, event.room.casefold(), event.order)

            events = sorted((e for e in parsed_day.events if e.position is None), key=order)
            # An untimed item whose place a confnotes export names goes back to it.
            placed_untimed = [e for e in parsed_day.events if e.position is not None]
            for event in sorted(placed_untimed, key=lambda e: (e.position, e.order)):
                events.insert(min(event.position - 1, len(events)), event)
            for position, event in enumerate(events, start=1):
                talk = self.place_talk(event, days[parsed_day.date], position)
                start_date = parsed_day.start_date(event)
                talk.start_date = start_date if start_date != parsed_day.date else None
                placed.append((event, talk))
        self.save_talks(placed)
        changed = self.write_speakers(placed, speakers, resolver.created_pks)
        changed |= self.write_links(placed)
        changed |= self.write_tags(placed)
        for _event, talk in placed:
            if talk.pk in self.created:
                self.summary.add("Talk", "created")
            elif talk.pk in self.updated or talk.pk in changed:
                self.summary.add("Talk", "updated")
            else:
                continue
            self.written.append(talk)
        self.written.extend(resolver.created)
        return self.conference

    # Conference and days

    def write_conference(self) -> Conference:
        parsed = self.parsed
        conference = Conference.objects.filter(
            source=Source.SCHEDULE, external_id=parsed.key
        ).first()
        for slug in [] if conference else parsed.slug_candidates:
            found = Conference.objects.filter(slug=slug).first()
            if found and not (found.source == Source.SCHEDULE and found.external_id):
                conference = found
                break
        created = conference is None
        if created:
            conference = Conference(
                source=Source.SCHEDULE,
                external_id=parsed.key,
                slug=self.new_conference_slug(),
                published=True,
            )
        before = None if created else _snapshot(conference, _CONFERENCE_FIELDS)
        conference.name = parsed.title
        conference.series = conference.series or guess_series(parsed.title)
        conference.start_date = parsed.start or conference.start_date
        conference.end_date = parsed.end or conference.end_date
        conference.time_zone = parsed.time_zone or conference.time_zone
        # confnotes' own export, back into the conference it came from, is no source:
        # what the export made up (a generator, guids, a zone name) is not kept.
        if created or not parsed.ours:
            extra = dict(conference.extra) if isinstance(conference.extra, dict) else {}
            new = dict(parsed.extra)
            new["days"] = {str(day.date): day.info for day in parsed.days}
            extra[EXTRA_KEY] = _merged(schedule_extra(conference), new)
            conference.extra = extra
        if created or _snapshot(conference, _CONFERENCE_FIELDS) != before:
            conference.save()
            self.summary.add("Conference", "created" if created else "updated")
            self.written.append(conference)
        return conference

    def new_conference_slug(self) -> str:
        slug = self.parsed.acronym_slug
        taken = (
            Conference.objects.filter(slug=slug).exists()
            or ConferenceOldSlug.objects.filter(slug=slug).exists()
        )
        if slug and not taken:
            return slug
        return unique_slug(self.parsed.title, Conference.objects, reserved=RESERVED_ROOT_SLUGS)

    def write_days(self) -> dict[datetime.date, Day]:
        existing = {day.date: day for day in self.conference.days.all()}
        for parsed in self.parsed.days:
            day = existing.get(parsed.date)
            if day is None:
                day = Day(conference=self.conference, date=parsed.date, position=parsed.position)
                day.save()  # A few days a conference: save() fills the slug.
                existing[parsed.date] = day
                self.summary.add("Day", "created")
                self.written.append(day)
            elif day.position != parsed.position:
                day.position = parsed.position
                day.save(update_fields=["position", "updated"])
                self.summary.add("Day", "updated")
                self.written.append(day)
        return existing

    # Talks

    def load_talks(self) -> None:
        """Index the talks an event may be: by external id, then by guid and by slug."""
        self.by_key: dict[str, Talk] = {}
        self.by_guid: dict[str, Talk] = {}
        self.by_slug: dict[str, Talk] = {}
        for talk in self.conference.talks.all():
            if talk.source == Source.SCHEDULE and talk.external_id:
                self.by_key[talk.external_id] = talk
            self.by_guid.setdefault(talk_guid(talk, self.conference.slug), talk)
            self.by_slug[talk.slug] = talk
        # Rarely, an event's talk is filed under another conference (its acronym changed).
        elsewhere = [event.key for event in self.parsed.events if event.key not in self.by_key]
        for talk in Talk.objects.filter(source=Source.SCHEDULE, external_id__in=elsewhere):
            self.by_key[talk.external_id] = talk
        self.taken_slugs = set(self.by_slug) | set(
            TalkOldSlug.objects.filter(talk__conference=self.conference).values_list(
                "slug", flat=True
            )
        )
        self.claimed: set[int] = set()
        self.created: set[int] = set()
        self.updated: set[int] = set()

    def find_talk(self, event: ParsedEvent) -> Talk | None:
        talk = self.by_key.get(event.key)
        if talk is None and event.guid:
            talk = self.by_guid.get(event.guid)
        if talk is None:
            talk = self.by_slug.get(event.talk_slug) or self.by_slug.get(
                ascii_slug(event.title)[:194].strip("-")
            )
            if talk and talk.source == Source.SCHEDULE and talk.external_id:
                talk = None  # Another schedule event that happens to share the title.
        if talk is not None and talk.pk in self.claimed:
            return None
        return talk

    def new_slug(self, title: str, preferred: str = "") -> str:
        """A free slug: `preferred` (the one a confnotes export names), else the title's."""
        if preferred and preferred not in self.taken_slugs:
            self.taken_slugs.add(preferred)
            return preferred
        return free_slug(ascii_slug(title)[:194].strip("-") or "talk", self.taken_slugs)

    def place_talk(self, event: ParsedEvent, day: Day, position: int) -> Talk:
        """Set the talk's fields from the event (a new, unsaved talk when none matches)."""
        talk = self.find_talk(event)
        if talk is None:
            talk = Talk(source=Source.SCHEDULE, external_id=event.key)
            talk._before = None
            talk.slug = self.new_slug(event.title, event.talk_slug)
        else:
            self.claimed.add(talk.pk)
            talk._before = _snapshot(talk, _TALK_FIELDS)
            # confnotes' own export names no source of the talk.
            adopt = not self.parsed.ours and not talk.external_id
            if adopt and talk.source in ("", Source.SCHEDULE):
                talk.source, talk.external_id = Source.SCHEDULE, event.key
            if talk.conference_id != self.conference.pk:  # Moved here from another conference.
                talk.slug = self.new_slug(event.title, event.talk_slug)
        talk.day = day
        talk.conference = self.conference
        talk.title = event.title
        talk.kind = event.kind
        talk.position = position
        talk.start_time = event.start
        talk.duration = event.duration
        talk.room = event.room
        talk.track = event.track
        talk.language = event.language
        video_url = talk.video_url
        if event.video_url:
            # An offset in the link (`?t=569`) is where this item starts in the recording;
            # a link without one keeps the start set here, unless the video changed.
            url, start, end = split_offset(event.video_url)
            if url != talk.video_url or start is not None or end is not None:
                talk.video_url, talk.video_start, talk.video_end = url, start, end
        # Space around the abstract is no change (a schedule's text fields come stripped).
        if (
            talk._before is None
            or talk.abstract.strip() != event.abstract
            or talk.video_url != video_url
        ):
            talk.abstract = event.abstract
            talk.render_markdown()  # its time codes link into the video
        talk.slides_url = event.slides_url or talk.slides_url
        old = schedule_extra(talk)
        talk._imported_links = set(old.get("link_urls") or ())
        if talk._before is None or not self.parsed.ours:
            extra = dict(talk.extra) if isinstance(talk.extra, dict) else {}
            extra[EXTRA_KEY] = _merged(old, event.extra)
            talk.extra = extra
        return talk

    def save_talks(self, placed) -> None:
        new = [talk for _, talk in placed if talk._before is None]
        changed = [
            talk
            for _, talk in placed
            if talk._before is not None and _snapshot(talk, _TALK_FIELDS) != talk._before
        ]
        moved = [talk for talk in changed if talk.slug != talk._loaded_slug]
        now = timezone.now()
        for talk in changed:
            talk.updated = now  # bulk_update() leaves auto_now fields alone.
        Talk.objects.bulk_create(new, batch_size=500)
        Talk.objects.bulk_update(changed, [*_TALK_FIELDS, "updated"], batch_size=500)
        for talk in moved:  # Rare: a talk moved from another conference gets a new slug.
            talk.save(update_fields=["slug"])
        self.created = {talk.pk for talk in new}
        self.updated = {talk.pk for talk in changed}

    def write_speakers(self, placed, speakers, new_speakers: set[int]) -> set[int]:
        """Set each talk's speakers, in order, and fill empty bios from the schedule's
        biographies; returns the talks whose speakers changed."""
        current = defaultdict(list)
        for talk_id, speaker_id in (
            TalkSpeaker.objects.filter(talk__in=[talk.pk for _, talk in placed])
            .order_by("position", "pk")
            .values_list("talk_id", "speaker_id")
        ):
            current[talk_id].append(speaker_id)
        changed, rows, bios = set(), [], {}
        for event, talk in placed:
            wanted = []
            for name, person in event.persons:
                speaker = speakers.get(normalize_name(name))
                if speaker is not None and speaker.pk not in wanted:
                    wanted.append(speaker.pk)
                    bio = person.get("biography")
                    if isinstance(bio, str) and bio.strip() and not speaker.bio:
                        bios[speaker.pk] = (speaker, bio.strip())
            if current.get(talk.pk, []) != wanted:
                changed.add(talk.pk)
                rows.extend(
                    TalkSpeaker(talk=talk, speaker_id=pk, position=n) for n, pk in enumerate(wanted)
                )
        TalkSpeaker.objects.filter(talk__in=changed).delete()
        TalkSpeaker.objects.bulk_create(rows, batch_size=500)
        for speaker, bio in bios.values():  # Fill an empty bio; never overwrite one.
            speaker.bio, speaker.bio_html = bio, render_markdown(bio)
        if bios:
            Speaker.objects.bulk_update(
                [speaker for speaker, _ in bios.values()], ["bio", "bio_html"]
            )
            self.written.extend(s for s, _ in bios.values() if s.pk not in new_speakers)
            updated = len(set(bios) - new_speakers)
            if updated:
                self.summary.add("Speaker", "updated", updated)
        return changed - self.created

    def write_links(self, placed) -> set[int]:
        """Add and update the talks' links; a link that an earlier import of this
        schedule wrote and that the schedule no longer has is removed, one added by
        hand is kept. Returns the talks whose links changed."""
        current = defaultdict(dict)
        for link in Link.objects.filter(talk__in=[talk.pk for _, talk in placed]):
            current[link.talk_id][link.url] = link
        create, update, delete, changed = [], [], [], set()
        for event, talk in placed:
            have = current.get(talk.pk, {})
            wanted = {link.url for link in event.links}
            for position, parsed in enumerate(event.links):
                link = have.get(parsed.url)
                if link is None:
                    create.append(
                        Link(
                            talk=talk,
                            kind=parsed.kind,
                            url=parsed.url,
                            title=parsed.title,
                            position=position,
                        )
                    )
                elif (link.kind, link.title, link.position) != (
                    parsed.kind,
                    parsed.title,
                    position,
                ):
                    link.kind, link.title, link.position = parsed.kind, parsed.title, position
                    update.append(link)
            delete.extend(
                link.pk
                for url, link in have.items()
                if url in talk._imported_links and url not in wanted
            )
        Link.objects.bulk_create(create, batch_size=500)
        Link.objects.bulk_update(update, ["kind", "title", "position"], batch_size=500)
        Link.objects.filter(pk__in=delete).delete()
        for action, rows in (("created", create), ("updated", update)):
            if rows:
                self.summary.add("Link", action, len(rows))
        for link in [*create, *update]:
            changed.add(link.talk_id)
        return changed - self.created

    def write_tags(self, placed) -> set[int]:
        """Schedules rarely carry tags; when an event does, they replace the talk's."""
        changed = set()
        tagged = [(event, talk) for event, talk in placed if event.tags is not None]
        if not tagged:
            return changed
        current = defaultdict(set)
        for talk_id, name in Talk.tags.through.objects.filter(
            content_object__in=[talk.pk for _, talk in tagged]
        ).values_list("content_object_id", "tag__name"):
            current[talk_id].add(name.casefold())
        followed = tags_of_old_names({name for event, _ in tagged for name in event.tags})
        for event, talk in tagged:
            # Tags match without regard to case (TAGGIT_CASE_INSENSITIVE): "python"
            # in the file is the "Python" tag already there, not a change. A tag
            # merged or renamed since is the tag it became.
            tags = [followed.get(name, name) for name in event.tags]
            if current[talk.pk] != {str(tag).casefold() for tag in tags}:
                talk.tags.set(tags)
                changed.add(talk.pk)
        return changed - self.created
