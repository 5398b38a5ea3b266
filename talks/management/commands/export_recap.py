from pathlib import Path

from django.core.management.base import CommandError

from confnotes.commands import ReportingCommand
from talks.exporters.recap import export_recap
from talks.importers.recap import day_by_path
from talks.models import Day


class Command(ReportingCommand):
    help = (
        "Write a day's published notes as one Markdown recap, with a heading per talk, "
        "its slides and video, and where the notes were first published. "
        "`import_recap` reads it back."
    )
    data_on_stdout = True  # The document; messages go to stderr.

    def add_arguments(self, parser):
        parser.add_argument("day", metavar="CONFERENCE_SLUG/DAY_SLUG")
        parser.add_argument("-o", "--output", metavar="FILE", help="Default: standard output.")

    def handle(self, *args, day, output, **options):
        try:
            the_day = day_by_path(day)
        except Day.DoesNotExist as exc:
            raise CommandError(str(exc)) from None
        markdown = export_recap(the_day)
        if not markdown:
            raise CommandError(f"{day}: the day has no published notes to export")
        if output:
            Path(output).write_text(markdown, encoding="utf-8")
        else:
            self.stdout.write(markdown, ending="")
