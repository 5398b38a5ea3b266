import os

from django.core.management.base import CommandError

from confnotes.commands import ReportingCommand
from talks.exporters.static_site import ExportFailed, export_static


class Command(ReportingCommand):
    help = (
        "Write the published site (pages, feeds, calendars, sitemap, static and media files) "
        "into OUTDIR as static files with relative links."
    )

    def add_arguments(self, parser):
        parser.add_argument("outdir", help="An empty or new folder, or an earlier export.")
        parser.add_argument(
            "--base-url",
            default="http://localhost:8000",
            help="Where the site will be served; absolute links (canonical, feeds, sitemap) "
            "name it. Default: %(default)s",
        )
        parser.add_argument(
            "--incremental",
            action="store_true",
            help="Update the earlier export in OUTDIR: write again only the files of pages "
            "that changed since, remove those of pages that are gone.",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=len(os.sched_getaffinity(0)),
            help="Processes that render pages. Default: one per CPU (%(default)s).",
        )

    def handle(self, *args, outdir, base_url, incremental, workers, **options):
        if workers < 1:
            raise CommandError("--workers must be 1 or more")
        try:
            summary = export_static(
                outdir,
                base_url=base_url,
                incremental=incremental,
                workers=workers,
                stdout=self.stdout,
            )
        except ExportFailed as exc:
            raise CommandError(str(exc)) from exc
        for url, referrer in list(summary.missing.items())[:20]:
            self.stdout.write(f"Led nowhere: {url} (linked from {referrer})")
        self.stdout.write(str(summary), self.style.SUCCESS)
