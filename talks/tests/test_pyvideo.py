"""pyvideo.org import and export: samples written here, plus the real folders when present."""

import datetime
import io
import json
import re
import subprocess
import sys
import tarfile
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from taggit.models import Tag

from confnotes.markdown import render_markdown
from speakers.models import Speaker
from talks.exporters.pyvideo import export_pyvideo
from talks.importers import pyvideo as pyvideo_module
from talks.importers.common import ImportFailed, PlannerStatistics
from talks.importers.pyvideo import import_pyvideo, load_json
from talks.importers.rst import abstracts_to_html, rst_to_markdown
from talks.models import Conference, Day, Link, LinkKind, Note, TaggedTalk, Talk, TalkSpeaker
from talks.tests.factories import (
    make_conference,
    make_day,
    make_link,
    make_note,
    make_speaker,
    make_talk,
)
from talks.tests.pyvideo_samples import video, write_event, write_json

pytestmark = pytest.mark.django_db

REAL_DATA = Path(settings.BASE_DIR).parent / "shared" / "data" / "pyvideo"
MODELS = (Conference, Day, Talk, Speaker, TalkSpeaker, Link, Tag, TaggedTalk, Note)


def make_targz(root: Path, dest: Path, *, extra=()) -> Path:
    """A .tar.gz of `root` under the top folder `pyvideo-data/`, plus `extra` members."""
    with tarfile.open(dest, "w:gz") as tar:
        tar.add(root, arcname="pyvideo-data")
        for member, data in extra:
            tar.addfile(member, io.BytesIO(data) if data is not None else None)
    return dest


def counts() -> dict:
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture
def sample(tmp_path) -> Path:
    """A data root: one event with four videos covering the quirks of the real data."""
    root = tmp_path / "data"
    write_json(root / "NO_PUBLISH.json", [666])
    write_event(
        root,
        "pytest-con-2021",
        {
            "making-things-fast": video(
                id=1,
                speakers=["Ada Lovelace", 'Grace Hopper ("Amazing Grace")'],
                recorded="2021-06-02T14:30:00+02:00",
                duration=1805,
                language="eng",
                tags=["performance", "Python"],
                videos=[
                    {"type": "mp4", "url": "https://media.example.org/fast.mp4"},
                    {"type": "youtube", "url": "https://www.youtube.com/watch?v=fast1"},
                ],
                related_urls=[
                    {"label": "Conference schedule", "url": "https://pytest-con.example.org/s"},
                    {"label": "slides", "url": "https://speakerdeck.com/ada/fast"},
                    "https://github.com/ada/fast",
                ],
                thumbnail_url="https://i.ytimg.com/vi/fast1/hqdefault.jpg",
                copyright_text="CC BY",
            ),
            "lightning-talks": video(
                title="Lightning Talks",
                speakers=["Ada Lovelace", "Linus Pauling", "Ümit Ölçer"],
                recorded="2021-06-01",
                description=None,
                summary="Five minutes each.",
                language=None,
                tags=["python"],
            ),
            "undated": video(title="Closing", speakers=[], recorded=None, description=""),
            "withheld": video(id=666, title="Not for publishing"),
        },
        category={"title": "PyTest Con 2021", "url": "https://pytest-con.example.org/"},
    )
    return root


# ---------------------------------------------------------------------------
# Mapping


def test_import_maps_event_to_conference_days_and_talks(sample):
    summary = import_pyvideo(sample)

    assert summary.failures == [] and summary.bad_records == []
    conference = Conference.objects.get()
    assert (conference.name, conference.slug, conference.series) == (
        "PyTest Con 2021",
        "pytest-con-2021",
        "PyTest Con",
    )
    assert (conference.source, conference.external_id) == ("pyvideo", "pytest-con-2021")
    assert conference.website == "https://pytest-con.example.org/"
    assert (conference.start_date, conference.end_date) == (
        datetime.date(2021, 6, 1),
        datetime.date(2021, 6, 2),
    )
    days = list(conference.days.order_by("date"))
    assert [(d.date, d.position, d.slug) for d in days] == [
        (datetime.date(2021, 6, 1), 1, "day-1"),
        (datetime.date(2021, 6, 2), 2, "day-2"),
    ]
    fast = Talk.objects.get(slug="making-things-fast")
    assert fast.day == days[1]
    assert fast.start_time == datetime.time(14, 30)
    assert fast.duration == datetime.timedelta(seconds=1805)
    assert fast.language == "en"
    assert fast.video_url == "https://www.youtube.com/watch?v=fast1"  # YouTube first.
    assert fast.slides_url == "https://speakerdeck.com/ada/fast"
    assert [(link.kind, link.url, link.title) for link in fast.links.all()] == [
        (LinkKind.WEBPAGE, "https://pytest-con.example.org/s", "Conference schedule"),
        (LinkKind.CODE, "https://github.com/ada/fast", ""),
    ]
    assert [s.name for s in fast.speakers.order_by("talk_speakers__position")] == [
        "Ada Lovelace",
        'Grace Hopper ("Amazing Grace")',
    ]
    assert sorted(fast.tags.names()) == ["Python", "performance"]
    assert fast.abstract == "A talk about [speed](https://speed.example.org/).\n"
    assert '<a href="https://speed.example.org/"' in fast.abstract_html
    record = fast.extra["pyvideo"]["record"]
    assert record["thumbnail_url"] == "https://i.ytimg.com/vi/fast1/hqdefault.jpg"
    assert record["copyright_text"] == "CC BY"
    assert (fast.source, fast.external_id) == ("pyvideo", "pytest-con-2021/making-things-fast")


def test_worker_processes_render_the_same_abstracts(sample, tmp_path):
    import_pyvideo(sample)
    serial = dict(Talk.objects.values_list("external_id", "abstract_html"))
    _wipe()

    summary = import_pyvideo(sample, workers=1)

    assert summary.failures == []
    assert dict(Talk.objects.values_list("external_id", "abstract_html")) == serial
    assert '<a href="https://speed.example.org/"' in serial["pytest-con-2021/making-things-fast"]


def test_the_importing_process_renders_events_ahead_while_the_worker_is_busy():
    long = [
        (f"Paragraph *{n}* with a [link](https://example.org/{n}).\n\n" * 40, True, "")
        for n in range(150)
    ]
    events = [
        pyvideo_module.PreparedEvent(None, {}, {}, [], None, [], sources=sources)
        for sources in (
            long,
            [("One *talk*", True, "")],
            [("Two", False, "")],
            [("- **Three** at 1:00", True, "https://vimeo.com/1")],
        )
    ]
    with pyvideo_module._Renderer(workers=1) as renderer:
        for event in events:
            event.rendered = renderer.submit(event.sources)
        submitted = [event.rendered for event in events]

        renderer.wait_for(events[0], ahead=events[1:])

        # The worker took the long event (and one queued behind it); the last one,
        # not started by any worker, was rendered here instead of waiting.
        assert events[3].rendered is not submitted[3]
        assert submitted[3].cancelled()
        assert [event.rendered.result() for event in events] == [
            abstracts_to_html(event.sources) for event in events
        ]


def test_import_uses_summary_and_matches_speakers_across_talks(sample):
    import_pyvideo(sample)

    lightning = Talk.objects.get(slug="lightning-talks")
    assert lightning.abstract_html == "<p>Five minutes each.</p>"
    assert lightning.language == ""
    # "Ada Lovelace" speaks twice and "python"/"Python" is one tag: one row each.
    assert Speaker.objects.filter(name="Ada Lovelace").count() == 1
    assert Speaker.objects.get(name="Ada Lovelace").talks.count() == 2
    assert Tag.objects.filter(name__iexact="python").count() == 1


def test_import_matches_an_existing_speaker_by_normalized_name(sample):
    known = make_speaker(name="Grace Hopper")

    import_pyvideo(sample)

    fast = Talk.objects.get(slug="making-things-fast")
    assert known in fast.speakers.all()
    assert Speaker.objects.filter(name__startswith="Grace").count() == 1


def test_undated_video_goes_to_the_first_day(sample):
    import_pyvideo(sample)

    closing = Talk.objects.get(slug="undated")
    assert closing.day.date == datetime.date(2021, 6, 1)
    assert list(closing.speakers.all()) == []


def test_no_publish_ids_are_not_imported(sample):
    summary = import_pyvideo(sample)

    assert not Talk.objects.filter(title="Not for publishing").exists()
    assert Talk.objects.count() == 3
    assert summary.get("Talk", "skipped") == 1
    assert any("withheld.json: id 666 is in NO_PUBLISH.json" in p for p in summary.problems)
    assert summary.bad_records == []  # Withheld on purpose: not an error.


def test_a_talk_listed_in_no_publish_later_leaves_unless_it_has_notes(sample):
    import_pyvideo(sample)
    fast = Talk.objects.get(title="Making Things Fast")
    note = make_note(talk=fast, body="Written here.")
    write_json(sample / "NO_PUBLISH.json", [666, fast.extra["pyvideo"]["record"]["id"]])

    kept = import_pyvideo(sample)

    assert Talk.objects.filter(pk=fast.pk).exists()
    assert any(
        "kept “Making Things Fast”" in p and "notes written here" in p for p in kept.problems
    )

    note.delete()
    removed = import_pyvideo(sample)

    assert not Talk.objects.filter(pk=fast.pk).exists()
    assert Talk.objects.count() == 2
    assert any("removed “Making Things Fast”" in p for p in removed.problems)


# ---------------------------------------------------------------------------
# reStructuredText


def test_rst_links_literal_blocks_and_headings_become_markdown():
    text = (
        "Overview\n========\n\nSee `the docs <https://docs.example.org/>`_ and Django_.\n\n"
        ".. _Django: https://www.djangoproject.com/\n\nRun this::\n\n    pip install x\n"
        "    x --go\n\nDetails\n-------\n\n* ``code`` and :func:`print`\n* https://x.example.org\n"
    )

    markdown = rst_to_markdown(text)

    assert markdown == (
        "### Overview\n\nSee [the docs](https://docs.example.org/) and "
        "[Django](https://www.djangoproject.com/).\n\nRun this:\n\n```\npip install x\n"
        "x --go\n```\n\n#### Details\n\n- `code` and `print`\n- <https://x.example.org>\n"
    )


def test_rst_code_directive_keeps_its_language():
    markdown = rst_to_markdown(".. code-block:: python\n\n    print('hi')\n\nAfter.")

    assert markdown == "```python\nprint('hi')\n```\n\nAfter.\n"


def test_rst_keeps_markdown_links_and_escapes_stray_brackets():
    markdown = rst_to_markdown("See [the site](https://x.example.org) [1]_ and [draft].")

    assert markdown == r"See [the site](https://x.example.org) \[1\]_ and \[draft\]." + "\n"


def test_rst_brackets_escaped_in_the_source_are_not_escaped_twice():
    markdown = rst_to_markdown(r"see \[1] and \\[2]")

    assert markdown == r"see \[1\] and \\\[2\]" + "\n"
    assert render_markdown(markdown) == r"<p>see [1] and \[2]</p>"


def test_rst_roles_after_runs_of_colons_and_words():
    markdown = rst_to_markdown("ratio 1:2:3 :: see :py:func:`len` and ::::: :ref:`intro`")

    assert markdown == "ratio 1:2:3 :: see `len` and ::::: `intro`\n"


def test_rst_cuts_very_long_descriptions():
    markdown = rst_to_markdown("word " * 10_000)

    assert len(markdown) < 20_010 and markdown.endswith(" …\n")


def test_imported_description_cannot_inject_html(tmp_path):
    description = (
        "<script>alert(1)</script>\n\n`click <javascript:alert(1)>`_\n\n"
        '<img src=x onerror="alert(2)">\n\n#hashtag is not a heading'
    )
    write_event(tmp_path, "xss-con-2020", {"x": video(description=description)})

    import_pyvideo(tmp_path / "xss-con-2020")

    html = Talk.objects.get().abstract_html
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
    assert "&lt;script&gt;" in html  # Shown as text, as reStructuredText would.
    assert "<h1>" not in html and "#hashtag" in html


# ---------------------------------------------------------------------------
# Idempotence, notes


def statements(queries) -> Counter:
    """The SQL statements run, by their first word, without transaction control (a
    statement run for many rows at once, logged as "N times: INSERT ...", counts once)."""
    words = (re.sub(r"^\d+ times: ", "", q["sql"]).split(None, 1)[0] for q in queries)
    return Counter(w for w in words if w not in ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"))


@pytest.mark.parametrize("n", [2, 40])
def test_a_new_event_takes_the_same_statements_at_any_size(tmp_path, n):
    talks = {
        f"t{i}": video(
            title=f"Talk {i}",
            speakers=[f"Speaker {i}", "Ann Gannet"],
            tags=[f"tag{i % 3}"],
            recorded=f"2021-06-0{1 + i % 2}",
            related_urls=[f"https://code.example/{i}"],
        )
        for i in range(n)
    }
    event = write_event(tmp_path, "pelican-con-2021", talks)

    with CaptureQueriesContext(connection) as queries:
        import_pyvideo([event])

    assert Talk.objects.count() == n
    assert TalkSpeaker.objects.count() == 2 * n
    assert Link.objects.count() == n
    # Reads: the conference, speakers and their aliases by name, speakers' slugs, tags,
    # the old slugs of tags merged or renamed (for names no tag has); for the run's revision, the content types and the rows that the conference, the
    # talks and the speakers follow (tags; speakers, links and tags; aliases).
    # Writes: conference, days, talks, speakers, their bylines, tags, tagged talks, links;
    # the revision and its versions. PostgreSQL copies all but the conference and the
    # revision, and first reserves the keys of new speakers, tags, days and talks.
    if connection.vendor == "sqlite":
        assert statements(queries) == {"SELECT": 12, "INSERT": 10}
    else:
        assert statements(queries) == {"SELECT": 12 + 4, "INSERT": 2, "COPY": 8}


def test_second_import_changes_nothing(sample):
    import_pyvideo(sample)
    before = counts()
    pks = set(Talk.objects.values_list("pk", flat=True))

    summary = import_pyvideo(sample)

    assert counts() == before
    assert set(Talk.objects.values_list("pk", flat=True)) == pks
    assert all(
        summary.get(model, action) == 0 for model in before for action in ("created", "updated")
    )


def test_reimport_updates_in_place_and_keeps_notes(sample):
    import_pyvideo(sample)
    talk = Talk.objects.get(slug="making-things-fast")
    note = make_note(talk=talk, body="My *own* notes.")
    hand_link = make_link(talk, url="https://blog.example.org/fast", kind="blog")
    path = sample / "pytest-con-2021" / "videos" / "making-things-fast.json"
    record = json.loads(path.read_text())
    record.update(title="Making Things Faster", speakers=["Ada Lovelace"], tags=["speed"])
    record["related_urls"] = record["related_urls"][1:]
    write_json(path, record)

    summary = import_pyvideo(sample)

    talk.refresh_from_db()
    assert talk.title == "Making Things Faster"
    assert talk.slug == "making-things-fast"  # URLs stay.
    assert [s.name for s in talk.speakers.all()] == ["Ada Lovelace"]
    assert list(talk.tags.names()) == ["speed"]
    assert set(talk.links.values_list("url", flat=True)) == {
        "https://github.com/ada/fast",
        hand_link.url,  # Added by hand: an import only removes what it brought.
    }
    assert summary.get("Talk", "updated") == 1 and summary.get("Talk", "created") == 0
    note.refresh_from_db()
    assert note.body == "My *own* notes." and note.talk_id == talk.pk


def test_reimport_of_an_unchanged_record_keeps_edits_made_here(sample):
    import_pyvideo(sample)
    talk = Talk.objects.get(slug="making-things-fast")
    talk.title = "A Better Title"
    talk.save()
    talk.speakers.remove(Speaker.objects.get(name="Ada Lovelace"))

    summary = import_pyvideo(sample)

    talk.refresh_from_db()
    assert talk.title == "A Better Title"
    assert [s.name for s in talk.speakers.all()] == ['Grace Hopper ("Amazing Grace")']
    assert summary.get("Talk", "updated") == 0


def test_import_fills_in_a_conference_entered_by_hand(sample):
    conference = make_conference(name="PyTest Con 2021", slug="pytest-con-2021", recap="Ours.")

    import_pyvideo(sample)

    assert Conference.objects.get().pk == conference.pk
    conference.refresh_from_db()
    assert conference.recap == "Ours."  # The source has no description: ours stays.
    assert conference.external_id == "pytest-con-2021"


# ---------------------------------------------------------------------------
# Atomicity, bad records, hostile input


def test_malformed_event_changes_nothing_and_good_events_import(sample):
    write_event(sample, "broken-con-2020", {"a": video()}, category='{"title": "Broken",')
    write_event(sample, "typed-con-2020", {"a": video()}, category={"title": ["not", "text"]})

    summary = import_pyvideo(sample)

    assert set(Conference.objects.values_list("slug", flat=True)) == {"pytest-con-2021"}
    assert len(summary.failures) == 2
    broken = next(f for f in summary.failures if "broken-con-2020" in f)
    assert broken.startswith(str(sample / "broken-con-2020" / "category.json") + ": not valid JSON")
    assert "\n" not in broken
    typed = next(f for f in summary.failures if "typed-con-2020" in f)
    assert typed.endswith("category.json: title is not text")


def test_failure_while_writing_rolls_the_event_back_and_later_events_still_import(
    tmp_path, monkeypatch
):
    shared = {"speakers": ["Grace Hopper"], "tags": ["shared"]}
    write_event(
        tmp_path,
        "a-con-2020",
        {"a": video(title="First", **shared)},
        category={"title": "A Con 2020"},
    )
    write_event(
        tmp_path,
        "b-con-2021",
        {"b": video(title="Second", **shared)},
        category={"title": "B Con 2021"},
    )
    real_links = pyvideo_module._EventWriter._links

    def links_failing_for_the_first_event(self, talks):
        if self.conference.name == "A Con 2020":
            real_links(self, talks)  # everything but the commit is written
            raise pyvideo_module.DatabaseError("disk full")
        real_links(self, talks)

    monkeypatch.setattr(pyvideo_module._EventWriter, "_links", links_failing_for_the_first_event)

    summary = import_pyvideo(tmp_path)

    assert [f.split(": ", 1)[1] for f in summary.failures] == ["database error: disk full"]
    assert list(Talk.objects.values_list("title", flat=True)) == ["Second"]
    talk = Talk.objects.get()
    assert [s.name for s in talk.speakers.all()] == ["Grace Hopper"]
    assert list(talk.tags.names()) == ["shared"]
    assert (summary.get("Speaker", "created"), summary.get("Tag", "created")) == (1, 1)


@pytest.mark.parametrize(
    ("batch_seconds", "batches"), [(60, [["a", "b", "c"]]), (0, [["a"], ["b"], ["c"]])]
)
def test_events_are_written_and_announced_in_batches(
    tmp_path, monkeypatch, django_capture_on_commit_callbacks, batch_seconds, batches
):
    from talks.signals import content_imported

    for name in ("a", "b", "c"):
        write_event(tmp_path, f"{name}-con-2020", {name: video()}, category={"title": name})
    monkeypatch.setattr(pyvideo_module, "BATCH_SECONDS", batch_seconds)
    received = []

    def listener(sender, conference_ids, **kwargs):
        received.append([Conference.objects.get(pk=pk).name for pk in conference_ids])

    content_imported.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            import_pyvideo(tmp_path)
        assert received == batches
        received.clear()
        with django_capture_on_commit_callbacks(execute=True):
            import_pyvideo(tmp_path)  # nothing changed: nothing announced
        assert received == []
    finally:
        content_imported.disconnect(listener)


def test_nan_in_a_record_skips_that_record_by_name(tmp_path):
    event = write_event(tmp_path, "n-con-2020", {"good": video(title="Good")})
    write_json(event / "videos" / "bad.json", '{"title": "Bad", "duration": NaN}')

    summary = import_pyvideo(tmp_path)

    assert list(Talk.objects.values_list("title", flat=True)) == ["Good"]
    assert summary.failures == []
    assert any("bad.json" in p and "NaN is not a JSON number" in p for p in summary.problems)


def test_event_without_category_is_refused(tmp_path):
    write_json(tmp_path / "lost-2020" / "videos" / "a.json", video())

    summary = import_pyvideo(tmp_path)

    assert summary.failures == [f"{tmp_path / 'lost-2020' / 'category.json'}: missing"]
    assert Talk.objects.count() == 0


def test_bad_video_is_skipped_by_name_and_the_rest_imported(tmp_path):
    event = write_event(
        tmp_path,
        "mixed-2020",
        {"good": video(), "typed": video(speakers="Ada Lovelace"), "dated": video(recorded="x")},
    )
    write_json(event / "videos" / "garbled.json", "{nope")

    summary = import_pyvideo(event)

    assert list(Talk.objects.values_list("slug", flat=True)) == ["good"]
    videos = event / "videos"
    assert sorted(summary.bad_records) == [
        f"{videos / 'dated.json'}: recorded 'x' is not a date",
        f"{videos / 'garbled.json'}: not valid JSON: Expecting property name enclosed in "
        "double quotes: line 1 column 2 (char 1)",
        f"{videos / 'typed.json'}: speakers is a str, not a list",
    ]
    assert summary.get("Talk", "skipped") == 3


def test_deeply_nested_json_is_refused(tmp_path):
    deep = '{"title": "Deep", "speakers": [], "videos": [], "x": ' + "[" * 100_000
    deep += "]" * 100_000 + "}"
    medium = {"title": "Medium", "x": json.loads("[" * 50 + "]" * 50)}
    event = write_event(tmp_path, "deep-2020", {"ok": video(), "deep": deep, "medium": medium})

    summary = import_pyvideo(event)

    assert list(Talk.objects.values_list("slug", flat=True)) == ["ok"]
    assert (
        f"{event / 'videos' / 'deep.json'}: JSON nested too deeply; refused" in summary.bad_records
    )
    assert (
        f"{event / 'videos' / 'medium.json'}: JSON nested deeper than 20 levels; refused"
        in summary.bad_records
    )


def test_oversized_json_is_refused(tmp_path):
    event = write_event(tmp_path, "big-2020", {"big": video(description="x" * 5000)})

    summary = import_pyvideo(event, max_json_bytes=4000)

    assert summary.failures == []
    assert summary.bad_records == [
        f"{event / 'videos' / 'big.json'}: file is larger than 4000 bytes; refused"
    ]


def test_folder_symlink_outside_the_root_is_refused(tmp_path):
    secret = write_json(tmp_path / "outside.json", video(title="Secret"))
    event = write_event(tmp_path / "data", "links-2020", {"ok": video()})
    (event / "videos" / "escape.json").symlink_to(secret)

    summary = import_pyvideo(tmp_path / "data")

    assert not Talk.objects.filter(title="Secret").exists()
    assert summary.bad_records == [
        f"{event / 'videos' / 'escape.json'}: links outside the data root; refused"
    ]


def test_nul_characters_and_lone_surrogates_are_stripped(tmp_path):
    event = write_event(tmp_path, "odd-2020", {"ok": video(title="Fine \U0001f447")})
    write_json(event / "videos" / "nul.json", '{"title": "a\\u0000b", "speakers": []}')
    write_json(event / "videos" / "half.json", '{"title": "a\\ud83d b", "speakers": []}')

    summary = import_pyvideo(event)

    titles = sorted(Talk.objects.values_list("title", flat=True))
    assert titles == ["Fine \U0001f447", "a b", "ab"]
    assert summary.bad_records == []


def test_load_json_refuses_non_utf8():
    with pytest.raises(ImportFailed, match="x.json: not UTF-8 text"):
        load_json(b'{"title": "\xff"}', "x.json")


# ---------------------------------------------------------------------------
# Archives


def test_targz_imports_like_the_folder(sample, tmp_path):
    archive = make_targz(sample, tmp_path / "pyvideo-data.tar.gz")

    summary = import_pyvideo(archive)

    assert summary.failures == []
    assert Talk.objects.count() == 3  # The NO_PUBLISH.json inside the archive is honoured.
    assert Conference.objects.get().external_id == "pytest-con-2021"


def _member(name, **attrs) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    for key, value in attrs.items():
        setattr(info, key, value)
    return info


@pytest.mark.parametrize(
    ("member", "problem"),
    [
        (_member("pyvideo-data/../x.json", size=2), "pyvideo-data/../x.json points outside"),
        (_member("/etc/x.json", size=2), "/etc/x.json points outside the archive; refused"),
        (
            _member(
                "pyvideo-data/evil/videos/a.json", type=tarfile.SYMTYPE, linkname="../../../../x"
            ),
            "pyvideo-data/evil/videos/a.json links to ../../../../x, outside the archive; refused",
        ),
        (
            _member("pyvideo-data/evil/c.json", type=tarfile.SYMTYPE, linkname="/etc/passwd"),
            "links to /etc/passwd, outside the archive",
        ),
    ],
)
def test_hostile_archive_is_refused_before_anything_is_written(sample, tmp_path, member, problem):
    data = b"{}" if member.isfile() else None
    archive = make_targz(sample, tmp_path / "evil.tar.gz", extra=[(member, data)])

    summary = import_pyvideo(archive)

    assert counts() == dict.fromkeys(counts(), 0)
    assert len(summary.failures) == 1
    assert summary.failures[0].startswith(f"{archive}: ")
    assert problem in summary.failures[0]


def test_archive_member_too_large_is_refused(sample, tmp_path):
    archive = make_targz(sample, tmp_path / "big.tar.gz")

    summary = import_pyvideo(archive, max_json_bytes=100)

    assert Talk.objects.count() == 0
    assert "is larger than 100 bytes; refused" in summary.failures[0]


def test_truncated_archive_imports_nothing_and_reports_the_cut(tmp_path):
    root = tmp_path / "data"
    write_event(root, "aaa-2020", {"one": video()}, category={"title": "AAA 2020"})
    # Incompressible text, so that cutting the archive lands inside this event.
    noise = __import__("os").urandom(60_000).hex()
    write_event(
        root,
        "zzz-2020",
        {
            f"t{i}": video(title=f"T{i}", description=noise[i * 4000 : (i + 1) * 4000])
            for i in range(30)
        },
        category={"title": "ZZZ 2020"},
    )
    archive = make_targz(root, tmp_path / "whole.tar.gz")
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size * 3 // 4])

    summary = import_pyvideo(cut)

    # The whole event before the cut too: the archive is read to its end first.
    assert Conference.objects.count() == Talk.objects.count() == 0
    assert len(summary.failures) == 1
    assert summary.failures[0].startswith(
        f"{cut}: archive truncated or corrupt after pyvideo-data/zzz-2020/videos/"
    )
    assert summary.failures[0].endswith("nothing imported")


def test_not_a_gzip_archive_is_reported(tmp_path):
    bogus = tmp_path / "bogus.tar.gz"
    bogus.write_bytes(b"this is not gzip at all")

    summary = import_pyvideo(bogus)

    assert len(summary.failures) == 1 and summary.failures[0].startswith(f"{bogus}: ")


# ---------------------------------------------------------------------------
# Commands


def test_command_prints_progress_and_summary(sample):
    out = io.StringIO()

    call_command("import_pyvideo", str(sample), stdout=out)

    text = out.getvalue()
    assert (
        f"{sample / 'pytest-con-2021'}: 3 talks created, 0 updated, 0 unchanged, 1 skipped" in text
    )
    assert "Talk: 3 created, 0 updated, 1 skipped" in text
    assert "skipped: " in text and "id 666 is in NO_PUBLISH.json" in text


def test_command_fails_after_importing_the_good_events(sample, tmp_path):
    write_event(sample, "broken-con-2020", {"a": video()}, category="[")
    out = io.StringIO()

    with pytest.raises(CommandError) as error:
        call_command("import_pyvideo", str(sample), str(tmp_path / "missing"), stdout=out)

    assert Conference.objects.filter(slug="pytest-con-2021").exists()
    lines = str(error.value).splitlines()
    assert lines == [
        f"{sample / 'broken-con-2020' / 'category.json'}: not valid JSON: Expecting value: "
        "line 1 column 2 (char 1)",
        f"{tmp_path / 'missing'}: no such file or folder",
    ]


def test_command_exits_non_zero_without_traceback(tmp_path):
    missing = tmp_path / "nowhere.tar.gz"
    result = subprocess.run(
        [sys.executable, "manage.py", "import_pyvideo", str(missing)],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 1
    assert result.stderr.strip() == f"CommandError: {missing}: no such file or folder"
    assert "Traceback" not in result.stderr


def test_export_command_refuses_unknown_conference(tmp_path):
    with pytest.raises(CommandError, match="^nope: no conference with this slug$"):
        call_command("export_pyvideo", "nope", str(tmp_path))


# ---------------------------------------------------------------------------
# Export and round trips


def _tree(path: Path) -> dict:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*.json"))}


def _wipe() -> None:
    for model in (Conference, Speaker, Tag):
        model.objects.all().delete()


def test_export_writes_the_source_files_back_unchanged(sample, tmp_path):
    import_pyvideo(sample)
    conference = Conference.objects.get()

    folder = export_pyvideo(conference, tmp_path / "out")

    source = _tree(sample / "pytest-con-2021")
    del source["videos/withheld.json"]  # Never imported.
    assert folder == tmp_path / "out" / "pytest-con-2021"
    assert _tree(folder) == source


def test_export_into_the_source_folder_keeps_records_it_did_not_import(sample):
    import_pyvideo(sample)
    withheld = sample / "pytest-con-2021" / "videos" / "withheld.json"
    before = withheld.read_bytes()
    out = io.StringIO()

    export_pyvideo(Conference.objects.get(), sample, stdout=out)

    assert withheld.read_bytes() == before
    assert "1 other file(s) left as they were: withheld.json" in out.getvalue()


def test_export_import_export_is_identical(sample, tmp_path):
    import_pyvideo(sample)
    talk = Talk.objects.get(slug="making-things-fast")
    talk.title = "Edited Here"
    talk.abstract = "Now    indented code:\n\n    x = 1\n"
    talk.save()
    first = export_pyvideo(Conference.objects.get(), tmp_path / "one")
    _wipe()

    import_pyvideo(tmp_path / "one")
    second = export_pyvideo(Conference.objects.get(), tmp_path / "two")

    assert _tree(first) == _tree(second)
    talk = Talk.objects.get(slug="making-things-fast")
    assert talk.title == "Edited Here"
    assert talk.abstract == "Now    indented code:\n\n    x = 1\n"  # Markdown kept as it is.
    assert "<pre><code>x = 1" in talk.abstract_html


def _snapshot(conference) -> list:
    rows = []
    for talk in Talk.objects.filter(conference=conference).order_by("slug"):
        rows.append(
            (
                talk.slug, talk.title, talk.day.date, talk.start_time, talk.duration,
                talk.language, talk.abstract, talk.abstract_html, talk.slides_url,
                talk.video_url, [s.name for s in talk.speakers.order_by("talk_speakers__position")],
                sorted(talk.tags.names()),
                [(link.url, link.kind, link.title) for link in talk.links.order_by("position")],
            )
        )  # fmt: skip
    return [conference.name, conference.start_date, conference.end_date, conference.recap, rows]


def test_conference_entered_by_hand_round_trips(tmp_path):
    conference = make_conference(
        name="Hand Conf 2022",
        slug="hand-conf-2022",
        start_date=datetime.date(2022, 5, 1),
        end_date=datetime.date(2022, 5, 2),
        recap="We had *fun*.",
    )
    day = make_day(conference, date=datetime.date(2022, 5, 2))
    talk = make_talk(
        day,
        title="By Hand",
        speakers=[make_speaker(name="Zoë Writer"), make_speaker(name="Al Second")],
        tags=["django", "Testing"],
        abstract="Some **bold** text.\n\n    code_block()\n",
        slides_url="https://slides.example.org/hand",
        video_url="https://vimeo.com/12345",
        duration=datetime.timedelta(minutes=25),
        start_time=datetime.time(9, 30),
        language="de",
    )
    make_link(talk, url="https://blog.example.org/hand", kind="blog", title="My write-up")
    make_link(talk, url="https://github.com/hand/code", kind="code", title="")
    make_link(talk, url="https://example.org/photos", kind="photos", title="")
    make_talk(day, title="Bare Minimum")
    before = _snapshot(conference)
    first = export_pyvideo(conference, tmp_path / "one")
    _wipe()

    summary = import_pyvideo(tmp_path / "one")
    second = export_pyvideo(Conference.objects.get(), tmp_path / "two")

    assert summary.failures == [] and summary.bad_records == []
    assert _snapshot(Conference.objects.get()) == before
    assert _tree(first) == _tree(second)


def test_reimporting_an_export_of_a_hand_conference_updates_it_in_place(tmp_path):
    conference = make_conference(name="Hand Conf 2023", slug="hand-conf-2023")
    talk = make_talk(make_day(conference), title="Kept", abstract="Text.")
    note = make_note(talk=talk, body="Note stays.")
    export_pyvideo(conference, tmp_path / "out")

    import_pyvideo(tmp_path / "out")

    assert Talk.objects.get().pk == talk.pk and Conference.objects.get().pk == conference.pk
    note.refresh_from_db()
    assert note.body == "Note stays."


def test_export_never_writes_outside_its_folder(sample, tmp_path):
    import_pyvideo(sample)
    conference = Conference.objects.get()
    conference.extra["pyvideo"]["folder"] = "../escaped"
    conference.save()
    talk = Talk.objects.get(slug="making-things-fast")
    talk.extra["pyvideo"]["file"] = "../../escaped.json"
    talk.save()

    folder = export_pyvideo(conference, tmp_path / "out")

    assert folder == tmp_path / "out" / "pytest-con-2021"
    assert (folder / "videos" / "making-things-fast.json").exists()
    assert not list(tmp_path.rglob("escaped*"))


def test_dumpdata_of_an_import_loads_into_an_empty_database(sample, tmp_path):
    import_pyvideo(sample)
    before = _snapshot(Conference.objects.get())
    fixture = tmp_path / "dump.json"
    call_command(
        "dumpdata", "talks", "speakers", "taggit", "--natural-foreign", "--natural-primary",
        "--output", str(fixture), verbosity=0,
    )  # fmt: skip
    _wipe()
    assert counts() == dict.fromkeys(counts(), 0)

    call_command("loaddata", str(fixture), verbosity=0)

    assert _snapshot(Conference.objects.get()) == before
    assert Talk.objects.get(slug="making-things-fast").extra["pyvideo"]["record"]["id"] == 1


# ---------------------------------------------------------------------------
# The real data


@pytest.mark.slow
def test_real_event_folders_import_and_export_unchanged(tmp_path):
    folders = [REAL_DATA / "djangocon-2009", REAL_DATA / "djangocon-us-2019"]
    if not all((f / "category.json").exists() for f in folders):
        pytest.skip(f"the pyvideo sample folders are not in {REAL_DATA}")

    summary = import_pyvideo(folders)

    assert summary.failures == [] and summary.bad_records == []
    # Counted from the files: 34 and 42 videos on 3 days each; 47 and 64 speaker
    # slots; 90 different people (3 spoke at both); 31 tags, all in 2009.
    old, new = (
        Conference.objects.get(slug="djangocon-2009"),
        Conference.objects.get(slug="djangocon-us-2019"),
    )
    assert (old.name, old.series) == ("DjangoCon US 2009", "DjangoCon US")
    assert (new.name, new.series) == ("DjangoCon US 2019", "DjangoCon US")
    assert (old.talks.count(), new.talks.count()) == (34, 42)
    assert (old.days.count(), new.days.count()) == (3, 3)
    assert new.start_date == datetime.date(2019, 9, 23)
    assert TalkSpeaker.objects.filter(talk__conference=old).count() == 47
    assert TalkSpeaker.objects.filter(talk__conference=new).count() == 64
    assert Speaker.objects.count() == 90
    assert Tag.objects.count() == 31
    assert new.talks.exclude(video_url__startswith="https://www.youtube.com/").count() == 0
    for folder in folders:
        out = export_pyvideo(Conference.objects.get(external_id=folder.name), tmp_path)
        assert _tree(out) == _tree(folder)


def test_a_long_import_keeps_postgresql_planner_statistics_current(tmp_path, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner statistics; SQLite keeps none unless asked")
    # Statistics that count no talks make every join a scan per row: minutes per
    # query at the archive's size. The import analyzes the tables it fills when
    # the estimate falls under half of the talks it has written.
    monkeypatch.setattr(PlannerStatistics, "MIN_TALKS", 3)

    def reltuples():
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", ["talks_talk"])
            return cursor.fetchone()[0]

    def events(first, count):
        for n in range(first, first + count):
            write_event(tmp_path / str(first), f"pelican-con-{n}", {"a": video(), "b": video()})
        return tmp_path / str(first)

    import_pyvideo([events(2000, 3)])
    # Never analyzed (-1) until the second event (4 talks); 4 is then at least half of 6.
    assert reltuples() == 4

    # What CI met: another session analyzed the tables before this one's rows were
    # committed, and counted none of them.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE pg_class SET reltuples = 0 WHERE relname = 'talks_talk'")
    import_pyvideo([events(2100, 2)])

    assert reltuples() == 10 == Talk.objects.count()
