"""Merging two speakers (speakers/merge.py): the admin's action and page, and what the
site shows after. Here, not in speakers/tests: it moves talks and reads their pages,
and the speakers app, its tests included, never imports talks."""

import re

import pytest
from django.contrib.auth.models import Permission
from reversion.models import Revision, Version

from speakers.merge import SpeakerMergeError, speakers_merge
from speakers.models import Speaker, SpeakerAlias, SpeakerOldSlug
from speakers.tests.samples import png_bytes, upload
from talks.models import TalkSpeaker
from talks.search import search_talks
from talks.tests.factories import make_day, make_speaker, make_talk, make_user
from talks.tests.test_structured_data import _json_ld

pytestmark = pytest.mark.django_db

CHANGELIST_URL = "/admin/speakers/speaker/"
MERGE_URL = "/admin/speakers/speaker/merge/"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what waits for the commit (the search index) as the block ends."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def pair(committed):
    """Amber Brown (kept) and HawkOwl, who is the same person, with talks of their own,
    one talk they are both named on, a public alias, a photo, a bio and an old slug."""
    with committed():  # indexed for search
        return _make_pair()


def _make_pair():
    day = make_day()
    keep = make_speaker(name="Amber Brown", website="https://amber.example/")
    other = make_speaker(
        name="HawkOwl",
        slug="hawkowl-2015",
        bio="Twisted *core* developer.",
        website="https://hawkowl.example/",
        github="hawkowl",
        photo=upload("hawkowl.png", png_bytes()),
    )
    other.slug = "hawkowl"  # renamed once: /speakers/hawkowl-2015/ redirects
    other.save()
    SpeakerAlias.objects.create(speaker=other, name="Hawk Owl", public=True)
    chair = make_speaker(name="Panel Chair")
    return {
        "keep": keep,
        "other": other,
        "chair": chair,
        "own": make_talk(day, title="Twisted in production", speakers=[other]),
        "both": make_talk(day, title="Async panel", speakers=[chair, other, keep]),
        "kept_own": make_talk(day, title="Python 3 porting", speakers=[keep]),
    }


def _ids(*speakers) -> str:
    return ",".join(str(speaker.pk) for speaker in speakers)


def _editor(*, delete: bool = True):
    """A staff user who may change speakers, and delete them when `delete`."""
    user = make_user(is_staff=True)
    codenames = ["view_speaker", "change_speaker"] + (["delete_speaker"] if delete else [])
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


# ---------------------------------------------------------------------------
# The action and its confirmation page


def test_merge_action_leads_to_a_page_showing_both_speakers(admin_client, pair):
    keep, other = pair["keep"], pair["other"]

    response = admin_client.post(
        CHANGELIST_URL, {"action": "merge_selected", "_selected_action": [keep.pk, other.pk]}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{MERGE_URL}?ids={_ids(keep, other).replace(',', '%2C')}"
    page = admin_client.get(response["Location"]).content.decode()
    for text in (
        "Amber Brown",
        "HawkOwl",
        "<code>amber-brown</code>",
        "<code>hawkowl</code>",
        "Twisted in production",
        "Python 3 porting",
        "Async panel",
        "Hawk Owl <small>(public)</small>",
        "Twisted <em>core</em> developer.",
        f'<img src="{other.photo_thumbnail.url}" alt="Photo of HawkOwl"',
        f'<a href="/admin/speakers/speaker/{other.pk}/change/">HawkOwl</a>',
        '<input type="submit" value="Merge speakers" class="default">',
        '<a href="/admin/speakers/speaker/" class="closelink">Cancel</a>',
    ):
        assert text in page
    assert f'name="keep" value="{keep.pk}"' in page and f'name="keep" value="{other.pk}"' in page
    assert Speaker.objects.count() == 3  # nothing merged by looking


@pytest.mark.parametrize("count", [1, 3])
def test_merge_action_needs_exactly_two_speakers(admin_client, count):
    speakers = [make_speaker() for _ in range(count)]

    response = admin_client.post(
        CHANGELIST_URL,
        {"action": "merge_selected", "_selected_action": [s.pk for s in speakers]},
        follow=True,
    )

    assert f"Select exactly 2 speakers to merge ({count} selected)." in response.content.decode()
    assert Speaker.objects.count() == count


def test_merge_page_without_a_choice_merges_nothing(admin_client, pair):
    keep, other = pair["keep"], pair["other"]

    response = admin_client.post(MERGE_URL, {"ids": _ids(keep, other)})

    assert response.status_code == 200
    assert "Choose the one to keep." in response.content.decode()
    assert Speaker.objects.filter(pk=other.pk).exists()


# ---------------------------------------------------------------------------
# After the merge


def test_merge_moves_talks_aliases_photo_and_blanks_to_the_kept_speaker(admin_client, pair):
    keep, other = pair["keep"], pair["other"]
    photo, thumbnail = other.photo.name, other.photo_thumbnail.name

    response = admin_client.post(MERGE_URL, {"ids": _ids(keep, other), "keep": keep.pk})

    assert response.status_code == 302
    assert response["Location"] == f"/admin/speakers/speaker/{keep.pk}/change/"
    assert not Speaker.objects.filter(pk=other.pk).exists()
    keep.refresh_from_db()
    assert list(pair["own"].speakers.all()) == [keep]
    assert list(pair["kept_own"].speakers.all()) == [keep]
    # Named on it twice before: one row now, at HawkOwl's place (the earlier one).
    rows = TalkSpeaker.objects.filter(talk=pair["both"]).order_by("position")
    assert [(row.speaker_id, row.position) for row in rows] == [(pair["chair"].pk, 0), (keep.pk, 1)]
    aliases = {alias.name: alias.public for alias in keep.aliases.all()}
    assert aliases == {"Hawk Owl": True, "HawkOwl": False}  # the merged name: private
    assert list(Speaker.objects.by_normalized_name("hawkowl")) == [keep]  # imports match it
    assert (keep.photo.name, keep.photo_thumbnail.name) == (photo, thumbnail)
    assert keep.bio_html.strip() == "<p>Twisted <em>core</em> developer.</p>"
    assert keep.github == "hawkowl"
    assert keep.website == "https://amber.example/"  # its own, not overwritten
    assert (
        "Merged “HawkOwl” into “Amber Brown”"
        in admin_client.get(response["Location"]).content.decode()
    )


def test_merged_speaker_urls_redirect_to_the_kept_one(admin_client, client, pair):
    keep, other = pair["keep"], pair["other"]
    kept_url = keep.get_absolute_url()
    assert client.get("/speakers/hawkowl/").status_code == 200  # cached before the merge

    admin_client.post(MERGE_URL, {"ids": _ids(keep, other), "keep": keep.pk})

    for old in ("/speakers/hawkowl/", "/speakers/hawkowl-2015/"):
        response = client.get(old)
        assert (response.status_code, response["Location"]) == (301, kept_url)
    feed = client.get("/speakers/hawkowl/feed/")
    assert (feed.status_code, feed["Location"]) == (301, f"{kept_url}feed/")
    assert set(SpeakerOldSlug.objects.values_list("slug", "speaker")) == {
        ("hawkowl", keep.pk),
        ("hawkowl-2015", keep.pk),
    }


def test_kept_speaker_page_shows_moved_talks_though_it_was_cached(admin_client, client, pair):
    keep, other = pair["keep"], pair["other"]
    before = client.get(keep.get_absolute_url()).content.decode()
    assert "Twisted in production" not in before

    admin_client.post(MERGE_URL, {"ids": _ids(keep, other), "keep": keep.pk})

    after = client.get(keep.get_absolute_url()).content.decode()
    assert "Twisted in production" in after
    assert "3 talks at 1 conference" in after
    assert "Also known as Hawk Owl</p>" in after  # the public alias; the merged name is private


def test_search_finds_merged_speakers_talks_under_the_kept_one(admin_client, committed, pair):
    keep, other = pair["keep"], pair["other"]
    assert {hit.talk.title for hit in search_talks("hawkowl").hits} == {
        "Twisted in production",
        "Async panel",
    }

    with committed():
        admin_client.post(MERGE_URL, {"ids": _ids(keep, other), "keep": keep.pk})

    hits = search_talks("hawkowl").hits
    # The private alias still finds the person: all of Amber Brown's talks now.
    assert {hit.talk.title for hit in hits} == {
        "Twisted in production",
        "Async panel",
        "Python 3 porting",
    }
    for hit in hits:
        assert keep in hit.talk.speakers.all()
        assert all(speaker.name != "HawkOwl" for speaker in hit.talk.speakers.all())


def test_merge_is_one_revision_by_the_editor(client, pair):
    keep, other = pair["keep"], pair["other"]
    editor = _editor()
    client.force_login(editor)

    client.post(MERGE_URL, {"ids": _ids(keep, other), "keep": keep.pk})

    revision = Revision.objects.get()
    assert revision.user == editor
    assert revision.get_comment() == "Merged speaker “HawkOwl” (hawkowl) into “Amber Brown”."
    versions = Version.objects.filter(revision=revision)
    assert versions.get_for_object(keep).exists()
    # The merged speaker as it was, to recover it from if the merge was a mistake.
    merged = versions.get_for_object_reference(Speaker, other.pk).get()
    assert (merged.field_dict["name"], merged.field_dict["slug"]) == ("HawkOwl", "hawkowl")
    # Each talk it changed, with its speakers as they are now; not the talk it left alone.
    assert versions.get_for_object(pair["own"]).exists()
    assert versions.get_for_object(pair["both"]).exists()
    assert not versions.get_for_object(pair["kept_own"]).exists()
    bylines = versions.get_for_model(TalkSpeaker)
    assert {v.field_dict["speaker_id"] for v in bylines} == {keep.pk, pair["chair"].pk}


# ---------------------------------------------------------------------------
# Who may merge


def test_merge_needs_the_delete_permission(client, pair):
    keep, other = pair["keep"], pair["other"]
    client.force_login(_editor(delete=False))

    changelist = client.get(CHANGELIST_URL).content.decode()
    page = client.get(f"{MERGE_URL}?ids={_ids(keep, other)}")
    post = client.post(MERGE_URL, {"ids": _ids(keep, other), "keep": keep.pk})
    action = client.post(
        CHANGELIST_URL, {"action": "merge_selected", "_selected_action": [keep.pk, other.pk]}
    )

    assert 'value="merge_selected"' not in changelist
    assert (page.status_code, post.status_code) == (403, 403)
    assert not action.get("Location", "").startswith(MERGE_URL)
    assert Speaker.objects.filter(pk=other.pk).exists()
    assert list(pair["own"].speakers.all()) == [other]


def test_merge_action_offered_to_editors_who_may_change_and_delete(client):
    make_speaker()
    client.force_login(_editor())

    assert 'value="merge_selected"' in client.get(CHANGELIST_URL).content.decode()


# ---------------------------------------------------------------------------
# The merge itself


def test_merge_into_itself_refused():
    speaker = make_speaker()

    with pytest.raises(SpeakerMergeError, match="cannot be merged into itself"):
        speakers_merge(keep=speaker, other=speaker)

    assert Speaker.objects.filter(pk=speaker.pk).exists()


def test_merge_of_a_name_spelled_alike_adds_no_alias_and_keeps_the_kept_photo():
    keep = make_speaker(name="Łukasz Langa", photo=upload("a.png", png_bytes()))
    other = make_speaker(name="Lukasz  LANGA", photo=upload("b.png", png_bytes()))
    SpeakerAlias.objects.create(speaker=other, name="lukasz langa (ambv)")  # keep's own name
    photo = keep.photo.name

    summary = speakers_merge(keep=keep, other=other)

    keep.refresh_from_db()
    assert not keep.aliases.exists()
    assert keep.photo.name == photo
    assert summary.alias_added == "" and "photo" not in summary.filled


def test_merge_that_fails_midway_changes_nothing(monkeypatch, pair):
    keep, other = pair["keep"], pair["other"]

    def broken(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr("speakers.merge._move_slugs", broken)
    with pytest.raises(RuntimeError):
        speakers_merge(keep=keep, other=other)

    assert list(pair["own"].speakers.all()) == [other]
    assert list(other.aliases.values_list("name", flat=True)) == ["Hawk Owl"]
    keep.refresh_from_db()
    assert not keep.photo and not keep.aliases.exists()
    assert not Revision.objects.exists()


# ---------------------------------------------------------------------------
# Aliases: private match keys unless marked public


def test_speaker_page_prints_public_aliases_only(client):
    speaker = make_speaker(name="Amber Brown")
    make_talk(speakers=[speaker])
    SpeakerAlias.objects.create(speaker=speaker, name="HawkOwl", public=True)
    SpeakerAlias.objects.create(speaker=speaker, name="A. Brown (pyvideo typo)")

    page = client.get(speaker.get_absolute_url()).content.decode()

    assert "Also known as HawkOwl</p>" in page
    assert "pyvideo typo" not in page
    (person,) = [data for data in _json_ld(page) if data["@type"] == "Person"]
    assert person["alternateName"] == ["HawkOwl"]


def test_speaker_page_without_public_aliases_prints_no_line(client):
    speaker = make_speaker(name="Amber Brown")
    make_talk(speakers=[speaker])
    SpeakerAlias.objects.create(speaker=speaker, name="HawkOwl")

    page = client.get(speaker.get_absolute_url()).content.decode()

    assert "Also known as" not in page and "HawkOwl" not in page


@pytest.mark.parametrize("aliases", [0, 3])
def test_speaker_page_query_count_with_aliases(client, django_assert_num_queries, aliases):
    speaker = make_speaker()
    make_talk(speakers=[speaker])
    for n in range(aliases):
        SpeakerAlias.objects.create(speaker=speaker, name=f"Other Spelling {n}", public=n % 2 == 0)

    # As talks/tests/test_pages.py pins it: the public aliases come with the speaker's
    # prefetch, whatever their number.
    with django_assert_num_queries(6):
        page = client.get(speaker.get_absolute_url()).content.decode()

    assert ("Other Spelling 0, Other Spelling 2</p>" in page) == (aliases == 3)
    assert "Other Spelling 1" not in page


def test_speaker_admin_alias_inline_has_the_public_checkbox(admin_client):
    speaker = make_speaker()
    SpeakerAlias.objects.create(speaker=speaker, name="HawkOwl", public=True)

    page = admin_client.get(f"/admin/speakers/speaker/{speaker.pk}/change/").content.decode()

    assert re.search(r'<input type="checkbox" name="aliases-0-public"[^>]* checked>', page)
