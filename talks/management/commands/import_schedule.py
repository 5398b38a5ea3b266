from django.core.management.base import CommandError

from confnotes.commands import ReportingCommand
from confnotes.history.versions import RevisionLog
from talks.importers.common import ImportFailed, ImportSummary, revision_comment
from talks.importers.schedule import import_schedule


class Command(ReportingCommand):
    help = (
        "Import frab or pretalx schedules (schedule.json or schedule.xml, told apart by "
        "their content). Each file is imported whole or not at all; re-running updates "
        "in place."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")

    def handle(self, *args, files, **options):
        total, failures = ImportSummary(), []
        # One revision of the history for the whole run, whatever the number of files.
        history = RevisionLog(revision_comment("import_schedule", files))
        for path in files:
            try:
                summary = import_schedule(path, stdout=self.stdout, history=history)
            except ImportFailed as exc:
                failures.append(str(exc))
                self.stdout.write(f"{path}: not imported, nothing changed (error below)")
                continue
            for line in summary.lines():
                self.stdout.write(f"  {line}")
            total.merge(summary)
        if len(files) > 1:
            self.stdout.write("All files:")
            for line in total.lines():
                self.stdout.write(f"  {line}")
        imported = len(files) - len(failures)
        self.stdout.write(f"{imported} of {len(files)} files imported.")
        if failures:
            # One line per failed file: "<file>: <record>: <problem>".
            raise CommandError("\n".join(failures))
