"""Schedule exports against the frab ecosystem's validators (voc/schedule's XSD and JSON
schema, read from ../shared): every conference confnotes holds exports with no error; a
value kept from an imported source that they refuse is named in the export's summary.
Also: tags and untimed items travel in confnotes' extension, and URLs are absolute."""

import datetime
import json
import re
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from speakers.models import Speaker
from talks.exporters.schedule import ExportFailed, export_schedule, schedule_export
from talks.importers.common import ImportFailed
from talks.importers.pyvideo import import_pyvideo
from talks.importers.schedule import import_schedule
from talks.models import Conference, Kind, Link, Talk
from talks.tests.factories import (
    load_seed_fixtures,
    make_conference,
    make_day,
    make_speaker,
    make_talk,
)
from talks.tests.frab_validators import (
    errors,
    events_of,
    extension_of,
    json_errors,
    require_validators,
    xsd_errors,
)
from talks.tests.pyvideo_samples import video, write_event

pytestmark = pytest.mark.django_db

FORMATS = ["json", "xml"]
PROJECT_DIR = Path(settings.BASE_DIR)
SCHEDULES = PROJECT_DIR.parent / "shared" / "data" / "schedules"
BASE = "http://testserver"  # CONFNOTES_BASE_URL in pytest.ini


@pytest.fixture
def validators():
    require_validators()


def write(tmp_path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def talk_state(conference: Conference) -> list[tuple]:
    """What a round trip must keep of each talk, tags and times included."""
    return sorted(
        (t.day.date, t.title, t.slug, t.start_time, t.duration, sorted(t.tags.names()))
        for t in Talk.objects.filter(conference=conference)
    )


# ---------------------------------------------------------------------------
# The validators themselves


def test_the_validators_refuse_what_the_old_exports_had(validators):
    # Formats are checked (a relative URL is no "uri"), unknown keys refused.
    event = {
        "id": 1, "guid": "11111111-1111-4111-8111-111111111111", "date": "2019-09-23",
        "start": "", "duration": "", "room": "", "slug": "djangocon-us-2019-1-a",
        "url": "/djangocon-us-2019/talks/a/", "title": "A", "subtitle": "", "track": "",
        "type": "Talk", "language": "en", "abstract": "", "persons": [], "links": [],
        "tags": ["django"],
    }  # fmt: skip
    day = {"index": 1, "date": "2019-09-23", "day_start": "2019-09-23T00:00:00+00:00"}
    conference = {
        "acronym": "djangocon-us-2019", "title": "DjangoCon US 2019", "start": "2019-09-23",
        "end": "2019-09-23", "daysCount": 1, "timeslot_duration": "00:05",
        "days": [{**day, "day_end": "2019-09-23T23:59:00+00:00", "rooms": {"": [event]}}],
    }  # fmt: skip
    found = "\n".join(
        json_errors(json.dumps({"schedule": {"version": "1", "conference": conference}}))
    )
    for what in ("is not a 'uri'", "is not a 'date-time'", "'tags' was unexpected", "acronym"):
        assert what in found
    xml = (
        "<schedule><version>1</version><conference><acronym>ab</acronym><title>T</title>"
        '</conference><day index="1" date="2019-09-23" start="2019-09-23T00:00:00Z" '
        'end="2019-09-23T23:59:00Z"><room name="R"><event id="1" guid="x"><date>2019</date>'
        "<start/><duration/><room>R</room><title>T</title><type>t</type><abstract/><track/>"
        "<url>/a/</url><tags/></event></room></day></schedule>"
    )
    found = "\n".join(xsd_errors(xml))
    for what in ("'acronym'", "'guid'", "'url'", "'tags': This element is not expected"):
        assert what in found


# ---------------------------------------------------------------------------
# Conferences that confnotes holds: no error at all


@pytest.mark.slow
@pytest.mark.parametrize("fmt", FORMATS)
def test_seed_fixtures_export_without_errors(validators, fmt):
    load_seed_fixtures()
    conferences = list(Conference.objects.order_by("slug"))
    assert [c.slug for c in conferences] == ["djangocon-us-2009", "djangocon-us-2019"]

    for conference in conferences:
        export = schedule_export(conference, fmt=fmt)

        assert errors(export.text, fmt) == []
        assert export.kept == []
        events = events_of(export.text, fmt)
        assert len(events) == export.events == conference.talks.count()
        assert all(e["url"].startswith(f"{BASE}/{conference.slug}/talks/") for e in events)
    # DjangoCon US 2009's tags are kept, in the extension.
    export = schedule_export(conferences[0], fmt=fmt)
    notes = extension_of(export.text, fmt)["events"]
    assert export.tagged == 22 and export.untimed == 37
    assert sum(len(n.get("tags", ())) for n in notes.values()) == 34  # one per TaggedTalk


@pytest.mark.slow
@pytest.mark.parametrize("fmt", FORMATS)
def test_seed_fixture_round_trip_keeps_tags_and_untimed_items(tmp_path, validators, fmt):
    load_seed_fixtures()
    conference = Conference.objects.get(slug="djangocon-us-2009")
    before = talk_state(conference)
    exported = export_schedule(conference, fmt=fmt)
    Conference.objects.all().delete()
    Speaker.objects.all().delete()

    import_schedule(write(tmp_path, f"dc09.{fmt}", exported))

    again = Conference.objects.get()
    assert again.slug == "djangocon-us-2009"  # the extension's slug, not the acronym's
    assert talk_state(again) == before
    assert export_schedule(again, fmt=fmt) == exported


@pytest.mark.parametrize("fmt", FORMATS)
def test_pyvideo_conference_exports_without_errors(tmp_path, validators, fmt):
    event = write_event(
        tmp_path,
        "pytest-con-2021",
        {
            "one": video(
                title="Making Things Fast",
                tags=["performance", "C"],
                # As pyvideo has them: no URIs (JSON's links must be).
                related_urls=[
                    "http://pyparis.org/static/slides/Hervé%20Mignot.pdf",
                    "http://packages.python.org/line\\_profiler/",
                ],
            ),
            "two": video(title="Testing", speakers=["Grace Hopper"], duration=1530),
            "three": video(title="Ünïcode Names ✨", speakers=[], recorded="2021-06-02"),
        },
    )
    import_pyvideo([event])
    conference = Conference.objects.get()

    export = schedule_export(conference, fmt=fmt)

    assert errors(export.text, fmt) == []
    assert export.kept == [] and export.untimed == 3 and export.tagged == 1
    events = {e["title"]: e for e in events_of(export.text, fmt)}
    assert set(events) == {"Making Things Fast", "Testing", "Ünïcode Names ✨"}
    notes = extension_of(export.text, fmt)["events"]
    assert notes[events["Making Things Fast"]["guid"]]["tags"] == ["C", "performance"]
    # JSON writes a link as a URI; XML's href takes it as stored.
    stored = "http://pyparis.org/static/slides/Hervé%20Mignot.pdf"
    assert Link.objects.filter(url=stored).exists()
    written = "http://pyparis.org/static/slides/Herv%C3%A9%20Mignot.pdf"
    assert (written if fmt == "json" else stored) in export.text


@pytest.mark.parametrize("fmt", FORMATS)
def test_admin_made_conference_exports_without_errors(tmp_path, validators, fmt):
    # A two-letter slug, days with the same position, a zone the JSON schema would not
    # take by name, tags with XML's special characters, durations with seconds.
    conference = make_conference(
        name="PC 2024",
        slug="pc",
        start_date=datetime.date(2024, 5, 2),
        end_date=datetime.date(2024, 5, 3),
        time_zone="US/Pacific",
    )
    first = make_day(conference, date=datetime.date(2024, 5, 2), position=1)
    second = make_day(conference, date=datetime.date(2024, 5, 3), position=1)
    ada = make_speaker(name="Ada Lovelace")
    talk = make_talk(
        first,
        title="Engines & <Gears>",
        kind=Kind.TUTORIAL,
        start_time=datetime.time(9, 30),
        duration=datetime.timedelta(minutes=90, seconds=15),
        room="Room 1",
        speakers=[ada],
        tags=["steam?>", "Ünïcode <tag>"],
        video_url="https://vimeo.com/123",
    )
    Link.objects.create(talk=talk, kind="code", url="https://github.com/ada/engine", title="Code")
    # (An import puts untimed items after timed ones: so are they here.)
    make_talk(second, title="Lunch", kind=Kind.BREAK, start_time=datetime.time(12))
    make_talk(second, title="x", slug="x", speakers=[ada, make_speaker(name="Bob")])

    export = schedule_export(conference, fmt=fmt)

    assert errors(export.text, fmt) == []
    assert export.kept == []
    if fmt == "json":
        data = json.loads(export.text)["schedule"]["conference"]
        assert data["acronym"] == "pc_2024" and "time_zone_name" not in data
        assert [day["index"] for day in data["days"]] == [1, 2]

    # Back into an empty database: the same talks, tags and times, and the same file.
    before = talk_state(conference)
    Conference.objects.all().delete()
    Speaker.objects.all().delete()
    import_schedule(write(tmp_path, f"pc.{fmt}", export.text))
    again = Conference.objects.get()
    assert again.slug == "pc"
    assert talk_state(again) == before
    assert sorted(Talk.objects.get(title="Engines & <Gears>").tags.names()) == [
        "steam?>",
        "Ünïcode <tag>",
    ]
    assert export_schedule(again, fmt=fmt) == export.text


# ---------------------------------------------------------------------------
# Real schedules from elsewhere: fidelity to the source wins, and the summary says so

REAL_FILES = sorted(p.name for p in SCHEDULES.glob("*.schedule.*")) or ["(absent)"]


def error_fields(messages: list[str], fmt: str) -> set[str]:
    """The field each validator error is about: `slug`, `@guid`, `answers`..."""
    fields = set()
    for message in messages:
        if fmt == "xml":
            constraint = re.search(r"identity-constraint '(\w+)_unique'", message)
            attribute = re.search(r"attribute '(\w+)'", message)
            if constraint:
                name = constraint.group(1)
                fields.add(
                    "slug" if name == "slug" else f"@{'index' if name == 'day_index' else name}"
                )
            elif attribute:
                fields.add(f"@{attribute.group(1)}")
            else:
                fields.add(re.search(r"Element '(\w+)'", message).group(1))
        else:
            path, _, text = message.partition(": ")
            unexpected = re.search(r"\((.*) (was|were) unexpected\)", text)
            if unexpected:
                fields.update(re.findall(r"'([^']+)'", unexpected.group(1)))
            else:
                keys = [part for part in path.split("/") if not part.isdigit()]
                fields.add(keys[-1])
    return fields


@pytest.mark.slow
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", REAL_FILES)
def test_real_schedule_exports_keep_the_source_and_say_so(validators, name, fmt):
    path = SCHEDULES / name
    if not path.exists():
        pytest.skip(f"{SCHEDULES} is absent: the shared data folder is not next to the repository")
    import_schedule(path)

    export = schedule_export(Conference.objects.get(), fmt=fmt)

    found = errors(export.text, fmt)
    named = {refusal.field.rsplit("/", 1)[-1].rsplit(".", 1)[-1] for refusal in export.kept}
    assert error_fields(found, fmt) <= named, found
    # What confnotes writes itself passes: the talk URLs it makes are absolute.
    assert not any(
        "url" in r.field and r.value.startswith("/") and "talks" in r.value for r in export.kept
    )
    if found:
        assert "fidelity to the source wins" in "\n".join(export.lines())


@pytest.mark.slow
def test_a_real_pretalx_schedule_reports_its_kept_values(validators):
    path = SCHEDULES / "djangocon-europe-2020.pretalx.schedule.xml"
    if not path.exists():
        pytest.skip(f"{SCHEDULES} is absent: the shared data folder is not next to the repository")
    import_schedule(path)

    export = schedule_export(Conference.objects.get(), fmt="xml")

    # As in pretalx's own file: three relative logo URLs, written as they were.
    found = xsd_errors(export.text)
    assert len(found) == 3 and all("Element 'logo'" in message for message in found)
    assert [(r.field, r.reason) for r in export.kept] == [("event/logo", "not an http(s) URL")] * 3
    assert "/cfp-media/porto/images/" in export.kept[0].value


def test_non_uuid_guid_is_kept_and_named_in_the_command_summary(tmp_path, validators):
    schedule = {
        "schedule": {
            "version": "1",
            "conference": {
                "acronym": "31c3", "title": "31C3", "start": "2014-12-27", "end": "2014-12-27",
                "daysCount": 1, "timeslot_duration": "00:15",
                "days": [{
                    "index": 1, "date": "2014-12-27", "day_start": "2014-12-27T11:00:00+01:00",
                    "day_end": "2014-12-28T04:00:00+01:00",
                    "rooms": {"Saal 1": [{
                        "id": 6573, "guid": "31c3-6573", "date": "2014-12-27T11:00:00+01:00",
                        "start": "11:00", "duration": "00:30", "room": "Saal 1",
                        "slug": "31c3_-_6573_-_en_-_saal_1_-_201412271100_-_opening",
                        "url": "https://events.ccc.de/congress/2014/Fahrplan/events/6573.html",
                        "title": "Opening", "subtitle": "", "track": "CCC", "type": "lecture",
                        "language": "en", "abstract": "", "persons": [], "links": [],
                    }]},
                }],
            },
        }
    }  # fmt: skip
    import_schedule(write(tmp_path, "31c3.json", json.dumps(schedule)))
    out, err = StringIO(), StringIO()

    call_command("export_schedule", "31c3", "--format", "xml", stdout=out, stderr=err)

    assert parse_guid(out.getvalue()) == "31c3-6573"  # as the source had it
    assert any("'guid'" in message for message in xsd_errors(out.getvalue()))
    summary = err.getvalue()
    assert "31C3: 1 events as frab XML; the confnotes extension marks 0 of them" in summary
    assert "fidelity to the source wins" in summary
    assert "event/@guid: not a UUID (once; first '31c3-6573')" in summary


def parse_guid(xml: str) -> str:
    return re.search(r'<event guid="([^"]*)"', xml).group(1)


# ---------------------------------------------------------------------------
# Base URL, extension and bad input


def test_urls_come_from_the_setting_or_the_option(settings):
    conference = make_conference(slug="urls-2024")
    make_talk(make_day(conference), title="One", slug="one")
    settings.CONFNOTES_BASE_URL = "https://notes.example.org/"

    by_setting = events_of(export_schedule(conference), "json")[0]["url"]
    out = StringIO()
    call_command(
        "export_schedule", "urls-2024", "--base-url", "https://other.example.org/archive",
        stdout=out, stderr=StringIO(),
    )  # fmt: skip
    by_option = events_of(out.getvalue(), "json")[0]["url"]

    assert by_setting == "https://notes.example.org/urls-2024/talks/one/"
    assert by_option == "https://other.example.org/archive/urls-2024/talks/one/"


@pytest.mark.parametrize(
    ("setting", "option", "message"),
    [
        ("", None, "The site's base URL is not set: set CONFNOTES_BASE_URL or pass --base-url"),
        ("https://notes.example.org", "notes.example.org", "must be http(s)://host"),
        ("https://notes.example.org", "ftp://notes.example.org", "must be http(s)://host"),
        ("https://notes.example.org", "https://notes.example.org/?x=1", "must be http(s)://host"),
    ],
)
def test_missing_or_bad_base_url_is_a_clear_error(settings, setting, option, message):
    make_talk(make_day(make_conference(slug="nourl-2024")))
    settings.CONFNOTES_BASE_URL = setting
    args = ["export_schedule", "nourl-2024"] + (["--base-url", option] if option else [])
    out = StringIO()

    with pytest.raises(CommandError, match=re.escape(message)):
        call_command(*args, stdout=out, stderr=StringIO())
    assert out.getvalue() == ""
    with pytest.raises(ExportFailed):
        export_schedule(Conference.objects.get(), base_url=option)


def test_source_meta_is_kept_beside_the_extension(tmp_path):
    conference = make_conference(slug="meta-2024")
    make_talk(make_day(conference), title="Tagged", tags=["x"])
    data = json.loads(export_schedule(conference))
    data["schedule"]["conference"]["meta"]["hub"] = {"room_count": 3}
    Conference.objects.all().delete()

    import_schedule(write(tmp_path, "meta.json", json.dumps(data)))

    again = Conference.objects.get()
    assert again.extra["schedule"]["conference"] == {"meta": {"hub": {"room_count": 3}}}
    meta = json.loads(export_schedule(again))["schedule"]["conference"]["meta"]
    assert list(meta) == ["hub", "confnotes"] and meta["confnotes"]["slug"] == "meta-2024"
    assert list(Talk.objects.get().tags.names()) == ["x"]


@pytest.mark.parametrize(
    ("fmt", "extension", "problem"),
    [
        ("xml", "{oops", "not valid JSON"),
        ("xml", "[]", "is not an object"),
        ("json", {"events": {"g": {"tags": "x"}}}, "event g: tags are not a list of names"),
        ("json", {"events": {"g": {"untimed": "yes"}}}, "event g: untimed is not true or false"),
        ("json", {"events": {"g": {"duration": "long"}}}, "event g: duration 'long' is not"),
        ("json", {"slug": "Bad Slug"}, "slug 'Bad Slug' is not a usable conference slug"),
        ("json", {"slug": "admin"}, "slug 'admin' is not a usable conference slug"),
    ],
)
def test_malformed_extension_fails_clearly_and_changes_nothing(tmp_path, fmt, extension, problem):
    conference = make_conference(slug="bad-ext-2024")
    make_talk(make_day(conference), title="Untimed", tags=["x"])
    text = export_schedule(conference, fmt=fmt)
    if fmt == "xml":
        broken = re.sub(r"<\?confnotes .*?\?>", f"<?confnotes {extension}?>", text)
    else:
        data = json.loads(text)
        data["schedule"]["conference"]["meta"]["confnotes"] = extension
        broken = json.dumps(data)
    assert broken != text
    Conference.objects.all().delete()

    with pytest.raises(ImportFailed, match="conference: the confnotes extension") as failure:
        import_schedule(write(tmp_path, f"bad.{fmt}", broken))

    assert problem in str(failure.value)
    assert Conference.objects.count() == 0 and Talk.objects.count() == 0
