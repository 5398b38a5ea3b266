#!/usr/bin/env python
"""One conference with a very long program: what its pages and calendars cost.

    python bench/large_program.py --items 100000

Builds, in a fresh SQLite file, a conference whose one day holds ITEMS timed talks
(every tenth with a speaker and a tag), then requests through Django's test client,
each once uncached: the day page (first and last page), the conference page and
the day and conference calendars (first and last part). Prints each one's size and
time, so that a change to how long programs are split can be measured.
"""

import argparse
import datetime
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def build(items: int):
    from speakers.models import Speaker
    from talks.models import Conference, Day, TaggedTalk, Talk, TalkSpeaker

    conference = Conference.objects.create(
        name="Endless Con 2026", start_date=datetime.date(2026, 6, 1), published=True
    )
    day = Day.objects.create(conference=conference, date=conference.start_date, published=True)
    speaker = Speaker.objects.create(name="Ada Longrun")
    Talk.objects.bulk_create(
        (
            Talk(
                conference=conference,
                day=day,
                title=f"Item {n}",
                slug=f"item-{n}",
                position=n,
                start_time=datetime.time(n // 60 % 24, n % 60),
                duration=datetime.timedelta(minutes=30),
            )
            for n in range(1, items + 1)
        ),
        batch_size=2000,
    )
    tenth = list(Talk.objects.filter(day=day).order_by("position").values_list("pk", flat=True))[
        ::10
    ]
    TalkSpeaker.objects.bulk_create(TalkSpeaker(talk_id=pk, speaker=speaker) for pk in tenth)
    Talk.objects.get(pk=tenth[0]).tags.add("long")
    tag = TaggedTalk.objects.get().tag
    TaggedTalk.objects.bulk_create(
        (TaggedTalk(content_object_id=pk, tag=tag) for pk in tenth[1:]), batch_size=2000
    )
    return conference, day


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="confnotes-long-"))
    from bench.server import bench_environment

    env = bench_environment(workdir)
    env["DATABASE_URL"] = f"sqlite:///{workdir / 'long.sqlite3'}"
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from talks.selectors import CALENDAR_PAGE_SIZE, DAY_PAGE_SIZE

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    t0 = time.perf_counter()
    conference, day = build(args.items)
    print(f"built {args.items} items in {time.perf_counter() - t0:.1f} s ({workdir})")
    last_page = -(-args.items // DAY_PAGE_SIZE)
    last_part = -(-args.items // CALENDAR_PAGE_SIZE)
    pages = {
        "day page 1": day.get_absolute_url(),
        f"day page {last_page}": f"{day.get_absolute_url()}?page={last_page}",
        "conference page": conference.get_absolute_url(),
        "day calendar, part 1": f"{day.get_absolute_url()}calendar.ics",
        f"day calendar, part {last_part}": f"{day.get_absolute_url()}calendar.ics?page={last_part}",
        "conference calendar, part 1": f"{conference.get_absolute_url()}calendar.ics",
    }
    client = Client()
    print(f"{'what':32} {'status':>6} {'bytes':>10} {'ms':>8}")
    for label, url in pages.items():
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        print(f"{label:32} {response.status_code:>6} {len(response.content):>10,} {elapsed:>8.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
