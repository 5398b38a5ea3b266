import time

from django.core.management.base import BaseCommand

from talks.search import search_rebuild


class Command(BaseCommand):
    help = "Rebuild the full-text search index from every published talk."

    def handle(self, *args, **options):
        started = time.perf_counter()
        indexed = search_rebuild()
        elapsed = time.perf_counter() - started
        self.stdout.write(f"Indexed {indexed} published talks in {elapsed:.2f} s.")
