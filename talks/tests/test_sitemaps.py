"""The sitemap index, its sections and robots.txt: parsed as XML, drafts left out."""

import datetime
from urllib.parse import urlsplit

import pytest
from defusedxml import ElementTree
from django.utils import timezone

from talks import sitemaps
from talks.models import Conference, Day, Talk
from talks.tests.factories import (
    make_conference,
    make_day,
    make_full_day,
    make_note,
    make_speaker,
    make_talk,
)

pytestmark = pytest.mark.django_db

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def _xml(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    return ElementTree.fromstring(response.content)


def _index(client) -> list[str]:
    root = _xml(client.get("/sitemap.xml"))
    assert root.tag == f"{{{NS['sm']}}}sitemapindex"
    return [loc.text for loc in root.findall("sm:sitemap/sm:loc", NS)]


def _entries(client, url) -> dict[str, str | None]:
    """{path: lastmod} of one sitemap page."""
    parts = urlsplit(url)
    root = _xml(client.get(f"{parts.path}?{parts.query}" if parts.query else parts.path))
    assert root.tag == f"{{{NS['sm']}}}urlset"
    return {
        urlsplit(node.find("sm:loc", NS).text).path: node.findtext("sm:lastmod", namespaces=NS)
        for node in root.findall("sm:url", NS)
    }


def _all_entries(client) -> dict[str, str | None]:
    entries = {}
    for url in _index(client):
        entries.update(_entries(client, url))
    return entries


def test_sitemap_lists_every_public_page_with_lastmod(client):
    conference = make_conference(series="Map Con")
    day = make_day(conference)
    ada = make_speaker(name="Ada Mapped")
    talk = make_talk(day, speakers=[ada], tags=["mapped"])

    entries = _all_entries(client)

    for path in [
        conference.get_absolute_url(),
        day.get_absolute_url(),
        talk.get_absolute_url(),
        ada.get_absolute_url(),
        "/tags/mapped/",
        "/series/map-con/",
    ]:
        assert path in entries, path
        assert entries[path], f"no lastmod for {path}"
    talk.refresh_from_db()
    assert entries[talk.get_absolute_url()] == talk.updated.date().isoformat()
    assert len(entries) == 6


def test_a_published_note_moves_its_pages_lastmod(client):
    talk = make_talk()
    Talk.objects.filter(pk=talk.pk).update(updated=timezone.now() - datetime.timedelta(days=30))
    Day.objects.filter(pk=talk.day_id).update(updated=timezone.now() - datetime.timedelta(days=30))
    Conference.objects.filter(pk=talk.conference_id).update(
        updated=timezone.now() - datetime.timedelta(days=30)
    )
    make_note(talk=talk, body="Fresh notes.")
    make_note(day=talk.day, body="A day note.")
    make_note(conference=talk.conference, body="On the whole conference.")
    make_note(talk=talk, body="A draft.", published=False)

    entries = _all_entries(client)

    today = timezone.now().date().isoformat()
    assert entries[talk.get_absolute_url()] == today
    assert entries[talk.day.get_absolute_url()] == today
    assert entries[talk.conference.get_absolute_url()] == today


def test_sitemap_leaves_out_drafts(client):
    draft_conference = make_conference(published=False)
    hidden_speaker = make_speaker(name="Hidden Speaker")
    draft_day_talk = make_talk(
        make_day(make_conference(), published=False), tags=["draft-only"], speakers=[hidden_speaker]
    )
    hidden_talk = make_talk(make_day(draft_conference), tags=["draft-only"])
    public_talk = make_talk(make_day(make_conference()), tags=["public"])

    entries = _all_entries(client)

    assert draft_conference.get_absolute_url() not in entries
    assert hidden_talk.get_absolute_url() not in entries
    assert hidden_talk.day.get_absolute_url() not in entries
    assert draft_day_talk.get_absolute_url() not in entries
    assert draft_day_talk.day.get_absolute_url() not in entries
    assert hidden_speaker.get_absolute_url() not in entries
    assert "/tags/draft-only/" not in entries
    assert public_talk.get_absolute_url() in entries and "/tags/public/" in entries
    assert draft_day_talk.conference.get_absolute_url() in entries  # its conference is public


def test_sitemap_sections_are_paginated(client, monkeypatch):
    monkeypatch.setattr(sitemaps._Section, "limit", 2)
    day = make_day()
    talks = [make_talk(day) for _ in range(5)]

    index = _index(client)
    talk_pages = [url for url in index if "sitemap-talks.xml" in url]
    found = set()
    for url in talk_pages:
        found |= set(_entries(client, url))

    assert talk_pages == [
        "http://testserver/sitemap-talks.xml",
        "http://testserver/sitemap-talks.xml?p=2",
        "http://testserver/sitemap-talks.xml?p=3",
    ]
    assert found == {talk.get_absolute_url() for talk in talks}


def test_sitemap_refuses_unknown_sections_and_pages(client):
    make_talk()

    assert client.get("/sitemap-nothing.xml").status_code == 404
    for bad in ["0", "9", "abc", "-1"]:
        assert client.get("/sitemap-talks.xml", {"p": bad}).status_code == 404


@pytest.mark.parametrize("size", [3, 30])
def test_sitemap_query_counts_constant(client, django_assert_num_queries, size):
    day = make_full_day(size)
    make_full_day(size, conference=day.conference)

    with django_assert_num_queries(6):  # one count per section
        index = client.get("/sitemap.xml")
    with django_assert_num_queries(2):  # the section's count and one page
        talks = client.get("/sitemap-talks.xml")
    for section in ("conferences", "series", "days", "speakers", "tags"):
        with django_assert_num_queries(2):
            assert client.get(f"/sitemap-{section}.xml").status_code == 200

    assert len(_xml(index).findall("sm:sitemap", NS)) == 6
    assert len(_xml(talks).findall("sm:url", NS)) == 2 * size


def test_robots_txt_points_to_the_sitemap_and_keeps_out_of_admin(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/robots.txt")

    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert "Disallow: /admin/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines


def test_sitemap_is_cached_and_answers_conditional_get(client):
    make_talk()

    first = client.get("/sitemap.xml")
    second = client.get("/sitemap.xml")

    assert second["X-Confnotes-Cache"] == "hit"
    assert client.get("/sitemap.xml", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
