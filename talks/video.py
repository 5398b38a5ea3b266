"""Video links: which archive holds a talk's video, its player, and addresses at an offset.

One table, `HOSTS`, says per archive (YouTube, Vimeo, archive.org) how to find the
video's id in a link, where its player lives and how a link or a player is told
where to start (and, where the archive can, where to stop). Every other function
reads that table: nothing here fetches anything.

Offsets are whole seconds into the recording. A link may carry one (`?t=1126`,
`#t=62s`, `?start=9`): `split_offset` takes it out, `url_with_offset` puts it back,
so imports and exports keep an offset in the only place pyvideo and schedule
files have for it, the video's address.
"""

import re
from collections.abc import Callable
from typing import NamedTuple
from urllib.parse import SplitResult, parse_qs, parse_qsl, urlencode, urlsplit, urlunsplit

_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_YOUTUBE_HOSTS = {
    "youtube.com",
    "www.youtube.com",
    "m.youtube.com",
    "youtube-nocookie.com",
    "www.youtube-nocookie.com",
}
_VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com", "player.vimeo.com"}
# /123, /channels/x/123, /video/123, /123/<hash of an unlisted video>
_VIMEO_PATH = re.compile(r"/(\d{1,12})(?:/[0-9a-f]{6,20})?/?$")
_ARCHIVE_HOSTS = {"archive.org", "www.archive.org"}
_ARCHIVE_PATH = re.compile(r"^/(?:details|embed)/([A-Za-z0-9][A-Za-z0-9._-]*)(?:/|$)")
# "754", "754s", "12m34s", "1h2m3s": how links write an offset.
_OFFSET = re.compile(r"^(?:(\d{1,3})h)?(?:(\d{1,5})m)?(?:(\d{1,6})s?)?$")


def _youtube_id(parts: SplitResult) -> str:
    host = parts.hostname or ""
    candidate = ""
    if host == "youtu.be":
        candidate = parts.path.lstrip("/").split("/")[0]
    elif host in _YOUTUBE_HOSTS:
        if parts.path == "/watch":
            candidate = parse_qs(parts.query).get("v", [""])[0]
        else:
            segments = parts.path.strip("/").split("/")
            if len(segments) >= 2 and segments[0] in {"embed", "v", "live", "shorts"}:
                candidate = segments[1]
    return candidate if _YOUTUBE_ID.match(candidate) else ""


def _vimeo_id(parts: SplitResult) -> str:
    match = _VIMEO_PATH.search(parts.path) if parts.hostname in _VIMEO_HOSTS else None
    return match.group(1) if match else ""


def _archive_id(parts: SplitResult) -> str:
    match = _ARCHIVE_PATH.match(parts.path) if parts.hostname in _ARCHIVE_HOSTS else None
    return match.group(1) if match else ""


class Host(NamedTuple):
    """How one archive's links and player work."""

    name: str  # For readers: "Play here (from YouTube)".
    video_id: Callable[[SplitResult], str]  # The video's id in a link, or "".
    player: str  # The player's address, `{id}` filled in.
    watch: str  # A canonical page to link to at an offset, or "" to keep the link as given.
    start: str  # The query parameter of a start, or "#t" for a `#t=<seconds>s` fragment.
    player_start: str  # The same for the player.
    end: str  # The query parameter of an end (links and player), or "" when there is none.
    also_start: tuple[str, ...] = ()  # Other parameters links use for a start.


HOSTS = (
    Host(
        "YouTube",
        _youtube_id,
        player="https://www.youtube-nocookie.com/embed/{id}",
        watch="https://www.youtube.com/watch?v={id}",
        start="t",
        player_start="start",
        end="end",
        also_start=("start", "time_continue"),
    ),
    Host(
        "Vimeo",
        _vimeo_id,
        player="https://player.vimeo.com/video/{id}?dnt=1",
        watch="",
        start="#t",
        player_start="#t",
        end="",
    ),
    Host(
        "the Internet Archive",
        _archive_id,
        player="https://archive.org/embed/{id}",
        watch="",
        start="start",
        player_start="start",
        end="end",
    ),
)


def recognise(url: str) -> tuple[Host, str, SplitResult] | None:
    """(host, video id, parsed link) of a video link on a known archive, else None."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https"):
        return None
    for host in HOSTS:
        video = host.video_id(parts)
        if video:
            return host, video, parts
    return None


def youtube_id(url: str) -> str:
    """The 11-character video id of a YouTube link, or "" when `url` is not one."""
    found = recognise(url)
    return found[1] if found and found[0] is HOSTS[0] else ""


def offset_seconds(value: str) -> int | None:
    """Seconds of an offset as links write it ("754", "754s", "1h2m3s"), or None."""
    match = _OFFSET.match(value.strip().lower())
    if not value.strip() or not match:
        return None
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def _set_offset(parts: SplitResult, host: Host, start, end, *, player=False) -> str:
    """`parts` with its offset replaced by `start` and `end` (either may be None)."""
    start_param = host.player_start if player else host.start
    drop = {host.start, host.player_start, host.end, *host.also_start}
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in drop]
    fragment = parts.fragment
    if start_param == "#t":
        fragment = f"t={start}s" if start else ""
    elif start:
        query.append((start_param, str(start)))
    if end is not None and host.end:
        query.append((host.end, str(end)))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), fragment))


def player_url(url: str, *, start: int | None = None, end: int | None = None) -> str:
    """The embeddable player of a video link, starting (and ending) there; "" when its
    archive is not one we embed."""
    found = recognise(url)
    if found is None:
        return ""
    host, video, _parts = found
    return _set_offset(urlsplit(host.player.format(id=video)), host, start, end, player=True)


def player_host(url: str) -> str:
    """The name of the archive whose player `player_url` embeds, or ""."""
    found = recognise(url)
    return found[0].name if found else ""


def video_url_at(url: str, seconds: int, end: int | None = None) -> str:
    """An address that opens the video of `url` at `seconds` (and stops at `end` where its
    archive can), or "" when its host has no offsets.

    YouTube takes `t=<seconds>`, archive.org `start=<seconds>`, Vimeo a `#t=<seconds>s` fragment.
    """
    found = recognise(url)
    if found is None or seconds is None or seconds < 0:
        return ""
    host, video, parts = found
    parts = urlsplit(host.watch.format(id=video)) if host.watch else parts._replace(scheme="https")
    return _set_offset(parts, host, seconds, end)


def split_offset(url: str) -> tuple[str, int | None, int | None]:
    """(link without its offset, start, end) of a video link; the link as given, with no
    offsets, when its archive is not a known one or it names none."""
    found = recognise(url)
    if found is None:
        return url, None, None
    host, _video, parts = found
    query = parse_qsl(parts.query, keep_blank_values=True)
    start_names = (host.start, *host.also_start)
    if host.start == "#t":
        fragment = dict(parse_qsl(parts.fragment))
        start = offset_seconds(fragment.get("t", ""))
    else:
        start = next((offset_seconds(v) for k, v in query if k in start_names), None)
    end = next((offset_seconds(v) for k, v in query if host.end and k == host.end), None)
    if start is None and end is None:
        return url, None, None
    kept = [(k, v) for k, v in query if k not in {*start_names, host.end}]
    fragment = "" if host.start == "#t" else parts.fragment
    bare = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(kept), fragment))
    if end is not None and end <= (start or 0):
        end = None  # an end before the start is no end
    return bare, start or None, end


def url_with_offset(url: str, start: int | None, end: int | None = None) -> str:
    """`url` with its offset set to `start`/`end`, in the link's own shape (what exports
    write); `url` unchanged without an offset or on an unknown archive."""
    found = recognise(url) if (start or end is not None) else None
    if found is None:
        return url
    host, _video, parts = found
    return _set_offset(parts, host, start, end)
