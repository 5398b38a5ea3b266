#!/usr/bin/env python
"""The load test: 64 connections for 30 s over a mix of pages and searches.

    python bench/load.py [--talks 5000] [--connections 64] [--seconds 30]

Builds a generated archive in a throwaway database, starts gunicorn as
production runs it (gunicorn.conf.py, 2 workers, debug off) on 127.0.0.1 and
drives it with wrk and bench/load_mix.lua: home, archive, conferences, days,
talks, speakers, tags, feeds, calendars and searches, weighted like readers'
traffic, after a warm-up, 5% of them missing the page cache. Exits 1 unless every request
was answered without a socket error and with a 2xx or 3xx status.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.server import Server, generated_site, throwaway_workdir, wrk_available  # noqa: E402

SEARCHES = ("django", "testing", "async", "packaging in production", "pandas", "the gil", "web")


def mix_urls(rng: random.Random) -> list[tuple[int, str]]:
    """(weight, path) pairs drawn from the archive in the database."""
    from django.urls import NoReverseMatch, reverse

    from speakers.models import Speaker
    from talks.models import Conference, Day, TaggedTalk, Talk

    conferences = list(Conference.objects.published().values_list("slug", flat=True))
    days = list(Day.objects.published().values_list("conference__slug", "slug"))
    talks = list(Talk.objects.published().values_list("conference__slug", "slug"))
    speakers = list(
        Speaker.objects.filter(talks__conference__published=True)
        .values_list("slug", flat=True)
        .distinct()
    )
    tags = list(TaggedTalk.objects.values_list("tag__slug", flat=True).distinct())
    pairs = [(4, "/"), (3, "/conferences/"), (1, "/speakers/"), (1, "/tags/")]
    pairs += [(2, f"/{slug}/") for slug in rng.sample(conferences, min(15, len(conferences)))]
    pairs += [(3, f"/{c}/{d}/") for c, d in rng.sample(days, min(30, len(days)))]
    pairs += [(2, f"/{c}/talks/{t}/") for c, t in rng.sample(talks, min(50, len(talks)))]
    pairs += [(1, f"/speakers/{s}/") for s in rng.sample(speakers, min(20, len(speakers)))]
    pairs += [(1, f"/tags/{t}/") for t in rng.sample(tags, min(15, len(tags)))]
    pairs += [(1, "/conferences/?page=2"), (1, "/speakers/?page=3")]
    optional = []
    try:
        optional.append((2, reverse("talks:search") + "?q={q}"))
    except NoReverseMatch:
        pass
    try:
        optional.append((1, reverse("talks:notes_feed")))
    except NoReverseMatch:
        pass
    for weight, path in optional:
        if "{q}" in path:
            pairs += [(weight, path.format(q=q.replace(" ", "+"))) for q in SEARCHES]
        else:
            pairs.append((weight, path))
    try:
        reverse("talks:conference_calendar", kwargs={"conference": conferences[0]})
        pairs += [(1, f"/{slug}/calendar.ics") for slug in conferences[:5]]
        pairs += [(1, f"/{slug}/feed/") for slug in conferences[:5]]
    except NoReverseMatch:
        pass
    return pairs


def _fetch(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--talks", type=int, default=5000)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--miss-share",
        type=float,
        default=0.05,
        help="share of page requests that miss the page cache (default 0.05)",
    )
    args = parser.parse_args(argv)
    if not wrk_available():
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2
    with throwaway_workdir("confnotes-load-") as (env, workdir):
        return _run(env, workdir, args)


def _run(env, workdir: Path, args) -> int:
    t0 = time.monotonic()
    stats = generated_site(args.talks)
    print(
        f"archive: {stats.talks} talks in {stats.conferences} conferences ({time.monotonic() - t0:.0f} s)"
    )
    pairs = mix_urls(random.Random(7))
    url_file = workdir / "urls.txt"
    url_file.write_text("".join(f"{w} {p}\n" for w, p in pairs))
    print(f"mix: {len(pairs)} URLs")
    with Server(env) as server:
        # Readers mostly meet warm caches: every URL of the mix is fetched a
        # few times first (each gunicorn worker keeps its own local cache).
        t0 = time.monotonic()
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda path: _fetch(server.base + path), [p for _, p in pairs] * 3))
        print(f"warm-up: {3 * len(pairs)} requests in {time.monotonic() - t0:.0f} s")
        cmd = [
            "wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.seconds}s",
            "--timeout", "30s", "-s", str(Path(__file__).with_name("load_mix.lua")), server.base + "/",
        ]  # fmt: skip
        out = subprocess.run(
            cmd,
            env={
                **os.environ,
                "BENCH_URLS": str(url_file),
                "BENCH_BUST_SHARE": str(args.miss_share),
            },
            capture_output=True,
            text=True,
            timeout=args.seconds + 120,
        )
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCH-JSON ")), None)
    if line is None:
        print(out.stdout, out.stderr, file=sys.stderr)
        return 1
    data = json.loads(line.removeprefix("BENCH-JSON "))
    seconds = data["duration_us"] / 1e6
    socket_errors = data["connect"] + data["read"] + data["write"] + data["timeout"]
    print(
        f"load: {args.connections} connections, {seconds:.1f} s, {data['requests']} requests "
        f"({args.miss_share:.0%} of them cache misses), "
        f"{data['requests'] / seconds:.0f} req/s; latency p50 {data['p50_us'] / 1000:.1f} ms, "
        f"p95 {data['p95_us'] / 1000:.1f} ms, p99 {data['p99_us'] / 1000:.1f} ms, "
        f"max {data['max_us'] / 1000:.1f} ms"
    )
    print(
        f"responses: 2xx {data['s2xx']}, 3xx {data['s3xx']}, 4xx {data['s4xx']}, "
        f"5xx {data['s5xx']}; socket errors {socket_errors} (connect {data['connect']}, "
        f"read {data['read']}, write {data['write']}, timeout {data['timeout']})"
    )
    bad = data["s4xx"] + data["s5xx"]
    if socket_errors or bad or data["status"]:
        print("LOAD TEST FAILED: errors or responses other than 2xx/3xx")
        return 1
    print("load test passed: no errors, every response 2xx/3xx")
    return 0


if __name__ == "__main__":
    sys.exit(main())
