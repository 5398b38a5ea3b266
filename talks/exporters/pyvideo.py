"""Export a conference as a pyvideo.org event folder: category.json and videos/*.json.

What a pyvideo import stored (the source records, in `extra["pyvideo"]`) is written
back as it was, field by field, for as long as the talk still says what that record
says; a field edited in confnotes since (or a conference entered by hand) is written
from the database. So an export imports back to the same data, and export → import →
export gives identical files.
"""

import json
import re
from pathlib import Path

from django.db.models import Prefetch
from django.utils import translation

from confnotes.slugs import ascii_slug
from speakers.models import normalize_name
from talks.importers.common import ImportFailed, language_code_3, resolve_url
from talks.importers.pyvideo import (
    EXTENSION,
    BadRecord,
    parse_category,
    related_kind,
    talk_data,
)
from talks.models import Conference, Kind, Link, LinkKind, Talk, TalkSpeaker, tags_prefetch
from talks.video import url_with_offset

_SAFE_NAME = re.compile(r"[^/\\\x00]+\.json")
_SAFE_FOLDER = re.compile(r"[^/\\\x00]+")


class ExportFailed(Exception):
    """The conference cannot be exported; the message says why in one line."""


def export_pyvideo(conference: Conference, outdir, *, stdout=None) -> Path:
    """Write `conference` as the event folder `<outdir>/<folder>/`; returns its path.

    The folder is named after the pyvideo folder the conference came from (else its
    slug), so importing `outdir` finds the same conference again."""
    stored = (conference.extra or {}).get("pyvideo") or {}
    folder = stored.get("folder")
    if not isinstance(folder, str) or not _SAFE_FOLDER.fullmatch(folder) or folder in (".", ".."):
        folder = conference.slug
    target = Path(outdir) / folder
    videos_dir = target / "videos"
    try:
        videos_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportFailed(f"{videos_dir}: cannot create the folder ({exc.strerror})") from None
    _write(target / "category.json", category_record(conference))
    talks = (
        Talk.objects.filter(conference=conference)
        .select_related("day")
        .prefetch_related(
            # As lists (to_attr): a related manager per talk and speaker costs more than
            # the rows it would hold.
            Prefetch(
                "talk_speakers",
                queryset=TalkSpeaker.objects.select_related("speaker").prefetch_related(
                    Prefetch("speaker__aliases", to_attr="alias_list")
                ),
                to_attr="byline_list",
            ),
            Prefetch(
                "links", queryset=Link.objects.order_by("position", "pk"), to_attr="link_list"
            ),
            tags_prefetch(),
        )
        .order_by("day__date", "position", "pk")
    )
    written = set()
    for talk in talks:
        name = ((talk.extra or {}).get("pyvideo") or {}).get("file")
        if not isinstance(name, str) or not _SAFE_NAME.fullmatch(name):
            name = f"{talk.slug}.json"  # Never a path: only a plain file name is kept.
        stem, n = name.removesuffix(".json"), 2
        while name in written:
            name, n = f"{stem}-{n}.json", n + 1
        written.add(name)
        _write(videos_dir / name, video_record(talk))
    # Files this export did not write stay: the folder may be a pyvideo checkout
    # holding records that were never imported (NO_PUBLISH, malformed ones).
    others = sorted(p.name for p in videos_dir.glob("*.json") if p.name not in written)
    if stdout is not None:
        stdout.write(f"{target}: category.json and {len(written)} videos\n")
        if others:
            stdout.write(
                f"{videos_dir}: {len(others)} other file(s) left as they were: "
                f"{', '.join(others[:5])}{' ...' if len(others) > 5 else ''}\n"
            )
    return target


def _write(path: Path, data: dict) -> None:
    text = json.dumps(data, indent=2, sort_keys=True) + "\n"  # As pyvideo writes them.
    path.write_text(text, encoding="utf-8")


def category_record(conference: Conference) -> dict:
    stored = ((conference.extra or {}).get("pyvideo") or {}).get("category")
    record = dict(stored) if isinstance(stored, dict) else {}
    try:
        derived = parse_category(record, "category.json") if record else None
    except ImportFailed:
        derived = None
    if derived is None or derived["name"] != conference.name:
        record["title"] = conference.name
    if derived is None or derived["recap"] != conference.recap:
        _set(record, "description", conference.recap)
        _set(record, "description_format", "markdown" if conference.recap else "")
    if derived is None or derived["website"] != conference.website:
        _set(record, "url", conference.website)
    for name in ("start_date", "end_date"):
        value = getattr(conference, name)
        if derived is None or (derived[name] and derived[name] != value):
            _set(record, name, value.isoformat() if value else "")
    return record


def _set(record: dict, key: str, value) -> None:
    if value:
        record[key] = value
    else:
        record.pop(key, None)


def video_record(talk: Talk) -> dict:
    """The pyvideo record of one talk (its speakers, links and tags prefetched)."""
    stored = (talk.extra or {}).get("pyvideo") or {}
    record = dict(stored.get("record") or {})
    try:
        derived = talk_data(record) if record else None
    except BadRecord:
        derived = None
    if derived is None:
        record = {}
    if derived is None or derived.title != talk.title:
        record["title"] = talk.title
    if derived is None or derived.abstract != talk.abstract:
        record["description"] = talk.abstract
        record["description_format"] = "markdown"
    _export_speakers(record, derived, talk)
    _export_tags(record, derived, talk)
    _export_recorded(record, derived, stored, talk)
    if derived is None or derived.duration != talk.duration:
        seconds = int(talk.duration.total_seconds()) if talk.duration else None
        _set(record, "duration", seconds)
    if derived is None or derived.language != talk.language:
        _set(record, "language", language_code_3(talk.language) if talk.language else "")
    video = (talk.video_url, talk.video_start, talk.video_end)
    if derived is None or (derived.video_url, derived.video_start, derived.video_end) != video:
        old = (
            url_with_offset(derived.video_url, derived.video_start, derived.video_end)
            if derived
            else ""
        )
        others = [
            v
            for v in record.get("videos") or []
            if isinstance(v, dict) and resolve_url(v.get("url")) not in (old, talk.video_url)
        ]
        # The talk's start and end travel in its video's link: pyvideo has no other place.
        mine = [{"type": _video_type(talk.video_url), "url": url_with_offset(*video)}]
        record["videos"] = (mine if talk.video_url else []) + others
    links = [(link.url, link.kind, link.title) for link in talk.link_list]
    # The slides may be a link of the talk too: the first slides link, as the import reads.
    first_slides = next((url for url, kind, _ in links if kind == LinkKind.SLIDES), "")
    slides_link = bool(talk.slides_url) and first_slides == talk.slides_url
    if derived is None or (derived.slides_url, derived.links) != (talk.slides_url, links):
        related = []
        if talk.slides_url and not slides_link:
            related.append({"label": "Slides", "url": talk.slides_url})
        related.extend(_related_item(url, kind, title) for url, kind, title in links)
        _set(record, "related_urls", related)
    _export_own(record, talk, slides_link)
    # The slug an import would make (the record's, else the file name's) must be the talk's.
    hint = record.get("slug") if isinstance(record.get("slug"), str) else ""
    name = stored.get("file") if isinstance(stored.get("file"), str) else ""
    if derived is None or (ascii_slug(hint) or ascii_slug(name.removesuffix(".json"))) != talk.slug:
        record["slug"] = talk.slug
    return record


def _export_own(record: dict, talk: Talk, slides_link: bool) -> None:
    """confnotes' extension of the record: the talk's fields pyvideo has no place for."""
    own = {}
    if talk.kind != Kind.TALK:
        own["kind"] = talk.kind
    for name in ("room", "track"):
        if getattr(talk, name):
            own[name] = getattr(talk, name)
    if talk.start_date:
        own["start_date"] = talk.start_date.isoformat()
    if slides_link:
        own["slides_link"] = True
    _set(record, EXTENSION, own)


def _export_speakers(record: dict, derived, talk: Talk) -> None:
    speakers = [row.speaker for row in talk.byline_list]
    if derived is not None:
        keys = list(dict.fromkeys(normalize_name(name) for name in derived.speakers))
        if len(keys) == len(speakers) and all(
            key == s.normalized_name or key in {a.normalized_name for a in s.alias_list}
            for key, s in zip(keys, speakers, strict=True)
        ):
            return
    record["speakers"] = [speaker.name for speaker in speakers]


def _export_tags(record: dict, derived, talk: Talk) -> None:
    names = sorted(tag.name for tag in talk.listed_tags())
    if derived is not None and {t.casefold() for t in derived.tags} == {
        n.casefold() for n in names
    }:
        return
    if names or "tags" in record:
        record["tags"] = names


def _export_recorded(record: dict, derived, stored: dict, talk: Talk) -> None:
    if derived is not None:
        if derived.date is None and stored.get("undated") and talk.start_time is None:
            return  # Still on the day an undated video was given.
        if (derived.date, derived.start_time) == (talk.day.date, talk.start_time):
            return
    moment = talk.day.date.isoformat()
    if talk.start_time is not None:
        moment += "T" + talk.start_time.strftime("%H:%M:%S")
    record["recorded"] = moment


def _video_type(url: str) -> str:
    host = url.split("/")[2].lower() if url.count("/") >= 2 else ""
    for needle, kind in (("youtu", "youtube"), ("vimeo", "vimeo"), ("archive.org", "archive.org")):
        if needle in host:
            return kind
    return url.rsplit(".", 1)[-1].lower() if url.rsplit("/", 1)[-1].count(".") else "url"


def _related_item(url: str, kind: str, title: str):
    """A related URL whose label imports back to the same kind and title."""
    if related_kind(url, title) == (kind, title):
        return {"label": title, "url": url} if title else url
    with translation.override(None):  # the file's words are English, whoever exports
        label = str(LinkKind(kind).label)
    return {"label": f"{label}: {title}" if title else label, "url": url}


def conference_for_export(slug: str) -> Conference:
    try:
        return Conference.objects.get(slug=slug)
    except Conference.DoesNotExist:
        raise ExportFailed(f"{slug}: no conference with this slug") from None
