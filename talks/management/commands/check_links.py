import datetime

from django.core.management.base import CommandError

from confnotes.commands import ReportingCommand
from talks import linkhealth
from talks.models import Conference


class Command(ReportingCommand):
    help = (
        "Check every external link (slides, videos, typed links, speakers' and conferences' "
        "websites) and record its status; links failing for a while are marked broken."
    )

    def add_arguments(self, parser):
        parser.add_argument("--conference", metavar="SLUG", help="Only this conference's links.")
        parser.add_argument(
            "--older-than",
            type=float,
            metavar="DAYS",
            help="Skip URLs checked less than DAYS days ago.",
        )
        parser.add_argument(
            "--concurrency",
            type=int,
            default=linkhealth.DEFAULT_CONCURRENCY,
            help="Hosts asked at once (default %(default)s); one request at a time per host.",
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=linkhealth.DEFAULT_TIMEOUT,
            help="Seconds to wait for an answer (default %(default)s).",
        )
        parser.add_argument(
            "--delay",
            type=float,
            default=linkhealth.DEFAULT_HOST_DELAY,
            help="Seconds between two requests to one host (default %(default)s).",
        )

    def handle(self, *args, conference, older_than, concurrency, timeout, delay, **options):
        if concurrency < 1 or timeout <= 0 or delay < 0:
            raise CommandError(
                "--concurrency must be 1 or more, --timeout above 0, --delay 0 or more."
            )
        if older_than is not None and older_than < 0:
            raise CommandError("--older-than takes a number of days, 0 or more.")
        conf = None
        if conference:
            conf = Conference.objects.filter(slug=conference).first()
            if conf is None:
                raise CommandError(f"No conference with the slug “{conference}”.")
        summary = linkhealth.links_check(
            conference=conf,
            older_than=datetime.timedelta(days=older_than) if older_than is not None else None,
            concurrency=concurrency,
            timeout=timeout,
            host_delay=delay,
            stdout=self.stdout,
        )
        for url in summary.newly_broken:
            self.stdout.write(f"Newly broken: {url}")
        for url in summary.recovered:
            self.stdout.write(f"Recovered: {url}")
        self.stdout.write(str(summary), self.style.SUCCESS)
