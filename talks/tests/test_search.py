import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from taggit.models import Tag

from talks.importers.pyvideo import import_pyvideo
from talks.models import Day, Kind, Note, TaggedTalk, Talk
from talks.search import (
    GRAMS_TABLE,
    QUERY_MAX_CHARS,
    TABLE,
    SearchFilters,
    fts5_query,
    leave_to_import,
    search_index_size,
    search_index_talks,
    search_rebuild,
    search_talks,
    search_terms,
)
from talks.signals import content_imported
from talks.tests.factories import (
    make_conference,
    make_day,
    make_note,
    make_speaker,
    make_talk,
)
from talks.tests.pyvideo_samples import video, write_event, write_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the index updates queued for commit as each block ends, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def titles(results) -> list[str]:
    return [hit.talk.title for hit in results.hits]


def found(query, **filters) -> list[str]:
    return titles(search_talks(query, filters=SearchFilters(**filters)))


# ---------------------------------------------------------------------------
# Ranking and excerpts


def test_title_and_speaker_matches_rank_above_notes_only_match(committed):
    with committed():
        day = make_day()
        in_notes = make_talk(day, title="Deploying on a budget")
        make_note(
            talk=in_notes,
            body="A long evening of war stories. " * 5 + "Someone mentioned pelican once. " * 3,
        )
        in_abstract = make_talk(
            day, title="Static sites", abstract="Generators compared, pelican among them."
        )
        by_speaker = make_talk(
            day, title="Keynote", speakers=[make_speaker(name="Pat Pelican")], kind=Kind.KEYNOTE
        )
        in_title = make_talk(day, title="Pelican from the inside")

    results = search_talks("pelican")

    ranked = titles(results)
    # Title and speakers weigh the same on PostgreSQL (both A); either may lead.
    assert set(ranked[:2]) == {in_title.title, by_speaker.title}
    assert ranked[2:] == [in_abstract.title, in_notes.title]
    assert results.total == 4


def test_every_word_must_match(committed):
    with committed():
        day = make_day()
        make_talk(day, title="Async views")
        make_talk(day, title="Async ORM in practice")

    assert found("async orm") == ["Async ORM in practice"]
    assert sorted(found("async")) == ["Async ORM in practice", "Async views"]
    assert found("async cobol") == []


def test_words_match_other_forms_and_case(committed):
    with committed():
        make_talk(title="Testing Django applications")

    assert found("TESTS") == ["Testing Django applications"]
    assert found("application") == ["Testing Django applications"]


def test_snippet_highlights_and_escapes_text(client, committed):
    with committed():
        talk = make_talk(
            title="Templates",
            abstract="Since 3 < 4, `<b>bold</b>` & `<img src=x onerror=alert(1)>` teapot.",
        )

    hit = search_talks("teapot").hits[0]
    html = client.get("/search/", {"q": "teapot"}).content.decode()

    assert hit.talk == talk
    assert hit.snippet_source == "abstract"
    assert "<mark>teapot</mark>" in hit.snippet
    assert "3 &lt; 4" in hit.snippet
    assert "&amp;" in hit.snippet
    assert "<b>" not in hit.snippet
    assert "<img" not in hit.snippet
    if connection.vendor == "sqlite":
        # PostgreSQL's excerpts leave out text that looks like an HTML tag.
        assert "&lt;b&gt;bold&lt;/b&gt;" in hit.snippet
        assert "&lt;img src=x onerror=alert(1)&gt;" in hit.snippet
    assert "<mark>teapot</mark>" in html
    assert "<img src=x" not in html


def test_snippet_comes_from_notes_when_only_they_match(client, committed):
    with committed():
        talk = make_talk(title="Lightning talks", abstract="Five minutes each.")
        make_note(talk=talk, body="The third one was about **zeppelins** and <i>physics</i>.")

    hit = search_talks("zeppelins").hits[0]
    html = client.get("/search/", {"q": "zeppelins"}).content.decode()

    assert hit.snippet_source == "notes"
    assert "<mark>zeppelins</mark>" in hit.snippet
    assert "From the notes:" in html


def test_speaker_alias_and_tag_are_searchable(committed):
    from speakers.models import SpeakerAlias

    with committed():
        speaker = make_speaker(name="Amber Brown")
        SpeakerAlias.objects.create(speaker=speaker, name="HawkOwl")
        make_talk(title="Twisted today", speakers=[speaker], tags=["networking"])

    assert found("hawkowl") == ["Twisted today"]
    assert found("networking") == ["Twisted today"]


def test_documents_hold_each_published_talk_with_its_people_tags_and_notes():
    from speakers.models import SpeakerAlias
    from talks.search import _documents

    day = make_day()
    amber, glyph = make_speaker(name="Amber Brown"), make_speaker(name="Glyph Lefkowitz")
    SpeakerAlias.objects.create(speaker=amber, name="HawkOwl")
    full = make_talk(
        day, title="Twisted <today>", speakers=[glyph, amber], tags=["zeta", "alpha"],
        abstract="An *abstract*.",
    )  # fmt: skip
    make_note(talk=full, body="First **note**.")
    make_note(talk=full, body="A draft.", published=False)
    make_note(talk=full, body="Second note.")
    hidden = make_talk(make_day(day.conference, published=False), title="Hidden day")
    draft = make_talk(make_day(make_conference(published=False)), title="Draft conference")
    bare = make_talk(day, title="Bare")
    ids = sorted(t.pk for t in (full, hidden, draft, bare))

    documents = sorted(_documents("default", "in", ids))  # in no particular order

    conference, kind = day.conference_id, Kind.TALK
    tag_ids = sorted(full.tags.values_list("pk", flat=True))
    assert documents == [
        (
            full.pk,
            (conference, kind, "", tag_ids),
            (
                "Twisted <today>",
                "Glyph Lefkowitz · Amber Brown · HawkOwl",
                "alpha · zeta",
                "An abstract.",
                "First note. … Second note.",
            ),
        ),
        (bare.pk, (conference, kind, "", []), ("Bare", "", "", "", "")),
    ]
    assert sorted(_documents("default", "range", (ids[0], ids[-1]))) == documents


def test_unicode_words_are_found(committed):
    with committed():
        make_talk(title="Straße und Python")
        make_talk(title="東京 meetup")

    assert found("straße") == ["Straße und Python"]
    assert found("東京") == ["東京 meetup"]


@pytest.mark.parametrize(
    "query", ["node.js", "node", "js", "3.12", "python 3.12", "example.com", "example"]
)
def test_words_joined_by_dots_are_found_by_each_part(committed, query):
    with committed():
        make_talk(title="Node.js and Python 3.12 at example.com")

    assert found(query) == ["Node.js and Python 3.12 at example.com"]


# ---------------------------------------------------------------------------
# Hostile input

HOSTILE_QUERIES = [
    '"',
    '""',
    "'",
    '"unterminated phrase',
    'foo" OR "bar',
    "AND",
    "OR",
    "NOT",
    "NEAR",
    "NEAR(pelican talk)",
    "NEAR/2",
    "pelican*",
    "*",
    "^pelican",
    "title:pelican",
    "title : pelican",
    "{title speakers}:pelican",
    "-pelican",
    "pelican -deploy",
    "(",
    ")",
    "((pelican)",
    "pelican AND",
    "OR pelican",
    "pelican NOT",
    "+pelican",
    "pelican & deploy | x ! y <-> z",
    "pelican:*",
    "'; DROP TABLE talks_talk; --",
    "%",
    "_",
    "\\",
    "\x00",
    "\ue000pelican\ue001",
    "🦤 pelican",
    "Ünïcödé ÄÖÜ ß",
    "日本語のトーク",
    "   ",
    "\t\n",
    "",
    "pelican " * 500,
    "x" * 10_000,
]


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_hostile_queries_never_error(client, committed, query):
    with committed():
        make_talk(title="Pelican talk")

    results = search_talks(query)
    response = client.get("/search/", {"q": query})

    assert response.status_code == 200
    assert results.total == len(results.hits)
    assert results.total <= 1


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("NOT", "NOT a regression"),
        ("OR", "OR-tools for planning"),
        ("AND", "AND gates in Python"),
        ("NEAR", "NEAR protocol"),
        ('"NEAR"', "NEAR protocol"),
        ("python:gates", "AND gates in Python"),
        ("planning*", "OR-tools for planning"),
        ("(regression)", "NOT a regression"),
    ],
)
def test_operators_are_plain_words(committed, query, title):
    with committed():
        day = make_day()
        for each in ("NOT a regression", "OR-tools for planning", "AND gates in Python"):
            make_talk(day, title=each)
        make_talk(day, title="NEAR protocol")

    assert title in found(query)


def test_each_term_is_quoted_for_fts5():
    assert search_terms('a"b NEAR( -c * node.js') == ["a", "b", "NEAR", "c", "node", "js"]
    assert fts5_query(['say "hi"', "NEAR"]) == '"say ""hi""" "NEAR"'
    assert search_terms("  ") == []
    assert len(search_terms("word " * 100)) == 12
    assert search_terms("x" * 1000) == ["x" * QUERY_MAX_CHARS]


def test_empty_query_shows_friendly_empty_state(client, django_assert_num_queries, committed):
    with committed():
        make_talk(title="Pelican talk")

    with django_assert_num_queries(0):
        response = client.get("/search/", {"q": "   "})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Find a talk" in html
    assert "Pelican talk" not in html


def test_no_match_says_so(client, committed):
    with committed():
        make_talk(title="Pelican talk")

    html = client.get("/search/", {"q": "albatross"}).content.decode()

    assert "No published talk matches “albatross”" in html


# ---------------------------------------------------------------------------
# Drafts


def test_drafts_are_never_found(client, committed):
    with committed():
        public = make_talk(title="Public pelican")
        make_note(talk=public, body="A draft about albatross", published=False)
        make_talk(make_day(make_conference(published=False)), title="Secret pelican")
        make_talk(make_day(published=False), title="Hidden day pelican")

    assert found("pelican") == ["Public pelican"]
    assert found("albatross") == []
    html = client.get("/search/", {"q": "pelican"}).content.decode()
    assert "Public pelican" in html
    assert "Secret pelican" not in html
    assert "Hidden day pelican" not in html


# ---------------------------------------------------------------------------
# Facets


@pytest.fixture
def two_conferences(committed):
    with committed():
        old = make_conference(
            name="Old Conf", start_date=datetime.date(2009, 9, 8), end_date=None, slug="old-conf"
        )
        new = make_conference(
            name="New Conf", start_date=datetime.date(2019, 9, 8), end_date=None, slug="new-conf"
        )
        make_talk(make_day(old), title="Python in 2009", tags=["history"], language="en")
        make_talk(
            make_day(new),
            title="Python keynote",
            kind=Kind.KEYNOTE,
            tags=["history"],
            language="en",
        )
        make_talk(make_day(new), title="Python typing", tags=["types"], language="de")
    return old, new


def test_facets_count_matches(two_conferences):
    results = search_talks("python")

    facets = {
        name: {value.value: value.count for value in values}
        for name, values in results.facets.items()
    }
    assert results.total == 3
    assert facets == {
        "conference": {"new-conf": 2, "old-conf": 1},
        "year": {"2019": 2, "2009": 1},
        "kind": {"talk": 2, "keynote": 1},
        "tag": {"history": 2, "types": 1},
        "language": {"en": 2, "de": 1},
    }


def test_language_facet_narrows_and_names_languages(client, two_conferences):
    results = search_talks("python", filters=SearchFilters.from_query({"language": "de"}))
    assert [hit.talk.title for hit in results.hits] == ["Python typing"]
    assert {value.label for value in search_talks("python").facets["language"]} == {
        "English",
        "German",
    }

    html = client.get("/search/?q=python").content.decode()
    assert '<a href="?q=python&amp;language=de">German</a>' in html
    narrowed = client.get("/search/?q=python&language=de").content.decode()
    assert "Python typing" in narrowed
    assert "Python keynote" not in narrowed
    # A malformed language is dropped, not an error.
    assert SearchFilters.from_query({"language": "<script>"}).language == ""


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plan")
def test_facets_read_talks_from_their_index_not_their_rows(two_conferences):
    with CaptureQueriesContext(connection) as queries:
        search_talks("python", filters=SearchFilters(kind="talk"))
    facet_sql = queries.captured_queries[0]["sql"]

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {facet_sql}")
        plan = " | ".join(row[-1] for row in cursor.fetchall())

    assert "USING COVERING INDEX talk_facets" in plan, plan


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"conference": "old-conf"}, ["Python in 2009"]),
        ({"year": "2019"}, ["Python keynote", "Python typing"]),
        ({"kind": "keynote"}, ["Python keynote"]),
        ({"tag": "history"}, ["Python in 2009", "Python keynote"]),
        ({"tag": "history", "year": "2019"}, ["Python keynote"]),
        ({"kind": "keynote", "conference": "old-conf"}, []),
        # Malformed or unknown filters are dropped, never an error.
        ({"year": "20x9"}, ["Python in 2009", "Python keynote", "Python typing"]),
        ({"kind": "<script>"}, ["Python in 2009", "Python keynote", "Python typing"]),
        ({"conference": "no such/slug"}, ["Python in 2009", "Python keynote", "Python typing"]),
    ],
)
def test_facet_filters_narrow(client, two_conferences, params, expected):
    results = search_talks("python", filters=SearchFilters.from_query(params))
    response = client.get("/search/", {"q": "python", **params})

    assert sorted(titles(results)) == expected
    assert response.status_code == 200
    html = response.content.decode()
    for title in ["Python in 2009", "Python keynote", "Python typing"]:
        assert (f">{title}</a>" in html) == (title in expected)


def test_facet_links_add_and_remove_filters(client, two_conferences):
    html = client.get("/search/", {"q": "python"}).content.decode()

    assert (
        'href="?q=python&amp;conference=old-conf">Old Conf</a> <span class="count">1</span>' in html
    )
    assert 'href="?q=python&amp;year=2019">2019</a> <span class="count">2</span>' in html
    assert 'href="?q=python&amp;kind=keynote">Keynote</a>' in html
    assert 'href="?q=python&amp;tag=history">history</a> <span class="count">2</span>' in html

    narrowed = client.get("/search/", {"q": "python", "year": "2019"}).content.decode()

    assert 'href="?q=python" aria-current="true">2019</a>' in narrowed
    assert 'href="?q=python&amp;year=2019&amp;kind=keynote">Keynote</a>' in narrowed
    assert 'Narrowed to\n  year “2019” (<a href="?q=python">remove' in narrowed


# ---------------------------------------------------------------------------
# Query counts and pagination


def _archive(size: int):
    for n in range(size):
        day = make_day(make_conference())
        for i in range(3):
            talk = make_talk(
                day,
                title=f"Pelican talk {n}-{i}",
                speakers=[make_speaker(), make_speaker()],
                tags=[f"topic-{i}", "birds"],
                abstract="All about *birds*.",
            )
            make_note(talk=talk, body="Pelicans everywhere.")


@pytest.mark.parametrize("size", [1, 4])
def test_search_query_count_constant(client, django_assert_num_queries, committed, size):
    with committed():
        _archive(size)

    # The facets, the tag facet and the page's hits (one query on PostgreSQL, three on
    # SQLite), their excerpts, the talks, their speakers.
    with django_assert_num_queries(4 if connection.vendor == "postgresql" else 6):
        response = client.get("/search/", {"q": "pelican", "tag": "birds"})

    html = response.content.decode()
    assert html.count('class="talk-row"') == 3 * size
    assert html.count("<mark>") >= 3 * size


def test_search_prints_the_rows_the_cache_keeps_until_their_talk_changes(
    client, django_assert_num_queries, committed
):
    with committed():
        _archive(2)
    client.get("/search/", {"q": "pelican"})  # renders the six rows, and keeps them

    # Another page of results with the same talks: their rows come from the cache, so
    # their speakers are not read again.
    with django_assert_num_queries(3 if connection.vendor == "postgresql" else 5):
        response = client.get("/search/", {"q": "pelican", "tag": "birds"})
    assert response.content.decode().count('class="talk-row"') == 6

    speaker = Talk.objects.get(title="Pelican talk 1-2").speakers.first()
    speaker.name = "Renamed Ornithologist"
    with committed():
        speaker.save()

    html = client.get("/search/", {"q": "pelican", "tag": "birds"}).content.decode()
    assert html.count("Renamed Ornithologist") == 1


@pytest.mark.parametrize("size", [1, 4])
def test_search_without_matches_query_count_constant(
    client, django_assert_num_queries, committed, size
):
    with committed():
        _archive(size)

    with django_assert_num_queries(1):
        response = client.get("/search/", {"q": "albatross"})

    assert "No published talk matches" in response.content.decode()


def test_pagination_keeps_query_and_filters(client, committed):
    with committed():
        day = make_day()
        for n in range(25):
            make_talk(day, title=f"Pelican number {n:02d}", kind=Kind.LIGHTNING)

    first = client.get("/search/", {"q": "pelican", "kind": "lightning"}).content.decode()
    second = client.get("/search/", {"q": "pelican", "kind": "lightning", "page": "2"})

    assert first.count('class="talk-row"') == 20
    assert '<a rel="next" href="?q=pelican&amp;kind=lightning&amp;page=2">' in first
    assert "25 talks, page 1 of 2" in first
    second_html = second.content.decode()
    assert second_html.count('class="talk-row"') == 5
    assert '<ol class="search-results talk-list" start="21">' in second_html
    assert '<a rel="prev" href="?q=pelican&amp;kind=lightning&amp;page=1">' in second_html
    shown = set(re.findall(r"Pelican number \d\d", first + second_html))
    assert len(shown) == 25
    assert client.get("/search/", {"q": "pelican", "page": "3"}).status_code == 404
    assert client.get("/search/", {"q": "pelican", "page": "0"}).status_code == 404
    assert client.get("/search/", {"q": "pelican", "page": "two"}).status_code == 404


def test_hits_are_ranked_then_ordered_by_id_across_pages(committed):
    with committed():
        day = make_day()
        for n in range(5):
            make_talk(day, title=f"Talk {n:02d}", abstract="A word on pelicans.")
        make_talk(day, title="Pelicans", abstract="Nothing else.")  # the newest, and the best

    pages = [search_talks("pelican", page=n, per_page=2) for n in (1, 2, 3, 4)]

    assert [titles(page) for page in pages] == [
        ["Pelicans", "Talk 00"],
        ["Talk 01", "Talk 02"],
        ["Talk 03", "Talk 04"],
        [],
    ]
    assert {page.total for page in pages} == {6}


def test_tag_facet_lists_the_most_frequent_tags_first_then_by_name(committed):
    with committed():
        day = make_day()
        make_talk(day, title="Pelican one", tags=["zeta", "common"])
        make_talk(day, title="Pelican two", tags=["alpha", "common"])
        make_talk(day, title="Pelican three", tags=["mid"])
        make_talk(day, title="Albatross", tags=["common", "beta"])

    tags = search_talks("pelican").facets["tag"]

    assert [(tag.label, tag.count) for tag in tags] == [
        ("common", 2),
        ("alpha", 1),
        ("mid", 1),
        ("zeta", 1),
    ]


def facet_counts(results) -> dict[str, dict[str, int]]:
    return {
        name: {value.value: value.count for value in values}
        for name, values in results.facets.items()
    }


def test_facets_follow_a_talks_kind_language_conference_and_tags(committed):
    with committed():
        old = make_conference(slug="old-conf", start_date=datetime.date(2009, 9, 8), end_date=None)
        new = make_conference(slug="new-conf", start_date=datetime.date(2019, 9, 8), end_date=None)
        talk = make_talk(make_day(old), title="Pelican talk", tags=["pelicans"], language="en")
        make_talk(make_day(old), title="Pelican keynote", kind=Kind.KEYNOTE, tags=["pelicans"])
    with committed():
        talk.kind = Kind.LIGHTNING
        talk.language = "de"
        talk.day = make_day(new)
        talk.conference = new
        talk.save()
        talk.tags.set(["gannets"])

    assert facet_counts(search_talks("pelican")) == {
        "conference": {"new-conf": 1, "old-conf": 1},
        "year": {"2019": 1, "2009": 1},
        "kind": {Kind.LIGHTNING: 1, Kind.KEYNOTE: 1},
        "tag": {"gannets": 1, "pelicans": 1},
        "language": {"de": 1},
    }
    assert found("pelican", kind=Kind.LIGHTNING) == ["Pelican talk"]
    assert found("pelican", kind=Kind.TALK) == []
    assert found("pelican", language="de") == ["Pelican talk"]
    assert found("pelican", conference="new-conf") == ["Pelican talk"]
    assert found("pelican", year=2019) == ["Pelican talk"]
    assert found("pelican", tag="gannets") == ["Pelican talk"]
    assert found("pelican", tag="pelicans") == ["Pelican keynote"]


def test_tag_facet_follows_a_tag_merge(committed):
    from talks.tags import tags_merge

    with committed():
        day = make_day()
        make_talk(day, title="Pelican one", tags=["birds"])
        make_talk(day, title="Pelican two", tags=["seabirds"])
        make_talk(day, title="Pelican three", tags=["birds", "seabirds"])
    with committed():
        tags_merge(keep=Tag.objects.get(name="birds"), others=[Tag.objects.get(name="seabirds")])

    assert facet_counts(search_talks("pelican"))["tag"] == {"birds": 3}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's index table")
def test_search_rows_hold_each_talks_facets(committed):
    with committed():
        talk = make_talk(title="Pelican talk", kind=Kind.KEYNOTE, language="fr", tags=["b", "a"])
        bare = make_talk(talk.day, title="Bare")

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT talk_id, conference_id, kind, language, tag_ids FROM {TABLE} ORDER BY talk_id"
        )
        rows = cursor.fetchall()

    tag_ids = sorted(talk.tags.values_list("pk", flat=True))
    conference = talk.conference_id
    assert rows == [
        (talk.pk, conference, Kind.KEYNOTE, "fr", tag_ids),
        (bare.pk, conference, Kind.TALK, "", []),
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's storage")
def test_what_every_search_reads_is_kept_in_its_row():
    # Moved out to the TOAST table only when nothing else makes the row fit in a page
    # (MAIN): the vector (migration 0006) and the tag ids (0015).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname, attstorage FROM pg_attribute WHERE attrelid = %s::regclass "
            "AND attname IN ('document', 'tag_ids') ORDER BY attname",
            [TABLE],
        )
        assert cursor.fetchall() == [("document", "m"), ("tag_ids", "m")]


def test_a_talk_with_thousands_of_tags_is_indexed(committed):
    # Its tag ids do not fit in a page: PostgreSQL must still be able to move them out
    # of the index's row (migration 0015).
    with committed():
        talk = make_talk(title="Pelican talk")
    tags = Tag.objects.bulk_create(Tag(name=f"bird {n}", slug=f"bird-{n}") for n in range(3000))
    TaggedTalk.objects.bulk_create(TaggedTalk(content_object=talk, tag=tag) for tag in tags)

    assert search_index_talks([talk.pk]) == 1

    results = search_talks("pelican")
    assert titles(results) == ["Pelican talk"]
    assert [value.count for value in results.facets["tag"]] == [1] * 20


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's GIN indexes")
def test_search_indexes_keep_a_short_pending_list():
    # Every search reads a GIN index's pending entries one by one (migration 0015).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reloptions FROM pg_class WHERE relname IN (%s, %s) ORDER BY relname",
            [f"{TABLE}_document", f"{GRAMS_TABLE}_document"],
        )
        assert cursor.fetchall() == [
            (f"{TABLE}_document", ["gin_pending_list_limit=1024"]),
            (f"{GRAMS_TABLE}_document", ["gin_pending_list_limit=1024"]),
        ]


def test_search_box_in_every_page_header(client, committed):
    with committed():
        talk = make_talk(title="Pelican talk")

    for url in ["/", "/conferences/", talk.get_absolute_url(), "/search/?q=pelican"]:
        html = client.get(url).content.decode()
        header = html[html.index('<header class="site-header">') : html.index("</header>")]
        assert 'role="search" action="/search/" method="get"' in header
        assert '<label for="site-search-q">Search talks</label>' in header
        assert 'id="site-search-q" type="search" name="q"' in header


# ---------------------------------------------------------------------------
# Keeping the index in sync


def test_index_follows_talk_save_and_delete(committed):
    with committed():
        talk = make_talk(title="Pelican talk")
    with committed():
        talk.title = "Albatross talk"
        talk.save()

    assert found("albatross") == ["Albatross talk"]
    assert found("pelican") == []

    with committed():
        talk.delete()

    assert found("albatross") == []
    assert search_index_size() == 0


def test_index_follows_speaker_rename_and_removal(committed):
    with committed():
        speaker = make_speaker(name="Pat Pelican")
        talk = make_talk(title="Keynote", speakers=[speaker])
    with committed():
        speaker.name = "Alex Albatross"
        speaker.save()

    assert found("albatross") == ["Keynote"]
    assert found("pelican") == []

    with committed():
        talk.speakers.remove(speaker)
    assert found("albatross") == []

    with committed():
        talk.speakers.add(speaker)
    assert found("albatross") == ["Keynote"]

    with committed():
        speaker.talks.clear()
    assert found("albatross") == []


def test_index_follows_tags(committed):

    with committed():
        talk = make_talk(title="Keynote", tags=["pelicans"])
    with committed():
        talk.tags.add("albatrosses")
    assert found("albatrosses") == ["Keynote"]

    with committed():
        tag = Tag.objects.get(name="pelicans")
        tag.name = "gannets"
        tag.save()
    assert found("gannets") == ["Keynote"]
    assert found("pelicans") == []

    with committed():
        talk.tags.clear()
    assert found("gannets") == []


def test_index_follows_notes(committed):
    with committed():
        talk = make_talk(title="Keynote")
        note = make_note(talk=talk, body="Pelicans in the notes.", published=False)
    assert found("pelicans") == []

    with committed():
        note.published = True
        note.save()
    assert found("pelicans") == ["Keynote"]

    with committed():
        note.delete()
    assert found("pelicans") == []


def test_a_moved_note_leaves_its_old_talk(committed):
    with committed():
        alpha = make_talk(title="Alpha")
        hidden = make_talk(make_day(published=False), title="Hidden")
        note = make_note(talk=alpha, body="A quokka in the notes.")
    assert found("quokka") == ["Alpha"]

    with committed():
        note = Note.objects.get(pk=note.pk)  # as the admin loads it
        note.talk = hidden
        note.save()

    assert found("quokka") == []  # neither the old talk nor the draft day's


def test_index_follows_deleted_aliases_speakers_and_conferences(committed):
    from speakers.models import SpeakerAlias

    with committed():
        speaker = make_speaker(name="Amber Brown")
        alias = SpeakerAlias.objects.create(speaker=speaker, name="HawkOwl")
        talk = make_talk(title="Twisted today", speakers=[speaker])
    with committed():
        alias.delete()
    assert found("hawkowl") == []
    assert found("amber") == ["Twisted today"]

    with committed():
        speaker.delete()
    assert found("amber") == []
    assert found("twisted") == ["Twisted today"]

    with committed():
        talk.conference.delete()
    assert found("twisted") == []


def test_index_follows_publishing_of_day_and_conference(committed):
    with committed():
        talk = make_talk(title="Pelican talk")
    day, conference = talk.day, talk.conference

    with committed():
        day.published = False
        day.save()
    assert found("pelican") == []

    with committed():
        day.published = True
        day.save()
    assert found("pelican") == ["Pelican talk"]

    with committed():
        conference.published = False
        conference.save()
    assert found("pelican") == []

    with committed():
        conference.published = True
        conference.save()
    assert found("pelican") == ["Pelican talk"]

    with committed():
        day.delete()
    assert found("pelican") == []
    assert search_index_size() == 0


def test_rolled_back_changes_leave_the_index_alone(committed):
    from django.db import transaction

    with committed():
        talk = make_talk(title="Pelican talk")
        try:
            with transaction.atomic():
                Talk.objects.filter(pk=talk.pk).update(title="Albatross")
                talk.refresh_from_db()
                talk.save()
                raise RuntimeError("abandon")
        except RuntimeError:
            pass
        talk.refresh_from_db()
        talk.abstract = "About gannets."
        talk.save()

    assert found("gannets") == ["Pelican talk"]
    assert found("albatross") == []


def test_import_signal_reindexes_conferences_in_bulk(committed):
    conference = make_conference()
    day = make_day(conference)
    # Importers write past save() and its signals, then announce what they wrote.
    Talk.objects.bulk_create(
        [
            Talk(conference=conference, day=day, title=f"Imported pelican {n}", slug=f"t{n}")
            for n in range(3)
        ]
    )
    assert found("imported") == []

    content_imported.send(sender="test", conference_ids=[conference.pk])

    assert sorted(found("imported")) == [f"Imported pelican {n}" for n in range(3)]


def test_an_import_indexes_each_talk_it_writes_once(committed, tmp_path):
    # The conference row the import saves would reindex its talks on commit, and the
    # import's announcement reindexes them again: the first is left to the second.
    talks = {f"t{n}": video(title=f"Pelican talk {n}", speakers=["Ann Gannet"]) for n in range(2)}
    event = write_event(tmp_path, "pelican-con-2021", talks)

    with CaptureQueriesContext(connection) as queries, committed():
        import_pyvideo([event])

    deletes = [q for q in queries.captured_queries if q["sql"].startswith(f"DELETE FROM {TABLE} ")]
    assert len(deletes) == 1
    assert sorted(found("pelican")) == ["Pelican talk 0", "Pelican talk 1"]
    assert sorted(found("gannet")) == ["Pelican talk 0", "Pelican talk 1"]


def test_a_talk_an_import_removes_leaves_the_index(committed, tmp_path):
    talks = {f"t{n}": video(id=n, title=f"Pelican talk {n}") for n in (1, 2)}
    event = write_event(tmp_path, "pelican-con-2021", talks)
    with committed():
        import_pyvideo([event])
    assert sorted(found("pelican")) == ["Pelican talk 1", "Pelican talk 2"]

    # Listed in NO_PUBLISH.json after its import: the next import deletes the talk,
    # while it updates the other (so the import is announced and reindexed).
    write_json(tmp_path / "NO_PUBLISH.json", [2])
    write_json(event / "videos" / "t1.json", video(id=1, title="Pelican talk one"))
    with committed():
        import_pyvideo([tmp_path])

    assert found("pelican") == ["Pelican talk one"]
    assert search_index_size() == 1  # no row left behind for the deleted talk


def indexed_titles(talks) -> list[str]:
    """The titles the index table holds for these talks: its rows, before any query filters."""
    id_column = "rowid" if connection.vendor == "sqlite" else "talk_id"
    ids = [talk.pk for talk in talks]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT title FROM {TABLE} WHERE {id_column} IN ({', '.join(['%s'] * len(ids))}) "
            "ORDER BY title",
            ids,
        )
        return [title for (title,) in cursor.fetchall()]


def test_import_signal_drops_unpublished_talks(committed):
    with committed():
        conference = make_conference()
        unpublished_day = make_day(conference)
        dropped = make_talk(unpublished_day, title="Pelican talk")
        kept = make_talk(make_day(conference), title="Gannet talk")
    # Importers write past save() and its signals: the index still holds the talk.
    Day.objects.filter(pk=unpublished_day.pk).update(published=False)
    assert indexed_titles([dropped, kept]) == ["Gannet talk", "Pelican talk"]

    content_imported.send(sender="test", conference_ids=[conference.pk])

    assert indexed_titles([dropped, kept]) == ["Gannet talk"]
    assert search_index_size() == 1


def test_rebuild_command_indexes_every_published_talk(committed):
    day = make_day()
    make_talk(day, title="Pelican one")
    make_talk(day, title="Pelican two")
    make_talk(make_day(make_conference(published=False)), title="Pelican draft")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM talks_search")
    assert found("pelican") == []

    out = io.StringIO()
    call_command("rebuild_search_index", stdout=out)

    assert "Indexed 2 published talks" in out.getvalue()
    assert sorted(found("pelican")) == ["Pelican one", "Pelican two"]
    assert search_index_size() == 2
    assert search_rebuild() == 2
    assert search_index_size() == 2


@pytest.mark.django_db(transaction=True)
def test_changes_after_a_rolled_back_import_are_indexed():
    conference = make_conference()
    day = make_day(conference)
    with pytest.raises(RuntimeError), transaction.atomic():
        leave_to_import([conference.pk])  # an import of this conference that fails
        make_talk(day, title="Never written")
        raise RuntimeError("a bad record")

    with transaction.atomic():
        make_talk(day, title="Pelican after the failed import")

    assert found("pelican") == ["Pelican after the failed import"]
    assert found("written") == []
