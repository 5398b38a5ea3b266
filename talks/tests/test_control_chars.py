"""Hostile bytes and sizes: control characters at every way in, cut archives, absurd
durations (issue 18)."""

import copy
import gzip
import io
import json
import tarfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from taggit.models import Tag

from confnotes.text import clean_text, printable
from speakers.models import Speaker, SpeakerAlias
from talks.exporters.pyvideo import export_pyvideo
from talks.importers.pyvideo import import_pyvideo
from talks.management.commands.import_pyvideo import Command as ImportPyvideo
from talks.models import Author, Conference, Day, Link, Note, Talk
from talks.tests.factories import (
    make_conference,
    make_day,
    make_link,
    make_note,
    make_speaker,
    make_talk,
)
from talks.tests.pyvideo_samples import video, write_event
from talks.tests.test_schedule import FRAB_JSON, write

pytestmark = pytest.mark.django_db

# An xterm title change, a bell and a screen clear, then NUL, DEL and a lone surrogate.
HOSTILE = "\x1b]0;PWNED\x07\x1b[2J"
TERMINAL = ("\x1b", "\x07", "\x00", "\x7f")


def assert_clean(text: str) -> None:
    assert not any(c in text for c in (*TERMINAL, "\ud800")), repr(text)


# ---------------------------------------------------------------------------
# The two functions


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (f"Title{HOSTILE}", "Title]0;PWNED[2J"),
        ("a\x00b\x01c\x08d\x0be\x0cf\x0eg\x1fh\x7fi", "abcdefghi"),
        ("half \ud83d pair", "half  pair"),
        ("tab\tline\nwindows\r\n", "tab\tline\nwindows\r\n"),
        ("Ünïcödé 🦤 \u00a0\u202e", "Ünïcödé 🦤 \u00a0\u202e"),
    ],
)
def test_clean_text_strips_controls_but_tab_newline_and_return(raw, clean):
    assert clean_text(raw) == clean


def test_printable_shows_every_control_as_an_escape():
    shown = printable(f"{HOSTILE}\x9b\x00 ok\ttab\nnext\r")

    assert shown == "\\x1b]0;PWNED\\x07\\x1b[2J\\x9b\\x00 ok\ttab\nnext\\r"


# ---------------------------------------------------------------------------
# Importers


def hostile_frab() -> dict:
    data = copy.deepcopy(FRAB_JSON)
    conference = data["schedule"]["conference"]
    conference["title"] = f"JSONCon{HOSTILE} 2020"
    event = conference["days"][0]["rooms"]["Saal 1"][0]
    event["title"] = f"Hands-on\x00 Workshop{HOSTILE}"
    event["abstract"] = f"Bring\x07 a laptop.\x00{HOSTILE}"
    event["persons"][0]["public_name"] = "Grace\x1b[31m Hopper\x00"
    return data


def test_frab_schedule_with_controls_imports_them_stripped(tmp_path):
    path = write(tmp_path, "jc20.json", hostile_frab())
    out = io.StringIO()

    call_command("import_schedule", str(path), stdout=out)

    conference = Conference.objects.get()
    assert conference.name == "JSONCon]0;PWNED[2J 2020"
    talk = Talk.objects.get(title__startswith="Hands-on")
    assert talk.title == "Hands-on Workshop]0;PWNED[2J"
    assert talk.abstract == "Bring a laptop.]0;PWNED[2J"
    assert Speaker.objects.filter(name="Grace[31m Hopper").exists()
    for text in (talk.abstract_html, *Speaker.objects.values_list("name", flat=True)):
        assert_clean(text)
    assert_clean(out.getvalue())


def test_pyvideo_event_with_controls_imports_them_stripped(tmp_path):
    event = write_event(
        tmp_path,
        "hostile-2021",
        {
            "evil": video(
                title=f"Making\x00 Things{HOSTILE} Fast",
                speakers=[f"Ada\x07 Lovelace{HOSTILE}"],
                description="A talk\x00 about\x1b[2J speed.\x7f",
                tags=["perf\x00ormance"],
            )
        },
        category={"title": "Hostile\x1b]0;x\x07 Con 2021"},
    )
    out = io.StringIO()

    call_command("import_pyvideo", str(event), "--workers=0", stdout=out)

    talk = Talk.objects.get()
    assert talk.title == "Making Things]0;PWNED[2J Fast"
    assert talk.abstract == "A talk about\\[2J speed.\n"  # reStructuredText → Markdown
    assert_clean(talk.abstract_html)
    assert talk.conference.name == "Hostile]0;x Con 2021"
    assert list(talk.speakers.values_list("name", flat=True)) == ["Ada Lovelace]0;PWNED[2J"]
    assert list(talk.tags.values_list("name", flat=True)) == ["performance"]
    assert_clean(json.dumps(talk.extra, ensure_ascii=False))  # the record kept for export
    assert "1 talks created" in out.getvalue()
    assert_clean(out.getvalue())


def test_import_command_output_escapes_what_the_data_says(tmp_path):
    """File and folder names from the data reach the terminal in every progress line."""
    root = tmp_path / "data"
    write_event(root, f"evil{HOSTILE}", {"a": video(id=7)})
    out = io.StringIO()

    call_command("import_pyvideo", str(root), "--workers=0", stdout=out)

    assert_clean(out.getvalue())
    assert "evil\\x1b]0;PWNED\\x07\\x1b[2J" in out.getvalue()
    assert Conference.objects.get().external_id == "evil]0;PWNED[2J"


def test_import_command_error_escapes_what_the_data_says(tmp_path, monkeypatch):
    event = write_event(tmp_path, f"bad{HOSTILE}", {"a": video()}, category="[")
    out, err = io.StringIO(), io.StringIO()
    command = ImportPyvideo(stdout=out, stderr=err)
    # As `manage.py import_pyvideo` runs it, but keeping the test's database connection.
    monkeypatch.setattr(connections, "close_all", lambda: None)

    with pytest.raises(SystemExit):
        command.run_from_argv(["manage.py", "import_pyvideo", str(event), "--skip-checks"])

    assert err.getvalue().startswith("CommandError: ")
    assert "bad\\x1b]0;PWNED\\x07\\x1b[2J/category.json: not valid JSON" in err.getvalue()
    assert_clean(err.getvalue())
    assert_clean(out.getvalue())
    assert Conference.objects.count() == 0


# ---------------------------------------------------------------------------
# Saves through the ORM, and the pages that show them


def test_orm_saves_strip_controls_from_every_content_model(client):
    conference = make_conference(name=f"Con\x00{HOSTILE}", recap="Re\x00cap *x*\x07")
    day = make_day(conference, title="Day\x00 one", summary="Day\x1b summary")
    speaker = make_speaker(name="Nul\x00 Speaker\x07", bio="Bio\x00")
    talk = make_talk(day, title=f"A\x00B{HOSTILE}", abstract="Ab\x00stract", speakers=[speaker])
    link = make_link(talk, title="Link\x00\x1b")
    note = make_note(talk=talk, body=f"Note\x00 body{HOSTILE}", authors=["Guest\x00\x07 Writer"])
    alias = SpeakerAlias.objects.create(speaker=speaker, name="Alias\x00 Name")
    tag = Tag.objects.create(name="tag\x00\x1bname")

    rows = [
        Conference.objects.get(pk=conference.pk),
        Day.objects.get(pk=day.pk),
        Talk.objects.get(pk=talk.pk),
        Link.objects.get(pk=link.pk),
        Note.objects.get(pk=note.pk),
        Author.objects.get(name="Guest Writer"),
        Speaker.objects.get(pk=speaker.pk),
        SpeakerAlias.objects.get(pk=alias.pk),
        Tag.objects.get(pk=tag.pk),
    ]
    for row in rows:
        for field in row._meta.concrete_fields:
            value = getattr(row, field.attname)
            if isinstance(value, str):
                assert_clean(value)
    assert rows[2].title == "AB]0;PWNED[2J"
    assert "Note body]0;PWNED[2J" in rows[4].body_html  # rendered from the clean text
    for url in (talk.get_absolute_url(), speaker.get_absolute_url(), day.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert "AB]0;PWNED[2J" in html
        assert_clean(html)


def test_tag_names_with_controls_find_the_tag_they_are_saved_as():
    talk = make_talk(tags=["web\x01dev"])
    other = make_talk()

    other.tags.add("web\x00dev\x07")
    other.conference.tags.set(["web\x1bdev"])

    assert list(Tag.objects.values_list("name", flat=True)) == ["webdev"]
    assert talk.tags.get() == other.tags.get() == other.conference.tags.get()


def test_search_query_with_nul_answers_without_it(client):
    response = client.get("/search/?q=%00abc%1b%07")

    assert response.status_code == 200
    html = response.content.decode()
    assert_clean(html)
    assert "<title>Search: abc · confnotes</title>" in html


def test_pyvideo_export_after_a_nul_save_imports_back(tmp_path):
    conference = make_conference(name="Nul Con 2020", slug="nul-con-2020")
    talk = make_talk(make_day(conference), title="Nul\x00 talk", abstract="Ab\x00stract")
    make_note(talk=talk, body="x")

    folder = export_pyvideo(conference, tmp_path / "out")
    raw = b"".join(path.read_bytes() for path in sorted(folder.rglob("*.json")))
    Talk.objects.all().delete()
    summary = import_pyvideo(folder)

    assert b"\\u0000" not in raw
    assert summary.failures == [] and summary.bad_records == []
    assert list(Talk.objects.values_list("title", flat=True)) == ["Nul talk"]


# ---------------------------------------------------------------------------
# Cut archives


def _archive(tmp_path) -> bytes:
    root = tmp_path / "data"
    # Random text, so that the compressed archive is long and each cut lands inside it.
    noise = __import__("os").urandom(12_000).hex()
    write_event(
        root,
        "cut-2020",
        {
            f"t{i}": video(title=f"T{i}", description=noise[i * 4000 : (i + 1) * 4000])
            for i in range(6)
        },
        category={"title": "Cut 2020"},
    )
    path = tmp_path / "whole.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        tar.add(root, arcname="pyvideo-data")
    return path.read_bytes()


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95, -8, -4, -1])
def test_cut_archive_fails_naming_the_file_and_imports_nothing(tmp_path, keep):
    whole = _archive(tmp_path)
    # A fraction of the bytes, or all but the last few: the gzip trailer (CRC, length).
    size = int(len(whole) * keep) if keep > 0 else len(whole) + keep
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(whole[:size])

    summary = import_pyvideo(cut)

    assert Conference.objects.count() == Talk.objects.count() == 0
    assert len(summary.failures) == 1
    assert summary.failures[0].startswith(f"{cut}: ")
    assert "archive truncated or corrupt" in summary.failures[0]
    assert summary.failures[0].endswith("nothing imported")


def test_cut_archive_fails_the_command(tmp_path):
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(_archive(tmp_path)[:-4])

    with pytest.raises(CommandError, match="cut.tar.gz: .*archive truncated or corrupt"):
        call_command("import_pyvideo", str(cut), "--workers=0", stdout=io.StringIO())
    assert Conference.objects.count() == 0


def test_tar_cut_at_a_member_boundary_fails(tmp_path):
    """A tar cut right after a member, then compressed whole: tarfile ends its members
    quietly there, and the event would be imported with no talks."""
    members = [
        ("pyvideo-data/cut-2020/category.json", json.dumps({"title": "Cut 2020"}).encode()),
        ("pyvideo-data/cut-2020/videos/a.json", json.dumps(video()).encode()),
    ]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    archive = tmp_path / "tarcut.tar.gz"
    archive.write_bytes(gzip.compress(buffer.getvalue()[:1024]))  # category.json only

    summary = import_pyvideo(archive)

    assert Conference.objects.count() == 0
    assert summary.failures == [
        f"{archive}: archive truncated or corrupt after pyvideo-data/cut-2020/category.json "
        "(the archive ends in the middle of its tar data); nothing imported"
    ]


def test_whole_archive_still_imports(tmp_path):
    archive = tmp_path / "whole.tar.gz"
    archive.write_bytes(_archive(tmp_path))

    summary = import_pyvideo(archive)

    assert summary.failures == []
    assert Talk.objects.count() == 6


# ---------------------------------------------------------------------------
# Durations


def test_absurd_durations_are_dropped_and_said(tmp_path):
    event = write_event(
        tmp_path,
        "durations-2021",
        {
            "negative": video(title="Negative", duration=-5),
            "zero": video(title="Zero", duration=0),
            "days": video(title="Days", duration=2 * 86400),
            "fine": video(title="Fine", duration=1800),
            "whole-day": video(title="Whole day", duration=86400),
        },
    )
    out = io.StringIO()

    call_command("import_pyvideo", str(event), "--workers=0", stdout=out)

    durations = dict(Talk.objects.values_list("title", "duration"))
    assert [title for title, d in durations.items() if d is None] == ["Days", "Negative", "Zero"]
    assert durations["Fine"].total_seconds() == 1800
    assert durations["Whole day"].total_seconds() == 86400
    lines = out.getvalue().splitlines()
    assert "Values dropped: 3 (the rest of each record imported)" in lines
    dropped = sorted(line for line in lines if line.startswith("dropped: "))
    videos = event / "videos"
    assert dropped == [
        f"dropped: {videos / 'days.json'}: duration 172800 s dropped: a talk lasts more "
        "than 0 s, up to 24 h",
        f"dropped: {videos / 'negative.json'}: duration -5 s dropped: a talk lasts more "
        "than 0 s, up to 24 h",
        f"dropped: {videos / 'zero.json'}: duration 0 s dropped: a talk lasts more "
        "than 0 s, up to 24 h",
    ]
