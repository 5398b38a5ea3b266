"""Export a conference as a frab-compatible schedule, in JSON or XML.

The shapes are those the importer reads (`talks.importers.schedule`): what an import
kept in `extra["schedule"]` (guids, ids, source slugs, person records, attachments...)
is written back, so export → import → export gives the same file. A conference entered
by hand has no such fields; stable ones are derived from its rows.
"""

import datetime
import json
import re
import zoneinfo
from xml.etree import ElementTree

from django.conf import settings
from django.db.models import Prefetch

from speakers.models import normalize_name
from talks.importers.common import kind_for_type, resolve_url
from talks.importers.schedule import (
    combined_abstract,
    effective_date,
    parse_datetime,
    schedule_extra,
    talk_guid,
    video_in_text,
)
from talks.models import Conference, Link, Talk, TalkSpeaker
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


def export_schedule(conference: Conference, *, fmt: str = "json", base_url: str = "") -> str:
    """The conference as a schedule document ("json" or "xml"); `base_url` (the site's
    address) makes talk URLs absolute."""
    data = schedule_data(conference, base_url=base_url)
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if fmt == "xml":
        return schedule_xml(data)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def schedule_data(conference: Conference, *, base_url: str = "") -> dict:
    """The conference in the JSON shape of a frab schedule."""
    kept = schedule_extra(conference)
    extra = conference.extra if isinstance(conference.extra, dict) else {}
    zone = _zone({**kept, "time_zone_name": extra.get("time_zone") or kept.get("time_zone_name")})
    days = list(conference.days.order_by("date"))
    talks = (
        Talk.objects.filter(conference=conference)
        .prefetch_related(
            Prefetch(
                "talk_speakers",
                queryset=TalkSpeaker.objects.select_related("speaker").order_by("position", "pk"),
            ),
            Prefetch("links", queryset=Link.objects.order_by("position", "pk")),
            "tags",
        )
        .order_by("day__date", "position", "start_time", "pk")
    )
    by_day: dict[int, list[Talk]] = {day.pk: [] for day in days}
    for talk in talks:
        talk.conference = conference  # for its URL, without a query per talk
        by_day[talk.day_id].append(talk)

    kept_days = kept.get("days") if isinstance(kept.get("days"), dict) else {}
    out_days = []
    for day in days:
        info = kept_days.get(str(day.date))
        info = info if isinstance(info, dict) else {}
        rooms: dict[str, list] = {str(name): [] for name in info.get("rooms") or ()}
        for talk in by_day[day.pk]:
            event = _event(talk, conference, day, info, zone, kept, base_url)
            rooms.setdefault(talk.room, []).append(event)
        midnight = datetime.datetime.combine(day.date, datetime.time(), zone)
        out_days.append(
            {
                "index": day.position,
                "date": day.date.isoformat(),
                "day_start": info.get("day_start") or midnight.isoformat(),
                "day_end": info.get("day_end")
                or (midnight + datetime.timedelta(hours=23, minutes=59)).isoformat(),
                "rooms": {name: events for name, events in rooms.items() if events},
            }
        )

    start = conference.start_date or (days[0].date if days else None)
    end = conference.end_date or (days[-1].date if days else start)
    others = kept.get("conference") if isinstance(kept.get("conference"), dict) else {}
    conf = {
        "acronym": kept["acronym"] if isinstance(kept.get("acronym"), str) else conference.slug,
        "title": conference.name,
        "start": start.isoformat() if start else "",
        "end": end.isoformat() if end else "",
        "daysCount": len(days),
        "timeslot_duration": kept.get("timeslot_duration") or "00:05",
        **others,
        "days": out_days,
    }
    zone_name = kept.get("time_zone_name") or getattr(zone, "key", "")
    if zone_name:  # A fixed offset (all some files give) has no name to write.
        conf = {**conf, "time_zone_name": zone_name}
        conf["days"] = conf.pop("days")
    schedule = {"version": kept.get("version") or "1.0"}
    if kept.get("base_url"):
        schedule["base_url"] = kept["base_url"]
    schedule["conference"] = conf
    return {"$schema": SCHEMA_URL, "generator": GENERATOR, "schedule": schedule}


def _zone(kept: dict) -> datetime.tzinfo:
    """The schedule's time zone: its name (or the one set by hand as `extra["time_zone"]`);
    else the offset of its first day; else the site's."""
    name = kept.get("time_zone_name")
    if isinstance(name, str) and name:
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            pass
    days = kept.get("days") if isinstance(kept.get("days"), dict) else {}
    for info in days.values():
        begins = parse_datetime(info.get("day_start")) if isinstance(info, dict) else None
        if begins is not None and begins.tzinfo is not None:
            return begins.tzinfo
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _duration(value: datetime.timedelta | None) -> str:
    """HH:MM, or HH:MM:SS when it has seconds; "" when it is not known."""
    if not value:
        return ""
    minutes, seconds = divmod(int(value.total_seconds()), 60)
    text = f"{minutes // 60:02d}:{minutes % 60:02d}"
    return f"{text}:{seconds:02d}" if seconds else text


def _event(talk, conference, day, info, zone, kept_conf, base_url) -> dict:
    kept = schedule_extra(talk)
    # An untimed item (pyvideo's, or written here without a time) stays untimed: its
    # date is the day's, its start and duration are empty.
    start = talk.start_time
    if start is None:
        moment = day.date
    else:
        moment = datetime.datetime.combine(
            effective_date(day.date, start, info.get("day_start")), start, zone
        )
    ident = kept.get("id")
    if ident is None or isinstance(ident, bool | dict | list):
        ident = talk.pk
    acronym = kept_conf.get("acronym") or conference.slug
    source_type = kept.get("type") if isinstance(kept.get("type"), str) else ""
    if source_type and kind_for_type(source_type) == talk.kind:
        event_type = source_type
    else:
        event_type = talk.get_kind_display()
    abstract, description = kept.get("abstract") or "", kept.get("description") or ""
    if combined_abstract(abstract, description) != talk.abstract:  # Edited here since.
        abstract, description = talk.abstract, ""

    event = {k: v for k, v in kept.items() if k not in _INTERNAL}
    event.update(
        url=kept.get("url") or f"{base_url.rstrip('/')}{talk.get_absolute_url()}",
        id=ident,
        guid=talk_guid(talk, conference.slug),
        date=moment.isoformat(),
        start=start.strftime("%H:%M") if start else "",
        duration=_duration(talk.duration),
        room=talk.room,
        slug=kept.get("slug") or f"{acronym}-{ident}-{talk.slug}",
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
        talk, kept, kept_conf, f"{abstract}\n{description}"
    )
    names = sorted(tag.name for tag in talk.tags.all())
    if names:
        event["tags"] = names
    ordered = {name: event.pop(name) for name in _EVENT_ORDER if name in event}
    return {**ordered, **event}


def _persons(talk, kept) -> list[dict]:
    records = [p for p in kept.get("persons") or () if isinstance(p, dict)]
    by_name = {}
    for person in records:
        name = person.get("public_name") or person.get("name")
        if isinstance(name, str):
            by_name.setdefault(normalize_name(name), person)
    speakers = [row.speaker for row in talk.talk_speakers.all()]
    out = []
    for n, speaker in enumerate(speakers):
        person = by_name.get(speaker.normalized_name)
        if person is None and len(records) == len(speakers):
            person = records[n]  # Known by an alias: the record in the same place.
        person = dict(person) if person else {"id": speaker.pk}
        person.setdefault("public_name", speaker.name)
        out.append(person)
    return out


def _links(talk, kept, kept_conf, text) -> tuple[list, list]:
    """The talk's links and attachments: its Link rows, an attachment written back as
    the source had it (relative URL and all), and slides/video URLs that no link holds."""
    base_url = kept_conf.get("base_url") or ""
    attachments_by_url = {}
    for item in kept.get("attachments") or ():
        url = item.get("url", item.get("href")) if isinstance(item, dict) else item
        resolved = resolve_url(url, base_url)
        if resolved:
            attachments_by_url.setdefault(resolved, item)
    links, attachments = [], []
    rows = list(talk.links.all())
    for link in rows:
        if link.url in attachments_by_url:
            attachments.append(attachments_by_url[link.url])
        else:
            links.append({"url": link.url, "title": link.title})
    urls = {link.url for link in rows}
    if talk.slides_url and talk.slides_url not in urls:
        links.append({"url": talk.slides_url, "title": "Slides"})
    # The talk's start and end travel in its video's link, as the import reads them.
    video = url_with_offset(talk.video_url, talk.video_start, talk.video_end)
    if video and video not in urls and video != video_in_text(text):
        links.append({"url": video, "title": "Video"})
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
    schedule = data["schedule"]
    conf = schedule["conference"]
    root = ElementTree.Element("schedule")
    _sub(root, "generator", **data.get("generator", GENERATOR))
    _sub(root, "version", schedule.get("version", ""))
    element = _sub(root, "conference")
    for name in ("acronym", "title", "start", "end"):
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
    ElementTree.indent(root, space="  ")
    body = ElementTree.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="utf-8"?>\n{body}\n'


_CONFERENCE_XML_DONE = frozenset(
    {"acronym", "title", "start", "end", "daysCount", "days", "timeslot_duration"}
    | {"base_url", "time_zone_name"}
)
_EVENT_XML_DONE = frozenset(
    {"id", "guid", "persons", "links", "attachments", "recording_license", "do_not_record"}
    | {"tags"}
)
_EVENT_XML_ORDER = (
    "date", "start", "duration", "room", "slug", "url", "title", "subtitle", "track", "type",
    "language", "abstract", "description", "logo",
)  # fmt: skip


def _event_xml(parent, event: dict) -> None:
    element = _sub(parent, "event", guid=event["guid"], id=event["id"])
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
        attrs = {k: person[k] for k in ("id", "code", "guid") if person.get(k) is not None}
        _sub(persons, "person", person.get("public_name") or person.get("name") or "", **attrs)
    for group, tag in (("links", "link"), ("attachments", "attachment")):
        items = _sub(element, group)
        for item in event[group]:
            url = item.get("url", item.get("href")) if isinstance(item, dict) else item
            title = item.get("title", "") if isinstance(item, dict) else ""
            _sub(items, tag, title or "", href=url or "")
    if event.get("tags"):
        tags = _sub(element, "tags")
        for name in event["tags"]:
            _sub(tags, "tag", name)
    # Other source fields (pretalx's feedback_url, video_download_url...) when plain values.
    for name, value in event.items():
        if name in _EVENT_XML_DONE or name in _EVENT_XML_ORDER or not _XML_NAME.fullmatch(name):
            continue
        if isinstance(value, str | int | float | bool) or value is None:
            _sub(element, name, value)
