#!/usr/bin/env python
"""The static export of the database in DATABASE_URL: whole, then incremental after one edit.

    DATABASE_URL=sqlite:////tmp/archive.sqlite3 python bench/export_bench.py OUTDIR

Runs `manage.py export_static OUTDIR` (unless `--incremental-only`), edits one
published note (creates one when there is none), runs `export_static OUTDIR
--incremental`, then once more with nothing changed. For each run: wall time,
CPU time (user and system, of the command and the worker processes it waited
for), the files it wrote (by modification time) and the load average around
it, since other work on the machine stretches wall times. Uses the CACHE_URL
of the environment: the incremental export needs a cache every process shares
(the default disk cache, or Redis), not `locmemcache://`.
"""

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def run_export(outdir: Path, *extra: str) -> dict:
    """Run export_static in its own process; its times, files written and last line."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_before = os.getloadavg()[0]
    mark = time.time()
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "manage.py", "export_static", str(outdir), *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    files = [p for p in outdir.rglob("*") if p.is_file() and p.name != ".confnotes-export.json"]
    return {
        "wall": wall,
        "user": after.ru_utime - before.ru_utime,
        "sys": after.ru_stime - before.ru_stime,
        "written": sum(1 for p in files if p.stat().st_mtime >= mark),
        "files": len(files),
        "megabytes": sum(p.stat().st_size for p in files) / 1_000_000,
        "load": (load_before, os.getloadavg()[0]),
        "summary": done.stdout.strip().splitlines()[-1],
    }


def edit_one_note() -> str:
    """Edit (or create) one published note about a talk; what was edited."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "confnotes.settings")
    django.setup()
    from talks.models import Note, Talk

    note = Note.objects.filter(published=True, talk__isnull=False).order_by("pk").first()
    if note is None:
        talk = Talk.objects.published().order_by("-conference__start_date", "pk").first()
        note = Note(talk=talk, body="A note written for the export benchmark.", published=True)
    note.body += f"\n\nEdited at {time.time():.0f} by bench/export_bench.py."
    note.save()
    return f"note {note.pk} about {note.talk.get_absolute_url()}"


def report(name: str, figures: dict) -> None:
    print(
        f"{name}: wall {figures['wall']:.1f} s, CPU {figures['user']:.1f} s user "
        f"+ {figures['sys']:.1f} s sys; wrote {figures['written']} of {figures['files']} "
        f"file(s), {figures['megabytes']:.0f} MB; load average "
        f"{figures['load'][0]:.1f} before, {figures['load'][1]:.1f} after\n  {figures['summary']}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument(
        "--incremental-only", action="store_true", help="OUTDIR holds an export already."
    )
    args = parser.parse_args()
    if not args.incremental_only:
        report("full export", run_export(args.outdir))
    print(f"edited {edit_one_note()}", flush=True)
    report("incremental after one edit", run_export(args.outdir, "--incremental"))
    report("incremental, nothing changed", run_export(args.outdir, "--incremental"))


if __name__ == "__main__":
    main()
