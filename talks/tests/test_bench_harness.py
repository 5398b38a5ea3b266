"""The building blocks of bench/run.py, without a server or a load tool (nothing is timed)."""

import pytest
from django.test import Client

from bench import run
from bench.archive import build_archive
from bench.pages import Page, measure_page, pick_pages
from bench.server import WrkResult
from confnotes.markdown import render_markdown
from confnotes.views import bench_floor
from speakers.models import Speaker
from talks.models import Conference, Day, Kind, Note, Talk, TalkSpeaker

pytestmark = pytest.mark.django_db

# The literal counts talks/tests/test_pages.py asserts for each page.
PAGE_TEST_COUNTS = {
    "home": 3,
    "archive": 4,
    "conference": 6,
    "day": 6,
    "talk": 6,
    "speaker": 6,
    "speakers": 4,
    "tag": 4,
}


def test_build_archive_makes_about_the_requested_number_of_talks():
    stats = build_archive(talks=60)

    # Whole conferences are added until the count is reached: at most one more (3 days of 34).
    assert 60 <= stats.talks < 60 + 3 * 34
    assert Talk.objects.count() == stats.talks
    assert Conference.objects.count() == stats.conferences
    assert Day.objects.count() == stats.days
    assert Note.objects.count() == stats.notes > 0
    assert Speaker.objects.count() == stats.speakers


def test_build_archive_gives_talks_speakers_tags_and_rendered_notes():
    build_archive(talks=60)

    for talk in Talk.objects.exclude(kind=Kind.BREAK).prefetch_related("tags"):
        assert 1 <= TalkSpeaker.objects.filter(talk=talk).count() <= 3
        assert 1 <= len(talk.tags.all()) <= 4
        assert "<strong>" in talk.abstract_html
    notes = list(Note.objects.filter(talk__isnull=False))
    assert all(note.body_html == render_markdown(note.body) for note in notes)
    assert all("<h2>" in note.body_html and "<li>" in note.body_html for note in notes)
    assert any("<pre><code" in note.body_html for note in notes)
    # Written differently, as people write: the search benchmark ranks what a word
    # matches, and a word in every generated note would match every noted talk.
    assert len({note.body for note in notes}) == len(notes)
    assert sum("testing" in note.body for note in notes) < len(notes) / 2
    assert all(day.slug == f"day-{day.position}" for day in Day.objects.all())


def test_build_archive_adds_to_an_existing_archive():
    first = build_archive(talks=30, seed=1)
    second = build_archive(talks=30, seed=2)

    assert Talk.objects.count() == first.talks + second.talks
    slugs = list(Conference.objects.values_list("slug", flat=True))
    assert len(slugs) == len(set(slugs))


def test_measured_query_counts_are_the_page_tests_literals():
    build_archive(talks=60)
    pages = pick_pages()

    measured = {kind: measure_page(pages[kind], Client()) for kind in PAGE_TEST_COUNTS}

    assert {kind: page.queries for kind, page in measured.items()} == PAGE_TEST_COUNTS
    # A warm page cache answers without the database.
    assert all(page.cached_queries == 0 for page in measured.values())
    assert b"items" in measured["day"].html and measured["day"].html_bytes > 1000


def test_measure_page_reports_a_missing_page_as_not_available():
    build_archive(talks=30)

    page = measure_page(Page("feed", "/no-such-conference/no-such-day/"), Client())

    assert page.available is False
    assert page.queries is None


def test_floor_view_is_not_routed_in_production(client, rf):
    assert client.get("/_bench/floor/").status_code == 404
    assert bench_floor(rf.get("/")).content == b"confnotes"


def _row(kind, variant, rps, floor_rps, unloaded=None):
    result = WrkResult(
        requests=100, seconds=1, rps=rps, p50_ms=1, p95_ms=2, p99_ms=3, errors=0, bad_status=0,
        bytes=1000,
    )  # fmt: skip
    return run.Row(
        kind, variant, queries=3, result=result, floor_share=rps / floor_rps,
        unloaded_p50_ms=unloaded,
    )  # fmt: skip


def test_budget_check_names_each_budget_missed():
    report = run.SizeReport(label="21,000 talks", talks=21000, queries={"day": 7, "tag": 5})
    report.rows = [
        _row("day", "uncached", rps=50, floor_rps=1000, unloaded=12.0),
        _row("tag", "uncached", rps=60, floor_rps=1000, unloaded=5.0),
        _row("speaker", "uncached", rps=40, floor_rps=1000, unloaded=25.0),
        _row("tag", "cached", rps=900, floor_rps=1000),
        _row("day", "304", rps=500, floor_rps=1000),
    ]
    report.deep_pages = {"tag": (10.0, 20.0)}
    report.day_html_bytes = 120 * 1024

    failures = run.check_budgets([report], {"stylesheet_bytes": 30 * 1024})

    text = "\n".join(failures)
    assert "day runs 7 queries" in text
    assert "day uncached at 5.0% of the floor" in text
    assert "day uncached unloaded p50 12.0 ms" in text
    assert "day 304 at 50.0% of the floor" in text
    assert "tag last page" in text
    assert "day page HTML" in text and "stylesheet" in text
    assert "speaker uncached at 4.0% of the floor" in text
    assert "speaker uncached unloaded p50 25.0 ms" in text
    assert "tag uncached at" not in text and "tag cached" not in text
    assert len(failures) == 9


def test_budget_check_flags_query_counts_that_grow_with_the_archive():
    small = run.SizeReport(label="500 talks", talks=500, queries={"day": 6})
    large = run.SizeReport(label="21,000 talks", talks=21000, queries={"day": 7})

    failures = run.check_budgets([small, large], {"stylesheet_bytes": 1000})

    assert any("day: query count grows with archive size" in failure for failure in failures)


def test_budget_check_accepts_fewer_queries_on_a_larger_archive():
    # The real archive's calendars have no timed talks, hence no speakers to load.
    small = run.SizeReport(label="500 talks", talks=500, queries={"calendar": 3})
    large = run.SizeReport(label="pyvideo (21,409 talks)", talks=21409, queries={"calendar": 2})

    assert run.check_budgets([small, large], {"stylesheet_bytes": 1000}) == []
