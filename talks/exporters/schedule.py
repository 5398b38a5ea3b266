"""Export a conference as a frab schedule, in JSON or XML, that the field's validators
accept (voc/schedule's XSD and JSON schema; docs/schedules.md).

The shapes are those the importer reads (`talks.importers.schedule`): what an import
kept in `extra["schedule"]` (guids, ids, source slugs, person records, attachments...)
is written back, so export → import → export gives the same file. A conference entered
here or taken from pyvideo has no such fields; valid ones are made from its rows. What
the format has no room for (tags, items without a known time, durations with seconds in
JSON) goes into confnotes' extension (`talks.importers.schedule_extension`).

A value kept from an imported source is written as the source had it even where the
schema refuses it (fidelity to the source wins); the export's summary names each one
(`ScheduleExport.kept`, found by `talks.exporters.schedule_rules`).
"""

import datetime
import json
import re
import zoneinfo
from dataclasses import dataclass, field
from urllib.parse import urlsplit
from xml.etree import ElementTree

from django.conf import settings
from django.db.models import Prefetch
from django.utils import translation
from django.utils.encoding import iri_to_uri

from confnotes.slugs import ascii_slug
from speakers.models import normalize_name
from talks.exporters.schedule_rules import (
    Refusal,
    json_refusals,
    time_zone_name_ok,
    xml_refusals,
)
from talks.importers.common import kind_for_type, link_kind, resolve_url
from talks.importers.schedule import (
    combined_abstract,
    parse_datetime,
    schedule_extra,
    talk_guid,
    video_in_text,
)
from talks.importers.schedule_extension import NAME as EXTENSION
from talks.importers.schedule_extension import extension_object, extension_text
from talks.models import Conference, Link, LinkKind, Talk, TalkSpeaker, tags_prefetch
from talks.times import parse_zone, talk_times
from talks.video import url_with_offset

FORMATS = ("json", "xml")
SCHEMA_URL = "https://c3voc.de/schedule/schema.json"
GENERATOR = {"name": "confnotes", "version": "1"}
# Event fields written from the talk's own columns; kept source fields fill the rest.
_EVENT_ORDER = (
    "url", "id", "guid", "logo", "date", "start", "duration", "room", "slug", "title",
    "subtitle", "track", "type", "language", "abstract", "description", "recording_license",
    "do_not_record", "persons", "links", "attachments",
)  # fmt: skip
# Kept only to rebuild other fields, never written out as such.
_INTERNAL = frozenset({"link_urls", "unlinked_links", "unlinked_attachments"})


class ExportFailed(Exception):
    """An export that cannot be made; the message says why, in one line."""


@dataclass
class ScheduleExport:
    """An exported schedule document and what its summary says."""

    text: str
    fmt: str
    title: str
    events: int = 0
    untimed: int = 0
    tagged: int = 0
    # Source values written as they were although the frab schema refuses them.
    kept: list[Refusal] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The summary as printable lines."""
        out = [
            f"{self.title}: {self.events} events as frab {self.fmt.upper()}; the "
            f"{EXTENSION} extension marks {self.untimed} of them untimed and carries "
            f"the tags of {self.tagged}."
        ]
        if not self.kept:
            return out
        out.append(
            "Kept as the imported source wrote them, although the frab schema refuses "
            "them (fidelity to the source wins):"
        )
        groups: dict[tuple[str, str], list[str]] = {}
        for refusal in self.kept:
            groups.setdefault((refusal.field, refusal.reason), []).append(refusal.value)
        for (name, reason), values in groups.items():
            times = "once" if len(values) == 1 else f"{len(values)} times"
            out.append(f"  {name}: {reason} ({times}; first {values[0]!r})")
        return out


def site_base_url(base_url: str | None = None) -> str:
    """The site's address without a trailing slash: `base_url`, else the
    CONFNOTES_BASE_URL setting. Raises ExportFailed when it is unset or not http(s)."""
    value = (settings.CONFNOTES_BASE_URL if base_url is None else base_url).strip()
    if not value:
        raise ExportFailed(
            "The site's base URL is not set: set CONFNOTES_BASE_URL or pass --base-url "
            "(https://notes.example.org, for instance)."
        )
    try:
        parts = urlsplit(value)
        usable = parts.scheme in ("http", "https") and bool(parts.hostname)
        usable = usable and not (parts.query or parts.fragment or parts.port == 0)
    except ValueError:
        usable = False
    if not usable or any(char.isspace() for char in value):
        raise ExportFailed(
            f"The base URL must be http(s)://host, a path at most after it, not {value!r}."
        )
    return value.rstrip("/")


def export_schedule(
    conference: Conference, *, fmt: str = "json", base_url: str | None = None
) -> str:
    """The conference as a schedule document ("json" or "xml")."""
    return schedule_export(conference, fmt=fmt, base_url=base_url).text


def schedule_export(
    conference: Conference, *, fmt: str = "json", base_url: str | None = None
) -> ScheduleExport:
    """The conference as a schedule document ("json" or "xml") with its summary. Talk
    URLs are made absolute with `base_url`, by default the CONFNOTES_BASE_URL setting."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    data = schedule_data(conference, base_url=site_base_url(base_url), fmt=fmt)
    if fmt == "json":
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        kept = json_refusals(data)
    else:
        root = schedule_element(data)
        kept = xml_refusals(root)
        text = _xml_text(root)
    conf = data["schedule"]["conference"]
    notes = conf["meta"][EXTENSION].get("events", {})
    return ScheduleExport(
        text=text,
        fmt=fmt,
        title=conference.name,
        events=sum(len(events) for day in conf["days"] for events in day["rooms"].values()),
        untimed=sum(1 for note in notes.values() if note.get("untimed")),
        tagged=sum(1 for note in notes.values() if note.get("tags")),
        kept=kept,
    )


@dataclass
class _Context:
    """What every event of one export needs to know."""

    conference: Conference
    zone: datetime.tzinfo
    base_url: str
    fmt: str
    kept: dict  # the conference's kept source fields
    ids: dict  # talk pk → its frab id
    acronym: str  # ours, from the slug: for a conference without one, and our event slugs
    notes: dict = field(default_factory=dict)  # event guid → its extension entry


def schedule_data(conference: Conference, *, base_url: str, fmt: str = "json") -> dict:
    """The conference in the JSON shape of a frab schedule; `fmt` says which format it
    is for (JSON takes durations in whole minutes only)."""
    kept = schedule_extra(conference)
    zone = _zone({**kept, "time_zone_name": conference.time_zone or kept.get("time_zone_name")})
    days = list(conference.days.order_by("date"))
    talks = list(
        Talk.objects.filter(conference=conference)
        .prefetch_related(
            # As lists (to_attr): a related manager per talk costs more than its rows.
            Prefetch(
                "talk_speakers",
                queryset=TalkSpeaker.objects.select_related("speaker").order_by("position", "pk"),
                to_attr="byline_list",
            ),
            Prefetch(
                "links", queryset=Link.objects.order_by("position", "pk"), to_attr="link_list"
            ),
            tags_prefetch(),
        )
        .order_by("day__date", "position", "start_time", "pk")
    )
    by_day: dict[int, list[Talk]] = {day.pk: [] for day in days}
    for talk in talks:
        talk.conference = conference  # for its URL, without a query per talk
        by_day[talk.day_id].append(talk)
    context = _Context(
        conference, zone, base_url, fmt, kept, _event_ids(talks), own_acronym(conference)
    )
    out_days = _day_list(context, days, by_day)
    schedule = {"version": kept.get("version") or "1.0"}
    if kept.get("base_url"):
        schedule["base_url"] = kept["base_url"]
    schedule["conference"] = _conference_object(context, days, out_days)
    return {"$schema": SCHEMA_URL, "generator": GENERATOR, "schedule": schedule}


def _day_list(context: _Context, days: list, by_day: dict) -> list[dict]:
    kept_days = context.kept.get("days") if isinstance(context.kept.get("days"), dict) else {}
    # A day's index must be unique and positive; positions set by hand may not be.
    positions = [day.position for day in days]
    if len(set(positions)) < len(positions) or min(positions, default=1) < 1:
        positions = list(range(1, len(days) + 1))
    out_days = []
    for position, day in zip(positions, days, strict=True):
        info = kept_days.get(str(day.date))
        info = info if isinstance(info, dict) else {}
        rooms: dict[str, list] = {str(name): [] for name in info.get("rooms") or ()}
        for rank, talk in enumerate(by_day[day.pk], start=1):
            talk.rank = rank  # its place in the day, as an import numbers them
            rooms.setdefault(talk.room, []).append(_event(context, talk, day, info))
        midnight = datetime.datetime.combine(day.date, datetime.time(), context.zone)
        out_days.append(
            {
                "index": position,
                "date": day.date.isoformat(),
                "day_start": info.get("day_start") or midnight.isoformat(),
                "day_end": info.get("day_end")
                or (midnight + datetime.timedelta(hours=23, minutes=59)).isoformat(),
                "rooms": {name: events for name, events in rooms.items() if events},
            }
        )
    return out_days


def _conference_object(context: _Context, days: list, out_days: list[dict]) -> dict:
    conference, kept = context.conference, context.kept
    start = conference.start_date or (days[0].date if days else None)
    end = conference.end_date or (days[-1].date if days else start)
    others = kept.get("conference") if isinstance(kept.get("conference"), dict) else {}
    acronym = kept.get("acronym")
    conf = {
        "acronym": acronym if isinstance(acronym, str) else context.acronym,
        "title": conference.name,
        "start": start.isoformat() if start else "",
        "end": end.isoformat() if end else "",
        "daysCount": len(days),
        "timeslot_duration": kept.get("timeslot_duration") or "00:05",
        **{name: value for name, value in others.items() if name != "meta"},
    }
    # The source's zone name as it was; one of ours only when the schema takes it (the
    # offsets of the dates say the zone all the same).
    zone_name = kept.get("time_zone_name") or getattr(context.zone, "key", "")
    if zone_name and (kept.get("time_zone_name") or time_zone_name_ok(zone_name)):
        conf["time_zone_name"] = zone_name
    meta = others.get("meta") if isinstance(others.get("meta"), dict) else {}
    conf["meta"] = {
        **meta,
        EXTENSION: extension_object(
            slug=conference.slug, events=context.notes, time_zone=conference.time_zone
        ),
    }
    conf["days"] = out_days
    return conf


def own_acronym(conference: Conference) -> str:
    """An acronym for a conference that has none from a source, made from its slug: the
    schema wants at least four of a-z, 0-9 and "_" ("djangocon_us_2019")."""
    text = re.sub(r"[^a-z0-9_]+", "_", conference.slug.lower()).strip("_")
    if len(text) < 4 and text and conference.start_date:
        text = f"{text}_{conference.start_date.year}"
    return text.ljust(4, "_")


def _event_ids(talks: list[Talk]) -> dict[int, object]:
    """Each talk's frab id: the source's; else its primary key, unless a source id of
    the conference is that number, then the next number no event uses."""
    kept = {talk.pk: schedule_extra(talk).get("id") for talk in talks}
    kept = {
        pk: v for pk, v in kept.items() if v is not None and not isinstance(v, bool | dict | list)
    }
    taken = {str(value) for value in kept.values()}
    ids, number = {}, 0
    for talk in talks:
        if talk.pk in kept:
            ids[talk.pk] = kept[talk.pk]
            continue
        ident = talk.pk
        while str(ident) in taken:
            number = max(number, ident) + 1
            ident = number
        taken.add(str(ident))
        ids[talk.pk] = ident
    return ids


_AUTHORITY = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^/?#]*)(.*)", re.S)


def as_uri(url: str) -> str:
    """`url` as a URI (RFC 3986): other characters percent-encoded as UTF-8, as JSON's
    "uri" format wants ("…/Hervé" → "…/Herv%C3%A9"); the resource is the same."""
    uri = re.sub(r"%(?![0-9A-Fa-f]{2})", "%25", iri_to_uri(url))
    match = _AUTHORITY.fullmatch(uri)
    if match:  # brackets belong to an IPv6 host only
        uri = match.group(1) + match.group(2).replace("[", "%5B").replace("]", "%5D")
    return uri


def _zone(kept: dict) -> datetime.tzinfo:
    """The schedule's time zone: the conference's (`Conference.time_zone`, else the
    source's name); else the offset of its first day; else the site's."""
    zone = parse_zone(kept.get("time_zone_name"))
    if zone is not None:
        return zone
    days = kept.get("days") if isinstance(kept.get("days"), dict) else {}
    for info in days.values():
        begins = parse_datetime(info.get("day_start")) if isinstance(info, dict) else None
        if begins is not None and begins.tzinfo is not None:
            return begins.tzinfo
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _duration(value: datetime.timedelta | None) -> str:
    """HH:MM, or HH:MM:SS when it has seconds; "00:00" (none) when it is not known."""
    if not value:
        return "00:00"
    minutes, seconds = divmod(int(value.total_seconds()), 60)
    text = f"{minutes // 60:02d}:{minutes % 60:02d}"
    return f"{text}:{seconds:02d}" if seconds else text


def _day_begins(day, info: dict, zone) -> datetime.datetime:
    """When the schedule's day starts: its `day_start` when the source gave one with
    an offset, else midnight."""
    begins = parse_datetime(info.get("day_start"))
    if begins is not None and begins.tzinfo is not None and begins.date() == day.date:
        return begins
    return datetime.datetime.combine(day.date, datetime.time(), zone)


def _own_slug(acronym: str, ident, talk_slug: str) -> str:
    """An event slug as the schema wants one: acronym-id-title, lowercase."""
    tail = re.sub(r"[^a-z0-9_]+", "-", talk_slug.lower()).strip("-_") or "talk"
    if isinstance(ident, int) and not isinstance(ident, bool) and ident > 0:
        tail = f"{ident}-{tail}"
    return f"{acronym}-{tail if len(tail) >= 4 else tail + '-talk'}"


def _times(context: _Context, talk: Talk, day, info: dict, note: dict):
    """When the event starts and how long it lasts, as the schema wants them; what
    they cannot say goes into the extension's `note`."""
    start = talk.start_time
    if start is None:
        # An untimed item (pyvideo's, or written here without a time) stays untimed.
        # The schema wants a time all the same: the start of its day, and the
        # extension says that it has none.
        moment = _day_begins(day, info, context.zone)
        note["untimed"] = True
        note["position"] = talk.rank  # and its place among the day's timed items
    else:
        moment = talk_times(talk, day_date=day.date, zone=context.zone)[0]
        if moment is None:  # beyond what a conversion to UTC holds; its wall-clock time
            moment = datetime.datetime.combine(talk.start_date or day.date, start, context.zone)
    duration = _duration(talk.duration)
    if context.fmt == "json" and duration.count(":") == 2:
        note["duration"] = duration  # JSON's durations are whole minutes
        duration = duration.rsplit(":", 1)[0]
    return moment, duration


def _event(context: _Context, talk: Talk, day, info: dict) -> dict:
    kept = schedule_extra(talk)
    guid = talk_guid(talk, context.conference.slug)
    note = {}  # what the extension says of this event
    moment, duration = _times(context, talk, day, info, note)
    ident = context.ids[talk.pk]
    source_type = kept.get("type") if isinstance(kept.get("type"), str) else ""
    if source_type and kind_for_type(source_type) == talk.kind:
        event_type = source_type
    else:
        with translation.override(None):  # the schedule's words are English
            event_type = talk.get_kind_display()
    abstract, description = kept.get("abstract") or "", kept.get("description") or ""
    if combined_abstract(abstract, description) != talk.abstract:  # Edited here since.
        abstract, description = talk.abstract, ""

    event = {k: v for k, v in kept.items() if k not in _INTERNAL}
    event.update(
        url=kept.get("url") or f"{context.base_url}{talk.get_absolute_url()}",
        id=ident,
        guid=guid,
        date=moment.isoformat(),
        start=moment.strftime("%H:%M"),
        duration=duration,
        room=talk.room,
        slug=kept.get("slug") or _own_slug(context.acronym, ident, talk.slug),
        title=talk.title,
        subtitle=kept.get("subtitle") or "",
        track=talk.track,
        type=event_type,
        language=talk.language,
        abstract=abstract,
        description=description,
        recording_license=kept.get("recording_license") or "",
        do_not_record=kept.get("do_not_record", False),
        persons=_persons(talk, kept),
    )
    event["links"], event["attachments"] = _links(
        talk, kept, context.kept, f"{abstract}\n{description}", context.fmt, note
    )
    names = sorted(tag.name for tag in talk.listed_tags())
    if names:
        note["tags"] = names
    if talk.slug != ascii_slug(talk.title)[:194].strip("-"):
        note["slug"] = talk.slug  # an import would make another from the title
    if note:
        context.notes[guid] = note
    ordered = {name: event.pop(name) for name in _EVENT_ORDER if name in event}
    return {**ordered, **event}


def _persons(talk, kept) -> list[dict]:
    records = [p for p in kept.get("persons") or () if isinstance(p, dict)]
    by_name = {}
    for person in records:
        name = person.get("public_name") or person.get("name")
        if isinstance(name, str):
            by_name.setdefault(normalize_name(name), person)
    speakers = [row.speaker for row in talk.byline_list]
    out = []
    for n, speaker in enumerate(speakers):
        person = by_name.get(speaker.normalized_name)
        if person is None and len(records) == len(speakers):
            person = records[n]  # Known by an alias: the record in the same place.
        person = dict(person) if person else {"id": speaker.pk}
        person.setdefault("public_name", speaker.name)
        if "id" not in person and "name" not in person:
            person["id"] = speaker.pk  # A frab person has an id; a name-only source gave none.
        # One key order whatever kept the record: PostgreSQL's jsonb stores keys in an
        # order of its own, and an export must not change with the database.
        out.append({key: person[key] for key in sorted(person, key=_person_key_order)})
    return out


_PERSON_KEYS = ("id", "guid", "code", "public_name", "name")


def _person_key_order(key: str) -> tuple[int, str]:
    return (_PERSON_KEYS.index(key) if key in _PERSON_KEYS else len(_PERSON_KEYS), key)


def _links(talk, kept, kept_conf, text, fmt, note) -> tuple[list, list]:
    """The talk's links and attachments: its Link rows, an attachment written back as
    the source had it (relative URL and all), and slides/video URLs that no link holds.
    In JSON, whose URLs must be URIs, a link of ours is written as one. The extension's
    `note` gets the kinds that a link's title and host would not tell, and the links
    that only carry the talk's slides and video."""
    own = as_uri if fmt == "json" else str

    def written(url: str) -> str:
        """`url` as the export writes it; the extension keeps one that JSON changes."""
        uri = own(url)
        if uri != url:
            note.setdefault("iris", {})[uri] = url
        return uri

    base_url = kept_conf.get("base_url") or ""
    attachments_by_url = {}
    for item in kept.get("attachments") or ():
        url = item.get("url", item.get("href")) if isinstance(item, dict) else item
        resolved = resolve_url(url, base_url)
        if resolved:
            attachments_by_url.setdefault(resolved, item)
    links, attachments = [], []
    rows = talk.link_list
    for link in rows:
        if link.url in attachments_by_url:
            attachments.append(attachments_by_url[link.url])
        else:
            links.append({"url": written(link.url), "title": link.title})
            if link_kind(link.url, link.title) != link.kind:
                note.setdefault("kinds", {})[written(link.url)] = link.kind
    urls = {link.url for link in rows}
    # The talk's start and end travel in its video's link, as the import reads them.
    video = url_with_offset(talk.video_url, talk.video_start, talk.video_end)
    for name, url, kind in (
        ("slides", talk.slides_url, LinkKind.SLIDES),
        ("video", video, LinkKind.VIDEO),
    ):
        if not url or (name == "video" and url == video_in_text(text)):
            continue
        if url not in urls:  # a link only to carry it
            links.append({"url": written(url), "title": name.capitalize()})
            note[name] = written(url)
        elif next((link.url for link in rows if link.kind == kind), "") != url:
            note[f"{name}_link"] = written(url)  # one of its links, not the first of its kind
    links.extend(kept.get("unlinked_links") or ())
    attachments.extend(kept.get("unlinked_attachments") or ())
    return links, attachments


# ---------------------------------------------------------------------------
# XML


_XML_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
# Characters XML 1.0 cannot hold at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _sub(parent, tag: str, text=None, **attrs) -> ElementTree.Element:
    element = ElementTree.SubElement(parent, tag, {k: _text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = _text(text)
    return element


def schedule_xml(data: dict) -> str:
    """The JSON shape written as frab's schedule.xml."""
    return _xml_text(schedule_element(data))


def _xml_text(root: ElementTree.Element) -> str:
    ElementTree.indent(root, space="  ")
    body = ElementTree.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="utf-8"?>\n{body}\n'


def schedule_element(data: dict) -> ElementTree.Element:
    """The JSON shape as the <schedule> element of frab's schedule.xml."""
    schedule = data["schedule"]
    conf = schedule["conference"]
    root = ElementTree.Element("schedule")
    _sub(root, "generator", **data.get("generator", GENERATOR))
    _sub(root, "version", schedule.get("version", ""))
    element = _sub(root, "conference")
    for name in ("acronym", "title", "start", "end"):
        if name in ("acronym", "title") or conf.get(name):  # no date: none, not an empty one
            _sub(element, name, conf.get(name, ""))
    _sub(element, "days", conf.get("daysCount", len(conf["days"])))
    for name in ("timeslot_duration", "base_url", "time_zone_name"):
        value = schedule.get(name) if name == "base_url" else conf.get(name)
        if value:
            _sub(element, name, value)
    for name, value in conf.items():
        plain = isinstance(value, str | int | float) and _XML_NAME.fullmatch(name)
        if name not in _CONFERENCE_XML_DONE and plain:
            _sub(element, name, value)
    extension = (conf.get("meta") or {}).get(EXTENSION)
    if extension:  # The XML schema has no open element: a processing instruction.
        element.append(ElementTree.ProcessingInstruction(EXTENSION, extension_text(extension)))
    for day in conf["days"]:
        day_element = _sub(
            root,
            "day",
            index=day["index"],
            date=day["date"],
            start=day["day_start"],
            end=day["day_end"],
        )
        for room, events in day["rooms"].items():
            room_element = _sub(day_element, "room", name=room)
            for event in events:
                _event_xml(room_element, event)
    return root


_CONFERENCE_XML_DONE = frozenset(
    {"acronym", "title", "start", "end", "daysCount", "days", "timeslot_duration"}
    | {"base_url", "time_zone_name", "meta"}
)
_EVENT_XML_DONE = frozenset(
    {"id", "guid", "code", "persons", "links", "attachments", "recording_license"}
    | {"do_not_record"}
)
_EVENT_XML_ORDER = (
    "date", "start", "duration", "room", "slug", "url", "title", "subtitle", "track", "type",
    "language", "abstract", "description", "logo",
)  # fmt: skip


def _event_xml(parent, event: dict) -> None:
    attrs = {"guid": event["guid"], "id": event["id"]}
    if isinstance(event.get("code"), str):  # pretalx's submission code: an attribute here
        attrs["code"] = event["code"]
    element = _sub(parent, "event", **attrs)
    for name in _EVENT_XML_ORDER[:6]:
        _sub(element, name, event.get(name, ""))
    recording = _sub(element, "recording")
    _sub(recording, "license", event.get("recording_license", ""))
    _sub(recording, "optout", bool(event.get("do_not_record")))
    for name in _EVENT_XML_ORDER[6:]:
        if name in event or name != "logo":
            _sub(element, name, event.get(name, ""))
    persons = _sub(element, "persons")
    for person in event["persons"]:
        # The XML schema gives a person an id and a guid; pretalx's code is JSON's only.
        attrs = {k: person[k] for k in ("id", "guid") if person.get(k) is not None}
        _sub(persons, "person", person.get("public_name") or person.get("name") or "", **attrs)
    for group, tag in (("links", "link"), ("attachments", "attachment")):
        items = _sub(element, group)
        for item in event[group]:
            url = item.get("url", item.get("href")) if isinstance(item, dict) else item
            title = item.get("title", "") if isinstance(item, dict) else ""
            _sub(items, tag, title or "", href=url or "")
    # Other source fields (pretalx's feedback_url, video_download_url...) when plain values.
    for name, value in event.items():
        if name in _EVENT_XML_DONE or name in _EVENT_XML_ORDER or not _XML_NAME.fullmatch(name):
            continue
        if isinstance(value, str | int | float | bool) or value is None:
            _sub(element, name, value)
