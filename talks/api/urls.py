"""/api/: the human page, and version 1 of the JSON API (talks/api/views.py)."""

from django.urls import path

import talks.urls  # noqa: F401 (registers the "tag" path converter the tag paths use)
from talks.api import views

app_name = "api"

urlpatterns = [
    path("", views.index, name="index"),
    path("v1/", views.root, name="root"),
    path("v1/schema.json", views.schema, name="schema"),
    path("v1/conferences/", views.conference_list, name="conference_list"),
    path("v1/conferences/<slug:conference>/", views.conference_detail, name="conference_detail"),
    path("v1/conferences/<slug:conference>/days/<slug:day>/", views.day_detail, name="day_detail"),
    path(
        "v1/conferences/<slug:conference>/talks/<slug:talk>/",
        views.talk_detail,
        name="talk_detail",
    ),
    path("v1/days/", views.day_list, name="day_list"),
    path("v1/talks/", views.talk_list, name="talk_list"),
    path("v1/speakers/", views.speaker_list, name="speaker_list"),
    path("v1/speakers/<slug:slug>/", views.speaker_detail, name="speaker_detail"),
    path("v1/tags/", views.tag_list, name="tag_list"),
    path("v1/tags/<tag:slug>/", views.tag_detail, name="tag_detail"),
    path("v1/notes/", views.note_list, name="note_list"),
    path("v1/notes/<str:uid>/", views.note_detail, name="note_detail"),
    # Anything else under v1 is a JSON 404, not the site's HTML one.
    path("v1/<path:rest>", views.unknown, name="unknown"),
]
