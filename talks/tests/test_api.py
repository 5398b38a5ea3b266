"""The JSON API, /api/v1/: every resource, filter, expansion and error, its query counts,
caching, throttle, and every answer checked against its own OpenAPI document."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.utils import timezone
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_spec

from talks.api.pagination import encode_cursor
from talks.api.schema import schema_document
from talks.models import Conference, Talk
from talks.tests.factories import (
    make_conference,
    make_day,
    make_link,
    make_note,
    make_speaker,
    make_talk,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"


def check_shape(data, schema_name: str) -> None:
    """`data` is valid against the schema `schema_name` of the API's OpenAPI document."""
    document = schema_document()
    schema = {"$ref": f"#/components/schemas/{schema_name}", **document}
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(data), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


def get_json(client, url, *, status=200, schema=None, **headers):
    response = client.get(url, **headers)
    assert response.status_code == status, (url, response.content[:500])
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Confnotes-Version"] == "v1"
    data = response.json()
    if schema is None:
        schema = "Error" if status >= 400 else None
    if schema:
        check_shape(data, schema)
    return data


@pytest.fixture
def archive():
    """A published conference with two days; a draft conference; a draft day; a draft note."""
    ada = make_speaker(name="Ada Lovelace")
    bo = make_speaker(name="Bo Brown")
    conference = make_conference(
        name="DjangoCon US 2019",
        series="DjangoCon US",
        start_date=datetime.date(2019, 9, 22),
        end_date=datetime.date(2019, 9, 27),
        time_zone="America/Los_Angeles",
    )
    conference.tags.add("django")
    day1 = make_day(conference, date=datetime.date(2019, 9, 23))
    day2 = make_day(conference, date=datetime.date(2019, 9, 24), title="Tutorials")
    keynote = make_talk(
        day1,
        title="Opening keynote",
        kind="keynote",
        language="en",
        start_time=datetime.time(9, 0),
        duration=datetime.timedelta(minutes=45),
        speakers=[ada, bo],
        tags=["community", "python"],
        abstract="An *opening*.",
    )
    make_link(keynote, kind="code", url="https://example.org/code")
    orm = make_talk(day1, title="ORM deep dive", language="de", speakers=[bo], tags=["orm"])
    tutorial = make_talk(day2, title="Testing tutorial", kind="tutorial", speakers=[ada])
    make_note(talk=keynote, body="Great *start*.", authors=["Guest Writer"])
    make_note(day=day1, body="Day one was busy.", authors=["Guest Writer"])
    make_note(talk=orm, body="Secret draft", published=False, authors=["Guest Writer"])
    draft_day = make_day(conference, date=datetime.date(2019, 9, 25), published=False)
    hidden_talk = make_talk(draft_day, title="Talk of a draft day", speakers=[make_speaker(
        name="Only Drafts")], tags=["drafty"])  # fmt: skip
    make_note(talk=hidden_talk, body="On a draft day", authors=["Guest Writer"])
    draft = make_conference(name="Secret Conf 2030", published=False)
    draft_talk = make_talk(make_day(draft), title="Secret talk", speakers=[ada], tags=["python"])
    make_note(talk=draft_talk, body="Secret note", authors=["Guest Writer"])
    return {
        "conference": conference,
        "days": [day1, day2],
        "talks": [keynote, orm, tutorial],
        "speakers": [ada, bo],
        "draft": draft,
        "draft_day": draft_day,
    }


def titles(data) -> list[str]:
    return [row["title"] for row in data["results"]]


# ---------------------------------------------------------------------------
# The documents


def test_schema_is_a_valid_openapi_3_1_document(client):
    data = get_json(client, f"{API}/schema.json")
    validate_spec(data)
    assert data["openapi"] == "3.1.0"
    assert f"{API}/talks/" in data["paths"]
    assert f"{API}/conferences/{{conference}}/talks/{{talk}}/" in data["paths"]


def test_root_links_every_resource_and_the_schema(client):
    data = get_json(client, f"{API}/", schema="Root")
    assert data["schema"] == f"http://testserver{API}/schema.json"
    assert set(data["resources"]) == {"conferences", "days", "talks", "speakers", "tags", "notes"}
    assert data["resources"]["talks"] == f"http://testserver{API}/talks/"


def test_api_page_links_the_schema_and_lists_resources(client):
    response = client.get("/api/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="/api/v1/schema.json"' in html
    for path in ("/api/v1/talks/", "/api/v1/speakers/", "/api/v1/notes/"):
        assert f'href="{path}"' in html
    assert "updated_since" in html


# ---------------------------------------------------------------------------
# Lists and details of every resource; drafts never appear


def test_conferences_list_and_detail(client, archive):
    data = get_json(client, f"{API}/conferences/", schema="ConferencePage")
    assert data["count"] == 1
    [row] = data["results"]
    assert row["name"] == "DjangoCon US 2019"
    assert row["talk_count"] == 3  # not the draft day's talk
    assert row["tags"] == ["django"]
    assert row["url"] == "http://testserver/djangocon-us-2019/"
    assert row["api_url"] == f"http://testserver{API}/conferences/djangocon-us-2019/"
    assert "recap" not in row
    detail = get_json(client, row["api_url"], schema="Conference")
    assert detail["time_zone"] == "America/Los_Angeles"
    assert "recap_html" in detail and "days" not in detail
    expanded = get_json(client, row["api_url"] + "?expand=days", schema="Conference")
    assert [day["slug"] for day in expanded["days"]] == ["day-1", "tutorials"]  # no draft day


def test_days_list_and_detail(client, archive):
    data = get_json(client, f"{API}/days/", schema="DayPage")
    assert [(d["conference"], d["slug"]) for d in data["results"]] == [
        ("djangocon-us-2019", "day-1"),
        ("djangocon-us-2019", "tutorials"),
    ]
    detail = get_json(client, data["results"][0]["api_url"], schema="Day")
    assert detail["date"] == "2019-09-23"
    assert detail["url"] == "http://testserver/djangocon-us-2019/day-1/"
    assert "summary_html" in detail


def test_talks_list_and_detail_with_times_in_the_conference_zone(client, archive):
    data = get_json(client, f"{API}/talks/", schema="TalkPage")
    assert titles(data) == ["Opening keynote", "ORM deep dive", "Testing tutorial"]
    keynote, orm = data["results"][:2]
    assert keynote["start"] == "2019-09-23T09:00:00-07:00"
    assert keynote["end"] == "2019-09-23T09:45:00-07:00"
    assert keynote["duration"] == "P0DT00H45M00S"
    assert keynote["speakers"] == ["ada-lovelace", "bo-brown"]
    assert keynote["tags"] == ["community", "python"]
    assert (orm["start"], orm["date"]) == (None, "2019-09-23")  # untimed: its day only
    detail = get_json(client, keynote["api_url"], schema="Talk")
    assert detail["abstract_html"] == "<p>An <em>opening</em>.</p>"
    assert detail["links"] == [{"kind": "code", "url": "https://example.org/code", "title": ""}]
    assert detail["url"] == "http://testserver/djangocon-us-2019/talks/opening-keynote/"


def test_speakers_list_and_detail(client, archive):
    data = get_json(client, f"{API}/speakers/", schema="SpeakerPage")
    # "Only Drafts" spoke on a draft day only.
    assert [row["name"] for row in data["results"]] == ["Ada Lovelace", "Bo Brown"]
    detail = get_json(client, data["results"][0]["api_url"], schema="Speaker")
    assert detail["talk_count"] == 2  # not the draft conference's talk
    assert detail["talks_url"] == f"http://testserver{API}/talks/?speaker=ada-lovelace"
    get_json(client, f"{API}/speakers/only-drafts/", status=404)


def test_tags_list_and_detail(client, archive):
    data = get_json(client, f"{API}/tags/", schema="TagPage")
    counts = {row["slug"]: row["talk_count"] for row in data["results"]}
    assert counts == {"community": 1, "python": 1, "orm": 1}  # "drafty" is on a draft day
    detail = get_json(client, f"{API}/tags/python/", schema="Tag")
    assert detail["talk_count"] == 1
    get_json(client, f"{API}/tags/drafty/", status=404)


def test_notes_list_and_detail(client, archive):
    data = get_json(client, f"{API}/notes/", schema="NotePage")
    bodies = [row["body_html"] for row in data["results"]]
    assert bodies == ["<p>Great <em>start</em>.</p>", "<p>Day one was busy.</p>"]
    assert "body" not in data["results"][0]  # the Markdown is the detail's
    talk_note, day_note = data["results"]
    assert talk_note["subject"]["type"] == "talk"
    assert talk_note["authors"][0]["name"] == "Guest Writer"
    assert talk_note["url"].startswith(
        "http://testserver/djangocon-us-2019/talks/opening-keynote/#note-"
    )
    assert day_note["subject"] == {
        "type": "day",
        "conference": "djangocon-us-2019",
        "slug": "day-1",
        "title": "Day 1",
        "api_url": f"http://testserver{API}/conferences/djangocon-us-2019/days/day-1/",
    }
    detail = get_json(client, talk_note["api_url"], schema="Note")
    assert (detail["body"], detail["body_html"]) == ("Great *start*.", bodies[0])


@pytest.mark.parametrize("who", ["anonymous", "staff"])
def test_drafts_never_appear_whoever_asks(client, admin_client, archive, who):
    reader = admin_client if who == "staff" else client
    everything = " ".join(
        reader.get(f"{API}/{name}/?page_size=200").content.decode()
        for name in ("conferences", "days", "talks", "speakers", "tags", "notes")
    )
    for secret in ("Secret Conf", "Secret talk", "Talk of a draft day", "Secret draft",
                   "On a draft day", "Secret note", "Only Drafts", "drafty", "day-3"):  # fmt: skip
        assert secret not in everything
    for path in (
        "/conferences/secret-conf-2030/",
        "/conferences/djangocon-us-2019/days/day-3/",
        "/conferences/djangocon-us-2019/talks/talk-of-a-draft-day/",
        "/conferences/secret-conf-2030/talks/secret-talk/",
    ):
        get_json(reader, API + path, status=404)


def test_unknown_objects_and_endpoints_are_json_404s(client, archive):
    for path in (
        "/conferences/nope/",
        "/conferences/djangocon-us-2019/talks/nope/",
        "/conferences/djangocon-us-2019/days/nope/",
        "/speakers/nope/",
        "/tags/nope/",
        "/notes/not-a-uuid/",
        "/notes/00000000-0000-0000-0000-000000000000/",
        "/nothing-here/",
    ):
        data = get_json(client, API + path, status=404)
        assert data["detail"]


def test_writes_are_refused_with_405(client):
    response = client.post(f"{API}/talks/", {"title": "x"})
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert response.json()["detail"].startswith("The API is read-only")


def test_preflight_allows_any_origin(client):
    response = client.options(f"{API}/talks/", HTTP_ORIGIN="https://elsewhere.example")
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "If-None-Match" in response["Access-Control-Allow-Headers"]


# ---------------------------------------------------------------------------
# Filters, q and expand


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("conference=djangocon-us-2019", ["Opening keynote", "ORM deep dive", "Testing tutorial"]),
        ("conference=djangocon-us-2019&day=tutorials", ["Testing tutorial"]),
        ("speaker=bo-brown", ["Opening keynote", "ORM deep dive"]),
        ("tag=python", ["Opening keynote"]),
        ("kind=tutorial", ["Testing tutorial"]),
        ("language=de", ["ORM deep dive"]),
        ("q=orm", ["ORM deep dive"]),
        ("q=TUTORIAL", ["Testing tutorial"]),
        ("conference=secret-conf-2030", []),
        ("speaker=bo-brown&kind=keynote", ["Opening keynote"]),
    ],
)
def test_talk_filters(client, archive, query, expected):
    assert titles(get_json(client, f"{API}/talks/?{query}", schema="TalkPage")) == expected


def test_talks_updated_since(client, archive):
    orm = archive["talks"][1]
    Talk.objects.exclude(pk=orm.pk).update(updated=timezone.now() - datetime.timedelta(days=3))
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    url = f"{API}/talks/?updated_since={since.replace('+', '%2B')}"
    assert titles(get_json(client, url)) == ["ORM deep dive"]
    early = get_json(client, f"{API}/talks/?updated_since=2000-01-01")
    assert len(early["results"]) == 3


def test_conference_filters(client, archive):
    for name, series, start in (
        ("PyCon US 2019", "PyCon US", datetime.date(2019, 5, 1)),
        ("DjangoCon US 2018", "DjangoCon US", datetime.date(2018, 10, 14)),
    ):
        make_conference(name=name, series=series, start_date=start, end_date=start)

    def names(query):
        data = get_json(client, f"{API}/conferences/?{query}", schema="ConferencePage")
        return sorted(row["name"] for row in data["results"])

    assert names("year=2019") == ["DjangoCon US 2019", "PyCon US 2019"]
    assert names("series=DjangoCon%20US") == ["DjangoCon US 2018", "DjangoCon US 2019"]
    assert names("series=DjangoCon%20US&year=2018") == ["DjangoCon US 2018"]
    assert names("q=pycon") == ["PyCon US 2019"]


def test_day_speaker_tag_and_note_filters(client, archive):
    other = make_day(make_conference(name="Other Conf"))
    make_talk(other, speakers=[make_speaker(name="Cy Other")], tags=["other-tag"])
    make_note(day=other, body="Elsewhere", authors=["Guest Writer"])
    days = get_json(client, f"{API}/days/?conference=djangocon-us-2019")
    assert [d["slug"] for d in days["results"]] == ["day-1", "tutorials"]
    speakers = get_json(client, f"{API}/speakers/?q=brown")
    assert [s["name"] for s in speakers["results"]] == ["Bo Brown"]
    tags = get_json(client, f"{API}/tags/?q=COMM")
    assert [t["slug"] for t in tags["results"]] == ["community"]
    notes = get_json(client, f"{API}/notes/?conference=djangocon-us-2019")
    assert [n["subject"]["type"] for n in notes["results"]] == ["talk", "day"]
    assert get_json(client, f"{API}/notes/?updated_since=2999-01-01")["results"] == []
    assert len(get_json(client, f"{API}/notes/?updated_since=2000-01-01T00:00:00Z")["results"]) == 3


def test_expand_embeds_related_objects(client, archive):
    url = f"{API}/talks/?expand=speakers,tags,conference,day&kind=keynote"
    [talk] = get_json(client, url, schema="TalkPage")["results"]
    assert talk["speakers"][0] == {
        "slug": "ada-lovelace",
        "name": "Ada Lovelace",
        "url": "http://testserver/speakers/ada-lovelace/",
        "api_url": f"http://testserver{API}/speakers/ada-lovelace/",
    }
    assert talk["tags"][1]["name"] == "python"
    assert talk["conference"]["name"] == "DjangoCon US 2019"
    assert talk["day"]["label"] == "Day 1"
    [day, _] = get_json(client, f"{API}/days/?expand=conference", schema="DayPage")["results"]
    assert day["conference"]["slug"] == "djangocon-us-2019"
    [conference] = get_json(client, f"{API}/conferences/?expand=days")["results"]
    assert [d["slug"] for d in conference["days"]] == ["day-1", "tutorials"]
    detail = get_json(client, talk["api_url"] + "?expand=speakers", schema="Talk")
    assert detail["speakers"][1]["name"] == "Bo Brown"


# ---------------------------------------------------------------------------
# Bad input: 400 with a JSON body naming the parameter


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        (f"{API}/talks/?colour=red", "colour"),
        (f"{API}/talks/?page=2", "page"),
        (f"{API}/speakers/?tag=python", "tag"),
        (f"{API}/talks/?kind=talk&kind=keynote", "kind"),
        (f"{API}/talks/?page_size=0", "page_size"),
        (f"{API}/talks/?page_size={10**9}", "page_size"),
        (f"{API}/talks/?page_size=201", "page_size"),
        (f"{API}/talks/?page_size=abc", "page_size"),
        (f"{API}/talks/?page_size=-5", "page_size"),
        (f"{API}/talks/?page_size=", "page_size"),
        (f"{API}/talks/?cursor=garbage!", "cursor"),
        (f"{API}/talks/?cursor=bjo", "cursor"),  # "n:" without an id
        (f"{API}/talks/?cursor=bjoxMg==", "cursor"),  # "n:12" padded: not as the API writes it
        (f"{API}/talks/?cursor=eDo1", "cursor"),  # "x:5"
        (f"{API}/talks/?cursor=bjowNQ", "cursor"),  # "n:05"
        (f"{API}/talks/?updated_since=yesterday", "updated_since"),
        (f"{API}/talks/?updated_since=2024-13-01", "updated_since"),
        (f"{API}/talks/?updated_since=2024-02-30T10:00:00Z", "updated_since"),
        (f"{API}/talks/?updated_since=2024-05-01T10:00:00", "updated_since"),  # no offset
        (f"{API}/talks/?kind=banquet", "kind"),
        (f"{API}/talks/?language=english!", "language"),
        (f"{API}/talks/?conference=not%20a%20slug", "conference"),
        (f"{API}/talks/?day=day-1", "day"),
        (f"{API}/talks/?q=", "q"),
        (f"{API}/talks/?q={'x' * 201}", "q"),
        (f"{API}/talks/?expand=abstract", "expand"),
        (f"{API}/notes/?expand=talk", "expand"),
        (f"{API}/conferences/?year=19", "year"),
        (f"{API}/conferences/?year=3000", "year"),
        (f"{API}/conferences/djangocon-us-2019/?year=2019", "year"),
        (f"{API}/schema.json?x=1", "x"),
    ],
)
def test_bad_parameters_are_400_naming_them(client, archive, url, parameter):
    data = get_json(client, url, status=400)
    assert data["detail"] == "Bad query parameters."
    assert list(data["errors"]) == [parameter]


def test_another_api_version_is_refused(client):
    client.get(f"{API}/talks/")  # cached: a v2 request is refused all the same
    data = get_json(client, f"{API}/talks/", status=400, HTTP_CONFNOTES_VERSION="v2")
    assert list(data["errors"]) == ["Confnotes-Version"]
    get_json(client, f"{API}/talks/", HTTP_CONFNOTES_VERSION="v1", schema="TalkPage")


# ---------------------------------------------------------------------------
# Keyset pagination


def _many_talks(n: int):
    day = make_day(make_conference(name="Big Conf"))
    return [make_talk(day, title=f"Talk {i:03d}") for i in range(n)]


def test_following_next_reads_every_row_once_and_previous_goes_back(client):
    talks = _many_talks(11)
    seen, pages, url = [], [], f"{API}/talks/?page_size=3"
    while url:
        data = get_json(client, url, schema="TalkPage")
        assert data["count"] == 11
        pages.append(data)
        seen += [row["id"] for row in data["results"]]
        url = data["next"]
    assert seen == sorted(talk.pk for talk in talks)  # each once, in id order
    assert [len(page["results"]) for page in pages] == [3, 3, 3, 2]
    assert pages[0]["previous"] is None
    # And back from the last page by `previous`.
    back, url = [], pages[-1]["previous"]
    while url:
        data = get_json(client, url)
        back = [row["id"] for row in data["results"]] + back
        url = data["previous"]
    assert back == seen[:9]
    assert data["next"]  # the first page, reached backwards, still leads on


def test_next_links_keep_the_filters_in_one_order(client):
    _many_talks(3)
    data = get_json(client, f"{API}/talks/?q=talk&page_size=2&kind=talk")
    cursor = encode_cursor("n", data["results"][-1]["id"])
    assert (
        data["next"]
        == f"http://testserver{API}/talks/?cursor={cursor}&kind=talk&page_size=2&q=talk"
    )


def test_a_made_up_cursor_past_the_end_is_an_empty_page(client):
    _many_talks(2)
    data = get_json(client, f"{API}/talks/?cursor={encode_cursor('n', 10**12)}")
    assert (data["count"], data["results"], data["next"], data["previous"]) == (2, [], None, None)


# ---------------------------------------------------------------------------
# Query counts: constant, whatever the size


def _grow(size: int) -> None:
    for n in range(size):
        conference = make_conference(name=f"Conf {n}")
        conference.tags.add(f"conf-tag-{n}")
        day = make_day(conference)
        for _ in range(2):
            talk = make_talk(day, speakers=[make_speaker(), make_speaker()], tags=[f"t{n}", "py"])
            make_link(talk)
            make_note(talk=talk, authors=["Guest Writer", "Other Writer"])
        make_note(day=day, authors=["Guest Writer"])


LIST_QUERIES = [
    # (path, queries: the count (kept after), the page, then what it prefetches)
    ("/conferences/", 4),  # count, page, tags, talk counts
    ("/conferences/?expand=days", 5),  # and the days
    ("/days/?expand=conference", 2),  # count, page with conferences
    # count, the page's ids, then the talks not in the cache: rows, speakers, tags
    ("/talks/?expand=speakers,tags,conference,day", 5),
    ("/talks/?tag=py&kind=talk", 5),
    ("/speakers/", 2),
    ("/tags/", 3),  # count, page, talk counts
    ("/notes/", 2),  # count, page with subjects and authors
]


@pytest.mark.parametrize("size", [1, 4])
@pytest.mark.parametrize(("path", "queries"), LIST_QUERIES)
def test_list_query_count_constant(client, django_assert_num_queries, size, path, queries):
    _grow(size)
    with django_assert_num_queries(queries):
        get_json(client, API + path + ("&" if "?" in path else "?") + "page_size=200")
    cache.clear()
    # A page by cursor (here the last one) costs the same.
    with django_assert_num_queries(queries):
        sep = "&" if "?" in path else "?"
        data = get_json(client, f"{API}{path}{sep}cursor={encode_cursor('p', 10**12)}")
    assert data["results"]


@pytest.mark.parametrize("size", [1, 4])
def test_detail_query_count_constant(client, django_assert_num_queries, size):
    _grow(size)
    talk = Talk.objects.order_by("pk").last()
    conference = talk.conference.slug
    note = talk.notes.get()
    tag = "py"
    speaker = talk.speakers.first().slug
    expected = [
        (f"/conferences/{conference}/", 3),  # conference, its tags, its talk count
        (f"/conferences/{conference}/?expand=days", 4),
        (f"/conferences/{conference}/days/{talk.day.slug}/", 1),
        (f"/conferences/{conference}/talks/{talk.slug}/", 4),  # talk, speakers, tags, links
        (f"/speakers/{speaker}/", 2),  # speaker with talk count, public aliases
        (f"/tags/{tag}/", 2),  # tag, talk count
        (f"/notes/{note.uid}/", 1),
    ]
    for path, queries in expected:
        with django_assert_num_queries(queries):
            get_json(client, API + path)


# ---------------------------------------------------------------------------
# Caching: the page cache, conditional requests, expiry after an edit


@pytest.mark.parametrize("size", [1, 4])
def test_talks_kept_in_the_cache_cost_one_query_for_their_ids(
    client, django_assert_num_queries, size
):
    _grow(size)
    get_json(client, f"{API}/talks/")
    with django_assert_num_queries(1):  # the ids; the count and every talk are kept
        get_json(client, f"{API}/talks/?expand=speakers", schema="TalkPage")


def test_a_renamed_speaker_shows_in_talks_kept_in_the_cache(client, archive):
    url = f"{API}/talks/?kind=keynote&expand=speakers"
    assert get_json(client, url)["results"][0]["speakers"][0]["name"] == "Ada Lovelace"
    ada = archive["speakers"][0]
    ada.name = "Ada King"
    ada.save()
    assert get_json(client, url)["results"][0]["speakers"][0]["name"] == "Ada King"
    assert get_json(client, f"{API}/talks/?kind=keynote&page_size=5")["results"][0]["speakers"] == [
        "ada-lovelace",
        "bo-brown",
    ]


def test_lists_are_cached_and_an_edit_shows_on_the_next_request(client, archive):
    url = f"{API}/talks/?conference=djangocon-us-2019"
    client.get(url)
    assert client.get(url)["X-Confnotes-Cache"] == "hit"
    everything = f"{API}/talks/"
    client.get(everything)
    assert client.get(everything)["X-Confnotes-Cache"] == "hit"

    talk = archive["talks"][0]
    talk.title = "Opening keynote, renamed"
    talk.save()

    assert titles(get_json(client, url))[0] == "Opening keynote, renamed"
    assert titles(get_json(client, everything))[0] == "Opening keynote, renamed"
    detail = get_json(client, f"{API}/conferences/djangocon-us-2019/talks/opening-keynote/")
    assert detail["title"] == "Opening keynote, renamed"


def test_unpublishing_a_conference_empties_its_lists(client, archive):
    assert len(get_json(client, f"{API}/talks/")["results"]) == 3
    Conference.objects.filter(pk=archive["conference"].pk).update(published=False)
    from talks.freshness import publication_changed

    publication_changed(Conference, [archive["conference"].pk])
    data = get_json(client, f"{API}/talks/")
    assert (data["count"], data["results"]) == (0, [])


@pytest.mark.parametrize("cached", [False, True])
def test_conditional_requests_get_304(client, archive, cached):
    url = f"{API}/talks/"
    first = client.get(url)
    if cached:
        assert client.get(url)["X-Confnotes-Cache"] == "hit"
    etag, modified = first["ETag"], first["Last-Modified"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    talk = archive["talks"][0]
    talk.title = "Changed"
    talk.save()
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_page_scopes_of_api_paths():
    from django.test import RequestFactory

    from talks.freshness import page_scopes

    def scopes(url):
        return page_scopes(RequestFactory().get(url))

    assert scopes("/api/") == ["api"]
    assert scopes("/api/v1/schema.json") == ["api"]
    assert scopes("/api/v1/talks/") == ["search"]
    assert scopes("/api/v1/talks/?conference=x&tag=y") == ["conference:x"]
    assert scopes("/api/v1/talks/?speaker=s&cursor=abc") == ["speaker:s"]
    assert scopes("/api/v1/talks/?tag=y") == ["tag:y"]
    assert scopes("/api/v1/days/?conference=x") == ["conference:x"]
    assert scopes("/api/v1/conferences/?year=2019") == ["conferences"]
    assert scopes("/api/v1/conferences/x/talks/t/") == ["conference:x"]
    assert scopes("/api/v1/speakers/s/") == ["speaker:s"]
    assert scopes("/api/v1/tags/y/") == ["tag:y"]
    assert scopes("/api/v1/notes/") == ["notes"]
    # Parameters an endpoint does not read are never stored (they are answered 400).
    assert scopes("/api/v1/talks/?utm_source=x") is None
    assert scopes("/api/v1/talks/?kind=a&kind=b") is None
    assert scopes("/api/v1/speakers/s/?cursor=x") is None
    assert scopes("/api/v1/?x=1") is None


# ---------------------------------------------------------------------------
# Throttle


def test_throttle_answers_429_past_the_limit_per_address(client, settings):
    settings.CONFNOTES_API_THROTTLE = "3/minute"
    for size in (1, 2, 3):  # three answers the cache does not hold yet
        get_json(client, f"{API}/talks/?page_size={size}")
    response = client.get(f"{API}/talks/?page_size=4")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["Access-Control-Allow-Origin"] == "*"
    check_shape(response.json(), "Error")
    assert "3/minute" in response.json()["detail"]
    # A 429 is never kept for the next reader.
    assert client.get(f"{API}/talks/?page_size=4", REMOTE_ADDR="10.0.0.3").status_code == 200
    # Another address has its own count; pages outside the API have none.
    get_json(client, f"{API}/talks/?page_size=5", REMOTE_ADDR="10.0.0.2")
    assert client.get("/conferences/").status_code == 200


def test_throttle_counts_only_what_the_cache_does_not_answer(client, settings):
    settings.CONFNOTES_API_THROTTLE = "2/minute"
    url = f"{API}/talks/?page_size=1"
    get_json(client, url)  # counted: 1
    for _ in range(3):  # hits: served, not counted
        assert client.get(url)["X-Confnotes-Cache"] == "hit"
    get_json(client, f"{API}/talks/?page_size=2")  # counted: 2
    assert client.get(f"{API}/talks/?page_size=3").status_code == 429
    # Past the limit, what the cache holds is still served...
    assert client.get(url)["X-Confnotes-Cache"] == "hit"
    # ...but not to a request the cache never answers (a session cookie's).
    client.cookies[settings.SESSION_COOKIE_NAME] = "anything"
    assert client.get(url).status_code == 429


def test_throttle_reads_the_trusted_proxy_address(client, settings):
    settings.CONFNOTES_API_THROTTLE = "1/hour"
    settings.CONFNOTES_API_TRUSTED_PROXIES = 1
    forwarded = {"HTTP_X_FORWARDED_FOR": "203.0.113.7, 198.51.100.1"}
    assert client.get(f"{API}/talks/?page_size=1", **forwarded).status_code == 200
    assert client.get(f"{API}/talks/?page_size=2", **forwarded).status_code == 429
    # A client cannot escape by making up addresses left of the proxy's.
    spoofed = {"HTTP_X_FORWARDED_FOR": "1.2.3.4, 198.51.100.1"}
    assert client.get(f"{API}/talks/?page_size=3", **spoofed).status_code == 429
    assert (
        client.get(f"{API}/talks/?page_size=4", HTTP_X_FORWARDED_FOR="192.0.2.9").status_code == 200
    )


# ---------------------------------------------------------------------------
# HTML pages link their JSON twin


def _twin(html: str) -> str:
    match = re.search(r'<link rel="alternate" type="application/json" href="([^"]+)">', html)
    return match.group(1) if match else ""


def test_pages_link_their_json_twin(client, archive):
    pages = {
        "/djangocon-us-2019/": f"{API}/conferences/djangocon-us-2019/",
        "/djangocon-us-2019/day-1/": f"{API}/conferences/djangocon-us-2019/days/day-1/",
        "/djangocon-us-2019/talks/opening-keynote/": (
            f"{API}/conferences/djangocon-us-2019/talks/opening-keynote/"
        ),
        "/speakers/ada-lovelace/": f"{API}/speakers/ada-lovelace/",
        "/tags/python/": f"{API}/tags/python/",
        "/conferences/": f"{API}/conferences/",
        "/conferences/2019/": f"{API}/conferences/?year=2019",
        "/series/djangocon-us/": f"{API}/conferences/?series=DjangoCon%20US",
        "/speakers/": f"{API}/speakers/",
        "/tags/": f"{API}/tags/",
    }
    for page, twin in pages.items():
        response = client.get(page)
        assert response.status_code == 200, page
        assert _twin(response.content.decode()) == twin, page
        assert client.get(twin).status_code == 200, twin
    assert _twin(client.get("/").content.decode()) == ""


def test_old_slugs_answer_301_to_the_resource_under_its_slug_of_today(client, archive):
    conference = archive["conference"]
    day, talk, speaker = archive["days"][0], archive["talks"][0], archive["speakers"][0]
    old_day, old_talk, old_speaker = day.slug, talk.slug, speaker.slug
    conference.slug, day.slug, talk.slug = "djangocon-us-2019-sd", "monday", "opening"
    speaker.slug = "ada-byron"
    for row in (conference, day, talk, speaker):
        row.save()
    old, new = f"{API}/conferences/djangocon-us-2019", f"{API}/conferences/djangocon-us-2019-sd"

    expected = {
        f"{old}/?expand=days": f"{new}/?expand=days",
        f"{old}/talks/opening/": f"{new}/talks/opening/",
        f"{new}/talks/{old_talk}/": f"{new}/talks/opening/",
        f"{new}/days/{old_day}/": f"{new}/days/monday/",
        f"{API}/speakers/{old_speaker}/": f"{API}/speakers/ada-byron/",
    }
    for asked, location in expected.items():
        response = client.get(asked)
        assert response.status_code == 301, asked
        assert response["Location"] == location
        assert response["Access-Control-Allow-Origin"] == "*"
        check_shape(response.json(), "Moved")
    assert get_json(client, f"{new}/talks/opening/")["title"] == "Opening keynote"
    # A draft's old slug tells nothing of its new one.
    draft = archive["draft"]
    draft.slug = "secret-conf-2031"
    draft.save()
    get_json(client, f"{API}/conferences/secret-conf-2030/", status=404)


def test_answers_are_in_english_whatever_the_readers_language(client, archive):
    url = f"{API}/conferences/djangocon-us-2019/days/{archive['days'][0].slug}/"
    english = client.get(url)
    german = client.get(url, headers={"accept-language": "de"})

    assert german.json() == english.json()
    assert german.json()["label"] == "Day 1"
    assert german["Content-Language"] == "en"
    bad = client.get(f"{API}/talks/?page_size=0", headers={"accept-language": "de"})
    assert bad.status_code == 400 and bad["Content-Language"] == "en"
