"""Time codes in notes and abstracts link to that moment of the talk's video.

Three shapes are time codes, as chapter lists (pyvideo's among them) write them:
`[12:34]` anywhere, `(12:34)` anywhere, and `12:34` or `1:02:03` opening a line or a
list item ("9:29 Daniele Procida", "1:02:03 – Q&A"). A time inside running prose
("we met at 9:30 for coffee") is not one. Each is a Python-Markdown inline pattern,
given the talk's video address when the text is rendered. Without a video, or on a
host that cannot start at an offset, a time code stays plain text as written.
Explicit links such as `[12:34](https://...)`, reference links and code spans are left
alone (their patterns run before these), and a time code inside a link's text stays
text, so the link stays whole.

A time code is the recording's own time: "[1:00]" in a note about a lightning talk that
starts at 9:29 into its session's video opens the video at 1:00, as the chapter list of
that video would say. The talk's start (`Talk.video_start`) moves its player and its
Video link, never what a writer typed.
"""

import re
import xml.etree.ElementTree as etree

from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.util import AtomicString

from confnotes.markdown import render_markdown
from talks.video import video_url_at

# m:ss, mm:ss, mmm:ss or h:mm:ss, as three groups (hours, minutes, seconds).
_TIME = r"(?:(\d{1,2}):(?=\d{2}:))?(\d{1,3}):(\d{2})"
# [12:34] not followed by "(" or "[" (a link), or (12:34): the link covers the time only.
TIMESTAMP_PATTERN = rf"\[{_TIME}\](?![(\[])|(?<=\(){_TIME}(?=\))"
# 12:34 opening a line, not followed by a letter, digit or ":" ("9:30am" is no time code).
LINE_START_PATTERN = rf"(?m)^{_TIME}(?![\w:])"
# What a database (PostgreSQL's regular expressions have no lookahead; SQLite's REGEXP is
# Python's) and a quick look before rendering search for in the texts that may hold a
# time code, in any of its shapes and before Markdown has taken list markers off: "d:dd".
TIMESTAMP_PREFILTER = r"[0-9]:[0-9]{2}"
_TIMESTAMP = re.compile(TIMESTAMP_PREFILTER)
# After links (160), reference shortcuts `[text]` (130) and automatic links `<...>` (120).
TIMESTAMP_PRIORITY = 115
# Inline elements: a line start inside one (`*9:30 for coffee*`) is not a line's start.
_INLINE_TAGS = ("a", "abbr", "b", "code", "del", "em", "i", "ins", "kbd", "s", "span",
                "strong", "sub", "sup")  # fmt: skip


def timestamp_seconds(hours: str | None, minutes: str, seconds: str) -> int | None:
    """Seconds from the parts of a timestamp, or None when a part is out of range."""
    h, m, s = int(hours or 0), int(minutes), int(seconds)
    if s >= 60 or (hours is not None and m >= 60):
        return None
    return h * 3600 + m * 60 + s


def parse_time_code(text: str) -> int | None:
    """Seconds of a time code typed on its own ("9:29", "1:02:03") or of plain seconds
    ("569"); None when it is neither."""
    text = text.strip()
    if text.isascii() and text.isdigit():
        return int(text)
    match = re.fullmatch(_TIME, text)
    return timestamp_seconds(*match.groups()) if match else None


def format_time_code(seconds: int) -> str:
    """A time code for `seconds`: "9:29", "1:02:03"."""
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


class TimestampInlineProcessor(InlineProcessor):
    def __init__(self, pattern, md, video_url: str, excludes=("a",)):
        # Never inside a link's text: a link in a link would split it.
        super().__init__(pattern, md)
        self.video_url = video_url
        self.ANCESTOR_EXCLUDES = excludes

    def handleMatch(self, m, data):
        groups = m.groups()
        # The groups of the alternative that matched: its minutes are set.
        first = next(i for i in range(0, len(groups), 3) if groups[i + 1] is not None)
        seconds = timestamp_seconds(*groups[first : first + 3])
        href = video_url_at(self.video_url, seconds) if seconds is not None else ""
        if not href:
            return None, None, None
        label = m.group(0).strip("[]")
        element = etree.Element("a")
        element.set("href", href)
        element.set("title", f"Watch the video from {label}")
        element.text = AtomicString(label)
        return element, m.start(0), m.end(0)


class TimestampExtension(Extension):
    """Turn `[12:34]`, `(12:34)` and a line's opening `12:34` into links to the video."""

    def __init__(self, **kwargs):
        self.config = {"video_url": ["", "Address of the talk's video."]}
        super().__init__(**kwargs)

    def extendMarkdown(self, md):
        video_url = self.getConfig("video_url")
        md.inlinePatterns.register(
            TimestampInlineProcessor(TIMESTAMP_PATTERN, md, video_url),
            "confnotes_timestamp",
            TIMESTAMP_PRIORITY,
        )
        md.inlinePatterns.register(
            TimestampInlineProcessor(LINE_START_PATTERN, md, video_url, excludes=_INLINE_TAGS),
            "confnotes_timestamp_line",
            TIMESTAMP_PRIORITY - 1,
        )


def timestamp_extensions(video_url: str, text: str | None = None) -> list[Extension]:
    """The extra Markdown extensions for a text about a talk with this video: none without a
    video, or when `text` is given and holds no time code (the shared converter is faster)."""
    if not video_url or (text is not None and not _TIMESTAMP.search(text)):
        return []
    return [TimestampExtension(video_url=video_url)]


def render_with_time_codes(text: str | None, video_url: str) -> str:
    """`text` rendered as Markdown, its time codes linked into the video at `video_url`."""
    return render_markdown(text, extensions=timestamp_extensions(video_url, text or ""))
