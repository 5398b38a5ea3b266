from django.core.management.base import CommandError

from confnotes.commands import ReportingCommand
from talks.exporters.pyvideo import ExportFailed, conference_for_export, export_pyvideo


class Command(ReportingCommand):
    help = (
        "Write a conference as a pyvideo.org event folder, OUTDIR/<folder>/category.json "
        "and videos/*.json, which import_pyvideo reads back to the same data."
    )

    def add_arguments(self, parser):
        parser.add_argument("conference", metavar="CONFERENCE_SLUG")
        parser.add_argument("outdir", metavar="OUTDIR")

    def handle(self, *args, conference, outdir, **options):
        try:
            export_pyvideo(conference_for_export(conference), outdir, stdout=self.stdout)
        except ExportFailed as exc:
            raise CommandError(str(exc)) from None
