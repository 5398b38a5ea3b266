import pytest

from talks.tests.factories import make_day, make_note, make_talk

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

    assert second["X-Confnotes-Cache"] == "hit"
    assert second.content == first.content and "Cached talk" in second.content.decode()
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
