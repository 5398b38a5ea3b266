"""The one Markdown renderer of confnotes: Python-Markdown, then nh3.

Every `X` Markdown field has a stored sibling `X_html` filled by
`render_markdown` on save; templates print only those `*_html` fields as safe.
"""

import html as html_lib
import re
import threading

import markdown as markdown_lib
import nh3

# What writers need for notes: structure, emphasis, code, quotes, tables,
# links and images. No script, style, iframes, forms or event handlers.
ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl",
        "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
        "kbd", "li", "ol", "p", "pre", "s", "span", "strong", "sub", "sup",
        "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "code": {"class"},
    "span": {"class"},
    "div": {"class"},
    "pre": {"class"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})

MARKDOWN_EXTENSIONS = ["extra", "sane_lists", "smarty"]
# Column alignment as align="…" (allowed on th/td), not as a style attribute,
# which the sanitizer drops.
MARKDOWN_EXTENSION_CONFIGS = {"extra": {"tables": {"use_align_attribute": True}}}


MAX_UNCLOSED_BRACKETS = 100
# A "[" or "]" with an even number of backslashes before it counts; an odd number escapes it.
_OPEN_BRACKET = re.compile(r"(?<!\\)(\\*)\[")
_CLOSE_BRACKET = re.compile(r"(?<!\\)(\\*)\]")


def _unescaped(pattern: re.Pattern, text: str) -> int:
    return sum(not len(m.group(1)) % 2 for m in pattern.finditer(text))


def render_markdown(text: str | None, *, extensions=()) -> str:
    """Render Markdown source to sanitized HTML (empty string for empty input).

    `extensions` adds Python-Markdown extensions for this text only (e.g. a
    note's video timestamps); their output goes through the same sanitizer.
    """
    if not text or not text.strip():
        return ""
    if (
        text.count("[") > MAX_UNCLOSED_BRACKETS
        and _unescaped(_OPEN_BRACKET, text) - _unescaped(_CLOSE_BRACKET, text)
        > MAX_UNCLOSED_BRACKETS
    ):
        # Python-Markdown looks for a link's end from every "[": hundreds never
        # closed take it minutes (quadratic). Such text holds no link to find.
        text = _OPEN_BRACKET.sub(
            lambda m: m.group(0) if len(m.group(1)) % 2 else m.group(1) + "\\[", text
        )
    if text.count("(") - text.count(")") > MAX_UNCLOSED_BRACKETS:
        # And from each "](" it looks for the link's closing ")".
        text = text.replace("](", "]\\(")
    if text.count("<") - text.count(">") > MAX_UNCLOSED_BRACKETS:
        # The same for "<": Python's HTML parser, which Python-Markdown runs over
        # raw HTML, scans to the end of the text from each unclosed tag.
        text = text.replace("<", "&lt;")
    try:
        if extensions:
            html = markdown_lib.markdown(
                text,
                extensions=[*MARKDOWN_EXTENSIONS, *extensions],
                extension_configs=MARKDOWN_EXTENSION_CONFIGS,
                output_format="html",
            )
        else:
            converter = _converter()
            try:
                html = converter.convert(text)
            finally:
                converter.reset()
    except RecursionError:
        # Lists or quotes nested hundreds deep ("1. 1. 1. ..." on one line) exceed
        # Python's recursion limit inside Python-Markdown: keep the words as text.
        # Python-Markdown's state is then half-built: the next text gets a new converter.
        _local.converter = None
        html = _plain_paragraphs(text)
    return sanitize_html(html)


def _plain_paragraphs(text: str) -> str:
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "".join(f"<p>{html_lib.escape(p.strip())}</p>" for p in paragraphs if p.strip())


_local = threading.local()


def _converter() -> markdown_lib.Markdown:
    # Building a converter costs more than most conversions (an import renders
    # thousands of abstracts), so each thread keeps one and resets it after use.
    converter = getattr(_local, "converter", None)
    if converter is None:
        converter = _local.converter = markdown_lib.Markdown(
            extensions=MARKDOWN_EXTENSIONS,
            extension_configs=MARKDOWN_EXTENSION_CONFIGS,
            output_format="html",
        )
    return converter


def sanitize_html(html: str) -> str:
    """Keep only the allowlisted tags, attributes and URL schemes of `html`."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )


def render_markdown_fields(instance, field_names, *, extensions=()) -> None:
    """Fill each `<name>_html` attribute of `instance` from its `<name>` source."""
    for name in field_names:
        html = render_markdown(getattr(instance, name), extensions=extensions)
        setattr(instance, f"{name}_html", html)


# Sanitized HTML keeps "<" escaped in text, so every "<" opens a tag.
_TAG = re.compile(r"<[^>]*>")
_BLOCK_TAG = re.compile(
    r"</?(?:p|li|ul|ol|h[1-6]|blockquote|pre|div|br|hr|table|thead|tbody|tr|td|th|dl|dt|dd)\b[^>]*>"
)


def html_to_text(value: str | None) -> str:
    """The words of sanitized HTML on one line: block tags become spaces (so
    "<li>a</li><li>b</li>" stays two words), inline tags vanish, entities are
    decoded, runs of white space collapse."""
    if not value:
        return ""
    text = _TAG.sub("", _BLOCK_TAG.sub(" ", value))
    return " ".join(html_lib.unescape(text).split())
