"""Timestamps in notes: `[12:34]` or `[1:02:03]` link to that moment of the talk's video.

A Python-Markdown inline pattern, given the talk's video address when the
note is rendered. Without a video, or on a host that cannot start at an
offset, a timestamp stays plain text as written. Explicit links such as
`[12:34](https://...)`, reference links and code spans are left alone: the
link and reference patterns and code spans run before this one.
"""

import re
import xml.etree.ElementTree as etree

from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.util import AtomicString

from talks.video import video_url_at

# [m:ss], [mm:ss], [mmm:ss] or [h:mm:ss]; not followed by "(" or "[" (a link).
TIMESTAMP_PATTERN = r"\[(?:(\d{1,2}):(?=\d{2}:))?(\d{1,3}):(\d{2})\](?![(\[])"
# What a database can look for (PostgreSQL's regular expressions have no lookahead) to find
# the notes that may hold a timestamp.
TIMESTAMP_PREFILTER = r"\[[0-9]{1,3}:[0-9]{2}"
_TIMESTAMP = re.compile(TIMESTAMP_PATTERN)
# After links (160), reference shortcuts `[text]` (130) and automatic links `<...>` (120).
TIMESTAMP_PRIORITY = 115


def timestamp_seconds(hours: str | None, minutes: str, seconds: str) -> int | None:
    """Seconds from the parts of a timestamp, or None when a part is out of range."""
    h, m, s = int(hours or 0), int(minutes), int(seconds)
    if s >= 60 or (hours is not None and m >= 60):
        return None
    return h * 3600 + m * 60 + s


class TimestampInlineProcessor(InlineProcessor):
    def __init__(self, pattern, md, video_url: str):
        super().__init__(pattern, md)
        self.video_url = video_url

    def handleMatch(self, m, data):
        seconds = timestamp_seconds(*m.groups())
        href = video_url_at(self.video_url, seconds) if seconds is not None else ""
        if not href:
            return None, None, None
        label = m.group(0)[1:-1]
        element = etree.Element("a")
        element.set("href", href)
        element.set("title", f"Watch the video from {label}")
        element.text = AtomicString(label)
        return element, m.start(0), m.end(0)


class TimestampExtension(Extension):
    """Turn `[12:34]` into a link to the video at that moment."""

    def __init__(self, **kwargs):
        self.config = {"video_url": ["", "Address of the talk's video."]}
        super().__init__(**kwargs)

    def extendMarkdown(self, md):
        md.inlinePatterns.register(
            TimestampInlineProcessor(TIMESTAMP_PATTERN, md, self.getConfig("video_url")),
            "confnotes_timestamp",
            TIMESTAMP_PRIORITY,
        )


def timestamp_extensions(video_url: str, text: str | None = None) -> list[Extension]:
    """The extra Markdown extensions for a note about a talk with this video: none without a
    video, or when `text` is given and holds no timestamp (the shared converter is faster)."""
    if not video_url or (text is not None and not _TIMESTAMP.search(text)):
        return []
    return [TimestampExtension(video_url=video_url)]
