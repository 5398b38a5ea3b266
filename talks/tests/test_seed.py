"""`manage.py seed`: the seed fixtures go in once; later runs add what is missing and
keep every row that exists, so writers' changes to seed objects stay."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from reversion.models import Revision

from speakers.models import Speaker, SpeakerAlias
from talks.models import (
    Author,
    Conference,
    Day,
    Link,
    Note,
    NoteAuthor,
    TaggedTalk,
    Talk,
    TalkSpeaker,
)
from talks.search import search_talks
from talks.tests.factories import FIXTURE_FILES, load_seed_fixtures

BYTECODE = ("djangocon-us-2009", "dive-into-cpython-bytecode")

pytestmark = pytest.mark.django_db


def seed(*files, verbosity=1) -> str:
    out = StringIO()
    call_command("seed", *(files or FIXTURE_FILES), stdout=out, verbosity=verbosity)
    return out.getvalue()


def dump() -> list[str]:
    """Every content row, by natural keys, without primary keys: comparable across loads."""
    out = StringIO()
    call_command(
        "dumpdata",
        "auth.user",
        "talks",
        "speakers",
        "taggit",
        natural_foreign=True,
        natural_primary=True,
        stdout=out,
    )
    rows = json.loads(out.getvalue())
    return sorted(
        json.dumps({k: v for k, v in row.items() if k != "pk"}, sort_keys=True) for row in rows
    )


def test_a_second_run_keeps_what_writers_changed_and_names_it():
    seed()
    talk = Talk.objects.get_by_natural_key(*BYTECODE)
    talk.title = "Dive into CPython bytecode, as we saw it"
    talk.save()
    note = Note.objects.filter(talk=talk).first()
    note.body = "Rewritten here."
    note.save()

    output = seed()

    talk.refresh_from_db()
    note.refresh_from_db()
    assert talk.title == "Dive into CPython bytecode, as we saw it"
    assert note.body_html == "<p>Rewritten here.</p>"
    assert f"talks.Talk {'/'.join(BYTECODE)}: title" in output
    assert f"talks.Note {note.uid}: body, body_html" in output
    assert "talks.Talk: 0 added, 80 already there, kept" in output
    assert "Kept 2 rows changed here" in output


def test_every_kept_row_is_named_on_request():
    seed()

    output = seed(verbosity=2)

    assert "Every row kept because it exists:" in output
    assert f"talks.Talk {'/'.join(BYTECODE)}" in output
    assert "speakers.Speaker amber-brown" in output


def test_a_missing_row_is_added_back_and_nothing_else_changes():
    seed()
    talk = Talk.objects.get_by_natural_key("djangocon-us-2009", "how-to-contribute-to-pinax")
    link = talk.links.get()
    url = link.url
    link.delete()
    before = dump()

    output = seed()

    assert talk.links.get().url == url
    assert "talks.Link: 1 added, 42 already there, kept" in output
    after = dump()
    assert [row for row in after if row not in before] == [
        row for row in after if '"model": "talks.link"' in row and url in row
    ]


def test_a_run_on_an_empty_database_gives_what_loaddata_gives():
    seed()
    seeded = dump()
    for model in (NoteAuthor, Note, TaggedTalk, Link, TalkSpeaker, Talk, Day, Conference):
        model.objects.all().delete()
    for model in (SpeakerAlias, Speaker, Author):
        model.objects.all().delete()
    from taggit.models import Tag

    Tag.objects.all().delete()
    assert not Talk.objects.exists()

    load_seed_fixtures()

    assert dump() == seeded


def test_a_talk_renamed_here_is_kept_not_added_again():
    seed()
    talk = Talk.objects.get_by_natural_key(*BYTECODE)
    talk.slug = "bytecode-by-alex"
    talk.save()
    speakers = list(talk.speakers.values_list("slug", flat=True))
    talks = Talk.objects.count()

    output = seed()

    assert Talk.objects.count() == talks
    assert list(talk.speakers.values_list("slug", flat=True)) == speakers
    assert (
        "talks.Talk djangocon-us-2009/bytecode-by-alex: slug (“dive-into-cpython-bytecode” in "
        "the fixture)" in output
    )
    assert "talks.TalkSpeaker: 0 added" in output


def test_what_a_run_adds_is_searchable_and_shown_at_once(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        seed()
    talk = Talk.objects.get_by_natural_key(*BYTECODE)
    conference_page = "/djangocon-us-2009/"
    assert talk.title in client.get(conference_page).text
    with django_capture_on_commit_callbacks(execute=True):
        talk.delete()
    assert talk.title not in client.get(conference_page).text  # cached now
    assert BYTECODE[1] not in [hit.talk.slug for hit in search_talks("bytecode").hits]

    with django_capture_on_commit_callbacks(execute=True):
        seed()

    assert talk.title in client.get(conference_page).text
    assert BYTECODE[1] in [hit.talk.slug for hit in search_talks("bytecode").hits]


def test_a_run_records_one_revision_of_what_it_added():
    seed()
    seed()

    (revision,) = Revision.objects.all()
    assert revision.comment.startswith("Seed data added by seed from ")
    assert revision.version_set.filter(content_type__model="talk").count() == 80


def test_a_bad_file_changes_nothing(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('[{"model": "talks.conference", "fields": {"name": "X"}}, ')

    with pytest.raises(CommandError, match=r"bad.json: not JSON: .*\(nothing was loaded\)"):
        seed(*FIXTURE_FILES, str(bad))

    assert not Conference.objects.exists() and not Speaker.objects.exists()


def test_an_unknown_model_is_named_with_its_place(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"model": "talks.nothing", "fields": {}}]))

    with pytest.raises(CommandError, match=r"bad.json: object 1: .*nothing"):
        seed(str(bad))
