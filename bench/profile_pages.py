#!/usr/bin/env python
"""Where the time of a page goes: cProfile over uncached requests, in-process.

    python bench/profile_pages.py --talks 21000 --db /tmp/confnotes-21k.sqlite3 day tag

Builds the generated archive into the SQLite file given (once; later runs reuse
it), then requests each page kind N times through Django's test client, every
request a cache miss, and prints the median time and the functions that take
the most cumulative time.
"""

import argparse
import cProfile
import io
import os
import pstats
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kinds", nargs="*", default=["day", "archive", "tag", "speakers"])
    parser.add_argument("--talks", type=int, default=21000)
    parser.add_argument("--db", help="SQLite file to build once and reuse")
    parser.add_argument("-n", type=int, default=20, help="requests per page")
    parser.add_argument("--top", type=int, default=25, help="functions to print")
    parser.add_argument("--no-profile", action="store_true", help="timings only")
    parser.add_argument(
        "--after-edit",
        action="store_true",
        help="each request right after a save of something the page shows (bench/pages.py), "
        "instead of a unique query string",
    )
    args = parser.parse_args(argv)
    db = Path(args.db) if args.db else Path(tempfile.mkdtemp()) / "profile.sqlite3"
    from bench.server import bench_environment

    env = bench_environment(db.parent)
    env["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from bench.archive import build_archive
    from bench.pages import pick_pages
    from talks.models import Talk

    fresh = not db.exists()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    if fresh or not Talk.objects.exists():
        stats = build_archive(talks=args.talks)
        print(f"built {stats.talks} talks into {db}")
    pages = pick_pages()
    client = Client()
    for kind in args.kinds:
        page = pages[kind]
        sep = "&" if "?" in page.url else "?"

        def next_url(page=page, sep=sep):
            """The URL of the next request, each a cache miss (after an edit, the page's own)."""
            if args.after_edit:
                page.edit()
                return page.url
            return f"{page.url}{sep}bench={secrets.token_hex(6)}"

        for _ in range(3):
            client.get(next_url())
        times, cpu = [], []
        for _ in range(args.n):
            url = next_url()
            t0, c0 = time.perf_counter(), time.process_time()
            client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
        print(
            f"\n== {kind} {page.url} ({page.note}): median {statistics.median(times):.1f} ms, "
            f"CPU {statistics.median(cpu):.1f} ms"
        )
        if args.no_profile:
            continue
        profiler = cProfile.Profile()
        for _ in range(args.n):
            url = next_url()
            profiler.enable()
            client.get(url)
            profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(
            os.environ.get("BENCH_SORT", "cumulative")
        ).print_stats(args.top)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
