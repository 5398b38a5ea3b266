from django.core.management.base import CommandError

from confnotes.commands import ReportingCommand
from talks.importers.common import ImportFailed
from talks.importers.seed import import_seed


class Command(ReportingCommand):
    help = (
        "Load the seed fixtures once: add the objects the database lacks, keep every row "
        "that exists as it is (what writers changed stays), and say what was added and "
        "what was kept. In one transaction; safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FIXTURE", help="e.g. fixtures/*.json")

    def handle(self, *args, files, verbosity, **options):
        try:
            summary = import_seed(files)
        except ImportFailed as exc:
            raise CommandError(f"{exc} (nothing was loaded)") from None
        for line in summary.lines(every_row=verbosity >= 2):
            self.stdout.write(line)
