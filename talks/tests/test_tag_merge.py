"""Renaming and merging tags: the admin, the merge_tags command, and old URLs."""

import io

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from reversion.models import Revision, Version
from taggit.models import Tag

from talks.importers.pyvideo import import_pyvideo
from talks.importers.schedule import import_schedule
from talks.models import TaggedConference, TaggedTalk, TagOldSlug, Talk
from talks.search import search_talks
from talks.tag_admin import TagAdmin
from talks.tags import TagMergeError, tags_merge
from talks.tests.factories import make_conference, make_day, make_talk, make_user
from talks.tests.pyvideo_samples import video, write_event
from talks.tests.test_schedule import FRAB_JSON, write

pytestmark = pytest.mark.django_db

CHANGELIST_URL = "/admin/taggit/tag/"
MERGE_URL = "/admin/taggit/tag/merge/"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what waits for the commit (the search index) as the block ends."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def noise(committed):
    """pyvideo's spellings of one tag: talks tagged postgresql, postgres, postgressql,
    one talk with two of them, and a conference tagged postgres."""
    with committed():
        day = make_day()
        talks = {
            "kept": make_talk(day, title="PostgreSQL internals", tags=["postgresql"]),
            "short": make_talk(day, title="Postgres for Django people", tags=["postgres"]),
            "typo": make_talk(day, title="Scaling a database", tags=["postgressql"]),
            "both": make_talk(day, title="JSONB in practice", tags=["postgresql", "postgres"]),
        }
        conference = make_conference(name="Postgres Day 2019")
        conference.tags.add("postgres")
    return {**talks, "conference": conference}


def _tag(slug: str) -> Tag:
    return Tag.objects.get(slug=slug)


def _ids(*slugs) -> str:
    return ",".join(str(_tag(slug).pk) for slug in slugs)


def _editor(*, delete: bool = True):
    user = make_user(is_staff=True)
    codenames = ["view_tag", "change_tag"] + (["delete_tag"] if delete else [])
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="taggit", codename__in=codenames)
    )
    return user


def _rename(client, tag: Tag, *, name: str, slug: str | None = None):
    return client.post(
        f"/admin/taggit/tag/{tag.pk}/change/", {"name": name, "slug": slug or tag.slug}
    )


# ---------------------------------------------------------------------------
# Rename


def test_taggit_admin_replaced_by_ours(admin_client, noise):
    page = admin_client.get(CHANGELIST_URL).content.decode()

    assert isinstance(admin.site.get_model_admin(Tag), TagAdmin)
    assert 'value="merge_selected"' in page
    assert '<td class="field-talk_count">2</td>' in page  # postgres: two talks


@pytest.mark.parametrize("size", [1, 3])
def test_tag_changelist_query_count_constant(admin_client, django_assert_num_queries, size):
    for n in range(size):
        make_talk(tags=[f"tag{n}", "python"])

    # Session, user, the filtered and full counts, the page of tags with their counts.
    with django_assert_num_queries(5):
        page = admin_client.get(CHANGELIST_URL).content.decode()

    assert f'<td class="field-talk_count">{size}</td>' in page  # python


def test_renamed_tag_follows_its_name_and_its_old_url_redirects(admin_client, client, noise):
    assert client.get("/tags/postgressql/").status_code == 200  # cached before

    response = _rename(admin_client, _tag("postgressql"), name="sql")

    assert response.status_code == 302
    assert list(noise["typo"].tags.names()) == ["sql"]
    old = client.get("/tags/postgressql/?page=1")
    assert (old.status_code, old["Location"]) == (301, "/tags/sql/?page=1")
    feed = client.get("/tags/postgressql/feed/")
    assert (feed.status_code, feed["Location"]) == (301, "/tags/sql/feed/")
    assert "Scaling a database" in client.get("/tags/sql/").content.decode()
    change = admin_client.get(f"/admin/taggit/tag/{_tag('sql').pk}/change/").content.decode()
    assert '<div class="readonly">postgressql</div>' in change  # its old slugs


def test_tag_renamed_back_serves_its_page_and_redirects_the_other_slug(admin_client, client):
    make_talk(title="Deploying Django", tags=["deploy"])
    _rename(admin_client, _tag("deploy"), name="deploy", slug="deployment")
    _rename(admin_client, _tag("deployment"), name="deploy", slug="deploy")

    assert "Deploying Django" in client.get("/tags/deploy/").content.decode()
    old = client.get("/tags/deployment/")
    assert (old.status_code, old["Location"]) == (301, "/tags/deploy/")
    assert list(TagOldSlug.objects.values_list("slug", flat=True)) == ["deployment"]


@pytest.mark.parametrize("name", ["postgresql", "postgresql\x01", "\x07postgresql"])
def test_rename_onto_another_tag_refused_with_a_merge_hint(admin_client, noise, name):
    response = _rename(admin_client, _tag("postgres"), name=name)

    assert response.status_code == 200
    assert "use “Merge tags”" in response.content.decode()
    assert _tag("postgres").name == "postgres"
    assert not TagOldSlug.objects.exists()


def test_unknown_tag_url_still_404(client):
    assert client.get("/tags/never-was/").status_code == 404
    assert client.get("/tags/never-was/feed/").status_code == 404


# ---------------------------------------------------------------------------
# Merge in the admin


def test_merge_action_leads_to_a_page_showing_every_tag(admin_client, noise):
    response = admin_client.post(
        CHANGELIST_URL,
        {
            "action": "merge_selected",
            "_selected_action": [_tag(s).pk for s in ("postgresql", "postgres", "postgressql")],
        },
    )

    assert response.status_code == 302 and response["Location"].startswith(f"{MERGE_URL}?ids=")
    page = admin_client.get(response["Location"]).content.decode()
    for text in (
        "<code>postgresql</code>",
        "<code>postgres</code>",
        "<code>postgressql</code>",
        "PostgreSQL internals",
        "Postgres for Django people",
        "Scaling a database",
        "Postgres Day 2019",
        f'<a href="/admin/taggit/tag/{_tag("postgres").pk}/change/">postgres</a>',
        '<input type="submit" value="Merge tags" class="default">',
        '<a href="/admin/taggit/tag/" class="closelink">Cancel</a>',
    ):
        assert text in page
    assert Tag.objects.count() == 3


def test_merge_action_needs_two_tags(admin_client, noise):
    response = admin_client.post(
        CHANGELIST_URL,
        {"action": "merge_selected", "_selected_action": [_tag("postgres").pk]},
        follow=True,
    )

    assert "Select at least 2 tags to merge (1 selected)." in response.content.decode()


def test_merge_moves_talks_and_conferences_and_redirects_old_urls(admin_client, client, noise):
    assert "Postgres for Django people" not in client.get("/tags/postgresql/").content.decode()
    _rename(admin_client, _tag("postgres"), name="pg", slug="pg")  # pg's old slug: postgres
    ids = _ids("postgresql", "pg", "postgressql")

    response = admin_client.post(MERGE_URL, {"ids": ids, "keep": _tag("postgresql").pk})

    kept = _tag("postgresql")
    assert response["Location"] == f"/admin/taggit/tag/{kept.pk}/change/"
    assert list(Tag.objects.values_list("slug", flat=True)) == ["postgresql"]
    for key in ("kept", "short", "typo", "both"):
        assert list(noise[key].tags.names()) == ["postgresql"]
    assert TaggedTalk.objects.filter(content_object=noise["both"]).count() == 1
    assert list(TaggedConference.objects.values_list("tag__slug", flat=True)) == ["postgresql"]
    for old in ("pg", "postgres", "postgressql"):
        redirect = client.get(f"/tags/{old}/")
        assert (redirect.status_code, redirect["Location"]) == (301, "/tags/postgresql/")
        feed = client.get(f"/tags/{old}/feed/")
        assert (feed.status_code, feed["Location"]) == (301, "/tags/postgresql/feed/")
    page = client.get("/tags/postgresql/").content.decode()  # it was cached above
    assert "Postgres for Django people" in page and "Scaling a database" in page


def test_merge_follows_in_search(admin_client, committed, noise):
    assert [hit.talk.title for hit in search_talks("postgressql").hits] == ["Scaling a database"]

    with committed():
        admin_client.post(
            MERGE_URL,
            {"ids": _ids("postgresql", "postgressql"), "keep": _tag("postgresql").pk},
        )

    assert search_talks("postgressql").hits == []
    assert "Scaling a database" in {hit.talk.title for hit in search_talks("postgresql").hits}


def test_merge_is_one_revision_by_the_editor(client, noise):
    editor = _editor()
    client.force_login(editor)

    client.post(MERGE_URL, {"ids": _ids("postgresql", "postgres"), "keep": _tag("postgres").pk})

    revision = Revision.objects.get()
    assert revision.user == editor
    assert revision.get_comment() == "Merged tags postgresql into “postgres”."
    assert list(noise["kept"].tags.names()) == ["postgres"]
    # The retagged talks' history shows them with the kept tag; the others have none.
    versions = Version.objects.filter(revision=revision)
    assert versions.get_for_object(noise["kept"]).exists()
    assert versions.get_for_object(noise["both"]).exists()
    assert not versions.get_for_object(noise["typo"]).exists()
    tagged = versions.get_for_model(TaggedTalk)
    assert {v.field_dict["tag_id"] for v in tagged} == {_tag("postgres").pk}


def test_merge_needs_the_delete_permission(client, noise):
    client.force_login(_editor(delete=False))
    ids = _ids("postgresql", "postgres")

    changelist = client.get(CHANGELIST_URL).content.decode()
    page = client.get(f"{MERGE_URL}?ids={ids}")
    post = client.post(MERGE_URL, {"ids": ids, "keep": _tag("postgresql").pk})

    assert "postgresql" in changelist and 'value="merge_selected"' not in changelist
    assert (page.status_code, post.status_code) == (403, 403)
    assert Tag.objects.count() == 3


# ---------------------------------------------------------------------------
# merge_tags, for scripts


def test_merge_tags_command_folds_tags_and_says_what_it_moved(noise):
    out = io.StringIO()

    call_command("merge_tags", "postgresql", "postgres", "postgressql", stdout=out)

    assert out.getvalue().strip() == (
        "Merged “postgres”, “postgressql” into “postgresql”: 2 talk(s) moved, 1 already "
        "tagged; 1 conference(s) moved, 0 already tagged; old slugs redirecting to it: "
        "postgres, postgressql."
    )
    assert list(noise["typo"].tags.names()) == ["postgresql"]


def test_merge_tags_command_run_again_says_it_is_done(noise):
    call_command("merge_tags", "postgresql", "postgres", stdout=io.StringIO())
    out = io.StringIO()

    call_command("merge_tags", "postgresql", "postgres", stdout=out)

    assert out.getvalue() == "“postgres” was merged into “postgresql” already.\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["postgresql", "postgres", "nope"], "No tag has the slug “nope”."),
        (["nope", "postgres"], "No tag has the slug “nope”."),
        (["postgresql", "postgresql"], "“postgresql” cannot be merged into itself."),
    ],
)
def test_merge_tags_command_fails_clearly_and_changes_nothing(noise, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("merge_tags", *args, stdout=io.StringIO())

    assert Tag.objects.count() == 3
    assert list(noise["short"].tags.names()) == ["postgres"]


def test_merge_tags_command_names_the_tag_an_old_slug_leads_to(noise):
    call_command("merge_tags", "postgresql", "postgres", stdout=io.StringIO())

    with pytest.raises(CommandError, match="it is an old slug of “postgresql”"):
        call_command("merge_tags", "postgressql", "postgres", stdout=io.StringIO())


def test_tags_merge_with_nothing_to_merge_refused(noise):
    with pytest.raises(TagMergeError, match="Name at least one tag"):
        tags_merge(keep=_tag("postgres"), others=[])


def test_pyvideo_reimport_tags_with_the_tag_a_merged_tag_became(tmp_path, client, committed):
    event = write_event(
        tmp_path / "data", "pydb-2019", {"pg": video(title="Vacuum", tags=["postgres", "SQL"])}
    )
    with committed():
        import_pyvideo([event.parent])
    tags_merge(keep=_tag("sql"), others=[_tag("postgres")])
    write_event(  # the event's file changed since: its talks are read again, one added
        tmp_path / "data",
        "pydb-2019",
        {
            "pg": video(title="Vacuum", tags=["postgres", "SQL"], description="Revised."),
            "wal": video(title="WAL", tags=["Postgres"]),
        },
    )

    with committed():
        import_pyvideo([event.parent])

    assert sorted(Talk.objects.get(title="Vacuum").tags.names()) == ["SQL"]
    assert sorted(Talk.objects.get(title="WAL").tags.names()) == ["SQL"]
    assert not Tag.objects.filter(slug__startswith="postgres").exists()
    assert client.get("/tags/postgres/")["Location"] == "/tags/sql/"


def test_schedule_reimport_tags_with_the_tag_a_renamed_tag_became(tmp_path, admin_client):
    path = write(tmp_path, "schedule.json", FRAB_JSON)
    import_schedule(path)
    _rename(admin_client, _tag("hardware"), name="Electronics", slug="electronics")

    again = import_schedule(path)

    assert again.get("Talk", "updated") == 0
    workshop = Talk.objects.get(title="Hands-on Workshop")
    assert sorted(workshop.tags.names()) == ["Electronics", "beginners"]
    assert not Tag.objects.filter(slug="hardware").exists()
