#!/usr/bin/env python
"""The confnotes benchmark: archives of several sizes, gunicorn, wrk, one table.

    python bench/run.py            # 500, 5,000 and 21,000 talks, plus import and search timings
    python bench/run.py --quick    # 500 talks, under a minute; exit status 1 if a budget is missed

Every figure of a size comes from one run against one server, beside
references measured in the same run: the floor (a Django view returning a
constant string through the same server and middleware), the bare floor (the
same view in a Django app with no middleware, bench/bare_app.py), the bare app
sending each page's very bytes and headers ("% bare same"), and the ceiling
(the same page's HTML served as a static file by the same server software).
See docs/benchmarks.md.
"""

import argparse
import itertools
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.server import (  # noqa: E402
    Server,
    WrkResult,
    bench_environment,
    drop_throwaway_postgres,
    run_wrk,
    static_server,
    wrk_available,
)

SIZES = (500, 5000, 21000)
PYVIDEO_TARBALL = ROOT.parent / "shared" / "data" / "pyvideo" / "pyvideo-data.tar.gz"

# Budgets of the "fast at archive scale" issue (measured at 21,000 talks).
MAX_QUERIES = 6
# "List pages (archive, tag, speaker, search)": a speaker's talks and the speakers A-Z both.
LIST_PAGES = ("archive", "speaker", "speakers", "tag", "search")
# The JSON API's lists (bench/api.py): uncached at 5% of the floor too.
API_LIST_KINDS = (
    "api talks",
    "api conferences",
    "api days",
    "api speakers",
    "api tags",
    "api notes",
)
MIN_FLOOR_SHARE = {"day": 0.10, **dict.fromkeys((*LIST_PAGES, *API_LIST_KINDS), 0.05)}
MIN_CACHED_FLOOR_SHARE = 0.70
# Of the bare floor (Django with no middleware): a reader with no cookie costs no session,
# auth, CSRF or lockout work.
MIN_CACHED_BARE_SHARE = 0.85
# The first reader after an edit, every cache the edit expired cold.
MAX_AFTER_EDIT_P50_MS = {"day": 10, "talk": 10, **dict.fromkeys(LIST_PAGES, 20)}
MAX_UNLOADED_P50_MS = {
    "day": 10,
    "archive": 20,
    "speaker": 20,
    "speakers": 20,
    "tag": 20,
    "search": 25,
}
MAX_DEEP_PAGE_RATIO = 1.3
MAX_DAY_HTML = 100 * 1024
MAX_STYLESHEET = 20 * 1024
MAX_IMPORT_SECONDS = 20
MAX_IMPORT_MB = 300
# Any script but JSON-LD data counts as JavaScript served with a page.
SCRIPT_TAG = re.compile(rb"<script\b(?![^>]*application/ld\+json)[^>]*>", re.IGNORECASE)


@dataclass
class Mode:
    seconds: int  # cap of each wrk run
    limit: int  # responses per wrk thread before a run stops (0: run for `seconds`)
    unloaded_samples: int


QUICK = Mode(seconds=1, limit=100, unloaded_samples=7)
FULL = Mode(seconds=3, limit=0, unloaded_samples=15)


@dataclass
class Row:
    kind: str
    variant: str  # cached, 304, uncached, floor, static
    note: str = ""
    queries: int | None = None
    result: WrkResult | None = None
    floor_share: float | None = None
    bare_share: float | None = None
    same_share: float | None = None  # of the bare app sending the same bytes and headers
    ceiling_share: float | None = None
    unloaded_p50_ms: float | None = None
    after_edit_p50_ms: float | None = None


@dataclass
class SizeReport:
    label: str
    talks: int
    rows: list[Row] = field(default_factory=list)
    queries: dict[str, int] = field(default_factory=dict)
    unavailable: list[str] = field(default_factory=list)
    deep_pages: dict[str, tuple[float, float]] = field(default_factory=dict)
    day_html_bytes: int = 0
    script_pages: list[str] = field(default_factory=list)
    import_figures: str = ""
    socket_errors: int = 0
    bad_status: int = 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 talks only, under a minute")
    parser.add_argument("--sizes", help="comma-separated talk counts (default 500,5000,21000)")
    parser.add_argument("--seconds", type=int, help="length of each wrk run")
    parser.add_argument(
        "--no-pyvideo",
        action="store_true",
        help="generate the largest archive even when the pyvideo tarball and importer exist",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work folder (database, HTML)")
    args = parser.parse_args(argv)
    if not wrk_available():
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2
    mode = QUICK if args.quick else FULL
    if args.seconds:
        mode = Mode(seconds=args.seconds, limit=0, unloaded_samples=mode.unloaded_samples)
    sizes = (
        [int(s) for s in args.sizes.split(",")]
        if args.sizes
        else SIZES[:1]
        if args.quick
        else SIZES
    )
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="confnotes-bench-"))
    env = bench_environment(workdir)
    os.environ.update(env)
    try:
        reports, extras = _run(env, workdir, sizes, mode, args)
    finally:
        drop_throwaway_postgres(env["DATABASE_URL"])
        if args.keep:
            print(f"work folder kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print_table(reports, extras)
    failures = check_budgets(reports, extras)
    print(f"\ntotal time: {time.monotonic() - started:.0f} s")
    if failures:
        print("\nBUDGETS MISSED:")
        for failure in failures:
            print(f"  - {failure}")
        return 1
    print("\nall budgets met")
    return 0


def _run(env, workdir: Path, sizes, mode: Mode, args):
    import django

    django.setup()
    from django.core.management import call_command, get_commands

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    extras = {"stylesheet_bytes": _stylesheet_bytes(workdir / "static")}
    reports = []
    for index, size in enumerate(sizes):
        if index:
            call_command("flush", verbosity=0, interactive=False)
        use_pyvideo = (
            size == max(sizes)
            and not args.quick
            and not args.no_pyvideo
            and PYVIDEO_TARBALL.exists()
            and "import_pyvideo" in get_commands()
        )
        report = _build(env, size, use_pyvideo)
        if report.import_figures:
            extras["import"] = report.import_figures
            extras["import_raw"] = report._import_raw  # type: ignore[attr-defined]
        _measure(report, env, workdir, mode)
        reports.append(report)
        if len(sizes) > 1:
            print_table([report], extras)  # the figures so far, in case a later size fails
        if size == max(sizes) and not args.quick:
            extras.update(_search_figures(env))
    return reports, extras


def _build(env, size: int, use_pyvideo: bool) -> SizeReport:
    from bench.archive import add_notes, build_archive
    from talks.models import Conference, Talk
    from talks.signals import content_imported

    t0 = time.monotonic()
    if use_pyvideo:
        wall, peak_mb, output = _timed_import(env)
        notes = add_notes()
        talks = Talk.objects.count()
        report = SizeReport(label=f"pyvideo ({talks:,} talks)", talks=talks)
        report.import_figures = (
            f"import_pyvideo of {PYVIDEO_TARBALL.name}: {wall:.1f} s wall, "
            f"{peak_mb:.0f} MB peak RSS; {output}"
        )
        report._import_raw = (wall, peak_mb)  # type: ignore[attr-defined]
        print(f"[{size}] imported pyvideo: {talks} talks, added {notes} generated notes")
    else:
        stats = build_archive(talks=size)
        report = SizeReport(label=f"{stats.talks:,} talks", talks=stats.talks)
        print(
            f"[{size}] generated {stats.conferences} conferences, {stats.days} days, "
            f"{stats.talks} talks, {stats.speakers} speakers, {stats.notes} notes "
            f"in {time.monotonic() - t0:.1f} s"
        )
    # Caches and the search index refresh as after any import.
    content_imported.send(
        sender=None, conference_ids=list(Conference.objects.values_list("pk", flat=True))
    )
    return report


def _timed_import(env) -> tuple[float, float, str]:
    """Run `manage.py import_pyvideo` on the tarball; wall time, peak RSS (MB), last line."""
    cmd = [sys.executable, str(ROOT / "manage.py"), "import_pyvideo", str(PYVIDEO_TARBALL)]
    t0 = time.monotonic()
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    output = proc.stdout.read().decode(errors="replace")
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise RuntimeError(f"import_pyvideo failed:\n{output[-3000:]}")
    last = next((ln for ln in reversed(output.splitlines()) if ln.strip()), "")
    return wall, usage.ru_maxrss / 1024, last.strip()


def _stylesheet_bytes(static_root: Path) -> int:
    css = sorted(static_root.glob("css/confnotes.*.css")) or sorted(
        static_root.glob("css/confnotes.css")
    )
    return max((p.stat().st_size for p in css if not p.name.endswith(".gz")), default=0)


def _measure(report: SizeReport, env, workdir: Path, mode: Mode) -> None:
    from bench.pages import KINDS, LIST_KINDS, measure_page, pick_pages

    pages = pick_pages()
    ceiling_dir = workdir / f"ceiling-{report.talks}"
    ceiling_dir.mkdir()
    for kind in KINDS:
        page = measure_page(pages[kind])
        if not page.available:
            report.unavailable.append(kind)
            continue
        report.queries[kind] = page.queries
        (ceiling_dir / f"{kind}.html").write_bytes(page.html)
        (ceiling_dir / f"{kind}.headers.json").write_text(json.dumps(page.headers))
        if SCRIPT_TAG.search(page.html):
            report.script_pages.append(kind)
    if "day" in report.queries:
        report.day_html_bytes = pages["day"].html_bytes
    from bench.api import measure_api_queries

    api_pages = measure_api_queries()
    bust = secrets.token_hex(4)
    same = {}  # page kind -> the bare app sending that page's bytes and headers
    with Server({**env, "BENCH_STATIC_DIR": str(ceiling_dir)}, app="bench.bare_app") as bare:
        _warm(bare.base + "/_bench/floor/")
        bare_floor = _wrk(bare.base + "/_bench/floor/", mode, bust=bust)
        for kind in report.queries:
            _warm(f"{bare.base}/_bench/same/{kind}/")
            same[kind] = _wrk(f"{bare.base}/_bench/same/{kind}/", mode)
    report.rows.append(Row("floor", "bare", "constant string, no middleware", result=bare_floor))
    for api_page in api_pages:  # after the bare app's pages: it serves the HTML ones only
        report.queries[api_page.kind] = api_page.queries
        if api_page.last_queries is not None:
            report.queries[f"{api_page.kind}, last page"] = api_page.last_queries
    with Server(env) as app, static_server(env, ceiling_dir) as ceiling:
        floor = _wrk(app.base + "/_bench/floor/", mode, bust=bust)
        report.rows.append(
            Row("floor", "uncached", "constant string, same middleware", result=floor)
        )
        for kind in KINDS:
            if kind not in report.queries:
                continue
            page = pages[kind]
            url = app.base + page.url
            print(f"[{report.talks}] {kind}: {page.url}", flush=True)
            # One request at a time first, while the server is idle: after a
            # wrk run, the requests still queued in the workers would be timed too.
            unloaded = _unloaded_p50(url, mode.unloaded_samples)
            after_edit = _after_edit_p50(url, page.edit, mode.unloaded_samples)
            if kind in LIST_KINDS:
                last = _last_page(url)
                if last:
                    report.deep_pages[kind] = (unloaded, _unloaded_p50(last, mode.unloaded_samples))
            _warm(url)
            static = _wrk(f"{ceiling.base}/{kind}.html", mode)
            etag = _etag(url)
            variants = [("cached", _wrk(url, mode), page.cached_queries)]
            if etag:
                variants.append(("304", _wrk(url, mode, etag=etag), page.cached_queries))
            variants.append(("uncached", _wrk(url, mode, bust=bust), page.queries))
            for variant, result, queries in variants:
                row = Row(kind, variant, page.note, queries=queries, result=result)
                row.floor_share = result.rps / floor.rps if floor.rps else None
                row.bare_share = result.rps / bare_floor.rps if bare_floor.rps else None
                if variant == "cached" and same[kind].rps:
                    row.same_share = result.rps / same[kind].rps
                row.ceiling_share = result.rps / static.rps if static.rps else None
                if variant == "uncached":
                    row.unloaded_p50_ms = unloaded
                    row.after_edit_p50_ms = after_edit
                report.rows.append(row)
            report.rows.append(Row(kind, "static", "same HTML as a file", result=static))
        for api_page in api_pages:
            _measure_api(report, app.base, api_page, floor, bare_floor, mode)
    for row in report.rows:
        if row.result:
            report.socket_errors += row.result.errors
            report.bad_status += row.result.bad_status


def _measure_api(report: SizeReport, base: str, page, floor, bare_floor, mode: Mode) -> None:
    """An API list (bench/api.py): cached and uncached under load, beside the floor, and
    its first and last pages one request at a time (uncached)."""
    from bench.api import COOKIE, get_uncached

    url = base + page.url
    print(f"[{report.talks}] {page.kind}: {page.url}", flush=True)
    first = _unloaded_api_p50(url, mode.unloaded_samples, get_uncached)
    if page.last_url:
        last = _unloaded_api_p50(base + page.last_url, mode.unloaded_samples, get_uncached)
        report.deep_pages[page.kind] = (first, last)
    _warm(url)
    variants = [
        ("cached", _wrk(url, mode), 0),
        ("uncached", _wrk(url, mode, cookie=COOKIE), page.queries),
    ]
    for variant, result, queries in variants:
        row = Row(page.kind, variant, page.note, queries=queries, result=result)
        row.floor_share = result.rps / floor.rps if floor.rps else None
        row.bare_share = result.rps / bare_floor.rps if bare_floor.rps else None
        if variant == "uncached":
            row.unloaded_p50_ms = first
        report.rows.append(row)


def _unloaded_api_p50(url: str, samples: int, get) -> float:
    times = []
    for n in range(samples + 2):
        t0 = time.perf_counter()
        get(url)
        if n >= 2:
            times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def _wrk(url: str, mode: Mode, *, bust: str = "", etag: str = "", cookie: str = "") -> WrkResult:
    return run_wrk(
        url,
        seconds=mode.seconds,
        limit=mode.limit,
        bust=bust,
        etag=etag,
        extra_env={"BENCH_COOKIE": cookie},
    )


def _get(url: str, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, b""


def _warm(url: str) -> None:
    for _ in range(6):
        _get(url)


def _etag(url: str) -> str:
    status, headers, _ = _get(url)
    etag = headers.get("ETag", "") if status == 200 else ""
    if etag and _get(url, {"If-None-Match": etag})[0] == 304:
        return etag
    return ""


def _unloaded_p50(url: str, samples: int) -> float:
    """Median time of one request at a time, each a cache miss (a unique query parameter)."""
    sep = "&" if "?" in url else "?"
    token = secrets.token_hex(4)
    times = []
    for n in range(samples + 2):
        t0 = time.perf_counter()
        _get(f"{url}{sep}bench=u{token}-{n}")
        if n >= 2:  # the first requests warm the worker's connection and templates
            times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def _after_edit_p50(url: str, edit, samples: int) -> float | None:
    """Median time of the first request after a writer's save of something the page
    shows (`Page.edit`), made here, in another process than the server's: the page
    and whatever the save expired (rows, ids, counts) are cold."""
    if edit is None:
        return None
    times = []
    for n in range(samples + 2):
        edit()
        t0 = time.perf_counter()
        _get(url)
        if n >= 2:
            times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def _last_page(url: str) -> str:
    """The URL of the last page of a paginated list, read from its first page."""
    status, _, body = _get(url)
    match = re.search(rb"Page 1 of (\d+)", body)
    if status != 200 or not match or int(match.group(1)) < 2:
        return ""
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}page={int(match.group(1))}"


def _search_figures(env) -> dict:
    """The search query mix (bench/search_bench.py) when that benchmark exists."""
    script = Path(__file__).with_name("search_bench.py")
    if not script.exists():
        return {"search": "search benchmark: not available (bench/search_bench.py missing)"}
    out = subprocess.run(
        [sys.executable, str(script)],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=900,
    )
    text = (out.stdout + ("\n" + out.stderr if out.returncode else "")).strip()
    from bench.search_bench import BUDGETS_MISSED

    return {
        "search": text,
        "search_missed": out.returncode == BUDGETS_MISSED,
        "search_failed": out.returncode not in (0, BUDGETS_MISSED),
    }


# ---------------------------------------------------------------------------
# Output


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def print_table(reports: list[SizeReport], extras: dict) -> None:
    header = (
        "size", "page", "variant", "queries", "req/s", "p50 ms", "p95 ms", "% floor",
        "% bare", "% bare same", "% static", "unloaded p50 ms", "after edit p50 ms",
        "page holds",
    )  # fmt: skip
    lines = []
    for report in reports:
        for row in report.rows:
            r = row.result
            lines.append(
                (
                    report.label, row.kind, row.variant,
                    "" if row.queries is None else str(row.queries),
                    f"{r.rps:.0f}", f"{r.p50_ms:.1f}", f"{r.p95_ms:.1f}",
                    _pct(row.floor_share), _pct(row.bare_share), _pct(row.same_share),
                    _pct(row.ceiling_share),
                    "" if row.unloaded_p50_ms is None else f"{row.unloaded_p50_ms:.1f}",
                    "" if row.after_edit_p50_ms is None else f"{row.after_edit_p50_ms:.1f}",
                    row.note,
                )
            )  # fmt: skip
        for kind in report.unavailable:
            lines.append((report.label, kind, "not available", *[""] * 11))
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    fmt = " | ".join(f"{{:{'<' if i in (0, 1, 2, 13) else '>'}{w}}}" for i, w in enumerate(widths))
    print()
    print("| " + fmt.format(*header) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for line in lines:
        print("| " + fmt.format(*line) + " |")
    print()
    for report in reports:
        deep = ", ".join(
            f"{kind} {last / first:.2f}x ({first:.1f} -> {last:.1f} ms)"
            for kind, (first, last) in report.deep_pages.items()
        )
        print(f"{report.label}: deep pagination, last page vs first: {deep or 'n/a'}")
        print(
            f"{report.label}: day page HTML {report.day_html_bytes / 1024:.1f} KB; "
            f"pages with <script>: {', '.join(report.script_pages) or 'none'}; "
            f"socket errors {report.socket_errors}, non-2xx/3xx {report.bad_status}"
        )
    print(f"stylesheet: {extras['stylesheet_bytes'] / 1024:.1f} KB (one file)")
    if extras.get("import"):
        print(extras["import"])
    if extras.get("search"):
        print(extras["search"])


def check_budgets(reports: list[SizeReport], extras: dict) -> list[str]:
    """Every budget of the issue that the largest size misses, one line each."""
    failures = []
    largest = reports[-1]
    for report in reports:
        for kind, n in report.queries.items():
            if n > MAX_QUERIES:
                failures.append(f"{report.label}: {kind} runs {n} queries (budget {MAX_QUERIES})")
    for kind in reports[0].queries:
        # More queries on a larger archive is a query per row. Fewer can be the data:
        # no pyvideo talk has a start time, so its calendars load no speakers.
        counts = {r.label: r.queries.get(kind) for r in reports}
        found = [n for n in counts.values() if n is not None]
        if any(later > earlier for earlier, later in itertools.pairwise(found)):
            failures.append(f"{kind}: query count grows with archive size: {counts}")
    # (variants, figure of the row, budget: one, or by page kind; at least or at most, label)
    checks = [
        (("uncached",), "floor_share", MIN_FLOOR_SHARE, min, "of the floor"),
        (("cached", "304"), "floor_share", MIN_CACHED_FLOOR_SHARE, min, "of the floor"),
        (("cached", "304"), "bare_share", MIN_CACHED_BARE_SHARE, min, "of the bare floor"),
        (("uncached",), "unloaded_p50_ms", MAX_UNLOADED_P50_MS, max, "unloaded p50"),
        (("uncached",), "after_edit_p50_ms", MAX_AFTER_EDIT_P50_MS, max, "after an edit: p50"),
    ]
    for row in largest.rows:
        where = f"{largest.label}: {row.kind} {row.variant}"
        for variants, figure, budgets, bound, label in checks:
            value = getattr(row, figure)
            budget = budgets.get(row.kind) if isinstance(budgets, dict) else budgets
            if row.variant not in variants or value is None or budget is None:
                continue
            if bound is min and value < budget:
                failures.append(f"{where} at {_pct(value)} {label} (budget {_pct(budget)})")
            elif bound is max and value > budget:
                failures.append(f"{where} {label} {value:.1f} ms (budget {budget} ms)")
    for kind, (first, last) in largest.deep_pages.items():
        if first and last / first > MAX_DEEP_PAGE_RATIO:
            failures.append(
                f"{largest.label}: {kind} last page {last:.1f} ms is {last / first:.2f}x the first "
                f"({first:.1f} ms; budget {MAX_DEEP_PAGE_RATIO}x)"
            )
    if largest.day_html_bytes > MAX_DAY_HTML:
        failures.append(f"day page HTML {largest.day_html_bytes / 1024:.0f} KB (budget 100 KB)")
    if extras["stylesheet_bytes"] > MAX_STYLESHEET:
        failures.append(f"stylesheet {extras['stylesheet_bytes'] / 1024:.1f} KB (budget 20 KB)")
    for report in reports:
        if report.script_pages:
            failures.append(f"{report.label}: <script> on {', '.join(report.script_pages)}")
        if report.socket_errors or report.bad_status:
            failures.append(
                f"{report.label}: {report.socket_errors} socket errors, "
                f"{report.bad_status} responses other than 2xx/3xx"
            )
    if "import_raw" in extras:
        wall, peak = extras["import_raw"]
        if wall > MAX_IMPORT_SECONDS or peak > MAX_IMPORT_MB:
            failures.append(
                f"pyvideo import {wall:.1f} s, {peak:.0f} MB "
                f"(budget {MAX_IMPORT_SECONDS} s, {MAX_IMPORT_MB} MB)"
            )
    if extras.get("search_missed"):
        failures.append("search: a budget missed (its figures above)")
    if extras.get("search_failed"):
        failures.append("search benchmark failed (see its output above)")
    return failures


if __name__ == "__main__":
    sys.exit(main())
