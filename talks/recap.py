"""A day's recap, as writers post it on a blog: read, checked and cut into blocks.

A recap is one Markdown or HTML text: a title, then a heading or a paragraph per
talk. HTML goes through the sanitizer every Markdown text goes through
(`confnotes.markdown.sanitize_html`), then becomes Markdown (markdownify), so a
note keeps one editable source whatever was pasted. This module knows the text
only: `talks.importers.recap_match` decides which talk each part is about, and
`talks.exporters.recap` writes a day back in the shape read here, with the two
lines both sides share: the talk's links and where a note was first published.
"""

import datetime
import re
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from markdownify import markdownify

from confnotes.markdown import sanitize_html

MAX_RECAP_BYTES = 1024 * 1024
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".txt", ".text"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
FORMATS = ("markdown", "html")
# Where a note was first published: Note's fields, in the order the source line names them.
SOURCE_FIELDS = ("source_url", "source_title", "source_site", "source_author", "source_date")


class RecapError(ValueError):
    """A recap that cannot be read, and why.

    `sentence` says why, lazily translated: about the whole recap, named by its
    `%(what)s`, or (with a `line`) as a clause about that line; `params` fill it.
    `problem` is the English words after the recap's name, as import_recap prints
    them ("recap.md: is empty"); `describe()` is the sentence the admin's form shows.
    """

    def __init__(self, sentence, *, line: int | None = None, **params):
        self.sentence = sentence
        self.params = params
        self.line = line
        with translation.override(None):  # the sentence as written: English
            english = str(sentence) % {**params, "what": ""}
        self.problem = english.strip()
        super().__init__(f"line {line}: {self.problem}" if line else self.problem)

    def describe(self, what: str) -> str:
        """The problem as one sentence in the interface's language, about the recap
        called `what` (“notes.md”, “The pasted recap”)."""
        text = str(self.sentence) % {**self.params, "what": what}
        if self.line:
            # Translators: %(problem)s is a clause about a line of a recap.
            message = _("%(what)s, line %(line)d: %(problem)s.")
            return message % {"what": what, "line": self.line, "problem": text}
        return f"{text}."


# ---------------------------------------------------------------------------
# Reading


# Control characters other than tab, newline, carriage return and form feed: a
# binary file that happens to decode as UTF-8 (or as nothing) has them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# Text that starts with a tag (not with an autolink such as <https://…>) is HTML.
_HTML_START = re.compile(r"\s*<(?:!doctype|!--|[a-z][a-z0-9]*[\s/>])", re.IGNORECASE)
# A whole page's head (title, scripts, styles) is no part of the recap.
_HTML_HEAD = re.compile(r"<head\b.*?</head\s*>", re.IGNORECASE | re.DOTALL)


def read_recap(content: bytes | str, *, name: str = "", fmt: str = "") -> str:
    """The recap as Markdown, from a file's bytes (`name` tells its kind) or pasted text.

    `fmt` is "markdown" or "html"; empty: told by the file's suffix, else by the
    text. Raises RecapError for a file that is not Markdown or HTML text, is
    empty or is over MAX_RECAP_BYTES.
    """
    check_size(len(content) if isinstance(content, bytes) else len(content.encode("utf-8")))
    suffix = PurePath(name).suffix.lower() if name else ""
    if suffix and suffix not in MARKDOWN_SUFFIXES | HTML_SUFFIXES:
        raise RecapError(
            # Translators: %(what)s is a recap: a file's name in quotes, or “The pasted recap”.
            gettext_lazy("%(what)s is not Markdown or HTML (a %(suffix)s file); use %(suffixes)s"),
            suffix=suffix,
            suffixes=", ".join(sorted(MARKDOWN_SUFFIXES | HTML_SUFFIXES)),
        )
    text = _decode(content) if isinstance(content, bytes) else content
    if _CONTROL.search(text):
        raise RecapError(
            gettext_lazy("%(what)s is not text: it holds control characters, as binary files do")
        )
    if not text.strip():
        raise RecapError(gettext_lazy("%(what)s is empty"))
    if fmt and fmt not in FORMATS:
        raise RecapError(
            gettext_lazy("%(what)s has an unknown format %(format)s; use markdown or html"),
            format=repr(fmt),
        )
    fmt = fmt or ("html" if suffix in HTML_SUFFIXES or _HTML_START.match(text) else "markdown")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if fmt == "html":
        text = html_to_markdown(text)
        if not text.strip():
            raise RecapError(gettext_lazy("%(what)s has no text once its HTML is cleaned"))
    return text


def check_size(size: int) -> None:
    """Refuse a recap of `size` bytes over MAX_RECAP_BYTES."""
    if size > MAX_RECAP_BYTES:
        raise RecapError(
            gettext_lazy("%(what)s is over %(limit)d MB (%(size)s bytes)"),
            limit=MAX_RECAP_BYTES // 1024 // 1024,
            size=number_format(size, force_grouping=True),
        )


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RecapError(
            gettext_lazy(
                "%(what)s is not text: byte %(byte)s at position %(position)d is not UTF-8"
            ),
            byte=f"{data[exc.start]:#04x}",
            position=exc.start,
        ) from None


def html_to_markdown(html: str) -> str:
    """HTML sanitized as every rendered text is, then written as Markdown."""
    clean = sanitize_html(_HTML_HEAD.sub("", html))
    markdown = markdownify(clean, heading_style="ATX", bullets="-", strip_document="strip")
    # markdownify leaves runs of blank lines where block tags were.
    return re.sub(r"\n{3,}", "\n\n", markdown).strip()


# ---------------------------------------------------------------------------
# Blocks


@dataclass(frozen=True)
class Block:
    """A paragraph-level piece of the recap: a heading, a text block or a break (rule)."""

    kind: str  # "heading", "text" or "break"
    text: str  # a heading's words (without its # marks), else the block's Markdown
    start: int  # offsets of the block's Markdown in the recap
    end: int
    line: int  # where it starts, counted from 1
    level: int = 0  # 1 to 6 for headings


_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def split_blocks(markdown: str) -> list[Block]:
    """Cut Markdown into headings, text blocks (separated by blank lines) and rules.

    Fenced code stays one block, so a `#` line inside it is no heading.
    """
    blocks: list[Block] = []
    offset, current, fence = 0, [], ""  # current: (line number, start, line) of the open block

    def close():
        if current:
            number, start, _ = current[0]
            end = current[-1][1] + len(current[-1][2])
            blocks.append(Block("text", markdown[start:end], start, end, number))
            current.clear()

    # Lines end at "\n" only (str.splitlines would also cut at form feeds and U+2028).
    for number, line in enumerate(markdown.split("\n"), start=1):
        start, offset = offset, offset + len(line) + 1
        if fence:
            current.append((number, start, line))
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                fence = ""
            continue
        if opening := _FENCE.match(line):
            close()
            fence = opening.group(1)
            current.append((number, start, line))
        elif not line.strip():
            close()
        elif heading := _ATX.match(line):
            close()
            level, words = len(heading.group(1)), (heading.group(2) or "").strip()
            blocks.append(Block("heading", words, start, start + len(line), number, level))
        elif len(current) == 1 and _SETEXT.match(line):
            number_, start_, first = current.pop()  # its text line is the heading
            level = 1 if line.strip().startswith("=") else 2
            blocks.append(
                Block("heading", first.strip(), start_, start + len(line), number_, level)
            )
        elif _RULE.match(line):
            close()
            blocks.append(Block("break", line, start, start + len(line), number))
        else:
            current.append((number, start, line))
    close()
    return blocks


def join_spans(markdown: str, spans) -> str:
    """The Markdown of `spans` ((start, end) offsets, in recap order): as written where
    they follow each other in the recap, with a blank line where something left out
    (a links or source line) stood between them."""
    pieces, previous_end = [], None
    for start, end in spans:
        if previous_end is not None:
            gap = markdown[previous_end:start]
            # Every block has words: white space alone means nothing was left out.
            pieces.append(gap if not gap.strip() else "\n\n")
        pieces.append(markdown[start:end])
        previous_end = end
    return "".join(pieces).strip()


# Sentences end at ".", "!" or "?" (and closing quotes or brackets) before a
# capital letter, a quote or an opening bracket.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)\]*_]*\s+(?=[\"“‘(\[*_]*[A-Z0-9À-Þ])")
_NOT_PROSE = re.compile(r"^\s*(?:[-*+>|]|\d+[.)]\s|```|~~~| {4}|\t|<)")


_ABBREVIATION = re.compile(r"(?:\b(?:e\.g|i\.e|etc|vs|cf|Mr|Mrs|Ms|Dr|St|No)\.|\b[A-Z]\.)$")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """The spans of `text`'s sentences; one span for a list, quote, table or code block."""
    if _NOT_PROSE.match(text):
        return [(0, len(text))]
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        # Only the last few characters can hold an abbreviation: look at those alone.
        if _ABBREVIATION.search(text[max(start, match.start() - 8) : match.start()]):
            continue  # "e.g. Django", "Jacob K. Moss": no sentence ends there
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


# ---------------------------------------------------------------------------
# The lines an exported recap writes under a heading, and reads back


@dataclass(frozen=True)
class NoteSource:
    """Where notes were first published: Note's `source_*` fields."""

    url: str = ""
    title: str = ""
    site: str = ""
    author: str = ""
    date: datetime.date | None = None

    def __bool__(self):
        return any(self._values())

    def _values(self) -> tuple:
        return (self.url, self.title, self.site, self.author, self.date)

    def as_fields(self) -> dict:
        """{"source_url": …, …}: the Note fields."""
        return dict(zip(SOURCE_FIELDS, self._values(), strict=True))

    @classmethod
    def from_fields(cls, fields) -> "NoteSource":
        """From a mapping (or an object, e.g. a Note) with the `source_*` fields."""
        get = fields.get if isinstance(fields, dict) else lambda name: getattr(fields, name)
        values = [get(name) for name in SOURCE_FIELDS]
        return cls(*(value or "" for value in values[:4]), date=values[4] or None)


_SOURCE_LINE = re.compile(r"^first published:[ \t]*(.*)$", re.IGNORECASE | re.DOTALL)
_MD_LINK = re.compile(r"^\[((?:\\.|[^\]\\])*)\]\(<?([^)\s>]+)>?\)$")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|~])")
_SOURCE_LABELS = frozenset({"site", "author", "date"})
_LABEL = re.compile(r"^([A-Za-z]+):\s")
_SEPARATOR = " · "


def escape_markdown(text: str) -> str:
    """`text` with the characters Markdown would read as markup escaped."""
    return re.sub(r"([\\`*_\[\]<>])", r"\\\1", " ".join(text.split()))


def unescape_markdown(text: str) -> str:
    return _MD_ESCAPE.sub(r"\1", text)


def format_source_line(source: NoteSource) -> str:
    """ "First published: [Title](URL) · Site: … · Author: … · Date: 2009-09-10"."""
    title = escape_markdown(source.title or source.url)
    first = f"[{title}]({source.url})" if source.url else title
    pieces = [f"First published: {first}".rstrip()]
    pieces += [f"Site: {escape_markdown(source.site)}"] if source.site else []
    pieces += [f"Author: {escape_markdown(source.author)}"] if source.author else []
    pieces += [f"Date: {source.date.isoformat()}"] if source.date else []
    return _SEPARATOR.join(pieces)


def parse_source_line(block: Block) -> NoteSource | None:
    """The source a "First published: …" block names; None for any other block.

    Raises RecapError (naming the line) for such a block with a bad URL or date, or a
    label other than Site, Author and Date.
    """
    match = _SOURCE_LINE.match(block.text.strip()) if block.kind == "text" else None
    if match is None:
        return None
    # The space before: "First published: · Site: …" has no title but still a separator.
    pieces = (" " + " ".join(match.group(1).split())).split(_SEPARATOR)
    fields = {}
    # Labelled pieces come last; what is before them is the title (which may hold " · ").
    while len(pieces) > 1 and (label := _LABEL.match(pieces[-1])):
        key = label.group(1).lower()
        if key not in _SOURCE_LABELS:
            raise RecapError(
                # Translators: Site, Author and Date are the labels a recap's source line
                # takes, in English whatever the recap's language.
                gettext_lazy("the source line names %(label)s; it knows Site, Author and Date"),
                line=block.line,
                label=repr(label.group(1)),
            )
        fields[key] = unescape_markdown(pieces.pop()[label.end() :].strip())
    first = _SEPARATOR.join(pieces).strip()
    fields["url"], fields["title"] = "", unescape_markdown(first)
    if link := _MD_LINK.match(first):
        fields["url"], fields["title"] = link.group(2), unescape_markdown(link.group(1))
        if fields["title"] == fields["url"]:
            fields["title"] = ""
        try:
            URLValidator(schemes=["http", "https"])(fields["url"])
        except ValidationError:
            raise RecapError(
                gettext_lazy("the source line's link %(url)s is no web address"),
                line=block.line,
                url=repr(fields["url"]),
            ) from None
    if fields.get("date"):
        try:
            fields["date"] = datetime.date.fromisoformat(fields["date"])
        except ValueError:
            raise RecapError(
                gettext_lazy("the source line's date %(date)s is not a date such as 2009-09-10"),
                line=block.line,
                date=repr(fields["date"]),
            ) from None
    return NoteSource(**fields)


LINK_LABELS = ("Slides", "Video")
_LINKS_LINE = re.compile(
    r"^\[(?:Slides|Video)\]\([^)\s]+\)(?:"
    + re.escape(_SEPARATOR)
    + r"\[(?:Slides|Video)\]\([^)\s]+\))*$"
)


def format_links_line(*, slides: str = "", video: str = "") -> str:
    """ "[Slides](…) · [Video](…)": a talk's links under its heading ("" without any)."""
    links = [(label, url) for label, url in zip(LINK_LABELS, (slides, video), strict=True) if url]
    return _SEPARATOR.join(f"[{label}]({url})" for label, url in links)


def is_links_line(block: Block) -> bool:
    """Whether the block is a talk's links line, as `format_links_line` writes it."""
    return block.kind == "text" and bool(_LINKS_LINE.match(block.text.strip()))
