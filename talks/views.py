"""Public pages: the archive, conferences, days, talks, speakers and tags.

Every view runs a fixed number of queries whatever the size of the archive;
the tests pin each count. Drafts are shown to staff only.
"""

from collections import Counter
from itertools import groupby
from urllib.parse import urlencode

from django.core.cache import cache
from django.core.paginator import InvalidPage, Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from taggit.models import Tag

from confnotes.pagecache import PAGE_TIMEOUT, content_version
from speakers.models import Speaker, SpeakerOldSlug
from talks.models import (
    Conference,
    ConferenceOldSlug,
    DayOldSlug,
    Note,
    TaggedTalk,
    Talk,
    TalkOldSlug,
    TalkSpeaker,
    broken_since,
    days_of_conference,
    notes_of_day,
    talk_counts,
    talks_by_id,
    talks_of_day,
)
from talks.search import QUERY_MAX_CHARS, SearchFilters, search_talks

LIST_PAGE_SIZE = 50
SPEAKER_PAGE_SIZE = 100
TAG_PAGE_SIZE = 200
SPEAKER_TALKS_PAGE_SIZE = LIST_PAGE_SIZE  # talk rows, as on tag and search pages
RELATED_CANDIDATES = 1000  # talks sharing a tag that "related talks" ranks


def _is_staff(request) -> bool:
    return request.user.is_authenticated and request.user.is_staff


def _paginate(request, queryset, per_page):
    """The requested page of `queryset`; a missing or malformed page number is a 404."""
    paginator = Paginator(queryset, per_page)
    number = request.GET.get("page", "1")
    try:
        return paginator.page(number)
    except (InvalidPage, TypeError, ValueError):
        raise Http404("No such page.") from None


def _redirect(request, url):
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{url}?{query}" if query else url)


def _renamed_conference(request, slug):
    """Redirect a URL under a conference's old slug to the same page under its new one."""
    olds = ConferenceOldSlug.objects.select_related("conference").filter(slug=slug)
    if not _is_staff(request):  # a draft's old URL must not tell its new name
        olds = olds.filter(conference__published=True)
    old = olds.first()
    if old is None:
        raise Http404("No such conference.")
    prefix = f"/{slug}/"
    return _redirect(request, f"/{old.conference.slug}/{request.path.removeprefix(prefix)}")


def _tag_counts(talks) -> list[tuple[Tag, int]]:
    """Tags of already-fetched talks with how many of them carry each, most used first."""
    counts = Counter()
    by_pk = {}
    for talk in talks:
        for tag in talk.listed_tags():
            counts[tag.pk] += 1
            by_pk[tag.pk] = tag
    return sorted(
        ((by_pk[pk], n) for pk, n in counts.items()), key=lambda pair: (-pair[1], pair[0].name)
    )


# ---------------------------------------------------------------------------
# Home and archive


def home(request):
    notes = (
        Note.objects.public()
        .select_related("talk__conference", "talk__day", "day__conference", "author")
        .order_by("-published_at", "-pk")[:10]
    )
    conferences = _with_talk_counts(
        Conference.objects.published().for_list().order_by("-start_date", "name")[:12]
    )
    groups = [(year, list(items)) for year, items in groupby(conferences, key=lambda c: c.year)]
    return render(request, "talks/home.html", {"latest_notes": notes, "groups": groups})


def _with_talk_counts(conferences) -> list:
    """The conferences, each with `talk_count`: counted once per content version.

    Counting the talks of 50 conferences joins thousands of talks to their days
    (3.7 ms of a 9 ms archive page at 21,000 talks); the counts of the whole
    archive take one grouped query, kept until content changes.
    """
    counts = _per_version("talk-counts", talk_counts)
    conferences = list(conferences)
    for conference in conferences:
        conference.talk_count = counts.get(conference.pk, 0)
    return conferences


def conference_list(request, year=None):
    staff = _is_staff(request)
    conferences = Conference.objects.all() if staff else Conference.objects.published()
    # The years with conferences, for the year links: an extraction from every
    # conference's date, so kept per content version like the lists' ids.
    years = _per_version(
        f"years:{'staff' if staff else 'public'}",
        lambda: sorted(
            {
                d.year
                for d in conferences.filter(start_date__isnull=False).dates("start_date", "year")
            },
            reverse=True,
        ),
    )
    if year is not None:
        if year not in years:
            raise Http404("No conferences that year.")
        conferences = conferences.filter(start_date__year=year)
    ordered = conferences.order_by("-start_date", "series", "name", "pk")
    name = f"conferences:{'staff' if staff else 'public'}:{year or 'all'}"
    page = _page_of(request, name, ordered, LIST_PAGE_SIZE, Conference.objects.for_list().in_bulk)
    page.object_list = _with_talk_counts(page.object_list)
    groups = [(key, list(items)) for key, items in groupby(page.object_list, key=lambda c: c.year)]
    return render(
        request,
        "talks/conference_list.html",
        {"page": page, "groups": groups, "years": years, "year": year},
    )


# ---------------------------------------------------------------------------
# Conference, day, talk


def conference_detail(request, conference):
    staff = _is_staff(request)
    conferences = Conference.objects.all() if staff else Conference.objects.published()
    try:
        conf = conferences.annotate(website_failing_since=broken_since("website")).get(
            slug=conference
        )
    except Conference.DoesNotExist:
        return _renamed_conference(request, conference)
    days = list(conf.days.all() if staff else conf.days.filter(published=True))
    talks = list(
        Talk.objects.for_list()
        .filter(day__in=[day.pk for day in days])
        .annotate(note_count=Count("notes", filter=Q(notes__published=True)))
        .order_by("day__date", "position", "start_time", "pk")
    )
    talks_by_day = {day.pk: [] for day in days}
    for talk in talks:
        talks_by_day[talk.day_id].append(talk)
    return render(
        request,
        "talks/conference_detail.html",
        {
            "conference": conf,
            "days": [(day, talks_by_day[day.pk]) for day in days],
            "talk_count": len(talks),
            "tag_counts": _tag_counts(talks)[:40],
        },
    )


def day_detail(request, conference, day):
    staff = _is_staff(request)
    days = days_of_conference(conference, public=not staff)
    if not days:
        if Conference.objects.filter(slug=conference).exists():
            raise Http404("No such day.")
        return _renamed_conference(request, conference)
    index = next((i for i, d in enumerate(days) if d.slug == day), None)
    if index is None:
        old = DayOldSlug.objects.filter(day__in=days, slug=day).select_related("day").first()
        if old is None:
            raise Http404("No such day.")
        old.day.conference = days[0].conference
        return _redirect(request, old.day.get_absolute_url())
    current = days[index]
    talks = talks_of_day(current)
    notes_by_talk = {talk.pk: [] for talk in talks}
    day_notes = []
    for note in notes_of_day(current, list(notes_by_talk)):
        if not (note.published or staff):
            continue
        if note.day_id:
            day_notes.append(note)
        else:
            notes_by_talk[note.talk_id].append(note)
    for talk in talks:
        talk.page_notes = notes_by_talk[talk.pk]
    return render(
        request,
        "talks/day_detail.html",
        {
            "conference": current.conference,
            "day": current,
            "talks": talks,
            "day_notes": day_notes,
            "previous_day": days[index - 1] if index > 0 else None,
            "next_day": days[index + 1] if index + 1 < len(days) else None,
        },
    )


def talk_detail(request, conference, talk):
    staff = _is_staff(request)
    # The talk's own page prints what lists leave out (its conference's record, say).
    talks = Talk.objects.for_list().defer(None).with_link_health().with_links()
    if not staff:
        talks = talks.published()
    try:
        item = talks.get(conference__slug=conference, slug=talk)
    except Talk.DoesNotExist:
        olds = TalkOldSlug.objects.select_related("talk__conference").filter(
            talk__conference__slug=conference, slug=talk
        )
        if not staff:
            olds = olds.filter(talk__conference__published=True, talk__day__published=True)
        old = olds.first()
        if old is not None:
            return _redirect(request, old.talk.get_absolute_url())
        if Conference.objects.filter(slug=conference).exists():
            raise Http404("No such talk.") from None
        return _renamed_conference(request, conference)
    notes = item.notes.select_related("author").order_by("created", "pk")
    if not staff:
        notes = notes.published()
    tag_ids = [tag.pk for tag in item.listed_tags()]
    related = []
    if tag_ids:
        # Ranked among the latest talks that share a tag, not all of them: a
        # tag like "python" is on thousands, and counting shared tags for every
        # one of them cost the page ~35 ms at pyvideo's size.
        candidates = (
            TaggedTalk.objects.filter(tag__in=tag_ids)
            .exclude(content_object=item)
            .order_by("-content_object_id")
            .values("content_object_id")[:RELATED_CANDIDATES]
        )
        related_qs = (
            Talk.objects.filter(pk__in=candidates, tagged_items__tag__in=tag_ids)
            .select_related("conference")
            .annotate(shared=Count("tagged_items"))
            .order_by("-shared", "-conference__start_date", "title")
        )
        if not staff:
            related_qs = related_qs.published()
        related = list(related_qs[:6])
    return render(
        request,
        "talks/talk_detail.html",
        {
            "conference": item.conference,
            "talk": item,
            "notes": list(notes),
            "related_talks": related,
        },
    )


# ---------------------------------------------------------------------------
# Speakers


def speaker_list(request):
    public_talks = Q(talks__conference__published=True, talks__day__published=True)
    page = _page_of(
        request,
        "speakers",
        _listed_speakers(),
        SPEAKER_PAGE_SIZE,
        Speaker.objects.for_list()
        .annotate(talk_count=Count("talks", filter=public_talks, distinct=True))
        .in_bulk,
    )
    groups = [
        (key, list(items)) for key, items in groupby(page.object_list, key=lambda s: s.initial)
    ]
    return render(request, "talks/speaker_list.html", {"page": page, "groups": groups})


def _per_version(name: str, compute):
    """`compute()`, kept in the cache until content changes (a new content version)."""
    key = f"{name}:{content_version()}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, PAGE_TIMEOUT)
    return value


def _ordered_ids(name: str, queryset) -> list[int]:
    """The ids of `queryset` in order, shared by every page of a long list.

    Counting such a list and sorting it before cutting a page visits every row
    (the speakers A-Z: 12,800 of them, 30 ms; the "django" tag: 5,432 talks), and
    an OFFSET deep into it visits them again. Kept in the cache under the content
    version instead, the count is a len() and the last page costs what the first
    does; any change to content makes a new key.
    """
    return _per_version(f"ids:{name}", lambda: list(queryset.values_list("pk", flat=True)))


def _page_of(request, name: str, ordered, per_page: int, fetch):
    """The requested page of the ids of `ordered`, filled by `fetch` (see `_filled`)."""
    return _filled(_paginate(request, _ordered_ids(name, ordered), per_page), fetch)


def _filled(page, fetch):
    """`page` of ids, its ids replaced in order by the rows `fetch(ids)` gives for
    them ({id: row}, as `QuerySet.in_bulk`)."""
    by_pk = fetch(page.object_list)
    page.object_list = [by_pk[pk] for pk in page.object_list]
    return page


def _listed_speakers():
    """Speakers with a public talk, A-Z."""
    has_public_talk = TalkSpeaker.objects.filter(
        speaker=OuterRef("pk"), talk__conference__published=True, talk__day__published=True
    )
    return Speaker.objects.filter(Exists(has_public_talk)).order_by("name", "pk")


def speaker_detail(request, slug):
    try:
        speaker = (
            Speaker.objects.prefetch_related("aliases")
            .annotate(website_failing_since=broken_since("website"))
            .get(slug=slug)
        )
    except Speaker.DoesNotExist:
        old = SpeakerOldSlug.objects.select_related("speaker").filter(slug=slug).first()
        if old is None:
            raise Http404("No such speaker.") from None
        return _redirect(request, old.speaker.get_absolute_url())
    listed = Talk.objects.filter(talk_speakers__speaker=speaker)
    if not _is_staff(request):
        listed = listed.published()
    # Every talk's key and conference in one light query: the page's talks are
    # then fetched whole, and the totals count them all.
    keys = list(listed.order_by("-day__date", "position", "pk").values_list("pk", "conference_id"))
    if not keys and not _is_staff(request):
        raise Http404("No published talks by this speaker.")
    ids = [pk for pk, _conference in keys]
    page = _filled(_paginate(request, ids, SPEAKER_TALKS_PAGE_SIZE), talks_by_id)
    return render(
        request,
        "talks/speaker_detail.html",
        {
            "speaker": speaker,
            "page": page,
            "talks": page.object_list,
            "talk_count": len(keys),
            "conference_count": len({conference for _pk, conference in keys}),
        },
    )


# ---------------------------------------------------------------------------
# Tags


def tag_list(request):
    tags = (
        TaggedTalk.objects.filter(
            content_object__conference__published=True, content_object__day__published=True
        )
        .values("tag__name", "tag__slug")
        .annotate(talk_count=Count("content_object", distinct=True))
        .order_by("tag__name")
    )
    # Counting every tag's talks takes the whole archive (65 ms at 21,000 talks):
    # done once per content version for every page of the list.
    page = _paginate(request, _per_version("rows:tag-list", lambda: list(tags)), TAG_PAGE_SIZE)
    return render(request, "talks/tag_list.html", {"page": page})


def tag_detail(request, slug):
    tag = get_object_or_404(Tag, slug=slug)
    talks = (
        Talk.objects.published()
        .filter(tagged_items__tag=tag)
        .order_by("-day__date", "conference__name", "position", "pk")
    )
    page = _page_of(request, f"tag-talks:{tag.pk}", talks, LIST_PAGE_SIZE, talks_by_id)
    if not page.object_list:
        raise Http404("No published talks with this tag.")
    return render(request, "talks/tag_detail.html", {"tag": tag, "page": page})


# ---------------------------------------------------------------------------
# Search


def search(request):
    """Ranked full-text results with excerpts and facets; the work is in talks/search.py."""
    query = request.GET.get("q", "")[:QUERY_MAX_CHARS].strip()
    filters = SearchFilters.from_query(request.GET)
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        raise Http404("No such page.") from None
    if number < 1:
        raise Http404("No such page.")
    results = search_talks(query, filters=filters, page=number)
    if number > 1 and number > results.num_pages:
        raise Http404("No such page.")
    base = {"q": query, **filters.as_params()}

    def link(**changes):
        params = {**base, **changes}
        return "?" + urlencode({key: value for key, value in params.items() if value})

    facets = [
        (
            name,
            label,
            [
                {
                    "label": value.label,
                    "count": value.count,
                    "active": value.value == base.get(name),
                    # A link adds the filter, or takes it off again when it is on.
                    "url": link(**{name: "" if value.value == base.get(name) else value.value}),
                }
                for value in results.facets.get(name, ())
            ],
        )
        for name, label in (
            ("conference", "Conference"),
            ("year", "Year"),
            ("kind", "Kind"),
            ("tag", "Tag"),
        )
    ]
    active_filters = [
        {"name": name, "value": value, "remove_url": link(**{name: ""})}
        for name, value in filters.as_params().items()
    ]
    return render(
        request,
        "talks/search.html",
        {
            "search_query": query,
            "results": results,
            "facets": [facet for facet in facets if facet[2]],
            "active_filters": active_filters,
            "previous_url": link(page=str(number - 1)) if number > 1 else "",
            "next_url": link(page=str(number + 1)) if number < results.num_pages else "",
        },
    )
