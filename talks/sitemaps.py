"""For crawlers: the sitemap of every published page, and robots.txt.

`/sitemap.xml` is an index of one sitemap per kind of page (conferences, series,
days, talks, speakers, tags), each split into pages of `PAGE_SIZE` entries, so the
whole pyvideo archive stays far below the protocol's limits per file. Only
public pages are listed: published conferences and days, their talks, speakers
with at least one public talk, tags on at least one public talk.

Query counts: the index counts each section (six queries, whatever the
archive's size); a section page counts its section and fetches one page.
"""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET
from taggit.models import Tag

from confnotes.paths import slug_path
from confnotes.slugs import ascii_slug
from talks.models import (
    Conference,
    Day,
    NoteQuerySet,
    Talk,
    TalkQuerySet,
    speakers_with_public_talks,
)

PAGE_SIZE = 5000


class _Section(Sitemap):
    limit = PAGE_SIZE

    def get_latest_lastmod(self):
        # The index would otherwise walk every item of every section; its
        # entries may leave lastmod out, the sections' own entries carry it.
        return None

    def lastmod(self, obj):
        # A page changes with its published notes too, which do not touch its row.
        return max(filter(None, (obj.updated, getattr(obj, "last_note", None))))


_LAST_NOTE = Max("notes__updated", filter=NoteQuerySet.public_rule("notes__"))


class ConferenceSitemap(_Section):
    def items(self):
        return (
            Conference.objects.published()
            .only("slug", "updated")
            .annotate(last_note=_LAST_NOTE)  # notes on the whole conference
            .order_by("pk")
        )


class SeriesSitemap(_Section):
    def items(self):
        return (
            Conference.objects.published()
            .exclude(series="")
            .values("series")
            .annotate(updated=Max("updated"))
            .order_by("series")
        )

    def lastmod(self, row):
        return row["updated"]

    def location(self, row):
        return slug_path("talks:series_detail", slug=ascii_slug(row["series"]))


class DaySitemap(_Section):
    def items(self):
        return (
            Day.objects.published()
            .select_related("conference")
            .only("slug", "updated", "conference__slug")
            .annotate(last_note=_LAST_NOTE)
            .order_by("pk")
        )


class TalkSitemap(_Section):
    def items(self):
        return (
            Talk.objects.published()
            .select_related("conference")
            .only("slug", "updated", "conference__slug")
            .annotate(last_note=_LAST_NOTE)
            .order_by("pk")
        )


class SpeakerSitemap(_Section):
    def items(self):
        return speakers_with_public_talks().only("slug", "updated").order_by("pk")


class TagSitemap(_Section):
    def items(self):
        return (
            Tag.objects.filter(TalkQuerySet.public_rule("talks_taggedtalk_items__content_object__"))
            .annotate(updated=Max("talks_taggedtalk_items__content_object__updated"))
            .only("slug")
            .order_by("pk")
        )

    def location(self, tag):
        return slug_path("talks:tag_detail", slug=tag.slug)


SITEMAPS = {
    "conferences": ConferenceSitemap,
    "series": SeriesSitemap,
    "days": DaySitemap,
    "talks": TalkSitemap,
    "speakers": SpeakerSitemap,
    "tags": TagSitemap,
}


@require_GET
def robots_txt(request):
    """Crawlers may read every public page, never the admin; the sitemap lists them."""
    lines = [
        "User-agent: *",
        f"Disallow: {reverse('admin:index')}",
        "",
        f"Sitemap: {request.build_absolute_uri(reverse('talks:sitemap'))}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
