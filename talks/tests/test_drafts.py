"""Every reader honours drafts: no page, feed, calendar, sitemap or search result
shows a draft conference, a draft day or a draft note to the public."""

import datetime

import pytest

from talks.search import search_rebuild
from talks.tests.factories import make_conference, make_day, make_note, make_speaker, make_talk

pytestmark = pytest.mark.django_db

# Each draft carries a word of its own; none of them may reach the public.
MARKERS = ("Quokkadraft", "Wombatday", "Numbatnote", "Dingospeaker", "bilbytag")


@pytest.fixture
def archive():
    """A public conference with a draft day and a draft note; a draft conference."""
    public = make_conference(
        name="Open Conf", start_date=datetime.date(2024, 5, 1), end_date=datetime.date(2024, 5, 2)
    )
    open_day = make_day(public, date=datetime.date(2024, 5, 1))
    draft_day = make_day(public, date=datetime.date(2024, 5, 2), published=False)
    speaker = make_speaker(name="Ann Gannet")
    talk = make_talk(
        open_day,
        title="Open talk",
        speakers=[speaker],
        tags=["seabirds"],
        start_time=datetime.time(10),
        duration=datetime.timedelta(minutes=30),
    )
    make_note(talk=talk, body="Public notes on the open talk.")
    make_note(talk=talk, body="Numbatnote draft notes.", published=False)
    make_note(day=open_day, body="Numbatnote draft day notes.", published=False)
    make_talk(
        draft_day,
        title="Wombatday talk",
        speakers=[speaker, make_speaker(name="Dingospeaker Two")],
        tags=["seabirds", "bilbytag"],
        start_time=datetime.time(11),
    )
    hidden = make_conference(name="Quokkadraft Conf", published=False)
    hidden_talk = make_talk(
        make_day(hidden),
        title="Quokkadraft talk",
        speakers=[speaker, make_speaker(name="Dingospeaker One")],
        tags=["seabirds", "bilbytag"],
        start_time=datetime.time(9),
    )
    make_note(talk=hidden_talk, body="Quokkadraft notes, published in a draft conference.")
    search_rebuild()
    return {"public": public, "day": open_day, "talk": talk, "speaker": speaker}


def _public_urls(archive):
    conference, day, talk = archive["public"], archive["day"], archive["talk"]
    return [
        "/",
        "/conferences/",
        "/conferences/2024/",
        conference.get_absolute_url(),
        day.get_absolute_url(),
        talk.get_absolute_url(),
        "/speakers/",
        archive["speaker"].get_absolute_url(),
        "/tags/",
        "/tags/seabirds/",
        "/search/?q=talk",
        "/search/?q=seabirds",
        "/feeds/notes/",
        f"/{conference.slug}/feed/",
        f"{archive['speaker'].get_absolute_url()}feed/",
        "/tags/seabirds/feed/",
        f"/{conference.slug}/calendar.ics",
        f"{day.get_absolute_url()}calendar.ics",
        "/sitemap-conferences.xml",
        "/sitemap-days.xml",
        "/sitemap-talks.xml",
        "/sitemap-speakers.xml",
        "/sitemap-tags.xml",
    ]


def test_public_pages_show_no_draft(client, archive):
    for url in _public_urls(archive):
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode().lower()
        # The page shows the public content, so the absences below mean something.
        assert any(word in text for word in ("open", "seabirds", "gannet")), url
        for marker in MARKERS:
            assert marker.lower() not in text, f"{marker} on {url}"


def test_drafts_own_pages_answer_404_to_the_public(client, archive):
    from talks.models import Conference, Day, Talk

    hidden = Conference.objects.get(name="Quokkadraft Conf")
    draft_day = Day.objects.get(published=False)
    urls = [
        hidden.get_absolute_url(),
        hidden.days.get().get_absolute_url(),
        Talk.objects.get(title="Quokkadraft talk").get_absolute_url(),
        draft_day.get_absolute_url(),
        Talk.objects.get(title="Wombatday talk").get_absolute_url(),
        "/speakers/dingospeaker-one/",
        "/speakers/dingospeaker-one/feed/",
        "/tags/bilbytag/",
        "/tags/bilbytag/feed/",
        f"/{hidden.slug}/feed/",
        f"/{hidden.slug}/calendar.ics",
        f"{draft_day.get_absolute_url()}calendar.ics",
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url


def test_staff_see_the_drafts_they_may_publish(admin_client, archive):
    html = admin_client.get(archive["day"].get_absolute_url()).content.decode()
    assert "Numbatnote draft day notes" in html
    html = admin_client.get(archive["speaker"].get_absolute_url()).content.decode()
    assert "Quokkadraft talk" in html and "Wombatday talk" in html


def test_counts_leave_drafts_out(client, archive):
    """Counts printed beside names count public rows only (the draft note, the draft
    day's talk and the draft conference's talk are all the speaker's or the talk's)."""
    speakers = client.get("/speakers/").content.decode()
    assert 'Ann Gannet</a> <span class="meta">1 talk</span>' in speakers
    conference = client.get(archive["public"].get_absolute_url()).content.decode()
    assert '<span class="meta">1 note</span>' in conference
    assert "1 talk," in conference  # its description: the draft day's talk is not counted
    tags = client.get("/tags/").content.decode()
    assert 'seabirds</a> <span class="count">1</span>' in tags


def test_pages_staff_saw_first_show_the_public_no_draft(admin_client, client, archive):
    """Lists kept in the cache for staff (with drafts) are never served to the public."""
    for url in _public_urls(archive):
        admin_client.get(url)
    for url in _public_urls(archive):
        text = client.get(url).content.decode().lower()
        for marker in MARKERS:
            assert marker.lower() not in text, f"{marker} on {url}"


def test_staff_see_drafts_on_the_conference_and_talk_pages(admin_client, archive):
    html = admin_client.get(archive["public"].get_absolute_url()).content.decode()
    assert "Wombatday talk" in html
    html = admin_client.get(archive["talk"].get_absolute_url()).content.decode()
    assert "Numbatnote draft notes" in html
