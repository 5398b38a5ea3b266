"""Writers, editors, superusers and staff without a role, against every admin page and action.

The groups come from talks/migrations/0010: the `site` fixture runs that migration's
code on the models as they were at that migration, since a transactional test run
earlier flushes the groups the test database was migrated with.
"""

import importlib

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from reversion.models import Version

from confnotes.history.versions import record_revision, versions_of
from speakers.models import Speaker
from talks.models import Author, Conference, Day, Note, NoteAuthor, Talk
from talks.tests.factories import (
    make_conference,
    make_day,
    make_note,
    make_speaker,
    make_talk,
    make_user,
)
from talks.tests.test_history import form_data

pytestmark = pytest.mark.django_db

MIGRATION = "0010_writer_and_editor_groups"
roles_migration = importlib.import_module(f"talks.migrations.{MIGRATION}")


def _migration_apps():
    """The models as the migration sees them (not as they are now)."""
    return MigrationLoader(None).project_state(("talks", MIGRATION)).apps


def _make_groups(apps) -> None:
    roles_migration.create_role_groups(apps, connection.schema_editor())


def _codenames(group_name: str) -> set[str]:
    group = Group.objects.get(name=group_name)
    return {
        f"{app}.{codename}"
        for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }


@pytest.fixture(scope="module")
def migration_apps():
    return _migration_apps()


@pytest.fixture
def site(migration_apps):
    """The groups, a user of each role, and notes of two writers on one talk."""
    _make_groups(migration_apps)
    writer = make_user(username="wendy", is_staff=True)
    writer.groups.add(Group.objects.get(name="Writers"))
    other_writer = make_user(username="otto", is_staff=True)
    other_writer.groups.add(Group.objects.get(name="Writers"))
    editor = make_user(username="edith", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    talk = make_talk(make_day(make_conference(name="Harbour Conf")), title="Tides")
    return {
        "writer": writer,
        "editor": editor,
        "superuser": make_user(username="root", is_staff=True, is_superuser=True),
        "nobody": make_user(username="staffer", is_staff=True),
        "talk": talk,
        "speaker": make_speaker(name="Ada Quayside"),
        "own_draft": make_note(talk=talk, authors=[writer], body="Mine, draft.", published=False),
        "own_published": make_note(talk=talk, authors=[writer], body="Mine, out."),
        "other_draft": make_note(
            talk=talk, authors=[other_writer], body="Otto's draft.", published=False
        ),
    }


def _author_users(note) -> list:
    """The accounts of the note's authors, in byline order (None for a guest)."""
    return [na.author.user for na in note.note_authors.select_related("author__user")]


def _login(client, site, role):
    client.force_login(site[role])
    return client


def _note_form(note, **changes) -> dict:
    """The note's change form as the admin posts it, with `changes`."""
    data = {
        "talk": str(note.talk_id or ""),
        "day": "",
        "conference": "",
        "body": note.body,
        "source_url": "",
        "source_title": "",
        "source_site": "",
        "source_author": "",
        "source_date": "",
        "note_authors-TOTAL_FORMS": "0",
        "note_authors-INITIAL_FORMS": "0",
        "note_authors-MIN_NUM_FORMS": "0",
        "note_authors-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    if note.pk:
        links = list(note.note_authors.all())
        data["note_authors-TOTAL_FORMS"] = data["note_authors-INITIAL_FORMS"] = str(len(links))
        for n, link in enumerate(links):
            data.update(
                {
                    f"note_authors-{n}-id": str(link.pk),
                    f"note_authors-{n}-note": str(note.pk),
                    f"note_authors-{n}-author": str(link.author_id),
                    f"note_authors-{n}-position": str(link.position),
                }
            )
    data.update(changes)
    return data


def _management(prefix: str, total: int = 0, initial: int = 0) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _talk_form(talk, **changes) -> dict:
    """The talk's change form with no speakers, links or notes, plus `changes`."""
    data = {
        "day": str(talk.day_id),
        "title": talk.title,
        "slug": talk.slug,
        "kind": talk.kind,
        "tags": "",
        "position": str(talk.position),
        "start_time": "",
        "duration": "",
        "room": "",
        "track": "",
        "language": "",
        "abstract": "",
        "slides_url": "",
        "video_url": "",
        "video_start": "",
        "video_end": "",
        **_management("talk_speakers"),
        **_management("links"),
        **_management("notes"),
    }
    data.update(changes)
    return data


# --- the groups -------------------------------------------------------------


def test_groups_migration_gives_each_role_its_permissions(migration_apps):
    Group.objects.filter(name__in=["Writers", "Editors"]).delete()

    _make_groups(migration_apps)

    writers, editors = _codenames("Writers"), _codenames("Editors")
    role_models = {
        (model._meta.app_label, model._meta.model_name)
        for model in migration_apps.get_models()
        if model._meta.app_label in {"talks", "speakers", "taggit"}
    }
    every_right = {
        f"{app}.{codename}"
        for app, model, codename in Permission.objects.values_list(
            "content_type__app_label", "content_type__model", "codename"
        )
        if (app, model) in role_models
    }
    assert editors == every_right
    assert {"talks.publish_note", "speakers.change_speaker", "taggit.delete_tag"} <= editors
    views = {right for right in every_right if right.split(".")[1].startswith("view_")}
    assert {"talks.view_talk", "speakers.view_speaker", "taggit.view_tag"} <= views
    writing = {"talks.add_note", "talks.change_note", "talks.delete_note", "talks.add_author"}
    writing |= {f"talks.{right}_noteauthor" for right in ("add", "change", "delete")}
    assert writers == views | writing


def test_groups_migration_runs_twice_to_the_same_groups_and_reverses(migration_apps):
    _make_groups(migration_apps)
    before = _codenames("Writers"), _codenames("Editors")

    _make_groups(migration_apps)

    assert Group.objects.filter(name__in=["Writers", "Editors"]).count() == 2
    assert (_codenames("Writers"), _codenames("Editors")) == before
    roles_migration.delete_role_groups(migration_apps, connection.schema_editor())
    assert not Group.objects.filter(name__in=["Writers", "Editors"]).exists()


# --- lists ------------------------------------------------------------------

CHANGELISTS = [
    "/admin/talks/note/",
    "/admin/talks/talk/",
    "/admin/talks/day/",
    "/admin/talks/conference/",
    "/admin/talks/author/",
    "/admin/speakers/speaker/",
    "/admin/taggit/tag/",
]


@pytest.mark.parametrize("url", CHANGELISTS)
@pytest.mark.parametrize(
    ("role", "status"), [("writer", 200), ("editor", 200), ("superuser", 200), ("nobody", 403)]
)
def test_changelists_by_role(client, site, url, role, status):
    response = _login(client, site, role).get(url)

    assert response.status_code == status


def test_admin_index_of_staff_without_a_role_lists_nothing(client, site):
    html = _login(client, site, "nobody").get("/admin/").content.decode()

    assert "have permission to view or edit anything" in html
    assert "/admin/talks/note/" not in html


@pytest.mark.parametrize("size", [1, 3])
def test_writer_note_list_keeps_its_query_count(client, site, django_assert_num_queries, size):
    for _ in range(size):
        make_note(talk=site["talk"], published=False)
    _login(client, site, "writer")

    with django_assert_num_queries(10):
        response = client.get("/admin/talks/note/")

    assert response.content.decode().count('name="_selected_action"') == 3 + size


# --- notes ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "offered"), [("writer", False), ("editor", True), ("superuser", True)]
)
def test_publish_actions_offered_only_to_who_may_publish(client, site, role, offered):
    html = _login(client, site, role).get("/admin/talks/note/").content.decode()

    assert ('value="publish"' in html) is offered
    assert ('value="unpublish"' in html) is offered
    assert 'value="delete_selected"' in html


def test_writer_forged_publish_action_publishes_nothing(client, site):
    own = site["own_draft"]
    conference = make_conference(published=False)
    day = make_day(published=False)
    _login(client, site, "writer")

    forged = [
        ("note", "publish", own.pk),
        ("note", "unpublish", site["own_published"].pk),
        ("conference", "publish", conference.pk),
        ("day", "publish", day.pk),
    ]
    for model, action, pk in forged:
        url = f"/admin/talks/{model}/"
        response = client.post(url, {"action": action, "_selected_action": [pk]}, follow=True)
        assert response.status_code == 200  # the list again; no action ran

    assert Note.objects.get(pk=own.pk).published is False
    assert Note.objects.get(pk=site["own_published"].pk).published is True
    assert Conference.objects.get(pk=conference.pk).published is False
    assert Day.objects.get(pk=day.pk).published is False


def test_editor_publishes_notes_conferences_and_days(client, site):
    conference = make_conference(published=False)
    day = make_day(published=False)
    _login(client, site, "editor")

    for model, pk in [
        ("note", site["other_draft"].pk),
        ("conference", conference.pk),
        ("day", day.pk),
    ]:
        client.post(f"/admin/talks/{model}/", {"action": "publish", "_selected_action": [pk]})

    assert Note.objects.get(pk=site["other_draft"].pk).published is True
    assert Conference.objects.get(pk=conference.pk).published is True
    assert Day.objects.get(pk=day.pk).published is True


def test_writer_edits_own_note_without_a_published_box(client, site):
    note = site["own_draft"]
    _login(client, site, "writer")
    url = f"/admin/talks/note/{note.pk}/change/"

    html = client.get(url).content.decode()
    response = client.post(url, _note_form(note, body="Mine, *revised*.", published="on"))

    assert '<textarea name="body"' in html
    assert 'name="published"' not in html
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.body_html == "<p>Mine, <em>revised</em>.</p>"
    assert note.published is False and note.published_at is None


def test_writer_sees_another_writers_note_read_only(client, site):
    note = site["other_draft"]

    html = _login(client, site, "writer").get(f"/admin/talks/note/{note.pk}/change/")
    html = html.content.decode()

    assert "Otto&#x27;s draft." in html
    assert '<textarea name="body"' not in html
    assert 'name="_save"' not in html
    assert 'name="note_authors-0-author"' not in html


def test_writer_posting_another_writers_note_gets_403_and_changes_nothing(client, site):
    note = site["other_draft"]
    before = (note.body, list(note.note_authors.values_list("author_id", flat=True)))
    writer_author = Author.for_writer(site["writer"])
    data = _note_form(note, body="Hijacked.", published="on")
    data.update(
        {
            "note_authors-TOTAL_FORMS": "2",
            "note_authors-1-author": str(writer_author.pk),
            "note_authors-1-position": "1",
        }
    )

    response = _login(client, site, "writer").post(f"/admin/talks/note/{note.pk}/change/", data)

    assert response.status_code == 403
    note.refresh_from_db()
    assert (note.body, list(note.note_authors.values_list("author_id", flat=True))) == before
    assert note.published is False


def test_editor_changes_and_publishes_anyones_note(client, site):
    note = site["other_draft"]
    _login(client, site, "editor")

    response = client.post(
        f"/admin/talks/note/{note.pk}/change/", _note_form(note, body="Tidied.", published="on")
    )

    assert response.status_code == 302
    note.refresh_from_db()
    assert note.body == "Tidied."
    assert note.published and note.published_at is not None


def test_writer_adds_a_draft_note_and_is_its_author(client, site):
    talk = site["talk"]
    data = _note_form(Note(talk=talk, body="Fresh from the room."), published="on")

    response = _login(client, site, "writer").post("/admin/talks/note/add/", data)

    assert response.status_code == 302
    note = Note.objects.get(body="Fresh from the room.")
    assert note.published is False
    assert _author_users(note) == [site["writer"]]


def test_staff_without_a_role_cannot_add_a_note(client, site):
    data = _note_form(Note(talk=site["talk"], body="Sneaked in."))

    response = _login(client, site, "nobody").post("/admin/talks/note/add/", data)

    assert response.status_code == 403
    assert not Note.objects.filter(body="Sneaked in.").exists()


def test_writer_autocompletes_the_talk_of_a_note(client, site):
    params = {"app_label": "talks", "model_name": "note", "field_name": "talk", "term": "tid"}

    writer = _login(client, site, "writer").get("/admin/autocomplete/", params)
    client.force_login(site["nobody"])
    nobody = client.get("/admin/autocomplete/", params)

    assert [row["text"] for row in writer.json()["results"]] == [str(site["talk"])]
    assert nobody.status_code == 403


@pytest.mark.parametrize(
    ("role", "note", "allowed"),
    [
        ("writer", "own_draft", True),
        ("writer", "own_published", False),
        ("writer", "other_draft", False),
        ("editor", "own_published", True),
        ("editor", "other_draft", True),
        ("superuser", "own_published", True),
        ("nobody", "own_draft", False),
    ],
)
def test_delete_note_by_role(client, site, role, note, allowed):
    pk = site[note].pk
    url = f"/admin/talks/note/{pk}/delete/"
    _login(client, site, role)

    page = client.get(url)
    response = client.post(url, {"post": "yes"})

    assert page.status_code == (200 if allowed else 403)
    assert response.status_code == (302 if allowed else 403)
    assert Note.objects.filter(pk=pk).exists() is not allowed


def test_writer_bulk_delete_with_anothers_note_deletes_nothing(client, site):
    pks = [site["own_draft"].pk, site["other_draft"].pk]
    _login(client, site, "writer")

    response = client.post(
        "/admin/talks/note/", {"action": "delete_selected", "_selected_action": pks, "post": "yes"}
    )

    assert response.status_code == 403
    assert Note.objects.filter(pk__in=pks).count() == 2


def test_writer_bulk_deletes_own_drafts(client, site):
    pk = site["own_draft"].pk

    response = _login(client, site, "writer").post(
        "/admin/talks/note/", {"action": "delete_selected", "_selected_action": [pk], "post": "yes"}
    )

    assert response.status_code == 302
    assert not Note.objects.filter(pk=pk).exists()


# --- history: a restore changes no more than the user may ---------------------


def _restore_url(note, version) -> str:
    return f"/admin/talks/note/{note.pk}/history/{version.pk}/"


def test_writer_restoring_a_published_version_of_own_draft_keeps_it_a_draft(client, site):
    note = site["own_published"]
    record_revision([note], comment="As published.")
    (version,) = versions_of(Note, note.pk)
    note.published, note.body = False, "Taken back to a draft."
    note.save()
    _login(client, site, "writer")

    form = client.get(_restore_url(note, version))
    response = client.post(_restore_url(note, version), form_data(form))

    assert response.status_code == 302
    note.refresh_from_db()
    assert note.body == "Mine, out."  # the text came back ...
    assert note.published is False  # ... the publication did not: writers do not publish
    assert not Note.objects.visible(staff=False).filter(pk=note.pk).exists()


def test_writer_restoring_a_draft_version_of_own_published_note_keeps_it_published(client, site):
    note = site["own_published"]
    note.published = False
    note.save()
    record_revision([note], comment="A draft once.")
    (version,) = versions_of(Note, note.pk)
    note.published = True
    note.save()
    _login(client, site, "writer")

    response = client.post(
        _restore_url(note, version), form_data(client.get(_restore_url(note, version)))
    )

    assert response.status_code == 302
    note.refresh_from_db()
    assert note.published is True  # nor does a writer unpublish through a restore


def test_editor_restoring_a_published_version_publishes_it(client, site):
    note = site["own_published"]
    record_revision([note], comment="As published.")
    (version,) = versions_of(Note, note.pk)
    note.published = False
    note.save()
    _login(client, site, "editor")

    response = client.post(
        _restore_url(note, version), form_data(client.get(_restore_url(note, version)))
    )

    assert response.status_code == 302
    note.refresh_from_db()
    assert note.published is True


def test_writer_recovering_own_deleted_published_note_gets_a_draft(client, site):
    note = site["own_published"]
    uid = note.uid
    _login(client, site, "editor").post(f"/admin/talks/note/{note.pk}/delete/", {"post": "yes"})
    (deleted,) = Version.objects.get_deleted(Note)
    url = f"/admin/talks/note/recover/{deleted.pk}/"
    _login(client, site, "writer")

    response = client.post(url, form_data(client.get(url)))

    assert response.status_code == 302
    recovered = Note.objects.get(uid=uid)
    assert recovered.body == "Mine, out."
    assert (recovered.published, recovered.published_at) == (False, None)


def test_writer_no_longer_an_author_cannot_restore_a_version_naming_them(client, site):
    note = site["own_draft"]
    record_revision([note], comment="Wendy's.")
    (version,) = versions_of(Note, note.pk)
    note.set_authors([Author.objects.get(user__username="otto")])
    _login(client, site, "writer")

    page = client.get(_restore_url(note, version))
    response = client.post(_restore_url(note, version), _note_form(note))

    assert (page.status_code, response.status_code) == (403, 403)
    assert [a.user.username for a in Note.objects.get(pk=note.pk).author_list] == ["otto"]


# --- conferences, days, talks, speakers ------------------------------------


def _object_urls(site) -> dict[str, str]:
    talk = site["talk"]
    return {
        "talk": f"/admin/talks/talk/{talk.pk}/change/",
        "day": f"/admin/talks/day/{talk.day_id}/change/",
        "conference": f"/admin/talks/conference/{talk.conference_id}/change/",
        "speaker": f"/admin/speakers/speaker/{site['speaker'].pk}/change/",
    }


SHOWN = {"talk": "Tides", "day": "Harbour Conf", "conference": "Harbour Conf", "speaker": "Ada"}


@pytest.mark.parametrize("page", ["talk", "day", "conference", "speaker"])
def test_writer_sees_schedule_pages_read_only(client, site, page):
    response = _login(client, site, "writer").get(_object_urls(site)[page])

    html = response.content.decode()
    assert response.status_code == 200
    assert SHOWN[page] in html
    assert 'name="_save"' not in html
    assert '<input type="text" name="name"' not in html
    assert '<input type="text" name="title"' not in html
    assert "notes-0-body" not in html  # no note form in a page that cannot be saved


@pytest.mark.parametrize("page", ["talk", "day", "conference", "speaker"])
def test_writer_posting_schedule_pages_gets_403_and_changes_nothing(client, site, page):
    talk, speaker = site["talk"], site["speaker"]
    rename = {"title": "Renamed", "name": "Renamed", "published": ""}

    response = _login(client, site, "writer").post(_object_urls(site)[page], rename)

    assert response.status_code == 403
    assert Talk.objects.get(pk=talk.pk).title == "Tides"
    assert Conference.objects.get(pk=talk.conference_id).name == "Harbour Conf"
    assert Conference.objects.get(pk=talk.conference_id).published is True
    assert Day.objects.get(pk=talk.day_id).published is True
    assert Speaker.objects.get(pk=speaker.pk).name == "Ada Quayside"


@pytest.mark.parametrize("page", ["talk", "day", "conference", "speaker"])
def test_staff_without_a_role_cannot_even_see_schedule_pages(client, site, page):
    response = _login(client, site, "nobody").get(_object_urls(site)[page])

    assert response.status_code == 403


def test_writer_cannot_write_notes_through_the_talk_page(client, site):
    talk = site["talk"]
    data = _talk_form(
        talk,
        title="Renamed by a writer",
        **_management("notes", total=1),
        **{"notes-0-body": "Back door.", "notes-0-published": "on"},
    )

    response = _login(client, site, "writer").post(f"/admin/talks/talk/{talk.pk}/change/", data)

    assert response.status_code == 403
    assert Talk.objects.get(pk=talk.pk).title == "Tides"
    assert not Note.objects.filter(body="Back door.").exists()


def test_editor_writes_a_note_through_the_talk_page(client, site):
    talk = site["talk"]
    data = _talk_form(
        talk,
        title="Tides and currents",
        **_management("notes", total=1),
        **{"notes-0-body": "From the front row.", "notes-0-talk": str(talk.pk)},
    )

    response = _login(client, site, "editor").post(f"/admin/talks/talk/{talk.pk}/change/", data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Talk.objects.get(pk=talk.pk).title == "Tides and currents"
    note = Note.objects.get(body="From the front row.")
    assert _author_users(note) == [site["editor"]]


def test_editor_renames_a_speaker(client, site):
    speaker = site["speaker"]
    data = {
        "name": "Ada Quayside-Lee",
        "slug": speaker.slug,
        "bio": "",
        "website": "",
        "github": "",
        "mastodon": "",
        "bluesky": "",
        "twitter": "",
        **_management("aliases"),
    }

    response = _login(client, site, "editor").post(_object_urls(site)["speaker"], data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Speaker.objects.get(pk=speaker.pk).name == "Ada Quayside-Lee"


# --- authors ----------------------------------------------------------------


def test_writer_adds_a_guest_author_but_ties_no_account_to_it(client, site):
    _login(client, site, "writer")

    page = client.get("/admin/talks/author/add/").content.decode()
    response = client.post(
        "/admin/talks/author/add/",
        {"name": "Guest Writer", "slug": "", "user": str(site["editor"].pk)},
    )

    assert 'name="user"' not in page
    assert response.status_code == 302
    assert Author.objects.get(name="Guest Writer").user is None


def test_writer_cannot_change_an_author(client, site):
    author = Author.for_writer(site["editor"])
    name = author.name

    response = _login(client, site, "writer").post(
        f"/admin/talks/author/{author.pk}/change/",
        {"name": "Someone else", "slug": author.slug, "user": str(site["writer"].pk)},
    )

    assert response.status_code == 403
    author.refresh_from_db()
    assert (author.name, author.user) == (name, site["editor"])


def test_writer_adds_a_co_author_to_own_note(client, site):
    note = site["own_draft"]
    guest = Author.for_writer("Guest Writer")
    data = _note_form(note)
    data.update(
        {
            "note_authors-TOTAL_FORMS": "2",
            "note_authors-1-author": str(guest.pk),
            "note_authors-1-position": "1",
        }
    )

    response = _login(client, site, "writer").post(f"/admin/talks/note/{note.pk}/change/", data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert [na.author.name for na in NoteAuthor.objects.filter(note=note)] == [
        site["writer"].get_full_name(),
        "Guest Writer",
    ]


def test_talk_page_without_the_right_to_publish_adds_drafts_and_leaves_saved_notes(client, site):
    """No role mixes these rights, but an operator may: change talks and write notes,
    not publish. The notes inline then adds drafts and leaves saved notes as they are."""
    user = make_user(is_staff=True)
    rights = ["view_talk", "change_talk", "view_note", "add_note", "change_note", "delete_note"]
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="talks", codename__in=rights)
    )
    talk = site["talk"]
    saved = list(Note.objects.filter(talk=talk).order_by("created", "pk"))
    forged = {}
    for n, note in enumerate(saved):
        forged |= {
            f"notes-{n}-id": str(note.pk),
            f"notes-{n}-talk": str(talk.pk),
            f"notes-{n}-body": "Overwritten.",
            f"notes-{n}-published": "on",
            f"notes-{n}-DELETE": "on" if n == 0 else "",
        }
    new = len(saved)
    data = _talk_form(
        talk,
        **_management("notes", total=new + 1, initial=new),
        **forged,
        **{f"notes-{new}-body": "A new draft.", f"notes-{new}-published": "on"},
    )
    client.force_login(user)

    page = client.get(f"/admin/talks/talk/{talk.pk}/change/").content.decode()
    response = client.post(f"/admin/talks/talk/{talk.pk}/change/", data)

    assert 'name="notes-0-body"' not in page  # saved notes: read-only
    assert f'name="notes-{new}-body"' in page  # the empty form for a new one
    assert response.status_code == 302, response.content.decode()[:2000]
    kept = Note.objects.filter(pk__in=[note.pk for note in saved])
    assert {note.pk: (note.body, note.published) for note in kept} == {
        note.pk: (note.body, note.published) for note in saved
    }
    fresh = Note.objects.get(body="A new draft.")
    assert fresh.published is False
    assert _author_users(fresh) == [user]
