"""The seed fixtures of fixtures/: they load in one call, reload without duplicates,
and hold what loaddata cannot compute (it calls no save())."""

import json
import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import F
from taggit.models import Tag

from confnotes.markdown import render_markdown_fields
from speakers.models import Speaker, SpeakerAlias, normalize_name
from talks.models import (
    Author,
    Conference,
    Day,
    Link,
    Note,
    NoteAuthor,
    TaggedTalk,
    Talk,
    TalkSpeaker,
)
from talks.tests.factories import FIXTURE_FILES, load_seed_fixtures

PROJECT_DIR = Path(__file__).resolve().parents[2]
PYVIDEO_DIR = Path(
    os.environ.get("PYVIDEO_DATA", PROJECT_DIR.parent / "shared" / "data" / "pyvideo")
)
# Conference slug -> (pyvideo folder, program items added by hand to the pyvideo records).
CONFERENCES = {
    "djangocon-us-2009": (
        "djangocon-2009",
        {"dive-into-cpython-bytecode", "dinner-at-the-green-dragon", "github-meetup"},
    ),
    "djangocon-us-2019": ("djangocon-us-2019", {"a-pen-plotter-for-pocket-money"}),
}
COUNTED = [
    Conference,
    Day,
    Talk,
    TalkSpeaker,
    Link,
    Note,
    TaggedTalk,
    Tag,
    Speaker,
    SpeakerAlias,
    Author,
    NoteAuthor,
]

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def load():
    load_seed_fixtures()


def counts():
    return {model._meta.label: model.objects.count() for model in COUNTED}


def fixture_objects():
    return [item for path in FIXTURE_FILES for item in json.loads(Path(path).read_text())]


@pytest.fixture
def seeded():
    load()


def test_there_are_fixtures():
    names = {Path(p).name for p in FIXTURE_FILES}
    assert {"djangocon-us-2009.json", "djangocon-us-2019.json", "authors.json"} <= names


def test_all_files_load_in_one_call_and_reload_without_new_rows():
    load()
    first = counts()
    assert all(first.values()), first
    load()
    assert counts() == first


def test_natural_keys_instead_of_primary_keys():
    for item in fixture_objects():
        # TaggedTalk defines natural_key() but its taggit manager cannot look one
        # up, so its rows carry a fixed pk (see fixtures/build_seed_fixtures.py).
        if item["model"] != "talks.taggedtalk":
            assert "pk" not in item, item["model"]


def test_reload_does_not_touch_other_rows(seeded):
    conference = Conference.objects.create(name="Other Con", slug="other-con")
    day = Day.objects.create(conference=conference, date="2020-01-01")
    talk = Talk.objects.create(day=day, title="Other talk")
    talk.tags.add("other")
    before = counts()
    load()
    assert counts() == before
    assert list(talk.tags.names()) == ["other"]


def test_2009_day_2(seeded):
    day = Day.objects.get_by_natural_key("djangocon-us-2009", "day-2")
    assert day.date.isoformat() == "2009-09-09"
    assert day.summary and day.published
    talks = list(day.talks.order_by("position"))
    assert [t.position for t in talks] == list(range(1, len(talks) + 1))
    assert talks[0].kind == "keynote"
    assert talks[0].speakers.get().name == "Ian Bicking"
    assert [t.title for t in talks[-2:]] == ["Dinner at the Green Dragon", "GitHub meetup"]
    assert {t.kind for t in talks[-2:]} == {"social"}
    assert not any(t.speakers.exists() or t.video_url for t in talks[-2:])
    noted = {t.slug for t in talks if t.notes.filter(published=True).exists()}
    assert {
        "a-socio-political-analysis-of-open-source-community",
        "using-django-in-non-standard-ways",
        "real-time-web-and-other-buzzwords",
        "pluggable-reusable-django-apps-a-use-case-and-proposed-solution",
        "making-your-postgresql-database-sing",
        "dive-into-cpython-bytecode",
        "dinner-at-the-green-dragon",
        "github-meetup",
    } <= noted


def test_seed_order_and_what_is_known_of_it(seeded):
    pluggable = Talk.objects.get_by_natural_key(
        "djangocon-us-2009", "pluggable-reusable-django-apps-a-use-case-and-proposed-solution"
    )
    # As the 2009 write-up names them.
    names = pluggable.talk_speakers.order_by("position").values_list("speaker__name", flat=True)
    assert list(names) == ["Nowell Strite", "Shawn Rider"]
    days_2009 = Day.objects.filter(conference__slug="djangocon-us-2009")
    in_order = dict(days_2009.values_list("slug", "in_order"))
    assert in_order == {"day-1": False, "day-2": True, "day-3": False}
    assert not Day.objects.filter(conference__slug="djangocon-us-2019", in_order=True).exists()
    assert not Talk.objects.exclude(start_time=None).exists()  # no source gives times


def test_2019_take_outs_are_a_note_on_the_whole_conference(client, seeded):
    note = Note.objects.get(conference__slug="djangocon-us-2019")
    assert note.talk_id is None and note.day_id is None
    html = client.get("/djangocon-us-2019/").text
    assert "Notes on the whole conference" in html
    assert "community cares" in html


def test_alex_gaynor_lightning_talk(seeded):
    talk = Talk.objects.get_by_natural_key("djangocon-us-2009", "dive-into-cpython-bytecode")
    combined = Talk.objects.get_by_natural_key("djangocon-us-2009", "lightning-talks-day-2")
    assert talk.kind == combined.kind == "lightning"
    assert [s.name for s in talk.speakers.all()] == ["Alex Gaynor"]
    assert talk.video_url == combined.video_url
    assert (talk.video_start, talk.video_end) == (9, 310)  # (00:09) to (05:10) in its chapters
    assert talk.day == combined.day
    assert talk.position == combined.position + 1


def test_pen_plotter_lightning_talk_starts_at_9_29(seeded):
    talk = Talk.objects.get_by_natural_key("djangocon-us-2019", "a-pen-plotter-for-pocket-money")
    combined = Talk.objects.get_by_natural_key("djangocon-us-2019", "lightning-talks-day-3")
    assert [s.name for s in talk.speakers.all()] == ["Daniele Procida"]
    assert talk.video_url == combined.video_url
    assert (talk.video_start, talk.video_end) == (569, 857)  # 9:29 to 14:17
    assert talk.video_link == "https://www.youtube.com/watch?v=EwEVAs900aE&t=569"
    assert talk.video_embed_url == (
        "https://www.youtube-nocookie.com/embed/EwEVAs900aE?start=569&end=857"
    )


def test_amber_brown_is_one_speaker_known_by_her_alias(seeded):
    matches = Speaker.objects.by_normalized_name('Amber Brown ("HawkOwl")')
    assert [(s.name, s.slug) for s in matches] == [("Amber Brown", "amber-brown")]
    alias = SpeakerAlias.objects.get(name='Amber Brown ("HawkOwl")')
    assert alias.speaker == matches[0]
    assert Speaker.objects.filter(name__startswith="Amber Brown").count() == 1


def test_speakers_are_shared_across_conferences(seeded):
    russell = Speaker.objects.get(slug="russell-keith-magee")
    assert set(russell.talks.values_list("conference__slug", flat=True)) == set(CONFERENCES)
    keys = list(Speaker.objects.values_list("normalized_name", flat=True))
    assert len(keys) == len(set(keys))


def test_stored_html_is_the_rendered_markdown(seeded):
    checked = 0
    for model in (Conference, Day, Talk, Note, Speaker):
        for instance in model.objects.all():
            stored = {name: getattr(instance, f"{name}_html") for name in model.markdown_fields}
            # What save() would store: for talks and notes, time codes linked too.
            render = getattr(instance, "render_markdown", None)
            if render is None:
                render_markdown_fields(instance, model.markdown_fields)
            else:
                render()
            for name, html in stored.items():
                assert html == getattr(instance, f"{name}_html"), (model.__name__, html[:60])
                checked += 1
    assert checked


def test_chapter_lists_link_into_the_video(seeded):
    talk = Talk.objects.get_by_natural_key("djangocon-us-2019", "lightning-talks-day-3")
    assert (
        '<a href="https://www.youtube.com/watch?v=EwEVAs900aE&amp;t=569" '
        'title="Watch the video from 9:29" rel="nofollow noopener noreferrer">9:29</a> '
        "Daniele Procida"
    ) in talk.abstract_html


def test_normalized_names_are_what_save_would_store(seeded):
    for model in (Speaker, SpeakerAlias):
        for name, stored in model.objects.values_list("name", "normalized_name"):
            assert stored == normalize_name(name), name


def test_talks_belong_to_the_conference_of_their_day(seeded):
    assert not Talk.objects.exclude(conference=F("day__conference")).exists()


def test_notes_are_published_by_a_guest_author_and_cite_the_post_they_retell(seeded):
    notes = Note.objects.select_related("talk__conference", "conference")
    assert notes.count() >= 13
    posts = {
        "djangocon-us-2009": ("DjangoCon 2009 Day 2", "Rob Hudson", "2009-09-10"),
        "djangocon-us-2019": ("The Highlights of Djangocon US 2019", "Jon Hollström", "2019-10-08"),
    }
    for note in notes:
        assert note.published and note.published_at
        assert [author.slug for author in note.author_list] == ["confnotes-editors"]
        conference = note.talk.conference if note.talk_id else note.conference
        title, author, date = posts[conference.slug]
        assert (note.source_title, note.source_author) == (title, author)
        assert note.source_date.isoformat() == date
    assert Author.objects.get(slug="confnotes-editors").user is None  # nobody logs in as it


@pytest.mark.parametrize("slug", sorted(CONFERENCES))
def test_talk_count(seeded, slug):
    talks = Talk.objects.filter(conference__slug=slug)
    in_fixture = [
        item
        for item in fixture_objects()
        if item["model"] == "talks.talk" and item["fields"]["conference"] == [slug]
    ]
    assert talks.count() == len(in_fixture)

    folder, added = CONFERENCES[slug]
    videos = PYVIDEO_DIR / folder / "videos"
    if not videos.is_dir():
        pytest.skip(f"pyvideo data not found at {videos}; set PYVIDEO_DATA to compare counts")
    expected = len(list(videos.glob("*.json")))
    assert talks.filter(source="pyvideo").count() == expected
    assert set(talks.exclude(source="pyvideo").values_list("slug", flat=True)) == added
    assert talks.count() == expected + len(added)


def test_dumpdata_gives_back_the_fixtures(seeded):
    """What loaddata stored is what the fixtures say: no field was left to save()."""
    out = StringIO()
    call_command(
        "dumpdata",
        "auth.user",
        "talks",
        "speakers",
        "taggit",
        natural_foreign=True,
        natural_primary=True,
        stdout=out,
    )

    def canonical(item):
        item = {k: v for k, v in item.items() if k != "pk"}
        return json.dumps(item, sort_keys=True)

    dumped = sorted(canonical(item) for item in json.loads(out.getvalue()))
    assert dumped == sorted(canonical(item) for item in fixture_objects())
