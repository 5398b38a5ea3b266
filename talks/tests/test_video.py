"""Video players, start offsets and time codes: talks/video.py and what uses it."""

import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from speakers.models import Speaker
from talks.exporters.pyvideo import export_pyvideo
from talks.exporters.schedule import export_schedule
from talks.freshness import page_scopes
from talks.importers.pyvideo import import_pyvideo
from talks.importers.schedule import import_schedule
from talks.models import Conference, Note, Talk
from talks.tests.factories import make_conference, make_day, make_note, make_talk
from talks.tests.pyvideo_samples import video, write_event
from talks.timestamps import format_time_code, parse_time_code
from talks.video import (
    offset_seconds,
    player_url,
    split_offset,
    url_with_offset,
    video_url_at,
)

YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
ARCHIVE = "https://archive.org/details/pyvideo_14___lightning-talks-day-2"


# ---------------------------------------------------------------------------
# talks/video.py


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (YOUTUBE, "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        ("https://youtu.be/dQw4w9WgXcQ?t=5", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        ("https://vimeo.com/123456", "https://player.vimeo.com/video/123456?dnt=1"),
        ("https://vimeo.com/channels/staffpicks/42", "https://player.vimeo.com/video/42?dnt=1"),
        ("https://player.vimeo.com/video/42", "https://player.vimeo.com/video/42?dnt=1"),
        (ARCHIVE, "https://archive.org/embed/pyvideo_14___lightning-talks-day-2"),
        ("http://www.archive.org/embed/x.y-z", "https://archive.org/embed/x.y-z"),
        ("https://vimeo.com/channels/staffpicks", ""),
        ("https://archive.org/search?query=django", ""),
        ("https://archive.org/details/<script>", ""),
        ("https://evil.example/details/x", ""),
        ("https://www.youtube.com/watch?v=short", ""),
        ("javascript:alert(1)//vimeo.com/42", ""),
        ("http://[::1", ""),
        ("", ""),
    ],
)
def test_player_url_for_each_archive_and_none_for_others(url, expected):
    assert player_url(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (YOUTUBE, "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=569&end=857"),
        ("https://vimeo.com/42", "https://player.vimeo.com/video/42?dnt=1#t=569s"),
        (ARCHIVE, "https://archive.org/embed/pyvideo_14___lightning-talks-day-2?start=569&end=857"),
    ],
)
def test_player_starts_and_ends_where_the_archive_can(url, expected):
    assert player_url(url, start=569, end=857) == expected


@pytest.mark.parametrize(
    ("url", "bare", "start", "end"),
    [
        ("https://youtu.be/Wjev_fLNeOU?t=1126", "https://youtu.be/Wjev_fLNeOU", 1126, None),
        (f"{YOUTUBE}&t=3h33m23s", YOUTUBE, 12803, None),
        ("https://www.youtube.com/embed/dQw4w9WgXcQ?start=3&end=70",
         "https://www.youtube.com/embed/dQw4w9WgXcQ", 3, 70),
        ("https://vimeo.com/42#t=1m2s", "https://vimeo.com/42", 62, None),
        ("http://archive.org/details/x?start=5&end=9&a=b", "http://archive.org/details/x?a=b", 5, 9),
        ("https://archive.org/details/x?start=9&end=5", "https://archive.org/details/x", 9, None),
        (f"{YOUTUBE}&t=soon", f"{YOUTUBE}&t=soon", None, None),  # unreadable: kept
        ("https://example.org/v?t=5", "https://example.org/v?t=5", None, None),
    ],
)  # fmt: skip
def test_split_offset_reads_each_archive_and_url_with_offset_writes_it_back(url, bare, start, end):
    assert split_offset(url) == (bare, start, end)
    if start is not None:
        assert split_offset(url_with_offset(bare, start, end)) == (bare, start, end)


def test_url_with_offset_leaves_unknown_links_and_no_offset_alone():
    assert url_with_offset("https://example.org/v", 5, 9) == "https://example.org/v"
    assert url_with_offset(YOUTUBE, None) == YOUTUBE


def test_video_url_at_can_end_on_archive_org():
    assert video_url_at(ARCHIVE, 9, 310) == f"{ARCHIVE}?start=9&end=310"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("754", 754), ("754s", 754), ("12m34s", 754), ("1h", 3600), ("", None), ("-5", None)],
)
def test_offset_seconds(text, seconds):
    assert offset_seconds(text) == seconds


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("9:29", 569), ("0:09", 9), ("1:02:03", 3723), ("569", 569), (" 75:00 ", 4500),
     ("9:60", None), ("1:60:00", None), ("nine", None), ("9.29", None), ("٣", None)],
)  # fmt: skip
def test_parse_time_code(text, seconds):
    assert parse_time_code(text) == seconds


def test_format_time_code():
    assert [format_time_code(s) for s in (9, 569, 3723)] == ["0:09", "9:29", "1:02:03"]


# ---------------------------------------------------------------------------
# The talk: offsets, players and links


@pytest.mark.django_db
def test_talk_end_must_come_after_its_start():
    talk = make_talk(video_url=YOUTUBE)
    talk.video_start, talk.video_end = 60, 30
    with pytest.raises(ValidationError, match="end must come after its start"):
        talk.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        talk.save()
    talk.video_start, talk.video_end = None, 30  # from the recording's start
    talk.full_clean()
    talk.save()


@pytest.mark.django_db
def test_talk_video_link_and_player_start_at_its_offset():
    talk = make_talk(video_url=ARCHIVE, video_start=9, video_end=310)
    assert talk.video_link == f"{ARCHIVE}?start=9"
    assert talk.video_embed_url == (
        "https://archive.org/embed/pyvideo_14___lightning-talks-day-2?start=9&end=310"
    )
    assert talk.video_player_host == "the Internet Archive"
    plain = make_talk(video_url="https://videos.example.org/talk.mp4", video_start=9)
    assert plain.video_link == "https://videos.example.org/talk.mp4"
    assert plain.video_embed_url == ""


@pytest.mark.django_db
def test_talk_page_asks_before_loading_a_player(client):
    talk = make_talk(title="Bytecode", video_url=ARCHIVE, video_start=9)

    html = client.get(talk.get_absolute_url()).content.decode()

    assert "<iframe" not in html
    assert 'href="?play=1"' in html and "Play here" in html
    assert "loads the player from the Internet Archive" in html
    assert 'name="robots"' not in html
    assert "<script src=" not in html  # the page reads, and plays, without JavaScript


@pytest.mark.django_db
def test_player_page_embeds_the_player_and_is_not_indexed(client):
    talk = make_talk(title="Bytecode", video_url=ARCHIVE, video_start=9, video_end=310)
    url = talk.get_absolute_url()

    html = client.get(f"{url}?play=1").content.decode()

    src = "https://archive.org/embed/pyvideo_14___lightning-talks-day-2?start=9&amp;end=310"
    assert f'<iframe src="{src}" title="Video of Bytecode"' in html
    assert "Play here" not in html
    assert '<meta name="robots" content="noindex">' in html
    assert f'<link rel="canonical" href="http://testserver{url}">' in html


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["?play=2", "?play=x", "?play=", "?play=1&play=1x", "?foo=1"])
def test_other_play_values_show_the_plain_page(client, query):
    talk = make_talk(video_url=YOUTUBE)

    response = client.get(f"{talk.get_absolute_url()}{query}")

    assert response.status_code == 200
    assert "<iframe" not in response.content.decode()


@pytest.mark.django_db
def test_player_page_without_an_embeddable_video_has_no_player(client):
    talk = make_talk(video_url="https://videos.example.org/talk.mp4")
    html = client.get(f"{talk.get_absolute_url()}?play=1").content.decode()
    assert "<iframe" not in html and "Play here" not in html


def test_player_page_is_never_stored_in_the_page_cache(rf):
    assert page_scopes(rf.get("/conf/talks/t/")) == ["conference:conf"]
    assert page_scopes(rf.get("/conf/talks/t/", {"play": "1"})) is None


@pytest.mark.django_db
def test_csp_allows_exactly_the_three_players(client):
    talk = make_talk(video_url=YOUTUBE)

    response = client.get(f"{talk.get_absolute_url()}?play=1")

    directives = dict(
        d.strip().split(" ", 1) for d in response["Content-Security-Policy"].split(";")
    )
    assert directives["frame-src"].split() == [
        "https://www.youtube-nocookie.com",
        "https://player.vimeo.com",
        "https://archive.org",
    ]
    assert directives["script-src"] == "'self'"


@pytest.mark.django_db
def test_video_links_on_talk_and_day_pages_start_at_the_offset(client):
    talk = make_talk(title="Bytecode", video_url=YOUTUBE, video_start=569)
    make_note(talk=talk)  # the day page prints noted items in full
    at = (
        'href="https://www.youtube.com/watch?v=dQw4w9WgXcQ&amp;t=569" rel="nofollow noopener">Video'
    )

    assert at in client.get(talk.get_absolute_url()).content.decode()
    assert at in client.get(talk.day.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_json_ld_has_the_talk_as_a_clip_of_its_recording(client):
    talk = make_talk(title="Bytecode", video_url=YOUTUBE, video_start=9, video_end=310)

    html = client.get(talk.get_absolute_url()).content.decode()

    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    video = next(d for d in map(json.loads, blocks) if d["@type"] == "VideoObject")
    assert video["embedUrl"] == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    assert video["hasPart"] == {
        "@type": "Clip",
        "name": "Bytecode",
        "startOffset": 9,
        "endOffset": 310,
        "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=9",
    }


@pytest.mark.django_db
def test_json_ld_of_a_whole_recording_has_no_clip(client):
    talk = make_talk(video_url=YOUTUBE)
    html = client.get(talk.get_absolute_url()).content.decode()
    assert "VideoObject" in html and "Clip" not in html


# ---------------------------------------------------------------------------
# Time codes in abstracts and notes


@pytest.mark.django_db
def test_abstract_chapter_list_links_into_the_video():
    talk = make_talk(
        video_url=ARCHIVE,
        abstract="- (00:09) Dive into CPython Bytecode\n- 9:29 Daniele\n- 1:02:03 – Q&A\n\n"
        "We met at 9:30 for coffee.",
    )
    html = talk.abstract_html
    assert f'(<a href="{ARCHIVE}?start=9" title="Watch the video from 00:09"' in html
    assert f'<li><a href="{ARCHIVE}?start=569" title="Watch the video from 9:29"' in html
    assert f'<li><a href="{ARCHIVE}?start=3723"' in html
    assert "We met at 9:30 for coffee." in html


@pytest.mark.django_db
def test_changing_the_video_re_renders_abstract_and_chapter_notes():
    talk = make_talk(video_url="", abstract="- 4:24 Marshall")
    note = make_note(talk=talk, body="- 9:29 Daniele\n- (14:17) Rodrigo")
    assert "<a" not in talk.abstract_html + note.body_html
    assert Note.objects.filter(pk=note.pk).rerender() == 0  # found, nothing to change

    talk.video_url = "https://vimeo.com/99"
    talk.save()

    note.refresh_from_db()
    assert 'href="https://vimeo.com/99#t=569s"' in note.body_html
    assert 'href="https://vimeo.com/99#t=857s"' in note.body_html
    assert 'href="https://vimeo.com/99#t=264s"' in Talk.objects.get(pk=talk.pk).abstract_html


@pytest.mark.django_db
def test_note_time_codes_are_the_recordings_own_time():
    talk = make_talk(video_url=YOUTUBE, video_start=569)
    note = make_note(talk=talk, body="Questions at [1:00].")
    assert 'href="https://www.youtube.com/watch?v=dQw4w9WgXcQ&amp;t=60"' in note.body_html


# ---------------------------------------------------------------------------
# Admin


@pytest.mark.django_db
def test_admin_edits_the_offset_as_a_time_code(admin_client):
    talk = make_talk(video_url=YOUTUBE, video_start=569)
    url = f"/admin/talks/talk/{talk.pk}/change/"
    html = admin_client.get(url).content.decode()
    assert 'name="video_start" value="9:29"' in html

    data = {
        "day": str(talk.day_id),
        "title": talk.title,
        "slug": talk.slug,
        "kind": "lightning",
        "tags": "",
        "position": "1",
        "video_url": YOUTUBE,
        "video_start": "1:02:03",
        "video_end": "3800",
        **{
            f"{prefix}-{key}": value
            for prefix in ("talk_speakers", "links", "notes")
            for key, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))
        },
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    talk.refresh_from_db()
    assert (talk.video_start, talk.video_end) == (3723, 3800)

    response = admin_client.post(url, {**data, "video_start": "soon", "video_end": "1:00"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Enter a time such as 9:29 or 1:02:03, or seconds." in html

    response = admin_client.post(url, {**data, "video_start": "2:00", "video_end": "1:00"})
    assert "end must come after its start." in response.content.decode()


# ---------------------------------------------------------------------------
# Import and export keep the offset


@pytest.mark.django_db
def test_pyvideo_import_reads_the_offset_and_export_writes_it_back(tmp_path):
    record = video(videos=[{"type": "youtube", "url": "https://youtu.be/Wjev_fLNeOU?t=1126"}])
    write_event(tmp_path / "in", "pytest-con-2021", {"talk": record})

    import_pyvideo(tmp_path / "in")

    talk = Talk.objects.get()
    assert (talk.video_url, talk.video_start, talk.video_end) == (
        "https://youtu.be/Wjev_fLNeOU",
        1126,
        None,
    )
    out = export_pyvideo(Conference.objects.get(), tmp_path / "one")
    exported = json.loads((out / "videos" / "talk.json").read_text())
    assert exported["videos"] == record["videos"]  # the source, as it was

    talk.video_start, talk.video_end = 569, 857  # edited here
    talk.save()
    out = export_pyvideo(Conference.objects.get(), tmp_path / "two")
    exported = json.loads((out / "videos" / "talk.json").read_text())
    assert exported["videos"][0]["url"] == "https://youtu.be/Wjev_fLNeOU?t=569&end=857"
    Conference.objects.all().delete()
    import_pyvideo(tmp_path / "two")
    assert Talk.objects.values_list("video_start", "video_end").get() == (569, 857)


@pytest.mark.django_db
def test_schedule_round_trip_keeps_the_offset(tmp_path):
    conference = make_conference(name="Handmade Conf 2022", slug="handmade-2022")
    make_talk(make_day(conference), title="Plotter", video_url=ARCHIVE, video_start=9)
    exported = export_schedule(conference, fmt="json")
    assert f"{ARCHIVE}?start=9" in exported
    Conference.objects.all().delete()
    Speaker.objects.all().delete()
    path = tmp_path / "hand.json"
    path.write_text(exported, encoding="utf-8")

    import_schedule(path)

    talk = Talk.objects.get(title="Plotter")
    assert (talk.video_url, talk.video_start, talk.video_end) == (ARCHIVE, 9, None)
    assert export_schedule(Conference.objects.get(), fmt="json") == exported
