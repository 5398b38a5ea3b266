"""Public pages: the archive, conferences, days, talks, speakers and tags.

Each view reads its page from one function of talks/selectors.py and renders
it; what is left here is the request's side: who asks (staff see drafts), which
page of a list, and the redirects from old slugs.
"""

from urllib.parse import urlencode

from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import render

from confnotes.paths import slug_path
from confnotes.text import clean_text
from speakers.models import SpeakerOldSlug
from talks import selectors
from talks.models import (
    Conference,
    ConferenceOldSlug,
    ConferenceQuerySet,
    DayOldSlug,
    TagOldSlug,
    TalkOldSlug,
    TalkQuerySet,
)
from talks.search import QUERY_MAX_CHARS, SearchFilters, search_talks


def _is_staff(request) -> bool:
    return request.user.is_authenticated and request.user.is_staff


def _redirect(request, url):
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{url}?{query}" if query else url)


def _renamed_conference(request, slug):
    """Redirect a URL under a conference's old slug to the same page under its new one."""
    olds = ConferenceOldSlug.objects.select_related("conference").filter(slug=slug)
    if not _is_staff(request):  # a draft's old URL must not tell its new name
        olds = olds.filter(ConferenceQuerySet.public_rule("conference__"))
    old = olds.first()
    if old is None:
        raise Http404("No such conference.")
    prefix = f"/{slug}/"
    return _redirect(request, f"/{old.conference.slug}/{request.path.removeprefix(prefix)}")


def _missing_in_conference(request, conference, what: str):
    """A 404 when the conference exists; else, perhaps, its old slug's redirect."""
    if Conference.objects.filter(slug=conference).exists():
        raise Http404(f"No such {what}.")
    return _renamed_conference(request, conference)


def home(request):
    return render(request, "talks/home.html", selectors.home_page())


def conference_list(request, year=None):
    page = selectors.archive_page(
        staff=_is_staff(request), year=year, number=request.GET.get("page")
    )
    return render(request, "talks/conference_list.html", page)


def author_detail(request, slug):
    page = selectors.author_page(slug, request.GET.get("page"))
    if page is None:
        raise Http404("No such author.")
    return render(request, "talks/author_detail.html", page)


def series_list(request):
    return render(
        request, "talks/series_list.html", selectors.series_list_page(staff=_is_staff(request))
    )


def series_detail(request, slug):
    page = selectors.series_page(slug, staff=_is_staff(request))
    if page is None:
        raise Http404("No such series.")
    return render(request, "talks/series_detail.html", page)


def conference_detail(request, conference):
    page = selectors.conference_page(conference, staff=_is_staff(request))
    if page is None:
        return _renamed_conference(request, conference)
    return render(request, "talks/conference_detail.html", page)


def day_detail(request, conference, day):
    page = selectors.day_page(
        conference, day, staff=_is_staff(request), number=request.GET.get("page")
    )
    if page["day"] is None:
        if not page["days"]:
            return _missing_in_conference(request, conference, "day")
        old = DayOldSlug.objects.filter(day__in=page["days"], slug=day).first()
        if old is None:
            raise Http404("No such day.")
        days = {d.pk: d for d in page["days"]}
        return _redirect(request, days[old.day_id].get_absolute_url())
    return render(request, "talks/day_detail.html", page)


def talk_detail(request, conference, talk):
    staff = _is_staff(request)
    page = selectors.talk_page(conference, talk, staff=staff)
    if page is not None:
        # `?play=1`: the same page with the video's player in place of its "Play here"
        # link, so no other site is asked for anything before the reader asks to play.
        page["play"] = request.GET.get("play") == "1"
        return render(request, "talks/talk_detail.html", page)
    olds = TalkOldSlug.objects.select_related("talk__conference").filter(
        talk__conference__slug=conference, slug=talk
    )
    if not staff:
        olds = olds.filter(TalkQuerySet.public_rule("talk__"))
    old = olds.first()
    if old is not None:
        return _redirect(request, old.talk.get_absolute_url())
    return _missing_in_conference(request, conference, "talk")


def speaker_list(request):
    page = selectors.speaker_list_page(request.GET.get("page"))
    return render(request, "talks/speaker_list.html", page)


def speaker_detail(request, slug):
    page = selectors.speaker_page(slug, staff=_is_staff(request), number=request.GET.get("page"))
    if page is not None:
        return render(request, "talks/speaker_detail.html", page)
    old = SpeakerOldSlug.objects.select_related("speaker").filter(slug=slug).first()
    if old is None:
        raise Http404("No such speaker.")
    return _redirect(request, old.speaker.get_absolute_url())


def tag_list(request):
    return render(request, "talks/tag_list.html", selectors.tag_list_page(request.GET.get("page")))


def tag_detail(request, slug):
    page = selectors.tag_page(slug, request.GET.get("page"))
    if page is not None:
        return render(request, "talks/tag_detail.html", page)
    # A tag renamed, or merged into another: its old URL leads to the tag it is now.
    old = TagOldSlug.objects.select_related("tag").filter(slug=slug).first()
    if old is None:
        raise Http404("No published talks with this tag.")
    return _redirect(request, slug_path("talks:tag_detail", slug=old.tag.slug))


def search(request):
    """Ranked full-text results with excerpts and facets; the work is in talks/search.py."""
    query = clean_text(request.GET.get("q", ""))[:QUERY_MAX_CHARS].strip()
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
            ("language", "Language"),
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
