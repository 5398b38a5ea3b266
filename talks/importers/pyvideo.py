"""Import pyvideo.org's data: one event folder, a data root of many, or a .tar.gz of a root.

An event folder is `<event>/category.json` (the conference) and `<event>/videos/*.json`
(one talk each). Each event is imported whole or not at all (in a savepoint of its own,
within transactions of about a second): an event that cannot be read or written changes
nothing and is reported in one line; a single bad video is skipped and
named, and the rest of its event is imported. Ids listed in the root's NO_PUBLISH.json
are never imported.

Mapping:
- category.json → Conference (slug and external id: the folder's name; series guessed
  from the title; start/end dates from the file, else from the talks' dates).
- a video's `recorded` date → a Day of the conference (created as needed); a video
  without a date goes to the conference's first day (its `start_date`, else the
  earliest date of its other videos, else 1 January of the year in its name).
- video → Talk: title, speakers (one speaker page per person across sources), tags,
  language, duration, video URL (YouTube first), slides URL and typed links from
  `related_urls`, and the description (reStructuredText) as a Markdown abstract, its
  time codes linked into the video. An offset in the video's link (YouTube `t=`,
  archive.org `start=`/`end=`, Vimeo `#t=`) becomes the talk's start and end.
  The whole record is kept in `Talk.extra["pyvideo"]` so an export loses nothing.
"""

import datetime
import gzip
import json
import multiprocessing
import os
import posixpath
import re
import stat
import tarfile
import time
import zlib
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from hashlib import sha1
from itertools import chain
from pathlib import Path

from django.db import DatabaseError, transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.text import slugify
from taggit.models import Tag

from confnotes.history.versions import RevisionLog
from confnotes.slugs import RESERVED_DAY_SLUGS, RESERVED_ROOT_SLUGS, ascii_slug, free_slug
from confnotes.text import clean_text
from speakers.models import normalize_name
from talks.importers.bulk import insert
from talks.importers.common import (
    ImportFailed,
    ImportSummary,
    PlannerStatistics,
    SpeakerResolver,
    announce_import,
    clean_strings,
    guess_series,
    link_kind,
    normalize_language,
    refuse_json_constant,
    resolve_url,
    revision_comment,
    use_primary_database,
)
from talks.importers.rst import abstract_markdown, abstracts_to_html
from talks.models import (
    Conference,
    Day,
    Kind,
    Link,
    LinkKind,
    Source,
    TaggedTalk,
    Talk,
    TalkSpeaker,
)
from talks.tags import tags_of_old_names
from talks.times import date_problem
from talks.timestamps import render_with_time_codes
from talks.title_names import split_titles
from talks.video import split_offset

SOURCE = Source.PYVIDEO
MAX_JSON_BYTES = 4 * 1024 * 1024  # The largest real file is 16 kB.
MAX_ARCHIVE_BYTES = 2 * 1024**3  # Uncompressed; the real archive is about 40 MB.
MAX_ARCHIVE_MEMBERS = 500_000
MAX_JSON_DEPTH = 20  # Real records nest 3 levels deep.
MAX_DURATION_SECONDS = 24 * 3600  # Longer (or not above 0) is a slip: dropped, and said.
BATCH_SIZE = 500
# Events written in one transaction: about this long (see `_import_path`).
BATCH_SECONDS = 1.0

_TALK_FIELDS = (
    "day", "title", "position", "start_time", "duration", "language", "abstract",
    "abstract_html", "slides_url", "video_url", "video_start", "video_end", "source",
    "external_id", "extra", "kind", "room", "track", "start_date",
)  # fmt: skip
# confnotes' extension of a video record (pyvideo's schema leaves records open): what a
# talk has and pyvideo has no field for. See docs/schedules.md.
EXTENSION = "confnotes"


@dataclass
class PyvideoSummary(ImportSummary):
    """The import's counts and skipped records, plus the events (or paths) that failed."""

    failures: list[str] = field(default_factory=list)
    bad_records: list[str] = field(default_factory=list)  # Skipped for a flaw, not by choice.


@dataclass
class RawEvent:
    """One event folder as read from disk or from an archive: names and bytes, unparsed."""

    folder: str
    where: str  # How messages name the folder.
    category: bytes | None = None
    videos: list[tuple[str, bytes]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # Files refused while reading.
    key: tuple[str, ...] = ()  # The folder's path inside an archive.


@dataclass
class TalkData:
    """What a video record says, in the terms of the Talk model."""

    title: str
    slug_hint: str
    speakers: list[str]
    date: datetime.date | None
    start_time: datetime.time | None
    duration: datetime.timedelta | None
    language: str
    abstract: str
    tags: list[str]
    video_url: str  # Without the offset, which the next two hold.
    video_start: int | None
    video_end: int | None
    slides_url: str
    links: list[tuple[str, str, str]]  # (url, kind, title)
    record_id: int | None
    dropped: list[str] = field(default_factory=list)  # values left out, and why
    own: dict = field(default_factory=dict)  # Talk fields confnotes' extension names


class BadRecord(ValueError):
    """A video record that cannot be imported; the message names the problem."""


# ---------------------------------------------------------------------------
# Reading records


def load_json(raw: bytes, label: str, *, max_bytes: int = MAX_JSON_BYTES):
    """Parse one JSON file, refusing what is too large or too deeply nested."""
    if len(raw) > max_bytes:
        raise ImportFailed(label, f"file is larger than {max_bytes} bytes; refused")
    try:
        data = json.loads(raw, parse_constant=refuse_json_constant)
    except RecursionError:
        raise ImportFailed(label, "JSON nested too deeply; refused") from None
    except UnicodeDecodeError:
        raise ImportFailed(label, "not UTF-8 text") from None
    except ValueError as exc:
        raise ImportFailed(label, f"not valid JSON: {exc}") from None
    if _depth_exceeds(data, MAX_JSON_DEPTH):
        raise ImportFailed(label, f"JSON nested deeper than {MAX_JSON_DEPTH} levels; refused")
    # JSON writes control characters and surrogates only as \\u escapes (DEL raw).
    if b"\\u" in raw or b"\x7f" in raw:
        data = clean_strings(data)
    return data


def _depth_exceeds(data, limit: int) -> bool:
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > limit:
                return True
            items = value.values() if isinstance(value, dict) else value
            stack.extend((item, depth + 1) for item in items if isinstance(item, dict | list))
    return False


def _text(record: dict, key: str) -> str:
    value = record.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadRecord(f"{key} is a {type(value).__name__}, not text")
    return value


def _list(record: dict, key: str) -> list:
    value = record.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadRecord(f"{key} is a {type(value).__name__}, not a list")
    return value


def parse_recorded(value) -> tuple[datetime.date | None, datetime.time | None]:
    """`recorded` as a date and, when the record has one, a time of day (as written)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if not isinstance(value, str):
        raise BadRecord(f"recorded is a {type(value).__name__}, not a date")
    text = value.strip()
    try:
        if len(text) == 10:
            date, time = datetime.date.fromisoformat(text), None
        else:
            moment = datetime.datetime.fromisoformat(text)
            date, time = moment.date(), moment.time().replace(tzinfo=None)
    except ValueError:
        raise BadRecord(f"recorded {text[:40]!r} is not a date") from None
    problem = date_problem(date)
    if problem:
        raise BadRecord(f"recorded {problem}")
    return date, time


def talk_data(record, *, abstract: bool = True) -> TalkData:
    """Map one video record to talk fields; BadRecord when a field has the wrong type.

    With `abstract=False` the description is not converted (the abstract is left empty)."""
    if not isinstance(record, dict):
        raise BadRecord(f"a {type(record).__name__}, not an object")
    title = " ".join(_text(record, "title").split())
    if not title:
        raise BadRecord("title is missing")
    speakers = _list(record, "speakers")
    if not all(isinstance(name, str) for name in speakers):
        raise BadRecord("speakers must be a list of names")
    tags = _list(record, "tags")
    if not all(isinstance(tag, str) for tag in tags):
        raise BadRecord("tags must be a list of words")
    date, start_time = parse_recorded(record.get("recorded"))
    duration = record.get("duration")
    if duration is not None and (
        isinstance(duration, bool) or not isinstance(duration, int | float)
    ):
        raise BadRecord(f"duration is a {type(duration).__name__}, not a number of seconds")
    dropped = []
    if duration is not None and not 0 < duration <= MAX_DURATION_SECONDS:
        dropped.append(f"duration {duration!r} s dropped: a talk lasts more than 0 s, up to 24 h")
        duration = None
    for key in ("description", "summary"):
        _text(record, key)  # Only checked here: talk_abstract() reads them.
    slug_hint = record.get("slug") if isinstance(record.get("slug"), str) else ""
    own, slides_link = _extension(record.get(EXTENSION))
    record_id = record.get("id")
    video_url, video_start, video_end = split_offset(_video_url(_list(record, "videos")))
    return TalkData(
        title=title[:300],
        slug_hint=slug_hint,
        speakers=[" ".join(name.split()) for name in speakers if name.strip()],
        date=date,
        start_time=start_time,
        duration=datetime.timedelta(seconds=round(duration)) if duration is not None else None,
        language=normalize_language(record.get("language")),
        abstract=talk_abstract(record) if abstract else "",
        tags=_clean_tags(tags),
        video_url=video_url,
        video_start=video_start,
        video_end=video_end,
        **_related(_list(record, "related_urls"), slides_link=slides_link),
        own=own,
        record_id=record_id
        if isinstance(record_id, int) and not isinstance(record_id, bool)
        else None,
        dropped=dropped,
    )


def _extension(value) -> tuple[dict, bool]:
    """(Talk fields, whether the slides are a link too) of a record's `confnotes` object:
    {"kind": "workshop", "room": "Saal 1", "track": "Web", "start_date": "2019-09-24",
    "slides_link": true}; BadRecord when it is malformed."""
    if value is None:
        return {}, False
    if not isinstance(value, dict):
        raise BadRecord(f"{EXTENSION} is a {type(value).__name__}, not an object")
    own = {}
    kind = value.get("kind")
    if kind is not None:
        if kind not in Kind.values:
            raise BadRecord(f"{EXTENSION}: kind {str(kind)[:40]!r} is not a kind of talk")
        own["kind"] = kind
    for name in ("room", "track"):
        text = value.get(name)
        if text is not None:
            if not isinstance(text, str):
                raise BadRecord(f"{EXTENSION}: {name} is a {type(text).__name__}, not text")
            own[name] = " ".join(text.split())[:200]
    start_date = value.get("start_date")
    if start_date is not None:
        try:
            own["start_date"] = datetime.date.fromisoformat(start_date)
        except (TypeError, ValueError):
            problem = f"{EXTENSION}: start_date {str(start_date)[:40]!r} is not a date"
            raise BadRecord(problem) from None
        problem = date_problem(own["start_date"])
        if problem:
            raise BadRecord(f"{EXTENSION}: start_date {problem}")
    slides_link = value.get("slides_link", False)
    if not isinstance(slides_link, bool):
        raise BadRecord(f"{EXTENSION}: slides_link is not true or false")
    return own, slides_link


def abstract_source(record: dict) -> tuple[str, bool]:
    """(text, is Markdown) of a record's abstract: the description, else the summary
    (or a stray `abstract`); confnotes' own exports mark Markdown descriptions."""
    texts = (record.get("description"), record.get("summary"), record.get("abstract"))
    text = next((t for t in texts if isinstance(t, str) and t.strip()), "")
    return text, record.get("description_format") == "markdown"


def talk_abstract(record: dict) -> str:
    """The abstract of a record, in Markdown."""
    return abstract_markdown(*abstract_source(record))


def _clean_tags(tags: list[str]) -> list[str]:
    seen, out = set(), []
    for tag in tags:
        name = " ".join(tag.split())[:100]
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            out.append(name)
    return out


def _video_url(videos: list) -> str:
    """The video to show: a YouTube one when there is one, else the first usable."""
    urls = []
    for video in videos:
        if not isinstance(video, dict):
            raise BadRecord("videos must be a list of objects")
        url = resolve_url(video.get("url"))
        if url:
            kind = video.get("type") if isinstance(video.get("type"), str) else ""
            youtube = kind.lower() == "youtube" or "youtu" in url.split("/")[2]
            urls.append((not youtube, url))
    return min(urls, key=lambda pair: pair[0])[1] if urls else ""


# Labels pyvideo uses for a talk's own page, a schedule entry and other kinds of links.
_LABEL_KINDS = (
    (("blog", "post"), LinkKind.BLOG),
    (("transcript",), LinkKind.TRANSCRIPT),
    (("photo",), LinkKind.PHOTOS),
    (("article", "paper"), LinkKind.ARTICLE),
    (("code", "repo", "notebook"), LinkKind.CODE),
    (("schedule", "webpage", "web page", "talk page", "talk url", "announcement", "abstract"),
     LinkKind.WEBPAGE),
)  # fmt: skip
with translation.override(None):  # as the exporter writes them: in English
    _KIND_LABELS = {str(label).casefold(): kind for kind, label in LinkKind.choices}


def related_kind(url: str, label: str) -> tuple[str, str]:
    """(kind, title) of a related URL from its label: "Blog post: …" (as exported) names
    the kind outright; otherwise the label's words and the URL's host tell it."""
    prefix, sep, rest = label.partition(": ")
    if sep and prefix.casefold() in _KIND_LABELS:
        return _KIND_LABELS[prefix.casefold()], rest
    if label.casefold() in _KIND_LABELS:
        return _KIND_LABELS[label.casefold()], ""
    kind = link_kind(url, label)
    if kind == LinkKind.OTHER:
        text = label.casefold()
        kind = next((k for words, k in _LABEL_KINDS if any(w in text for w in words)), kind)
    return kind, label


def _related(items: list, *, slides_link: bool = False) -> dict:
    """The slides URL (the first slides link) and the other links; with `slides_link`
    the slides' link is one of the links too."""
    slides_url, links, seen = "", [], set()
    for item in items:
        if isinstance(item, str):
            url, label = item, ""
        elif isinstance(item, dict):
            url = item.get("url")
            label = item.get("label") if isinstance(item.get("label"), str) else ""
        else:
            raise BadRecord("related_urls must be a list of links")
        url = resolve_url(url)
        if not url or url in seen:
            continue
        seen.add(url)
        label = " ".join(label.split())
        kind, title = related_kind(url, label if label != url else "")
        if kind == LinkKind.SLIDES and not slides_url:
            slides_url = url
            if not slides_link:
                continue
        links.append((url, kind, title[:300]))
    return {"slides_url": slides_url, "links": links}


def parse_category(data, label: str) -> dict:
    """The conference fields of a category.json; ImportFailed when it is unusable."""
    if not isinstance(data, dict):
        raise ImportFailed(label, f"a {type(data).__name__}, not an object")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ImportFailed(label, "title is missing" if title is None else "title is not text")
    out = {"name": " ".join(title.split())[:200], "recap": "", "website": ""}
    for key in ("description", "url"):
        if data.get(key) is not None and not isinstance(data[key], str):
            raise ImportFailed(label, f"{key} is a {type(data[key]).__name__}, not text")
    markdown = data.get("description_format") == "markdown"
    out["recap"] = abstract_markdown(data.get("description") or "", markdown)
    out["website"] = resolve_url(data.get("url")) or ""
    for key in ("start_date", "end_date"):
        value = data.get(key)
        try:
            out[key] = datetime.date.fromisoformat(value[:10]) if value else None
        except (TypeError, ValueError):
            raise ImportFailed(label, f"{key} {str(value)[:40]!r} is not a date") from None
        problem = out[key] and date_problem(out[key])
        if problem:
            raise ImportFailed(label, f"{key} {problem}")
    if out["start_date"] and out["end_date"] and out["end_date"] < out["start_date"]:
        out["end_date"] = None
    return out


def parse_no_publish(raw: bytes, label: str) -> set[int]:
    data = load_json(raw, label)
    if not isinstance(data, list) or not all(
        isinstance(i, int | str) and str(i).strip().isdigit() for i in data
    ):
        raise ImportFailed(label, "not a list of video ids")
    return {int(i) for i in data}


# ---------------------------------------------------------------------------
# Finding events: folders and archives


def read_events(path, *, max_json_bytes: int = MAX_JSON_BYTES):
    """(NO_PUBLISH ids, an iterator of RawEvent) for a folder, a root or a .tar.gz.

    Raises ImportFailed when the path as a whole cannot be read; the iterator raises it
    when an archive turns out to be truncated, after yielding the events read whole."""
    path = Path(path)
    if path.is_dir():
        return _read_folder(path, max_json_bytes)
    if path.is_file() and path.name.endswith((".tar.gz", ".tgz")):
        return _read_archive(path, max_json_bytes)
    if not path.exists():
        raise ImportFailed(path, "no such file or folder")
    raise ImportFailed(path, "not an event folder, a data root or a .tar.gz archive")


def _is_event_dir(path: Path) -> bool:
    return (path / "category.json").exists() or (path / "videos").is_dir()


def _read_folder(path: Path, max_bytes: int):
    if _is_event_dir(path):
        root, folders = path.resolve().parent, [path]
    else:
        root = path.resolve()
        folders = sorted(
            p
            for p in path.iterdir()
            if not p.name.startswith(".") and p.is_dir() and _is_event_dir(p)
        )
        if not folders:
            raise ImportFailed(path, "no pyvideo event folders here (no */category.json)")
    no_publish = set()
    for candidate in (path / "NO_PUBLISH.json", root / "NO_PUBLISH.json"):
        if candidate.is_file():
            no_publish = parse_no_publish(_read_file(candidate, root, max_bytes), str(candidate))
            break
    return no_publish, (_folder_event(folder, root, max_bytes) for folder in folders)


def _read_file(path: Path, root: Path, max_bytes: int) -> bytes:
    """A regular file inside `root`, at most `max_bytes` long; ImportFailed otherwise."""
    real = path.resolve()
    if not real.is_relative_to(root):
        raise ImportFailed(path, "links outside the data root; refused")
    info = real.stat()
    if not stat.S_ISREG(info.st_mode):
        raise ImportFailed(path, "not a regular file; refused")
    if info.st_size > max_bytes:
        raise ImportFailed(path, f"file is larger than {max_bytes} bytes; refused")
    with open(real, "rb") as f:
        raw = f.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise ImportFailed(path, f"file is larger than {max_bytes} bytes; refused")
    return raw


def _folder_event(folder: Path, root: Path, max_bytes: int) -> RawEvent:
    event = RawEvent(folder=folder.name, where=str(folder))
    category = folder / "category.json"
    try:
        event.category = _read_file(category, root, max_bytes) if category.exists() else None
    except ImportFailed as exc:
        event.refused.append(str(exc))
    videos = folder / "videos"
    names = sorted(e.name for e in os.scandir(videos)) if videos.is_dir() else []
    for name in names:
        if name.endswith(".json"):
            try:
                event.videos.append((name, _read_file(videos / name, root, max_bytes)))
            except ImportFailed as exc:
                event.refused.append(str(exc))
    return event


def _member_parts(member: tarfile.TarInfo, archive: Path) -> list[str]:
    """The member's path as parts, refusing absolute paths, `..` and links leaving the root."""
    name = member.name.replace("\\", "/")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in parts:
        raise ImportFailed(archive, f"{member.name} points outside the archive; refused")
    if member.issym() or member.islnk():
        base = posixpath.dirname(name) if member.issym() else ""
        target = posixpath.normpath(posixpath.join(base, member.linkname))
        if member.linkname.startswith("/") or target == ".." or target.startswith("../"):
            raise ImportFailed(
                archive, f"{member.name} links to {member.linkname}, outside the archive; refused"
            )
    return parts


def _classify(parts: list[str]) -> tuple[tuple[str, ...], str] | None:
    """(event folder parts, "category" | "video" | "no_publish") for a member, else None."""
    if any(p.startswith(".") for p in parts) or not parts[-1].endswith(".json"):
        return None
    if parts[-1] == "NO_PUBLISH.json":
        return tuple(parts[:-1]), "no_publish"
    if parts[-1] == "category.json":
        return tuple(parts[:-1]), "category"
    if len(parts) >= 2 and parts[-2] == "videos":
        return tuple(parts[:-2]), "video"
    return None


_ARCHIVE_ERRORS = (tarfile.TarError, EOFError, OSError, zlib.error)


class _CountingReader:
    """A file's bytes as tarfile reads them, counted, with the last few reads kept: where
    tarfile stops, they tell tar's end-of-archive block from a cut."""

    def __init__(self, raw):
        self.raw = raw
        self.position = 0
        self.recent: deque[tuple[int, bytes]] = deque(maxlen=4)

    def read(self, size=-1) -> bytes:
        data = self.raw.read(size)
        self.recent.append((self.position, data))
        self.position += len(data)
        return data

    def block_at(self, offset: int) -> bytes:
        """The (up to) 512 bytes at `offset`, as far as they were read."""
        if not self.recent or offset < self.recent[0][0]:
            return b""
        start = offset - self.recent[0][0]
        return b"".join(data for _, data in self.recent)[start : start + tarfile.BLOCKSIZE]


@contextmanager
def _open_archive(path: Path):
    """A .tar.gz opened for one pass over its members. Once they are all read, the
    rest is read too: a cut archive (gzip's end and checksum missing, or tar's
    end-of-archive block) or a damaged one raises then, as it would in the middle."""
    with open(path, "rb") as handle, gzip.GzipFile(fileobj=handle, mode="rb") as unpacked:
        reader = _CountingReader(unpacked)
        with tarfile.open(fileobj=reader, mode="r|") as tar:
            yield tar
            # tarfile ends its members quietly where a header is cut or missing.
            end = reader.block_at(tar.offset)
        while reader.read(1024 * 1024):
            pass  # gzip checks the length and checksum at its end
    if len(end) < tarfile.BLOCKSIZE:
        raise tarfile.ReadError("the archive ends in the middle of its tar data")
    if end.count(0) != tarfile.BLOCKSIZE:
        raise tarfile.ReadError(f"a damaged tar header at byte {tar.offset}")


def _scan_archive(path: Path, max_bytes: int) -> bytes | None:
    """First pass over an archive: refuse hostile members and a cut or damaged archive
    before anything is written, check that each event's files lie together, and find
    the root's NO_PUBLISH.json."""
    no_publish, no_publish_depth = None, None
    seen, current = set(), None
    total = count = 0
    name = None
    try:
        with _open_archive(path) as tar:
            for member in tar:
                name = member.name
                count += 1
                if count > MAX_ARCHIVE_MEMBERS:
                    raise ImportFailed(path, f"more than {MAX_ARCHIVE_MEMBERS} members; refused")
                parts = _member_parts(member, path)
                if member.isfile():
                    if member.size > max_bytes:
                        raise ImportFailed(
                            path, f"{member.name} is larger than {max_bytes} bytes; refused"
                        )
                    total += member.size
                    if total > MAX_ARCHIVE_BYTES:
                        raise ImportFailed(path, f"unpacks to more than {MAX_ARCHIVE_BYTES} bytes")
                kind = _classify(parts) if member.isfile() and parts else None
                if kind is None:
                    continue
                folder, what = kind
                if what == "no_publish":
                    if no_publish_depth is None or len(folder) < no_publish_depth:
                        no_publish = tar.extractfile(member).read()
                        no_publish_depth = len(folder)
                    continue
                if folder != current:
                    if folder in seen:
                        raise ImportFailed(
                            path,
                            f"{member.name}: the files of {'/'.join(folder)} are not together "
                            "in the archive; repack it with tar -czf",
                        )
                    seen.add(folder)
                    current = folder
    except _ARCHIVE_ERRORS as exc:
        where = f" after {name}" if name else ""
        raise ImportFailed(
            path, f"archive truncated or corrupt{where} ({exc}); nothing imported"
        ) from None
    return no_publish


def _read_archive(path: Path, max_bytes: int):
    raw = _scan_archive(path, max_bytes)
    no_publish = parse_no_publish(raw, f"{path}: NO_PUBLISH.json") if raw is not None else set()
    return no_publish, _archive_events(path, max_bytes)


def _archive_events(path: Path, max_bytes: int):
    event, name = None, path.name
    try:
        with _open_archive(path) as tar:
            for member in tar:
                name = member.name
                parts = _member_parts(member, path)
                kind = _classify(parts) if member.isfile() and parts else None
                if kind is None or kind[1] == "no_publish":
                    continue
                folder, what = kind
                if event is None or event.key != folder:
                    if event is not None:
                        yield event
                    slug = folder[-1] if folder else path.name.split(".")[0]
                    event = RawEvent(
                        folder=slug, where=f"{path}: {'/'.join(folder) or '.'}", key=folder
                    )
                if member.size > max_bytes:
                    raise ImportFailed(path, f"{member.name} is larger than {max_bytes} bytes")
                data = tar.extractfile(member).read()
                if what == "category":
                    event.category = data
                else:
                    event.videos.append((parts[-1], data))
    except _ARCHIVE_ERRORS as exc:  # Changed since the first pass read it whole.
        lost = f"; event {event.folder} not imported" if event is not None else ""
        raise ImportFailed(
            path, f"archive truncated or corrupt ({exc}){lost}", record=name
        ) from None
    if event is not None:
        yield event


# ---------------------------------------------------------------------------
# Writing


def import_pyvideo(
    paths,
    *,
    stdout=None,
    max_json_bytes: int = MAX_JSON_BYTES,
    workers: int = 0,
    history: RevisionLog | None = None,
) -> PyvideoSummary:
    """Import pyvideo data from each path (event folder, data root or .tar.gz).

    Every good event is imported; the returned summary lists what changed, the records
    skipped and, in `failures`, one line per event or path that could not be imported.
    With `workers`, that many processes render the abstracts of new talks. What the
    run writes is one revision of the history (`history`, else one of its own)."""
    paths = [paths] if isinstance(paths, str | Path) else list(paths)
    summary = PyvideoSummary()
    if history is None:
        history = RevisionLog(revision_comment("import_pyvideo", paths))
    with _Renderer(workers) as renderer:
        run = _Run(summary, renderer, history)
        for path in paths:
            _import_path(run, path, max_json_bytes, stdout)
    return summary


def _import_path(run: "_Run", path, max_json_bytes: int, stdout) -> None:
    """Write the events of `path` in transactions of about `BATCH_SECONDS` each, every
    event in a savepoint of its own: an event that fails leaves the others written.
    One commit, page refresh and search reindex serve many small events (the pyvideo
    archive's 535 events: 20% faster than a transaction each), and an editor's save
    waits for the import about that long at most."""
    events = _ready_events(run, path, max_json_bytes, stdout)
    for first in events:
        with use_primary_database(), transaction.atomic():
            deadline = time.monotonic() + BATCH_SECONDS
            for event in chain([first], events):
                try:
                    line = run.write_event(event)
                except ImportFailed as exc:
                    run.summary.failures.append(str(exc))
                    line = f"{event.raw.where}: not imported"
                if stdout is not None:
                    stdout.write(line + "\n")
                if time.monotonic() >= deadline:
                    break
            # Versions of the rows as the events left them: the last event to write a
            # row (a speaker of several) gives its version.
            run.history.add(run.written[::-1])
            run.written = []
            if run.changed:
                # Only a change refreshes the pages and the search index.
                announce_import("pyvideo", run.changed)
                run.changed = set()


def _ready_events(run: "_Run", path, max_json_bytes: int, stdout):
    """The events of `path` parsed, in order, each once its abstracts are rendered. A few
    are read ahead of the one being written, so that worker processes render their
    abstracts meanwhile."""
    pending: deque[PreparedEvent] = deque()

    def ready():
        event = pending.popleft()
        run.renderer.wait_for(event, ahead=pending)
        return event

    try:
        no_publish, events = read_events(path, max_json_bytes=max_json_bytes)
        for raw in events:
            try:
                pending.append(run.prepare_event(raw, no_publish))
            except ImportFailed as exc:
                run.summary.failures.append(str(exc))
                if stdout is not None:
                    stdout.write(f"{raw.where}: not imported\n")
            while len(pending) > run.renderer.lookahead:
                yield ready()
    except ImportFailed as exc:
        while pending:
            yield ready()
        run.summary.failures.append(str(exc))
    while pending:
        yield ready()


class _Renderer:
    """Turns descriptions into (Markdown, sanitized HTML), in worker processes when
    `workers` > 0 (spawned: they import only the renderer, never Django)."""

    def __init__(self, workers: int):
        # Events run from one talk to hundreds: a few read ahead per worker keep the
        # workers busy through a large event's writing (waits fell from 2.8 s to 1.2 s).
        self.lookahead = 4 * workers + 2 if workers > 0 else 0
        self.pool = None
        if workers > 0:
            context = multiprocessing.get_context("spawn")
            self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)

    def submit(self, items: list[tuple[str, bool]]):
        if self.pool is None or not items:
            return None
        return self.pool.submit(abstracts_to_html, items)

    def wait_for(self, event: "PreparedEvent", ahead) -> None:
        """While the workers render `event`'s abstracts, this process renders those of
        the furthest event `ahead` that no worker has started, rather than wait idle:
        the workers render the archive's abstracts in about as long as this process
        takes to write it."""
        while event.rendered is not None and not event.rendered.done():
            found = (e for e in reversed(ahead) if e.rendered is not None)
            taken = next((e for e in found if e.rendered.cancel()), None)
            if taken is None:
                return  # Every other is started or done: the writer waits for its own.
            taken.rendered = Future()
            try:
                taken.rendered.set_result(abstracts_to_html(taken.sources))
            except Exception as exc:  # Raised where a worker's would be: at result().
                taken.rendered.set_exception(exc)


class _Run:
    """State shared by the events of one import: speakers and tags already known."""

    def __init__(self, summary: PyvideoSummary, renderer: _Renderer, history: RevisionLog):
        self.summary = summary
        self.renderer = renderer
        self.history = history
        self.statistics = PlannerStatistics()
        # Since the last commit: conferences to announce, rows to keep versions of.
        self.changed: set[int] = set()
        self.written: list = []
        self._forget_written_rows()

    def _forget_written_rows(self) -> None:
        """Start the speaker and tag caches afresh: after an event's rollback they
        would hold rows the database no longer has."""
        self.speakers = SpeakerResolver(self.summary)
        self._tags: dict[str, Tag] | None = None
        self._tag_slugs: set[str] = set()

    # -- one event ------------------------------------------------------------

    def prepare_event(self, raw: RawEvent, no_publish: set[int]) -> "PreparedEvent":
        """Parse an event's files; ImportFailed when the event as a whole is unusable."""
        if raw.category is None and not raw.refused:
            raise ImportFailed(f"{raw.where}/category.json", "missing")
        if raw.refused and raw.category is None:
            raise ImportFailed(raw.refused[0], "event not imported")
        category_label = f"{raw.where}/category.json"
        category = load_json(raw.category, category_label)
        conference_fields = parse_category(category, category_label)
        event_summary, bad = ImportSummary(), list(raw.refused)
        videos: list[tuple[str, dict, TalkData]] = []
        withheld: list[str] = []
        for name, data in raw.videos:
            label = f"{raw.where}/videos/{name}"
            try:
                record = load_json(data, label)
                parsed = talk_data(record, abstract=False)  # Converted when needed.
            except ImportFailed as exc:
                bad.append(str(exc))
                continue
            except BadRecord as exc:
                bad.append(str(ImportFailed(label, str(exc))))
                continue
            for problem in parsed.dropped:
                event_summary.drop(f"{label}: {problem}")
            if parsed.record_id is not None and parsed.record_id in no_publish:
                event_summary.add("Talk", "skipped")
                event_summary.problem(f"{label}: id {parsed.record_id} is in NO_PUBLISH.json")
                withheld.append(name)
                continue
            videos.append((name, record, parsed))
        event = PreparedEvent(raw, category, conference_fields, videos, event_summary, bad)
        event.withheld = withheld
        if self.renderer.pool is not None and not (
            Conference.objects.filter(source=SOURCE, external_id=folder_id(raw.folder)).exists()
        ):
            # A new event: every abstract will be needed, so render them ahead.
            event.sources = [(*abstract_source(r), p.video_url) for _, r, p in videos]
            event.rendered = self.renderer.submit(event.sources)
        return event

    def write_event(self, event: "PreparedEvent") -> str:
        """Write a prepared event whole or not at all (a savepoint, when `_import_path`'s
        transaction holds it); returns its progress line."""
        raw, event_summary, bad = event.raw, event.summary, event.bad
        # What this event creates is counted with it, so a rollback counts nothing.
        self.speakers.summary = self.event_summary = event_summary
        try:
            with use_primary_database(), transaction.atomic():
                writer = _EventWriter(self, event)
                counts = writer.write(event.videos)
                writer.remove_withheld(event.withheld)
                self.statistics.grew(counts["created"])
            self.written.extend(writer.written)
            if any(n["created"] or n["updated"] for n in event_summary.counts.values()):
                self.changed.add(writer.conference.pk)
        except DatabaseError as exc:
            self._forget_written_rows()
            raise ImportFailed(raw.where, f"database error: {exc}") from None
        except RecursionError:
            self._forget_written_rows()
            raise ImportFailed(raw.where, "a description nested too deeply to render") from None
        for problem in bad:
            event_summary.add("Talk", "skipped")
            event_summary.problem(problem)
        self.summary.merge(event_summary)
        self.summary.bad_records.extend(bad)
        skipped = event_summary.get("Talk", "skipped")
        return (
            f"{raw.where}: {counts['created']} talks created, {counts['updated']} updated, "
            f"{counts['unchanged']} unchanged, {skipped} skipped"
        )

    # -- tags -------------------------------------------------------------------

    def tags_for(self, names: set[str]) -> dict[str, Tag]:
        """Tags by case-folded name, created in one insert when new."""
        if self._tags is None:
            self._tags = {}
            for tag in Tag.objects.all():
                self._tags.setdefault(tag.name.casefold(), tag)
                self._tag_slugs.add(tag.slug)
        missing = {name for name in names if name.casefold() not in self._tags}
        for name, tag in tags_of_old_names(missing).items():  # merged or renamed since
            self._tags[name.casefold()] = tag
        new = []
        for name in sorted(missing):
            key = name.casefold()
            if key not in self._tags:
                tag = Tag(name=name, slug=self._tag_slug(name))
                self._tags[key] = tag
                new.append(tag)
        if new:
            insert(Tag, new, batch_size=BATCH_SIZE)
            self.event_summary.add("Tag", "created", len(new))
        return self._tags

    def _tag_slug(self, name: str) -> str:
        base = (slugify(name, allow_unicode=True) or "tag")[:90]
        return free_slug(base, self._tag_slugs, sep="_")


# Record fields that become the talk's own values; the rest is only kept.
_MODELLED_KEYS = frozenset(
    {"title", "speakers", "tags", "recorded", "duration", "language", "description"}
    | {"summary", "abstract", "description_format", "videos", "related_urls", "slug"}
    | {EXTENSION}
)


def _tells_nothing_new(stored: dict, new: dict) -> bool:
    """Whether a record differs from the one imported before only in fields that give
    the talk values it has already."""

    def kept(entry: dict) -> dict:
        record = entry.get("record") if isinstance(entry.get("record"), dict) else {}
        return {**entry, "record": {k: v for k, v in record.items() if k not in _MODELLED_KEYS}}

    return kept(stored) == kept(new)


def folder_id(folder: str) -> str:
    """A conference's key: its event folder's name (hashed when too long)."""
    folder = clean_text(folder)
    if len(folder) <= 200:
        return folder
    return f"{folder[:180]}~{sha1(folder.encode()).hexdigest()[:16]}"


def external_id(folder: str, file_name: str) -> str:
    """A talk's key: `<event folder>/<file name without .json>` (hashed when too long)."""
    key = clean_text(f"{folder}/{file_name.removesuffix('.json')}")
    if len(key) <= 200:
        return key
    return f"{key[:180]}~{sha1(key.encode()).hexdigest()[:16]}"


def fallback_date(conference_fields: dict, dates, name: str) -> datetime.date:
    """The day for videos without a date: the conference's first day as best known."""
    if conference_fields.get("start_date"):
        return conference_fields["start_date"]
    if dates:
        return min(dates)
    year = re.search(r"(?<!\d)(19[89]\d|20\d\d)(?!\d)", name)
    return datetime.date(int(year.group(1)) if year else 2000, 1, 1)


@dataclass
class PreparedEvent:
    """An event read and parsed, waiting for its transaction."""

    raw: RawEvent
    category: dict
    fields: dict
    videos: list
    summary: ImportSummary
    bad: list[str]
    sources: list = field(default_factory=list)  # abstract_source() and URL of each video
    rendered: object = None  # A future of [(abstract, abstract_html)], one per video.
    withheld: list = field(default_factory=list)  # file names of NO_PUBLISH records


class _EventWriter:
    """Writes one parsed event in bulk: conference, days, talks, speakers, tags, links."""

    def remove_withheld(self, names: list[str]) -> None:
        """Talks imported before their id was listed in NO_PUBLISH.json leave the archive,
        unless notes were written on them here: those stay, and are named."""
        if not names:
            return
        keys = [external_id(self.raw.folder, name) for name in names]
        talks = Talk.objects.filter(
            conference=self.conference, source=SOURCE, external_id__in=keys
        ).annotate(note_count=Count("notes"))
        gone = []
        for talk in talks:
            if talk.note_count:
                self.summary.problem(
                    f"{self.raw.where}: kept “{talk.title}”, now in NO_PUBLISH.json, "
                    "because it has notes written here"
                )
            else:
                gone.append(talk)
                self.summary.problem(
                    f"{self.raw.where}: removed “{talk.title}”, imported before its id was "
                    "listed in NO_PUBLISH.json"
                )
        self.run.history.add(gone)  # as they were, for the admin's "recover deleted"
        Talk.objects.filter(pk__in=[talk.pk for talk in gone]).delete()

    def __init__(self, run: _Run, event: PreparedEvent):
        self.run = run
        self.raw = event.raw
        self.category = event.category
        self.fields = event.fields
        self.summary = event.summary
        self.now = timezone.now()
        self.written: list = []  # rows created or changed, for the run's revision
        self.rendered = {}
        if event.rendered is not None:
            results = event.rendered.result()
            pairs = zip(event.videos, results, strict=True)
            self.rendered = {name: pair for (name, _, _), pair in pairs}

    def write(self, videos) -> dict:
        self._split_titles(videos)
        dates = [parsed.date for _, _, parsed in videos if parsed.date]
        fallback = fallback_date(self.fields, dates, f"{self.fields['name']} {self.raw.folder}")
        self.conference = self._conference(dates)
        days = self._days({parsed.date or fallback for _, _, parsed in videos})
        talks, counts = self._talks(videos, days, fallback)
        if talks:  # Talks new or changed since the last import.
            self._speakers(talks)
            self._tags(talks)
            self._links(talks)
        return counts

    def _split_titles(self, videos) -> None:
        """Records without speakers whose titles hold known names ("Title - Name"):
        the names become the speakers (talks.title_names)."""
        speakerless = [parsed for _, _, parsed in videos if not parsed.speakers]
        if not speakerless:
            return
        splits = split_titles(
            (parsed.title for parsed in speakerless),
            conference_name=self.fields["name"],
            event_names={name for _, _, parsed in videos for name in parsed.speakers},
        )
        for parsed in speakerless:
            split = splits.get(parsed.title)
            if split is not None:
                parsed.title, parsed.speakers = split.title[:300], list(split.speakers)

    def _conference(self, dates) -> Conference:
        folder = self.raw.folder
        key, slug = folder_id(folder), ascii_slug(folder)
        found = list(Conference.objects.filter(Q(source=SOURCE, external_id=key) | Q(slug=slug)))
        conference = next(
            (c for c in found if (c.source, c.external_id) == (SOURCE, key)),
            next((c for c in found if c.slug == slug), None),
        )
        self.new_conference = created = conference is None
        if created:
            conference = Conference(published=True)
        values = dict(self.fields)
        values["series"] = guess_series(values["name"])
        values["start_date"] = values["start_date"] or (min(dates) if dates else None)
        values["end_date"] = values["end_date"] or (max(dates) if dates else None)
        for name in ("recap", "website", "start_date", "end_date"):
            if not values[name] and not created:
                values[name] = getattr(conference, name)  # What the source lacks stays.
        start, end = values["start_date"], values["end_date"]
        if start and end and end < start:
            values["end_date"] = start
        if not conference.external_id:
            values["source"], values["external_id"] = SOURCE, folder_id(folder)
        extra = dict(conference.extra or {})
        extra["pyvideo"] = {"folder": folder, "category": self.category}
        values["extra"] = extra
        differ = {name for name, value in values.items() if getattr(conference, name) != value}
        if not created and "pyvideo" not in (conference.extra or {}) and differ <= {"extra"}:
            # A folder that says what the conference says (confnotes' own export of a
            # conference from elsewhere) is no source of it: nothing to write.
            differ = set()
        changed = created or bool(differ)
        for name in differ:
            setattr(conference, name, values[name])
        if created:
            # No conference has the whole slug (it would have been found); a cut one may.
            taken = slug in RESERVED_ROOT_SLUGS or (
                len(slug) > 200 and Conference.objects.filter(slug=slug[:200]).exists()
            )
            conference.slug = slug[:200] if slug and not taken else ""  # save() picks one.
        if changed:
            conference.save()
            self.summary.add("Conference", "created" if created else "updated")
            self.written.append(conference)
        return conference

    def _days(self, dates: set) -> dict:
        days = [] if self.new_conference else Day.objects.filter(conference=self.conference)
        existing = {day.date: day for day in days}
        missing = sorted(dates - set(existing))
        if missing:
            all_dates = sorted(set(existing) | set(missing))
            slugs = {day.slug for day in existing.values()} | RESERVED_DAY_SLUGS
            new = []
            for date in missing:
                position = all_dates.index(date) + 1
                slug = free_slug(f"day-{position}", slugs)
                # pyvideo gives recording dates, not a program: the order is not known.
                new.append(
                    Day(
                        conference=self.conference,
                        date=date,
                        position=position,
                        slug=slug,
                        in_order=False,
                    )
                )
            insert(Day, new)
            self.written.extend(new)
            existing.update((day.date, day) for day in new)
            self.summary.add("Day", "created", len(new))
        return existing

    def _talks(self, videos, days, fallback):
        conference = self.conference
        existing = [] if self.new_conference else list(Talk.objects.filter(conference=conference))
        by_key = {t.external_id: t for t in existing if t.source == SOURCE and t.external_id}
        by_slug = {t.slug: t for t in existing}
        slugs = set(by_slug)
        videos = sorted(
            videos,
            key=lambda v: (v[2].date or fallback, v[2].start_time or datetime.time(0), v[0]),
        )
        positions: dict[datetime.date, int] = {}
        create, update, talks = [], [], []
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        keys = {external_id(self.raw.folder, name) for name, _, _ in videos}
        claimed = {by_key[key].pk for key in keys if key in by_key}
        for name, record, parsed in videos:
            key = external_id(self.raw.folder, name)
            talk = by_key.get(key)
            if talk is None and by_slug:
                candidate = by_slug.get(ascii_slug(parsed.slug_hint or name.removesuffix(".json")))
                # Entered by hand, or from another source (a schedule, confnotes' own
                # export): the talk of that slug, unless another record of this folder is it.
                if candidate is not None and candidate.pk not in claimed:
                    talk = candidate
                    claimed.add(talk.pk)
            date = parsed.date or fallback
            positions[date] = positions.get(date, 0) + 1
            stored = (talk.extra or {}).get("pyvideo", {}) if talk else {}
            old_record = stored.get("record")
            extra = dict(talk.extra or {}) if talk else {}
            extra["pyvideo"] = {"file": name, "record": record}
            if parsed.date is None:
                extra["pyvideo"]["undated"] = True
            if talk is not None and stored == extra["pyvideo"]:
                # The same record as last time: the talk, and whatever was edited on it
                # here, stays as it is; only its place in the day follows the others.
                if (talk.day_id, talk.position) != (days[date].pk, positions[date]):
                    talk.day, talk.position, talk.updated = days[date], positions[date], self.now
                    update.append(talk)
                    counts["updated"] += 1
                else:
                    counts["unchanged"] += 1
                continue
            if name in self.rendered:
                parsed.abstract, html = self.rendered[name]
            else:
                parsed.abstract, html = talk_abstract(record), None
            values = {
                "day": days[date],
                "title": parsed.title,
                "position": positions[date],
                "start_time": parsed.start_time,
                "duration": parsed.duration,
                "language": parsed.language,
                "abstract": parsed.abstract,
                "slides_url": parsed.slides_url,
                "video_url": parsed.video_url,
                "video_start": parsed.video_start,
                "video_end": parsed.video_end,
                "extra": extra,
                **parsed.own,  # what confnotes' extension says: kind, room, track...
            }
            if talk is None or not talk.external_id:
                values["source"], values["external_id"] = SOURCE, key
            if talk is None:
                talk = Talk(conference=conference, slug=self._slug(parsed, name, slugs), **values)
                talk.abstract_html = (
                    render_with_time_codes(talk.abstract, talk.video_url) if html is None else html
                )
                talk.created = talk.updated = self.now
                create.append(talk)
                counts["created"] += 1
            else:
                changed = set()
                for field_name, value in values.items():
                    current = talk.day_id if field_name == "day" else getattr(talk, field_name)
                    wanted = value.pk if field_name == "day" else value
                    if field_name == "abstract":  # Space around it is no change.
                        current, wanted = current.strip(), wanted.strip()
                    if current != wanted:
                        changed.add(field_name)
                if not stored and changed <= {"extra", "source", "external_id", "position"}:
                    # A record that says what the talk says (confnotes' own export of a
                    # talk from elsewhere) is no source of it: nothing to write. (pyvideo
                    # has no order within a day: the talk keeps its place.)
                    changed = set()
                elif changed <= {"extra"} and _tells_nothing_new(stored, extra["pyvideo"]):
                    # confnotes' own export of the talk (its title without the names
                    # taken out, say): the record imported before stays its source.
                    changed = set()
                for field_name in changed:
                    setattr(talk, field_name, values[field_name])
                if changed & {"abstract", "video_url"}:  # its time codes link into the video
                    talk.abstract_html = (
                        render_with_time_codes(talk.abstract, talk.video_url)
                        if html is None
                        else html
                    )
                if changed:
                    talk.updated = self.now
                    update.append(talk)
                    counts["updated"] += 1
                else:
                    counts["unchanged"] += 1
            talk._pyvideo = (parsed, self._previous(old_record, record, parsed))
            talks.append(talk)
        insert(Talk, create, batch_size=BATCH_SIZE)
        self.new_talk_ids = {talk.pk for talk in create}
        Talk.objects.bulk_update(update, [*_TALK_FIELDS, "updated"], batch_size=BATCH_SIZE)
        self.written.extend(create)
        self.written.extend(update)
        self.summary.add("Talk", "created", counts["created"])
        self.summary.add("Talk", "updated", counts["updated"])
        return talks, counts

    def _slug(self, parsed: TalkData, name: str, taken: set[str]) -> str:
        base = ascii_slug(parsed.slug_hint) or ascii_slug(name.removesuffix(".json"))
        base = (base or ascii_slug(parsed.title) or "talk")[:190].strip("-")
        return free_slug(base, taken)

    @staticmethod
    def _previous(old_record, record, parsed) -> TalkData | None:
        """What the record imported last time said, so that only what it added is removed."""
        if old_record is None:
            return None
        try:
            return talk_data(old_record, abstract=False)
        except BadRecord:
            return None

    def _known_ids(self, talks) -> list[int]:
        """The keys of the talks that were there before this event's import: only
        they can have speakers, tags and links yet."""
        return [talk.pk for talk in talks if talk.pk not in self.new_talk_ids]

    def _speakers(self, talks) -> None:
        names = [name for talk in talks for name in talk._pyvideo[0].speakers]
        known = len(self.run.speakers.created)
        resolved = self.run.speakers.resolve_all(names)
        self.written.extend(self.run.speakers.created[known:])
        current: dict[int, dict[int, TalkSpeaker]] = {}
        # By the talks' keys, not a join through their conference: see PlannerStatistics.
        ids = self._known_ids(talks)
        for row in TalkSpeaker.objects.filter(talk_id__in=ids).select_related("speaker"):
            current.setdefault(row.talk_id, {})[row.speaker_id] = row
        create, update, delete = [], [], []
        for talk in talks:
            wanted = []
            for name in talk._pyvideo[0].speakers:
                speaker = resolved.get(normalize_name(name))
                if speaker is not None and speaker.pk not in wanted:
                    wanted.append(speaker.pk)
            rows = current.get(talk.pk, {})
            old = talk._pyvideo[1]
            previous = {normalize_name(n) for n in old.speakers} if old else set()
            for speaker_id, row in rows.items():
                if speaker_id not in wanted and row.speaker.normalized_name in previous:
                    delete.append(row.pk)
            for position, speaker_id in enumerate(wanted):
                row = rows.get(speaker_id)
                if row is None:
                    create.append(
                        TalkSpeaker(talk_id=talk.pk, speaker_id=speaker_id, position=position)
                    )
                elif row.position != position:
                    row.position = position
                    update.append(row)
        self._apply(TalkSpeaker, "TalkSpeaker", create, update, delete, ["position"])

    def _tags(self, talks) -> None:
        tags = self.run.tags_for({tag for talk in talks for tag in talk._pyvideo[0].tags})
        current: dict[int, dict[str, TaggedTalk]] = {}
        ids = self._known_ids(talks)
        for row in TaggedTalk.objects.filter(content_object_id__in=ids).only(
            "pk", "content_object_id", "tag_id"
        ):
            current.setdefault(row.content_object_id, {})[row.tag_id] = row
        by_pk = {tag.pk: key for key, tag in tags.items()}
        create, delete = [], []
        for talk in talks:
            wanted = {tags[name.casefold()].pk for name in talk._pyvideo[0].tags}
            rows = current.get(talk.pk, {})
            old = talk._pyvideo[1]
            previous = {t.casefold() for t in old.tags} if old else set()
            for tag_id, row in rows.items():
                if tag_id not in wanted and by_pk.get(tag_id) in previous:
                    delete.append(row.pk)
            create.extend(
                TaggedTalk(content_object_id=talk.pk, tag_id=tag_id)
                for tag_id in sorted(wanted - set(rows))
            )
        self._apply(TaggedTalk, "TaggedTalk", create, [], delete, [])

    def _links(self, talks) -> None:
        current: dict[int, dict[str, Link]] = {}
        for row in Link.objects.filter(talk_id__in=self._known_ids(talks)):
            current.setdefault(row.talk_id, {})[row.url] = row
        create, update, delete = [], [], []
        for talk in talks:
            wanted = talk._pyvideo[0].links
            rows = current.get(talk.pk, {})
            old = talk._pyvideo[1]
            previous = {url for url, _, _ in old.links} if old else set()
            urls = {url for url, _, _ in wanted}
            delete.extend(
                row.pk for url, row in rows.items() if url not in urls and url in previous
            )
            for position, (url, kind, title) in enumerate(wanted):
                row = rows.get(url)
                if row is None:
                    create.append(
                        Link(talk_id=talk.pk, url=url, kind=kind, title=title, position=position)
                    )
                elif (row.kind, row.title, row.position) != (kind, title, position):
                    row.kind, row.title, row.position = kind, title, position
                    update.append(row)
        self._apply(Link, "Link", create, update, delete, ["kind", "title", "position"])

    def _apply(self, model, label, create, update, delete, fields) -> None:
        if delete:
            model.objects.filter(pk__in=delete).delete()
        if create:
            insert(model, create, batch_size=BATCH_SIZE, returning=False)
        if update:
            model.objects.bulk_update(update, fields, batch_size=BATCH_SIZE)
        for action, n in (("created", len(create)), ("updated", len(update) + len(delete))):
            if n:
                self.summary.add(label, action, n)
