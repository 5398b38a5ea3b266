"""Revision history (confnotes/history/, django-reversion): what an edit records, the
history and compare pages, restoring and recovering, imports as one revision."""

import datetime
import json
from io import StringIO

import pytest
from django.core import serializers
from django.core.management import call_command
from django.urls import reverse
from reversion.models import Revision, Version

from confnotes.history import versions
from speakers.models import Speaker, SpeakerAlias
from talks.importers.pyvideo import import_pyvideo
from talks.models import Author, Conference, Day, Note, Talk, TalkSpeaker
from talks.tests.factories import (
    make_conference,
    make_day,
    make_link,
    make_note,
    make_speaker,
    make_talk,
)
from talks.tests.pyvideo_samples import video, write_event

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------
# Helpers: the admin's forms, filled as a writer leaves them


def form_data(response) -> dict:
    """The POST data of the admin form in `response`, as the page shows it."""
    data = {}

    def add(form):
        for bound in form:
            value = bound.value()
            if bound.name == "tags":
                value = bound.field.widget.format_value(value)
            if value is None or value is False:
                continue
            if value is True:
                value = "on"
            elif isinstance(value, list | tuple):
                value = [str(v) for v in value]
            elif not isinstance(value, str):
                value = str(value)
            data[bound.html_name] = value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def history_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_history", args=[obj.pk])


def compare_url(obj, before, after) -> str:
    name = f"admin:{obj._meta.app_label}_{obj._meta.model_name}_compare"
    return f"{reverse(name, args=[obj.pk])}?from={before.pk}&to={after.pk}"


def restore_url(obj, version) -> str:
    name = f"admin:{obj._meta.app_label}_{obj._meta.model_name}_revision"
    return reverse(name, args=[obj.pk, version.pk])


def edit(client, obj, **changes):
    """Open the change page of `obj`, change some fields, save: as a writer does."""
    data = form_data(client.get(change_url(obj)))
    data.update(changes)
    response = client.post(change_url(obj), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return response


def versions_of(obj) -> list:
    """Oldest first."""
    return list(reversed(versions.versions_of(type(obj), obj.pk)))


# ---------------------------------------------------------------------------
# Recording


def test_admin_edit_records_a_revision_with_user_and_comment(admin_client, admin_user):
    talk = make_talk(title="Dive into bytecode")

    edit(admin_client, talk, title="Dive into CPython bytecode")

    (version,) = versions_of(talk)
    assert version.revision.user == admin_user
    assert version.revision.get_comment() == "Changed Title."
    assert version.field_dict["title"] == "Dive into CPython bytecode"


def test_a_note_written_in_the_admin_keeps_its_default_author_in_its_version(
    admin_client, admin_user
):
    talk = make_talk()
    data = form_data(admin_client.get(reverse("admin:talks_note_add")))
    data.update(talk=str(talk.pk), body="First *draft*.")

    response = admin_client.post(reverse("admin:talks_note_add"), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    note = Note.objects.get(talk=talk)
    followed = versions.followed_versions(versions_of(note))
    (author_version,) = followed[versions_of(note)[0].pk]["note_authors"]
    assert author_version.field_dict["author_id"] == Author.objects.get(user=admin_user).pk


def test_bulk_versions_are_what_reversion_writes_one_by_one():
    """What imports store in bulk reads back as reversion's own versions."""
    day = make_day()
    talk = make_talk(
        day,
        title="Ümlauts “and” quotes\nand a second line",
        abstract="# Notes\n\n* one",
        duration=datetime.timedelta(minutes=25),
        start_time=datetime.time(9, 30),
        video_start=12,
        video_url="https://www.youtube.com/watch?v=abc",
        extra={"pyvideo": {"x": [1, 2]}},
    )
    speaker = make_speaker(name="Ada Lovelace", website="https://ada.example.org")
    SpeakerAlias.objects.create(speaker=speaker, name="Ada King")
    note = make_note(talk=talk, source_date=datetime.date(2020, 1, 2))

    for obj in (day.conference, day, talk, speaker, note, TalkSpeaker(talk=talk, speaker=speaker)):
        if obj.pk is None:
            obj.save()
        fields = versions._registry[type(obj)].fields
        expected = serializers.serialize("json", [obj], fields=fields)
        assert versions.serialize(obj) == expected


def test_publish_action_records_who_published(admin_client, admin_user):
    note = make_note(talk=make_talk(), published=False)

    admin_client.post(
        reverse("admin:talks_note_changelist"), {"action": "publish", "_selected_action": [note.pk]}
    )

    (version,) = versions_of(note)
    assert version.revision.user == admin_user
    assert version.revision.comment == "Published (list action)."
    assert version.field_dict["published"] is True


# ---------------------------------------------------------------------------
# History and compare pages


def test_history_page_lists_every_revision_with_who_and_when(admin_client, admin_user):
    talk = make_talk(title="First title")
    edit(admin_client, talk, title="Second title")
    edit(admin_client, talk, room="Ballroom")

    html = admin_client.get(history_url(talk)).content.decode()

    assert html.count(f"<td>{admin_user.get_username()}</td>") == 2
    assert "Changed Title." in html and "Changed Room." in html
    newest, older = versions.versions_of(Talk, talk.pk)
    assert f'name="to" value="{newest.pk}" checked' in html
    assert f'name="from" value="{older.pk}" checked' in html
    assert f'href="{restore_url(talk, older)}"' in html
    assert "Compare from the version of" in html  # each radio has its label


def test_compare_page_shows_the_changed_fields_old_and_new(admin_client):
    talk = make_talk(title="Old title", abstract="Line one.\nLine two.\nLine three.")
    edit(admin_client, talk, room="Ballroom")
    edit(
        admin_client,
        talk,
        title="New title",
        abstract="Line one.\nLine 2, rewritten.\nLine three.",
    )
    before, after = versions_of(talk)

    html = admin_client.get(compare_url(talk, after, before)).content.decode()  # either order

    assert '<th scope="row">Title</th><td><del>Old title</del></td><td><ins>New title</ins>' in html
    assert "Removed: </span>Line two.</del>" in html
    assert "Added: </span>Line 2, rewritten.</ins>" in html
    assert "  Line one." in html  # unchanged context, unmarked
    assert "Ballroom" not in html  # the room did not change between these two


def test_compare_page_shows_changed_speakers_links_and_tags(admin_client):
    ada, bo = make_speaker(name="Ada Lovelace"), make_speaker(name="Bo Diddley")
    talk = make_talk(speakers=[ada], tags=["python"])
    edit(admin_client, talk, room="A")
    TalkSpeaker.objects.filter(talk=talk).delete()
    TalkSpeaker.objects.create(talk=talk, speaker=bo, position=0)
    talk.tags.set(["django"])
    make_link(talk, url="https://blog.example.org/post", title="Write-up")
    edit(admin_client, talk, room="B")
    before, after = versions_of(talk)

    html = admin_client.get(compare_url(talk, before, after)).content.decode()

    assert '<h3 id="change-1">Speakers</h3>' in html
    assert "Removed: </span>Ada Lovelace</del>" in html
    assert "Added: </span>Bo Diddley</ins>" in html
    assert "Added: </span>Blog post · https://blog.example.org/post · Write-up</ins>" in html
    assert "Removed: </span>python</del>" in html and "Added: </span>django</ins>" in html


def test_compare_refuses_versions_of_another_object(admin_client):
    talk, other = make_talk(), make_talk()
    edit(admin_client, talk, room="A")
    edit(admin_client, other, room="B")
    (mine,) = versions_of(talk)
    (theirs,) = versions_of(other)

    for query in (f"?from={mine.pk}&to={theirs.pk}", f"?from={mine.pk}&to={mine.pk}", "?from=x"):
        url = reverse("admin:talks_talk_compare", args=[talk.pk]) + query
        response = admin_client.get(url, follow=True)
        assert "Choose two different versions of this talk to compare." in response.text
        assert response.redirect_chain[-1][0] == history_url(talk)


@pytest.mark.parametrize("edits", [2, 6])
def test_history_and_compare_pages_run_a_fixed_number_of_queries(
    admin_client, django_assert_num_queries, edits
):
    talk = make_talk(speakers=[make_speaker()], tags=["python"])
    make_link(talk)
    for n in range(edits):
        edit(admin_client, talk, room=f"Room {n}", abstract=f"Text {n}.\nMore.")
    oldest, *_, newest = versions_of(talk)
    admin_client.get(history_url(talk))  # content types and the session are read once

    # Session, user, the talk, its versions with their revisions and users.
    with django_assert_num_queries(4):
        response = admin_client.get(history_url(talk))
    assert response.content.decode().count("Changed Room and Abstract.") == edits

    # Session, user, the talk, the two versions, the rows they followed, the days
    # and speakers and tags they name.
    with django_assert_num_queries(8):
        response = admin_client.get(compare_url(talk, oldest, newest))
    assert f"Text {edits - 1}." in response.content.decode()


# ---------------------------------------------------------------------------
# Restore and recover


def test_restoring_an_old_version_brings_its_text_back_as_a_new_revision(admin_client, admin_user):
    alex, chris = make_speaker(name="Alex G"), make_speaker(name="Chris H")
    talk = make_talk(title="Bytecode", abstract="The *first* text.", speakers=[alex])
    old_link = make_link(talk, url="https://old.example.org/")
    edit(admin_client, talk, room="A")
    TalkSpeaker.objects.filter(talk=talk).delete()
    TalkSpeaker.objects.create(talk=talk, speaker=chris)
    old_link.delete()
    make_link(talk, url="https://new.example.org/")
    edit(admin_client, talk, title="Bytecode, revised", abstract="A *second* text.")
    first, _second = versions_of(talk)

    preview = admin_client.get(restore_url(talk, first))
    assert preview.status_code == 200
    assert "as it was in the version of" in preview.text
    assert 'value="Bytecode"' in preview.text
    talk.refresh_from_db()
    assert talk.title == "Bytecode, revised"  # looking changes nothing

    response = admin_client.post(restore_url(talk, first), form_data(preview))

    assert response.status_code == 302, response.content.decode()[:3000]
    talk.refresh_from_db()
    assert talk.title == "Bytecode"
    assert talk.abstract_html == "<p>The <em>first</em> text.</p>"
    assert [s.name for s in talk.speakers.all()] == ["Alex G"]
    assert list(talk.links.values_list("url", flat=True)) == ["https://old.example.org/"]
    newest = versions_of(talk)[-1]
    assert len(versions_of(talk)) == 3
    assert newest.revision.user == admin_user
    assert newest.revision.comment.startswith("Restored the version of ")
    assert newest.field_dict["title"] == "Bytecode"


def test_restoring_a_version_of_an_import_restores_that_talk_only(tmp_path, admin_client):
    event = write_event(
        tmp_path,
        "history-con-2021",
        {"a": video(title="Talk A", id=1), "b": video(title="Talk B", id=2)},
    )
    import_pyvideo(event)
    talk_a, talk_b = Talk.objects.order_by("title")
    edit(admin_client, talk_a, title="Talk A, edited")
    edit(admin_client, talk_b, title="Talk B, edited")
    imported = versions_of(talk_a)[0]

    response = admin_client.get(restore_url(talk_a, imported))
    admin_client.post(restore_url(talk_a, imported), form_data(response))

    assert list(Talk.objects.order_by("title").values_list("title", flat=True)) == [
        "Talk A",
        "Talk B, edited",
    ]


def test_restore_expires_the_cached_pages(client, admin_client):
    talk = make_talk(title="The title as written")
    edit(admin_client, talk, title="A title edited later")
    assert "A title edited later" in client.get(talk.get_absolute_url()).text  # now cached
    assert "A title edited later" in client.get(talk.get_absolute_url()).text
    edit(admin_client, talk, title="The third title")
    first = versions_of(talk)[0]
    assert "The third title" in client.get(talk.get_absolute_url()).text  # cached again

    response = admin_client.get(restore_url(talk, first))
    admin_client.post(restore_url(talk, first), form_data(response))

    html = client.get(talk.get_absolute_url()).text
    assert "A title edited later" in html
    assert "The third title" not in html


def test_a_deleted_note_comes_back_with_its_authors(admin_client, admin_user):
    talk = make_talk()
    note = make_note(talk=talk, body="Worth *keeping*.", authors=["Guest One", admin_user])
    uid, authors = note.uid, [a.name for a in note.author_list]
    delete_url = reverse("admin:talks_note_delete", args=[note.pk])

    admin_client.post(delete_url, {"post": "yes"})

    assert not Note.objects.filter(uid=uid).exists()
    listing = admin_client.get(reverse("admin:talks_note_recoverlist")).text
    (deleted,) = Version.objects.get_deleted(Note)
    assert deleted.revision.comment.startswith("Deleted “Note by Guest One and ")
    recover_url = reverse("admin:talks_note_recover", args=[deleted.pk])
    assert f'href="{recover_url}"' in listing

    form = admin_client.get(recover_url)
    assert "This note was deleted." in form.text
    response = admin_client.post(recover_url, form_data(form))

    assert response.status_code == 302, response.content.decode()[:3000]
    note = Note.objects.get(uid=uid)
    assert note.body_html == "<p>Worth <em>keeping</em>.</p>"
    assert [a.name for a in note.author_list] == authors
    assert versions_of(note)[-1].revision.comment.startswith("Recovered, as it was on ")


def test_deleting_a_talk_keeps_versions_of_its_notes(admin_client):
    talk = make_talk()
    note = make_note(talk=talk)
    label = str(note)

    admin_client.post(reverse("admin:talks_talk_delete", args=[talk.pk]), {"post": "yes"})

    assert not Note.objects.exists()
    assert [v.object_repr for v in Version.objects.get_deleted(Note)] == [label]


def test_restore_needs_the_change_permission(client, admin_client, django_user_model):
    talk = make_talk(title="Kept")
    edit(admin_client, talk, title="Kept too")
    (version,) = versions_of(talk)
    viewer = django_user_model.objects.create_user("viewer", is_staff=True)
    client.force_login(viewer)

    response = client.post(restore_url(talk, version), {"title": "Changed"})

    assert response.status_code == 403
    talk.refresh_from_db()
    assert talk.title == "Kept too"


# ---------------------------------------------------------------------------
# Imports: one revision per run


def test_an_import_run_records_one_revision(tmp_path):
    root = tmp_path / "data"
    write_event(root, "one-con-2021", {f"t{i}": video(title=f"One {i}", id=i) for i in range(3)})
    write_event(root, "two-con-2022", {"talk": video(title="Two", id=9, recorded="2022-01-01")})

    import_pyvideo(root)

    (revision,) = Revision.objects.all()
    assert revision.user is None
    assert revision.comment == f"Imported by import_pyvideo from {root}."
    kinds = {v.content_type.model for v in revision.version_set.all()}
    assert kinds == {"conference", "day", "talk", "talkspeaker", "speaker"}
    assert revision.version_set.filter(content_type__model="talk").count() == 4

    import_pyvideo(root)  # nothing changed: nothing to record
    assert Revision.objects.count() == 1


def test_an_event_rolled_back_within_its_batch_leaves_no_versions(tmp_path, monkeypatch):
    from talks.importers import pyvideo

    root = tmp_path / "data"
    write_event(root, "a-con-2020", {"a": video(title="First", id=1)}, category={"title": "A"})
    write_event(root, "b-con-2021", {"b": video(title="Second", id=2)}, category={"title": "B"})
    real_links = pyvideo._EventWriter._links

    def links_failing_in_the_second_event(self, talks):
        real_links(self, talks)  # its talks are written, and then rolled back
        if self.conference.name == "B":
            raise pyvideo.DatabaseError("disk full")

    monkeypatch.setattr(pyvideo._EventWriter, "_links", links_failing_in_the_second_event)
    monkeypatch.setattr(pyvideo, "BATCH_SECONDS", 60)  # both events in one transaction

    summary = import_pyvideo(root)

    assert len(summary.failures) == 1
    (revision,) = Revision.objects.all()
    assert {(v.content_type.model, v.object_repr) for v in revision.version_set.all()} == {
        ("conference", "A"),
        ("day", str(Day.objects.get())),
        ("talk", "First"),
        ("talkspeaker", "Talk speaker of First"),
        ("speaker", str(Speaker.objects.get())),
    }
    assert all(v.object is not None for v in revision.version_set.all())


def test_an_import_that_changes_a_talk_adds_its_version(tmp_path, admin_client):
    event = write_event(tmp_path, "change-con-2021", {"t": video(title="Before", id=1)})
    import_pyvideo(event)
    talk = Talk.objects.get()
    edit(admin_client, talk, room="Hall")
    write_event(tmp_path, "change-con-2021", {"t": video(title="After", id=1)})

    import_pyvideo(event)

    titles = [(v.field_dict["title"], v.revision.user is None) for v in versions_of(talk)]
    assert titles == [("Before", True), ("Before", False), ("After", True)]


def test_import_schedule_command_records_one_revision_for_all_files(tmp_path):
    from talks.tests.test_schedule import schedule_of, write

    first = write(tmp_path, "a.json", schedule_of(2))
    other = schedule_of(1)
    other["schedule"]["conference"].update(acronym="other", title="Other Conf 2021")
    second = write(tmp_path, "b.json", other)

    call_command("import_schedule", str(first), str(second), stdout=StringIO())

    (revision,) = Revision.objects.all()
    assert revision.comment == f"Imported by import_schedule from {first}, {second}."
    assert {v.object_repr for v in revision.version_set.filter(content_type__model="talk")} == {
        "Talk 0",
        "Talk 1",
    }
    assert Conference.objects.count() == 2


def test_a_talk_withdrawn_by_no_publish_can_be_recovered(tmp_path):
    root = tmp_path / "data"
    write_event(root, "gone-con-2021", {"t": video(title="Withdrawn", id=5)})
    import_pyvideo(root)
    (root / "NO_PUBLISH.json").write_text(json.dumps([5]))

    import_pyvideo(root)

    assert not Talk.objects.exists()
    assert [v.object_repr for v in Version.objects.get_deleted(Talk)] == ["Withdrawn"]


def test_days_and_speakers_are_restored_a_speaker_with_its_aliases(admin_client):
    day = make_day(title="Tutorials")
    speaker = make_speaker(name="Ada")
    SpeakerAlias.objects.create(speaker=speaker, name="Ada King")
    edit(admin_client, day, title="Workshops")
    edit(admin_client, speaker, name="Ada Lovelace", bio="Wrote *the* first program.")
    SpeakerAlias.objects.all().delete()
    edit(admin_client, speaker, name="A. Lovelace")
    first_day, first_speaker = versions_of(day)[0], versions_of(speaker)[0]

    for obj, version in ((day, first_day), (speaker, first_speaker)):
        response = admin_client.get(restore_url(obj, version))
        admin_client.post(restore_url(obj, version), form_data(response))

    assert Day.objects.get(pk=day.pk).title == "Workshops"
    speaker = Speaker.objects.get(pk=speaker.pk)
    assert (speaker.name, speaker.bio_html) == (
        "Ada Lovelace",
        "<p>Wrote <em>the</em> first program.</p>",
    )
    assert list(speaker.aliases.values_list("name", flat=True)) == ["Ada King"]


def test_conference_history_page_is_reached_from_its_change_page(admin_client):
    conference = make_conference(name="History Con")
    edit(admin_client, conference, city="Lisbon")

    change = admin_client.get(change_url(conference)).text
    history = admin_client.get(history_url(conference)).text

    assert f'href="{history_url(conference)}"' in change
    assert "<h1>Change history: History Con</h1>" in history
    assert "Changed City." in history


def test_a_row_that_cannot_come_back_is_named_and_the_rest_restored(admin_client):
    ada, other = make_speaker(name="Ada"), make_speaker(name="Other")
    SpeakerAlias.objects.create(speaker=ada, name="Ada King")
    edit(admin_client, ada, bio="First bio.")
    SpeakerAlias.objects.all().delete()
    SpeakerAlias.objects.create(speaker=other, name="Ada King")  # the alias went elsewhere
    edit(admin_client, ada, bio="Second bio.")
    first = versions_of(ada)[0]

    preview = admin_client.get(restore_url(ada, first))
    assert "cannot come back" in preview.text
    response = admin_client.post(restore_url(ada, first), form_data(preview), follow=True)

    assert "Not restored: “Ada King” clashes with a row saved since." in response.text
    ada.refresh_from_db()
    assert ada.bio == "First bio."
    assert list(other.aliases.values_list("name", flat=True)) == ["Ada King"]
