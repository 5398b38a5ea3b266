"""confnotes' extension of frab schedules: what the format has no room for.

The frab schema has no field for a talk's tags, for an item without a known time, or
(in JSON) for a duration with seconds; it does have an open `meta` object on the
conference. So an export writes, in JSON, `conference.meta.confnotes`, and in XML (whose
schema has no open element) the same object as a processing instruction inside
`<conference>`: `<?confnotes {...}?>`. Validators and other readers skip both.

    {"slug": "djangocon-us-2019", "time_zone": "America/Los_Angeles",
     "events": {"<event guid>": {"tags": ["Django"], "untimed": true, "duration": "0:25:30",
                                 "slug": "a-slug-not-made-from-the-title",
                                 "kinds": {"https://example.org/program/12": "webpage"},
                                 "video": "https://youtu.be/x", "slides": "https://x.org/s.pdf"}}}

The zone is the conference's own ("" when it has none: the export's dates then carry
the site's). The slugs are the conference's and a talk's here (a talk's only where its title would
give another), so that an export comes back under the same addresses. `kinds` are the
kinds of links that their titles and hosts would not tell; `video` and `slides` name the
links written only to carry the talk's video and slides (no links of their own);
`video_link` and `slides_link` the link that is the talk's video or slides where it is
not the first of its kind; `iris` the URLs that JSON had to write as URIs ("Herv%C3%A9")
as they are stored ("Hervé"); `position` an untimed item's place in its day. An event
is listed only when it has something to add. See docs/schedules.md.
"""

import json
import re
from dataclasses import dataclass, field

from confnotes.slugs import RESERVED_ROOT_SLUGS
from talks.importers.common import ImportFailed, refuse_json_constant
from talks.models import LinkKind

NAME = "confnotes"
_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,199}")
_DURATION = re.compile(r"\d{1,3}:\d{2}(:\d{2})?")
_TALK_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,200}")


@dataclass
class EventExtension:
    tags: list[str] | None = None
    untimed: bool = False
    duration: str | None = None
    slug: str | None = None  # the talk's, where it is not the one its title gives
    position: int | None = None  # an untimed item's place in its day
    kinds: dict[str, str] = field(default_factory=dict)  # link URL → its kind
    video: str | None = None  # the URL of the link that only carries the talk's video
    slides: str | None = None  # the same for its slides
    video_link: str | None = None  # the URL of the talk's video, one of its links
    slides_link: str | None = None  # the same for its slides
    iris: dict[str, str] = field(default_factory=dict)  # URL as written → as stored


@dataclass
class Extension:
    slug: str = ""
    time_zone: str | None = None  # the conference's own (`Conference.time_zone`), "" for none
    events: dict[str, EventExtension] = field(default_factory=dict)


def pop_extension(conference: dict, path) -> Extension:
    """Take confnotes' extension out of a schedule's conference object (JSON shape),
    leaving any other `meta` of the source in place. Raises ImportFailed when it is
    malformed."""
    meta = conference.get("meta")
    if not isinstance(meta, dict) or NAME not in meta:
        return Extension()
    raw = meta[NAME]
    rest = {key: value for key, value in meta.items() if key != NAME}
    if rest:
        conference["meta"] = rest
    else:
        del conference["meta"]
    if isinstance(raw, str):  # from XML, where it is the text of a processing instruction
        try:
            raw = json.loads(raw, parse_constant=refuse_json_constant)
        except ValueError as exc:
            _bad(path, f"not valid JSON ({exc})")
    return _read(raw, path)


def _bad(path, problem: str):
    raise ImportFailed(path, problem, record=f"conference: the {NAME} extension")


def _read(raw, path) -> Extension:
    if not isinstance(raw, dict):
        _bad(path, "is not an object")
    slug = raw.get("slug", "")
    if not isinstance(slug, str) or (
        slug and (not _SLUG.fullmatch(slug) or slug in RESERVED_ROOT_SLUGS)
    ):
        _bad(path, f"slug {slug!r} is not a usable conference slug")
    events = raw.get("events", {})
    if not isinstance(events, dict):
        _bad(path, '"events" is not an object')
    time_zone = raw.get("time_zone")
    if time_zone is not None and not (isinstance(time_zone, str) and len(time_zone) <= 64):
        _bad(path, f"time_zone {time_zone!r} is not a zone name")
    out = Extension(slug=slug, time_zone=time_zone)
    for guid, item in events.items():
        if not isinstance(item, dict):
            _bad(path, f"event {guid}: is not an object")
        tags = item.get("tags")
        if tags is not None and not (
            isinstance(tags, list) and all(isinstance(tag, str) for tag in tags)
        ):
            _bad(path, f"event {guid}: tags are not a list of names")
        untimed = item.get("untimed", False)
        if not isinstance(untimed, bool):
            _bad(path, f"event {guid}: untimed is not true or false")
        duration = item.get("duration")
        if duration is not None and not (
            isinstance(duration, str) and _DURATION.fullmatch(duration)
        ):
            _bad(path, f"event {guid}: duration {duration!r} is not H:MM:SS")
        talk_slug = item.get("slug")
        if talk_slug is not None and not (
            isinstance(talk_slug, str) and _TALK_SLUG.fullmatch(talk_slug)
        ):
            _bad(path, f"event {guid}: slug {talk_slug!r} is not a usable talk slug")
        kinds = item.get("kinds", {})
        if not isinstance(kinds, dict) or not all(
            isinstance(url, str) and kind in LinkKind.values for url, kind in kinds.items()
        ):
            _bad(path, f"event {guid}: kinds are not link URLs with a link kind each")
        position = item.get("position")
        if position is not None and not (
            isinstance(position, int) and not isinstance(position, bool) and position > 0
        ):
            _bad(path, f"event {guid}: position {position!r} is not a number from 1")
        for name in ("video", "slides", "video_link", "slides_link"):
            if item.get(name) is not None and not isinstance(item[name], str):
                _bad(path, f"event {guid}: {name} is not a URL")
        iris = item.get("iris", {})
        if not isinstance(iris, dict) or not all(
            isinstance(uri, str) and isinstance(iri, str) for uri, iri in iris.items()
        ):
            _bad(path, f"event {guid}: iris are not URLs with a URL each")
        out.events[guid] = EventExtension(
            tags=tags,
            untimed=untimed,
            duration=duration,
            slug=talk_slug,
            kinds=kinds,
            video=item.get("video"),
            slides=item.get("slides"),
            video_link=item.get("video_link"),
            slides_link=item.get("slides_link"),
            iris=iris,
            position=position,
        )
    return out


def extension_object(*, slug: str, events: dict[str, dict], time_zone: str = "") -> dict:
    """The extension as written into an export."""
    out: dict = {"slug": slug, "time_zone": time_zone}
    if events:
        out["events"] = events
    return out


def extension_text(extension: dict) -> str:
    """The extension as the text of an XML processing instruction: JSON in which `>`
    is escaped, so that no "?>" can end the instruction early."""
    text = json.dumps(extension, ensure_ascii=False, sort_keys=False, separators=(",", ":"))
    return text.replace(">", "\\u003e")
