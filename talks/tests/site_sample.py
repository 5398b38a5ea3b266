"""A small, realistic archive for the browser, accessibility and HTML tests.

`make_sample_site()` writes it with the factories and returns the address of
one page of every kind the site has, so each checker walks the same pages.
"""

import datetime
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from talks.models import Kind
from talks.tests.factories import (
    make_conference,
    make_day,
    make_link,
    make_note,
    make_speaker,
    make_talk,
    make_user,
)

RECAP = """Three days in a riverside hall: two of talks, one of sprints.

- **Best hallway track** of the year
- Slides and videos are [linked from every talk](https://example.org/slides)
"""
NOTE = """The speaker opened with a *live demo* and then showed the numbers:

| cache | requests/s |
| --- | ---: |
| none | 850 |
| shared | 4,100 |

> Measure first, then make it fast.

```python
response = client.get("/")
```
"""


@dataclass
class SampleSite:
    conference: object
    day: object
    second_day: object
    talk: object
    speaker: object
    tag: str
    pages: dict[str, str]


def _optional_page(name: str, *args, query: str = "") -> str | None:
    """The address of a page that may not exist yet in this version of the site."""
    try:
        return reverse(name, args=args) + query
    except NoReverseMatch:
        return None


def make_sample_site() -> SampleSite:
    """A published conference with two days, talks, speakers, tags, links and notes."""
    conference = make_conference(
        name="Riverside Python 2025",
        series="Riverside Python",
        start_date=datetime.date(2025, 6, 2),
        end_date=datetime.date(2025, 6, 4),
        city="Lyon",
        country="France",
        venue="Quai Hall",
        website="https://riverside.example.org/",
        recap=RECAP,
    )
    conference.tags.add("python", "community")
    make_conference(
        name="Riverside Python 2024",
        series="Riverside Python",
        start_date=datetime.date(2024, 6, 3),
        end_date=datetime.date(2024, 6, 4),
    )
    day = make_day(conference, summary="Talks all day, then dinner by the river.")
    second_day = make_day(conference, title="Sprints")
    ada = make_speaker(name="Ada Quayside", bio="Maintains a **caching** library.")
    bo = make_speaker(name="Bo Lindqvist", website="https://bo.example.org/", github="bolind")
    author = make_user(first_name="Nina", last_name="Notetaker")
    keynote = make_talk(
        day,
        title="Opening keynote: the web we keep",
        kind=Kind.KEYNOTE,
        speakers=[ada],
        tags=["community", "web"],
        start_time=datetime.time(9, 0),
        duration=datetime.timedelta(minutes=45),
        room="Main hall",
    )
    make_note(talk=keynote, authors=[author], body="A warm opening about *keeping* things online.")
    talk = make_talk(
        day,
        title="Caching pages without tears",
        speakers=[ada, bo],
        tags=["performance", "python"],
        start_time=datetime.time(10, 0),
        duration=datetime.timedelta(minutes=30),
        room="Main hall",
        track="Web",
        language="en",
        abstract="How a shared cache keyed on **one version number** stays correct.",
        slides_url="https://slides.example.org/caching",
        video_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    )
    make_link(talk, kind="code", title="Example code", url="https://code.example.org/caching")
    make_note(talk=talk, authors=[author], body=NOTE)
    make_talk(day, title="Lunch", kind=Kind.BREAK, start_time=datetime.time(12, 30))
    make_talk(
        day,
        title="Five-minute fixes",
        kind=Kind.LIGHTNING,
        speakers=[bo],
        tags=["python"],
        start_time=datetime.time(17, 0),
    )
    make_note(day=day, authors=[author], body="A day of **measured** talks and good coffee.")
    make_talk(second_day, title="Sprint on the docs", kind=Kind.SPRINT, tags=["docs"])
    make_note(conference=conference, authors=[author], body="What we take home: *patience*.")

    pages = {
        "home": "/",
        "archive": reverse("talks:conference_list"),
        "archive-year": reverse("talks:conference_year", kwargs={"year": 2025}),
        "series-list": reverse("talks:series_list"),
        "series": reverse("talks:series_detail", kwargs={"slug": "riverside-python"}),
        "conference": conference.get_absolute_url(),
        "day": day.get_absolute_url(),
        "talk": talk.get_absolute_url(),
        "talk-player": f"{talk.get_absolute_url()}?play=1",
        "speakers": reverse("talks:speaker_list"),
        "speaker": ada.get_absolute_url(),
        "tags": reverse("talks:tag_list"),
        "tag": reverse("talks:tag_detail", kwargs={"slug": "python"}),
        "not-found": "/no-such-conference/",
    }
    search = _optional_page("talks:search", query="?q=caching")
    if search:
        pages["search"] = search
    return SampleSite(
        conference=conference,
        day=day,
        second_day=second_day,
        talk=talk,
        speaker=ada,
        tag="python",
        pages=pages,
    )
