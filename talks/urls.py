from django.contrib.sitemaps import views as sitemap_views
from django.urls import path, register_converter

from talks import calendars, cards, feeds, views
from talks.sitemaps import SITEMAPS, robots_txt


class TagSlugConverter:
    """A tag slug: one path segment of any characters but NUL, which PostgreSQL refuses."""

    regex = r"[^/\x00]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(TagSlugConverter, "tag")

app_name = "talks"

urlpatterns = [
    path("", views.home, name="home"),
    path("conferences/", views.conference_list, name="conference_list"),
    path("conferences/<int:year>/", views.conference_list, name="conference_year"),
    path("series/", views.series_list, name="series_list"),
    path("series/<slug:slug>/", views.series_detail, name="series_detail"),
    path("authors/<slug:slug>/", views.author_detail, name="author_detail"),
    path("speakers/", views.speaker_list, name="speaker_list"),
    path("speakers/<slug:slug>/", views.speaker_detail, name="speaker_detail"),
    path("tags/", views.tag_list, name="tag_list"),
    path("tags/<tag:slug>/", views.tag_detail, name="tag_detail"),
    path("search/", views.search, name="search"),
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "talks:sitemap_section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
    path("robots.txt", robots_txt, name="robots_txt"),
    # Feeds, calendars and cards come before the catch-all conference and day patterns.
    path("feeds/notes/", feeds.NotesFeed(), name="notes_feed"),
    path("speakers/<slug:slug>/feed/", feeds.SpeakerNotesFeed(), name="speaker_feed"),
    path("tags/<tag:slug>/feed/", feeds.TagNotesFeed(), name="tag_feed"),
    path("<slug:conference>/feed/", feeds.ConferenceNotesFeed(), name="conference_feed"),
    path(
        "<slug:conference>/calendar.ics", calendars.conference_calendar, name="conference_calendar"
    ),
    path("<slug:conference>/<slug:day>/calendar.ics", calendars.day_calendar, name="day_calendar"),
    # Social cards: a page's URL and card.png (`<slug:day>` takes no dot, so no day is "card.png").
    path("speakers/<slug:slug>/card.png", cards.speaker_card, name="speaker_card"),
    path("<slug:conference>/card.png", cards.conference_card, name="conference_card"),
    path("<slug:conference>/<slug:day>/card.png", cards.day_card, name="day_card"),
    path("<slug:conference>/talks/<slug:talk>/card.png", cards.talk_card, name="talk_card"),
    path("<slug:conference>/", views.conference_detail, name="conference_detail"),
    path("<slug:conference>/talks/<slug:talk>/", views.talk_detail, name="talk_detail"),
    path("<slug:conference>/<slug:day>/", views.day_detail, name="day_detail"),
]
