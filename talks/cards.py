"""Social cards (`og:image`) of conference, day, talk and speaker pages.

A page's card is at its own URL plus `card.png` (`/<conference>/<day>/card.png`):
a PNG that confnotes/card_image.py draws from what talks/selectors.py reads for it. Like
the calendars, a card shows only what is published; a draft's is a 404 for
everyone. The card of a page that moved (an old slug) redirects as the page
does, to the moved page's card.

Cards are drawn on request and kept by the page cache (confnotes/pagecache.py)
like any public page: their paths give them their page's scope
(`talks.freshness.page_scopes`), so the edits that expire a page expire its
card too. The URL carries no version, so browsers and proxies get the page
cache's `must-revalidate` and ETag, not a long lifetime.
"""

from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from confnotes.card_image import Card, render_card
from confnotes.text import join_names
from talks import selectors, views

CARD_FILE = "card.png"


def conference_card(request, conference):
    found = selectors.conference_card(conference)
    if found is None:
        return _moved(views.conference_detail, request, conference=conference)
    place = ", ".join(part for part in (found.city, found.country) if part)
    return _png(
        Card(
            pgettext("social card", "Conference"),
            found.name,
            (date_range(found.start_date, found.end_date), place),
        )
    )


def day_card(request, conference, day):
    found = selectors.day_card(conference, day)
    if found is None:
        return _moved(views.day_detail, request, conference=conference, day=day)
    title = f"{found.conference.name}, {found.label}"
    when = _date(found.date, pgettext("date format", "l, j F Y"))
    return _png(Card(pgettext("social card", "Day"), title, (when, found.conference.city)))


def talk_card(request, conference, talk):
    found = selectors.talk_card(conference, talk)
    if found is None:
        return _moved(views.talk_detail, request, conference=conference, talk=talk)
    where = f"{found.conference.name} · {_date(found.day.date)}"
    speakers = join_names(speaker.name for speaker in found.listed_speakers())
    return _png(Card(found.kind_label, found.title, (where, speakers)))


def speaker_card(request, slug):
    found = selectors.speaker_card(slug)
    if found is None:
        return _moved(views.speaker_detail, request, slug=slug)
    speaker, counts, latest = found
    if not counts["talks"]:
        raise Http404("No published talks by this speaker.")
    talks = ngettext("%(num)d talk", "%(num)d talks", counts["talks"]) % {"num": counts["talks"]}
    conferences = ngettext("%(num)d conference", "%(num)d conferences", counts["conferences"]) % {
        "num": counts["conferences"]
    }
    # Translators: "3 talks at 2 conferences", under a speaker's name on their social card.
    total = _("%(talks)s at %(conferences)s") % {"talks": talks, "conferences": conferences}
    # Translators: the conference a speaker spoke at last.
    latest = _("Latest: %(conference)s") % {"conference": latest}
    return _png(Card(pgettext("social card", "Speaker"), speaker.name, (total, latest)))


def date_range(start, end) -> str:
    """“8–10 September 2019”, “30 August – 2 September 2019”, or one date."""
    if start is None:
        return ""
    if end is None or end <= start:
        return _date(start)
    if (start.year, start.month) == (end.year, end.month):
        # Translators: the first day of a range within one month: "8" of "8–10 September 2019".
        return f"{_date(start, pgettext('date format', 'j'))}–{_date(end)}"
    if start.year == end.year:
        # Translators: the first day of a range within one year: "30 August" of
        # "30 August – 2 September 2019".
        return f"{_date(start, pgettext('date format', 'j F'))} – {_date(end)}"
    return f"{_date(start)} – {_date(end)}"


def _date(value, fmt: str | None = None) -> str:
    """`value` in `fmt`, by default the language's “8 September 2019”."""
    return date_format(value, fmt or pgettext("date format", "j F Y"))


def _png(card: Card) -> HttpResponse:
    return HttpResponse(render_card(card), content_type="image/png")


def _moved(page_view, request, **kwargs):
    """The card of a page that is not here: where the page's redirect (an old slug) leads,
    to its card; else a 404, as the page gives."""
    response = page_view(request, **kwargs)
    if response.status_code != 301:
        raise Http404("No such page.")  # staff see drafts' pages, never their cards
    return HttpResponsePermanentRedirect(response["Location"].partition("?")[0] + CARD_FILE)
