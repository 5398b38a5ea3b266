from django.core.management.base import BaseCommand, CommandError

from talks.exporters.schedule import FORMATS, export_schedule
from talks.models import Conference


class Command(BaseCommand):
    help = "Print a conference as a frab-compatible schedule (JSON or XML) on stdout."

    def add_arguments(self, parser):
        parser.add_argument("conference", metavar="CONFERENCE_SLUG")
        parser.add_argument("--format", choices=FORMATS, default="json")
        parser.add_argument(
            "--base-url",
            default="",
            metavar="URL",
            help="The site's address (https://notes.example.org), to make talk URLs absolute.",
        )

    def handle(self, *args, conference, format, base_url, **options):
        found = Conference.objects.filter(slug=conference).first()
        if found is None:
            raise CommandError(f"No conference with the slug {conference!r}.")
        self.stdout.write(export_schedule(found, fmt=format, base_url=base_url), ending="")
