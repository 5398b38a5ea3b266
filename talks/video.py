"""Video links: recognise YouTube links so talk pages can embed a privacy-enhanced player."""

import re
from urllib.parse import parse_qs, urlsplit

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
