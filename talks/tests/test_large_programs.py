"""Programs too long for one page: a day's items in pages, a conference page that lists
its days rather than every talk. Sizes are made small here by lowering the limits."""

import datetime
import re

import pytest

from talks import calendars, selectors
from talks.tests.factories import make_conference, make_day, make_talk

pytestmark = pytest.mark.django_db


def _titles(html: str) -> list[str]:
    return re.findall(r">(Item \d+)</a>", html)


@pytest.fixture
def long_day(monkeypatch):
    monkeypatch.setattr(selectors, "DAY_PAGE_SIZE", 3)
    day = make_day(make_conference(name="Long Con"))
    for n in range(1, 8):
        make_talk(day, title=f"Item {n}", position=n)
    return day


def test_a_long_day_is_printed_in_pages_in_program_order(client, long_day):
    url = long_day.get_absolute_url()

    first = client.get(url).content.decode()
    last = client.get(f"{url}?page=3").content.decode()

    assert _titles(first) == ["Item 1", "Item 2", "Item 3"]
    assert "7 items (items 1–3 on this page)" in first
    assert "Page 1 of 3" in first and 'href="?page=2"' in first
    assert _titles(last) == ["Item 7"]
    assert "7 items (items 7–7 on this page)" in last
    assert f"<title>Long Con, {long_day.label}, page 3" in last
    assert f'rel="canonical" href="http://testserver{url}?page=3"' in last


@pytest.mark.parametrize("page", ["4", "0", "x", "-1"])
def test_a_page_past_the_day_or_malformed_is_404(client, long_day, page):
    assert client.get(f"{long_day.get_absolute_url()}?page={page}").status_code == 404


@pytest.mark.parametrize("page", [1, 3])
def test_every_page_of_a_long_day_runs_the_same_queries(
    client, long_day, django_assert_num_queries, page
):
    with django_assert_num_queries(6):
        client.get(f"{long_day.get_absolute_url()}?page={page}")


def test_a_day_under_the_size_has_no_page_links(client):
    day = make_day()
    make_talk(day, title="Item 1")

    page = client.get(day.get_absolute_url()).content.decode()

    assert _titles(page) == ["Item 1"]
    assert "1 item," in page and "on this page" not in page and "Page 1 of" not in page


def test_a_conference_past_the_size_lists_its_days_not_its_talks(
    client, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(selectors, "CONFERENCE_TALKS_LISTED", 4)
    conference = make_conference(name="Huge Con")
    first, second = make_day(conference), make_day(conference)
    for n in range(1, 4):
        make_talk(first, title=f"Item {n}", tags=["python"])
    make_talk(second, title="Item 4", tags=["python", "web"])
    make_talk(second, title="Item 5", tags=["web"])

    with django_assert_num_queries(4):
        page = client.get(conference.get_absolute_url()).content.decode()

    assert _titles(page) == []
    assert "The program has 5 items, too many for one page" in page
    assert page.count("· 3 items</span>") == 1 and page.count("· 2 items</span>") == 1
    tags = re.findall(r'rel="tag">([^<]+)</a> <span class="count">(\d+)</span>', page)
    assert tags == [("python", "4"), ("web", "2")]


def test_a_conference_at_the_size_lists_every_talk(client, monkeypatch):
    monkeypatch.setattr(selectors, "CONFERENCE_TALKS_LISTED", 2)
    day = make_day(make_conference())
    make_talk(day, title="Item 1")
    make_talk(day, title="Item 2")

    page = client.get(day.conference.get_absolute_url()).content.decode()

    assert _titles(page) == ["Item 1", "Item 2"]
    assert "too many for one page" not in page


def _events(body: bytes) -> list[str]:
    return re.findall(r"SUMMARY:(.+?)\r\n", body.decode())


@pytest.fixture
def split_calendars(monkeypatch):
    monkeypatch.setattr(calendars, "CALENDAR_PAGE_SIZE", 3)
    monkeypatch.setattr(selectors, "CALENDAR_PAGE_SIZE", 3)


def test_a_long_program_s_calendar_comes_in_parts_that_its_pages_link(client, split_calendars):
    day = make_day(make_conference(name="Long Con"))
    for n in range(1, 8):
        make_talk(day, title=f"Item {n}", position=n, start_time=datetime.time(9, n))
    url = f"{day.get_absolute_url()}calendar.ics"

    parts = [client.get(url), client.get(f"{url}?page=2"), client.get(f"{url}?page=3")]

    assert [_events(part.content) for part in parts] == [
        ["Item 1", "Item 2", "Item 3"],
        ["Item 4", "Item 5", "Item 6"],
        ["Item 7"],
    ]
    assert client.get(f"{url}?page=4").status_code == 404
    assert client.get(f"{url}?page=x").status_code == 404
    page = client.get(day.get_absolute_url()).content.decode()
    assert (
        f'your calendar (iCal), in 3 parts: <a href="{url}" type="text/calendar">part 1</a>, '
        f'<a href="{url}?page=2" type="text/calendar">part 2</a>, '
        f'<a href="{url}?page=3" type="text/calendar">part 3</a>'
    ) in page
    conference_page = client.get(day.conference.get_absolute_url()).content.decode()
    assert "Add the program to your calendar (iCal), in 3 parts:" in conference_page


def test_a_part_counts_untimed_items_as_its_pages_do_and_holds_no_stand_in_event(
    client, split_calendars
):
    conference = make_conference(name="Half Timed Con")
    day = make_day(conference)
    for n in range(1, 5):  # three untimed items and a timed one: two parts
        make_talk(
            day, title=f"Item {n}", position=n, start_time=datetime.time(10) if n == 4 else None
        )
    url = f"{conference.get_absolute_url()}calendar.ics"

    first, second = client.get(url), client.get(f"{url}?page=2")

    assert _events(first.content) == ["Item 4"]  # the timed first, then the untimed
    # The second part holds an untimed item only: no whole-conference event stands in,
    # since the program has times.
    assert second.status_code == 200 and _events(second.content) == []


def test_a_short_program_has_one_calendar_link(client, split_calendars):
    day = make_day()
    make_talk(day, title="Item 1", start_time=datetime.time(9))

    page = client.get(day.get_absolute_url()).content.decode()

    assert (
        f'<a href="{day.get_absolute_url()}calendar.ics" type="text/calendar">Add this day to your calendar (iCal)</a>'
        in page
    )
    assert "parts:" not in page
