"""Video links: recognise YouTube links so talk pages can embed a privacy-enhanced player."""

import re
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit, urlunsplit

_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_YOUTUBE_HOSTS = {
    "youtube.com",
    "www.youtube.com",
    "m.youtube.com",
    "youtube-nocookie.com",
    "www.youtube-nocookie.com",
}


def youtube_id(url: str) -> str:
    """The 11-character video id of a YouTube link, or "" when `url` is not one."""
    if not url:
        return ""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ""
    host = (parts.hostname or "").lower()
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


def youtube_embed_url(url: str) -> str:
    """The youtube-nocookie.com player address for a YouTube link, or ""."""
    video = youtube_id(url)
    return f"https://www.youtube-nocookie.com/embed/{video}" if video else ""


_VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com", "player.vimeo.com"}
_ARCHIVE_HOSTS = {"archive.org", "www.archive.org"}


def video_url_at(url: str, seconds: int) -> str:
    """An address that opens the video of `url` at `seconds`, or "" when its host has no offsets.

    YouTube takes `t=<seconds>`, archive.org `start=<seconds>`, Vimeo a `#t=<seconds>s` fragment.
    """
    if not url or seconds < 0:
        return ""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https"):
        return ""
    host = (parts.hostname or "").lower()
    video = youtube_id(url)
    if video:
        return f"https://www.youtube.com/watch?v={video}&t={seconds}"
    if host in _VIMEO_HOSTS and re.search(r"/\d+(?:/|$)", parts.path):
        return urlunsplit(("https", parts.netloc, parts.path, parts.query, f"t={seconds}s"))
    if host in _ARCHIVE_HOSTS and re.match(r"^/(details|embed)/[^/]+", parts.path):
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "start"]
        query.append(("start", str(seconds)))
        return urlunsplit(("https", parts.netloc, parts.path, urlencode(query), ""))
    return ""
