"""Atom feeds of notes: parsed by a real feed parser, drafts left out, fixed query counts."""

import datetime

import feedparser
import pytest
from django.utils import timezone

from confnotes.pagecache import EVERYWHERE, expire
from speakers.models import Speaker
from talks.models import Author, Conference, Note, Talk
from talks.tests.factories import (
    make_conference,
    make_day,
    make_full_day,
    make_note,
    make_speaker,
    make_talk,
)

pytestmark = pytest.mark.django_db


def _parse(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def _at(days_ago: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days_ago)


# ---------------------------------------------------------------------------
# Site-wide feed


def test_site_feed_lists_public_notes_newest_first_with_authors_dates_and_html(client):
    day = make_day(make_conference(name="FeedConf 2024"))
    talk = make_talk(day, title="Parsing & you", tags=["parsing"])
    make_note(
        talk=talk,
        body="Older **write-up**.",
        authors=["Olga Older"],
        published_at=_at(3),
    )
    make_note(day=day, body="The whole day, *briefly*.", authors=["Dana Day"], published_at=_at(1))

    feed = _parse(client.get("/feeds/notes/"))

    assert feed.feed.title == "confnotes: latest notes"
    assert feed.feed.link == "http://testserver/"
    assert [entry.author for entry in feed.entries] == ["Dana Day", "Olga Older"]
    newest, oldest = feed.entries
    assert newest.title == "FeedConf 2024, Day 1"
    assert newest.link == f"http://testserver{day.get_absolute_url()}#note-{day.notes.get().uid}"
    assert oldest.title == "Parsing & you (FeedConf 2024)"
    assert oldest.content[0].type == "text/html"
    assert "<strong>write-up</strong>" in oldest.content[0].value
    assert oldest.summary == "Older write-up."
    assert [tag.term for tag in oldest.tags] == ["parsing"]
    note = talk.notes.get()
    assert oldest.id == f"urn:uuid:{note.uid}"
    assert oldest.published_parsed[:6] == note.published_at.utctimetuple()[:6]
    assert oldest.updated_parsed[:6] == note.updated.utctimetuple()[:6]


def test_site_feed_content_is_sanitized_html_never_markdown(client):
    talk = make_talk(title="Hostile notes")
    make_note(
        talk=talk,
        body='Hi <script>alert("feed")</script> **bold** <img src=x onerror="alert(2)">',
    )

    response = client.get("/feeds/notes/")
    raw = response.content.decode()
    entry = _parse(response).entries[0]

    assert "&lt;strong&gt;bold&lt;/strong&gt;" in raw
    assert "**bold**" not in raw
    assert "alert(" not in raw and "onerror" not in raw and "script" not in raw.lower()
    assert "<strong>bold</strong>" in entry.content[0].value


def test_summary_keeps_markup_written_as_text_inert(client):
    make_note(talk=make_talk(), body="Use `<img src=x onerror=alert(1)>` with care.")

    raw = client.get("/feeds/notes/").content.decode()
    summary = raw[raw.index('<summary type="html">') : raw.index("</summary>")]

    # Escaped twice: readers decode the XML, then read the html summary as text.
    assert "&amp;lt;img src=x onerror=alert(1)&amp;gt;" in summary
    assert "&lt;img" not in summary


def test_feeds_drop_characters_xml_cannot_carry(client):
    conference = make_conference(name="Control\x01Conf\x0b")
    speaker = make_speaker(name="Bell\x07 Person")
    talk = make_talk(make_day(conference), title="Null\x02 title", speakers=[speaker])
    make_note(talk=talk, authors=["Esc\x1b Writer"], body="Text with \x08 backspace")

    for url in ["/feeds/notes/", f"/{conference.slug}/feed/", f"/speakers/{speaker.slug}/feed/"]:
        entry = _parse(client.get(url)).entries[0]
        assert entry.title == "Null title (ControlConf)"
        assert entry.author == "Esc Writer"


def test_site_feed_leaves_out_drafts(client):
    public = make_talk(make_day(make_conference()), title="Public talk")
    make_note(talk=public, body="Visible note", authors=["Shown"])
    make_note(talk=public, body="Draft note", authors=["Draft author"], published=False)
    draft_conference = make_conference(published=False)
    make_note(talk=make_talk(make_day(draft_conference)), authors=["Hidden conf author"])
    draft_day = make_day(make_conference(), published=False)
    make_note(talk=make_talk(draft_day), authors=["Hidden day author"])
    make_note(day=draft_day, authors=["Hidden day note author"])

    feed = _parse(client.get("/feeds/notes/"))

    assert [entry.author for entry in feed.entries] == ["Shown"]


@pytest.mark.parametrize("size", [3, 30])
def test_site_feed_query_count_constant(client, django_assert_num_queries, size):
    day = make_full_day(size)  # a note per talk and one for the day
    # The latest notes' keys; the notes with their authors, and their talks' tags.
    with django_assert_num_queries(3):
        response = client.get("/feeds/notes/")
    assert len(_parse(response).entries) == min(size + 1, 30)
    assert day.notes.count() == 1
    # Not from the page cache (it stores no page with a query it does not read), its
    # entries all kept: the latest notes' keys only, and the same feed.
    with django_assert_num_queries(1):
        again = client.get("/feeds/notes/?unread=1")
    assert again.content == response.content


# ---------------------------------------------------------------------------
# Conference, speaker and tag feeds


def test_conference_feed_has_notes_of_its_talks_and_days_only(client):
    conference = make_conference(name="OnlyConf")
    day = make_day(conference)
    make_note(talk=make_talk(day), authors=["Talk writer"])
    make_note(day=day, authors=["Day writer"])
    make_note(talk=make_talk(make_day(make_conference())), authors=["Elsewhere"])

    feed = _parse(client.get(f"/{conference.slug}/feed/"))

    assert feed.feed.title == "OnlyConf: notes · confnotes"
    assert feed.feed.link == f"http://testserver{conference.get_absolute_url()}"
    assert sorted(entry.author for entry in feed.entries) == ["Day writer", "Talk writer"]


def test_conference_feed_of_draft_or_unknown_conference_is_404(client):
    draft = make_conference(published=False)
    make_note(talk=make_talk(make_day(draft)))

    assert client.get(f"/{draft.slug}/feed/").status_code == 404
    assert client.get("/no-such-conference/feed/").status_code == 404


def test_conference_feed_follows_a_renamed_conference(client):
    conference = make_conference(slug="old-name")
    conference.slug = "new-name"
    conference.save()

    response = client.get("/old-name/feed/")

    assert response.status_code == 301
    assert response["Location"] == "/new-name/feed/"


def test_speaker_feed_has_notes_on_their_talks_only(client):
    ada = make_speaker(name="Ada Feed")
    day = make_day()
    make_note(talk=make_talk(day, speakers=[ada, make_speaker()]), authors=["About Ada"])
    make_note(talk=make_talk(day, speakers=[make_speaker()]), authors=["About someone else"])
    make_note(day=day, authors=["About the day"])

    feed = _parse(client.get(f"/speakers/{ada.slug}/feed/"))

    assert feed.feed.title == "Ada Feed: notes on their talks · confnotes"
    assert [entry.author for entry in feed.entries] == ["About Ada"]


def test_speaker_feed_of_speaker_without_public_talks_is_404(client):
    hidden = make_speaker(name="Only Drafts")
    make_talk(make_day(make_conference(published=False)), speakers=[hidden])

    assert client.get(f"/speakers/{hidden.slug}/feed/").status_code == 404
    assert client.get("/speakers/nobody/feed/").status_code == 404


def test_speaker_feed_follows_a_renamed_speaker(client):
    speaker = make_speaker(name="Renamed Person", slug="old-person")
    make_talk(speakers=[speaker])
    speaker = Speaker.objects.get(pk=speaker.pk)
    speaker.slug = "new-person"
    speaker.save()

    response = client.get("/speakers/old-person/feed/")

    assert response.status_code == 301
    assert response["Location"] == "/speakers/new-person/feed/"


def test_tag_feed_has_notes_on_tagged_talks_only(client):
    day = make_day()
    make_note(talk=make_talk(day, tags=["databases"]), authors=["On databases"])
    make_note(talk=make_talk(day, tags=["cooking"]), authors=["On cooking"])
    hidden = make_talk(make_day(published=False), tags=["databases"])
    make_note(talk=hidden, authors=["On a draft day"])

    feed = _parse(client.get("/tags/databases/feed/"))

    assert feed.feed.title == "Notes on talks tagged “databases” · confnotes"
    assert [entry.author for entry in feed.entries] == ["On databases"]
    assert client.get("/tags/no-such-tag/feed/").status_code == 404


def test_tag_feed_of_tag_only_on_drafts_is_404(client):
    make_talk(make_day(make_conference(published=False)), tags=["secret"])

    assert client.get("/tags/secret/feed/").status_code == 404


@pytest.mark.parametrize("size", [3, 30])
def test_subject_feeds_query_count_constant(client, django_assert_num_queries, size):
    speaker = make_speaker()
    day = make_full_day(size)
    for talk in day.talks.all():
        talk.speakers.add(speaker, through_defaults={"position": 9})

    for url, expected in [
        (f"/{day.conference.slug}/feed/", min(size + 1, 30)),
        (f"/speakers/{speaker.slug}/feed/", min(size, 30)),
        ("/tags/python/feed/", min(size, 30)),
    ]:
        expire({EVERYWHERE})
        # The subject and its latest notes' keys; the notes with their authors and their
        # talks' tags; with every entry kept, the first two only.
        with django_assert_num_queries(4):
            response = client.get(url)
        assert len(_parse(response).entries) == expected, url
        with django_assert_num_queries(2):
            assert client.get(f"{url}?unread=1").content == response.content


# ---------------------------------------------------------------------------
# Links to the feeds, caching


def test_pages_link_their_feeds_in_head(client):
    ada = make_speaker(name="Linked Speaker")
    day = make_day()
    make_talk(day, speakers=[ada], tags=["linked"])
    conference = day.conference

    def alternates(url):
        html = client.get(url).content.decode()
        head = html[: html.index("</head>")]
        return head

    home = alternates("/")
    assert '<link rel="alternate" type="application/atom+xml"' in home
    assert 'href="/feeds/notes/"' in home
    assert f'href="/{conference.slug}/feed/"' in alternates(conference.get_absolute_url())
    assert f'href="/{conference.slug}/feed/"' in alternates(day.get_absolute_url())
    assert f'href="/speakers/{ada.slug}/feed/"' in alternates(ada.get_absolute_url())
    assert 'href="/tags/linked/feed/"' in alternates("/tags/linked/")


def test_feed_is_cached_and_answers_conditional_get(client):
    make_note(talk=make_talk())

    first = client.get("/feeds/notes/")
    second = client.get("/feeds/notes/")
    unchanged = client.get("/feeds/notes/", HTTP_IF_NONE_MATCH=first["ETag"])

    assert first["X-Confnotes-Cache"] == "miss"
    assert second["X-Confnotes-Cache"] == "hit"
    assert second.content == first.content
    assert unchanged.status_code == 304


def test_feed_changes_when_a_note_is_published(client):
    talk = make_talk()
    note = make_note(talk=talk, authors=["Later"], published=False)
    assert _parse(client.get("/feeds/notes/")).entries == []

    note.published = True
    note.save()

    assert [e.author for e in _parse(client.get("/feeds/notes/")).entries] == ["Later"]


# ---------------------------------------------------------------------------
# Entries kept one by one


@pytest.mark.parametrize(
    "change",
    ["note text", "talk renamed", "tag added", "conference renamed", "day note", "author"],
)
def test_a_feed_read_after_an_edit_shows_it_in_the_entries_it_changed(client, change):
    conference = make_conference(name="Entry Conf")
    day = make_day(conference)
    talk = make_talk(day, title="Entry talk", tags=["eels"])
    make_talk(tags=["hovercraft"])  # a tag made anew would expire everything
    note = make_note(talk=talk, body="First words", authors=["Grace Example"])
    day_note = make_note(day=day, body="Day words", authors=["Day Writer"])
    other = make_note(talk=make_talk(make_day(), title="Untouched talk"), body="Other words")
    url = "/feeds/notes/?unread=1"  # never a whole page from the cache: its entries are
    client.get(url)
    Note.objects.filter(pk=other.pk).update(body_html="<p>Changed behind the cache</p>")

    if change == "note text":
        note = Note.objects.get(pk=note.pk)  # as the admin loads it: its talk's row stays
        note.body = "Second words"
        note.save()
    elif change == "talk renamed":
        talk = Talk.objects.get(pk=talk.pk)  # as the admin loads it
        talk.title = "Renamed talk"
        talk.save()
    elif change == "tag added":
        talk.tags.add("hovercraft")
    elif change == "conference renamed":
        conference = Conference.objects.get(pk=conference.pk)
        conference.name = "Renamed Conf"
        conference.save()
    elif change == "day note":
        day_note.body = "Day words again"
        day_note.save()
    else:
        author = Author.objects.get(name="Grace Example")
        author.name = "Grace Renamed"
        author.save()

    entries = {entry.id: entry for entry in _parse(client.get(url)).entries}
    talk_entry, day_entry = entries[f"urn:uuid:{note.uid}"], entries[f"urn:uuid:{day_note.uid}"]
    expected = {
        "note text": ("Second words" in talk_entry.content[0].value),
        "talk renamed": talk_entry.title == "Renamed talk (Entry Conf)",
        "tag added": {tag.term for tag in talk_entry.tags} == {"eels", "hovercraft"},
        "conference renamed": (
            talk_entry.title == "Entry talk (Renamed Conf)"
            and day_entry.title.startswith("Renamed Conf, ")
        ),
        "day note": "Day words again" in day_entry.content[0].value,
        "author": talk_entry.author == "Grace Renamed",
    }
    assert expected[change]
    untouched = entries[f"urn:uuid:{other.uid}"].content[0].value
    if change == "author":  # a renamed author expires every page and entry
        assert "Changed behind the cache" in untouched
    else:  # the other entry is the one written before
        assert "Other words" in untouched


def test_feed_entries_name_the_host_they_were_asked_from(client):
    make_note(talk=make_talk(), body="Hosted words")

    client.get("/feeds/notes/")
    feed = _parse(client.get("/feeds/notes/", HTTP_HOST="localhost"))

    assert feed.entries[0].link.startswith("http://localhost/")
