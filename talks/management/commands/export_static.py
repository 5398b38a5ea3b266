from django.core.management.base import BaseCommand, CommandError

from talks.exporters.static_site import ExportFailed, export_static


class Command(BaseCommand):
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

    def handle(self, *args, outdir, base_url, **options):
        try:
            summary = export_static(outdir, base_url=base_url, stdout=self.stdout)
        except ExportFailed as exc:
            raise CommandError(str(exc)) from exc
        for url, referrer in list(summary.missing.items())[:20]:
            self.stdout.write(f"Led nowhere: {url} (linked from {referrer})")
        self.stdout.write(self.style.SUCCESS(str(summary)))
