"""Small helpers that make test data: `make_<thing>(**overrides)`."""

import datetime
import itertools
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

from speakers.models import Speaker
from talks.models import Conference, Day, Link, Note, Talk, TalkSpeaker

_counter = itertools.count(1)

# The project's seed fixtures, which one `loaddata` call loads into an empty database.
FIXTURE_FILES = sorted(str(p) for p in (Path(settings.BASE_DIR) / "fixtures").glob("*.json"))


def load_seed_fixtures() -> None:
    call_command("loaddata", *FIXTURE_FILES, verbosity=0)


def make_conference(**overrides) -> Conference:
    n = next(_counter)
    fields = {
        "name": f"PyTest Conf {2000 + n}",
        "series": "PyTest Conf",
        "start_date": datetime.date(2000 + n % 20, 9, 8),
        "end_date": datetime.date(2000 + n % 20, 9, 10),
        "city": "Portland",
        "published": True,
    }
    fields.update(overrides)
    return Conference.objects.create(**fields)


def make_day(conference=None, **overrides) -> Day:
    conference = conference or make_conference()
    existing = conference.days.count()
    fields = {
        "conference": conference,
        "date": (conference.start_date or datetime.date(2020, 1, 1)) + datetime.timedelta(existing),
    }
    fields.update(overrides)
    return Day.objects.create(**fields)


def make_speaker(**overrides) -> Speaker:
    fields = {"name": f"Speaker Number{next(_counter)}"}
    fields.update(overrides)
    return Speaker.objects.create(**fields)


def make_talk(day=None, *, speakers=(), tags=(), **overrides) -> Talk:
    day = day or make_day()
    fields = {
        "day": day,
        "title": f"Talk number {next(_counter)}",
        "position": day.talks.count() + 1,
    }
    fields.update(overrides)
    talk = Talk.objects.create(**fields)
    for position, speaker in enumerate(speakers):
        TalkSpeaker.objects.create(talk=talk, speaker=speaker, position=position)
    if tags:
        talk.tags.add(*tags)
    return talk


def make_link(talk, **overrides) -> Link:
    fields = {"talk": talk, "kind": "blog", "url": f"https://example.org/post/{next(_counter)}"}
    fields.update(overrides)
    return Link.objects.create(**fields)


def make_user(**overrides):
    n = next(_counter)
    fields = {"username": f"writer{n}", "first_name": "Wendy", "last_name": f"Writer{n}"}
    fields.update(overrides)
    return get_user_model().objects.create_user(**fields)


def make_note(*, talk=None, day=None, authors=None, **overrides) -> Note:
    """A published note by `authors` (users, Author rows or guests' names), or a new user."""
    fields = {"talk": talk, "day": day, "body": "Some *notes* about it.", "published": True}
    fields.update(overrides)
    note = Note.objects.create(**fields)
    note.set_authors(authors or [make_user()])
    return note


def make_full_day(talks_per_day: int, *, conference=None, **day_overrides) -> Day:
    """A day with `talks_per_day` talks, each with two speakers, two tags, a link and a note."""
    day = make_day(conference, **day_overrides)
    for i in range(talks_per_day):
        talk = make_talk(
            day,
            speakers=[make_speaker(), make_speaker()],
            tags=[f"topic-{i}", "python"],
            slides_url=f"https://slides.example.org/{i}",
            video_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        )
        make_link(talk)
        make_note(talk=talk)
    make_note(day=day)
    return day
