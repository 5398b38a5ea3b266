"""A generated archive shaped like pyvideo.org's, written in bulk.

Conferences of two or three days, days of 8 to 34 items, talks with one to three
speakers (some speakers at many conferences), tags with a long tail, Markdown
abstracts and notes like the ones writers keep. Rows are bulk-inserted; every
`*_html` field is filled by the site's one renderer (`render_markdown`), as the
importers do. Deterministic for a given seed.
"""

import datetime
import random
from dataclasses import dataclass
from functools import cache

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag

from confnotes.markdown import render_markdown
from confnotes.slugs import free_slug
from speakers.models import Speaker, normalize_name
from talks.models import (
    Author,
    Conference,
    Day,
    Kind,
    Link,
    Note,
    NoteAuthor,
    TaggedTalk,
    Talk,
    TalkSpeaker,
)

BATCH = 1000

SERIES = [
    "PyCon US", "EuroPython", "DjangoCon US", "DjangoCon Europe", "PyCon AU", "PyData London",
    "PyCon UK", "PyOhio", "SciPy", "PyGotham", "PyCon DE", "PyCon Italia", "Kiwi PyCon",
    "PyCon India", "PyBay", "North Bay Python", "PyTexas", "PyCascades", "PyCon APAC",
    "PyData NYC", "FOSDEM Python devroom", "PyCon Canada", "PyCon JP", "PyCon ZA",
]  # fmt: skip
CITIES = ["Portland", "Berlin", "Cleveland", "Sydney", "London", "Austin", "Florence",
          "Pune", "Wellington", "Montréal", "Tokyo", "Cape Town", "Prague", "Chicago"]  # fmt: skip
FIRST = ["Ada", "Alan", "Amber", "Andrew", "Anna", "Barry", "Brett", "Carol", "Carlton", "Daniele",
         "David", "Emily", "Ewa", "Fernando", "Frank", "Grace", "Guido", "Hynek", "Jacob", "Jessica",
         "Julia", "Katie", "Kenneth", "Lukasz", "Mariatta", "Mark", "Naomi", "Ned", "Nina", "Ola",
         "Paul", "Raymond", "Russell", "Sarah", "Simon", "Sophie", "Tom", "Trey", "Victor", "Yury",
         "Zoe", "Łukasz", "Sébastien", "José", "Ángela", "Jürgen", "Ève", "Anže", "Thea", "Kojo"]  # fmt: skip
LAST = ["Brown", "Smith", "Hettinger", "Goodger", "Langa", "Wijaya", "Kaplan-Moss", "Holovaty",
        "Keith-Magee", "Willison", "Rossum", "Schlawack", "Batchelder", "Reitz", "Warsaw", "Stinner",
        "Selivanov", "Oliphant", "Ramalho", "Beazley", "Hunner", "Ingram", "Nguyen", "Okafor",
        "García", "Müller", "Rossi", "Kowalski", "Tanaka", "Singh", "Dubois", "Novak", "Larsen",
        "O'Brien", "Andersson", "Costa", "Haddad", "Ivanova", "Mensah", "Fischer"]  # fmt: skip
TOPICS = ["Django", "asyncio", "type hints", "packaging", "testing", "pandas", "NumPy", "the GIL",
          "WebAssembly", "PostgreSQL", "caching", "security", "accessibility", "CPython bytecode",
          "data pipelines", "machine learning", "REST APIs", "GraphQL", "deployment", "Docker",
          "observability", "documentation", "open source maintenance", "mentoring", "pytest",
          "Rust extensions", "memory profiling", "search", "templates", "ORM performance"]  # fmt: skip
FRAMES = ["{t} in production", "What I learned about {t}", "A gentle introduction to {t}",
          "{t}: the hard parts", "Scaling {t} to millions of users", "Ten years of {t}",
          "{t} beyond the basics", "Debugging {t}", "Why {t} matters", "Building with {t}",
          "Lessons from {t}", "{t} and you", "Practical {t}", "The future of {t}"]  # fmt: skip
ROOMS = ["Main hall", "Room A", "Room B", "Room C", "Ballroom", "Tutorial room"]
# A long tail, as real tags have: a few on most talks, most on a handful.
TAG_NAMES = [slugify(t) for t in TOPICS] + [
    "python", "web", "data", "community", "performance", "beginners", "education", "science",
    "devops", "cloud", "async", "databases", "tooling", "careers", "diversity", "hardware",
] + [f"topic-{n}" for n in range(260)]  # fmt: skip


@dataclass
class ArchiveStats:
    conferences: int = 0
    days: int = 0
    talks: int = 0
    speakers: int = 0
    notes: int = 0
    tags: int = 0


@cache
def _rendered(text: str) -> str:
    # Texts are drawn from a few hundred variants; render each once.
    return render_markdown(text)


def _abstract(rng: random.Random, topic: str) -> str:
    variant = rng.randrange(120)
    return (
        f"This talk looks at **{topic}** from the point of view of people who ship it every "
        f"day. We start with the basics, then look at the trade-offs that only show up at "
        f"scale (variant {variant}).\n\n"
        f"- what `{topic}` gives you for free\n- where it hurts, with measurements\n"
        f"- how to migrate an existing project, step by step\n\n"
        f"Attendees should know some Python; no prior experience of {topic} is needed."
    )


# A note is drawn from these parts, as people's notes differ: no word but the
# commonest is in every one of them (the search benchmark ranks what a word matches).
NOTE_OPENINGS = [
    "The speaker opened with a story about {t} going wrong on a Friday evening, and the "
    "room laughed because everyone had been there.",
    "A calm, well-paced walk through {t}, from a small example grown until it broke.",
    "Half the room raised a hand when asked who runs {t} at work; fewer when asked who enjoys it.",
    "Mostly live coding: {t} from an empty file to something deployable by the end.",
    "I had circled this one in the program, and it delivered: {t} explained by one of "
    "the people who maintain it.",
    "Sparse slides, good stories, and {t} as the thread that tied them together.",
    "A talk in three acts: why {t} exists, where it bites, and what the team changed.",
    "Less a tutorial than a field report on {t}, with real numbers from a real project.",
]
NOTE_TIMES = [
    "[{m:02d}:15] is where the demo starts.",
    "Worth rewatching from [{m:02d}:40].",
    "The part on failures starts at [{m:02d}:05].",
    "",
]
NOTE_POINTS = [
    "Measure first: *most* of the time went somewhere nobody expected.",
    "Keep the boring parts boring; use `{t}` where it earns its keep.",
    "The slides have the numbers: [slides](https://slides.example.org/{v}).",
    "Write the migration plan before the code.",
    "Small pull requests were reviewed in hours, large ones in weeks.",
    "Logs nobody reads are a cost, not a safety net.",
    "Pin dependencies, and upgrade them on purpose.",
    "Error messages are part of the interface.",
    "Most of the demo's bugs came from time zones.",
    "A profiler beat guessing every single time.",
    "Record why a decision was made, not only what it was.",
    "A benchmark without a baseline tells you nothing.",
    "Checklists in review caught more than linters did.",
    "Start from the data model; the views follow.",
    "The [recording](https://video.example.org/{v}) has the full demo.",
]
NOTE_QUOTES = [
    "> Make it work, then make it right, and only then make it fast.",
    "> Every shortcut we took came back with interest.",
    "> If it is hard to explain, it is probably the wrong design.",
    "> The second version was smaller than the first.",
]
NOTE_CODE = [
    "```python\nfor item in queryset.iterator(chunk_size=2000):\n    process(item)\n```",
    "```python\nwith transaction.atomic():\n    order.save()\n```",
    "```shell\npython -m pip install --require-hashes -r requirements.txt\n```",
]
NOTE_CLOSINGS = [
    "Questions were about {t} on small teams and about {o} (note {v}).",
    "The Q&A ran over time; someone asked how to bring {t} into an old codebase.",
    "No time for questions, but the hallway afterwards was busy (note {v}).",
    "Someone asked how this fits with {o}. The answer: carefully, and with tests.",
    "I would watch the recording for the second half alone.",
    "Good talk for anyone about to adopt {t} (note {v}).",
]


def _note_body(rng: random.Random, topic: str) -> str:
    """Markdown as a note's writer might put it: a heading, an opening with a time code,
    a few points, maybe a quote and some code, a closing line; parts drawn at random."""
    other = rng.choice([t for t in TOPICS if t != topic])
    fill = {"t": topic, "o": other, "v": rng.randrange(200), "m": rng.randrange(1, 40)}
    opening = " ".join(
        part.format(**fill) for part in (rng.choice(NOTE_OPENINGS), rng.choice(NOTE_TIMES))
    ).strip()
    points = "\n".join(f"- {p.format(**fill)}" for p in rng.sample(NOTE_POINTS, rng.randint(3, 5)))
    extras = [rng.choice(NOTE_QUOTES)] if rng.random() < 0.5 else []
    extras += [rng.choice(NOTE_CODE)] if rng.random() < 0.4 else []
    closing = rng.choice(NOTE_CLOSINGS).format(**fill)
    heading = rng.choice(["## What stood out", "## Notes", "## Takeaways"])
    return "\n\n".join([heading, opening, points, *extras, closing])


def _day_summary(rng: random.Random, conference: str, position: int) -> str:
    return (
        f"Day {position} of {conference}: coffee, a packed keynote and a hallway track that "
        f"ran late. Notes below, talk by talk; *missing ones* are talks nobody wrote up "
        f"(variant {rng.randrange(50)})."
    )


def _slug(text: str, taken: set[str]) -> str:
    return free_slug(slugify(text)[:180].strip("-") or "item", taken)


def build_archive(*, talks: int, seed: int = 1, note_share: float = 0.4) -> ArchiveStats:
    """Add about `talks` talks (in whole conferences) to the database; return the counts."""
    rng = random.Random(seed)
    now = timezone.now()
    stats = ArchiveStats()
    with transaction.atomic():
        authors = _authors()
        speakers = _speakers(rng, max(20, talks * 2 // 3))
        tags = _tags()
        stats.speakers, stats.tags = len(speakers), len(tags)
        conf_slugs = set(Conference.objects.values_list("slug", flat=True))
        made = 0
        conf_rows = []
        while made < talks:
            series = rng.choice(SERIES)
            year = rng.randrange(2005, 2026)
            name = f"{series} {year}"
            start = datetime.date(year, rng.randrange(1, 12), rng.randrange(1, 25))
            n_days = rng.choice((2, 3, 3))
            per_day = [rng.randrange(8, 35) for _ in range(n_days)]
            made += sum(per_day)
            conf_rows.append((name, series, start, per_day))
        conferences = Conference.objects.bulk_create(
            [
                Conference(
                    name=name,
                    slug=_slug(name, conf_slugs),
                    series=series,
                    start_date=start,
                    end_date=start + datetime.timedelta(days=len(per_day) - 1),
                    city=rng.choice(CITIES),
                    recap=(recap := f"{name} in one paragraph: *good talks*, good people."),
                    recap_html=_rendered(recap),
                    published=rng.random() > 0.02,
                )
                for name, series, start, per_day in conf_rows
            ],
            batch_size=BATCH,
        )
        day_objs = []
        for conf, (_name, _series, start, per_day) in zip(conferences, conf_rows, strict=True):
            for position in range(1, len(per_day) + 1):
                summary = _day_summary(rng, conf.name, position) if rng.random() < 0.5 else ""
                day_objs.append(
                    Day(
                        conference=conf,
                        date=start + datetime.timedelta(days=position - 1),
                        position=position,
                        slug=f"day-{position}",
                        summary=summary,
                        summary_html=_rendered(summary),
                    )
                )
        days = Day.objects.bulk_create(day_objs, batch_size=BATCH)
        talk_objs = []
        day_index = 0
        for conf, (_name, _series, _start, per_day) in zip(conferences, conf_rows, strict=True):
            slugs: set[str] = set()
            for count in per_day:
                day = days[day_index]
                day_index += 1
                for position in range(1, count + 1):
                    topic = rng.choice(TOPICS)
                    title = rng.choice(FRAMES).format(t=topic)
                    title = title[0].upper() + title[1:]
                    kind = (
                        Kind.KEYNOTE
                        if position == 1
                        else rng.choices(
                            [Kind.TALK, Kind.LIGHTNING, Kind.TUTORIAL, Kind.PANEL, Kind.BREAK],
                            weights=[80, 10, 4, 3, 3],
                        )[0]
                    )
                    abstract = _abstract(rng, topic) if kind != Kind.BREAK else ""
                    talk_objs.append(
                        Talk(
                            conference=conf,
                            day=day,
                            title=title,
                            slug=_slug(title, slugs),
                            kind=kind,
                            position=position,
                            start_time=datetime.time(
                                9 + position * 30 // 60 % 10, position * 30 % 60
                            ),
                            duration=datetime.timedelta(minutes=rng.choice((5, 25, 30, 45))),
                            room=rng.choice(ROOMS),
                            language="en",
                            abstract=abstract,
                            abstract_html=_rendered(abstract),
                            slides_url=f"https://slides.example.org/{conf.slug}/{position}"
                            if rng.random() < 0.4
                            else "",
                            video_url=f"https://www.youtube.com/watch?v={rng.randrange(10**10):011d}"
                            if rng.random() < 0.8
                            else "",
                        )
                    )
        talk_list = Talk.objects.bulk_create(talk_objs, batch_size=BATCH)
        stats.conferences, stats.days, stats.talks = len(conferences), len(days), len(talk_list)
        _attach(rng, talk_list, days, speakers, tags, authors, note_share, now, stats)
    return stats


def _authors() -> list[Author]:
    existing = list(Author.objects.filter(slug__startswith="bench-writer-"))
    if existing:
        return existing
    user_model = get_user_model()
    users = [
        user_model(username=f"bench-writer-{n}", first_name=first, last_name="Writer")
        for n, first in enumerate(["Rob", "Jon", "Wendy", "Mia", "Tariq", "Lena"])
    ]
    for user in users:
        user.set_unusable_password()
    users = user_model.objects.bulk_create(users)
    return Author.objects.bulk_create(
        Author(name=user.get_full_name(), slug=user.username, user=user) for user in users
    )


def _create_notes(notes: list[Note]) -> None:
    """Insert generated notes and their one author each."""
    Note.objects.bulk_create(notes, batch_size=BATCH)
    NoteAuthor.objects.bulk_create(
        (NoteAuthor(note=note, author=note.bench_author) for note in notes), batch_size=BATCH
    )


def _speakers(rng: random.Random, count: int) -> list[Speaker]:
    existing = list(Speaker.objects.only("pk"))
    if len(existing) >= count:
        return existing
    taken = set(Speaker.objects.values_list("slug", flat=True))
    rows = []
    for n in range(count - len(existing)):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if n % 3:  # most names are unique; some people share a common name
            name = f"{name} {chr(65 + n % 26)}{n}"
        rows.append(
            Speaker(name=name, slug=_slug(name, taken), normalized_name=normalize_name(name))
        )
    return existing + Speaker.objects.bulk_create(rows, batch_size=BATCH)


def _tags() -> list[Tag]:
    existing = {tag.name: tag for tag in Tag.objects.filter(name__in=TAG_NAMES)}
    missing = [Tag(name=name, slug=name) for name in TAG_NAMES if name not in existing]
    Tag.objects.bulk_create(missing, batch_size=BATCH)
    return list(Tag.objects.filter(name__in=TAG_NAMES).order_by("pk"))


def _attach(rng, talk_list, days, speakers, tags, authors, note_share, now, stats) -> None:
    talk_speakers, tagged, notes, links = [], [], [], []
    # Zipf-like: speaker k is picked with weight 1/(k+1), so a few speak everywhere.
    speaker_weights = [1 / (k + 1) ** 0.6 for k in range(len(speakers))]
    tag_weights = [1 / (k + 1) ** 0.9 for k in range(len(tags))]
    for talk in talk_list:
        if talk.kind == Kind.BREAK:
            continue
        chosen = {
            s.pk: s
            for s in rng.choices(speakers, weights=speaker_weights, k=rng.choice((1, 1, 2, 3)))
        }
        talk_speakers += [
            TalkSpeaker(talk=talk, speaker=s, position=i) for i, s in enumerate(chosen.values())
        ]
        tag_ids = {t.pk for t in rng.choices(tags, weights=tag_weights, k=rng.randrange(1, 5))}
        tagged += [TaggedTalk(content_object=talk, tag_id=pk) for pk in tag_ids]
        if rng.random() < note_share:
            body = _note_body(rng, rng.choice(TOPICS))
            notes.append(_note(rng, authors, now, body, talk=talk, published=rng.random() > 0.05))
        if rng.random() < 0.2:
            links.append(
                Link(
                    talk=talk,
                    kind=rng.choice(("blog", "code", "photos")),
                    url=f"https://example.org/{talk.conference_id}/{talk.slug}",
                    title=rng.choice(("", "The write-up", "Demo code")),
                )
            )
    for day in days:
        if rng.random() < 0.3:
            body = _day_summary(rng, rng.choice(SERIES), day.position)
            notes.append(_note(rng, authors, now, body, day=day))
    TalkSpeaker.objects.bulk_create(talk_speakers, batch_size=BATCH)
    TaggedTalk.objects.bulk_create(tagged, batch_size=BATCH)
    _create_notes(notes)
    Link.objects.bulk_create(links, batch_size=BATCH)
    stats.notes = len(notes)


def _note(rng, authors, now, body: str, *, published: bool = True, **subject) -> Note:
    """A generated note on `subject` (talk=, talk_id= or day=), published within five years."""
    note = Note(
        **subject,
        body=body,
        # A block at a time, which renders as the whole does: notes seldom repeat, their
        # blocks do.
        body_html="\n".join(_rendered(block) for block in body.split("\n\n")),
        published=published,
        published_at=now - datetime.timedelta(hours=rng.randrange(1, 24 * 365 * 5)),
    )
    note.bench_author = rng.choice(authors)
    return note


def add_notes(*, share: float = 0.4, seed: int = 2) -> int:
    """Add generated notes to talks that have none (e.g. after a pyvideo import)."""
    rng = random.Random(seed)
    authors = _authors()
    now = timezone.now()
    rows = []
    for talk_id in Talk.objects.filter(notes__isnull=True).values_list("pk", flat=True):
        if rng.random() < share:
            body = _note_body(rng, rng.choice(TOPICS))
            rows.append(_note(rng, authors, now, body, talk_id=talk_id))
    _create_notes(rows)
    return len(rows)
