"""The interface's language: chosen per reader, remembered by the switcher, kept apart
in the page cache, and its catalogs complete and in step with the code."""

import re

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils import translation

from confnotes import messages
from talks.tests.factories import make_day, make_note, make_talk

pytestmark = pytest.mark.django_db


def _html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode())[1]


def test_the_browser_language_chooses_the_interface_and_the_page_says_so(client):
    english = client.get("/")
    german = client.get("/", headers={"accept-language": "fr-CH, fr;q=0.9, de;q=0.8"})
    spanish = client.get("/", headers={"accept-language": "es-MX"})

    assert (_html_lang(english), _html_lang(german), _html_lang(spanish)) == ("en", "de", "es")
    assert german["Content-Language"] == "de"
    vary = {value.strip().lower() for value in german["Vary"].split(",")}
    assert {"accept-language", "cookie"} <= vary


def test_the_switcher_remembers_a_language_and_returns_to_the_page(client):
    response = client.get("/language/de/", {"next": "/conferences/"})

    assert response.status_code == 302
    assert response["Location"] == "/conferences/"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "de"
    assert cookie["max-age"] == 365 * 24 * 60 * 60 and cookie["samesite"] == "Lax"
    assert "no-cache" in response["Cache-Control"]
    # The cookie wins over the browser's own language.
    page = client.get("/", headers={"accept-language": "es"})
    assert _html_lang(page) == "de"


def test_the_switcher_brings_back_the_query_of_the_page_it_was_clicked_on(client):
    referer = "http://testserver/search/?q=caching&page=2"
    same_page = client.get("/language/es/?next=/search/", headers={"referer": referer})
    other_page = client.get("/language/es/?next=/tags/", headers={"referer": referer})
    other_site = client.get(
        "/language/es/?next=/search/", headers={"referer": "https://elsewhere.example/search/?q=x"}
    )

    assert same_page["Location"] == "/search/?q=caching&page=2"
    assert other_page["Location"] == "/tags/"
    assert other_site["Location"] == "/search/"


def test_the_switcher_goes_nowhere_else_and_knows_only_the_sites_languages(client):
    away = client.get("/language/es/", {"next": "https://elsewhere.example/"})
    assert away.status_code == 302 and away["Location"] == "/"
    assert client.get("/language/fr/").status_code == 404
    assert client.post("/language/de/").status_code == 405


def test_every_page_links_each_language_in_its_own_words(client):
    plain = client.get("/conferences/").content.decode()
    with_query = client.get("/conferences/?page=1").content.decode()

    switcher = plain[plain.index('<nav class="languages"') :]
    switcher = switcher[: switcher.index("</nav>")]
    assert '<span aria-current="true" lang="en">English</span>' in switcher
    assert '<a lang="de" hreflang="de" href="/language/de/?next=/conferences/"' in switcher
    assert ">Deutsch</a>" in switcher and ">Español</a>" in switcher
    # Whatever the query, the same links: the page cache keeps one copy of each page.
    assert switcher in with_query


def test_the_page_cache_keeps_each_language_apart(client):
    day = make_day()
    make_talk(day, title="Ein Vortrag", language="de")
    url = day.get_absolute_url()
    german_reader = {"accept-language": "de"}

    first_english = client.get(url)
    first_german = client.get(url, headers=german_reader)
    second_german = client.get(url, headers=german_reader)
    second_english = client.get(url)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    with_cookie = client.get(url)

    assert [r["X-Confnotes-Cache"] for r in (first_english, first_german)] == ["miss", "miss"]
    assert [r["X-Confnotes-Cache"] for r in (second_german, second_english, with_cookie)] == [
        "hit",
        "hit",
        "hit",
    ]
    assert _html_lang(second_german) == _html_lang(with_cookie) == "de"
    assert _html_lang(second_english) == "en"
    # The day's items are cached one by one as fragments; those are kept per language
    # too: a German talk carries its language on an English page only.
    assert re.search(r'<a lang="de" href="[^"]+">Ein Vortrag</a>', first_english.content.decode())
    assert '<a lang="de"' not in second_german.content.decode().split('<nav class="languages"')[0]


def test_content_in_another_language_than_the_interface_says_which(client):
    day = make_day()
    talk = make_talk(day, title="Charla en español", language="es")
    make_note(talk=talk, body="Notas en español.", language="es")
    make_note(talk=talk, body="Notes in English.")

    english = client.get(talk.get_absolute_url()).content.decode()
    spanish = client.get(talk.get_absolute_url(), headers={"accept-language": "es"}).content
    spanish = spanish.decode()

    assert re.search(r'<h1[^>]* lang="es"[^>]*>Charla en español</h1>', english)
    assert re.search(r'<article lang="es" class="note[^"]*"', english)
    assert not re.search(r'<h1[^>]* lang="es"', spanish)
    # English notes on a Spanish page say they are English.
    assert re.search(r'<article lang="en" class="note[^"]*"', spanish)


def test_a_note_language_must_be_a_language_tag():
    note = make_note(talk=make_talk(make_day()), language="pt-BR")
    note.full_clean()
    note.language = "Portuguese (Brazil)"
    with pytest.raises(Exception, match="BCP 47"):
        note.full_clean()


def test_every_language_of_the_site_has_a_catalog_and_no_other():
    assert messages.languages() == sorted(
        code for code, _name in settings.LANGUAGES if code != "en"
    )


def test_catalogs_hold_every_string_of_the_code_and_are_compiled():
    """What `make messages` and `make compilemessages` would change; CI fails on it."""
    assert messages.stale() == []


@pytest.mark.parametrize("language", messages.languages())
def test_catalogs_are_complete(language):
    path = messages.LOCALE / language / "LC_MESSAGES" / "django.po"
    with path.open("rb") as file:
        catalog = read_po(file)
    assert len(catalog) > 100
    untranslated = [
        message.id
        for message in catalog
        if message.id
        and (message.fuzzy or not (all(message.string) if message.pluralizable else message.string))
    ]
    assert untranslated == []


@pytest.mark.parametrize(
    ("language", "written"), [("en", "21,409"), ("de", "21.409"), ("es", "21\xa0409")]
)
def test_counts_are_written_as_the_language_writes_them(language, written):
    from confnotes.jinja2 import number

    with translation.override(language):
        assert number(21409).replace(" ", "\xa0") == written
        assert number(999) == "999"


def test_content_languages_are_named_in_the_interfaces_language():
    from confnotes.i18n import language_name

    assert language_name("pt-BR") == "Brazilian Portuguese"
    assert language_name("en-GB") == "British English"
    assert language_name("klingon") == "klingon"
    with translation.override("de"):
        assert language_name("de") == "Deutsch"
        assert language_name("es") == "Spanisch"


@pytest.mark.parametrize(
    ("interface", "content", "attribute"),
    [
        ("de", "", ' lang="en"'),  # no language given: the archive's own, English
        ("de", "DE", ""),
        ("de", "de-AT", ""),
        ("en", "pt-BR", ' lang="pt-BR"'),
        ("en", "en-GB", ""),
        ("en", "Portuguese", ""),  # not a language tag: nothing rather than a wrong one
    ],
)
def test_content_says_its_language_only_where_it_differs(interface, content, attribute):
    from confnotes.jinja2 import content_lang

    with translation.override(interface):
        assert str(content_lang(content)) == attribute
