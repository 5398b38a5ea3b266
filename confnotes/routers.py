"""Send reads to PostgreSQL read replicas and writes to the primary.

Replicas come from `DATABASE_REPLICA_URLS` (see settings). Only anonymous
GET and HEAD requests read from replicas (`ReplicaReadsMiddleware`); a request
that may write, a signed-in editor, a management command, an import or a shell
read from the primary, so nobody who writes reads rows older than their own. The
choice is per request (a context variable), never process-wide state.

A replica may lag behind the primary. The page cache notes where the primary's
write-ahead log stood when it expired a scope (`write_position`), and a reader
who rebuilds such a page reads from a replica only once it has replayed that far
(`reads_at_least`), else from the primary: no page is rendered from rows older
than the change that expired it. Two one-line queries of PostgreSQL's own
functions, which the ORM has no words for.
"""

import contextvars
import random
from contextlib import contextmanager

from django.conf import settings
from django.db import connections

_replicas_allowed = contextvars.ContextVar("confnotes_replicas_allowed", default=False)
_read_from = contextvars.ContextVar("confnotes_read_from", default=None)


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


@contextmanager
def use_primary():
    """Send this block's reads to the primary database, never to a replica."""
    token = _replicas_allowed.set(False)
    try:
        yield
    finally:
        _replicas_allowed.reset(token)


def _lsn(text: str | None) -> int:
    """A PostgreSQL log position ("16/B374D848") as a number; 0 for none."""
    if not text:
        return 0
    high, low = text.split("/")
    return (int(high, 16) << 32) + int(low, 16)


def _position(alias: str, function: str) -> int:
    with connections[alias].cursor() as cursor:
        cursor.execute(f"SELECT {function}()")
        return _lsn(cursor.fetchone()[0])


def write_position() -> int:
    """Where the primary's write-ahead log stands now; 0 when there are no replicas."""
    # Where records are inserted, commits included: with synchronous_commit off, the
    # written position may still lie before the commit that was just made.
    return _position("default", "pg_current_wal_insert_lsn") if replica_aliases() else 0


@contextmanager
def reads_at_least(position: int):
    """Send this block's reads to a replica that has replayed the primary's log up to
    `position`, or to the primary when the replica has not."""
    replicas = replica_aliases()
    if not position or not replicas:
        yield
        return
    replica = random.choice(replicas)
    caught_up = _position(replica, "pg_last_wal_replay_lsn") >= position
    token = _read_from.set(replica if caught_up else "default")
    try:
        yield
    finally:
        _read_from.reset(token)


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        replicas = replica_aliases()
        if not replicas or not _replicas_allowed.get():
            return "default"
        return _read_from.get() or random.choice(replicas)

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # Replicas hold the same rows as the primary.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class ReplicaReadsMiddleware:
    """Anonymous GET and HEAD requests may read from replicas; every other one reads
    from the primary, as everything outside a request does."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        allowed = request.method in ("GET", "HEAD", "OPTIONS") and (
            settings.SESSION_COOKIE_NAME not in request.COOKIES
        )
        token = _replicas_allowed.set(allowed)
        try:
            return self.get_response(request)
        finally:
            _replicas_allowed.reset(token)
