"""The pages a benchmark drives: one representative URL per page kind, measured in-process.

`pick_pages()` chooses the URLs from the archive in the database (a day of about
30 items, a conference of median size, the most used tag...). `measure_page()`
requests a page through Django's test client, the whole middleware stack
included, and counts its SQL queries with CaptureQueriesContext: once as a
cache miss (a unique query parameter, as the uncached load runs do) and once as
a cache hit.
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from django.db import connection
from django.db.models import Count, Q
from django.test import Client
from django.test.utils import CaptureQueriesContext

from confnotes.pagecache import EVERYWHERE, expire
from speakers.models import Speaker
from talks.models import Conference, Day, Note, TaggedTalk, Talk

# Page kinds, in table order. Kinds whose URL does not answer 200 (a feature not
# built yet) are reported as not available.
KINDS = (
    "home", "archive", "conference", "day", "talk", "speaker", "speakers", "tag", "search",
    "feed", "calendar",
)  # fmt: skip
# Pages that list many rows: the "list pages" budget.
LIST_KINDS = frozenset({"archive", "speakers", "tag", "search"})
SEARCH_TERM = "django"


@dataclass
class Page:
    kind: str
    url: str
    note: str = ""  # what the page holds, e.g. "30 items"
    available: bool = True
    queries: int | None = None
    cached_queries: int | None = None
    html_bytes: int = 0
    html: bytes = field(default=b"", repr=False)
    content_type: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list, repr=False)  # as cached
    # A writer's save of something the page shows (a note, a talk, a speaker...),
    # through the ORM: the page's "after an edit" figure comes right after it.
    edit: Callable[[], None] | None = field(default=None, repr=False)


def pick_pages() -> dict[str, Page]:
    """One URL per page kind, chosen from the published archive."""
    published_talks = Q(talks__day__published=True)
    conferences = list(
        Conference.objects.published()
        .annotate(n=Count("talks", filter=published_talks))
        .filter(n__gt=0)
        .order_by("n", "pk")
        .values_list("slug", "n")
    )
    conf_slug, conf_n = conferences[len(conferences) // 2]
    days = (
        Day.objects.published()
        .annotate(n=Count("talks"), notes_n=Count("talks__notes"))
        .values_list("conference__slug", "slug", "n", "notes_n")
    )
    # The day closest to 30 items, among those with notes.
    day = min(days, key=lambda d: (abs(d[2] - 30), d[3] == 0, d[0], d[1]))
    talk = (
        Talk.objects.published()
        .annotate(
            speakers_n=Count("talk_speakers", distinct=True),
            notes_n=Count("notes", distinct=True),
            tags_n=Count("tagged_items", distinct=True),
        )
        # With tags: a talk without any skips the related-talks query.
        .filter(notes_n__gt=0, tags_n__gt=0)
        .order_by("-speakers_n", "pk")
        .values_list("conference__slug", "slug")
        .first()
    ) or Talk.objects.published().values_list("conference__slug", "slug").first()
    speaker = (
        Speaker.objects.annotate(
            n=Count(
                "talks", filter=Q(talks__conference__published=True, talks__day__published=True)
            )
        )
        .order_by("-n", "pk")
        .values_list("slug", "n")
        .first()
    )
    tag = (
        TaggedTalk.objects.values("tag__slug")
        .annotate(n=Count("pk"))
        .order_by("-n", "tag__slug")
        .values_list("tag__slug", "n")
        .first()
    )
    pages = {
        "home": Page("home", "/"),
        "archive": Page("archive", "/conferences/", "50 conferences a page"),
        "conference": Page("conference", f"/{conf_slug}/", f"{conf_n} talks"),
        "day": Page("day", f"/{day[0]}/{day[1]}/", f"{day[2]} items"),
        "talk": Page("talk", f"/{talk[0]}/talks/{talk[1]}/"),
        "speaker": Page("speaker", f"/speakers/{speaker[0]}/", f"{speaker[1]} talks, 50 a page"),
        "speakers": Page("speakers", "/speakers/", "A-Z, 100 a page"),
        "tag": Page("tag", f"/tags/{tag[0]}/", f"{tag[1]} talks, 50 a page"),
        "search": Page("search", f"/search/?q={SEARCH_TERM}", f"q={SEARCH_TERM}"),
        "feed": Page("feed", "/feeds/notes/", "latest notes"),
        "calendar": Page("calendar", f"/{conf_slug}/calendar.ics", f"{conf_n} talks"),
    }
    notes = Note.objects.published().filter(talk__isnull=False).order_by("-published_at")
    talks = Talk.objects.published().order_by("pk")
    edits = {
        "home": notes,
        "feed": notes,
        "archive": Conference.objects.filter(slug=conf_slug),
        "conference": talks.filter(conference__slug=conf_slug),
        "calendar": talks.filter(conference__slug=conf_slug),
        "day": Note.objects.filter(talk__day__slug=day[1], talk__conference__slug=day[0]),
        "talk": talks.filter(conference__slug=talk[0], slug=talk[1]),
        "speaker": talks.filter(talk_speakers__speaker__slug=speaker[0]),
        "speakers": Speaker.objects.filter(slug=speaker[0]),
        "tag": talks.filter(tagged_items__tag__slug=tag[0]),
        "search": talks,
    }
    for kind, queryset in edits.items():
        pages[kind].edit = partial(_save_first, queryset)
    # The A-Z prints names: a save that changes none (a bio) leaves it cached.
    pages["speakers"].edit = partial(_rename_first, edits["speakers"])
    return pages


def _save_first(queryset) -> None:
    """Save the first row of `queryset` unchanged, as a writer's save in the admin would."""
    instance = queryset.first()
    if instance is not None:
        instance.save()


def _rename_first(queryset) -> None:
    """Rename the first row of `queryset`, and back again on the next call."""
    instance = queryset.first()
    if instance is not None:
        suffix = " (edited)"
        if instance.name.endswith(suffix):
            instance.name = instance.name.removesuffix(suffix)
        else:
            instance.name += suffix
        instance.save()


def measure_page(page: Page, client: Client | None = None) -> Page:
    """Fill in the page's query counts (cache miss and hit) and its HTML.

    The miss is counted as the first request after an edit that shows
    everywhere, so what pages keep per scope (ordered ids, counts) is read again.
    """
    client = client or Client()
    sep = "&" if "?" in page.url else "?"
    expire({EVERYWHERE})
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"{page.url}{sep}bench={secrets.token_hex(6)}")
    if response.status_code != 200:
        page.available = False
        return page
    page.queries = len(ctx.captured_queries)
    client.get(page.url)  # fills the page cache
    with CaptureQueriesContext(connection) as ctx:
        cached = client.get(page.url)
    page.cached_queries = len(ctx.captured_queries)
    page.html = cached.content
    page.html_bytes = len(cached.content)
    page.content_type = cached.get("Content-Type", "")
    page.headers = [(name, value) for name, value in cached.items() if name != "Content-Length"]
    return page


def last_page_url(url: str, per_page: int, count: int) -> str:
    last = max(1, -(-count // per_page))
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}page={last}"
