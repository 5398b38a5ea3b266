"""The framework's own minimum: a Django app with one view and no middleware.

Served by gunicorn beside confnotes (`gunicorn bench.bare_app`), it answers
`/_bench/floor/` with the same constant string as confnotes' floor view, so the
harness can report how much of Django's own speed confnotes' cached pages keep.
"""

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse
from django.urls import path


def floor(request):
    return HttpResponse("confnotes", content_type="text/plain")


settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-bare-app-only",
    ALLOWED_HOSTS=["127.0.0.1"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
)
urlpatterns = [path("_bench/floor/", floor), path("healthz", floor)]
application = get_wsgi_application()
