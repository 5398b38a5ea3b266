"""talks.importers.bulk.insert: the importers' plain-SQL inserts store what bulk_create stores."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from speakers.models import Speaker
from talks.importers.bulk import insert
from talks.models import Link, Talk
from talks.tests.factories import make_day, make_talk

pytestmark = pytest.mark.django_db

COMPARED = [f.attname for f in Talk._meta.concrete_fields if f.name not in ("id", "slug")]


def talks_like(day, prefix: str) -> list[Talk]:
    """Unsaved talks whose fields take every kind of value the Talk model stores."""
    return [
        Talk(
            conference=day.conference,
            day=day,
            slug=f"{prefix}-full",
            title="Ünïcode & <markup> “quotes”",
            position=3,
            start_time=datetime.time(9, 30, 15),
            duration=datetime.timedelta(minutes=25, seconds=7),
            language="de",
            # What COPY's text format escapes: a tab, a line break, a backslash, its null.
            abstract="Some *Markdown*.\n\tIndented, with a \\ and a \\N.",
            abstract_html="<p>Some <em>Markdown</em>.</p>",
            video_url="https://video.example/1",
            source="pyvideo",
            external_id=f"{prefix}/full",
            extra={"pyvideo": {"record": {"tags": ["a", "b"], "n": 1.5, "none": None}}},
        ),
        Talk(conference=day.conference, day=day, slug=f"{prefix}-bare", title="Bare"),
    ]


def test_insert_stores_the_values_bulk_create_stores():
    day = make_day()
    made = Talk.objects.bulk_create(talks_like(day, "orm"))
    inserted = talks_like(day, "sql")

    insert(Talk, inserted)

    def stored(talks):
        rows = Talk.objects.filter(pk__in=[t.pk for t in talks]).order_by("pk")
        return [
            {k: v for k, v in row.items() if k not in ("created", "updated", "external_id")}
            for row in rows.values(*COMPARED)
        ]

    assert stored(inserted) == stored(made)
    full = Talk.objects.get(pk=inserted[0].pk)
    assert full.abstract == "Some *Markdown*.\n\tIndented, with a \\ and a \\N."
    assert full.extra == {"pyvideo": {"record": {"tags": ["a", "b"], "n": 1.5, "none": None}}}
    assert full.duration == datetime.timedelta(minutes=25, seconds=7)
    assert full.external_id == "sql/full"


def test_insert_gives_each_instance_its_key_across_batches():
    day = make_day()
    make_talk(day, title="Already there")
    talks = [
        Talk(conference=day.conference, day=day, slug=f"t{n}", title=f"T{n}") for n in range(5)
    ]

    with CaptureQueriesContext(connection) as queries:
        insert(Talk, talks, batch_size=2)

    # SQLite: INSERTs of 2 + 2 + 1 rows; PostgreSQL: the five keys, then one COPY.
    assert len(queries) == (3 if connection.vendor == "sqlite" else 2)
    assert [Talk.objects.get(pk=talk.pk).title for talk in talks] == [f"T{n}" for n in range(5)]
    assert all(not talk._state.adding and talk._state.db == "default" for talk in talks)


def test_insert_fills_auto_now_fields_as_save_does():
    before = datetime.datetime.now(datetime.UTC)
    day = make_day()
    talk = Talk(conference=day.conference, day=day, slug="stamped", title="Stamped")
    assert talk.created is None

    insert(Talk, [talk])

    stored = Talk.objects.get(pk=talk.pk)
    assert stored.created >= before
    assert stored.updated >= before


def test_insert_without_returning_leaves_keys_unread():
    talk = make_talk()
    links = [Link(talk_id=talk.pk, url=f"https://slides.example/{n}", position=n) for n in (1, 2)]

    with CaptureQueriesContext(connection) as queries:
        insert(Link, links, returning=False)

    assert "RETURNING" not in queries[0]["sql"]
    assert [link.pk for link in links] == [None, None]
    assert list(talk.links.order_by("position").values_list("url", "kind")) == [
        ("https://slides.example/1", "other"),  # the field's default, as bulk_create gives
        ("https://slides.example/2", "other"),
    ]


def test_insert_of_nothing_runs_no_query():
    with CaptureQueriesContext(connection) as queries:
        insert(Speaker, [])
    assert len(queries) == 0


def test_a_row_the_database_refuses_raises_djangos_error():
    """The importers turn Django's DatabaseError into a failed event; COPY's errors too."""
    day = make_day()
    make_talk(day, slug="taken")
    again = Talk(conference=day.conference, day=day, slug="taken", title="Again")

    with pytest.raises(IntegrityError), transaction.atomic():
        insert(Talk, [again])

    assert list(Talk.objects.values_list("slug", flat=True)) == ["taken"]
