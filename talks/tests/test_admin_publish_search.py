"""The admin's publish actions write with update(), past signals: search follows them anyway."""

import pytest
from django.urls import reverse

from talks.search import search_talks
from talks.tests.factories import make_conference, make_day, make_note, make_talk

pytestmark = pytest.mark.django_db


def _found(query) -> list[str]:
    return [hit.talk.title for hit in search_talks(query).hits]


def _act(admin_client, model: str, action: str, pks, query: str = ""):
    url = reverse(f"admin:talks_{model}_changelist") + query
    response = admin_client.post(url, {"action": action, "_selected_action": pks})
    assert response.status_code == 302


def test_publishing_a_conference_puts_its_talks_in_search(
    admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        conference = make_conference(published=False)
        make_talk(make_day(conference), title="Albatross navigation")
    assert _found("albatross") == []

    _act(admin_client, "conference", "publish", [conference.pk], "?published__exact=0")
    assert _found("albatross") == ["Albatross navigation"]

    _act(admin_client, "conference", "unpublish", [conference.pk])
    assert _found("albatross") == []


def test_publishing_a_day_or_a_note_updates_search(
    admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        day = make_day(published=False)
        talk = make_talk(day, title="Gannet diving")
        note = make_note(talk=talk, body="Plunges from thirty metres.", published=False)
    assert _found("gannet") == []

    _act(admin_client, "day", "publish", [day.pk])
    assert _found("gannet") == ["Gannet diving"]
    assert _found("plunges") == []

    _act(admin_client, "note", "publish", [note.pk], "?published__exact=0")
    assert _found("plunges") == ["Gannet diving"]

    _act(admin_client, "note", "unpublish", [note.pk])
    assert _found("plunges") == []
    assert _found("gannet") == ["Gannet diving"]

    _act(admin_client, "day", "unpublish", [day.pk])
    assert _found("gannet") == []
