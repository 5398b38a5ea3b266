"""Every page kind in every language of the site: no text of the interface is left in
English, and dates and numbers are written as the language writes them.

A page is rendered in English and in the other language; a text that reads the same in
both, and is neither content (what the sample site's rows hold) nor a word the catalog
keeps as it is ("Video" is German too), is an untranslated string.
"""

import datetime
import re
from html.parser import HTMLParser

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils import translation
from django.utils.dateformat import format as date

from confnotes import messages
from speakers.models import Speaker
from talks.models import Author, Conference, Day, Link, Note, Talk
from talks.tests.site_sample import make_sample_site

pytestmark = pytest.mark.django_db

LANGUAGES = messages.languages()
# The dates the sample site prints (its conferences' and talks' days).
SAMPLE_DATES = [datetime.date(2025, 6, day) for day in (2, 3, 4)] + [
    datetime.date(2024, 6, day) for day in (3, 4)
]
# Attributes whose text people read or hear.
READ_ATTRIBUTES = {"title", "alt", "aria-label", "placeholder"}
LETTER = re.compile(r"[^\W\d_]")
# Elements whose text is code, not words: scripts, styles, the API page's paths. (Feeds
# and calendars are checked in their own language by test_i18n_feeds.py.)
HIDDEN = {"script", "style", "code"}
# What joins names and titles in a text ("Riverside Python 2025 · confnotes").
SEPARATORS = re.compile(r"\s*[·›,:;–()]\s*")


class _Texts(HTMLParser):
    """The texts of a page a reader meets: text nodes, read attributes, the description."""

    def __init__(self):
        super().__init__()
        self.texts = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in HIDDEN:
            self._hidden += 1
        self.texts += [attrs[name] for name in READ_ATTRIBUTES & attrs.keys() if attrs[name]]
        if tag == "meta" and (attrs.get("name") or attrs.get("property", "")).endswith(
            ("description", "title", "image:alt")
        ):
            self.texts.append(attrs.get("content") or "")

    def handle_endtag(self, tag):
        if tag in HIDDEN:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.texts.append(data)


def _texts(content: bytes) -> set[str]:
    parser = _Texts()
    parser.feed(content.decode())
    return {" ".join(text.split()) for text in parser.texts if LETTER.search(text)}


def _content() -> str:
    """Everything the sample site's rows hold, as one text."""
    values = []
    for model in (Conference, Day, Talk, Speaker, Note, Link, Author):
        for row in model.objects.all():
            values += [str(getattr(row, f.attname)) for f in model._meta.concrete_fields]
    values += [str(tag) for tag in Talk.tags.all()]
    return "\n".join(values)


def _kept_as_they_are(language: str) -> set[str]:
    """Strings the catalog of `language` translates as the same words, and dates its date
    formats write as English does (Spanish writes "2 Jun 2025" too)."""
    path = messages.LOCALE / language / "LC_MESSAGES" / "django.po"
    with path.open("rb") as file:
        catalog = read_po(file)
    kept = {m.id for m in catalog if m.id and not m.pluralizable and m.string == m.id}
    for message in catalog:
        if message.context == "date format" and message.string == message.id:
            with translation.override(language):
                kept |= {date(day, message.id) for day in SAMPLE_DATES}
    return kept


def _pages(site) -> dict[str, str]:
    pages = dict(site.pages)
    pages["api"] = "/api/"
    author = Note.objects.filter(published=True).first().author_list[0]
    pages["author"] = author.get_absolute_url()
    pages["empty-search"] = "/search/?q=zzzzzz"
    return pages


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_kind_is_wholly_in_the_readers_language(client, language):
    site = make_sample_site()
    content = _content()
    same = _kept_as_they_are(language) | {name for _code, name in settings.LANGUAGES}
    same |= {"confnotes"}
    untranslated = {}
    for kind, path in _pages(site).items():
        english = client.get(path)
        translated = client.get(path, headers={"accept-language": language})
        assert translated.status_code == english.status_code, path
        if translated["Content-Type"].startswith("text/html"):
            assert f'<html lang="{language}">' in translated.content.decode(), path
        left = {
            text
            for text in _texts(translated.content) & _texts(english.content)
            if not all(
                piece in same or piece in content
                for piece in SEPARATORS.split(text)
                if LETTER.search(piece)
            )
        }
        if left:
            untranslated[kind] = sorted(left)
        assert _texts(translated.content) != _texts(english.content), path

    assert untranslated == {}


def test_dates_and_numbers_are_written_as_german_writes_them(client):
    site = make_sample_site()
    german = {"accept-language": "de"}

    conference = client.get(site.conference.get_absolute_url(), headers=german).content.decode()
    day = client.get(site.day.get_absolute_url(), headers=german).content.decode()

    assert "2. Juni 2025" in conference or "2. Jun. 2025" in conference
    assert "June" not in conference and "Jun 2025" not in conference
    assert re.search(r">10:00<", day)
