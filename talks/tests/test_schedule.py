"""frab/pretalx schedule import and export: mapping, idempotence, atomicity, hostile
input, the commands, and round trips."""

import datetime
import json
import os
import re
import subprocess
import sys
import uuid
from io import StringIO
from pathlib import Path

import pytest
from defusedxml.ElementTree import fromstring as parse_xml
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from speakers.models import Speaker, SpeakerAlias
from talks.exporters.schedule import export_schedule
from talks.importers import schedule as schedule_module
from talks.importers.common import ImportFailed
from talks.importers.schedule import import_schedule
from talks.models import Conference, Day, Kind, Link, LinkKind, Note, Source, Talk, TalkSpeaker
from talks.tests.factories import make_conference, make_day, make_note, make_speaker, make_talk
from talks.tests.frab_validators import events_of, extension_of

pytestmark = pytest.mark.django_db

SHARED = Path(settings.BASE_DIR).parent / "shared" / "data" / "schedules"

# ---------------------------------------------------------------------------
# Samples, written for these tests: one per format, each with the quirks its
# real files have.

FRAB_XML = """<?xml version="1.0" encoding="UTF-8"?>
<schedule>
  <version>Zebra</version>
  <conference>
    <acronym>tc19</acronym>
    <title>TestCon 2019</title>
    <start>2019-08-21</start>
    <end>2019-08-22</end>
    <days>2</days>
    <timeslot_duration>00:15</timeslot_duration>
    <base_url>https://fahrplan.example.org/tc19/</base_url>
  </conference>
  <day index="1" date="2019-08-21" start="2019-08-21T10:00:00+02:00" end="2019-08-22T03:00:00+02:00">
    <room name="Hall A">
      <event guid="11111111-1111-4111-8111-111111111111" id="101">
        <date>2019-08-21T10:00:00+02:00</date>
        <start>10:00</start>
        <duration>00:45</duration>
        <room>Hall A</room>
        <slug>tc19-101-opening</slug>
        <url>https://fahrplan.example.org/tc19/events/101.html</url>
        <recording><license>CC BY 4.0</license><optout>false</optout></recording>
        <title>Opening Keynote</title>
        <subtitle>Why we are here</subtitle>
        <track>Main</track>
        <type>keynote</type>
        <language>en</language>
        <abstract>A *warm* welcome.</abstract>
        <description>More &lt;script&gt;alert(1)&lt;/script&gt; words.</description>
        <persons>
          <person id="7">Amber Brown (HawkOwl)</person>
          <person id="8">Łukasz Langa</person>
        </persons>
        <links>
          <link href="https://speakerdeck.com/amber/opening">Slides</link>
          <link href="https://www.youtube.com/watch?v=abcdefghijk">Recording</link>
          <link href="https://github.com/example/opening">Code</link>
        </links>
        <attachments>
          <attachment href="/system/attachments/101/notes.pdf">Speaker notes</attachment>
        </attachments>
      </event>
      <event guid="22222222-2222-4222-8222-222222222222" id="102">
        <date>2019-08-22T01:00:00+02:00</date>
        <start>01:00</start>
        <duration>01:00</duration>
        <room>Hall A</room>
        <slug>tc19-102-late</slug>
        <title>Late Night Lightning Talks</title>
        <subtitle></subtitle>
        <track></track>
        <type>Lightning Talk</type>
        <language>de</language>
        <abstract></abstract>
        <persons><person id="9">Nina Night</person></persons>
        <links/>
      </event>
    </room>
    <room name="Hall B">
      <event guid="33333333-3333-4333-8333-333333333333" id="103">
        <date>2019-08-21T11:00:00+02:00</date>
        <start>11:00</start>
        <duration>00:30</duration>
        <room>Hall B</room>
        <slug>tc19-103-vortrag</slug>
        <title>Ein Vortrag</title>
        <subtitle></subtitle>
        <track>Kultur</track>
        <type>lecture</type>
        <language>de</language>
        <abstract>Kurz.</abstract>
        <persons><person id="8">Lukasz Langa</person></persons>
      </event>
    </room>
  </day>
  <day index="2" date="2019-08-22" start="2019-08-22T10:00:00+02:00" end="2019-08-23T03:00:00+02:00">
    <room name="Hall A">
      <event guid="44444444-4444-4444-8444-444444444444" id="104">
        <date>2019-08-22T12:00:00+02:00</date>
        <start>12:00</start>
        <duration>01:00</duration>
        <room>Hall A</room>
        <slug>tc19-104-lunch</slug>
        <title>Lunch</title>
        <subtitle></subtitle>
        <track></track>
        <type>break</type>
        <language>en</language>
        <abstract></abstract>
      </event>
    </room>
  </day>
</schedule>
"""

FRAB_JSON = {
    "$schema": "https://c3voc.de/schedule/schema.json",
    "schedule": {
        "version": "Alpha",
        "base_url": "https://fahrplan.example.org/jc20/",
        "conference": {
            "acronym": "jc20",
            "title": "JSONCon 2020",
            "start": "2020-05-04",
            "end": "2020-05-04",
            "daysCount": 1,
            "timeslot_duration": "00:05",
            "time_zone_name": "Europe/Berlin",
            "days": [
                {
                    "index": 1,
                    "date": "2020-05-04",
                    "day_start": "2020-05-04T09:00:00+02:00",
                    "day_end": "2020-05-05T02:00:00+02:00",
                    "rooms": {
                        "Saal 1": [
                            {
                                "id": 201,
                                "guid": "55555555-5555-4555-8555-555555555555",
                                "logo": None,
                                "date": "2020-05-04T09:30:00+02:00",
                                "start": "09:30",
                                "duration": "01:30",
                                "room": "Saal 1",
                                "slug": "jc20-201-workshop",
                                "url": "https://fahrplan.example.org/jc20/events/201.html",
                                "title": "Hands-on Workshop",
                                "subtitle": None,
                                "track": "Hardware",
                                "type": "workshop",
                                "language": "de",
                                "abstract": "Bring a laptop.",
                                "description": None,
                                "recording_license": "",
                                "do_not_record": True,
                                "persons": [{"id": 31, "public_name": "Grace Hopper"}],
                                "links": [{"url": "https://example.org/blog", "title": "Blog"}],
                                "attachments": [
                                    {"url": "/system/slides/201.pdf", "title": "Folien"}
                                ],
                                "tags": ["hardware", "beginners"],
                            },
                            {
                                "id": 202,
                                "guid": "66666666-6666-4666-8666-666666666666",
                                "date": "2020-05-04T11:00:00+02:00",
                                "start": "11:00",
                                "duration": "00:30",
                                "room": "Saal 1",
                                "slug": "jc20-202-podium",
                                "url": "https://fahrplan.example.org/jc20/events/202.html",
                                "title": "Podium: the future",
                                "subtitle": "",
                                "track": None,
                                "type": "podium",
                                "language": "en",
                                "abstract": "Talking.",
                                "description": "",
                                "persons": [
                                    {"id": 31, "public_name": "Grace Hopper"},
                                    {"id": 32, "public_name": "Alan Turing"},
                                ],
                                "links": [],
                                "attachments": [],
                            },
                        ]
                    },
                }
            ],
        },
    },
}

PRETALX_JSON = {
    "schedule": {
        "version": "0.10",
        "base_url": "https://pretalx.example.org/dce/schedule/",
        "conference": {
            "acronym": "dce",
            "title": "DjangoCon Test 2020",
            "start": "2020-09-18",
            "end": "2020-09-18",
            "daysCount": 1,
            "timeslot_duration": "00:05",
            "days": [
                {
                    "index": 1,
                    "date": "2020-09-18",
                    "day_start": "2020-09-18T04:00:00+01:00",
                    "day_end": "2020-09-19T03:59:00+01:00",
                    "rooms": {
                        "Virtual": [
                            {
                                "id": 62,
                                "guid": "77777777-7777-4777-8777-777777777777",
                                "logo": "",
                                "date": "2020-09-18T09:15:00+01:00",
                                "start": "09:15",
                                "duration": "00:40",
                                "room": "Virtual",
                                "slug": "AF8EFE",
                                "url": "https://pretalx.example.org/dce/talk/AF8EFE/",
                                "title": "Shipping 🚀 Django",
                                "subtitle": "",
                                "track": None,
                                "type": "Talk",
                                "language": "en",
                                "abstract": "Short abstract.",
                                "description": "## Plan\r\n\r\nWe ship.\r\n\r\n"
                                "Video: https://www.youtube.com/watch?v=zzzzzzzzzzz",
                                "recording_license": "",
                                "do_not_record": False,
                                "persons": [
                                    {
                                        "id": 5,
                                        "code": "QWERTY",
                                        "public_name": "Ada Lovelace",
                                        "biography": "Writes **programs**.",
                                        "answers": [],
                                    }
                                ],
                                "links": [],
                                "attachments": [],
                                "answers": [{"question": 1, "answer": "yes"}],
                            },
                            {
                                "id": 63,
                                "guid": "88888888-8888-4888-8888-888888888888",
                                "date": "2020-09-18T11:00:00+01:00",
                                "start": "11:00",
                                "duration": "00:45",
                                "room": "Virtual",
                                "slug": "KEYNOT",
                                "url": "https://pretalx.example.org/dce/talk/KEYNOT/",
                                "title": "Closing Keynote",
                                "subtitle": "",
                                "track": "",
                                "type": "Keynote",
                                "language": "en",
                                "abstract": "",
                                "description": "",
                                "persons": [{"id": 6, "code": "ZXCVBN", "name": "Bob Builder"}],
                                "links": [],
                                "attachments": [],
                            },
                        ]
                    },
                }
            ],
        },
    }
}

PRETALX_XML = """<?xml version='1.0' encoding='utf-8' ?>
<!-- Made by pretalx. -->
<schedule>
    <generator name="pretalx" version="2.0" />
    <version>0.10</version>
    <conference>
        <acronym>dce</acronym>
        <title>DjangoCon Test 2020</title>
        <start>2020-09-18</start>
        <end>2020-09-18</end>
        <days>1</days>
        <timeslot_duration>00:05</timeslot_duration>
        <base_url>https://pretalx.example.org/dce/schedule/</base_url>
    </conference>
    <day index='1' date='2020-09-18' start='2020-09-18T04:00:00+01:00' end='2020-09-19T03:59:00+01:00'>
        <room name='Virtual' guid='aaaaaaaa-0000-4000-8000-000000000001'>
            <event guid='77777777-7777-4777-8777-777777777777' id='62'>
                <date>2020-09-18T09:15:00+01:00</date>
                <start>09:15</start>
                <duration>00:40</duration>
                <room>Virtual</room>
                <slug>dce-62-shipping-django</slug>
                <url>https://pretalx.example.org/dce/talk/AF8EFE/</url>
                <recording><license></license><optout>false</optout></recording>
                <title>Shipping 🚀 Django</title>
                <subtitle></subtitle>
                <track></track>
                <type>Talk</type>
                <language>en</language>
                <abstract>Short abstract.</abstract>
                <description>## Plan

We ship.

Video: https://www.youtube.com/watch?v=zzzzzzzzzzz</description>
                <logo></logo>
                <persons><person id='5'>Ada Lovelace</person></persons>
                <links></links>
                <attachments></attachments>
            </event>
        </room>
    </day>
</schedule>
"""

# A Jekyll-written, frab-like file: no guid, persons as one string, no acronym or type.
JEKYLL_XML = """<?xml version="1.0" encoding="UTF-8"?>
<schedule>
  <version>2019-06-26</version>
  <conference><title>7th Test Semantic Day</title><acronym></acronym>
    <start>2019-05-22</start><end>2019-05-22</end><generator>Jekyll v3</generator></conference>
  <day date="2019-05-22" start="2019-05-22" end="2019-05-22" index="1">
    <room name="Vorträge">
      <event id="101">
        <title>Welcome</title><date>2019-05-22T09:00:00Z</date><start>09:00</start>
        <duration>00:10</duration><person>Dr. Sebastian Tramp, Andreas Heinecke</person>
        <track>Vorträge</track><room>Vorträge</room><description><![CDATA[]]></description>
        <slug>https://semantic.example.org/#welcome</slug>
      </event>
      <event id="102">
        <title>Coffee</title><date>2019-05-22T10:00:00Z</date><start>10:00</start>
        <duration>00:30</duration><track>Pause</track><room>Vorträge</room>
      </event>
    </room>
  </day>
</schedule>
"""


def write(tmp_path, name: str, content) -> Path:
    path = tmp_path / name
    text = content if isinstance(content, str) else json.dumps(content)
    path.write_text(text, encoding="utf-8")
    return path


def row_counts() -> dict:
    models = (Conference, Day, Talk, TalkSpeaker, Speaker, Link, Note)
    return {model.__name__: model.objects.count() for model in models}


def snapshot(conference: Conference) -> dict:
    """What a round trip must keep: the conference, its days, talks, speakers and links."""
    talks = []
    for talk in Talk.objects.filter(conference=conference).order_by("day__date", "position"):
        talks.append(
            (
                talk.day.date, talk.title, talk.slug, talk.kind, talk.position, talk.start_time,
                talk.duration, talk.room, talk.track, talk.language, talk.abstract,
                talk.slides_url, talk.video_url, talk.external_id,
                [s.name for s in talk.speakers.order_by("talk_speakers__position")],
                list(talk.links.values_list("kind", "url", "title", "position")),
                sorted(talk.tags.names()),
            )
        )  # fmt: skip
    days = list(conference.days.values_list("date", "position"))
    fields = (conference.name, conference.slug, conference.series, conference.start_date)
    return {"conference": (*fields, conference.end_date), "days": days, "talks": talks}


# ---------------------------------------------------------------------------
# Mapping


def test_frab_xml_maps_conference_days_and_talks(tmp_path):
    summary = import_schedule(write(tmp_path, "schedule.xml", FRAB_XML))

    conference = Conference.objects.get()
    assert (conference.name, conference.slug, conference.series) == (
        "TestCon 2019",
        "tc19",
        "TestCon",
    )
    assert (conference.start_date, conference.end_date) == (
        datetime.date(2019, 8, 21),
        datetime.date(2019, 8, 22),
    )
    assert conference.source == Source.SCHEDULE and conference.published
    assert list(conference.days.values_list("date", "position")) == [
        (datetime.date(2019, 8, 21), 1),
        (datetime.date(2019, 8, 22), 2),
    ]
    day1 = conference.days.get(position=1)
    # The 01:00 event belongs to the first schedule day, after the others of that day.
    assert list(day1.talks.order_by("position").values_list("title", flat=True)) == [
        "Opening Keynote",
        "Ein Vortrag",
        "Late Night Lightning Talks",
    ]
    keynote = Talk.objects.get(title="Opening Keynote")
    assert keynote.kind == Kind.KEYNOTE
    assert keynote.start_time == datetime.time(10, 0)
    assert keynote.duration == datetime.timedelta(minutes=45)
    assert (keynote.room, keynote.track, keynote.language) == ("Hall A", "Main", "en")
    assert (keynote.source, keynote.external_id) == (
        Source.SCHEDULE,
        "11111111-1111-4111-8111-111111111111",
    )
    assert keynote.slug == "opening-keynote"
    assert "<em>warm</em>" in keynote.abstract_html
    assert "More" in keynote.abstract_html and "<script" not in keynote.abstract_html
    assert [s.name for s in keynote.speakers.order_by("talk_speakers__position")] == [
        "Amber Brown (HawkOwl)",
        "Łukasz Langa",
    ]
    assert keynote.slides_url == "https://speakerdeck.com/amber/opening"
    assert keynote.video_url == "https://www.youtube.com/watch?v=abcdefghijk"
    assert list(keynote.links.values_list("kind", "url")) == [
        (LinkKind.SLIDES, "https://speakerdeck.com/amber/opening"),
        (LinkKind.VIDEO, "https://www.youtube.com/watch?v=abcdefghijk"),
        (LinkKind.CODE, "https://github.com/example/opening"),
        (LinkKind.OTHER, "https://fahrplan.example.org/system/attachments/101/notes.pdf"),
    ]
    assert keynote.extra["schedule"]["subtitle"] == "Why we are here"
    assert keynote.extra["schedule"]["recording_license"] == "CC BY 4.0"
    late = Talk.objects.get(title="Late Night Lightning Talks")
    assert (late.kind, late.language) == (Kind.LIGHTNING, "de")
    assert Talk.objects.get(title="Lunch").kind == Kind.BREAK
    # "Łukasz Langa" and "Lukasz Langa" are one person.
    assert Speaker.objects.count() == 3
    assert Talk.objects.get(title="Ein Vortrag").speakers.get().name == "Łukasz Langa"
    assert summary.get("Talk", "created") == 4 and summary.get("Day", "created") == 2
    assert summary.problems == []


def test_frab_json_keeps_tags_time_zone_and_resolves_attachments(tmp_path):
    import_schedule(write(tmp_path, "schedule.json", FRAB_JSON))

    workshop = Talk.objects.get(external_id="55555555-5555-4555-8555-555555555555")
    assert workshop.kind == Kind.WORKSHOP
    assert sorted(workshop.tags.names()) == ["beginners", "hardware"]
    assert workshop.slides_url == "https://fahrplan.example.org/system/slides/201.pdf"
    assert workshop.extra["schedule"]["do_not_record"] is True
    podium = Talk.objects.get(title="Podium: the future")
    assert (podium.kind, podium.track) == (Kind.PANEL, "")
    assert [s.name for s in podium.speakers.order_by("talk_speakers__position")] == [
        "Grace Hopper",
        "Alan Turing",
    ]
    conference = Conference.objects.get()
    assert conference.extra["schedule"]["time_zone_name"] == "Europe/Berlin"


def test_reimport_of_tags_already_there_in_another_case_changes_nothing(tmp_path):
    from taggit.models import Tag

    Tag.objects.create(name="Hardware", slug="hardware")
    path = write(tmp_path, "schedule.json", FRAB_JSON)
    import_schedule(path)

    again = import_schedule(path)

    assert again.get("Talk", "updated") == 0
    workshop = Talk.objects.get(title="Hands-on Workshop")
    assert sorted(workshop.tags.names()) == ["Hardware", "beginners"]


def test_tags_may_be_objects_and_a_bad_tag_list_skips_the_event(tmp_path):
    data = json.loads(json.dumps(FRAB_JSON))
    events = data["schedule"]["conference"]["days"][0]["rooms"]["Saal 1"]
    events[0]["tags"] = [{"tag": "python", "color": "#fff"}, "web"]
    events[1]["tags"] = 7

    summary = import_schedule(write(tmp_path, "schedule.json", data))

    assert sorted(Talk.objects.get().tags.names()) == ["python", "web"]
    assert any("event 202" in p and "tags are not a list" in p for p in summary.problems)


def test_import_announces_the_conference_once_committed(
    tmp_path, django_capture_on_commit_callbacks
):
    from talks.signals import content_imported

    received = []

    def listener(sender, conference_ids, **kwargs):
        received.append((sender, conference_ids))

    content_imported.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            import_schedule(write(tmp_path, "schedule.xml", FRAB_XML))
    finally:
        content_imported.disconnect(listener)

    assert received == [("schedule", [Conference.objects.get().pk])]


def test_pretalx_json_reads_biographies_video_lines_and_emoji(tmp_path):
    summary = import_schedule(write(tmp_path, "schedule.json", PRETALX_JSON))

    talk = Talk.objects.get(external_id="77777777-7777-4777-8777-777777777777")
    assert talk.title == "Shipping 🚀 Django"
    assert talk.video_url == "https://www.youtube.com/watch?v=zzzzzzzzzzz"
    assert "\r" not in talk.abstract and "<h2>Plan</h2>" in talk.abstract_html
    assert talk.abstract.startswith("Short abstract.\n\n## Plan")
    ada = Speaker.objects.get(name="Ada Lovelace")
    assert "<strong>programs</strong>" in ada.bio_html
    assert summary.get("Speaker", "created") == 2 and summary.get("Speaker", "updated") == 0
    assert Speaker.objects.filter(name="Bob Builder").exists()  # newer pretalx: "name"
    assert Talk.objects.get(title="Closing Keynote").kind == Kind.KEYNOTE


def test_biography_fills_an_empty_bio_and_never_overwrites_one(tmp_path):
    ada = make_speaker(name="Ada Lovelace")
    bob = make_speaker(name="Bob Builder", bio="Our own words.")
    data = json.loads(json.dumps(PRETALX_JSON))
    events = data["schedule"]["conference"]["days"][0]["rooms"]["Virtual"]
    events[1]["persons"][0]["biography"] = "Their words."

    summary = import_schedule(write(tmp_path, "schedule.json", data))

    ada.refresh_from_db()
    bob.refresh_from_db()
    assert ada.bio == "Writes **programs**." and "<strong>" in ada.bio_html
    assert bob.bio == "Our own words."
    assert summary.get("Speaker", "created") == 0
    assert summary.get("Speaker", "updated") == 1


def test_pretalx_xml_after_json_updates_the_same_talk(tmp_path):
    import_schedule(write(tmp_path, "schedule.json", PRETALX_JSON))

    summary = import_schedule(write(tmp_path, "schedule.xml", PRETALX_XML))

    assert summary.get("Talk", "created") == 0 and summary.get("Conference", "created") == 0
    talk = Talk.objects.get(external_id="77777777-7777-4777-8777-777777777777")
    assert talk.extra["schedule"]["slug"] == "dce-62-shipping-django"
    # The XML has no biographies: the JSON's is kept for export.
    assert talk.extra["schedule"]["persons"][0]["biography"] == "Writes **programs**."
    assert Speaker.objects.filter(name="Ada Lovelace").count() == 1


def test_frab_like_file_without_guids_or_acronym(tmp_path):
    import_schedule(write(tmp_path, "schedule.xml", JEKYLL_XML))

    conference = Conference.objects.get()
    assert conference.slug == "7th-test-semantic-day"
    welcome = Talk.objects.get(title="Welcome")
    assert [s.name for s in welcome.speakers.order_by("talk_speakers__position")] == [
        "Dr. Sebastian Tramp",
        "Andreas Heinecke",
    ]
    # No guid: one derived from the conference and the event id, stable across imports.
    assert welcome.external_id == str(
        uuid.uuid5(uuid.NAMESPACE_URL, "confnotes:schedule:7th-test-semantic-day/101")
    )
    assert welcome.kind == Kind.TALK
    assert Talk.objects.get(title="Coffee").kind == Kind.BREAK


def test_speakers_matched_by_alias_and_normalized_name(tmp_path):
    amber = make_speaker(name="Amber Brown")
    lukasz = make_speaker(name="Lukasz Langa")
    SpeakerAlias.objects.create(speaker=lukasz, name="Łukasz Langa")

    import_schedule(write(tmp_path, "schedule.xml", FRAB_XML))

    keynote = Talk.objects.get(title="Opening Keynote")
    assert list(keynote.speakers.order_by("talk_speakers__position")) == [amber, lukasz]
    assert Speaker.objects.count() == 3  # Amber, Łukasz and the new Nina Night


def test_hand_entered_conference_is_matched_by_slug(tmp_path):
    conference = make_conference(name="TestCon 2019 (ours)", slug="tc19", published=False)
    talk = make_talk(make_day(conference, date=datetime.date(2019, 8, 21)), title="Ein Vortrag")

    import_schedule(write(tmp_path, "schedule.xml", FRAB_XML))

    assert Conference.objects.get().pk == conference.pk
    talk.refresh_from_db()
    assert talk.external_id == "33333333-3333-4333-8333-333333333333"
    assert Talk.objects.filter(title="Ein Vortrag").count() == 1
    assert not Conference.objects.get().published  # An import never publishes a draft.


# ---------------------------------------------------------------------------
# Idempotence and notes


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("a.xml", FRAB_XML),
        ("b.json", FRAB_JSON),
        ("c.json", PRETALX_JSON),
        ("d.xml", PRETALX_XML),
        ("e.xml", JEKYLL_XML),
    ],
)
def test_second_import_creates_and_updates_nothing(tmp_path, name, content):
    path = write(tmp_path, name, content)
    import_schedule(path)
    before = row_counts()

    summary = import_schedule(path)

    assert row_counts() == before
    for model in ("Conference", "Day", "Talk", "Speaker", "Link"):
        assert summary.get(model, "created") == 0, model
        assert summary.get(model, "updated") == 0, model


def test_reimport_updates_in_place_and_keeps_notes(tmp_path):
    path = write(tmp_path, "schedule.xml", FRAB_XML)
    import_schedule(path)
    talk = Talk.objects.get(title="Ein Vortrag")
    note = make_note(talk=talk, body="My own *notes*.")
    hand_link = Link.objects.create(talk=talk, url="https://example.org/mine", kind="blog")

    path.write_text(FRAB_XML.replace("Ein Vortrag", "Ein neuer Vortrag"), encoding="utf-8")
    summary = import_schedule(path)

    assert summary.get("Talk", "updated") == 1 and summary.get("Talk", "created") == 0
    talk.refresh_from_db()
    assert talk.title == "Ein neuer Vortrag"
    assert talk.slug == "ein-vortrag"  # URLs do not move under readers.
    note.refresh_from_db()
    assert (note.talk_id, note.body) == (talk.pk, "My own *notes*.")
    assert Link.objects.filter(pk=hand_link.pk).exists()


def test_link_dropped_from_the_schedule_is_removed(tmp_path):
    path = write(tmp_path, "schedule.xml", FRAB_XML)
    import_schedule(path)

    path.write_text(
        FRAB_XML.replace('<link href="https://github.com/example/opening">Code</link>', ""),
        encoding="utf-8",
    )
    import_schedule(path)

    urls = Talk.objects.get(title="Opening Keynote").links.values_list("url", flat=True)
    assert "https://github.com/example/opening" not in urls
    assert len(urls) == 3


# ---------------------------------------------------------------------------
# Bad files, bad records, hostile input


BAD_FILES = [
    ("bad.json", '{"schedule": {"conference": ', "not valid JSON"),
    ("list.json", "[1, 2]", 'no "schedule" object'),
    ("notitle.json", {"schedule": {"conference": {"days": []}}}, "conference: missing title"),
    (
        "days.json",
        {"schedule": {"conference": {"title": "X 2020", "days": "monday"}}},
        '"days" is not a list',
    ),
    (
        "rooms.json",
        {"schedule": {"conference": {"title": "X 2020", "days": [{"date": "2020-01-01"}]}}},
        "day 2020-01-01: missing rooms",
    ),
    (
        "title.json",
        {"schedule": {"conference": {"title": 2020, "days": []}}},
        "conference: title must be text, not a number",
    ),
    ("broken.xml", FRAB_XML[: len(FRAB_XML) // 2], "not valid XML"),
    ("html.xml", "<html><body>hi</body></html>", "root element is <html>"),
    ("empty.json", "", "empty file"),
    ("words.txt", "hello", "neither JSON nor XML"),
]


@pytest.mark.parametrize(("name", "content", "problem"), BAD_FILES)
def test_malformed_file_changes_nothing_and_names_file_and_problem(
    tmp_path, name, content, problem
):
    import_schedule(write(tmp_path, "good.xml", FRAB_XML))
    before = row_counts()
    path = write(tmp_path, name, content)

    with pytest.raises(ImportFailed) as excinfo:
        import_schedule(path)

    message = str(excinfo.value)
    assert message.startswith(f"{path}: ") and problem in message
    assert "\n" not in message
    assert row_counts() == before


def test_error_in_the_middle_of_writing_rolls_back(tmp_path, monkeypatch):
    def explode(self, placed):
        raise schedule_module.DatabaseError("disk full")

    monkeypatch.setattr(schedule_module._ScheduleWriter, "write_links", explode)

    with pytest.raises(ImportFailed, match="database error: disk full"):
        import_schedule(write(tmp_path, "schedule.xml", FRAB_XML))

    assert all(n == 0 for n in row_counts().values())


def test_reimport_with_person_ids_of_any_type_does_not_crash(tmp_path):
    data = json.loads(json.dumps(FRAB_JSON))
    room = data["schedule"]["conference"]["days"][0]["rooms"]["Saal 1"]
    room[0]["persons"] = [{"id": [1, 2], "public_name": "Grace Hopper"}, {"id": {}, "name": "X Y"}]
    path = write(tmp_path, "schedule.json", data)
    import_schedule(path)

    import_schedule(path)  # merges the stored persons with the file's: no crash

    talk = Talk.objects.get(title="Hands-on Workshop")
    assert sorted(s.name for s in talk.speakers.all()) == ["Grace Hopper", "X Y"]


def test_bad_event_is_skipped_by_name_and_the_rest_imported(tmp_path):
    data = json.loads(json.dumps(FRAB_JSON))
    events = data["schedule"]["conference"]["days"][0]["rooms"]["Saal 1"]
    events[1]["duration"] = "soon"
    events.append({"id": 203, "title": ["not", "text"], "start": "12:00"})

    summary = import_schedule(write(tmp_path, "schedule.json", data))

    assert list(Talk.objects.values_list("title", flat=True)) == ["Hands-on Workshop"]
    assert summary.get("Talk", "skipped") == 2
    assert any('event 202 "Podium: the future": duration' in p for p in summary.problems)
    assert any("event 203: title must be text, not a list" in p for p in summary.problems)


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<schedule><conference><title>&lol4;</title></conference></schedule>
"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE schedule [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<schedule><conference><title>&secret;</title></conference></schedule>
"""


@pytest.mark.parametrize("content", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_xml_entities_are_refused(tmp_path, content):
    path = write(tmp_path, "evil.xml", content)

    with pytest.raises(ImportFailed, match="DTD or entity declarations is refused"):
        import_schedule(path)

    assert Conference.objects.count() == 0


def test_deeply_nested_json_is_refused(tmp_path):
    path = write(tmp_path, "deep.json", '{"schedule": ' + "[" * 100_000 + "]" * 100_000 + "}")

    with pytest.raises(ImportFailed, match="nested more than"):
        import_schedule(path)


def test_deeply_nested_xml_is_refused(tmp_path):
    body = "<a>" * 5000 + "</a>" * 5000
    path = write(tmp_path, "deep.xml", f"<schedule><conference>{body}</conference></schedule>")

    with pytest.raises(ImportFailed, match="nested more than"):
        import_schedule(path)


def test_huge_file_is_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(schedule_module, "MAX_FILE_BYTES", 1024)
    path = write(tmp_path, "big.json", {"schedule": {"padding": "x" * 2000}})

    with pytest.raises(ImportFailed, match=r"file is \d+ bytes, over the limit of 1024 bytes"):
        import_schedule(path)


# ---------------------------------------------------------------------------
# Efficiency


def schedule_of(n: int) -> dict:
    events = [
        {
            "id": i + 1,
            "guid": f"00000000-0000-4000-8000-{i + 1:012d}",
            "start": f"{9 + i // 12:02d}:{i % 12 * 5:02d}",
            "duration": "00:05",
            "title": f"Talk {i}",
            "type": "lecture",
            "abstract": f"About *{i}*.",
            "persons": [{"id": i + 1, "public_name": f"Person {i}"}],
            "links": [{"url": f"https://example.org/{i}", "title": "Blog"}],
        }
        for i in range(n)
    ]
    return {
        "schedule": {
            "conference": {
                "acronym": "bulk",
                "title": "Bulk Conf 2021",
                "days": [{"index": 1, "date": "2021-01-01", "rooms": {"Room": events}}],
            }
        }
    }


@pytest.mark.parametrize("size", [3, 30])
def test_import_query_count_does_not_grow_with_events(tmp_path, django_assert_num_queries, size):
    path = write(tmp_path, "bulk.json", schedule_of(size))

    # 33: one of them finds the slug of a new day's conference, for the page cache; 8
    # write the run's revision (content types, followed rows, the revision, versions).
    # PostgreSQL reserves the new speakers' keys first (talks.importers.bulk).
    with django_assert_num_queries(33 if connection.vendor == "sqlite" else 34):
        import_schedule(path)
    with django_assert_num_queries(10):
        import_schedule(path)

    assert Talk.objects.count() == size == TalkSpeaker.objects.count() == Link.objects.count()


# ---------------------------------------------------------------------------
# The import command


def test_import_command_imports_good_files_and_fails_on_bad_one(tmp_path):
    good = write(tmp_path, "good.xml", FRAB_XML)
    bad = write(tmp_path, "bad.json", '{"schedule": [}')
    other = write(tmp_path, "other.json", PRETALX_JSON)
    out = StringIO()

    with pytest.raises(CommandError) as excinfo:
        call_command("import_schedule", str(good), str(bad), str(other), stdout=out)

    assert str(excinfo.value).startswith(f"{bad}: not valid JSON")
    assert "\n" not in str(excinfo.value)
    assert Conference.objects.count() == 2
    output = out.getvalue()
    assert f"{good}: frab XML schedule of TestCon 2019: 2 days, 4 events" in output
    assert f"{bad}: not imported" in output
    assert "  Talk: 4 created, 0 updated, 0 skipped" in output
    assert "All files:" in output and "  Talk: 6 created, 0 updated, 0 skipped" in output
    assert "2 of 3 files imported." in output


def test_import_command_reports_skipped_records(tmp_path):
    data = json.loads(json.dumps(FRAB_JSON))
    data["schedule"]["conference"]["days"][0]["rooms"]["Saal 1"][1]["start"] = "noon"
    out = StringIO()

    call_command("import_schedule", str(write(tmp_path, "s.json", data)), stdout=out)

    assert re.search(r'skipped: .*s\.json: event 202 "Podium: the future": start', out.getvalue())
    assert "Talk: 1 created, 0 updated, 1 skipped" in out.getvalue()


def test_import_command_missing_file(tmp_path):
    with pytest.raises(CommandError, match="nope.xml: no such file"):
        call_command("import_schedule", str(tmp_path / "nope.xml"), stdout=StringIO())


# ---------------------------------------------------------------------------
# Export and round trips


def test_export_json_has_the_frab_shape(tmp_path):
    import_schedule(write(tmp_path, "schedule.xml", FRAB_XML))

    data = json.loads(export_schedule(Conference.objects.get(), fmt="json"))

    conference = data["schedule"]["conference"]
    assert (conference["acronym"], conference["title"], conference["daysCount"]) == (
        "tc19",
        "TestCon 2019",
        2,
    )
    day = conference["days"][0]
    assert (day["index"], day["date"], day["day_start"]) == (
        1,
        "2019-08-21",
        "2019-08-21T10:00:00+02:00",
    )
    assert list(day["rooms"]) == ["Hall A", "Hall B"]
    late = day["rooms"]["Hall A"][1]
    assert late["title"] == "Late Night Lightning Talks"
    assert late["date"] == "2019-08-22T01:00:00+02:00"  # after midnight: the next date
    keynote = day["rooms"]["Hall A"][0]
    assert (keynote["id"], keynote["guid"], keynote["start"], keynote["duration"]) == (
        101,
        "11111111-1111-4111-8111-111111111111",
        "10:00",
        "00:45",
    )
    assert keynote["abstract"] == "A *warm* welcome."
    assert keynote["persons"] == [
        {"id": 7, "public_name": "Amber Brown (HawkOwl)"},
        {"id": 8, "public_name": "Łukasz Langa"},
    ]
    assert keynote["attachments"] == [
        {"url": "/system/attachments/101/notes.pdf", "title": "Speaker notes"}
    ]
    assert [link["title"] for link in keynote["links"]] == ["Slides", "Recording", "Code"]


def test_export_xml_is_well_formed_frab(tmp_path):
    import_schedule(write(tmp_path, "schedule.json", PRETALX_JSON))

    root = parse_xml(export_schedule(Conference.objects.get(), fmt="xml").encode())

    assert root.tag == "schedule"
    assert root.findtext("conference/acronym") == "dce"
    event = root.find("day/room/event")
    assert event.get("guid") == "77777777-7777-4777-8777-777777777777" and event.get("id") == "62"
    assert event.findtext("title") == "Shipping 🚀 Django"
    assert event.findtext("recording/optout") == "false"
    assert [p.text for p in event.findall("persons/person")] == ["Ada Lovelace"]
    # The XML schema gives a person an id and a guid only: pretalx's code stays in JSON.
    assert event.find("persons/person").attrib == {"id": "5"}
    children = [child.tag for child in event]
    assert children[:6] == ["date", "start", "duration", "room", "slug", "url"]


@pytest.mark.parametrize(
    ("sample", "fmt"),
    [(FRAB_XML, "json"), (FRAB_XML, "xml"), (FRAB_JSON, "json"), (PRETALX_JSON, "xml")],
)
def test_round_trip_into_an_empty_database(tmp_path, sample, fmt):
    name = "in.xml" if isinstance(sample, str) else "in.json"
    import_schedule(write(tmp_path, name, sample))
    conference = Conference.objects.get()
    expected = snapshot(conference)
    speakers = sorted(Speaker.objects.values_list("name", flat=True))
    exported = export_schedule(conference, fmt=fmt)
    Conference.objects.all().delete()
    Speaker.objects.all().delete()

    import_schedule(write(tmp_path, f"out.{fmt}", exported))

    again = Conference.objects.get()
    assert snapshot(again) == expected
    assert sorted(Speaker.objects.values_list("name", flat=True)) == speakers
    assert export_schedule(again, fmt=fmt) == exported


def test_hand_entered_conference_exports_validly_and_round_trips(tmp_path):
    conference = make_conference(name="Handmade Conf 2022", slug="handmade-2022")
    day = make_day(conference, date=datetime.date(2022, 3, 1), title="Tutorials")
    ada = make_speaker(name="Ada Lovelace")
    talk = make_talk(
        day,
        title="Engines",
        kind=Kind.TUTORIAL,
        start_time=datetime.time(9, 30),
        duration=datetime.timedelta(hours=2),
        room="Room 1",
        abstract="Some **steam**.",
        video_url="https://vimeo.com/123",
        speakers=[ada],
        tags=["history"],
    )
    Link.objects.create(talk=talk, kind="code", url="https://github.com/ada/engine", title="Code")
    make_talk(day, title="Untimed chat")

    xml = export_schedule(conference, fmt="xml")
    data = json.loads(export_schedule(conference, fmt="json"))

    root = parse_xml(xml.encode())
    event = root.find("day/room/event")
    assert re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", event.get("guid"))
    assert event.get("id") == str(talk.pk)
    assert event.findtext("start") == "09:30" and event.findtext("duration") == "02:00"
    assert event.findtext("type") == "Tutorial"
    assert re.fullmatch(r"2022-03-01T09:30:00\+00:00", event.findtext("date"))
    events = [
        e for room in data["schedule"]["conference"]["days"][0]["rooms"].values() for e in room
    ]
    engines = next(e for e in events if e["title"] == "Engines")
    assert engines["persons"] == [{"id": ada.pk, "public_name": "Ada Lovelace"}]
    assert {link["url"] for link in engines["links"]} == {
        "https://github.com/ada/engine",
        "https://vimeo.com/123",
    }
    # The schema's acronyms have no hyphens; the slug travels in the extension.
    assert data["schedule"]["conference"]["acronym"] == "handmade_2022"
    assert data["schedule"]["conference"]["meta"]["confnotes"]["slug"] == "handmade-2022"

    # Into an empty database, and out again: the same file.
    exported = export_schedule(conference, fmt="json")
    Conference.objects.all().delete()
    Speaker.objects.all().delete()
    import_schedule(write(tmp_path, "hand.json", exported))
    again = Conference.objects.get()
    assert again.slug == "handmade-2022"
    copy = Talk.objects.get(title="Engines")
    assert (copy.kind, copy.abstract, copy.video_url) == (
        Kind.TUTORIAL,
        "Some **steam**.",
        "https://vimeo.com/123",
    )
    assert list(copy.tags.names()) == ["history"]
    assert export_schedule(again, fmt="json") == exported


def test_reimporting_an_export_into_the_same_database_changes_nothing(tmp_path):
    conference = make_conference(name="Handmade Conf 2023", slug="handmade-2023")
    make_talk(make_day(conference), title="Only talk", start_time=datetime.time(10))
    before = row_counts()

    summary = import_schedule(write(tmp_path, "same.json", export_schedule(conference)))

    assert row_counts() == before
    assert summary.get("Talk", "created") == 0 and summary.get("Conference", "created") == 0


def test_export_command_prints_json_and_xml(tmp_path):
    import_schedule(write(tmp_path, "schedule.xml", FRAB_XML))
    out = StringIO()

    call_command("export_schedule", "tc19", "--format", "xml", stdout=out)
    assert parse_xml(out.getvalue().encode()).findtext("conference/title") == "TestCon 2019"

    out = StringIO()
    call_command("export_schedule", "tc19", "--base-url", "https://n.example", stdout=out)
    assert json.loads(out.getvalue())["schedule"]["conference"]["title"] == "TestCon 2019"


def test_export_command_unknown_conference():
    with pytest.raises(CommandError, match="No conference with the slug 'nope'"):
        call_command("export_schedule", "nope", stdout=StringIO())


# ---------------------------------------------------------------------------
# The real files in ../shared


REAL_FILES = {
    # file: (days, events, distinct speaker names, links + attachments), counted in the
    # files. The camp has 64 links; one ("nymtech.net") is no URL and is only kept for export.
    "ccc-camp-2019.frab.schedule.json": (5, 79, 89, 63),
    "djangocon-europe-2020.pretalx.schedule.json": (2, 24, 27, 0),
    "djangocon-europe-2020.pretalx.schedule.xml": (2, 24, 27, 0),
    "lswt-2019.jekyll-frabstyle.schedule.xml": (1, 31, 22, 0),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(REAL_FILES))
def test_real_schedule_files(name):
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared data folder is not next to the repository")
    days, events, speakers, links = REAL_FILES[name]

    summary = import_schedule(path)

    assert summary.problems == []  # every event of these real files is usable
    assert summary.get("Talk", "created") == events == Talk.objects.count()
    assert Day.objects.count() == days
    assert Speaker.objects.count() == speakers
    assert Link.objects.count() == links
    assert import_schedule(path).get("Talk", "created") == 0


@pytest.mark.slow
def test_real_pretalx_json_and_xml_are_one_conference():
    json_path = SHARED / "djangocon-europe-2020.pretalx.schedule.json"
    xml_path = SHARED / "djangocon-europe-2020.pretalx.schedule.xml"
    if not (json_path.exists() and xml_path.exists()):
        pytest.skip(f"{SHARED} is absent: the shared data folder is not next to the repository")

    import_schedule(json_path)
    summary = import_schedule(xml_path)

    assert summary.get("Talk", "created") == 0
    assert Conference.objects.get().slug == "porto"
    assert Talk.objects.count() == 24


@pytest.mark.parametrize("size", [1, 3])
def test_export_query_count_does_not_grow_with_talks(django_assert_num_queries, size):
    conference = make_conference(slug="sized")
    day = make_day(conference)
    for n in range(size):
        talk = make_talk(day, speakers=[make_speaker()], tags=["t"], start_time=datetime.time(9))
        Link.objects.create(talk=talk, url=f"https://example.org/{n}", title="Blog")

    with django_assert_num_queries(5):
        data = json.loads(export_schedule(conference))

    assert sum(len(e) for e in data["schedule"]["conference"]["days"][0]["rooms"].values()) == size


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("name", sorted(REAL_FILES))
def test_real_files_round_trip(tmp_path, name, fmt):
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared data folder is not next to the repository")
    import_schedule(path)
    conference = Conference.objects.get()
    expected = snapshot(conference)
    exported = export_schedule(conference, fmt=fmt)
    Conference.objects.all().delete()
    Speaker.objects.all().delete()

    import_schedule(write(tmp_path, f"export.{fmt}", exported))

    again = Conference.objects.get()
    assert snapshot(again) == expected
    assert export_schedule(again, fmt=fmt) == exported


def test_export_uses_a_time_zone_set_by_hand():
    conference = make_conference(slug="zoned", time_zone="Europe/Berlin")
    make_talk(make_day(conference, date=datetime.date(2022, 7, 1)), start_time=datetime.time(9))

    conf = json.loads(export_schedule(conference))["schedule"]["conference"]

    assert conf["time_zone_name"] == "Europe/Berlin"
    event = next(iter(conf["days"][0]["rooms"].values()))[0]
    assert event["date"] == "2022-07-01T09:00:00+02:00"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_export_keeps_untimed_items_untimed_and_durations_whole(tmp_path, fmt):
    conference = make_conference(slug="untimed")
    day = make_day(conference, date=datetime.date(2022, 7, 1))
    make_talk(day, title="Recorded only", position=1)
    make_talk(
        day,
        title="Timed",
        position=2,
        start_time=datetime.time(9),
        duration=datetime.timedelta(minutes=25, seconds=30),
    )

    exported = export_schedule(conference, fmt=fmt)
    events = {e["title"]: e for e in events_of(exported, fmt)}
    fields = {t: (e["date"], e["start"], e["duration"]) for t, e in events.items()}
    # The schema wants a time: the untimed item is at the start of its day, and the
    # confnotes extension says it has none.
    assert fields["Recorded only"] == ("2022-07-01T00:00:00+00:00", "00:00", "00:00")
    notes = extension_of(exported, fmt)["events"]
    # ... and where in its day it is (first here, before the timed one).
    assert notes[events["Recorded only"]["guid"]] == {"untimed": True, "position": 1}
    if fmt == "json":  # JSON's durations are whole minutes: the seconds are in the extension
        assert fields["Timed"] == ("2022-07-01T09:00:00+00:00", "09:00", "00:25")
        assert notes[events["Timed"]["guid"]] == {"duration": "00:25:30"}
    else:
        assert fields["Timed"] == ("2022-07-01T09:00:00+00:00", "09:00", "00:25:30")
        assert events["Timed"]["guid"] not in notes

    Talk.objects.all().delete()
    import_schedule(write(tmp_path, f"back.{fmt}", exported))
    back = {talk.title: (talk.start_time, talk.duration) for talk in Talk.objects.all()}
    assert back["Recorded only"] == (None, None)
    assert back["Timed"] == (datetime.time(9), datetime.timedelta(minutes=25, seconds=30))


def test_old_frab_day_without_date_and_event_without_start(tmp_path):
    xml = (
        FRAB_XML.replace(' date="2019-08-22" start=', " start=")
        .replace("<start>12:00</start>", "")
        .replace("<date>2019-08-22T12:00:00+02:00</date>", "<date>2019-08-22T12:30:00+02:00</date>")
    )

    import_schedule(write(tmp_path, "old.xml", xml))

    lunch = Talk.objects.get(title="Lunch")
    assert lunch.day.date == datetime.date(2019, 8, 22)
    assert lunch.start_time == datetime.time(12, 30)


def test_import_command_fails_with_one_line_and_no_traceback(tmp_path):
    bad = write(tmp_path, "bad.json", '{"schedule": {"conference": {"title": 7}}}')
    env = {
        **os.environ,
        "DJANGO_SECRET_KEY": "schedule-test-only",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
    }

    result = subprocess.run(
        [sys.executable, "manage.py", "import_schedule", str(bad)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == f"CommandError: {bad}: conference: title must be text, not a number"
    )
    assert "Traceback" not in result.stderr + result.stdout
