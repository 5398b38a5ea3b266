import datetime

import pytest

from talks.models import Conference, Day, Link, Note, Talk, TalkSpeaker
from talks.tests.factories import (
    make_conference,
    make_day,
    make_full_day,
    make_note,
    make_speaker,
    make_talk,
    make_user,
)

pytestmark = pytest.mark.django_db


def _inline_management(prefix, total=0, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def test_admin_requires_staff(client):
    user = make_user()
    client.force_login(user)

    response = client.get("/admin/talks/talk/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_admin_anonymous_redirected_to_login(client):
    response = client.get("/admin/talks/note/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        ("/admin/talks/conference/", 8),
        ("/admin/talks/day/", 6),
        ("/admin/talks/talk/", 6),
        ("/admin/talks/note/", 8),
    ],
)
@pytest.mark.parametrize("size", [1, 3])
def test_admin_changelists_query_count_constant(
    admin_client, django_assert_num_queries, url, queries, size
):
    days = [make_full_day(2) for _ in range(size)]
    with django_assert_num_queries(queries):
        response = admin_client.get(url)
    html = response.content.decode()
    if "conference" in url:
        assert all(day.conference.name in html for day in days)
    elif "/talk/" in url:
        assert all(talk.title in html for day in days for talk in day.talks.all())
    elif "note" in url:
        assert html.count('<td class="field-byline_column">Wendy Writer') == 3 * size
    else:
        assert all(f">{day}</a>" in html for day in days)


def test_admin_creates_conference_with_days_inline(admin_client):
    data = {
        "name": "DjangoCon Test 2031",
        "slug": "djangocon-test-2031",
        "series": "DjangoCon Test",
        "start_date": "2031-09-08",
        "end_date": "2031-09-10",
        "recap": "A **fine** week.",
        "tags": "django, python",
        "published": "on",
        **_inline_management("days", total=2),
        **_inline_management("notes"),
        "days-0-date": "2031-09-08",
        "days-0-position": "0",
        "days-0-title": "Tutorials",
        "days-0-published": "on",
        "days-1-date": "2031-09-09",
        "days-1-position": "0",
        "days-1-title": "",
        "days-1-published": "on",
    }

    response = admin_client.post("/admin/talks/conference/add/", data)

    assert response.status_code == 302, response.content.decode()[:3000]
    conference = Conference.objects.get(slug="djangocon-test-2031")
    assert conference.recap_html == "<p>A <strong>fine</strong> week.</p>"
    assert list(conference.days.values_list("slug", "position")) == [("tutorials", 1), ("day-2", 2)]
    assert sorted(conference.tags.names()) == ["django", "python"]


def test_admin_edits_talk_with_ordered_speakers_links_tags_and_note(admin_client, admin_user):
    day = make_day()
    talk = make_talk(day, title="Dive into bytecode")
    alex, chris = make_speaker(name="Alex G"), make_speaker(name="Chris H")
    data = {
        "day": str(day.pk),
        "title": "Dive into CPython bytecode",
        "slug": talk.slug,
        "kind": "lightning",
        "tags": "bytecode, cpython",
        "position": "2",
        "start_time": "",
        "duration": "00:05:00",
        "room": "Ballroom",
        "track": "",
        "language": "en",
        "abstract": "Meet the `dis` module.",
        "slides_url": "https://slides.example.org/dis",
        "video_url": "https://archive.org/details/pyvideo_14",
        **_inline_management("talk_speakers", total=2),
        "talk_speakers-0-position": "1",
        "talk_speakers-0-speaker": str(chris.pk),
        "talk_speakers-1-position": "0",
        "talk_speakers-1-speaker": str(alex.pk),
        **_inline_management("links", total=1),
        "links-0-position": "0",
        "links-0-kind": "blog",
        "links-0-title": "Write-up",
        "links-0-url": "https://blog.example.org/dis",
        **_inline_management("notes", total=1),
        "notes-0-body": "Short and *nerdy*.",
        "notes-0-published": "on",
    }

    response = admin_client.post(f"/admin/talks/talk/{talk.pk}/change/", data)

    assert response.status_code == 302, response.content.decode()[:3000]
    talk.refresh_from_db()
    assert talk.title == "Dive into CPython bytecode"
    assert talk.duration == datetime.timedelta(minutes=5)
    assert [ts.speaker.name for ts in TalkSpeaker.objects.filter(talk=talk)] == [
        "Alex G",
        "Chris H",
    ]
    assert sorted(talk.tags.names()) == ["bytecode", "cpython"]
    assert Link.objects.get(talk=talk).url == "https://blog.example.org/dis"
    note = Note.objects.get(talk=talk)
    assert [author.user for author in note.author_list] == [admin_user]  # who saved it
    assert note.body_html == "<p>Short and <em>nerdy</em>.</p>"
    assert note.published_at is not None


def test_admin_shows_rendered_markdown_preview(admin_client):
    talk = make_talk(abstract="# Heading\n\n<script>alert(1)</script> and *text*")

    html = admin_client.get(f"/admin/talks/talk/{talk.pk}/change/").content.decode()

    assert "<h1>Heading</h1>" in html
    assert "<em>text</em>" in html
    assert "<script>alert(1)</script>" not in html


def test_admin_speaker_autocomplete_finds_speakers(admin_client):
    make_speaker(name="Jessica Rose")
    make_speaker(name="Someone Else")

    response = admin_client.get(
        "/admin/autocomplete/",
        {
            "term": "jess",
            "app_label": "talks",
            "model_name": "talkspeaker",
            "field_name": "speaker",
        },
    )

    names = [row["text"] for row in response.json()["results"]]
    assert names == ["Jessica Rose"]


def test_admin_publish_and_unpublish_actions(admin_client):
    day = make_day()
    draft = make_note(talk=make_talk(day), published=False)
    conference = make_conference(published=False)

    admin_client.post("/admin/talks/note/", {"action": "publish", "_selected_action": [draft.pk]})
    admin_client.post(
        "/admin/talks/conference/", {"action": "publish", "_selected_action": [conference.pk]}
    )

    draft.refresh_from_db()
    conference.refresh_from_db()
    assert draft.published and draft.published_at is not None
    assert conference.published

    admin_client.post("/admin/talks/note/", {"action": "unpublish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert not draft.published


def test_admin_note_needs_one_subject(admin_client):
    response = admin_client.post(
        "/admin/talks/note/add/", {"body": "Floating note", "published": "on"}
    )

    assert response.status_code == 200
    assert "A note is about one talk, one day or one conference" in response.content.decode()
    assert not Note.objects.exists()


def test_admin_refuses_reserved_conference_slug(admin_client):
    response = admin_client.post(
        "/admin/talks/conference/add/",
        {
            "name": "Speakers",
            "slug": "speakers",
            "tags": "",
            **_inline_management("days"),
            **_inline_management("notes"),
        },
    )

    assert response.status_code == 200
    assert "reserved" in response.content.decode()
    assert not Conference.objects.exists()


def test_admin_creates_day_with_talks_inline(admin_client):
    conference = make_conference()
    data = {
        "conference": str(conference.pk),
        "date": "2031-01-02",
        "position": "0",
        "title": "",
        "slug": "",
        "published": "on",
        "summary": "",
        **_inline_management("talks", total=2),
        "talks-0-position": "1",
        "talks-0-title": "Opening",
        "talks-0-kind": "keynote",
        "talks-1-position": "2",
        "talks-1-title": "Dinner",
        "talks-1-kind": "social",
        **_inline_management("notes"),
    }

    response = admin_client.post("/admin/talks/day/add/", data)

    assert response.status_code == 302, response.content.decode()[:3000]
    day = Day.objects.get(conference=conference)
    assert list(day.talks.values_list("title", "kind", "conference_id")) == [
        ("Opening", "keynote", conference.pk),
        ("Dinner", "social", conference.pk),
    ]
    assert (
        Talk.objects.get(title="Dinner").get_absolute_url() == f"/{conference.slug}/talks/dinner/"
    )
