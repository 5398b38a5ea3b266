from django.core.management.base import CommandError

from confnotes.commands import ReportingCommand
from talks.exporters.schedule import FORMATS, ExportFailed, schedule_export
from talks.models import Conference


class Command(ReportingCommand):
    help = (
        "Print a conference as a frab schedule (JSON or XML) on stdout; its summary, "
        "with any source values kept that the frab schema refuses, goes to stderr."
    )
    data_on_stdout = True  # The document; messages go to stderr.

    def add_arguments(self, parser):
        parser.add_argument("conference", metavar="CONFERENCE_SLUG")
        parser.add_argument("--format", choices=FORMATS, default="json")
        parser.add_argument(
            "--base-url",
            default=None,
            metavar="URL",
            help="The site's address (https://notes.example.org), to make talk URLs "
            "absolute; default: the CONFNOTES_BASE_URL setting.",
        )

    def handle(self, *args, conference, format, base_url, **options):
        found = Conference.objects.filter(slug=conference).first()
        if found is None:
            raise CommandError(f"No conference with the slug {conference!r}.")
        try:
            export = schedule_export(found, fmt=format, base_url=base_url)
        except ExportFailed as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(export.text, ending="")
        for line in export.lines():
            self.stderr.write(line, style_func=str)
