"""Where an old slug leads now: the row a renamed (or merged) conference, day, talk,
speaker or tag is today. The pages answer an old URL with a 301 to the same page
under the new slug (talks/views.py), the JSON API to the same resource (talks/api/).

A draft's old slug leads nowhere for the public: its redirect would tell its new name.
"""

from speakers.models import SpeakerOldSlug
from talks.models import (
    ConferenceOldSlug,
    ConferenceQuerySet,
    DayOldSlug,
    DayQuerySet,
    TagOldSlug,
    TalkOldSlug,
    TalkQuerySet,
)


def conference(slug: str, *, staff: bool = False):
    """The conference that was at `slug`, or None."""
    olds = ConferenceOldSlug.objects.filter(slug=slug)
    return _current(olds, "conference", ConferenceQuerySet.public_rule, staff=staff)


def day(conference_slug: str, slug: str, *, staff: bool = False):
    """The day of the conference at `conference_slug` that was at `slug`, or None."""
    olds = DayOldSlug.objects.filter(day__conference__slug=conference_slug, slug=slug)
    return _current(olds, "day", DayQuerySet.public_rule, staff=staff)


def talk(conference_slug: str, slug: str, *, staff: bool = False):
    """The talk of the conference at `conference_slug` that was at `slug`, or None."""
    olds = TalkOldSlug.objects.filter(talk__conference__slug=conference_slug, slug=slug)
    return _current(olds, "talk", TalkQuerySet.public_rule, staff=staff)


def _current(olds, relation: str, public_rule, *, staff: bool):
    """The `relation` (with its conference) of the first of `olds`; the public's only
    when it is public."""
    olds = olds.select_related(relation if relation == "conference" else f"{relation}__conference")
    if not staff:
        olds = olds.filter(public_rule(f"{relation}__"))
    old = olds.first()
    return getattr(old, relation) if old else None


def speaker(slug: str):
    """The speaker that was at `slug` (renamed, or merged into another), or None."""
    old = SpeakerOldSlug.objects.select_related("speaker").filter(slug=slug).first()
    return old.speaker if old else None


def tag(slug: str):
    """The tag that was at `slug` (renamed, or merged into another), or None."""
    old = TagOldSlug.objects.select_related("tag").filter(slug=slug).first()
    return old.tag if old else None
