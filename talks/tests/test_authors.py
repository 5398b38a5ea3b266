"""Several authors per note, in order, and the source a note was first published at:
bylines on pages, in feeds and in JSON-LD, and each author's page of notes."""

import datetime
import re
from html import unescape

import feedparser
import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from talks.models import Author, Note
from talks.tests.factories import (
    make_conference,
    make_day,
    make_note,
    make_talk,
    make_user,
)
from talks.tests.test_structured_data import _json_ld

pytestmark = pytest.mark.django_db

SOURCE = {
    "source_url": "https://blog.example.org/2019/djangocon-highlights",
    "source_title": "Highlights of the week",
    "source_site": "Example Blog",
    "source_author": "Jo Original",
    "source_date": datetime.date(2019, 10, 8),
}


def _text(html: str) -> str:
    """The page's text, tags removed and whitespace folded."""
    return " ".join(unescape(re.sub(r"<[^>]+>", "", html)).split())


def _byline_links(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<a href="(/authors/[^"]+/)" rel="author">([^<]+)</a>', html)


@pytest.fixture
def co_written():
    """A note on a talk by an account and a guest, in that order, with its source."""
    talk = make_talk(make_day(make_conference(name="Ordered Con")), title="Ordered talk")
    writer = make_user(first_name="Ada", last_name="Account")
    note = make_note(talk=talk, authors=[writer, "Bo Guest"], body="Two voices.", **SOURCE)
    return note


def test_the_talk_page_prints_every_author_in_order_with_links_and_the_source(client, co_written):
    html = client.get(co_written.talk.get_absolute_url()).content.decode()

    ada, bo = co_written.author_list
    assert _byline_links(html) == [
        (f"/authors/{ada.slug}/", "Ada Account"),
        (f"/authors/{bo.slug}/", "Bo Guest"),
    ]
    assert "Notes by Ada Account and Bo Guest" in _text(html)
    assert (
        "First published at Example Blog as “Highlights of the week” by Jo Original, "
        "8 October 2019." in _text(html)
    )
    assert (
        '<a href="https://blog.example.org/2019/djangocon-highlights" rel="nofollow noopener">'
        in html
    )


def test_reordering_the_authors_reorders_the_byline_on_the_next_request(client, co_written):
    url = co_written.talk.get_absolute_url()
    assert "Notes by Ada Account and Bo Guest" in _text(client.get(url).content.decode())

    ada, bo = co_written.author_list
    co_written.set_authors([bo, ada, "Cy Third"])

    assert "Notes by Bo Guest, Ada Account and Cy Third" in _text(client.get(url).content.decode())


def test_renaming_an_author_renames_every_byline_of_theirs(client, co_written):
    url = co_written.talk.get_absolute_url()
    client.get(url)  # cached
    guest = Author.objects.get(name="Bo Guest")
    guest.name = "Bo Renamed"
    guest.save()

    assert "Notes by Ada Account and Bo Renamed" in _text(client.get(url).content.decode())


def test_a_source_without_url_or_site_is_cited_by_title_author_and_date(client):
    note = make_note(
        talk=make_talk(),
        source_title="Day two, in short",
        source_author="Rob Writer",
        source_date=datetime.date(2009, 9, 10),
    )

    text = _text(client.get(note.talk.get_absolute_url()).content.decode())

    assert "First published as “Day two, in short” by Rob Writer, 10 September 2009." in text


def test_day_conference_and_home_pages_print_the_whole_byline(client):
    day = make_day(make_conference(name="Byline Con"))
    make_note(day=day, authors=["Dee Day", "Eve Day"], body="The day.")
    make_note(conference=day.conference, authors=["Fay Conf", "Gus Conf"], body="The con.")
    make_note(talk=make_talk(day), authors=["Hal Talk", "Ivy Talk"], body="The talk.")

    assert "Notes by Dee Day and Eve Day" in _text(
        client.get(day.get_absolute_url()).content.decode()
    )
    assert "Notes by Hal Talk and Ivy Talk" in _text(
        client.get(day.get_absolute_url()).content.decode()
    )
    conference_page = client.get(day.conference.get_absolute_url()).content.decode()
    assert "Notes by Fay Conf and Gus Conf" in _text(conference_page)
    home = _text(client.get("/").content.decode())
    for byline in (
        "by Dee Day and Eve Day",
        "by Fay Conf and Gus Conf",
        "by Hal Talk and Ivy Talk",
    ):
        assert byline in home


def test_a_note_without_authors_reads_anonymous(client):
    note = make_note(talk=make_talk(), body="Nobody's.")
    note.set_authors([])

    assert "Notes by Anonymous" in _text(client.get(note.talk.get_absolute_url()).content.decode())


def test_feed_entries_carry_one_author_element_per_author_and_the_source(client, co_written):
    response = client.get("/feeds/notes/")
    feed = feedparser.parse(response.content)

    (entry,) = feed.entries
    ada, bo = co_written.author_list
    assert [(author.name, author.href) for author in entry.authors] == [
        ("Ada Account", f"http://testserver/authors/{ada.slug}/"),
        ("Bo Guest", f"http://testserver/authors/{bo.slug}/"),
    ]
    via = [link.href for link in entry.links if link.rel == "via"]
    assert via == [SOURCE["source_url"]]


def test_json_ld_names_every_author_and_the_work_the_note_is_based_on(client, co_written):
    html = client.get(co_written.talk.get_absolute_url()).content.decode()

    event = next(item for item in _json_ld(html) if item["@type"] == "Event")
    (article,) = event["subjectOf"]
    ada, bo = co_written.author_list
    assert article["author"] == [
        {"@type": "Person", "name": "Ada Account", "url": f"http://testserver/authors/{ada.slug}/"},
        {"@type": "Person", "name": "Bo Guest", "url": f"http://testserver/authors/{bo.slug}/"},
    ]
    assert article["url"] == f"http://testserver{co_written.get_absolute_url()}"
    assert article["isBasedOn"] == {
        "@type": "CreativeWork",
        "name": "Highlights of the week",
        "url": SOURCE["source_url"],
        "author": {"@type": "Person", "name": "Jo Original"},
        "publisher": {"@type": "Organization", "name": "Example Blog"},
        "datePublished": "2019-10-08",
    }


def test_json_ld_leaves_drafts_out(admin_client):
    talk = make_talk()
    make_note(talk=talk, authors=["Public Writer"])
    make_note(talk=talk, authors=["Draft Writer"], published=False)

    html = admin_client.get(talk.get_absolute_url()).content.decode()  # staff see the draft

    event = next(item for item in _json_ld(html) if item["@type"] == "Event")
    assert [article["author"][0]["name"] for article in event["subjectOf"]] == ["Public Writer"]


def test_the_author_page_lists_published_notes_across_conferences_latest_first(client):
    writer = make_user(first_name="Nora", last_name="Notes")
    older = make_talk(make_day(make_conference(name="Older Con")), title="Older talk")
    newer_day = make_day(make_conference(name="Newer Con"))
    make_note(
        talk=older,
        authors=[writer],
        published_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
    )
    make_note(
        day=newer_day,
        authors=["Co Writer", writer],
        published_at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC),
    )
    make_note(talk=make_talk(newer_day, title="Unfinished"), authors=[writer], published=False)
    make_note(talk=make_talk(newer_day, title="Someone else's"), authors=["Other Person"])

    author = Author.objects.get(user=writer)
    response = client.get(author.get_absolute_url())

    text = _text(response.content.decode())
    assert "Notes by Nora Notes" in text
    assert "2 notes on 2 conferences" in text
    assert text.index("Newer Con") < text.index("Older talk")
    assert "· by Co Writer and Nora Notes, 1 Jan 2024" in text
    assert "Older talk Older Con · 1 Jan 2020" in text  # a sole author is not repeated
    assert "Unfinished" not in text and "Someone else" not in text


@pytest.mark.parametrize("size", [2, 8])
def test_the_author_page_runs_a_constant_number_of_queries(client, django_assert_num_queries, size):
    day = make_day()
    for n in range(size):
        make_note(talk=make_talk(day), authors=["Steady Writer", f"Guest {n}"])
    # A note about a day and one about a conference: each prints its own subject.
    make_note(day=day, authors=["Steady Writer", "Day Guest"])
    make_note(conference=day.conference, authors=["Steady Writer", "Conference Guest"])
    url = Author.objects.get(name="Steady Writer").get_absolute_url()

    with django_assert_num_queries(3):  # the author, the notes' keys, the page's notes
        response = client.get(url)
    html = response.content.decode()
    assert html.count('rel="author"') == 2 * (size + 2)
    assert f'href="{day.get_absolute_url()}">{day.conference.name}, {day.label}</a>' in html
    assert f'href="{day.conference.get_absolute_url()}">{day.conference.name}</a>' in html


def test_the_author_page_of_an_unknown_author_or_one_with_only_drafts_is_404(client):
    make_note(talk=make_talk(), authors=["Draft Only"], published=False)

    assert client.get("/authors/nobody/").status_code == 404
    assert client.get(Author.objects.get(name="Draft Only").get_absolute_url()).status_code == 404


def test_a_new_note_shows_on_its_authors_cached_page(client):
    note = make_note(talk=make_talk(title="First"), authors=["Cached Writer"])
    url = note.author_list[0].get_absolute_url()
    assert "First" in client.get(url).content.decode()

    make_note(talk=make_talk(title="Second"), authors=[note.author_list[0]])

    assert "Second" in client.get(url).content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_each_account_and_byline_into_one_author():
    executor = MigrationExecutor(connection)
    before = [("talks", "0008_day_in_order_conference_notes_language_facet")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    user = old.get_model("auth", "User").objects.create(
        username="wendy", first_name="Wendy", last_name="Writer"
    )
    conference = old.get_model("talks", "Conference").objects.create(name="Old Con", slug="old-con")
    OldNote = old.get_model("talks", "Note")
    OldNote.objects.create(conference=conference, author=user, body="a")
    OldNote.objects.create(conference=conference, author=user, body="b")
    OldNote.objects.create(conference=conference, author_name="Guest Name", body="c")
    OldNote.objects.create(conference=conference, body="d")

    call_command("migrate", "talks", verbosity=0)

    bylines = {note.body: note.byline for note in Note.objects.all()}
    assert bylines == {
        "a": "Wendy Writer",
        "b": "Wendy Writer",
        "c": "Guest Name",
        "d": "Anonymous",
    }
    assert Author.objects.get(name="Wendy Writer").user.username == "wendy"
    assert Author.objects.get(name="Guest Name").user is None
    assert Author.objects.count() == 2
