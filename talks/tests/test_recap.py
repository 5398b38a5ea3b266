"""Recaps in and out: a day's blog post cut into draft notes, and a day's notes as a post.

The two seed-shaped recaps (talks/tests/recap_samples.py) must match every talk
they name; bad files save nothing and say why; export → import into a fresh copy
of the day gives back the same notes.
"""

import datetime
import io
import re
from html import unescape

import markdown as markdown_lib
import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db.models import Q
from reversion.models import Revision

from speakers.models import SpeakerAlias
from talks.exporters.recap import export_recap
from talks.importers.recap_match import propose_parts
from talks.models import Day, Note, Talk
from talks.recap import (
    MAX_RECAP_BYTES,
    NoteSource,
    RecapError,
    format_source_line,
    parse_source_line,
    read_recap,
    split_blocks,
)
from talks.tests.factories import (
    load_seed_fixtures,
    make_conference,
    make_day,
    make_note,
    make_speaker,
    make_talk,
    make_user,
)
from talks.tests.recap_samples import (
    RECAP_2009_DAY_2,
    RECAP_2009_TALKS,
    RECAP_2019_HIGHLIGHTS,
    RECAP_2019_TALKS,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeds():
    load_seed_fixtures()


def _day(path: str) -> Day:
    conference, slug = path.split("/")
    return Day.objects.select_related("conference").get(conference__slug=conference, slug=slug)


def _slugs(proposal) -> list[str | None]:
    """The slug of the talk proposed for each part, None for a note on the day."""
    slugs = dict(Talk.objects.values_list("pk", "slug"))
    return [slugs[part.talk.pk] if part.talk else None for part in proposal.parts]


def _notes_of(day) -> list[tuple]:
    """The day's notes as (subject, body, source), in a stable order."""
    notes = Note.objects.filter(Q(day=day) | Q(talk__day=day)).select_related("talk")
    return sorted(
        (
            note.talk.slug if note.talk_id else "(day)",
            note.body.strip(),
            NoteSource.from_fields(note),
        )
        for note in notes
    )


def _import(path, day, *args) -> str:
    out = io.StringIO()
    call_command(
        "import_recap", str(path), "--day", f"{day.conference.slug}/{day.slug}", *args, stdout=out
    )
    return out.getvalue()


# ---------------------------------------------------------------------------
# Matching the seed-shaped recaps


def test_2009_recap_matches_every_talk_its_headings_name(seeds):
    day = _day("djangocon-us-2009/day-2")

    proposal = propose_parts(day, read_recap(RECAP_2009_DAY_2))

    # The line of introduction names no talk: a note on the day.
    assert _slugs(proposal) == [None, *RECAP_2009_TALKS]
    assert proposal.title == "DjangoCon 2009, the second day"
    by_title = {part.talk.title: part for part in proposal.parts if part.talk}
    eric = by_title["Using Django in Non-Standard Ways"]
    assert eric.body.startswith("A tour of the parts of Django")
    assert "- data from remote APIs instead of the ORM\n" in eric.body  # the list as written
    assert eric.body.endswith("looks handy.")
    assert "## " not in eric.body  # the heading names the talk; it is no part of the note
    # "Dinner and the GitHub meetup": each paragraph goes to the item it names.
    assert by_title["Dinner at the Green Dragon"].body == (
        "Dinner at the Green Dragon came first, and it was a good one."
    )
    assert by_title["GitHub meetup"].body.startswith("Then we walked over to Rontoms")
    assert by_title["GitHub meetup"].body.endswith("it has been a great conference so far.")


def test_2019_recap_matches_every_talk_its_paragraphs_name_on_every_day(seeds):
    day = _day("djangocon-us-2019/day-3")

    proposal = propose_parts(day, read_recap(RECAP_2019_HIGHLIGHTS))

    # Introduction and take-aways name no talk; the paragraph about three talks is
    # cut at its sentences. Talks of days 1 and 2 are matched from the day-3 import.
    assert _slugs(proposal) == [None, *RECAP_2019_TALKS, None]
    days = {talk.slug: talk.day.slug for talk in Talk.objects.filter(slug__in=RECAP_2019_TALKS)}
    assert set(days.values()) == {"day-1", "day-2", "day-3"}
    by_slug = dict(zip(_slugs(proposal), proposal.parts, strict=True))
    assert by_slug["nothingness-and-identity-in-python-and-django"].body == (
        "It was a joy to finally meet Daniele Procida, who spoke about nothingness and\n"
        "identity in Python."
    )
    assert by_slug["a-pen-plotter-for-pocket-money"].body.startswith("In a lightning talk he")
    assert by_slug["wasm-matter"].body.startswith("Russell Keith-Magee was back on stage")
    assert by_slug["wasm-matter"].reason == "speaker"
    intro = proposal.parts[0]
    assert intro.body.startswith("8 October 2019\n\nWe have gone to DjangoCon Europe")
    assert intro.body.endswith("Our thanks to them.")


def test_speaker_named_by_an_alias_matches_their_talk():
    day = make_day()
    amber = make_speaker(name="Amber Brown")
    SpeakerAlias.objects.create(speaker=amber, name="HawkOwl")
    keynote = make_talk(day, title="The Natural State of Computers", speakers=[amber])
    make_talk(day, title="Something else", speakers=[make_speaker(name="Bo Lindqvist")])

    parts = propose_parts(day, "HawkOwl told us why single cores stopped getting faster.").parts

    assert [(p.talk.pk, p.reason) for p in parts] == [(keynote.pk, "speaker")]


def test_one_line_paragraph_title_by_speaker_reads_as_a_heading():
    day = make_day()
    ada = make_speaker(name="Ada Quayside")
    talk = make_talk(day, title="Sailing with Django", speakers=[ada])

    parts = propose_parts(
        day, "Sailing with Django by Ada Quayside\n\nIt floated.\n\nAnd it sailed on."
    ).parts

    assert [(p.talk.pk, p.body) for p in parts] == [(talk.pk, "It floated.\n\nAnd it sailed on.")]


def test_one_speaker_of_a_panel_does_not_name_the_panel_alone():
    day = make_day()
    speakers = [make_speaker(name=name) for name in ("Ada Quayside", "Bo Lindqvist", "Cy Ng")]
    make_talk(day, title="Packaging panel", kind="panel", speakers=speakers)

    parts = propose_parts(day, "Bo Lindqvist was funny as ever.").parts

    assert [p.talk for p in parts] == [None]


@pytest.mark.parametrize("talks", [1, 3])
def test_proposing_parts_runs_three_queries_whatever_the_program(django_assert_num_queries, talks):
    day = make_day()
    for n in range(talks):
        make_talk(day, title=f"Talk {n} about caching", speakers=[make_speaker(), make_speaker()])
    make_talk(make_day(day.conference), title="Another day's talk", speakers=[make_speaker()])
    text = "## Talk 0 about caching\n\nFast.\n\n## Lunch\n\nGood."

    with django_assert_num_queries(3):  # talks, their speakers, the speakers' aliases
        parts = propose_parts(day, text).parts

    assert [p.talk.title if p.talk else None for p in parts] == ["Talk 0 about caching", None]


# ---------------------------------------------------------------------------
# Importing: the command


def test_import_recap_creates_draft_notes_with_authors_and_source(seeds, tmp_path):
    day = _day("djangocon-us-2009/day-2")
    Note.objects.filter(Q(day=day) | Q(talk__day=day)).delete()
    path = tmp_path / "day-2.md"
    path.write_text(RECAP_2009_DAY_2)
    writer = make_user(username="rob", first_name="Rob", last_name="H")

    out = _import(
        path, day, "--author", "rob", "--author", "Guest Person",
        "--source-url", "https://blog.example.org/djangocon-day-2",
        "--source-site", "Rob's blog", "--source-date", "2009-09-10",
    )  # fmt: skip

    notes = Note.objects.filter(Q(day=day) | Q(talk__day=day)).select_related("talk")
    assert sorted(n.talk.slug for n in notes if n.talk_id) == sorted(RECAP_2009_TALKS)
    assert [n.body for n in notes if n.day_id] == [
        "My notes from the second day, written up the evening after."
    ]
    assert {n.published for n in notes} == {False}
    assert {n.byline for n in notes} == {"Rob H and Guest Person"}
    assert notes[0].author_list[0].user == writer
    assert {(n.source_url, n.source_title, n.source_site, str(n.source_date)) for n in notes} == {
        (
            "https://blog.example.org/djangocon-day-2",
            "DjangoCon 2009, the second day",  # the recap's title, none being given
            "Rob's blog",
            "2009-09-10",
        )
    }
    assert "Draft notes created: 9 (8 on talks, 1 on the day, 0 on the conference)." in out
    assert "Dive into CPython Bytecode by Alex Gaynor → Dive into CPython Bytecode" in out
    (revision,) = Revision.objects.all()  # one revision for the whole recap
    assert (revision.user, revision.comment) == (None, f"Imported a recap of {day}.")
    assert sorted(
        int(v.object_id) for v in revision.version_set.filter(content_type__model="note")
    ) == sorted(n.pk for n in notes)


def test_import_recap_dry_run_saves_nothing(seeds, tmp_path):
    day = _day("djangocon-us-2009/day-2")
    path = tmp_path / "day-2.md"
    path.write_text(RECAP_2009_DAY_2)
    before = Note.objects.count()

    out = _import(path, day, "--dry-run")

    assert Note.objects.count() == before
    assert "Dry run: 9 parts, nothing saved." in out


def test_unmatched_parts_become_day_notes(tmp_path):
    day = make_day()
    talk = make_talk(day, title="Sailing with Django", speakers=[make_speaker(name="Ada Quayside")])
    path = tmp_path / "recap.md"
    path.write_text(
        "# My day\n\nThe venue had good coffee.\n\n"
        "## Sailing with Django by Ada Quayside\n\nIt floated.\n\n"
        "## Where we ate\n\nNoodles, twice.\n\nAnd cake."
    )

    _import(path, day)

    assert _notes_of(day) == [
        ("(day)", "## Where we ate\n\nNoodles, twice.\n\nAnd cake.", NoteSource()),
        ("(day)", "The venue had good coffee.", NoteSource()),
        (talk.slug, "It floated.", NoteSource()),
    ]


def _png() -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("recap.md", b"", "recap.md: is empty"),
        ("recap.md", b"  \n\n\t ", "recap.md: is empty"),
        ("recap.md", _png(), "recap.md: is not text: byte 0x89 at position 0 is not UTF-8"),
        ("recap.txt", b"Notes\x00\x01\x02 and more", "recap.txt: is not text: it holds control"),
        ("recap.pdf", b"%PDF-1.4 notes", "recap.pdf: is not Markdown or HTML (a .pdf file)"),
        ("recap.md", b"x" * (MAX_RECAP_BYTES + 1), "recap.md: is over 1 MB (1,048,577 bytes)"),
        (
            "recap.md",
            b"## Lunch\n\nGood.\n\nFirst published: [Blog](notaurl)",
            "recap.md: line 5: the source line's link 'notaurl' is no web address",
        ),
        (
            "recap.md",
            b"Good.\n\nFirst published: Blog \xc2\xb7 Date: 10/09/2009",
            "recap.md: line 3: the source line's date '10/09/2009' is not a date",
        ),
        ("recap.html", b"<script>alert(1)</script>", "recap.html: has no text once its HTML"),
    ],
)
def test_import_recap_refuses_bad_files_naming_file_and_problem(tmp_path, name, content, problem):
    day = make_day()
    make_talk(day, title="Lunch")
    make_note(day=day)
    path = tmp_path / name
    path.write_bytes(content)

    with pytest.raises(CommandError) as error:
        _import(path, day)

    assert str(error.value).startswith(str(tmp_path / problem))
    assert str(error.value).endswith("(nothing was saved)")
    assert Note.objects.count() == 1


def test_import_recap_names_a_missing_file_and_an_unknown_day(tmp_path):
    day = make_day()
    with pytest.raises(CommandError, match=r"nowhere\.md: No such file or directory"):
        _import(tmp_path / "nowhere.md", day)
    with pytest.raises(CommandError, match=r"no day 'nope/day-1'"):
        call_command("import_recap", str(tmp_path / "x.md"), "--day", "nope/day-1")


def test_import_recap_refuses_a_bad_source_url_option(tmp_path):
    day = make_day()
    path = tmp_path / "recap.md"
    path.write_text("Good day.")
    with pytest.raises(CommandError, match="--source-url 'blog' is not a web address"):
        _import(path, day, "--source-url", "blog")
    assert Note.objects.count() == 0


def test_import_recap_saves_nothing_when_one_part_cannot_be_saved(tmp_path):
    day = make_day()
    make_talk(day, title="Lunch")
    path = tmp_path / "recap.md"
    long_title = "T" * 400
    path.write_text(
        "## Lunch\n\nGood.\n\n## Dinner\n\nBetter.\n\n"
        f"First published: {long_title} \u00b7 Author: Someone"
    )

    with pytest.raises(CommandError, match="Part 2: original title: Ensure this value"):
        _import(path, day)

    assert Note.objects.count() == 0


# ---------------------------------------------------------------------------
# HTML


HOSTILE = (
    '<p onclick="alert(1)">Sneaky <script>alert(2)</script>'
    '<a href="javascript:alert(3)">link</a> <img src="x.png" onerror="alert(4)"></p>'
)


def _blog_page(markdown_text: str) -> str:
    article = markdown_lib.markdown(markdown_text)
    article = article.replace("<p>Then we walked", HOSTILE + "<p>Then we walked")
    return (
        "<!DOCTYPE html><html><head><title>Rob's blog</title>"
        "<script>var tracker = 1;</script><style>p { color: red }</style></head>"
        f'<body><nav><a href="/">Home</a></nav><article>{article}</article></body></html>'
    )


def test_html_recap_matches_like_markdown_and_is_sanitized(seeds, tmp_path):
    day = _day("djangocon-us-2009/day-2")
    Note.objects.filter(Q(day=day) | Q(talk__day=day)).delete()
    path = tmp_path / "day-2.html"
    path.write_text(_blog_page(RECAP_2009_DAY_2))

    _import(path, day)

    notes = list(Note.objects.filter(Q(day=day) | Q(talk__day=day)).select_related("talk"))
    assert sorted(n.talk.slug for n in notes if n.talk_id) == sorted(RECAP_2009_TALKS)
    for note in notes:
        for trace in ("alert", "<script", "onclick", "onerror", "javascript:", "tracker", "color"):
            assert trace not in note.body
            assert trace not in note.body_html
    eric = next(
        n for n in notes if n.talk_id and n.talk.slug == "using-django-in-non-standard-ways"
    )
    assert "- data from remote APIs instead of the ORM" in eric.body  # Markdown again
    assert "<li>data from remote APIs instead of the ORM</li>" in eric.body_html
    dinner = next(n for n in notes if n.talk_id and n.talk.slug == "dinner-at-the-green-dragon")
    # The hostile paragraph, after the dinner's and naming nothing, stays with it, harmless.
    assert "Sneaky" in dinner.body
    assert "Sneaky" in dinner.body_html


def test_pasted_html_goes_through_the_same_sanitizer_as_markdown():
    markdown_result = read_recap(HOSTILE, fmt="markdown")
    html_result = read_recap(HOSTILE)  # told from the text: HTML

    assert markdown_result == HOSTILE  # Markdown is kept as written; rendering sanitizes it
    assert "alert" not in html_result
    assert "Sneaky" in html_result
    assert "javascript" not in html_result
    assert "Sneaky link" in html_result  # the link's words stay, its javascript: address goes


def test_read_recap_refuses_an_unknown_format():
    with pytest.raises(RecapError, match="unknown format 'rst'"):
        read_recap("Notes.", fmt="rst")


# ---------------------------------------------------------------------------
# Exporting, and importing the export back


def test_export_recap_has_headings_links_and_the_source_line(seeds):
    day = _day("djangocon-us-2009/day-2")

    markdown = export_recap(day)

    assert markdown.startswith("# DjangoCon US 2009: Day 2\n\n")
    assert "\n## Dive into CPython Bytecode by Alex Gaynor\n\n" in markdown
    assert (
        "\n## Pluggable, Reusable Django Apps: A Use Case and Proposed Solution "
        "by Nowell Strite and Shawn Rider\n" in markdown
    )
    dive = Talk.objects.get(slug="dive-into-cpython-bytecode")
    assert f"\n[Video]({dive.video_link})\n" in markdown
    assert dive.video_link != dive.video_url  # where the lightning talk starts
    # Every note shares one source: one line, at the end.
    assert markdown.endswith(
        "\n* * *\n\nFirst published: DjangoCon 2009 Day 2 · Author: Rob Hudson · Date: 2009-09-10\n"
    )
    assert markdown.count("First published:") == 1


def _tricky_day() -> Day:
    """A day whose notes test the recap's shape: two notes on one talk, sources that
    differ, a day note naming a talk, a subheading, code, and a title with markup."""
    day = make_day(make_conference(name="Harbour Django 2026"))
    ada = make_speaker(name="Ada Quayside")
    bo = make_speaker(name="Bo Lindqvist")
    caching = make_talk(
        day,
        title="Caching *all* the_things",
        speakers=[ada, bo],
        slides_url="https://slides.example.org/caching",
        video_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    )
    keynote = make_talk(day, title="Keynote: Open Doors", kind="keynote", speakers=[bo])
    lunch = make_talk(day, title="Lunch", kind="social")
    make_talk(day, title="Nobody wrote this one up", speakers=[make_speaker()])
    make_note(
        day=day,
        body="Bo Lindqvist's keynote Open Doors set the tone.\n\nThe rain did not.",
    )
    make_note(day=day, body="A second note on the day.")
    make_note(
        talk=caching,
        body="Measure first.\n\n### Takeaways\n\n- one\n- two\n\n```\n# not a heading\n```",
        source_url="https://blog.example.org/harbour",
        source_title="Harbour notes",
        source_site="Example blog",
    )
    make_note(talk=caching, body="A second writer's view: *keep* it simple.")
    make_note(talk=keynote, body="Doors, opened.", source_title="Printed zine", source_author="Cy")
    make_note(talk=lunch, body="Soup.")
    make_note(talk=lunch, body="A draft nobody sees.", published=False)
    return day


def test_export_recap_writes_each_source_under_its_note_when_they_differ():
    day = _tricky_day()

    markdown = export_recap(day)

    assert "\n## Day 1\n\nBo Lindqvist's keynote Open Doors set the tone.\n" in markdown
    assert "\n## Caching \\*all\\* the\\_things by Ada Quayside and Bo Lindqvist\n\n" in markdown
    assert (
        "\n[Slides](https://slides.example.org/caching) · "
        "[Video](https://www.youtube.com/watch?v=dQw4w9WgXcQ)\n" in markdown
    )
    assert markdown.count("## Caching") == 2  # a heading per note
    assert (
        "First published: [Harbour notes](https://blog.example.org/harbour) · "
        "Site: Example blog\n" in markdown
    )
    assert "First published: Printed zine · Author: Cy\n" in markdown
    assert "A draft nobody sees" not in markdown
    assert "Nobody wrote this one up" not in markdown


def test_export_then_import_into_a_fresh_day_gives_the_same_notes(seeds, tmp_path):
    days = ["djangocon-us-2009/day-2", *(f"djangocon-us-2019/day-{n}" for n in (1, 2, 3))]
    for day_path in days:
        day = _day(day_path)
        path = tmp_path / f"{day.slug}.md"
        path.write_text(export_recap(day))
        before = _notes_of(day)
        Note.objects.filter(Q(day=day) | Q(talk__day=day)).delete()

        _import(path, day)

        assert _notes_of(day) == before, day_path
        assert before, day_path


def test_export_then_import_keeps_subheadings_sources_and_notes_on_one_talk(tmp_path):
    day = _tricky_day()
    Note.objects.filter(published=False).delete()
    path = tmp_path / "recap.md"
    path.write_text(export_recap(day))
    before = _notes_of(day)
    Note.objects.all().delete()

    _import(path, day)

    assert _notes_of(day) == before
    assert len(before) == 6


def test_export_recap_command_writes_the_file_and_refuses_a_day_without_notes(seeds, tmp_path):
    day = _day("djangocon-us-2009/day-2")
    output = tmp_path / "out.md"

    call_command("export_recap", "djangocon-us-2009/day-2", "-o", str(output))

    assert output.read_text() == export_recap(day)
    with pytest.raises(CommandError, match="djangocon-us-2009/day-3: the day has no published"):
        call_command("export_recap", "djangocon-us-2009/day-3")
    with pytest.raises(CommandError, match="no day 'djangocon-us-2009/day-9'"):
        call_command("export_recap", "djangocon-us-2009/day-9")


# ---------------------------------------------------------------------------
# The admin pages


def _review_data(html: str) -> dict:
    """The review form as the browser would send it: the signed parts and each proposal."""
    data = {"payload": unescape(re.search(r'name="payload" value="([^"]+)"', html).group(1))}
    for name, options in re.findall(r'<select name="(part_\d+)"[^>]*>(.*?)</select>', html, re.S):
        data[name] = re.search(r'<option value="([^"]+)" selected>', options).group(1)
    return data


def _writer(client):
    writer = make_user(is_staff=True, first_name="Wendy", last_name="Writer")
    writer.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_note", "view_day", "view_note"])
    )
    client.force_login(writer)
    return writer


def test_admin_recap_upload_review_and_save_creates_the_reviewed_drafts(client):
    writer = _writer(client)
    day = make_day()
    ada = make_speaker(name="Ada Quayside")
    sailing = make_talk(day, title="Sailing with Django", speakers=[ada])
    lunch = make_talk(day, title="Lunch", kind="social")
    url = f"/admin/talks/day/{day.pk}/recap/"
    upload = SimpleUploadedFile(
        "recap.md",
        b"# My day\n\nIntro.\n\n## Sailing with Django by Ada Quayside\n\nIt floated.\n\n"
        b"## Where we ate\n\nSoup.\n\n## Closing\n\nBye.",
        content_type="text/markdown",
    )

    review = client.post(url, {"file": upload, "source_site": "My blog"})

    page = review.content.decode()
    assert review.status_code == 200
    assert "4 parts, 1 matched to a talk." in page
    assert "Nothing is saved yet." in page
    assert "Proposed: Sailing with Django (Ada Quayside), named by its title and speaker." in page
    assert "<p>It floated.</p>" in page
    assert Note.objects.count() == 0
    data = _review_data(page)
    assert data["part_2"] == f"talk-{sailing.pk}"
    data["part_3"] = f"talk-{lunch.pk}"  # "Where we ate" is about lunch
    data["part_4"] = "drop"

    saved = client.post(url, data)

    assert saved.status_code == 302
    assert saved["Location"] == f"/admin/talks/day/{day.pk}/change/"
    assert _notes_of(day) == [
        ("(day)", "Intro.", NoteSource(site="My blog")),
        (lunch.slug, "## Where we ate\n\nSoup.", NoteSource(site="My blog")),
        (sailing.slug, "It floated.", NoteSource(site="My blog")),
    ]
    assert {n.published for n in Note.objects.all()} == {False}
    assert {n.byline for n in Note.objects.all()} == {"Wendy Writer"}
    assert Note.objects.first().author_list[0].user == writer
    (revision,) = Revision.objects.all()
    assert revision.user == writer
    assert revision.version_set.filter(content_type__model="note").count() == 3
    followed = client.get(saved["Location"])
    assert (
        "Recap imported. Draft notes created: 3 (2 on talks, 1 on the day, 0 on the conference). Parts dropped: 1."
        in followed.content.decode()
    )


def test_admin_recap_page_is_linked_from_the_day_and_lists_the_fields(admin_client):
    day = make_day()

    change = admin_client.get(f"/admin/talks/day/{day.pk}/change/").content.decode()
    page = admin_client.get(f"/admin/talks/day/{day.pk}/recap/").content.decode()

    assert f'href="/admin/talks/day/{day.pk}/recap/">Import a recap</a>' in change
    assert f'href="/admin/talks/day/{day.pk}/recap.md">Export the recap</a>' in change
    assert f"<h1>Import a recap of {day.label}</h1>" in page
    for field in ("text", "file", "format", "authors", "source_url", "source_date"):
        assert f'id="id_{field}"' in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Paste a recap or upload a file."),
        ({"text": "   \n  "}, "The pasted recap is empty."),
        (
            {"text": "<script>alert(1)</script>"},
            "The pasted recap has no text once its HTML is cleaned.",
        ),
        (
            {"file": ("notes.docx", b"PK\x03\x04")},
            "“notes.docx” is not Markdown or HTML (a .docx file)",
        ),
        ({"file": ("notes.md", b"\xff\xfe\x00")}, "“notes.md” is not text"),
        ({"file": ("notes.md", b"")}, "The submitted file is empty."),  # Django's own check
        (
            {"file": ("big.md", b"a" * (MAX_RECAP_BYTES + 1))},
            "“big.md” is over 1 MB (1,048,577 bytes).",
        ),
        (
            {"text": "Hi", "file": ("notes.md", b"Hello")},
            "Paste a recap or upload a file, not both.",
        ),
        ({"text": "Hi", "source_url": "not a url"}, "Enter a valid URL."),
        (
            {"text": "A paragraph.\n\n* * *\n\n" * 201},
            "The pasted recap has 201 parts; the review takes at most 200.",
        ),
    ],
)
def test_admin_recap_bad_input_is_refused_with_a_clear_error(admin_client, data, message):
    day = make_day()
    make_note(day=day)
    if "file" in data:
        name, content = data["file"]
        data = {**data, "file": SimpleUploadedFile(name, content)}

    response = admin_client.post(f"/admin/talks/day/{day.pk}/recap/", data)

    page = unescape(response.content.decode())
    assert response.status_code == 200
    assert message in page
    assert "Please correct the" in page
    assert Note.objects.count() == 1


def test_admin_recap_refuses_an_altered_review(admin_client):
    day = make_day()
    review = admin_client.post(f"/admin/talks/day/{day.pk}/recap/", {"text": "Good day."})
    data = _review_data(review.content.decode())
    data["payload"] = data["payload"].replace(":", ";", 1)

    response = admin_client.post(f"/admin/talks/day/{day.pk}/recap/", data, follow=True)

    assert "That review is out of date or was altered" in response.content.decode()
    assert Note.objects.count() == 0


def test_admin_recap_review_of_one_day_cannot_be_saved_on_another(admin_client):
    day, other = make_day(), make_day()
    review = admin_client.post(f"/admin/talks/day/{day.pk}/recap/", {"text": "Good day."})
    data = _review_data(review.content.decode())

    admin_client.post(f"/admin/talks/day/{other.pk}/recap/", data)

    assert Note.objects.count() == 0


def test_admin_recap_refuses_a_talk_of_another_conference(admin_client):
    day = make_day()
    stranger = make_talk(make_day(), title="Elsewhere")
    review = admin_client.post(f"/admin/talks/day/{day.pk}/recap/", {"text": "Good day."})
    data = {**_review_data(review.content.decode()), "part_1": f"talk-{stranger.pk}"}

    response = admin_client.post(f"/admin/talks/day/{day.pk}/recap/", data)

    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert Note.objects.count() == 0


def test_admin_recap_needs_permission_to_add_notes(client):
    user = make_user(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_day"))
    client.force_login(user)
    day = make_day()

    page = client.get(f"/admin/talks/day/{day.pk}/recap/")
    change = client.get(f"/admin/talks/day/{day.pk}/change/").content.decode()

    assert page.status_code == 403
    assert "Import a recap" not in change
    assert "Export the recap" in change


def test_admin_recap_export_downloads_the_markdown(admin_client, seeds):
    day = _day("djangocon-us-2009/day-2")

    response = admin_client.get(f"/admin/talks/day/{day.pk}/recap.md")

    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="djangocon-us-2009-day-2.md"'
    assert response.content.decode() == export_recap(day)


@pytest.mark.parametrize(
    "source",
    [
        NoteSource(url="https://example.org/a_b", title="Notes · Day 2 [draft]", site="Blog"),
        NoteSource(title="Keynote: Open Doors", author="Cy", date=datetime.date(2019, 10, 8)),
        NoteSource(site="Site: the story"),
        NoteSource(url="https://example.org/only-a-link"),
        NoteSource(author="Łukasz *Star* Lang_a"),
    ],
)
def test_source_line_reads_back_what_it_wrote(source):
    line = format_source_line(source)

    assert parse_source_line(split_blocks(line)[0]) == source
