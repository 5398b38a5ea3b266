"""Public pages: the archive, conferences, days, talks, speakers and tags.

Each view reads its page from one function of talks/selectors.py and renders
it; what is left here is the request's side: who asks (staff see drafts), which
page of a list, and the redirects from old slugs.
"""

from urllib.parse import urlencode

from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.utils.translation import pgettext

from confnotes.paths import slug_path
from confnotes.text import clean_text
from talks import renames, selectors
from talks.models import Conference
from talks.search import QUERY_MAX_CHARS, SearchFilters


def _is_staff(request) -> bool:
    return request.user.is_authenticated and request.user.is_staff


def _redirect(request, url):
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{url}?{query}" if query else url)


def _renamed_conference(request, slug):
    """Redirect a URL under a conference's old slug to the same page under its new one."""
    current = renames.conference(slug, staff=_is_staff(request))
    if current is None:
        raise Http404("No such conference.")
    prefix = f"/{slug}/"
    return _redirect(request, f"/{current.slug}/{request.path.removeprefix(prefix)}")


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
        current = renames.day(conference, day, staff=_is_staff(request))
        if current is None:
            raise Http404("No such day.")
        return _redirect(request, current.get_absolute_url())
    return render(request, "talks/day_detail.html", page)


def talk_detail(request, conference, talk):
    staff = _is_staff(request)
    page = selectors.talk_page(conference, talk, staff=staff)
    if page is not None:
        # `?play=1`: the same page with the video's player in place of its "Play here"
        # link, so no other site is asked for anything before the reader asks to play.
        page["play"] = request.GET.get("play") == "1"
        return render(request, "talks/talk_detail.html", page)
    current = renames.talk(conference, talk, staff=staff)
    if current is not None:
        return _redirect(request, current.get_absolute_url())
    return _missing_in_conference(request, conference, "talk")


def speaker_list(request):
    page = selectors.speaker_list_page(request.GET.get("page"))
    return render(request, "talks/speaker_list.html", page)


def speaker_detail(request, slug):
    page = selectors.speaker_page(slug, staff=_is_staff(request), number=request.GET.get("page"))
    if page is not None:
        return render(request, "talks/speaker_detail.html", page)
    current = renames.speaker(slug)
    if current is None:
        raise Http404("No such speaker.")
    return _redirect(request, current.get_absolute_url())


def tag_list(request):
    return render(request, "talks/tag_list.html", selectors.tag_list_page(request.GET.get("page")))


def tag_detail(request, slug):
    page = selectors.tag_page(slug, request.GET.get("page"))
    if page is not None:
        return render(request, "talks/tag_detail.html", page)
    # A tag renamed, or merged into another: its old URL leads to the tag it is now.
    current = renames.tag(slug)
    if current is None:
        raise Http404("No published talks with this tag.")
    return _redirect(request, slug_path("talks:tag_detail", slug=current.slug))


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
    results = selectors.search_page(query, filters, number)
    if number > 1 and number > results.num_pages:
        raise Http404("No such page.")
    base = {"q": query, **filters.as_params()}

    def link(**changes):
        params = {**base, **changes}
        return "?" + urlencode({key: value for key, value in params.items() if value})

    labels = {
        "conference": pgettext("search facet", "Conference"),
        "year": pgettext("search facet", "Year"),
        # Translators: the kind of a talk (keynote, talk, tutorial...).
        "kind": pgettext("search facet", "Kind"),
        "tag": pgettext("search facet", "Tag"),
        # Translators: the language a talk was given in.
        "language": pgettext("search facet", "Language"),
    }
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
        for name, label in labels.items()
    ]
    active_filters = [
        {"name": name, "label": labels[name], "value": value, "remove_url": link(**{name: ""})}
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
