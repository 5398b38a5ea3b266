"""The public templates leave no English text unmarked: every text a reader meets goes
through gettext (`_()`, `pgettext()`, `ngettext()` or a `{% trans %}` block), the catalogs'
extractor finds what they mark, and the marked sentences still read in English as the
pages printed them before they were marked."""

import datetime
import itertools
import re
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.template import engines
from django.utils import translation

from confnotes import messages

TEMPLATES = Path(settings.BASE_DIR) / "templates"
LETTER = re.compile(r"[^\W\d_]")
# Attributes whose text people read or hear.
READ_ATTRIBUTES = {"title", "alt", "aria-label", "placeholder"}
# <meta> whose content people read: description, og:title, og:image:alt...
READ_META = ("description", "title", "image:alt")
# Elements whose text is for machines, or is quoted as it is: code is the API's paths,
# headers and JSON, the same in every language.
MACHINE_ELEMENTS = {"code", "script", "style"}
# Blocks whose content is a machine value: a URL (json_twin, og_image) or an Open Graph
# type (og_type: "article", "profile").
MACHINE_BLOCKS = {"json_twin", "og_image", "og_type"}
# Words that stay as they are in every language, each for its reason:
ALLOWED_WORDS = {
    "confnotes",  # the site's name: a name, not a word of the interface
}
_ALLOWED = re.compile(r"\b(?:" + "|".join(map(re.escape, ALLOWED_WORDS)) + r")\b")
GETTEXT = {"_", "gettext", "ngettext", "pgettext", "npgettext"}
# A string literal of an expression that reads as words: capitalized ("Slides") or two
# words ("archived copy"). URL names, date formats and keys ("talks:home", "Y-m-d",
# "author") do not.
PROSE = re.compile(r"[A-Z][a-z]+|[a-z]+ [a-z]+")


def _templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


def _name(path: Path) -> str:
    return str(path.relative_to(TEMPLATES)) if path.is_relative_to(TEMPLATES) else path.name


def _tokens(path: Path) -> list[tuple[int, str, str]]:
    return list(engines["jinja2"].env.lex(path.read_text()))


def _tag_name(tokens, start: int) -> str:
    """The name a `{%` tag at `start` begins with ("trans", "block", "endblock"...)."""
    for _lineno, kind, value in tokens[start + 1 :]:
        if kind != "whitespace":
            return value if kind == "name" else ""
    return ""


def _html_outside_jinja(tokens) -> str:
    """The template's HTML as a reader's browser would get its fixed parts: every Jinja2
    construct removed, and the text of {% trans %} blocks (translated) and of machine
    blocks left out. Each kept piece starts on its line of the template, so the parser's
    line numbers are the template's."""
    html, line = [], 1
    trans = False
    blocks: list[str] = []
    for index, (lineno, kind, value) in enumerate(tokens):
        if kind == "block_begin":
            name = _tag_name(tokens, index)
            if name == "trans":
                trans = True
            elif name == "endtrans":
                trans = False
            elif name == "block":
                blocks.append(_tag_name(tokens, index + 2))
            elif name == "endblock":
                blocks.pop()
        elif kind == "data" and not trans and not MACHINE_BLOCKS & set(blocks):
            html.append("\n" * (lineno - line) + value)
            line = lineno + value.count("\n")
    return "".join(html)


class _ReadTexts(HTMLParser):
    """(line, text) of what people read: text nodes, read attributes, read <meta>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[tuple[int, str]] = []
        self._machine = 0

    def handle_starttag(self, tag, attrs):
        line = self.getpos()[0]
        attrs = dict(attrs)
        if tag in MACHINE_ELEMENTS:
            self._machine += 1
        self.texts += [(line, attrs[name] or "") for name in READ_ATTRIBUTES & attrs.keys()]
        if tag == "meta" and (attrs.get("name") or attrs.get("property") or "").endswith(READ_META):
            self.texts.append((line, attrs.get("content") or ""))

    def handle_endtag(self, tag):
        if tag in MACHINE_ELEMENTS:
            self._machine -= 1

    def handle_data(self, data):
        if not self._machine:
            first = self.getpos()[0]
            self.texts += [(first + n, line) for n, line in enumerate(data.split("\n"))]


def _unmarked_texts(path: Path) -> list[str]:
    parser = _ReadTexts()
    parser.feed(_html_outside_jinja(_tokens(path)))
    parser.close()
    return [
        f"{_name(path)}:{line}: {' '.join(text.split())!r}"
        for line, text in parser.texts
        if LETTER.search(_ALLOWED.sub("", text))
    ]


def _prose_literals(path: Path) -> list[str]:
    """String literals of expressions that read as words, but the messages and contexts
    given to gettext and the context of a {% trans "context" %} block."""
    tokens = [token for token in _tokens(path) if token[1] != "whitespace"]
    found = []
    calls: list[bool] = []  # for each open parenthesis: does it call gettext?
    for index, (lineno, kind, value) in enumerate(tokens):
        before = tokens[index - 1] if index else (0, "", "")
        if kind == "operator" and value == "(":
            calls.append(before[1] == "name" and before[2] in GETTEXT)
        elif kind == "operator" and value == ")" and calls:
            calls.pop()
        elif kind == "string":
            # A gettext call's own strings, not the values of its keyword arguments.
            message = calls and calls[-1] and before[2] != "="
            trans_context = before[1] == "name" and before[2] == "trans"
            if not (message or trans_context) and PROSE.search(value):
                found.append(f"{_name(path)}:{lineno}: {value}")
    return found


@pytest.mark.parametrize("path", _templates(), ids=_name)
def test_every_text_a_reader_meets_is_marked_for_translation(path):
    assert _unmarked_texts(path) == []


@pytest.mark.parametrize("path", _templates(), ids=_name)
def test_no_words_hide_in_string_literals_outside_gettext(path):
    assert _prose_literals(path) == []


def test_the_check_finds_unmarked_text_attributes_and_literals(tmp_path):
    """The checks above can fail: a word in a text node, in a read attribute, in a
    description, or in a string literal handed to a macro is found."""
    probe = tmp_path / "probe.html"
    probe.write_text(
        "{% block description %}Unmarked words{% endblock %}\n"
        '<nav aria-label="Pages">{{ _("Marked") }} · confnotes</nav>\n'
        "<img alt=\"{{ _('Photo of %(name)s', name=n) }}\">"
        "{% trans %}Marked <b>too</b>{% endtrans %}\n"
        '<p title="Hover text">{{ checked_link(href, "Slides") }}</p><code>/api/v1/</code>\n'
    )

    assert _unmarked_texts(probe) == [
        "probe.html:1: 'Unmarked words'",
        "probe.html:2: 'Pages'",
        "probe.html:4: 'Hover text'",
    ]
    assert _prose_literals(probe) == ['probe.html:4: "Slides"']


def test_the_extractor_finds_the_templates_messages():
    catalog = messages.extract()

    def has(message_id, context=None):
        return catalog.get(message_id, context=context) is not None

    assert has("Notes by %(authors)s") and has("Notes by %(authors)s, %(date)s")
    assert has("by %(speakers)s") and has("Page %(n)s of %(total)s")
    assert has("%(names)s and %(name)s", "list of names")
    assert has("%(names)s, %(name)s", "list of names")
    assert has("j M Y", "date format") and has("H:i", "time format")
    assert has("Search", "button")
    assert has("First published at %(site)s as “%(title)s” by %(author)s, %(date)s.")
    assert catalog.get("%(num)s note").id == ("%(num)s note", "%(num)s notes")
    # {% trans %} blocks, their markup and placeholders included.
    assert has(
        '<a href="%(archive)s">Browse the archive</a> or go to '
        '<a href="%(home)s">the home page</a>.'
    )
    assert has('remove<span class="visually-hidden"> %(name)s filter</span>')
    assert has(
        "Each address may make a limited number of requests (now %(throttle)s); answers "
        "already in the cache are not counted. Past the limit, a 429 says how many seconds "
        "to wait in <code>Retry-After</code>."
    )


# ---------------------------------------------------------------------------
# The sentences built from pieces read in English as they did before


def _macros():
    return engines["jinja2"].env.get_template("includes/macros.html").module


def _source_as_before(note) -> str:
    """The source line as the template printed it before it was translatable."""
    text = "First published"
    if note.source_url:
        link = f'<a href="{note.source_url}" rel="nofollow noopener">{note.source_site_label}</a>'
        text += f" at {link}"
    elif note.source_site:
        text += f" at {note.source_site}"
    if note.source_title:
        text += f" as “<cite>{note.source_title}</cite>”"
    if note.source_author:
        text += f" by {note.source_author}"
    if note.source_date:
        text += ', <time datetime="2019-10-08">8 October 2019</time>'
    return f'<p class="source meta">{text}.</p>'


@pytest.mark.parametrize(
    ("url", "site", "title", "author", "date"),
    [
        combination
        for combination in itertools.product(
            ("https://blog.example.org/a", ""),
            ("Example Blog", ""),
            ("Highlights", ""),
            ("Jo Original", ""),
            (datetime.date(2019, 10, 8), None),
        )
        if combination[0] or combination[1] or combination[2]  # Note.has_source
    ],
)
def test_every_source_sentence_reads_in_english_as_before(url, site, title, author, date):
    note = SimpleNamespace(
        has_source=True,
        source_url=url,
        source_site=site,
        source_site_label=site or "blog.example.org",
        source_title=title,
        source_author=author,
        source_date=date,
    )
    with translation.override("en"):
        assert str(_macros().note_source(note)) == _source_as_before(note)


@pytest.mark.parametrize(
    ("names", "joined"),
    [
        ([], ""),
        (["Ada"], "Ada"),
        (["Ada", "Bo"], "Ada and Bo"),
        (["Ada", "Bo", "Cy", "Di"], "Ada, Bo, Cy and Di"),
    ],
)
def test_names_join_in_english_as_before(names, joined):
    people = [
        SimpleNamespace(name=name, get_absolute_url=lambda name=name: f"/p/{name}/")
        for name in names
    ]
    with translation.override("en"):
        html = str(_macros().name_links(people))
    assert re.sub(r"<[^>]+>", "", html) == joined
    assert html.count('<a href="/p/') == len(names)
