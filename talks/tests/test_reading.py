"""The reader's path: a day page that reads like a recap, notes on a whole conference,
series pages."""

import datetime
import json
import re

import pytest
from django.core.exceptions import ValidationError

from talks.importers.pyvideo import import_pyvideo
from talks.models import Day, Kind, Note
from talks.tests.factories import (
    make_conference,
    make_day,
    make_note,
    make_speaker,
    make_talk,
)
from talks.tests.pyvideo_samples import video, write_event

pytestmark = pytest.mark.django_db


def _json_ld(html: str) -> list[dict]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(block) for block in blocks]


# ---------------------------------------------------------------------------
# Day page


@pytest.fixture
def recap_day():
    """A day with a summary, a day note, two noted items and three without notes."""
    day = make_day(make_conference(name="RecapCon"), summary="The day in *short*.")
    ada = make_speaker(name="Ada Lovelace")
    talks = {
        "welcome": make_talk(day, title="Welcome", kind=Kind.OTHER, position=1),
        "keynote": make_talk(day, title="Opening keynote", kind=Kind.KEYNOTE, position=2),
        "orm": make_talk(
            day,
            title="ORM tricks",
            position=3,
            speakers=[ada],
            slides_url="https://slides.example.org/orm",
            video_url="https://vimeo.com/123456",
        ),
        "lightning": make_talk(day, title="Lightning talks", kind=Kind.LIGHTNING, position=4),
        "dinner": make_talk(day, title="Dinner", kind=Kind.SOCIAL, position=5),
    }
    make_note(talk=talks["keynote"], body="A keynote worth *rereading*.")
    make_note(talk=talks["lightning"], body="Five talks in twenty minutes.")
    make_note(talk=talks["orm"], body="Not ready yet", published=False)
    make_note(day=day, body="We arrived early.")
    return day, talks


def _item(html: str, slug: str) -> str:
    """The markup of the item (full section or program line) whose id is `slug`."""
    match = re.search(rf'<(section|li) class="[^"]*" id="{slug}"(.*?)</\1>', html, re.S)
    assert match, f"no item {slug}"
    return match.group(0)


def test_day_page_shows_noted_items_in_full_and_the_rest_as_lines(client, recap_day):
    day, talks = recap_day
    html = client.get(day.get_absolute_url()).content.decode()

    keynote = _item(html, talks["keynote"].slug)
    assert keynote.startswith("<section") and "<em>rereading</em>" in keynote
    orm = _item(html, talks["orm"].slug)
    assert orm.startswith('<li class="line')
    assert "Ada Lovelace" in orm
    assert 'href="https://slides.example.org/orm"' in orm and "Video" in orm
    assert "Not ready yet" not in html  # a draft note does not make an item noted
    assert "No notes" not in html
    # Program order is kept, full items and lines interleaved.
    order = [html.index(f'id="{talks[key].slug}"') for key in talks]
    assert order == sorted(order)
    # Lines between two noted items form one list.
    between = html[
        html.index(keynote) + len(keynote) : html.index(f'id="{talks["lightning"].slug}"')
    ]
    assert between.count('<ul class="program">') == 1


def test_day_page_opens_with_summary_day_notes_and_contents(client, recap_day):
    day, talks = recap_day
    html = client.get(day.get_absolute_url()).content.decode()

    toc = re.search(r'<nav class="toc".*?</nav>', html, re.S).group(0)
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', toc)
    assert links == [
        (talks["keynote"].slug, "Opening keynote"),
        (talks["lightning"].slug, "Lightning talks"),
    ]
    assert html.index("<em>short</em>") < html.index('<nav class="toc"')
    assert html.index("We arrived early.") < html.index('id="program-heading"')
    for slug, _title in links:  # every entry leads to an item on the page
        assert f'id="{slug}"' in html


def test_day_page_without_notes_has_no_contents(client):
    day = make_day()
    make_talk(day, title="Quiet talk")
    html = client.get(day.get_absolute_url()).content.decode()
    assert 'class="toc"' not in html
    assert "Quiet talk" in html


def test_staff_see_items_with_draft_notes_in_full(admin_client, recap_day):
    day, talks = recap_day
    html = admin_client.get(day.get_absolute_url()).content.decode()
    assert _item(html, talks["orm"].slug).startswith("<section")


def test_day_page_says_whether_it_knows_order_and_times(client):
    timed = make_day(make_conference())
    make_talk(timed, title="At nine", start_time=datetime.time(9, 0))
    unordered = make_day(make_conference(slug="archive-only"), in_order=False)
    make_talk(unordered, title="Recorded")
    ordered = make_day(make_conference(slug="written-up"))
    make_talk(ordered, title="First")

    assert "with the times of the program" in client.get(timed.get_absolute_url()).text
    page = client.get(unordered.get_absolute_url()).text
    assert "order and times not known" in page
    assert "<time datetime" not in _item(page, "recorded")
    assert "in program order; no times are known" in client.get(ordered.get_absolute_url()).text


def test_day_page_has_json_ld_with_its_items(client, recap_day):
    day, talks = recap_day
    data = _json_ld(client.get(day.get_absolute_url()).text)
    (event,) = [item for item in data if item["name"] == f"RecapCon, {day.label}"]
    assert event["@type"] == "Event"
    assert event["startDate"] == day.date.isoformat()
    assert event["superEvent"]["name"] == "RecapCon"
    assert [sub["name"] for sub in event["subEvent"]] == [talk.title for talk in talks.values()]
    assert event["subEvent"][0]["url"].endswith(talks["welcome"].get_absolute_url())


def test_pyvideo_days_are_not_in_program_order(tmp_path):
    write_event(
        tmp_path,
        "pytest-con-2021",
        {"a": video(title="One"), "b": video(title="Two", recorded="2021-06-02")},
    )
    import_pyvideo(tmp_path)
    days = Day.objects.filter(conference__slug="pytest-con-2021")
    assert days.count() == 2
    assert not days.filter(in_order=True).exists()


# ---------------------------------------------------------------------------
# Notes on a whole conference


def test_conference_page_shows_its_own_notes(client, admin_client):
    conference = make_conference(name="TakeawayCon")
    make_note(conference=conference, body="Our *take-outs*: a kind community.")
    make_note(conference=conference, body="Half-written thoughts", published=False)

    html = client.get(conference.get_absolute_url()).text
    assert "Notes on the whole conference" in html
    assert "<em>take-outs</em>" in html
    assert "Half-written thoughts" not in html
    assert "Half-written thoughts" in admin_client.get(conference.get_absolute_url()).text


def test_conference_notes_are_in_feeds_and_home(client):
    conference = make_conference(name="TakeawayCon")
    note = make_note(conference=conference, body="Closing thoughts.")

    feed = client.get(f"/{conference.slug}/feed/").text
    assert "<title>TakeawayCon</title>" in feed
    assert note.get_absolute_url() == f"{conference.get_absolute_url()}#note-{note.uid}"
    assert f"#note-{note.uid}" in feed
    assert client.get("/feeds/notes/").text.count(f"urn:uuid:{note.uid}") == 1
    assert f'<a href="{conference.get_absolute_url()}">TakeawayCon</a>' in client.get("/").text


def test_notes_of_a_draft_conference_stay_hidden():
    note = make_note(conference=make_conference(published=False))
    assert note not in Note.objects.published()


def test_note_is_about_exactly_one_subject():
    conference = make_conference()
    note = Note(conference=conference, day=make_day(conference), body="Both")
    with pytest.raises(ValidationError, match="one talk, one day or one conference"):
        note.full_clean()


def test_conference_note_edit_shows_on_next_request(client):
    conference = make_conference()
    note = make_note(conference=conference, body="First version.")
    assert "First version." in client.get(conference.get_absolute_url()).text
    note.body = "Second version."
    note.save()
    assert "Second version." in client.get(conference.get_absolute_url()).text


def test_admin_adds_a_note_on_the_whole_conference(admin_client, admin_user):
    conference = make_conference(name="InlineCon")
    url = f"/admin/talks/conference/{conference.pk}/change/"
    form = admin_client.get(url).text
    assert "notes on the whole conference" in form.lower()
    data = {
        "name": conference.name,
        "slug": conference.slug,
        "series": "",
        "tags": "",
        "published": "on",
        "days-TOTAL_FORMS": "0",
        "days-INITIAL_FORMS": "0",
        "days-MIN_NUM_FORMS": "0",
        "days-MAX_NUM_FORMS": "1000",
        "notes-TOTAL_FORMS": "1",
        "notes-INITIAL_FORMS": "0",
        "notes-MIN_NUM_FORMS": "0",
        "notes-MAX_NUM_FORMS": "1000",
        "notes-0-body": "What we take home.",
        "notes-0-published": "on",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.text[:2000]
    note = Note.objects.get(conference=conference)
    assert [author.user for author in note.author_list] == [admin_user]
    assert "What we take home." in client_text(conference)


def client_text(conference) -> str:
    from django.test import Client

    return Client().get(conference.get_absolute_url()).text


# ---------------------------------------------------------------------------
# Series


def test_series_page_lists_its_editions_latest_first(client):
    make_conference(
        name="SeriesCon 2009",
        series="SeriesCon",
        slug="seriescon-2009",
        start_date=datetime.date(2009, 9, 8),
        end_date=None,
    )
    new = make_conference(
        name="SeriesCon 2019",
        series="SeriesCon",
        slug="seriescon-2019",
        start_date=datetime.date(2019, 9, 23),
        end_date=None,
    )
    make_conference(
        name="SeriesCon 2029", series="SeriesCon", slug="seriescon-2029", published=False
    )
    make_conference(name="OtherCon", series="OtherCon", slug="othercon")

    html = client.get("/series/seriescon/").text
    assert "<h1>SeriesCon</h1>" in html
    assert html.index("SeriesCon 2019") < html.index("SeriesCon 2009")
    assert "SeriesCon 2029" not in html and "OtherCon" not in html
    index = client.get("/series/").text
    assert '<a href="/series/seriescon/">SeriesCon</a>' in index
    assert "2 editions, 2009–2019" in index
    assert '<a href="/series/seriescon/">SeriesCon</a>' in client.get(new.get_absolute_url()).text


def test_unknown_series_is_404(client):
    make_conference(series="SeriesCon")
    assert client.get("/series/nothing-here/").status_code == 404


def test_series_page_query_count_constant(client, django_assert_num_queries):
    for year in (2017, 2018, 2019):
        conference = make_conference(series="CountCon", slug=f"countcon-{year}")
        make_talk(make_day(conference))
    # The series (kept in the cache after the first), its conferences, their talk counts.
    with django_assert_num_queries(3):
        response = client.get("/series/countcon/")
    assert response.text.count("countcon-") == 3


def test_series_is_a_reserved_conference_slug():
    conference = make_conference()
    conference.slug = "series"
    with pytest.raises(ValidationError, match="reserved"):
        conference.full_clean()


def test_a_series_named_in_another_script_has_a_page(client):
    conference = make_conference(
        name="파이콘 한국 2018", series="파이콘 한국", slug="pycon-kr-2018"
    )
    path = f"/series/{conference.series_slug}/"
    assert conference.series_slug  # transliterated, as conference slugs are
    assert "파이콘 한국" in client.get(path).text
    assert f'href="{path}"' in client.get("/series/").text
