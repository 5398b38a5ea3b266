"""Send reads to PostgreSQL read replicas and writes to the primary.

Replicas come from `DATABASE_REPLICA_URLS` (see settings). A request that may
write, or that comes from a signed-in editor, reads from the primary too, so
an editor never sees a replica that lags behind their own save. The choice is
per request (a context variable), never process-wide state.
"""

import contextvars
import random
from contextlib import contextmanager

from django.conf import settings

_use_primary = contextvars.ContextVar("confnotes_use_primary", default=False)


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


@contextmanager
def use_primary():
    """Send this block's reads to the primary database, never to a replica."""
    token = _use_primary.set(True)
    try:
        yield
    finally:
        _use_primary.reset(token)


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        replicas = replica_aliases()
        if not replicas or _use_primary.get():
            return "default"
        return random.choice(replicas)

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # Replicas hold the same rows as the primary.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class PrimaryForWritersMiddleware:
    """Reads of unsafe requests and of signed-in users go to the primary."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        primary = request.method not in ("GET", "HEAD", "OPTIONS") or (
            settings.SESSION_COOKIE_NAME in request.COOKIES
        )
        token = _use_primary.set(primary)
        try:
            return self.get_response(request)
        finally:
            _use_primary.reset(token)
