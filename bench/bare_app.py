"""The framework's own minimum: a Django app with one view and no middleware.

Served by gunicorn beside confnotes (`gunicorn bench.bare_app`), it answers
`/_bench/floor/` with the same constant string as confnotes' floor view, so the
harness can report how much of Django's own speed confnotes' cached pages keep.

`/_bench/same/<kind>/` answers with the bytes and headers confnotes sent for
that page kind (`<kind>.html` and `<kind>.headers.json` in $BENCH_STATIC_DIR):
what sending that very response costs Django with nothing else to do.
"""

import json
import os
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse
from django.urls import path


def floor(request):
    return HttpResponse("confnotes", content_type="text/plain")


@cache
def _stored(kind: str) -> tuple[bytes, list]:
    folder = Path(os.environ["BENCH_STATIC_DIR"])
    headers = json.loads((folder / f"{kind}.headers.json").read_text())
    return (folder / f"{kind}.html").read_bytes(), headers


def same(request, kind):
    content, headers = _stored(kind)
    return HttpResponse(content, headers=headers)


settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-bare-app-only",
    ALLOWED_HOSTS=["127.0.0.1"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
)
urlpatterns = [
    path("_bench/floor/", floor),
    path("_bench/same/<slug:kind>/", same),
    path("healthz", floor),
]
application = get_wsgi_application()
