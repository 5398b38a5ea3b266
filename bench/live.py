#!/usr/bin/env python
"""A live conference: readers read while a writer saves a published note every 2 s.

    python bench/live.py [--talks 5000] [--seconds 20] [--redis]

Builds a generated archive in a throwaway database and serves it with gunicorn
as production runs it (gunicorn.conf.py, debug off, the default cache). wrk
cycles through 300 and more real URLs of the archive twice: once with no
writes, then while this process saves a published note every 2 s through the
ORM (as a writer in the admin would, in another process than the server's).
After each save it reads the note's talk and day pages until they show the
saved text, and reports how long that took. With --redis it runs again with
a throwaway Redis server as CACHE_URL.

Budgets: read throughput with writes at 80% or more of the throughput without;
no page shows content older than the last commit by more than 1 s.
Exits 1 when a budget is missed.
"""

import argparse
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.server import Server, generated_site, throwaway_workdir, wrk_available  # noqa: E402

MIN_THROUGHPUT_SHARE = 0.80
MAX_STALE_SECONDS = 1.0
SAVE_EVERY = 2.0


def live_urls(rng: random.Random) -> list[str]:
    """Paths of real pages of the archive: lists, conferences, days, talks, speakers, tags."""
    from speakers.models import Speaker
    from talks.models import Conference, Day, TaggedTalk, Talk

    def sample(values, n):
        values = list(values)
        return rng.sample(values, min(n, len(values)))

    paths = ["/", "/conferences/", "/speakers/", "/tags/", "/feeds/notes/", "/search/?q=django"]
    conferences = Conference.objects.published().values_list("slug", flat=True)
    paths += [f"/{s}/" for s in sample(conferences, 30)]
    paths += [
        f"/{c}/{d}/"
        for c, d in sample(Day.objects.published().values_list("conference__slug", "slug"), 80)
    ]
    paths += [
        f"/{c}/talks/{t}/"
        for c, t in sample(Talk.objects.published().values_list("conference__slug", "slug"), 130)
    ]
    speakers = Speaker.objects.filter(talks__conference__published=True)
    paths += [
        f"/speakers/{s}/" for s in sample(speakers.values_list("slug", flat=True).distinct(), 40)
    ]
    tags = TaggedTalk.objects.values_list("tag__slug", flat=True).distinct()
    paths += [f"/tags/{t}/" for t in sample(tags, 30)]
    return paths


def _fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


def _wrk(base: str, url_file: Path, seconds: int) -> dict:
    cmd = [
        "wrk", "-t2", "-c16", f"-d{seconds}s", "--timeout", "30s",
        "-s", str(ROOT / "bench" / "load_mix.lua"), base + "/",
    ]  # fmt: skip
    env = {**os.environ, "BENCH_URLS": str(url_file), "BENCH_BUST_SHARE": "0"}
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=seconds + 120)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCH-JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no figures: {out.stdout[-500:]} {out.stderr[-500:]}")
    data = json.loads(line.removeprefix("BENCH-JSON "))
    data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
    return data


def write(note_ids: list[int]) -> None:
    """The writer's process: save a published note every SAVE_EVERY seconds, through the
    ORM, and print what it saved and where it shows, one line a save."""
    import django

    django.setup()
    from talks.models import Note

    notes = list(Note.objects.filter(pk__in=note_ids).select_related("talk__day__conference"))
    for n in range(10**6):
        time.sleep(SAVE_EVERY)
        note = notes[n % len(notes)]
        marker = f"Live edit {n} {time.time_ns()}"
        note.body = f"{marker}: the speaker took questions."
        note.save()
        pages = [note.talk.get_absolute_url(), note.talk.day.get_absolute_url()]
        print(json.dumps({"marker": marker, "pages": pages}), flush=True)


class Writer(threading.Thread):
    """Runs the writer's process; after each save it reports, reads the pages that show
    the note until they do, and keeps the longest wait."""

    def __init__(self, base: str, env: dict, note_ids: list[int]):
        super().__init__(daemon=True)
        self.base = base
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--write", ",".join(map(str, note_ids))],
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            text=True,
        )
        self.saves, self.waits, self.failures = 0, [], []

    def run(self):
        for line in self.process.stdout:
            saved = json.loads(line)
            committed = time.monotonic()
            self.saves += 1
            for path in saved["pages"]:
                self.waits.append(self._wait_for(path, saved["marker"], committed))

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.join(timeout=30)

    def _wait_for(self, path: str, marker: str, committed: float) -> float:
        while True:
            status, body = _fetch(self.base + path)
            waited = time.monotonic() - committed
            if status == 200 and marker in body:
                return waited
            if waited > 10:
                self.failures.append(f"{path} did not show the saved note after 10 s")
                return waited


def measure(env: dict, url_file: Path, note_ids: list, seconds: int, label: str) -> list[str]:
    with Server(env) as server:
        paths = url_file.read_text().split()[1::2]
        for _ in range(2):  # every page cached before the runs
            for path in paths:
                _fetch(server.base + path)
        quiet = _wrk(server.base, url_file, seconds)
        writer = Writer(server.base, env, note_ids)
        writer.start()
        busy = _wrk(server.base, url_file, seconds)
        writer.stop()
    share = busy["rps"] / quiet["rps"]
    longest = max(writer.waits, default=0.0)
    print(
        f"{label}: {len(paths)} URLs; no writes {quiet['rps']:.0f} req/s "
        f"(p50 {quiet['p50_us'] / 1000:.1f} ms, p99 {quiet['p99_us'] / 1000:.1f} ms); "
        f"a note saved every {SAVE_EVERY:.0f} s ({writer.saves} saves) "
        f"{busy['rps']:.0f} req/s = {share:.0%} (p50 {busy['p50_us'] / 1000:.1f} ms, "
        f"p99 {busy['p99_us'] / 1000:.1f} ms); saved text on its pages after at most "
        f"{longest * 1000:.0f} ms; 5xx {quiet['s5xx'] + busy['s5xx']}"
    )
    failures = list(writer.failures)
    if share < MIN_THROUGHPUT_SHARE:
        failures.append(f"{label}: {share:.0%} of the throughput without writes (budget 80%)")
    if longest > MAX_STALE_SECONDS:
        failures.append(f"{label}: a saved note showed after {longest:.2f} s (budget 1 s)")
    if quiet["s5xx"] + busy["s5xx"]:
        failures.append(f"{label}: server errors")
    return failures


def _redis(workdir: Path):
    """A throwaway Redis server on a free port; returns (process, URL)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""],
        cwd=workdir,
        stdout=subprocess.DEVNULL,
    )
    time.sleep(0.5)
    return process, f"redis://127.0.0.1:{port}/0"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--talks", type=int, default=5000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--redis", action="store_true", help="run again with Redis as the cache")
    parser.add_argument("--write", help=argparse.SUPPRESS)  # the writer's process
    args = parser.parse_args(argv)
    if args.write:
        write([int(pk) for pk in args.write.split(",")])
        return 0
    if not wrk_available():
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2
    if args.redis and not shutil.which("redis-server"):
        print("redis-server is not installed: apt-get install redis-server", file=sys.stderr)
        return 2
    os.environ.pop("CACHE_URL", None)  # the default cache first
    with throwaway_workdir("confnotes-live-") as (env, workdir):
        return _run(env, workdir, args)


def _run(env, workdir: Path, args) -> int:
    generated_site(args.talks)
    from talks.models import Note

    paths = live_urls(random.Random(11))
    talk_paths = {p for p in paths if "/talks/" in p}
    note_ids = [
        note.pk
        for note in Note.objects.published()
        .filter(talk__isnull=False)
        .select_related("talk__conference", "talk__day__conference")[:2000]
        if note.talk.get_absolute_url() in talk_paths
    ]
    if not note_ids:
        print("no published note on a talk of the mix", file=sys.stderr)
        return 1
    url_file = workdir / "urls.txt"
    url_file.write_text("".join(f"1 {p}\n" for p in paths))
    failures = measure(env, url_file, note_ids[:50], args.seconds, "default cache (disk)")
    if args.redis:
        process, url = _redis(workdir)
        try:
            env = {**env, "CACHE_URL": url}
            failures += measure(env, url_file, note_ids[:50], args.seconds, "Redis")
        finally:
            process.terminate()
    if failures:
        print("\nBUDGETS MISSED:\n" + "\n".join(f"  - {f}" for f in failures))
        return 1
    print("\nall budgets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
