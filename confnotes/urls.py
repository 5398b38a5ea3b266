from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from confnotes.i18n import switch_language
from confnotes.views import favicon, healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("language/<str:code>/", switch_language, name="switch_language"),
    # Before the site's pages: their conference slugs would take "api" (a reserved one).
    path("api/", include("talks.api.urls")),
    path("", include("talks.urls")),
]

if settings.CONFNOTES_BENCH_FLOOR:
    from confnotes.views import bench_floor

    urlpatterns.insert(0, path("_bench/floor/", bench_floor))

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns = static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT) + urlpatterns
