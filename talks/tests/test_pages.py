import datetime
import re

import pytest
from taggit.models import Tag

from confnotes.pagecache import EVERYWHERE, expire
from talks.models import Kind, Talk
from talks.tests.factories import (
    make_conference,
    make_day,
    make_full_day,
    make_link,
    make_note,
    make_speaker,
    make_talk,
)

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------
# Home and archive


def test_home_lists_published_notes_and_conferences(client):
    day = make_full_day(1)
    talk = day.talks.get()
    make_note(talk=talk, body="A draft nobody may read yet", published=False)
    hidden = make_conference(name="Secret Conf 2030", published=False)
    make_note(talk=make_talk(make_day(hidden)), body="hidden")

    response = client.get("/")

    html = response.content.decode()
    assert talk.title in html
    assert day.conference.name in html
    assert "Secret Conf 2030" not in html


@pytest.mark.parametrize("size", [1, 3])
def test_home_query_count_constant(client, django_assert_num_queries, size):
    for _ in range(size):
        make_full_day(2)
    with django_assert_num_queries(3):  # notes, conferences, and their talk counts
        response = client.get("/")
    assert response.content.decode().count('class="meta">by ') == 3 * size


def test_archive_groups_by_year_and_hides_drafts(client):
    make_conference(name="Old Conf 2009", start_date=datetime.date(2009, 9, 8), end_date=None)
    make_conference(name="New Conf 2019", start_date=datetime.date(2019, 9, 22), end_date=None)
    make_conference(
        name="Draft Conf 2019", start_date=datetime.date(2019, 1, 1), end_date=None, published=False
    )

    html = client.get("/conferences/").content.decode()

    assert (
        html.index("<h2>2019</h2>")
        < html.index("New Conf 2019")
        < html.index("<h2>2009</h2>")
        < html.index("Old Conf 2009")
    )
    assert "Draft Conf 2019" not in html


def test_archive_year_page_lists_only_that_year(client):
    make_conference(name="Old Conf 2009", start_date=datetime.date(2009, 9, 8), end_date=None)
    make_conference(name="New Conf 2019", start_date=datetime.date(2019, 9, 22), end_date=None)

    html = client.get("/conferences/2009/").content.decode()

    assert "Old Conf 2009" in html
    assert "New Conf 2019" not in html
    assert client.get("/conferences/1999/").status_code == 404


@pytest.mark.parametrize("size", [1, 3])
def test_archive_query_count_constant(client, django_assert_num_queries, size):
    for _ in range(size):
        make_full_day(2)
    # The years, the ordered ids, the page's conferences and every talk count...
    with django_assert_num_queries(4):
        response = client.get("/conferences/")
    # ...of which the page's rows and their counts are read again until content changes.
    with django_assert_num_queries(2):
        again = client.get("/conferences/?fresh=1")
    assert response.content.decode().count("2 talks") == size
    assert again.content == response.content


def test_archive_counts_and_years_follow_content_changes(client):
    day = make_full_day(2)
    client.get("/conferences/")  # keeps the counts and the years

    make_talk(make_day(day.conference))
    make_conference(name="Later Conf", start_date=datetime.date(2031, 5, 1), end_date=None)
    html = client.get("/conferences/").content.decode()

    assert "3 talks" in html and "Later Conf" in html
    assert 'href="/conferences/2031/"' in html
    day.published = False
    day.save()
    assert "1 talk</span>" in client.get("/conferences/").content.decode()


def test_archive_paginates_and_refuses_bad_page_numbers(client):
    for i in range(51):
        make_conference(
            name=f"Conf number {i:02d}", start_date=datetime.date(2010, 1, 1), end_date=None
        )

    first = client.get("/conferences/").content.decode()
    second = client.get("/conferences/?page=2").content.decode()

    assert "Page 1 of 2" in first and 'rel="next"' in first
    assert second.count("Conf number") == 1
    for bad in ["3", "0", "abc", "-1", "1.5"]:
        assert client.get(f"/conferences/?page={bad}").status_code == 404


# ---------------------------------------------------------------------------
# Conference


def test_conference_page_shows_recap_days_talks_and_tags(client):
    conference = make_conference(recap="We had a **great** time.")
    day1 = make_day(conference, title="Tutorials")
    day2 = make_day(conference)
    make_talk(day1, title="Intro to testing", tags=["testing"])
    make_talk(
        day2,
        title="Scaling things",
        tags=["scaling", "testing"],
        speakers=[make_speaker(name="Ada Lovelace")],
    )

    html = client.get(conference.get_absolute_url()).content.decode()

    assert "<strong>great</strong>" in html
    assert "Day 1: Tutorials" in html and "Day 2" in html
    assert html.index("Intro to testing") < html.index("Scaling things")
    assert "Ada Lovelace" in html
    assert 'href="/tags/testing/"' in html and "scaling" in html


def test_conference_draft_is_404_for_public_and_visible_to_staff(client, admin_client):
    conference = make_conference(name="Hidden Conf", published=False)

    assert client.get(conference.get_absolute_url()).status_code == 404
    response = admin_client.get(conference.get_absolute_url())
    assert "Hidden Conf" in response.content.decode()
    assert "Draft" in response.content.decode()


def test_conference_draft_day_is_hidden_from_public(client):
    conference = make_conference()
    make_day(conference, title="Public day")
    hidden = make_day(conference, title="Secret day", published=False)

    html = client.get(conference.get_absolute_url()).content.decode()

    assert "Public day" in html
    assert "Secret day" not in html
    assert client.get(hidden.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("talks_per_day", [1, 3])
def test_conference_query_count_constant(client, django_assert_num_queries, talks_per_day):
    conference = make_conference()
    make_full_day(talks_per_day, conference=conference)
    make_full_day(talks_per_day, conference=conference)
    # The conference, its days, its talks, the speakers and tags of those whose rows are
    # not kept (here all), and its own notes.
    with django_assert_num_queries(6):
        response = client.get(conference.get_absolute_url())
    assert response.content.decode().count('class="talk-row"') == 2 * talks_per_day


def test_conference_page_names_renamed_speakers_and_counts_new_tags_from_kept_rows(client):
    day = make_full_day(2)
    talk = day.talks.order_by("position").first()
    speaker = talk.speakers.first()
    url = day.conference.get_absolute_url()
    Tag.objects.create(name="freshly-tagged", slug="freshly-tagged")  # a new tag expires all
    client.get(url)  # every row kept, with its talk's speakers and tags

    speaker.name = "Renamed Speaker"
    speaker.save()
    talk.tags.add("freshly-tagged")

    html = client.get(f"{url}?page=1").content.decode()  # the other rows from the cache
    assert f'<a href="/speakers/{speaker.slug}/">Renamed Speaker</a>' in html  # its row
    assert '"name":"Renamed Speaker"' in html  # a performer of the JSON-LD
    assert 'rel="tag">freshly-tagged</a> <span class="count">1</span>' in html


# ---------------------------------------------------------------------------
# Day


def test_day_page_shows_every_item_in_order_with_details(client):
    conference = make_conference(name="DjangoCon Test")
    day = make_day(conference, summary="The *second* day.")
    ada = make_speaker(name="Ada Lovelace")
    grace = make_speaker(name="Grace Hopper")
    keynote = make_talk(
        day,
        title="Opening keynote",
        kind=Kind.KEYNOTE,
        position=1,
        start_time=datetime.time(9, 0),
        duration=datetime.timedelta(minutes=45),
        room="Main hall",
        speakers=[grace, ada],
        tags=["community"],
        slides_url="https://slides.example.org/keynote",
        video_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    )
    make_link(keynote, kind="code", title="The demo code", url="https://code.example.org/demo")
    dinner = make_talk(day, title="Dinner at the pub", kind=Kind.SOCIAL, position=3)
    lightning = make_talk(day, title="Bytecode in five minutes", kind=Kind.LIGHTNING, position=2)
    make_note(talk=keynote, body="She talked about **compilers**.", authors=["Rob Notes"])
    make_note(talk=keynote, body="Draft thoughts", published=False)
    make_note(day=day, body="What a day it was.", authors=["Day Writer"])

    html = client.get(day.get_absolute_url()).content.decode()

    assert "<em>second</em>" in html
    assert (
        html.index("Opening keynote")
        < html.index("Bytecode in five minutes")
        < html.index("Dinner at the pub")
    )
    assert "Keynote" in html and "Lightning talk" in html and "Social" in html
    assert "09:00" in html and "09:45" in html and "Main hall" in html
    assert html.index("Grace Hopper") < html.index("Ada Lovelace")
    assert 'href="/tags/community/"' in html
    assert "https://slides.example.org/keynote" in html
    assert "https://www.youtube.com/watch?v=dQw4w9WgXcQ" in html
    assert "The demo code" in html
    assert "<strong>compilers</strong>" in html and "Rob Notes" in html
    assert "What a day it was." in html and "Day Writer" in html
    assert "Draft thoughts" not in html
    assert dinner.title in html and lightning.title in html


def test_day_page_links_previous_and_next_days(client):
    conference = make_conference()
    day1, day2, day3 = make_day(conference), make_day(conference), make_day(conference)

    html = client.get(day2.get_absolute_url()).content.decode()

    assert f'rel="prev" href="{day1.get_absolute_url()}"' in html
    assert f'rel="next" href="{day3.get_absolute_url()}"' in html
    first = client.get(day1.get_absolute_url()).content.decode()
    assert 'rel="prev"' not in first


def test_day_page_shows_draft_notes_to_staff_only(client, admin_client):
    day = make_day()
    make_note(talk=make_talk(day), body="Unfinished write-up", published=False)

    assert "Unfinished write-up" not in client.get(day.get_absolute_url()).content.decode()
    assert "Unfinished write-up" in admin_client.get(day.get_absolute_url()).content.decode()


def test_day_of_draft_conference_is_404(client):
    day = make_day(make_conference(published=False))

    assert client.get(day.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("talks_per_day", [1, 3])
def test_day_query_count_constant(client, django_assert_num_queries, talks_per_day):
    day = make_full_day(talks_per_day)
    make_full_day(talks_per_day, conference=day.conference)
    with django_assert_num_queries(6):
        response = client.get(day.get_absolute_url())
    assert response.content.decode().count('class="note"') == talks_per_day + 1


# ---------------------------------------------------------------------------
# Talk


def test_talk_page_shows_abstract_notes_speakers_links_and_video(client):
    day = make_day()
    talk = make_talk(
        day,
        title="Async all the way",
        abstract="We look at `async def`.",
        speakers=[make_speaker(name="Andrew Example")],
        tags=["async"],
        slides_url="https://slides.example.org/async",
        video_url="https://youtu.be/dQw4w9WgXcQ",
    )
    make_link(
        talk, kind="transcript", title="Full transcript", url="https://example.org/transcript"
    )
    make_note(talk=talk, body="Loved the *demo*.", authors=["Jon H"])
    related = make_talk(make_day(), title="More async stuff", tags=["async"])
    make_talk(make_day(), title="Unrelated thing", tags=["cooking"])

    html = client.get(talk.get_absolute_url()).content.decode()

    assert "<code>async def</code>" in html
    assert "Andrew Example" in html
    assert "<em>demo</em>" in html and "Jon H" in html
    assert "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ" in html
    assert "Full transcript" in html and "https://slides.example.org/async" in html
    assert related.title in html
    assert "Unrelated thing" not in html


def test_related_talks_rank_by_the_tags_they_share_then_the_latest(client):
    def day_in(year):
        start = datetime.date(year, 5, 1)
        return make_day(make_conference(start_date=start, end_date=start))

    talk = make_talk(day_in(2015), tags=["async", "django", "testing"])
    make_talk(day_in(2019), title="One shared, newest", tags=["async"])
    # Many tags, one of them shared: it counts one, not four.
    make_talk(day_in(2018), title="One shared, many tags", tags=["django", "a", "b", "c"])
    make_talk(day_in(2012), title="Two shared, oldest", tags=["async", "testing", "x"])
    make_talk(day_in(2013), title="None shared", tags=["cooking"])

    html = client.get(talk.get_absolute_url()).content.decode()
    section = html[html.index('id="related-heading"') :]

    titles = re.findall(r"<li><a href=\"[^\"]+\">([^<]+)</a>", section)
    assert titles == ["Two shared, oldest", "One shared, newest", "One shared, many tags"]


def test_talk_page_offers_a_player_without_loading_it(client):
    talk = make_talk(video_url="https://archive.org/details/pyvideo_14___lightning-talks-day-2")

    html = client.get(talk.get_absolute_url()).content.decode()

    assert "<iframe" not in html
    assert 'href="?play=1"' in html
    assert "https://archive.org/details/pyvideo_14___lightning-talks-day-2" in html


def test_talk_in_draft_day_is_404_for_public(client, admin_client):
    talk = make_talk(make_day(published=False))

    assert client.get(talk.get_absolute_url()).status_code == 404
    assert admin_client.get(talk.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("size", [1, 3])
def test_talk_query_count_constant(client, django_assert_num_queries, size):
    day = make_full_day(size)
    make_full_day(size, conference=day.conference)
    talk = day.talks.first()
    for _ in range(size):
        make_note(talk=talk)
    url = talk.get_absolute_url()
    with django_assert_num_queries(6):
        response = client.get(url)
    assert response.content.decode().count('class="note"') == size + 1
    # The player page: the talk read, its notes, speakers, tags, links and related
    # talks kept from the page before.
    with django_assert_num_queries(1):
        response = client.get(f"{url}?play=1")
    assert "<iframe" in response.content.decode()
    note = talk.notes.first()
    note.body = "Edited after the talk."
    note.save()  # expires the page, not what the talk prints

    with django_assert_num_queries(2):
        edited = client.get(url).content
    assert b"Edited after the talk." in edited
    expire({EVERYWHERE})
    with django_assert_num_queries(6):
        assert client.get(url).content == edited  # the same as read with nothing kept


# ---------------------------------------------------------------------------
# Speakers


def test_speaker_page_lists_talks_across_conferences(client):
    speaker = make_speaker(name="Russell Example", bio="Works on *things*.")
    old = make_conference(name="Conf 2009", start_date=datetime.date(2009, 9, 8), end_date=None)
    new = make_conference(name="Conf 2019", start_date=datetime.date(2019, 9, 8), end_date=None)
    make_talk(make_day(old), title="No! Bad Pony!", speakers=[speaker])
    make_talk(make_day(new), title="WASM matter?", speakers=[speaker])
    hidden = make_conference(name="Draft Conf", published=False)
    make_talk(make_day(hidden), title="Secret talk", speakers=[speaker])

    html = client.get(speaker.get_absolute_url()).content.decode()

    assert "<em>things</em>" in html
    assert html.index("WASM matter?") < html.index("No! Bad Pony!")
    assert "Conf 2009" in html and "Conf 2019" in html
    assert "Secret talk" not in html


def test_speaker_list_is_alphabetical_without_speakers_of_drafts(client):
    day = make_day()
    make_talk(day, speakers=[make_speaker(name="Zed Last")])
    make_talk(day, speakers=[make_speaker(name="Amy First")])
    make_talk(
        make_day(make_conference(published=False)), speakers=[make_speaker(name="Hidden Person")]
    )

    html = client.get("/speakers/").content.decode()

    assert html.index("Amy First") < html.index("Zed Last")
    assert "Hidden Person" not in html
    assert 'id="letter-A"' in html and 'id="letter-Z"' in html


def test_speaker_list_pages_read_from_either_end_list_every_name_once_in_order(client, monkeypatch):
    monkeypatch.setattr("talks.selectors.SPEAKER_PAGE_SIZE", 2)
    names = ["Ann", "Bea", "Bea", "Cid", "Dot", "Eve", "Fay"]  # two of one name: ordered by id
    day = make_day()
    speakers = [make_speaker(name=name) for name in names]
    for speaker in speakers:
        make_talk(day, speakers=[speaker])
    make_talk(make_day(make_conference(published=False)), speakers=[make_speaker(name="Dan")])

    listed = []
    for number in (1, 2, 3, 4):  # 1 and 2 read from the start, 3 and 4 from the end
        html = client.get(f"/speakers/?page={number}").content.decode()
        listed += re.findall(r'<a href="/speakers/([^/"]+)/">', html)

    assert listed == [speaker.slug for speaker in speakers]
    assert client.get("/speakers/?page=5").status_code == 404


@pytest.mark.parametrize("size", [1, 3])
def test_speaker_list_query_count_constant(client, django_assert_num_queries, size):
    for _ in range(size):
        make_full_day(2)
    # Who is not listed, how many are, the page's ids in name order, its rows.
    with django_assert_num_queries(4):
        response = client.get("/speakers/")
    assert response.content.decode().count("1 talk<") == 4 * size


def test_speaker_list_pages_keep_who_is_not_listed_until_content_changes(
    client, django_assert_num_queries
):
    for _ in range(3):
        make_full_day(2)
    make_talk(make_day(make_conference(published=False)), speakers=[make_speaker(name="Drafty")])
    client.get("/speakers/")
    # How many are listed, the page's ids, its rows: who is not listed comes from the cache.
    with django_assert_num_queries(3):
        response = client.get("/speakers/?page=1&fresh=1")
    assert "Drafty" not in response.content.decode()
    assert response.content.decode().count("1 talk<") == 12

    make_talk(make_day(), speakers=[make_speaker(name="Aaron Newcomer")])

    assert "Aaron Newcomer" in client.get("/speakers/?fresh=2").content.decode()


def test_speaker_list_leaves_out_many_speakers_of_drafts(client, monkeypatch):
    monkeypatch.setattr("talks.selectors.UNLISTED_IDS_LIMIT", 1)
    draft = make_day(make_conference(published=False))
    make_talk(draft, speakers=[make_speaker(name="Drafty One"), make_speaker(name="Drafty Two")])
    make_talk(make_day(), speakers=[make_speaker(name="Public Person")])

    html = client.get("/speakers/").content.decode()

    assert "Public Person" in html
    assert "Drafty" not in html
    assert html.count("1 talk<") == 1


def test_a_renamed_speaker_moves_in_the_a_z_without_asking_again_who_is_listed(
    client, django_assert_num_queries
):
    first, second = make_speaker(name="Alice Anders"), make_speaker(name="Bob Brown")
    make_talk(make_day(), speakers=[first, second])
    client.get("/speakers/")

    second.name = "Aaron Brown"
    second.save()

    # How many are listed, the page's ids in name order, its rows; not who is listed.
    with django_assert_num_queries(3):
        html = client.get("/speakers/").content.decode()
    assert html.index("Aaron Brown") < html.index("Alice Anders")
    assert "Bob Brown" not in html


@pytest.mark.parametrize("size", [1, 3])
def test_speaker_detail_query_count_constant(client, django_assert_num_queries, size):
    speaker = make_speaker()
    for _ in range(size):
        day = make_full_day(1)
        make_talk(day, speakers=[speaker, make_speaker()], tags=["x", "y"])
    # The speaker with their website's health, their public aliases, the ids of their
    # talks, what the JSON-LD names of the page's talks, and for the rows: those
    # talks, their speakers (rows print no tags).
    with django_assert_num_queries(6):
        response = client.get(speaker.get_absolute_url())
    assert response.content.decode().count('class="talk-row"') == size
    # The page again, not from the page cache (a query it does not read): the rows
    # are kept, so no talk is read for them.
    with django_assert_num_queries(4):
        again = client.get(speaker.get_absolute_url() + "?from=feed")
    assert again.content == response.content


def test_speaker_page_paginates_talks_and_counts_them_all(client, monkeypatch):
    monkeypatch.setattr("talks.selectors.LIST_PAGE_SIZE", 2)
    speaker = make_speaker(name="Prolific Person")
    for year in (2017, 2018, 2019):
        start = datetime.date(year, 5, 1)
        day = make_day(make_conference(name=f"Conf {year}", start_date=start, end_date=start))
        make_talk(day, title=f"Talk of {year}", speakers=[speaker])

    first = client.get(speaker.get_absolute_url()).content.decode()
    second = client.get(speaker.get_absolute_url() + "?page=2").content.decode()

    assert "3 talks at 3 conferences" in first and "3 talks at 3 conferences" in second
    assert "Talk of 2019" in first and "Talk of 2018" in first and "Talk of 2017" not in first
    assert "Talk of 2017" in second and "Talk of 2019" not in second
    assert 'rel="next" href="?page=2"' in first and "Page 2 of 2" in second
    assert client.get(speaker.get_absolute_url() + "?page=3").status_code == 404


# ---------------------------------------------------------------------------
# Tags


def test_tag_list_counts_talks_across_conferences(client):
    make_talk(make_day(), tags=["python", "web"])
    make_talk(make_day(), tags=["python"])
    make_talk(make_day(make_conference(published=False)), tags=["python", "secret"])

    html = client.get("/tags/").content.decode()

    assert 'href="/tags/python/" rel="tag">python</a> <span class="count">2</span>' in html
    assert 'href="/tags/web/" rel="tag">web</a> <span class="count">1</span>' in html
    assert "secret" not in html


def test_tag_list_counts_follow_a_newly_tagged_talk_on_every_page(client, monkeypatch):
    monkeypatch.setattr("talks.selectors.TAG_PAGE_SIZE", 1)
    make_talk(make_day(), tags=["python"])
    assert '<span class="count">1</span>' in client.get("/tags/").content.decode()

    talk = make_talk(make_day(), tags=["web"])
    talk.tags.add("python")

    assert 'python</a> <span class="count">2</span>' in client.get("/tags/").content.decode()
    assert 'web</a> <span class="count">1</span>' in client.get("/tags/?page=2").content.decode()


def test_tag_page_lists_talks_with_that_tag(client):
    a = make_talk(make_day(), title="Python at scale", tags=["python"])
    b = make_talk(make_day(), title="Python for kids", tags=["python"])
    make_talk(make_day(), title="Rust corner", tags=["rust"])

    html = client.get("/tags/python/").content.decode()

    assert a.title in html and b.title in html
    assert "Rust corner" not in html
    assert client.get("/tags/no-such-tag/").status_code == 404


@pytest.mark.parametrize("size", [1, 3])
def test_tag_pages_query_count_constant(client, django_assert_num_queries, size):
    for _ in range(size):
        make_full_day(2)
    with django_assert_num_queries(1):  # every tag's count, kept for the other pages
        client.get("/tags/")
    with django_assert_num_queries(0):
        client.get("/tags/?page=1&any=thing")
    with django_assert_num_queries(4):  # tag, ids, the page's talks, their speakers
        response = client.get("/tags/python/")
    assert response.content.decode().count('class="talk-row"') == 2 * size


# ---------------------------------------------------------------------------
# Unknown URLs and renames


@pytest.mark.parametrize(
    "url",
    [
        "/no-such-conference/",
        "/no-such-conference/day-1/",
        "/no-such-conference/talks/nothing/",
        "/speakers/nobody/",
        "/tags/nothing/",
        "/conferences/abc/",
        "/%00/",
        "/" + "x" * 2000 + "/",
        "/../etc/passwd",
    ],
)
def test_unknown_urls_are_404(client, url):
    make_full_day(1)
    response = client.get(url)
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_unknown_day_and_talk_in_known_conference_are_404(client):
    day = make_full_day(1)
    conference = day.conference
    assert client.get(f"/{conference.slug}/day-99/").status_code == 404
    assert client.get(f"/{conference.slug}/talks/nothing/").status_code == 404


def test_renamed_talk_redirects_permanently(client):
    talk = make_talk(title="Old title")
    old_url = talk.get_absolute_url()
    talk.slug = "new-title"
    talk.save()

    response = client.get(old_url)

    assert response.status_code == 301
    assert (
        response["Location"]
        == talk.get_absolute_url()
        == f"/{talk.conference.slug}/talks/new-title/"
    )


def test_renamed_day_redirects_permanently(client):
    day = make_day()
    old_url = day.get_absolute_url()
    day.slug = "tutorials"
    day.save()

    response = client.get(old_url)

    assert response.status_code == 301
    assert response["Location"] == f"/{day.conference.slug}/tutorials/"


def test_renamed_conference_redirects_every_page_under_it(client):
    conference = make_conference(slug="djangocon-2009")
    talk = make_talk(make_day(conference), slug="keynote")
    conference.slug = "djangocon-us-2009"
    conference.save()

    assert client.get("/djangocon-2009/")["Location"] == "/djangocon-us-2009/"
    assert client.get("/djangocon-2009/day-1/")["Location"] == "/djangocon-us-2009/day-1/"
    response = client.get("/djangocon-2009/talks/keynote/")
    assert response.status_code == 301
    assert response["Location"] == "/djangocon-us-2009/talks/keynote/"
    assert client.get(response["Location"]).status_code == 200
    assert talk.get_absolute_url() == "/djangocon-us-2009/talks/keynote/"


def test_old_urls_of_renamed_drafts_tell_the_public_nothing(client, admin_client):
    conference = make_conference(slug="draft-conf", published=False)
    talk = make_talk(make_day(conference), slug="draft-talk")
    conference.slug = "secret-new-name"
    conference.save()
    talk.slug = "secret-talk"
    talk.save()

    for url in ("/draft-conf/", "/draft-conf/feed/", "/draft-conf/calendar.ics"):
        assert client.get(url).status_code == 404, url
    assert client.get("/secret-new-name/talks/draft-talk/").status_code == 404
    assert admin_client.get("/draft-conf/")["Location"] == "/secret-new-name/"
    staff = admin_client.get("/secret-new-name/talks/draft-talk/")
    assert staff["Location"] == "/secret-new-name/talks/secret-talk/"


def test_renamed_speaker_redirects_permanently(client):
    speaker = make_speaker(name="Amber Brown")
    make_talk(speakers=[speaker])
    old_url = speaker.get_absolute_url()
    speaker.slug = "amber-brown-hawkowl"
    speaker.save()

    response = client.get(old_url)

    assert response.status_code == 301
    assert response["Location"] == "/speakers/amber-brown-hawkowl/"


def test_renaming_back_does_not_loop(client):
    talk = make_talk(slug="first")
    talk.slug = "second"
    talk.save()
    talk.slug = "first"
    talk.save()

    assert client.get(f"/{talk.conference.slug}/talks/first/").status_code == 200
    assert client.get(f"/{talk.conference.slug}/talks/second/")["Location"].endswith(
        "/talks/first/"
    )


def test_later_pages_of_a_list_are_their_own_canonical_page(client, monkeypatch):
    monkeypatch.setattr("talks.selectors.LIST_PAGE_SIZE", 1)
    day = make_day()
    for n in range(2):
        make_talk(day, title=f"Tagged {n}", tags=["paged"])

    first = client.get("/tags/paged/").content.decode()
    second = client.get("/tags/paged/?page=2").content.decode()

    assert 'rel="canonical" href="http://testserver/tags/paged/">' in first
    assert 'rel="canonical" href="http://testserver/tags/paged/?page=2">' in second


def test_tag_pages_share_one_ordered_list_until_content_changes(client, django_assert_num_queries):
    day = make_day()
    for n in range(3):
        make_talk(day, title=f"Shared {n}", tags=["shared"])
    client.get("/tags/shared/")
    with django_assert_num_queries(1):  # the tag: its talks' ids and rows are kept
        html = client.get("/tags/shared/?fresh=1").content.decode()
    assert html.count('class="talk-row"') == 3

    renamed = Talk.objects.get(title="Shared 1")
    renamed.title = "Shared one, renamed"
    renamed.save()
    # The tag, its talks' ids again (a talk's save expires its tags' pages), and the
    # renamed talk with its speakers: the other two rows are kept.
    with django_assert_num_queries(4):
        html = client.get("/tags/shared/?fresh=3").content.decode()
    assert "Shared one, renamed" in html and "Shared 0" in html and "Shared 2" in html

    make_talk(day, title="Newcomer", tags=["shared"])

    assert "Newcomer" in client.get("/tags/shared/?fresh=2").content.decode()
