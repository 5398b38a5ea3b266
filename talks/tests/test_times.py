"""Times of talks: items after midnight, time zones (with DST changes during the event),
untimed items and dates out of range, on pages, in JSON-LD, calendars and exports."""

import datetime
import importlib
import json
import re

import pytest
from django.apps import apps
from icalendar import Calendar

from talks.exporters.schedule import export_schedule
from talks.importers.common import ImportFailed
from talks.importers.pyvideo import import_pyvideo
from talks.importers.schedule import import_schedule
from talks.models import Conference, Talk
from talks.tests.factories import make_conference, make_day, make_talk
from talks.tests.pyvideo_samples import video, write_event
from talks.tests.test_schedule import SHARED, write

pytestmark = pytest.mark.django_db

_LD_JSON = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def event(ident: int, title: str, start: str, *, date: str | None = None, duration="01:00"):
    """A frab event; `date` is its full start with offset, left out when None."""
    raw = {
        "id": ident,
        "guid": f"00000000-0000-4000-8000-{ident:012d}",
        "start": start,
        "duration": duration,
        "room": "Saal 1",
        "title": title,
        "type": "lecture",
        "language": "en",
        "persons": [],
    }
    if date is not None:
        raw["date"] = date
    return raw


def frab(acronym: str, days: list, *, zone: str | None = None) -> dict:
    """A frab JSON schedule; `days` are (date, day_start, day_end, events)."""
    conference = {
        "acronym": acronym,
        "title": acronym.upper(),
        "days": [
            {
                "index": n,
                "date": date,
                "day_start": day_start,
                "day_end": day_end,
                "rooms": {"Saal 1": events},
            }
            for n, (date, day_start, day_end, events) in enumerate(days, start=1)
        ],
    }
    if zone:
        conference["time_zone_name"] = zone
    return {"schedule": {"version": "1", "conference": conference}}


def imported(tmp_path, schedule: dict) -> Conference:
    import_schedule(
        write(tmp_path, f"{schedule['schedule']['conference']['acronym']}.json", schedule)
    )
    return Conference.objects.get(external_id=schedule["schedule"]["conference"]["acronym"])


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def json_ld(html: str) -> list[dict]:
    return [json.loads(block) for block in _LD_JSON.findall(html)]


def calendar(client, url: str) -> tuple[Calendar, bytes]:
    response = client.get(url)
    assert response.status_code == 200, url
    parsed = Calendar.from_ical(response.content)
    for component in parsed.walk():
        assert component.errors == [], (component.name, component.errors)
    return parsed, response.content.replace(b"\r\n ", b"")


def vevents(parsed: Calendar) -> dict:
    return {str(e["SUMMARY"]): e for e in parsed.walk("VEVENT")}


# ---------------------------------------------------------------------------
# Items after midnight

THIRTY_ONE_C3 = frab(
    "31c3",
    [
        (
            "2014-12-27",
            "2014-12-27T11:00:00+01:00",
            "2014-12-28T04:00:00+01:00",
            [
                event(6573, "Opening", "11:00", date="2014-12-27T11:00:00+01:00"),
                event(6606, "Citizenfour", "00:00", date="2014-12-28T00:00:00+01:00"),
                # No `date`: the day's start says 01:30 is after midnight.
                event(6607, "Late lightning", "01:30", duration="00:30"),
            ],
        )
    ],
    zone="Europe/Berlin",
)


def test_item_after_midnight_is_on_the_next_date_everywhere(client, tmp_path):
    conference = imported(tmp_path, THIRTY_ONE_C3)
    citizenfour = Talk.objects.get(title="Citizenfour")
    lightning = Talk.objects.get(title="Late lightning")
    opening = Talk.objects.get(title="Opening")

    assert conference.time_zone == "Europe/Berlin"
    # The program day stays the 27th; the start is on the 28th.
    assert citizenfour.day.date == datetime.date(2014, 12, 27)
    assert citizenfour.start_date == lightning.start_date == datetime.date(2014, 12, 28)
    assert opening.start_date is None
    assert [t.title for t in Talk.objects.order_by("position")] == [
        "Opening",
        "Citizenfour",
        "Late lightning",
    ]

    html = page(client, citizenfour.get_absolute_url())
    assert (
        '<time datetime="2014-12-28T00:00+01:00">28 December 2014, 00:00</time>'
        '–<time datetime="2014-12-28T01:00+01:00">01:00</time>'
        ' <abbr class="zone" title="Europe/Berlin">CET</abbr>'
    ) in html
    assert "27 December 2014" not in html
    talk_event = json_ld(html)[0]
    assert talk_event["startDate"] == "2014-12-28T00:00:00+01:00"
    assert talk_event["endDate"] == "2014-12-28T01:00:00+01:00"

    day_html = page(client, citizenfour.day.get_absolute_url())
    assert '<time datetime="2014-12-28T00:00+01:00">28 Dec, 00:00</time>' in day_html
    assert '<time datetime="2014-12-27T11:00+01:00">11:00</time>' in day_html
    sub_events = {e["name"]: e["startDate"] for e in json_ld(day_html)[0]["subEvent"]}
    assert sub_events == {
        "Opening": "2014-12-27T11:00:00+01:00",
        "Citizenfour": "2014-12-28T00:00:00+01:00",
        "Late lightning": "2014-12-28T01:30:00+01:00",
    }

    for url in (
        f"/{conference.slug}/calendar.ics",
        f"{citizenfour.day.get_absolute_url()}calendar.ics",
    ):
        parsed, raw = calendar(client, url)
        assert b"DTSTART;TZID=Europe/Berlin:20141228T000000" in raw
        assert b"DTSTART;TZID=Europe/Berlin:20141228T013000" in raw
        assert b"DTSTART;TZID=Europe/Berlin:20141227T110000" in raw
        assert [str(tz["TZID"]) for tz in parsed.walk("VTIMEZONE")] == ["Europe/Berlin"]

    exported = json.loads(export_schedule(conference))["schedule"]["conference"]
    dates = {e["title"]: e["date"] for e in exported["days"][0]["rooms"]["Saal 1"]}
    assert dates["Citizenfour"] == "2014-12-28T00:00:00+01:00"
    assert dates["Late lightning"] == "2014-12-28T01:30:00+01:00"


def test_reimport_keeps_the_start_date_and_changes_nothing(tmp_path):
    imported(tmp_path, THIRTY_ONE_C3)
    before = list(Talk.objects.values_list("title", "start_date", "updated").order_by("pk"))

    summary = import_schedule(write(tmp_path, "again.json", THIRTY_ONE_C3))

    assert list(Talk.objects.values_list("title", "start_date", "updated").order_by("pk")) == before
    assert summary.counts["Talk"]["updated"] == 0


def test_migration_fills_zone_and_start_dates_from_what_imports_kept():
    migration = importlib.import_module(
        "talks.migrations.0012_conference_time_zone_talk_start_date"
    )
    kept = {"days": {"2020-09-18": {"day_start": "2020-09-18T04:00:00+01:00"}}}
    porto = make_conference(extra={"schedule": kept})
    late = make_talk(make_day(porto, date=datetime.date(2020, 9, 18)), start_time=datetime.time(1))
    by_hand = make_conference(extra={"time_zone": "America/Chicago", "other": 1})
    wrong = make_conference(extra={"time_zone": "Mars/Olympus"})

    migration.forwards(apps, None)

    for conference in (porto, by_hand, wrong):
        conference.refresh_from_db()
    late.refresh_from_db()
    assert porto.time_zone == "+01:00"  # one offset, no name
    assert late.start_date == datetime.date(2020, 9, 19)
    assert (by_hand.time_zone, by_hand.extra) == ("America/Chicago", {"other": 1})
    assert (wrong.time_zone, wrong.extra) == ("", {"time_zone": "Mars/Olympus"})


# ---------------------------------------------------------------------------
# Time zones, with DST changes during the event


def test_three_zones_with_dst_changes_in_calendars_and_json_ld(client, tmp_path):
    # Europe/Berlin leaves summer time on 27 October 2024, America/New_York on
    # 3 November 2024; the third file names no zone, only its offset (India's).
    berlin = imported(
        tmp_path,
        frab(
            "brl24",
            [
                ("2024-10-26", "2024-10-26T09:00:00+02:00", "2024-10-27T03:00:00+01:00",
                 [event(1, "Saturday in Berlin", "10:00"),
                  # 01:30 summer time, two hours long: ends at 02:30 winter time.
                  event(2, "Across the change", "01:30", duration="02:00")]),
                ("2024-10-27", "2024-10-27T09:00:00+01:00", "2024-10-27T18:00:00+01:00",
                 [event(3, "Sunday in Berlin", "10:00")]),
            ],
            zone="Europe/Berlin",
        ),
    )  # fmt: skip
    new_york = imported(
        tmp_path,
        frab(
            "nyc24",
            [
                ("2024-11-02", "2024-11-02T09:00:00-04:00", "2024-11-02T18:00:00-04:00",
                 [event(11, "Saturday in New York", "10:00")]),
                ("2024-11-03", "2024-11-03T09:00:00-05:00", "2024-11-03T18:00:00-05:00",
                 [event(12, "Sunday in New York", "10:00")]),
            ],
            zone="America/New_York",
        ),
    )  # fmt: skip
    pune = imported(
        tmp_path,
        frab(
            "pun24",
            [("2024-11-02", "2024-11-02T09:00:00+05:30", "2024-11-02T18:00:00+05:30",
              [event(21, "Morning in Pune", "10:00", date="2024-11-02T10:00:00+05:30")])],
        ),
    )  # fmt: skip

    assert (berlin.time_zone, new_york.time_zone, pune.time_zone) == (
        "Europe/Berlin",
        "America/New_York",
        "+05:30",
    )
    starts = {}
    for title in ("Saturday in Berlin", "Across the change", "Sunday in Berlin",
                  "Saturday in New York", "Sunday in New York", "Morning in Pune"):  # fmt: skip
        talk = Talk.objects.get(title=title)
        starts[title] = json_ld(page(client, talk.get_absolute_url()))[0]
    assert {title: data["startDate"] for title, data in starts.items()} == {
        "Saturday in Berlin": "2024-10-26T10:00:00+02:00",
        "Across the change": "2024-10-27T01:30:00+02:00",
        "Sunday in Berlin": "2024-10-27T10:00:00+01:00",
        "Saturday in New York": "2024-11-02T10:00:00-04:00",
        "Sunday in New York": "2024-11-03T10:00:00-05:00",
        "Morning in Pune": "2024-11-02T10:00:00+05:30",
    }
    # Two hours of elapsed time, not of the clock.
    assert starts["Across the change"]["endDate"] == "2024-10-27T02:30:00+01:00"

    parsed, raw = calendar(client, f"/{berlin.slug}/calendar.ics")
    assert b"DTSTART;TZID=Europe/Berlin:20241026T100000" in raw
    assert b"DTSTART;TZID=Europe/Berlin:20241027T013000" in raw
    assert b"DTEND;TZID=Europe/Berlin:20241027T023000" in raw
    (zone,) = parsed.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Berlin"
    assert {c.name for c in zone.subcomponents} >= {"STANDARD", "DAYLIGHT"}
    utc = {t: e.decoded("DTSTART").astimezone(datetime.UTC) for t, e in vevents(parsed).items()}
    assert utc["Sunday in Berlin"] == datetime.datetime(2024, 10, 27, 9, tzinfo=datetime.UTC)

    parsed, raw = calendar(client, f"/{new_york.slug}/calendar.ics")
    assert b"DTSTART;TZID=America/New_York:20241103T100000" in raw
    (zone,) = parsed.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "America/New_York"
    utc = {t: e.decoded("DTSTART").astimezone(datetime.UTC) for t, e in vevents(parsed).items()}
    assert utc == {
        "Saturday in New York": datetime.datetime(2024, 11, 2, 14, tzinfo=datetime.UTC),
        "Sunday in New York": datetime.datetime(2024, 11, 3, 15, tzinfo=datetime.UTC),
    }

    # A bare offset has no VTIMEZONE: its times are written in UTC.
    parsed, raw = calendar(client, f"/{pune.slug}/calendar.ics")
    assert b"DTSTART:20241102T043000Z" in raw
    assert parsed.walk("VTIMEZONE") == []


REAL_ZONES = {
    # file: (its zone, talks after midnight); DjangoCon Europe 2020 gives offsets only,
    # LSWT's "Z" stamps are local times (not believed), the camp's nights run to 04:00.
    "ccc-camp-2019.frab.schedule.json": ("Europe/Berlin", 0),
    "djangocon-europe-2020.pretalx.schedule.json": ("+01:00", 0),
    "djangocon-europe-2020.pretalx.schedule.xml": ("+01:00", 0),
    "lswt-2019.jekyll-frabstyle.schedule.xml": ("", 0),
}


@pytest.mark.parametrize("name", sorted(REAL_ZONES))
def test_real_schedule_files_give_their_zone(name):
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared data folder is not next to the repository")

    import_schedule(path)

    zone, after_midnight = REAL_ZONES[name]
    assert Conference.objects.get().time_zone == zone
    assert Talk.objects.filter(start_date__isnull=False).count() == after_midnight


def test_pages_name_the_zone_as_it_is_on_each_day(client):
    conference = make_conference(time_zone="America/New_York")
    saturday = make_day(conference, date=datetime.date(2024, 11, 2))
    sunday = make_day(conference, date=datetime.date(2024, 11, 3))
    make_talk(saturday, title="Before", start_time=datetime.time(10))
    after = make_talk(sunday, title="After", start_time=datetime.time(10))

    assert '<abbr class="zone" title="America/New_York">EDT</abbr>' in page(
        client, saturday.get_absolute_url()
    )
    sunday_html = page(client, sunday.get_absolute_url())
    assert '<time datetime="2024-11-03T10:00-05:00">10:00</time>' in sunday_html
    assert '<abbr class="zone" title="America/New_York">EST</abbr>' in sunday_html
    assert "EST</abbr>" in page(client, after.get_absolute_url())


def test_without_a_known_zone_times_stay_local_and_name_none(client):
    talk = make_talk(start_time=datetime.time(9, 30), duration=datetime.timedelta(minutes=30))

    html = page(client, talk.get_absolute_url())

    assert '<time datetime="' + talk.day.date.isoformat() + 'T09:30">' in html
    assert 'class="zone"' not in html
    assert json_ld(html)[0]["startDate"] == f"{talk.day.date.isoformat()}T09:30:00"


# ---------------------------------------------------------------------------
# Untimed items


def test_untimed_pyvideo_items_stay_untimed_in_every_export(client, tmp_path):
    write_event(tmp_path / "data", "pytest-con-2021", {"fast": video(recorded="2021-06-01")})
    import_pyvideo(tmp_path / "data")
    talk = Talk.objects.get()
    conference = talk.conference
    conference.time_zone = "Europe/Berlin"
    conference.save()

    assert talk.start_time is None
    html = page(client, talk.get_absolute_url())
    assert '<time datetime="2021-06-01">1 June 2021</time>' in html
    assert json_ld(html)[0]["startDate"] == "2021-06-01"
    day_html = page(client, talk.day.get_absolute_url())
    assert json_ld(day_html)[0]["subEvent"][0]["startDate"] == "2021-06-01"
    assert 'class="zone"' not in day_html

    # The calendar has no item at a time: the day, as a date.
    for url in (f"/{conference.slug}/calendar.ics", f"{talk.day.get_absolute_url()}calendar.ics"):
        parsed, raw = calendar(client, url)
        (only,) = parsed.walk("VEVENT")
        assert type(only.decoded("DTSTART")) is datetime.date
        assert b"DTSTART;VALUE=DATE:20210601" in raw

    exported = json.loads(export_schedule(conference))["schedule"]["conference"]
    (item,) = exported["days"][0]["rooms"][""]
    notes = exported["meta"]["confnotes"]["events"]
    assert notes[item["guid"]]["untimed"] is True


def test_untimed_items_beside_timed_ones_are_not_put_at_midnight(client):
    conference = make_conference(time_zone="Europe/Berlin")
    day = make_day(conference, date=datetime.date(2024, 6, 1))
    make_talk(day, title="Timed", start_time=datetime.time(9))
    make_talk(day, title="Untimed")

    parsed, raw = calendar(client, f"/{conference.slug}/calendar.ics")

    assert list(vevents(parsed)) == ["Timed"]
    assert b"DTSTART;TZID=Europe/Berlin:20240601T090000" in raw


# ---------------------------------------------------------------------------
# Dates out of range


def test_pyvideo_date_out_of_range_is_refused_naming_file_and_record(tmp_path):
    root = tmp_path / "data"
    write_event(
        root,
        "pytest-con-2021",
        {"good": video(title="Good"), "far": video(title="Far", recorded="9999-12-31")},
    )

    summary = import_pyvideo(root)

    assert list(Talk.objects.values_list("title", flat=True)) == ["Good"]
    (problem,) = [p for p in summary.problems if "far.json" in p]
    assert problem.endswith(
        "pytest-con-2021/videos/far.json: recorded 9999-12-31 is out of range (1900 to 2199)"
    )


def test_pyvideo_category_date_out_of_range_is_refused(tmp_path):
    root = tmp_path / "data"
    write_event(
        root, "odd", {"one": video()}, category={"title": "Odd", "start_date": "0001-01-01"}
    )

    summary = import_pyvideo(root)

    assert not Conference.objects.exists()
    (failure,) = summary.failures
    assert failure.endswith(
        "odd/category.json: start_date 0001-01-01 is out of range (1900 to 2199)"
    )


@pytest.mark.parametrize(
    ("where", "record"),
    [("day", "day 1: date"), ("conference", "conference: start")],
)
def test_schedule_date_out_of_range_is_refused_naming_file_and_record(tmp_path, where, record):
    schedule = frab(
        "far", [("2024-06-01", "2024-06-01T09:00:00+02:00", "", [event(1, "A", "10:00")])]
    )
    if where == "day":
        schedule["schedule"]["conference"]["days"][0]["date"] = "9999-12-31"
    else:
        schedule["schedule"]["conference"]["start"] = "9999-12-31"
    path = write(tmp_path, "far.json", schedule)

    with pytest.raises(ImportFailed) as failure:
        import_schedule(path)

    assert str(failure.value) == f"{path}: {record} 9999-12-31 is out of range (1900 to 2199)"
    assert not Conference.objects.exists()


def test_extreme_dates_already_stored_render_everywhere(client):
    for zone, date, start in (
        ("America/New_York", datetime.date.max, datetime.time(23, 30)),  # UTC is past 9999
        ("Asia/Tokyo", datetime.date.min, datetime.time(0, 30)),  # UTC is before year 1
        ("+05:30", datetime.date.max, datetime.time(23, 0)),
        ("", datetime.date.max, datetime.time(23, 0)),
    ):
        conference = make_conference(time_zone=zone, start_date=date, end_date=date)
        day = make_day(conference, date=date)
        talk = make_talk(
            day, title="At the edge", start_time=start, duration=datetime.timedelta(hours=2)
        )
        make_talk(day, title="Untimed at the edge")
        for url in (conference.get_absolute_url(), day.get_absolute_url(), talk.get_absolute_url()):
            assert "At the edge" in page(client, url)
        for url in (f"/{conference.slug}/calendar.ics", f"{day.get_absolute_url()}calendar.ics"):
            calendar(client, url)
        assert "At the edge" in export_schedule(conference)
        # A conference with no timed talk: its calendar is one event of dates.
        talk.start_time = None
        talk.save()
        (span,) = calendar(client, f"/{conference.slug}/calendar.ics")[0].walk("VEVENT")
        assert span.decoded("DTSTART") == date
