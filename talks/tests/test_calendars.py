"""iCalendar exports of conferences and days, parsed back with the icalendar library."""

import datetime

import pytest
from icalendar import Calendar

from talks.models import Kind, Talk
from talks.tests.factories import (
    make_conference,
    make_day,
    make_full_day,
    make_speaker,
    make_talk,
)

pytestmark = pytest.mark.django_db


def _parse(response) -> Calendar:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    for component in calendar.walk():
        assert component.errors == [], (component.name, component.errors)
    return calendar


def _events(calendar) -> dict[str, object]:
    return {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}


def _program():
    conference = make_conference(name="CalConf 2024", city="Lyon", country="France")
    day1 = make_day(conference, date=datetime.date(2024, 5, 2))
    day2 = make_day(conference, date=datetime.date(2024, 5, 3))
    ada = make_speaker(name="Ada Lovelace")
    grace = make_speaker(name="Grace Hopper")
    keynote = make_talk(
        day1,
        title="Opening keynote",
        kind=Kind.KEYNOTE,
        start_time=datetime.time(9, 30),
        duration=datetime.timedelta(minutes=45),
        room="Main hall",
        speakers=[grace, ada],
    )
    make_talk(day1, title="Untimed lightning talks", kind=Kind.LIGHTNING)
    make_talk(day2, title="Closing panel", start_time=datetime.time(17, 0), room="")
    return conference, day1, day2, keynote


def test_conference_calendar_has_one_event_per_timed_talk(client):
    conference, _day1, _day2, keynote = _program()

    calendar = _parse(client.get(f"/{conference.slug}/calendar.ics"))

    assert str(calendar["X-WR-CALNAME"]) == "CalConf 2024"
    events = _events(calendar)
    assert sorted(events) == ["Closing panel", "Opening keynote"]
    event = events["Opening keynote"]
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    # No time zone in the conference's data: floating local times.
    assert start == datetime.datetime(2024, 5, 2, 9, 30) and start.tzinfo is None
    assert end == datetime.datetime(2024, 5, 2, 10, 15)
    assert str(event["LOCATION"]) == "Main hall"
    assert "Keynote by Grace Hopper and Ada Lovelace" in str(event["DESCRIPTION"])
    assert str(event["URL"]) == f"http://testserver{keynote.get_absolute_url()}"
    assert str(event["UID"]) == f"talk-{keynote.pk}@confnotes"
    assert event.decoded("DTSTAMP").tzinfo is not None
    closing = events["Closing panel"]
    assert "DTEND" not in closing  # no duration known
    assert str(closing["LOCATION"]) == "Lyon, France"  # no room: the conference's place


def test_calendar_uid_is_stable_across_renames(client):
    conference, _day1, _day2, keynote = _program()
    before = _events(_parse(client.get(f"/{conference.slug}/calendar.ics")))

    keynote = Talk.objects.get(pk=keynote.pk)
    keynote.slug = "welcome"
    keynote.save()
    after = _events(_parse(client.get(f"/{conference.slug}/calendar.ics")))

    assert after["Opening keynote"]["UID"] == before["Opening keynote"]["UID"]
    assert str(after["Opening keynote"]["URL"]).endswith("/talks/welcome/")


def test_calendar_uses_the_conference_time_zone_when_known(client):
    conference, *_ = _program()
    conference.time_zone = "Europe/Paris"
    conference.save()

    response = client.get(f"/{conference.slug}/calendar.ics")
    calendar = _parse(response)

    start = _events(calendar)["Opening keynote"].decoded("DTSTART")
    assert str(start.tzinfo) == "Europe/Paris"
    assert start.astimezone(datetime.UTC) == datetime.datetime(
        2024, 5, 2, 7, 30, tzinfo=datetime.UTC
    )
    assert b"DTSTART;TZID=Europe/Paris:20240502T093000" in response.content
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]


@pytest.mark.parametrize("bad", ["Mars/Olympus_Mons", "../../etc/passwd", "", "42", "+25:00"])
def test_calendar_falls_back_to_floating_times_for_a_bad_time_zone(client, bad):
    conference, *_ = _program()
    conference.time_zone = bad  # stored past the field's validator
    conference.save()

    calendar = _parse(client.get(f"/{conference.slug}/calendar.ics"))

    assert _events(calendar)["Opening keynote"].decoded("DTSTART").tzinfo is None
    assert calendar.walk("VTIMEZONE") == []


def test_calendar_drops_control_characters(client):
    conference = make_conference(name="Bell\x07Conf")
    day = make_day(conference)
    make_talk(
        day,
        title="Tab\there, escape\x1b gone",
        start_time=datetime.time(9, 0),
        room="Room\x0b 1",
        speakers=[make_speaker(name="Back\x08space")],
    )

    calendar = _parse(client.get(f"/{conference.slug}/calendar.ics"))

    [event] = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Tab\there, escape gone"
    assert str(event["LOCATION"]) == "Room 1"
    assert str(event["DESCRIPTION"]).startswith("Talk by Backspace\nBellConf: http")
    assert str(calendar["X-WR-CALNAME"]) == "BellConf"


def test_calendar_without_timed_talks_has_one_all_day_event(client):
    conference = make_conference(
        name="Untimed Conf",
        start_date=datetime.date(2009, 9, 8),
        end_date=datetime.date(2009, 9, 10),
        city="Portland",
        country="USA",
    )
    day = make_day(conference)
    make_talk(day, title="No time given")

    calendar = _parse(client.get(f"/{conference.slug}/calendar.ics"))
    day_calendar = _parse(client.get(f"/{conference.slug}/{day.slug}/calendar.ics"))

    [event] = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Untimed Conf"
    assert event.decoded("DTSTART") == datetime.date(2009, 9, 8)
    assert event.decoded("DTEND") == datetime.date(2009, 9, 11)
    assert str(event["LOCATION"]) == "Portland, USA"
    assert str(event["UID"]) == f"conference-{conference.pk}@confnotes"
    [day_event] = day_calendar.walk("VEVENT")
    assert str(day_event["SUMMARY"]) == "Untimed Conf, Day 1"
    assert day_event.decoded("DTSTART") == datetime.date(2009, 9, 8)
    assert day_event.decoded("DTEND") == datetime.date(2009, 9, 9)
    assert str(day_event["URL"]) == f"http://testserver{day.get_absolute_url()}"


def test_conference_calendar_leaves_out_draft_days(client):
    conference, _day1, day2, _keynote = _program()
    day2.published = False
    day2.save()

    events = _events(_parse(client.get(f"/{conference.slug}/calendar.ics")))

    assert sorted(events) == ["Opening keynote"]


def test_calendar_of_draft_or_unknown_conference_is_404(client):
    draft = make_conference(published=False)
    make_talk(make_day(draft), start_time=datetime.time(10, 0))

    assert client.get(f"/{draft.slug}/calendar.ics").status_code == 404
    assert client.get("/nothing-here/calendar.ics").status_code == 404
    assert client.get(f"/{draft.slug}/day-1/calendar.ics").status_code == 404


def test_calendar_follows_a_renamed_conference(client):
    conference, day1, *_ = _program()
    old = conference.slug
    conference.slug = "calconf-renamed"
    conference.save()

    response = client.get(f"/{old}/calendar.ics")
    day_response = client.get(f"/{old}/{day1.slug}/calendar.ics")

    assert response.status_code == 301 and response["Location"] == "/calconf-renamed/calendar.ics"
    assert day_response["Location"] == f"/calconf-renamed/{day1.slug}/calendar.ics"


def test_day_calendar_follows_a_renamed_day(client):
    conference, day1, *_ = _program()
    old = day1.slug
    day1.slug = "opening-day"
    day1.save()

    response = client.get(f"/{conference.slug}/{old}/calendar.ics")

    assert response.status_code == 301
    assert response["Location"] == f"/{conference.slug}/opening-day/calendar.ics"


def test_day_calendar_has_only_that_day(client):
    conference, day1, day2, _keynote = _program()

    calendar = _parse(client.get(f"/{conference.slug}/{day2.slug}/calendar.ics"))

    assert str(calendar["X-WR-CALNAME"]) == "CalConf 2024, Day 2"
    assert sorted(_events(calendar)) == ["Closing panel"]
    assert client.get(f"/{conference.slug}/no-such-day/calendar.ics").status_code == 404
    day1.published = False
    day1.save()
    assert client.get(f"/{conference.slug}/{day1.slug}/calendar.ics").status_code == 404


def test_conference_and_day_pages_link_their_calendars(client):
    conference, day1, *_ = _program()

    conference_html = client.get(conference.get_absolute_url()).content.decode()
    day_html = client.get(day1.get_absolute_url()).content.decode()

    assert f'<a href="/{conference.slug}/calendar.ics" type="text/calendar">' in conference_html
    assert f'<a href="/{conference.slug}/{day1.slug}/calendar.ics"' in day_html
    assert "to your calendar (iCal)" in day_html


@pytest.mark.parametrize("size", [3, 30])
def test_calendar_query_counts_constant(client, django_assert_num_queries, size):
    day = make_full_day(size)
    make_full_day(size, conference=day.conference)
    Talk.objects.update(start_time=datetime.time(10, 0), duration=datetime.timedelta(minutes=30))

    with django_assert_num_queries(3):
        conference_response = client.get(f"/{day.conference.slug}/calendar.ics")
    with django_assert_num_queries(3):
        day_response = client.get(f"/{day.conference.slug}/{day.slug}/calendar.ics")

    assert len(_parse(conference_response).walk("VEVENT")) == 2 * size
    assert len(_parse(day_response).walk("VEVENT")) == size


def test_calendar_is_cached_and_answers_conditional_get(client):
    conference, *_ = _program()
    url = f"/{conference.slug}/calendar.ics"

    first = client.get(url)
    second = client.get(url)

    assert second["X-Confnotes-Cache"] == "hit" and second.content == first.content
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
