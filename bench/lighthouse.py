#!/usr/bin/env python
"""Lighthouse 12 on every page kind: a table of page × category scores.

    npm install --prefix bench/lighthouse      # once: lighthouse, pinned in its lock file
    python bench/lighthouse.py                 # seed site + one imported pyvideo event
    python bench/lighthouse.py --only home,talk --keep-reports /tmp/lh

The site is served as in production (bench/server.py: gunicorn, debug off, whitenoise,
collected static files) from a throwaway SQLite database holding the seed fixtures and
one pyvideo event. Lighthouse runs its default (mobile) preset in Debian's chromium
(CHROME_PATH, default /usr/bin/chromium), headless. Below the table, every audit that
kept a category under 100 is named. docs/lighthouse.md holds the last table.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.server import Server, throwaway_workdir  # noqa: E402

LIGHTHOUSE = ROOT / "bench" / "lighthouse" / "node_modules" / "lighthouse" / "cli" / "index.js"
PYVIDEO_TARBALL = ROOT.parent / "shared" / "data" / "pyvideo" / "pyvideo-data.tar.gz"
DEFAULT_EVENT = "djangocon-eu-2018"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
HEADINGS = ("Performance", "Accessibility", "Best practices", "SEO")
CHROME_FLAGS = "--headless=new --no-sandbox"


@dataclass
class Page:
    site: str  # "seed" or the pyvideo event's folder name
    kind: str
    path: str | None  # None: the site has no such page


@dataclass
class Result:
    page: Page
    status: int | None = None
    scores: dict[str, int | None] | None = None
    failing: list[str] | None = None  # "category: audit id (its lowest score)"
    error: str = ""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--pyvideo-event",
        default=DEFAULT_EVENT,
        help=f"event folder of {PYVIDEO_TARBALL.name} to import (default: {DEFAULT_EVENT})",
    )
    parser.add_argument("--only", default="", help="comma-separated page kinds to measure")
    parser.add_argument("--keep-reports", type=Path, help="folder for Lighthouse's JSON reports")
    parser.add_argument(
        "--runs", type=int, default=3, help="runs per page; the table shows each score's median"
    )
    args = parser.parse_args(argv)

    chrome = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
    if not Path(chrome).exists():
        sys.exit(f"chromium not found at {chrome}: apt-get install chromium, or set CHROME_PATH")
    if not LIGHTHOUSE.exists():
        sys.exit("Lighthouse is not installed: npm install --prefix bench/lighthouse")

    with throwaway_workdir("confnotes-lighthouse-") as (env, workdir):
        event = _build_site(workdir, args.pyvideo_event)
        pages = _pages(event)
        if args.only:
            wanted = set(args.only.split(","))
            pages = [page for page in pages if page.kind in wanted]
        reports = args.keep_reports or workdir / "reports"
        reports.mkdir(parents=True, exist_ok=True)
        with Server(env) as server:
            results = [
                _measure(server.base, page, chrome, reports, runs=args.runs) for page in pages
            ]
    print(_versions(chrome))
    print()
    print(table(results))
    problems = [
        f"- {r.page.site} {r.page.kind}: {line}" for r in results for line in (r.failing or [])
    ]
    errors = [f"- {r.page.site} {r.page.kind}: {r.error}" for r in results if r.error]
    if problems or errors:
        print("\nBelow 100 because of:")
        print("\n".join(errors + problems))
    return 0


def _build_site(workdir: Path, event: str) -> str | None:
    """Migrate, collect static files, load the seed fixtures and import `event` from the
    pyvideo tarball (when ../shared has it); index for search. The event's name, or None."""
    import django

    django.setup()
    from django.core.management import call_command

    from talks.importers.pyvideo import import_pyvideo
    from talks.search import search_rebuild

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    call_command("loaddata", *sorted(str(p) for p in (ROOT / "fixtures").glob("*.json")))
    imported = None
    if PYVIDEO_TARBALL.exists():
        folder = _extract_event(PYVIDEO_TARBALL, event, workdir / "pyvideo")
        summary = import_pyvideo([folder])
        print("\n".join(summary.lines()))
        imported = event
    else:
        print(f"{PYVIDEO_TARBALL} is absent: measuring the seed site only, no pyvideo event.")
    search_rebuild()
    return imported


def _extract_event(tarball: Path, event: str, target: Path) -> Path:
    """Unpack one event folder of the pyvideo tarball into `target`; its path."""
    prefix = f"pyvideo-data/{event}/"
    with tarfile.open(tarball) as archive:
        members = [m for m in archive.getmembers() if m.name.startswith(prefix)]
        if not members:
            sys.exit(f"{tarball.name} has no event folder {event!r}")
        archive.extractall(target, members=members, filter="data")
    return target / "pyvideo-data" / event


def _pages(event: str | None) -> list[Page]:
    """The pages to measure: every page kind of the seed site, and of the pyvideo event
    those that belong to one conference."""
    from django.db.models import Count
    from django.utils.text import slugify
    from taggit.models import Tag

    from speakers.models import Speaker
    from talks.models import Conference, Talk

    def of_conference(site: str, conference: Conference) -> list[Page]:
        talks = Talk.objects.filter(day__conference=conference, day__published=True)
        talk = talks.exclude(video_url="").order_by("day__date", "pk").first() or talks.first()
        speaker = Speaker.objects.filter(talks__in=talks).order_by("pk").first()
        # The conference's most used tag; the seed's 2019 talks have none, so for the
        # seed site the archive's most used one.
        tags = Tag.objects.annotate(n=Count("talks_taggedtalk_items")).order_by("-n", "pk")
        tag = tags.filter(talks_taggedtalk_items__content_object__in=talks).first()
        if tag is None and site == "seed":
            tag = tags.first()
        day = conference.days.filter(published=True).order_by("date").first()
        # The series page may not exist yet: it then shows as 404 in the table.
        series = slugify(conference.series)
        return [
            Page(site, "series", f"/series/{series}/" if series else None),
            Page(site, "conference", conference.get_absolute_url()),
            Page(site, "day", day.get_absolute_url() if day else None),
            Page(site, "talk", talk.get_absolute_url() if talk else None),
            Page(
                site,
                "talk with player",
                f"{talk.get_absolute_url()}?play=1" if talk and talk.video_url else None,
            ),
            Page(site, "speaker", speaker.get_absolute_url() if speaker else None),
            Page(site, "tag", f"/tags/{tag.slug}/" if tag else None),
        ]

    seed = Conference.objects.get(slug="djangocon-us-2019")
    pages = [
        Page("seed", "home", "/"),
        Page("seed", "archive", "/conferences/"),
        *of_conference("seed", seed),
        Page("seed", "search", "/search/?q=django"),
    ]
    if event:
        imported = Conference.objects.get(external_id=event)
        pages += of_conference(event, imported)
    return pages


def _measure(base: str, page: Page, chrome: str, reports: Path, *, runs: int) -> Result:
    """Lighthouse `runs` times on `page` (a run that fails is tried once more); the median
    of each category, and the audits below 100 in any run."""
    import urllib.error
    import urllib.request

    result = Result(page)
    if page.path is None:
        return result
    try:
        with urllib.request.urlopen(base + page.path, timeout=30) as response:
            result.status = response.status
    except urllib.error.HTTPError as error:
        result.status = error.code
    if result.status != 200:
        return result
    name = f"{page.site}-{page.kind}".replace(" ", "-")
    reports_made = []
    for run in range(runs):
        report = reports / f"{name}-{run + 1}.json"
        for _attempt in range(2):
            data, result.error = _lighthouse(base + page.path, chrome, report)
            if not result.error:
                reports_made.append(data)
                break
    if not reports_made:
        return result
    result.scores = {
        c: (
            None
            if any(d["categories"][c]["score"] is None for d in reports_made)
            else round(statistics.median(d["categories"][c]["score"] for d in reports_made) * 100)
        )
        for c in CATEGORIES
    }
    lowest = {}
    for data in reports_made:
        for audit, score in _failing_audits(data):
            lowest[audit] = min(score, lowest.get(audit, 1))
    result.failing = [
        f"{audit} (lowest score {score} in {len(reports_made)} runs)"
        for audit, score in sorted(lowest.items())
    ]
    return result


def _lighthouse(url: str, chrome: str, report: Path) -> tuple[dict | None, str]:
    """One Lighthouse run: its report, or an error message."""
    command = [
        "node",
        str(LIGHTHOUSE),
        url,
        "--output=json",
        f"--output-path={report}",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={CHROME_FLAGS}",
        "--quiet",
    ]
    report.unlink(missing_ok=True)
    done = subprocess.run(
        command, env={**os.environ, "CHROME_PATH": chrome}, capture_output=True, text=True
    )
    if done.returncode != 0 or not report.exists():
        return None, (done.stderr or done.stdout).strip()[-500:] or "Lighthouse failed"
    data = json.loads(report.read_text())
    if data.get("runtimeError"):
        return None, data["runtimeError"].get("message", "runtime error")
    return data, ""


def _failing_audits(data: dict) -> list[tuple[str, float]]:
    """("category: audit", score) for each scored audit below 1 in a report."""
    audits = data["audits"]
    return [
        (f"{c}: {ref['id']}", audits[ref["id"]]["score"] or 0)
        for c in CATEGORIES
        for ref in data["categories"][c]["auditRefs"]
        if ref["weight"] > 0
        and audits[ref["id"]]["scoreDisplayMode"] in ("binary", "numeric", "metricSavings")
        and (audits[ref["id"]]["score"] or 0) < 1
    ]


def table(results: list[Result]) -> str:
    """A Markdown table: one row per page, one column per category."""
    lines = [
        "| site | page | path | " + " | ".join(HEADINGS) + " |",
        "| --- | --- | --- | " + " | ".join("---:" for _ in HEADINGS) + " |",
    ]
    for r in results:
        if r.scores is None:
            why = "no such page" if r.page.path is None else (r.error and "error") or r.status
            cells = [f"n/a ({why})"] * len(CATEGORIES)
        else:
            cells = ["–" if r.scores[c] is None else str(r.scores[c]) for c in CATEGORIES]
        path = f"`{r.page.path}`" if r.page.path else ""
        lines.append(f"| {r.page.site} | {r.page.kind} | {path} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _versions(chrome: str) -> str:
    lighthouse = json.loads((LIGHTHOUSE.parent.parent / "package.json").read_text())["version"]
    browser = subprocess.run([chrome, "--version"], capture_output=True, text=True).stdout.strip()
    node = (
        shutil.which("node")
        and subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    )
    return f"Lighthouse {lighthouse}, {browser}, node {node}"


if __name__ == "__main__":
    sys.exit(main())
