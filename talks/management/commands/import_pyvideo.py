import os

from django.core.management.base import CommandError

from confnotes.commands import ReportingCommand
from talks.importers.pyvideo import import_pyvideo


class Command(ReportingCommand):
    help = (
        "Import pyvideo.org data: an event folder (category.json + videos/*.json), a data "
        "root holding many, or a .tar.gz of a root (read without unpacking). Each event is "
        "imported whole or not at all; re-running updates in place."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument(
            "--workers",
            type=int,
            default=1 if (os.cpu_count() or 1) > 1 else 0,
            help="Processes that render abstracts while events are written "
            "(0: render in this process). Default: 1 on a machine with several CPUs.",
        )

    def handle(self, *args, paths, workers, **options):
        if workers < 0:
            raise CommandError("--workers must be 0 or more")
        summary = import_pyvideo(paths, stdout=self.stdout, workers=workers)
        for line in summary.lines():
            self.stdout.write(line)
        if summary.failures or summary.bad_records:
            # One line each: "<file>: <record>: <problem>"; every good event is imported.
            raise CommandError("\n".join([*summary.failures, *summary.bad_records]))
