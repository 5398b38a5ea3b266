"""The default cache: diskcache's Django backend, kept open for the life of a worker.

Django closes every cache at the end of each request; for diskcache that
closes its SQLite connections, and the next request opens them again, which
cost a cached page most of its time under gunicorn (docs/benchmarks.md).
SQLite connections are safe to keep: each worker process has its own.
"""

from diskcache import DjangoCache
from django.core.cache.backends.base import DEFAULT_TIMEOUT


class SharedDiskCache(DjangoCache):
    def close(self, **kwargs):
        """Keep the connections open across requests (see the module's docstring)."""

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        """Every key in one transaction: one commit, not one a key, and readers see
        all of them change (the versions an edit moves) or none."""
        with self._cache.transact():
            return super().set_many(data, timeout=timeout, version=version)
