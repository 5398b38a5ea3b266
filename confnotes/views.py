"""Project-wide views that belong to no app."""

import logging
from functools import cache as memoize

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


@never_cache
def healthz(request):
    """200 when every database and the cache answer, 503 otherwise: for load balancers."""
    checks = {}
    for alias in connections:
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
            checks[f"database:{alias}"] = "ok"
        except Exception:
            logger.exception("health check: database %s does not answer", alias)
            checks[f"database:{alias}"] = "error"
    try:
        cache.set("confnotes:healthz", "ok", 10)
        checks["cache"] = "ok" if cache.get("confnotes:healthz") == "ok" else "error"
    except Exception:
        logger.exception("health check: the cache does not answer")
        checks["cache"] = "error"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503
    )


@memoize
def _favicon_bytes() -> bytes:
    return (settings.BASE_DIR / "static" / "favicon.ico").read_bytes()


@require_safe
@cache_control(public=True, max_age=24 * 60 * 60)
def favicon(request):
    """static/favicon.ico at /favicon.ico, where browsers ask for it whatever the page says."""
    return HttpResponse(_favicon_bytes(), content_type="image/vnd.microsoft.icon")


def bench_floor(request):
    """A constant string: the benchmark's floor (routed only when CONFNOTES_BENCH_FLOOR is set)."""
    return HttpResponse("confnotes", content_type="text/plain")
