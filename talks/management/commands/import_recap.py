import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.core.validators import URLValidator

from confnotes.commands import ReportingCommand
from talks.importers.common import ImportFailed
from talks.importers.recap import day_by_path, import_recap, writer_named
from talks.models import Day
from talks.recap import FORMATS, NoteSource


class Command(ReportingCommand):
    help = (
        "Import a day's recap (Markdown or HTML, at most 1 MB) as draft notes: each part "
        "goes to the talk it names (by title and speakers' names, on that day or another "
        "day of its conference), the rest to the day. All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE")
        parser.add_argument(
            "--day",
            required=True,
            metavar="CONFERENCE_SLUG/DAY_SLUG",
            help="e.g. djangocon-us-2009/day-2",
        )
        parser.add_argument(
            "--author",
            action="append",
            default=[],
            metavar="NAME",
            help="A byline name, an account's user name or a guest's name; repeat for several.",
        )
        parser.add_argument(
            "--source-url", default="", metavar="URL", help="Where the recap was first published."
        )
        parser.add_argument(
            "--source-title", default="", help="Its title (default: the recap's title)."
        )
        parser.add_argument("--source-site", default="")
        parser.add_argument("--source-author", default="", help="Who wrote it there.")
        parser.add_argument("--source-date", default="", metavar="YYYY-MM-DD")
        parser.add_argument(
            "--format", choices=FORMATS, default="", help="Default: told by the file."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Show where each part would go; save nothing."
        )

    def handle(self, *args, file, day, author, dry_run, **options):
        try:
            the_day = day_by_path(day)
        except Day.DoesNotExist as exc:
            raise CommandError(str(exc)) from None
        source = self._source(options)
        try:
            summary = import_recap(
                file,
                day=the_day,
                authors=[writer_named(name) for name in author],
                source=source,
                fmt=options["format"],
                dry_run=dry_run,
            )
        except ImportFailed as exc:
            raise CommandError(f"{exc} (nothing was saved)") from None
        for line in summary.proposals:
            self.stdout.write(f"  {line}")
        if dry_run:
            self.stdout.write(f"Dry run: {len(summary.proposals)} parts, nothing saved.")
            return
        for line in summary.lines():
            self.stdout.write(line)

    @staticmethod
    def _source(options) -> NoteSource:
        url, date = options["source_url"].strip(), options["source_date"].strip()
        if url:
            try:
                URLValidator(schemes=["http", "https"])(url)
            except ValidationError:
                raise CommandError(f"--source-url {url!r} is not a web address") from None
        try:
            parsed_date = datetime.date.fromisoformat(date) if date else None
        except ValueError:
            raise CommandError(f"--source-date {date!r} is not a date such as 2009-09-10") from None
        return NoteSource(
            url=url,
            title=options["source_title"].strip(),
            site=options["source_site"].strip(),
            author=options["source_author"].strip(),
            date=parsed_date,
        )
