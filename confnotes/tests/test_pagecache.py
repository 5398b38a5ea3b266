import pytest

from confnotes.pagecache import EVERYWHERE, expire, versions
from talks.freshness import publication_changed
from talks.models import Note, Talk, TalkSpeaker
from talks.tests.factories import (
    make_conference,
    make_day,
    make_full_day,
    make_link,
    make_note,
    make_speaker,
    make_talk,
)

pytestmark = pytest.mark.django_db


def test_public_page_is_cached_and_answers_conditional_requests(client, django_assert_num_queries):
    day = make_day()
    make_talk(day, title="Cached talk")
    url = day.get_absolute_url()
    first = client.get(url)
    assert first["X-Confnotes-Cache"] == "miss"
    etag = first["ETag"]

    with django_assert_num_queries(0):
        second = client.get(url)
        not_modified = client.get(url, headers={"if-none-match": etag})
        head = client.head(url)

    assert second["X-Confnotes-Cache"] == head["X-Confnotes-Cache"] == "hit"
    assert second.content == first.content and "Cached talk" in second.content.decode()
    assert second["ETag"] == head["ETag"] == etag
    # Browsers and proxies may keep it, but ask again each time (an edit shows at once).
    assert second["Cache-Control"] == "public, max-age=0, must-revalidate"
    assert not_modified.status_code == 304
    assert not_modified.content == b""


def test_editing_a_note_shows_on_the_day_page_at_once(client):
    day = make_day()
    note = make_note(talk=make_talk(day), body="First version of the notes")
    url = day.get_absolute_url()
    assert "First version" in client.get(url).content.decode()

    note.body = "Second version of the notes"
    note.save()

    html = client.get(url).content.decode()
    assert "Second version" in html and "First version" not in html


def test_publish_action_invalidates_cached_pages(client, admin_client):
    day = make_day()
    draft = make_note(talk=make_talk(day), body="Fresh from the admin", published=False)
    url = day.get_absolute_url()
    assert "Fresh from the admin" not in client.get(url).content.decode()

    admin_client.post("/admin/talks/note/", {"action": "publish", "_selected_action": [draft.pk]})

    assert "Fresh from the admin" in client.get(url).content.decode()


def test_staff_are_never_served_from_the_cache(client, admin_client):
    day = make_day()
    make_note(talk=make_talk(day), body="Hidden draft", published=False)
    url = day.get_absolute_url()
    client.get(url)

    response = admin_client.get(url)

    assert "X-Confnotes-Cache" not in response
    assert "Hidden draft" in response.content.decode()


def test_what_staff_read_of_a_day_s_program_is_never_kept_for_readers(client, admin_client):
    day = make_day(title="Public day")
    make_day(day.conference, title="Draft day", published=False)
    url = day.get_absolute_url()

    assert "Draft day" in admin_client.get(url).content.decode()
    assert "Draft day" not in client.get(f"{url}?other=1").content.decode()
    assert "Draft day" in admin_client.get(url).content.decode()


def test_pages_made_for_who_asks_are_private_and_vary_with_the_cookie(client, admin_client):
    day = make_day()
    make_note(talk=make_talk(day), body="Hidden draft", published=False)
    url = day.get_absolute_url()

    staff = admin_client.get(url)
    anonymous = client.get(url)

    assert "private" in staff["Cache-Control"]
    assert "Cookie" in staff["Vary"]
    assert "Hidden draft" in staff.content.decode()
    assert anonymous["Cache-Control"] == "public, max-age=0, must-revalidate"
    assert "Hidden draft" not in anonymous.content.decode()


def test_not_found_and_admin_pages_are_not_cached(client):
    assert "X-Confnotes-Cache" not in client.get("/no-such-thing/")
    assert "X-Confnotes-Cache" not in client.get("/admin/login/")


def test_each_host_gets_its_own_cached_page(client):
    day = make_day()
    make_talk(day, title="Cached talk")
    url = day.get_absolute_url()

    first = client.get(url, HTTP_HOST="localhost").content.decode()
    second = client.get(url, HTTP_HOST="127.0.0.1")

    assert second["X-Confnotes-Cache"] == "miss"
    assert 'rel="canonical" href="http://localhost/' in first
    assert 'rel="canonical" href="http://127.0.0.1/' in second.content.decode()


def test_an_edit_in_one_conference_leaves_the_others_pages_cached(client):
    note_a = make_note(talk=make_talk(make_day(), title="Talk in A"), body="Notes on A, first")
    talk_b = make_talk(make_day(), title="Talk in B")
    day_a, day_b = note_a.talk.day, talk_b.day
    pages_a = [day_a.get_absolute_url(), note_a.talk.get_absolute_url(), "/", "/feeds/notes/"]
    pages_b = [
        day_b.get_absolute_url(),
        talk_b.get_absolute_url(),
        talk_b.conference.get_absolute_url(),
        "/speakers/",
        "/tags/",
        "/conferences/",
    ]
    for url in pages_a + pages_b:
        assert client.get(url).status_code == 200

    note_a.body = "Notes on A, second"
    note_a.save()

    for url in pages_b:
        assert client.get(url)["X-Confnotes-Cache"] == "hit", url
    for url in pages_a:
        response = client.get(url)
        assert response["X-Confnotes-Cache"] == "miss", url
        assert "Notes on A, first" not in response.content.decode(), url
    assert "Notes on A, second" in client.get(day_a.get_absolute_url()).content.decode()


def test_renaming_a_talk_refreshes_every_page_that_prints_its_title(client):
    speaker = make_speaker(name="Ann Gannet")
    talk = make_talk(title="Old title", speakers=[speaker], tags=["seabirds"])
    make_note(talk=talk)  # the home page and the feeds name the talk of each note
    pages = [
        speaker.get_absolute_url(),
        "/tags/seabirds/",
        talk.conference.get_absolute_url(),
        "/",
        "/feeds/notes/",
        f"{speaker.get_absolute_url()}feed/",
    ]
    for url in pages:
        assert "Old title" in client.get(url).content.decode()

    talk.title = "New title"
    talk.save()

    for url in pages:
        html = client.get(url).content.decode()
        assert "New title" in html and "Old title" not in html, url


def test_stored_pages_carry_the_headers_of_the_middleware_after_the_cache(client):
    url = make_day().get_absolute_url()
    first = client.get(url)

    hit = client.get(url)

    assert hit["X-Confnotes-Cache"] == "hit"
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "ETag", "Content-Type"):
        assert hit[header] == first[header], header


# Queries of a page whose rows all come from the cache: no speakers, tags, links or
# notes of talks (the conference page's JSON-LD and tag counts read theirs from its
# kept rows; a speaker page reads the speaker's aliases). A tag page reads only the
# tag: it prints rows alone. The day page's days and talks are kept too: it reads the
# day's own notes, which the first request read with its talks' notes.
@pytest.mark.parametrize(
    ("kind", "queries"), [("day", 1), ("conference", 4), ("speaker", 4), ("tag", 1)]
)
def test_a_page_rebuilt_from_cached_rows_is_the_page_rendered_whole(
    client, django_assert_num_queries, kind, queries
):
    day = make_full_day(3)
    talk = day.talks.first()
    url = {
        "day": day.get_absolute_url(),
        "conference": day.conference.get_absolute_url(),
        "speaker": talk.speakers.first().get_absolute_url(),
        "tag": f"/tags/{talk.tags.first().slug}/",
    }[kind]
    whole = client.get(url)  # renders every row, and keeps each

    # Another address of the same page: the page cache misses, the rows hit.
    with django_assert_num_queries(queries):
        rebuilt = client.get(f"{url}?page=1")

    assert rebuilt["X-Confnotes-Cache"] == "miss"
    assert rebuilt.content == whole.content


def test_a_day_s_own_notes_are_kept_until_a_change_to_its_conference(
    client, django_assert_num_queries
):
    day = make_full_day(2)
    day_note = make_note(day=day, body="Lunch on the terrace")
    url = day.get_absolute_url()
    client.get(url)  # every row rendered and kept
    client.get(f"{url}?other=1")  # rows from the cache; the day's own notes read and kept

    # An address the page cache never stores: the days and the day's talks are kept too.
    with django_assert_num_queries(0):
        rebuilt = client.get(f"{url}?other=2")
    assert "Lunch on the terrace" in rebuilt.content.decode()

    day_note.body = "Lunch in the hall"
    day_note.save()
    with django_assert_num_queries(1):  # the day's notes: its days and talks stay kept
        html = client.get(f"{url}?other=3").content.decode()
    assert "Lunch in the hall" in html and "Lunch on the terrace" not in html

    day_note.published = False
    day_note.save()
    assert "Lunch in the hall" not in client.get(f"{url}?other=4").content.decode()


def test_a_note_saved_re_renders_its_talk_s_row_only(client):
    day = make_full_day(2)
    first, second = day.talks.order_by("position")
    url = day.get_absolute_url()
    client.get(url)
    note = first.notes.first()

    note.body = "Rewritten after the talk"
    note.save()
    second_notes = list(second.notes.values_list("body_html", flat=True))
    Note.objects.filter(talk=second).update(body="Changed behind the cache's back")

    html = client.get(url).content.decode()
    assert "Rewritten after the talk" in html  # its row, expired by the save
    assert all(body in html for body in second_notes)  # the other row, from the cache


def test_a_note_s_text_edit_reads_again_only_its_talk_s_notes(client, django_assert_num_queries):
    day = make_full_day(3)
    first = day.talks.order_by("position").first()
    url = day.get_absolute_url()
    client.get(url)  # every item rendered and kept, in two parts: the talk, its notes

    note = Note.objects.get(talk=first)  # as the admin loads it
    note.body = "Rewritten after the talk"
    note.save()

    # That talk's notes (with the day's own): not the days, the day's talks, nor the
    # speakers, tags and links of its talk, whose part of the item is still kept.
    with django_assert_num_queries(1):
        rebuilt = client.get(f"{url}?other=1")
    assert "Rewritten after the talk" in rebuilt.content.decode()
    expire({EVERYWHERE})
    assert client.get(f"{url}?other=1").content == rebuilt.content  # as made whole


@pytest.mark.parametrize("edit", ["talk", "day", "conference"])
def test_a_day_page_rebuilt_after_a_note_s_edit_prints_the_program_as_it_is_now(client, edit):
    day = make_day(title="Opening day")
    talk = make_talk(day, title="Keynote as announced")
    note = make_note(talk=talk, body="First words")
    url = day.get_absolute_url()
    client.get(url)  # the days and the day's talks kept, under the program's scope

    note = Note.objects.get(pk=note.pk)  # as the admin loads it
    note.body = "Second words"
    note.save()  # leaves the program kept: it reads only notes (see above)
    assert "Second words" in client.get(url).content.decode()

    # Each of these moves the program's scope; the page is read again from kept rows.
    changed = {"talk": talk, "day": day, "conference": day.conference}[edit]
    changed = type(changed).objects.get(pk=changed.pk)
    field, old, new = {
        "talk": ("title", "Keynote as announced", "Keynote as given"),
        "day": ("title", "Opening day", "Sprint day"),
        "conference": ("name", day.conference.name, "Renamed Conf"),
    }[edit]
    setattr(changed, field, new)
    changed.save()

    html = client.get(url).content.decode()
    assert new in html and old not in html


def test_a_talk_moved_to_another_conference_leaves_the_first_one_s_pages(client):
    day, elsewhere = make_day(), make_day()
    make_talk(day, title="Staying talk")
    talk = make_talk(day, title="Wandering talk")
    pages = [day.get_absolute_url(), day.conference.get_absolute_url()]
    for url in pages:
        assert "Wandering talk" in client.get(url).content.decode()

    talk = Talk.objects.get(pk=talk.pk)  # as the admin loads it
    talk.day = elsewhere
    talk.save()

    for url in pages:
        html = client.get(url).content.decode()
        assert "Staying talk" in html and "Wandering talk" not in html, url
    assert "Wandering talk" in client.get(elsewhere.get_absolute_url()).content.decode()


def test_a_note_published_or_withdrawn_changes_its_talk_s_line_and_count(client):
    day = make_day()
    talk = make_talk(day, title="Quiet talk")
    pages = {"day": day.get_absolute_url(), "conference": day.conference.get_absolute_url()}
    for url in pages.values():
        client.get(url)

    def shown(kind: str, n: int) -> str:  # an address the page cache never stores: rows kept
        return client.get(f"{pages[kind]}?other={n}").content.decode()

    assert 'class="line kind-talk" id="quiet-talk"' in shown("day", 1)
    note = make_note(talk=talk, body="Now written up")
    assert 'class="item kind-talk" id="quiet-talk"' in shown("day", 2)
    assert "Now written up" in shown("day", 3) and "1 note" in shown("conference", 3)

    note = Note.objects.get(pk=note.pk)  # as the admin loads it
    note.published = False
    note.save()
    assert 'class="line kind-talk" id="quiet-talk"' in shown("day", 4)
    assert "Now written up" not in shown("day", 5) and "1 note" not in shown("conference", 5)

    # The admin's publish action updates rows past save().
    Note.objects.filter(pk=note.pk).update(published=True)
    publication_changed(Note, [note.pk])
    assert "Now written up" in shown("day", 6) and "1 note" in shown("conference", 6)


@pytest.mark.parametrize("feed", ["speaker", "tag"])
def test_a_note_s_text_edit_shows_in_the_feeds_of_its_talk_s_speakers_and_tags(client, feed):
    speaker = make_speaker(name="Feed Speaker")
    note = make_note(talk=make_talk(speakers=[speaker], tags=["feedtag"]), body="First words")
    url = f"/speakers/{speaker.slug}/feed/" if feed == "speaker" else "/tags/feedtag/feed/"
    assert "First words" in client.get(url).content.decode()

    note = Note.objects.get(pk=note.pk)
    note.body = "Second words"
    note.save()

    xml = client.get(url).content.decode()
    assert "Second words" in xml and "First words" not in xml


def test_a_talk_edit_keeps_the_lists_that_only_count_talks(client):
    talk = make_talk(title="Counted", speakers=[make_speaker()])
    for url in ("/speakers/", "/conferences/"):
        client.get(url)

    talk.title = "Counted, renamed"
    talk.save()

    assert client.get("/speakers/")["X-Confnotes-Cache"] == "hit"
    assert client.get("/conferences/")["X-Confnotes-Cache"] == "hit"
    make_talk(talk.day, speakers=[make_speaker(name="Newcomer Speaker")])
    response = client.get("/speakers/")
    assert response["X-Confnotes-Cache"] == "miss"
    assert "Newcomer Speaker" in response.content.decode()


def test_a_note_moved_to_another_talk_leaves_the_first_talk_s_pages(client):
    first, second = make_talk(title="First talk"), make_talk(title="Second talk")
    note = make_note(talk=first, body="Notes that belong elsewhere")
    pages = [first.get_absolute_url(), first.day.get_absolute_url()]
    for url in pages:
        assert "Notes that belong elsewhere" in client.get(url).content.decode()

    note = Note.objects.get(pk=note.pk)  # as the admin loads it
    note.talk = second
    note.save()

    for url in pages:
        assert "Notes that belong elsewhere" not in client.get(url).content.decode(), url
    assert "Notes that belong elsewhere" in client.get(second.get_absolute_url()).content.decode()


@pytest.mark.parametrize("moved_to", ["day", "conference"])
def test_a_day_note_moved_to_another_conference_leaves_the_first_day_s_page(client, moved_to):
    day, elsewhere = make_day(), make_day()
    make_talk(day)
    note = make_note(day=day, body="Notes that belong elsewhere")
    url = day.get_absolute_url()
    assert "Notes that belong elsewhere" in client.get(url).content.decode()
    client.get(f"{url}?other=1")  # the day's own notes kept apart from its items

    note = Note.objects.get(pk=note.pk)  # as the admin loads it
    note.day = None
    setattr(note, moved_to, elsewhere if moved_to == "day" else elsewhere.conference)
    note.save()

    assert "Notes that belong elsewhere" not in client.get(url).content.decode()
    assert "Notes that belong elsewhere" not in client.get(f"{url}?other=2").content.decode()


def test_versions_move_again_when_the_edit_commits(django_capture_on_commit_callbacks):
    """A reader between the edit and its commit reads the old rows: what it stores under
    the first new version must not be served once the edit is committed."""
    before = versions(["conference:pelican-con"])
    with django_capture_on_commit_callbacks(execute=True):
        expire({"conference:pelican-con"})
        during = versions(["conference:pelican-con"])

    after = versions(["conference:pelican-con"])
    assert before != during != after != before


@pytest.mark.parametrize(("limit", "other_conference"), [(10, "hit"), (1, "miss")])
def test_an_import_expires_its_conferences_or_past_a_size_everything(
    client, monkeypatch, limit, other_conference
):
    from talks import freshness
    from talks.signals import content_imported

    monkeypatch.setattr(freshness, "IMPORT_SCOPES_LIMIT", limit)
    imported = make_day()
    make_talk(imported, title="Imported first")
    make_talk(imported, title="Imported second")
    other = make_talk(make_day(), title="Elsewhere").day
    for url in (imported.get_absolute_url(), other.get_absolute_url()):
        client.get(url)
    # Importers write past save(): what a bulk update of a title looks like.
    imported.talks.filter(title="Imported first").update(title="Imported again")

    content_imported.send(sender="test", conference_ids=[imported.conference_id])

    page = client.get(imported.get_absolute_url())
    assert page["X-Confnotes-Cache"] == "miss"
    assert "Imported again" in page.content.decode()
    assert client.get(other.get_absolute_url())["X-Confnotes-Cache"] == other_conference


def test_a_speaker_s_bio_keeps_the_lists_and_a_rename_refreshes_them(client):
    speaker = make_speaker(name="Ada Example")
    talk = make_talk(make_day(), title="On engines", speakers=[speaker])
    lists = ["/speakers/", talk.day.get_absolute_url(), talk.get_absolute_url(), "/"]
    for url in [*lists, speaker.get_absolute_url()]:
        client.get(url)

    speaker = type(speaker).objects.get(pk=speaker.pk)  # as the admin loads it
    speaker.bio = "Wrote the first program."
    speaker.save()

    assert "first program" in client.get(speaker.get_absolute_url()).content.decode()
    for url in lists:
        assert client.get(url)["X-Confnotes-Cache"] == "hit", url

    speaker.name = "Ada Renamed"
    speaker.save()

    for url in lists[:3]:
        page = client.get(url)
        assert page["X-Confnotes-Cache"] == "miss", url
        assert "Ada Renamed" in page.content.decode() and "Ada Example" not in page.content.decode()


def test_a_renamed_talk_shows_renamed_among_other_conferences_related_talks(client):
    renamed = make_talk(make_day(), title="Old title", tags=["hovercraft"])
    other = make_talk(make_day(), title="Neighbour", tags=["hovercraft"])
    assert "Old title" in client.get(other.get_absolute_url()).content.decode()

    make_note(talk=renamed, body="Notes do not change related talks.")
    assert client.get(other.get_absolute_url())["X-Confnotes-Cache"] == "hit"

    renamed.title = "New title"
    renamed.save()

    html = client.get(other.get_absolute_url()).content.decode()
    assert "New title" in html and "Old title" not in html


def test_a_talk_that_loses_a_tag_leaves_the_related_talks_it_was_in(client):
    leaving = make_talk(make_day(), title="Leaving talk", tags=["hovercraft"])
    other = make_talk(make_day(), title="Neighbour", tags=["hovercraft"])
    assert "Leaving talk" in client.get(other.get_absolute_url()).content.decode()

    leaving.tags.remove("hovercraft")

    assert "Leaving talk" not in client.get(other.get_absolute_url()).content.decode()


def test_a_talk_s_save_reads_the_talk_again_and_its_related_talks_when_its_tags_change(
    client, django_assert_num_queries
):
    talk = make_talk(make_day(), title="Seen from here", tags=["hovercraft", "eels"])
    make_talk(make_day(), title="Shares hovercraft", tags=["hovercraft"])
    make_talk(make_day(), title="Shares eels", tags=["eels"])
    url = talk.get_absolute_url()
    html = client.get(url).content.decode()
    assert "Shares hovercraft" in html and "Shares eels" in html

    talk = Talk.objects.get(pk=talk.pk)  # as the admin loads it
    talk.abstract = "Written up after the talk."
    talk.save()
    # The talk: not its notes, its speakers, tags and links, nor its related talks.
    with django_assert_num_queries(1):
        html = client.get(url).content.decode()
    assert "Written up after the talk." in html and "Shares eels" in html

    talk.tags.remove("eels")  # no other talk of its conference has it

    html = client.get(url).content.decode()
    assert "Shares hovercraft" in html and "Shares eels" not in html


@pytest.mark.parametrize("change", ["text", "withdrawn", "added", "author"])
def test_a_change_to_a_talk_s_notes_shows_on_its_page_after_a_save_of_the_talk(
    client, django_assert_num_queries, change
):
    talk = make_talk(make_day(), title="Kept notes")
    note = make_note(talk=talk, body="First words", authors=["Grace Example"])
    url = talk.get_absolute_url()
    client.get(url)
    talk = Talk.objects.get(pk=talk.pk)  # as the admin loads it
    talk.abstract = "Written up after the talk."
    talk.save()  # the page read again, its notes kept
    assert "First words" in client.get(url).content.decode()

    note = Note.objects.get(pk=note.pk)
    if change == "text":
        note.body = "Second words"
        note.save()
        shown, gone = "Second words", "First words"
    elif change == "withdrawn":
        note.published = False
        note.save()
        shown, gone = "Nobody has written up this one yet.", "First words"
    elif change == "added":
        make_note(talk=talk, body="Words of another writer")
        shown, gone = "Words of another writer", None
    else:
        note.set_authors(["Ada Added"])
        shown, gone = "Ada Added", "Grace Example"

    with django_assert_num_queries(2):  # the talk and its notes
        html = client.get(url).content.decode()
    assert shown in html
    assert gone is None or gone not in html


def test_a_talk_s_new_video_links_its_notes_time_codes_into_it_on_its_pages(client):
    talk = make_talk(make_day(), video_url="https://vimeo.com/7")
    make_note(talk=talk, body="Questions from [40:00].")
    urls = [talk.get_absolute_url(), talk.day.get_absolute_url()]
    for url in urls:
        assert 'href="https://vimeo.com/7#t=2400s"' in client.get(url).content.decode()

    talk = Talk.objects.get(pk=talk.pk)  # as the admin loads it
    talk.video_url = "https://vimeo.com/99"
    talk.save()

    for url in urls:
        html = client.get(url).content.decode()
        assert 'href="https://vimeo.com/99#t=2400s"' in html
        assert "https://vimeo.com/7#" not in html


def test_what_staff_read_of_a_talk_s_notes_is_never_kept_for_readers(client, admin_client):
    talk = make_talk(make_day())
    make_note(talk=talk, body="Draft words", published=False)
    url = talk.get_absolute_url()

    assert "Draft words" in admin_client.get(url).content.decode()
    assert "Draft words" not in client.get(url).content.decode()


@pytest.mark.parametrize(
    "change",
    [
        "speaker added",
        "speaker renamed",
        "speaker taken off",
        "tag added",
        "link added",
        "link edited",
    ],
)
def test_a_change_to_a_talk_s_speakers_tags_or_links_shows_on_its_page(client, change):
    speaker = make_speaker(name="Grace Example")
    talk = make_talk(title="Kept lists", speakers=[speaker], tags=["eels"])
    make_talk(tags=["hovercraft"])  # a tag made anew would expire everything
    link = make_link(talk, title="Transcript here")
    url = talk.get_absolute_url()
    client.get(url)
    talk = Talk.objects.get(pk=talk.pk)  # as the admin loads it
    talk.abstract = "Written up after the talk."
    talk.save()  # the page read again, its speakers, tags and links kept
    assert "Grace Example" in client.get(url).content.decode()

    if change == "speaker added":
        TalkSpeaker.objects.create(talk=talk, speaker=make_speaker(name="Ada Added"), position=1)
        shown, gone = "Ada Added", None
    elif change == "speaker renamed":
        speaker.name = "Grace Renamed"
        speaker.save()
        shown, gone = "Grace Renamed", "Grace Example"
    elif change == "speaker taken off":
        TalkSpeaker.objects.get(talk=talk, speaker=speaker).delete()
        shown, gone = None, "Grace Example"
    elif change == "tag added":
        talk.tags.add("hovercraft")
        shown, gone = "hovercraft", None
    elif change == "link added":
        make_link(talk, title="Photos elsewhere")
        shown, gone = "Photos elsewhere", None
    else:
        link.title = "Transcript moved"
        link.save()
        shown, gone = "Transcript moved", "Transcript here"

    html = client.get(url).content.decode()
    assert shown is None or shown in html
    assert gone is None or gone not in html


def test_what_staff_read_of_related_talks_is_never_kept_for_readers(client, admin_client):
    talk = make_talk(make_day(), tags=["hovercraft"])
    make_talk(
        make_day(make_conference(published=False)), title="Draft related", tags=["hovercraft"]
    )
    url = talk.get_absolute_url()

    assert "Draft related" in admin_client.get(url).content.decode()
    assert "Draft related" not in client.get(url).content.decode()


def test_a_deploy_that_changes_a_template_reads_no_old_page(settings, tmp_path, monkeypatch):
    from confnotes import pagecache

    for folder in ("templates", "static", "confnotes", "speakers", "talks"):
        (tmp_path / folder).mkdir()
    template = tmp_path / "templates" / "page.html"
    template.write_text("<h1>{{ title }}</h1>")
    (tmp_path / "talks" / "tests").mkdir()
    settings.BASE_DIR = tmp_path
    monkeypatch.setattr(pagecache, "_entries_prefix", pagecache._entries_prefix.__wrapped__)

    before = pagecache._entries_prefix()
    (tmp_path / "talks" / "tests" / "test_x.py").write_text("assert True")
    assert pagecache._entries_prefix() == before  # tests render nothing
    template.write_text("<h1 class='new'>{{ title }}</h1>")
    after = pagecache._entries_prefix()

    assert after != before and after.startswith(f"{pagecache.PREFIX}:")
    # Scope versions are shared by every deploy: an edit expires them all.
    assert pagecache._version_key("talk:1").startswith(f"{pagecache.PREFIX}:scope:")


@pytest.mark.parametrize(
    ("path", "stored"),
    [
        ("/tags/", True),
        ("/tags/?page=1", True),
        ("/tags/?junk=1", False),  # read by no page
        ("/tags/?q=x", False),  # the search page's parameter, not this page's
        ("/tags/?page=01", False),  # a page number not as the pages write it
        ("/tags/?page=1&page=1", False),
        ("/search/?q=x&kind=talk", True),
        ("/?utm_source=feed", False),
    ],
)
def test_only_the_parameters_a_page_reads_are_stored(client, path, stored):
    make_talk(tags=["python"])

    first, second = client.get(path), client.get(path)

    assert first.status_code == 200
    assert first["X-Confnotes-Cache"] == "miss" if stored else "X-Confnotes-Cache" not in first
    assert (second.get("X-Confnotes-Cache") == "hit") is stored


def test_a_query_in_another_order_is_the_same_stored_page(client):
    make_talk(title="Parsers", tags=["python"])

    first = client.get("/search/?q=parsers&kind=talk")
    second = client.get("/search/?kind=talk&q=parsers")

    assert (first["X-Confnotes-Cache"], second["X-Confnotes-Cache"]) == ("miss", "hit")
    assert second.content == first.content
