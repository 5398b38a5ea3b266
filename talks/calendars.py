"""iCalendar exports: every timed talk of a conference, or of one of its days.

One VEVENT per talk with a start time, on the date it really starts (after midnight
of its program day, too). Times carry the conference's zone: a TZID with the
VTIMEZONE it needs when the zone has a name, UTC when only its offset is known,
floating local times when nothing says (calendar apps then show the program's
wall-clock time). A talk whose time cannot be written (a date at the end of the
calendar) is left out rather than failing the whole file.
Three queries per calendar: the conference (or day), the talks, their speakers.
A program longer than CALENDAR_PAGE_SIZE items is split in parts (`?page=N`), which
its day and conference pages link, so that no file grows without bound.
"""

import datetime
import re
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.db.models import F
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from confnotes.paths import slug_path
from confnotes.text import join_names
from talks.models import (
    Conference,
    ConferenceOldSlug,
    ConferenceQuerySet,
    Day,
    DayOldSlug,
    DayQuerySet,
    Talk,
)
from talks.selectors import CALENDAR_PAGE_SIZE
from talks.times import conference_zone, talk_times

PRODID = "-//confnotes//conference calendar//EN"
CONTENT_TYPE = "text/calendar; charset=utf-8"
_WEEK = datetime.timedelta(days=7)
# Control characters iCalendar text may not hold (RFC 5545 allows only tab among them).
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0A-\x1F\x7F]")
_TALK_FIELDS = (
    "slug", "title", "kind", "start_time", "start_date", "duration", "room", "updated", "day__date",
)  # fmt: skip


class Span(NamedTuple):
    """A whole-day event standing in for a program that has no times yet."""

    uid: str
    summary: str
    first: datetime.date
    last: datetime.date
    url: str
    updated: datetime.datetime


def talk_uid(talk) -> str:
    """A UID that stays the same for a talk across exports, renames and hosts."""
    return f"talk-{talk.pk}@confnotes"


def _text(value: str) -> str:
    return _CONTROL_CHARS.sub("", value)


def _speaker_names(talk) -> str:
    return join_names(speaker.name for speaker in talk.listed_speakers())


def _timed_talks(request, talks) -> tuple[list[Talk], bool]:
    """The timed talks of the calendar's part `?page=N` (the first without one), and
    whether it is the only part. A part holds CALENDAR_PAGE_SIZE talks of the program,
    as its day and conference pages count them, timed or not."""
    number = request.GET.get("page", "1")
    if not number.isdigit() or int(number) < 1:
        raise Http404("No such part of the calendar.")
    start = (int(number) - 1) * CALENDAR_PAGE_SIZE
    part = list(
        talks.select_related("day")
        .with_speakers()
        .only(*_TALK_FIELDS)
        .order_by(  # NULLs placed alike on SQLite and PostgreSQL: the parts are the same
            "day__date",
            F("start_date").asc(nulls_first=True),
            F("start_time").asc(nulls_last=True),
            "position",
            "pk",
        )[start : start + CALENDAR_PAGE_SIZE + 1]  # one more: is there a next part?
    )
    if start and not part:
        raise Http404("No such part of the calendar.")
    only = start == 0 and len(part) <= CALENDAR_PAGE_SIZE
    return [talk for talk in part[:CALENDAR_PAGE_SIZE] if talk.start_time is not None], only


def build_calendar(conference, talks, *, name: str, absolute, span: Span | None = None) -> bytes:
    """The iCalendar text of `talks` (each with its day and speakers fetched).

    With no timed talk, `span` (when given) becomes one all-day event, so that
    the calendar still shows when the conference or day takes place.
    """
    tz = conference_zone(conference)
    named = isinstance(tz, ZoneInfo)  # a bare offset has no VTIMEZONE: its times go as UTC
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _text(name))
    if named:
        calendar.add("x-wr-timezone", tz.key)
    dates = []
    for talk in talks:
        start, end = talk_times(talk, day_date=talk.day.date, zone=tz)
        if start is None:
            continue  # beyond what a datetime holds
        if tz is not None and not named:
            start = start.astimezone(datetime.UTC)
            end = end.astimezone(datetime.UTC) if end is not None else None
        dates.append(start.date())
        event = Event()
        event.add("uid", talk_uid(talk))
        event.add("dtstamp", talk.updated.astimezone(datetime.UTC))
        event.add("dtstart", start)
        if end is not None:
            event.add("dtend", end)
        event.add("summary", _text(talk.title))
        location = talk.room or conference.place
        if location:
            event.add("location", _text(location))
        url = absolute(slug_path("talks:talk_detail", conference=conference.slug, talk=talk.slug))
        speakers = _speaker_names(talk)
        lines = []
        if speakers:
            # Translators: a calendar event's first line: "Keynote by Ada Lovelace".
            byline = _("%(kind)s by %(speakers)s")
            lines.append(byline % {"kind": talk.get_kind_display(), "speakers": _text(speakers)})
        lines.append(f"{_text(conference.name)}: {url}")
        event.add("description", "\n".join(line for line in lines if line))
        event.add("url", url)
        calendar.add_component(event)
    if not talks and span is not None:
        event = Event()
        event.add("uid", span.uid)
        event.add("dtstamp", span.updated.astimezone(datetime.UTC))
        event.add("dtstart", span.first)
        if span.last < datetime.date.max:  # without DTEND, an event of dates lasts one day
            event.add("dtend", span.last + datetime.timedelta(days=1))  # DTEND is exclusive
        event.add("summary", _text(span.summary))
        if conference.place:
            event.add("location", _text(conference.place))
        event.add("url", absolute(span.url))
        calendar.add_component(event)
    if named and dates:
        # Only the rules around the conference's days: a small VTIMEZONE.
        calendar.add_missing_timezones(
            first_date=max(min(dates), datetime.date.min + _WEEK) - _WEEK,
            last_date=min(max(dates), datetime.date.max - _WEEK) + _WEEK,
        )
    return calendar.to_ical()


def _response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _renamed(conference_slug: str, url_name: str, **kwargs):
    old = ConferenceOldSlug.objects.select_related("conference").filter(
        ConferenceQuerySet.public_rule("conference__"), slug=conference_slug
    )
    old = old.first()
    if old is None:
        raise Http404("No such conference.")
    return HttpResponsePermanentRedirect(
        reverse(url_name, kwargs={"conference": old.conference.slug, **kwargs})
    )


def conference_calendar(request, conference):
    """`/<conference>/calendar.ics`: the timed talks of every published day."""
    try:
        conf = Conference.objects.published().get(slug=conference)
    except Conference.DoesNotExist:
        return _renamed(conference, "talks:conference_calendar")
    talks, only = _timed_talks(request, Talk.objects.published().filter(conference=conf))
    span = None
    if conf.start_date and only:
        span = Span(
            uid=f"conference-{conf.pk}@confnotes",
            summary=conf.name,
            first=conf.start_date,
            last=max(conf.end_date or conf.start_date, conf.start_date),
            url=conf.get_absolute_url(),
            updated=conf.updated,
        )
    body = build_calendar(
        conf, talks, name=conf.name, absolute=request.build_absolute_uri, span=span
    )
    return _response(body, f"{conf.slug}.ics")


def day_calendar(request, conference, day):
    """`/<conference>/<day>/calendar.ics`: the timed talks of one published day."""
    try:
        current = (
            Day.objects.published()
            .select_related("conference")
            .get(conference__slug=conference, slug=day)
        )
    except Day.DoesNotExist:
        if not Conference.objects.published().filter(slug=conference).exists():
            return _renamed(conference, "talks:day_calendar", day=day)
        old = (
            DayOldSlug.objects.filter(
                DayQuerySet.public_rule("day__"), day__conference__slug=conference, slug=day
            )
            .select_related("day")
            .first()
        )
        if old is None:
            raise Http404("No such day.") from None
        return HttpResponsePermanentRedirect(
            reverse("talks:day_calendar", kwargs={"conference": conference, "day": old.day.slug})
        )
    talks, only = _timed_talks(request, Talk.objects.filter(day=current))
    for talk in talks:
        talk.day = current
    span = Span(
        uid=f"day-{current.pk}@confnotes",
        summary=f"{current.conference.name}, {current.label}",
        first=current.date,
        last=current.date,
        url=current.get_absolute_url(),
        updated=current.updated,
    )
    body = build_calendar(
        current.conference,
        talks,
        name=f"{current.conference.name}, {current.label}",
        absolute=request.build_absolute_uri,
        span=span if only else None,
    )
    return _response(body, f"{current.conference.slug}-{current.slug}.ics")
