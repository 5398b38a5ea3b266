"""Feeds, calendars, social cards and search facets in the reader's language.

A request's Accept-Language chooses the language (confnotes/i18n.py), and the fixed
texts these produce come out in it; English stays as it was. The texts asserted are
those of locale/de and locale/es.
"""

import datetime

import feedparser
import pytest
from django.utils import translation
from icalendar import Calendar

from confnotes.card_image import Card, render_card
from talks.cards import date_range
from talks.models import Kind
from talks.tests.factories import (
    make_conference,
    make_day,
    make_note,
    make_speaker,
    make_talk,
)

pytestmark = pytest.mark.django_db

GERMAN = {"HTTP_ACCEPT_LANGUAGE": "de"}
SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es"}
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _feed(response):
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def _calendar(response) -> Calendar:
    assert response.status_code == 200
    return Calendar.from_ical(response.content)


# ---------------------------------------------------------------------------
# Feeds


def test_site_feed_is_in_the_readers_language(client):
    make_note(talk=make_talk(), authors=["Olga"])

    german = client.get("/feeds/notes/", **GERMAN)
    spanish = client.get("/feeds/notes/", **SPANISH)
    english = client.get("/feeds/notes/", **ENGLISH)

    assert _feed(german).feed.title == "confnotes: neueste Notizen"
    assert _feed(german).feed.subtitle == (
        "Die neuesten Berichte über Konferenzvorträge und -tage auf confnotes."
    )
    assert b'xml:lang="de"' in german.content
    assert _feed(spanish).feed.title == "confnotes: notas recientes"
    # Asked for after the others: the page cache keeps each language apart.
    assert _feed(english).feed.title == "confnotes: latest notes"


def test_conference_speaker_and_tag_feeds_are_in_german(client):
    conference = make_conference(name="OnlyConf")
    ada = make_speaker(name="Ada Feed")
    talk = make_talk(make_day(conference), speakers=[ada], tags=["parsing"])
    make_note(talk=talk, authors=["Olga"])

    by_conference = _feed(client.get(f"/{conference.slug}/feed/", **GERMAN)).feed
    by_speaker = _feed(client.get(f"/speakers/{ada.slug}/feed/", **GERMAN)).feed
    by_tag = _feed(client.get("/tags/parsing/feed/", **GERMAN)).feed

    assert by_conference.title == "OnlyConf: Notizen · confnotes"
    assert by_conference.subtitle == "Berichte über OnlyConf, die Vorträge und die Tage."
    assert by_speaker.title == "Ada Feed: Notizen zu den Vorträgen · confnotes"
    assert by_speaker.subtitle == "Berichte über Vorträge von Ada Feed."
    assert by_tag.title == "Notizen zu Vorträgen mit dem Schlagwort „parsing“ · confnotes"
    assert by_tag.subtitle == (
        "Berichte über Vorträge mit dem Schlagwort parsing, konferenzübergreifend."
    )


# ---------------------------------------------------------------------------
# Calendars


def _keynote():
    conference = make_conference(name="CalConf 2024")
    day = make_day(conference, date=datetime.date(2024, 5, 2))
    make_talk(
        day,
        title="Opening keynote",
        kind=Kind.KEYNOTE,
        start_time=datetime.time(9, 30),
        speakers=[make_speaker(name="Grace Hopper")],
    )
    return conference, day


def _description(calendar) -> str:
    (event,) = calendar.walk("VEVENT")
    return str(event["DESCRIPTION"])


def test_conference_calendar_describes_its_events_in_the_readers_language(client):
    conference, _day = _keynote()
    url = f"/{conference.slug}/calendar.ics"

    german = _description(_calendar(client.get(url, **GERMAN)))
    spanish = _description(_calendar(client.get(url, **SPANISH)))
    english = _description(_calendar(client.get(url, **ENGLISH)))

    # (The kind, "Keynote", is the model's label: its translation is the catalog's.)
    assert " von Grace Hopper\nCalConf 2024: http" in german
    assert " by " not in german
    assert " de Grace Hopper\nCalConf 2024: http" in spanish
    assert english.startswith("Keynote by Grace Hopper\nCalConf 2024: http")


def test_day_calendar_describes_its_events_in_german(client):
    conference, day = _keynote()

    calendar = _calendar(client.get(f"/{conference.slug}/{day.slug}/calendar.ics", **GERMAN))

    assert " von Grace Hopper\nCalConf 2024: http" in _description(calendar)


# ---------------------------------------------------------------------------
# Social cards


def test_speaker_card_is_drawn_in_german(client):
    speaker = make_speaker(name="Guido")
    for name, year in (("Earlier Conf", 2010), ("Later Conf", 2020)):
        conference = make_conference(name=name, start_date=datetime.date(year, 9, 8), end_date=None)
        make_talk(make_day(conference), speakers=[speaker])

    response = client.get(f"/speakers/{speaker.slug}/card.png", **GERMAN)

    assert response.status_code == 200
    expected = Card("Sprecher:in", "Guido", ("2 Vorträge auf 2 Konferenzen", "Zuletzt: Later Conf"))
    assert response.content == render_card(expected)


def test_conference_card_is_drawn_in_german(client):
    conference = make_conference(
        name="DateConf",
        city="Lyon",
        country="France",
        start_date=datetime.date(2019, 9, 8),
        end_date=datetime.date(2019, 9, 10),
    )
    make_talk(make_day(conference, date=datetime.date(2019, 9, 8)))

    response = client.get(f"/{conference.slug}/card.png", **GERMAN)

    assert response.status_code == 200
    expected = Card("Konferenz", "DateConf", ("8.–10. September 2019", "Lyon, France"))
    assert response.content == render_card(expected)


def test_date_ranges_are_written_as_each_language_writes_them():
    d = datetime.date
    with translation.override("de"):
        assert date_range(d(2019, 9, 8), d(2019, 9, 10)) == "8.–10. September 2019"
        assert date_range(d(2019, 8, 30), d(2019, 9, 2)) == "30. August – 2. September 2019"
    with translation.override("es"):
        assert date_range(d(2019, 9, 8), d(2019, 9, 10)) == "8–10 de septiembre de 2019"
        assert date_range(d(2019, 8, 30), d(2019, 9, 2)) == (
            "30 de agosto – 2 de septiembre de 2019"
        )


# ---------------------------------------------------------------------------
# Search facets


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the index updates queued for commit as each block ends, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_search_facets_are_named_in_german(client, committed):
    with committed():
        make_talk(make_day(make_conference(name="Py Conf")), title="Python typing", language="de")

    html = client.get("/search/?q=python", **GERMAN).content.decode()

    assert ">Sprache<" in html  # the facet's heading
    # The talk's language, named in German (the language switcher names it so too).
    assert '<a href="?q=python&amp;language=de">Deutsch</a>' in html
    assert ">Language<" not in html


def test_exports_write_english_words_whatever_the_language_active():
    from django.utils import translation

    from talks.exporters.pyvideo import _related_item
    from talks.importers.pyvideo import related_kind

    with translation.override("de"):
        item = _related_item("https://example.org/post", "blog", "How it went")
    assert item == {"label": "Blog post: How it went", "url": "https://example.org/post"}
    assert related_kind(item["url"], item["label"]) == ("blog", "How it went")
