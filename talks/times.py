"""When things happen: a conference's time zone, and a talk's start and end.

A talk belongs to a program day (`Talk.day`) but may start on the next calendar date:
frab days run past midnight (31c3's first day ends at 04:00 on the 28th), so
`Talk.start_date` holds the date it starts on when that is not its day's. Every page,
calendar, feed and export asks `talk_times()` (or `Talk.when`) for a talk's start and
end; nothing else combines a date with a time.

`Conference.time_zone` is an IANA name ("Europe/Berlin"), or a fixed offset
("+01:00") where a schedule gave offsets but no name, or blank when nothing says.
"""

import datetime
import re
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Dates an import takes: older or later ones are typing errors ("9999-12-31"), and
# the dates around them must stay computable (a calendar's end is the next day).
EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2199, 12, 31)
_OFFSET = re.compile(r"([+-])(\d{2}):?(\d{2})")


def date_problem(value: datetime.date) -> str | None:
    """Why an imported date cannot be a conference's, or None when it can."""
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        return f"{value.isoformat()} is out of range ({EARLIEST_DATE.year} to {LATEST_DATE.year})"
    return None


def offset_name(offset: datetime.timedelta) -> str:
    """A fixed offset as `Conference.time_zone` keeps it: "+01:00", "-05:30"."""
    minutes = round(offset.total_seconds() / 60)
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def parse_zone(name) -> datetime.tzinfo | None:
    """The zone `name` stands for (an IANA name or a fixed offset), or None."""
    if not isinstance(name, str) or not name.strip():
        return None
    name = name.strip()
    match = _OFFSET.fullmatch(name)
    if match:
        sign, hours, minutes = match.groups()
        offset = datetime.timedelta(hours=int(hours), minutes=int(minutes))
        if offset >= datetime.timedelta(hours=24) or int(minutes) >= 60:
            return None
        return datetime.timezone(-offset if sign == "-" else offset)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def validate_time_zone(value: str) -> None:
    """A model field validator: an IANA zone name or an offset such as "+01:00"."""
    if value and parse_zone(value) is None:
        raise ValidationError(
            _("%(value)s is neither a time zone name (Europe/Berlin) nor an offset (+01:00)."),
            params={"value": value},
            code="invalid_time_zone",
        )


def conference_zone(conference) -> datetime.tzinfo | None:
    """The conference's time zone, or None when nothing says which it is."""
    return parse_zone(getattr(conference, "time_zone", ""))


def talk_times(talk, *, day_date: datetime.date, zone: datetime.tzinfo | None):
    """(start, end) of a talk on the program day `day_date`: aware datetimes when the
    zone is known, naive ones otherwise, (None, None) when it is untimed. An end (or
    start) beyond what a datetime can hold is None: pages show what the database holds."""
    if talk.start_time is None:
        return None, None
    start = datetime.datetime.combine(talk.start_date or day_date, talk.start_time, tzinfo=zone)
    try:
        utc = start.astimezone(datetime.UTC) if zone is not None else None  # as calendars write it
    except OverflowError:
        return None, None
    end = None
    if talk.duration:
        try:
            # In elapsed time: across a DST change the end is still so many minutes later.
            end = (utc + talk.duration).astimezone(zone) if utc else start + talk.duration
        except OverflowError:
            end = None
    return start, end


def html_datetime(moment: datetime.datetime) -> str:
    """A `<time datetime>` value: "2014-12-28T00:00+01:00" (no offset when naive)."""
    return moment.isoformat(timespec="minutes")


def zone_abbreviation(moment: datetime.datetime) -> str:
    """How the zone is named at `moment`: "CET", "EDT"; "UTC+01:00" for a bare offset."""
    if moment.tzinfo is None:
        return ""
    name = moment.tzname() or ""
    if isinstance(moment.tzinfo, datetime.timezone) and name != "UTC":
        return f"UTC{offset_name(moment.utcoffset())}"
    return name


class When(NamedTuple):
    """A timed talk's start and end, as pages print them."""

    start: datetime.datetime
    end: datetime.datetime | None
    day_date: datetime.date

    @property
    def start_attr(self) -> str:
        return html_datetime(self.start)

    @property
    def end_attr(self) -> str:
        return html_datetime(self.end) if self.end else ""

    @property
    def zone(self) -> str:
        """The zone's abbreviation at the start ("CET"), "" when not known."""
        return zone_abbreviation(self.start)

    @property
    def zone_title(self) -> str:
        """The zone's full name ("Europe/Berlin"), for the abbreviation's title."""
        return getattr(self.start.tzinfo, "key", "") or self.zone

    @property
    def other_date(self) -> datetime.date | None:
        """The start's date when it is not the program day's (an item after midnight)."""
        date = self.start.date()
        return date if date != self.day_date else None


def talk_when(talk, *, day_date: datetime.date, zone) -> When | None:
    """The talk's `When`, or None when it is untimed."""
    start, end = talk_times(talk, day_date=day_date, zone=zone)
    return When(start, end, day_date) if start is not None else None


def talk_start_value(talk, *, day_date: datetime.date, zone):
    """A schema.org `startDate`: the start with its offset, else the program day."""
    start, _end = talk_times(talk, day_date=day_date, zone=zone)
    return start.isoformat() if start is not None else day_date
