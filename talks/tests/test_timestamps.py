"""Timestamps in notes: `[12:34]` links to that moment of the talk's video."""

import pytest

from confnotes.markdown import render_markdown
from talks.models import Note
from talks.signals import content_imported
from talks.tests.factories import make_day, make_note, make_talk
from talks.timestamps import TIMESTAMP_PREFILTER, timestamp_extensions
from talks.video import video_url_at

YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


def _render(text, video_url=YOUTUBE):
    return render_markdown(text, extensions=timestamp_extensions(video_url))


@pytest.mark.parametrize(
    ("video_url", "expected"),
    [
        (YOUTUBE, "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=754"),
        ("https://youtu.be/dQw4w9WgXcQ", "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=754"),
        ("https://vimeo.com/123456", "https://vimeo.com/123456#t=754s"),
        ("https://player.vimeo.com/video/123456", "https://player.vimeo.com/video/123456#t=754s"),
        (
            "https://archive.org/details/pycon-2009-talk",
            "https://archive.org/details/pycon-2009-talk?start=754",
        ),
        ("http://archive.org/details/x?start=5&a=b", "https://archive.org/details/x?a=b&start=754"),
        ("https://blip.tv/some-video", ""),
        ("https://vimeo.com/channels/staffpicks", ""),
        ("javascript:alert(1)", ""),
        ("", ""),
    ],
)
def test_video_url_at_each_host(video_url, expected):
    assert video_url_at(video_url, 754) == expected


@pytest.mark.parametrize(
    ("stamp", "seconds"),
    [("[12:34]", 754), ("[0:07]", 7), ("[1:02:03]", 3723), ("[75:00]", 4500)],
)
def test_timestamp_becomes_a_link_to_that_second(stamp, seconds):
    html = _render(f"The demo starts at {stamp}.")
    label = stamp[1:-1]
    assert (
        f'<a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ&amp;t={seconds}" '
        f'title="Watch the video from {label}" rel="nofollow noopener noreferrer">{label}</a>'
    ) in html


def test_timestamp_link_for_vimeo_uses_the_fragment():
    html = _render("See [1:00:00]", "https://vimeo.com/42")
    assert 'href="https://vimeo.com/42#t=3600s"' in html


@pytest.mark.parametrize("text", ["[12:60]", "[1:60:00]", "[12:345]", "[12]", "[a:bc]"])
def test_malformed_timestamps_stay_text(text):
    assert _render(text) == f"<p>{text}</p>"


def test_timestamp_without_video_stays_text():
    assert _render("At [12:34] it crashed.", "") == "<p>At [12:34] it crashed.</p>"


def test_timestamp_on_a_host_without_offsets_stays_text():
    html = _render("At [12:34] it crashed.", "https://videos.example.org/talk.mp4")
    assert html == "<p>At [12:34] it crashed.</p>"


def test_explicit_links_and_code_are_not_timestamps():
    html = _render("[12:34](https://example.org/) and `[12:34]` and\n\n    [1:02:03]\n")
    assert '<a href="https://example.org/" rel="nofollow noopener noreferrer">12:34</a>' in html
    assert "<code>[12:34]</code>" in html
    assert "<pre><code>[1:02:03]\n</code></pre>" in html
    assert "youtube" not in html


def test_automatic_link_holding_a_timestamp_stays_whole():
    html = _render("<https://example.org/[12:34]>")
    assert 'href="https://example.org/[12:34]"' in html
    assert "youtube" not in html


def test_reference_link_named_like_a_timestamp_keeps_its_target():
    html = _render("See [12:34].\n\n[12:34]: https://example.org/ref\n")
    assert 'href="https://example.org/ref"' in html
    assert "youtube" not in html


def test_link_holding_a_timestamp_stays_whole():
    html = _render("[see [12:34]](https://example.com) and [1:00]")
    assert (
        '<a href="https://example.com" rel="nofollow noopener noreferrer">see [12:34]</a>' in html
    )
    assert html.count("<a ") == 2 and "t=60" in html and "t=754" not in html


@pytest.mark.parametrize(
    ("text", "label", "seconds"),
    [
        ("- (00:09) Dive into CPython Bytecode", "00:09", 9),
        ("- 9:29 Daniele Procida", "9:29", 569),
        ("1:02:03 – Q&A", "1:02:03", 3723),
        ("Intro\n4:24 Marshall Sutton", "4:24", 264),
        ("1. 14:17 Rodrigo", "14:17", 857),
        ("The demo (12:34) crashed.", "12:34", 754),
    ],
)
def test_chapter_marks_become_links(text, label, seconds):
    html = _render(text)
    assert f'href="https://www.youtube.com/watch?v=dQw4w9WgXcQ&amp;t={seconds}"' in html
    assert f'title="Watch the video from {label}"' in html


@pytest.mark.parametrize(
    "text",
    [
        "We met at 9:30 for coffee.",
        "9:30am registration",
        "- Registration at 9:30",
        "*9:30 for coffee*",
        "`9:30 x`",
        "12:345 and 9:3 and (9:30pm)",
    ],
)
def test_times_in_running_prose_stay_text(text):
    assert "youtube" not in _render(text)


def test_hostile_text_around_a_timestamp_is_still_sanitized():
    html = _render('[12:34] <script>alert(1)</script> <a href="javascript:x">x</a>')
    assert "<script" not in html
    assert "javascript:" not in html
    assert "t=754" in html


def test_render_markdown_without_extensions_is_unchanged():
    assert render_markdown("At [12:34].") == "<p>At [12:34].</p>"


# ---------------------------------------------------------------------------
# Notes


@pytest.mark.django_db
def test_note_about_a_talk_links_timestamps_to_its_video():
    talk = make_talk(video_url="https://vimeo.com/42")
    note = make_note(talk=talk, body="Best part at [3:15].")
    assert 'href="https://vimeo.com/42#t=195s"' in note.body_html


@pytest.mark.django_db
def test_note_about_a_day_or_a_talk_without_video_keeps_text():
    day = make_day()
    day_note = make_note(day=day, body="Lunch at [12:30].")
    talk_note = make_note(talk=make_talk(day), body="At [12:30].")
    assert day_note.body_html == "<p>Lunch at [12:30].</p>"
    assert talk_note.body_html == "<p>At [12:30].</p>"


@pytest.mark.django_db
def test_changing_the_video_re_renders_notes():
    talk = make_talk(video_url="")
    note = make_note(talk=talk, body="Questions from [40:00].")
    other = make_note(talk=make_talk(talk.day, video_url="https://vimeo.com/7"), body="[1:00]")
    assert "<a" not in note.body_html

    talk.video_url = "https://vimeo.com/99"
    talk.save()

    note.refresh_from_db()
    assert 'href="https://vimeo.com/99#t=2400s"' in note.body_html
    talk.video_url = ""
    talk.save()
    note.refresh_from_db()
    assert note.body_html == "<p>Questions from [40:00].</p>"
    assert Note.objects.get(pk=other.pk).body_html == other.body_html


@pytest.mark.django_db
def test_database_prefilter_finds_every_shape():
    talk = make_talk(video_url=YOUTUBE)
    shapes = ["[12:34] x", "x (0:09) y", "- 9:29 Daniele", "1:02:03 – Q&A"]
    notes = [make_note(talk=talk, body=body) for body in shapes]
    make_note(talk=talk, body="No time here, only 9 or 12.")
    found = Note.objects.filter(body__regex=TIMESTAMP_PREFILTER)
    assert set(found.values_list("pk", flat=True)) == {note.pk for note in notes}


@pytest.mark.django_db
def test_import_that_changes_a_video_re_renders_notes():
    talk = make_talk(video_url="")
    note = make_note(talk=talk, body="From [0:30].")
    type(talk).objects.filter(pk=talk.pk).update(video_url=YOUTUBE)  # as a bulk import would

    content_imported.send(sender=None, conference_ids=[talk.conference_id])

    note.refresh_from_db()
    assert "watch?v=dQw4w9WgXcQ&amp;t=30" in note.body_html


@pytest.mark.django_db
def test_talk_page_shows_timestamp_links(client):
    talk = make_talk(video_url=YOUTUBE)
    make_note(talk=talk, body="Slides at [2:05].")
    html = client.get(talk.get_absolute_url()).content.decode()
    assert 'href="https://www.youtube.com/watch?v=dQw4w9WgXcQ&amp;t=125"' in html
