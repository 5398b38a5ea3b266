import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, transaction
from django.db.models import Q
from django.utils import timezone

from talks.models import (
    Conference,
    Day,
    LinkCheck,
    Note,
    Talk,
    days_of_conference,
    notes_of_day,
    talks_by_id,
    talks_of_day,
)
from talks.tests.factories import (
    make_conference,
    make_day,
    make_full_day,
    make_link,
    make_note,
    make_talk,
    make_user,
)
from talks.video import youtube_embed_url, youtube_id

pytestmark = pytest.mark.django_db


def test_conference_slug_filled_from_name_and_unique():
    first = make_conference(name="DjangoCon US 2019")
    second = make_conference(name="DjangoCon US 2019")

    assert first.slug == "djangocon-us-2019"
    assert second.slug == "djangocon-us-2019-2"


def test_conference_slug_never_takes_a_reserved_name():
    conference = make_conference(name="Speakers")

    assert conference.slug == "speakers-2"
    with pytest.raises(ValidationError):
        Conference(name="x", slug="admin").full_clean()


def test_conference_end_before_start_is_refused():
    with pytest.raises(IntegrityError):
        make_conference(start_date=datetime.date(2020, 1, 5), end_date=datetime.date(2020, 1, 1))


def test_conference_source_and_external_id_are_unique():
    make_conference(source="pyvideo", external_id="djangocon-2009")
    with pytest.raises(IntegrityError):
        make_conference(source="pyvideo", external_id="djangocon-2009")


def test_conference_recap_rendered_on_save():
    conference = make_conference(recap="Hello <script>alert(1)</script>**world**")

    assert conference.recap_html == "<p>Hello <strong>world</strong></p>"


def test_day_position_and_slug_default_from_date_order():
    conference = make_conference(start_date=datetime.date(2020, 5, 1), end_date=None)
    second = make_day(conference, date=datetime.date(2020, 5, 2))
    make_day(conference, date=datetime.date(2020, 5, 1), position=1, slug="opening")
    sprints = make_day(conference, date=datetime.date(2020, 5, 3), title="Sprints")

    assert (second.position, second.slug) == (1, "day-1")
    assert (sprints.position, sprints.slug) == (3, "sprints")
    assert sprints.label == "Day 3: Sprints"


def test_day_date_is_unique_per_conference():
    day = make_day()
    with pytest.raises(IntegrityError):
        make_day(day.conference, date=day.date)


def test_talk_takes_conference_from_day_and_unique_slug_within_it():
    day = make_day()
    first = make_talk(day, title="Lightning Talks")
    second = make_talk(day, title="Lightning Talks")
    elsewhere = make_talk(make_day(), title="Lightning Talks")

    assert first.conference_id == day.conference_id
    assert (first.slug, second.slug, elsewhere.slug) == (
        "lightning-talks",
        "lightning-talks-2",
        "lightning-talks",
    )


def test_talk_end_time_from_start_and_duration():
    talk = make_talk(start_time=datetime.time(23, 30), duration=datetime.timedelta(minutes=45))

    assert talk.end_time == datetime.time(0, 15)
    assert make_talk(start_time=datetime.time(9, 0)).end_time is None


def test_note_must_be_about_a_talk_or_a_day_not_both():
    talk = make_talk()
    with pytest.raises(IntegrityError), transaction.atomic():
        Note.objects.create(body="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Note.objects.create(body="x", talk=talk, day=talk.day)
    assert not Note.objects.exists()


def test_note_published_at_set_when_published_and_byline():
    draft = make_note(talk=make_talk(), published=False)
    assert draft.published_at is None

    draft.published = True
    draft.save()

    assert draft.published_at is not None
    assert draft.byline.startswith("Wendy Writer")
    assert make_note(talk=draft.talk, author_name="Rob H").byline == "Rob H"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.youtube.com/watch?v=O6-PbTPAFXw", "O6-PbTPAFXw"),
        ("https://youtu.be/O6-PbTPAFXw?t=10", "O6-PbTPAFXw"),
        ("https://www.youtube.com/embed/O6-PbTPAFXw", "O6-PbTPAFXw"),
        ("http://m.youtube.com/watch?feature=share&v=O6-PbTPAFXw", "O6-PbTPAFXw"),
        ("https://www.youtube.com/watch?v=bad", ""),
        ("https://evil.example/watch?v=O6-PbTPAFXw", ""),
        ("https://archive.org/details/pyvideo_14", ""),
        ("", ""),
        ("http://[::1", ""),
    ],
)
def test_youtube_id_recognises_only_youtube_links(url, expected):
    assert youtube_id(url) == expected


def test_youtube_embed_uses_privacy_enhanced_host():
    assert youtube_embed_url("https://youtu.be/O6-PbTPAFXw") == (
        "https://www.youtube-nocookie.com/embed/O6-PbTPAFXw"
    )


@pytest.mark.django_db
def test_talks_of_day_are_what_the_orm_gives_in_program_order(django_assert_num_queries):
    day = make_full_day(3)
    talks = list(day.talks.order_by("pk"))
    # Program order with and without start times, and another day's talk left out.
    talks[0].position, talks[0].start_time = 2, datetime.time(9, 30)
    talks[1].position, talks[1].start_time = 2, None
    talks[2].position = 1
    for talk in talks:
        talk.save()
    make_talk(make_day(day.conference), title="Another day")
    talks[0].tags.add("Zebra")
    make_link(talks[2], url="https://blog.example.org/dead", title="Write-up")
    for url, broken in [
        (talks[0].slides_url, True),
        (talks[1].video_url, True),
        ("https://blog.example.org/dead", True),
        (talks[2].slides_url, False),
    ]:
        LinkCheck.objects.create(
            url=url,
            checked_at=timezone.now(),
            failing_since=datetime.datetime(2026, 3, 2, 10, tzinfo=datetime.UTC),
            broken=broken,
        )
    day = Day.objects.select_related("conference").get(pk=day.pk)

    with django_assert_num_queries(4):  # talks, speakers, tags, links
        fast = talks_of_day(day)
    orm = list(Talk.objects.for_list().with_link_health().with_links().filter(day=day))

    def seen(talk):
        return (
            talk.pk,
            talk.title,
            talk.start_time,
            talk.slides_failing_since,
            talk.video_failing_since,
            [(s.pk, s.name, s.slug) for s in talk.listed_speakers()],
            [(t.pk, t.name, t.slug) for t in talk.listed_tags()],
            [(ln.url, ln.kind_label, ln.failing_since) for ln in talk.listed_links()],
        )

    assert [seen(talk) for talk in fast] == [seen(talk) for talk in orm]
    since = datetime.datetime(2026, 3, 2, 10, tzinfo=datetime.UTC)
    by_pk = {talk.pk: talk for talk in fast}
    assert fast[0].pk == talks[2].pk  # position 1 first
    assert len(fast) == 3
    assert by_pk[talks[0].pk].slides_failing_since == since
    assert by_pk[talks[1].pk].video_failing_since == since
    assert by_pk[talks[2].pk].slides_failing_since is None  # checked, not broken
    assert by_pk[talks[2].pk].listed_links()[-1].failing_since == since
    assert all(talk.day is day and talk.conference is day.conference for talk in fast)


@pytest.mark.django_db
def test_talks_by_id_are_what_the_orm_gives_with_one_object_per_conference_and_day(
    django_assert_num_queries,
):
    day = make_full_day(3)
    draft_day = make_day(day.conference, published=False)
    hidden = make_talk(draft_day, title="On a draft day", tags=["python"])
    other = make_talk(
        make_day(make_conference(start_date=None, end_date=None)),
        title="Undated",
        start_time=datetime.time(10, 5),
        duration=datetime.timedelta(minutes=25),
    )
    ids = [*day.talks.values_list("pk", flat=True), hidden.pk, other.pk]

    with django_assert_num_queries(3):  # talks with conference and day, speakers, tags
        fast = talks_by_id(ids)
    with django_assert_num_queries(2):  # no tags asked for
        public = talks_by_id(ids, public=True, tags=False)
    orm = Talk.objects.for_list().in_bulk(ids)

    def seen(talk):
        return (
            talk.title,
            talk.get_absolute_url(),
            talk.kind_label,
            talk.start_time,
            talk.duration,
            (talk.conference.name, talk.conference.start_date, talk.conference.published),
            (talk.day.date, talk.day.label, talk.day.published),
            [(s.pk, s.name, s.slug) for s in talk.listed_speakers()],
            [(t.pk, t.name, t.slug) for t in talk.listed_tags()],
        )

    assert {pk: seen(talk) for pk, talk in fast.items()} == {
        pk: seen(talk) for pk, talk in orm.items()
    }
    assert hidden.pk not in public and set(public) == set(ids) - {hidden.pk}
    shared = [talk for talk in fast.values() if talk.day_id == day.pk]
    assert len({id(talk.day) for talk in shared}) == 1
    assert len({id(talk.conference) for talk in fast.values()}) == 2
    assert fast[other.pk].end_time == datetime.time(10, 30)
    assert talks_by_id([]) == {}


@pytest.mark.django_db
def test_days_and_notes_of_a_day_page_are_what_the_orm_gives(django_assert_num_queries):
    day = make_full_day(2)
    draft_day = make_day(day.conference, published=False)
    talk = day.talks.first()
    make_note(talk=talk, author_name="Rob H", published=False)
    make_note(day=day, body="Unsigned.")
    Note.objects.filter(day=day).update(author=None, author_name="")
    make_note(day=day, author=make_user(first_name="", last_name="", username="quietwriter"))
    make_note(day=day, body="Signed.")
    make_note(talk=make_talk(make_day()), body="Elsewhere.")
    talk_ids = list(day.talks.values_list("pk", flat=True))

    with django_assert_num_queries(2):
        days = days_of_conference(day.conference.slug, public=True)
        notes = notes_of_day(day, talk_ids)
        bylines = [note.byline for note in notes]  # no query per author
    staff_days = days_of_conference(day.conference.slug, public=False)
    orm = (
        Note.objects.select_related("author")
        .filter(Q(day=day) | Q(talk__in=talk_ids))
        .order_by("created", "pk")
    )

    assert [d.pk for d in days] == [day.pk]
    assert [d.pk for d in staff_days] == [day.pk, draft_day.pk]
    assert days[0].conference.name == day.conference.name
    assert [(n.pk, n.published, n.body_html, n.published_at) for n in notes] == [
        (n.pk, n.published, n.body_html, n.published_at) for n in orm
    ]
    assert bylines == [n.byline for n in orm]
    assert {"Rob H", "Anonymous", "quietwriter"} <= set(bylines)
    assert any(b.startswith("Wendy Writer") for b in bylines)
    assert days_of_conference("no-such-conference", public=False) == []


@pytest.mark.django_db(transaction=True)
def test_row_plans_serve_every_thread_with_its_own_connection():
    day = make_full_day(1)
    assert talks_by_id([day.talks.get().pk])  # the plan is made in this thread
    results, errors = [], []

    def read():
        try:
            results.append(talks_by_id([day.talks.get().pk]))
            results.append(days_of_conference(day.conference.slug, public=True))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()

    assert errors == []
    assert [d.pk for d in results[1]] == [day.pk]
