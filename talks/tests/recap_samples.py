"""Recaps shaped like the two blog posts confnotes started from, in the tests' own words.

The 2009 one is a day's notes under a heading per talk, "Title by Speaker", with a
heading naming two items of the evening; the 2019 one is a conference's highlights
with no headings at all: a paragraph per talk, led by the speaker's name, and one
paragraph about three talks. Titles and names are the programme's facts (loaded
from fixtures/); every sentence is written here.
"""

import json
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]


def fixture_notes_on(conference_slug: str) -> list[dict]:
    """The notes the fixture holds for a conference: their fields, as loaddata reads them."""
    path = PROJECT_DIR / "fixtures" / f"{conference_slug}.json"
    return [row["fields"] for row in json.loads(path.read_text()) if row["model"] == "talks.note"]


# Day 2 of DjangoCon US 2009: a title, a line of introduction, a heading per talk.
RECAP_2009_DAY_2 = """\
# DjangoCon 2009, the second day

My notes from the second day, written up the evening after.

## Keynote by Ian Bicking

A summary would not do it justice. Ian has since put the whole argument in writing,
about how open source might describe itself, and that text is the one to read.

## Using Django in Non-Standard Ways by Eric Florenzano

A tour of the parts of Django you can take out and replace. Where I work we stay
on the well-trodden path, so hearing what others swap was new to me:

- another template language in place of Django's own
- an authentication scheme of your own (a social network app was the example)
- data from remote APIs instead of the ORM
- Django's forms inside another framework
- the ORM on its own, in plain scripts
- WSGI middleware around the whole project

That last point is the one I want to look into: Eric pointed at Repoze, and its
profiling middleware looks handy.

## The Real Time Web by Chris Wanstrath

The best talk of the day for me. I had tried the chat app the team built over a
weekend of the Django Dash, and hearing what it took made it more impressive still.

Most of the hour compared the ways a server can push updates to a browser instead
of being polled. The slides list the four techniques in use today.

Pushing from the server came up again and again this week, as something frameworks
should make easier. The same week, FriendFeed opened up the non-blocking Python web
server that runs its site.

## Pluggable Applications by Nowell Strite and Shawn Rider

Here too the slides say it better than my notes. The PBS team met the limits of
reusable apps head-on and brought a proposal for getting past them.

## Making Your PostgreSQL Database Sing by Frank Wiles

A practical session: which settings in postgresql.conf matter most, and what a
materialized view is (a view whose rows are kept on disk).

I have no notes on the talks after this one; the wiki lists their slides.

## Dive into CPython Bytecode by Alex Gaynor

Five minutes of lightning talk on the dis module, which was new to me. Reading the
bytecode of your own code shows what Python really does with it, and can hint at
what to make faster.

## Dinner and the GitHub meetup

Dinner at the Green Dragon came first, and it was a good one.

Then we walked over to Rontoms for the GitHub meetup, where GitHub's people met the
users of their site over drinks.

The best of it was a long talk about image-based persistence in Smalltalk, mostly
between Chris and Avi, with a few of us listening in.

It set me dreaming of a Django process that could save itself whole when it fails,
so that one could step through the failure later. Not quite possible in Python.

One day left, and it has been a great conference so far.
"""

# The named items of Day 2 above (the day's talks), by slug.
RECAP_2009_TALKS = [
    "a-socio-political-analysis-of-open-source-community",
    "using-django-in-non-standard-ways",
    "real-time-web-and-other-buzzwords",
    "pluggable-reusable-django-apps-a-use-case-and-proposed-solution",
    "making-your-postgresql-database-sing",
    "dive-into-cpython-bytecode",
    "dinner-at-the-green-dragon",
    "github-meetup",
]


# DjangoCon US 2019: highlights of the whole conference, one paragraph per talk.
RECAP_2019_HIGHLIGHTS = """\
# What stayed with us from DjangoCon US 2019

8 October 2019

We have gone to DjangoCon Europe every year for a while now. Its mix of deep
technical sessions and talks about the people side of the work suits us well.

This year we could not make the European one, held next door to us of all places,
so we flew to the American edition instead.

It was in San Diego again: tutorials first, then three full days of sessions, then
two days of sprints for anyone who wanted to contribute.

Keeping eight hours of sessions a day interesting is hard, and the organisers
managed it. Our thanks to them.

Amber Brown opened our eyes to a decade of processor history: single cores have
stopped getting faster, benchmarks mislead, and asynchronous code is how Django
developers can respond. Hardware detail, and still useful to web developers.

Andrew Godwin walked through the work going on in Django's core right now and which
parts may become asynchronous next. We have heard him at many conferences, and his
energy for hard problems never fades.

Jessica Rose gave a keynote on Burnout and Balance that moved the whole room. It is
worth watching once the recordings are online.

It was a joy to finally meet Daniele Procida, who spoke about nothingness and
identity in Python. In a lightning talk he also built a pen plotter for pocket
money. Russell Keith-Magee was back on stage as well, this time taking WebAssembly
apart down to the machine code, and the captioners had their work cut out.

What we take home: a community that is passionate, welcoming and very much alive.
Thank you to everyone who made it happen.

Written by our senior developer

Continue reading
"""

# The talks the highlights name, by slug; days 1 to 3 of the conference.
RECAP_2019_TALKS = [
    "keynote-the-natural-state-of-computers",
    "just-add-await-retrofitting-async-into-django",
    "keynote-burnout-and-balance",
    "nothingness-and-identity-in-python-and-django",
    "a-pen-plotter-for-pocket-money",
    "wasm-matter",
]
