"""Import a day's recap as draft notes: one per part, on the talk it names or on the day.

`manage.py import_recap` calls `import_recap`; the admin's recap page
(talks/recap_admin.py) proposes the parts first and lets the writer move or drop
each one before `save_parts`. Either way the notes are drafts, by the given
authors, with the source the recap names (its "First published:" line) or else
the one given.
"""

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from confnotes.history.versions import record_revision
from talks.importers.common import ImportFailed
from talks.importers.recap_match import Proposal, propose_parts
from talks.models import Author, Day, Note, Talk
from talks.recap import NoteSource, RecapError, check_size, read_recap

# Where a part goes besides a talk (whose pk says it).
DAY_NOTE = "day"
CONFERENCE_NOTE = "conference"
DROP = "drop"


@dataclass(frozen=True)
class Placement:
    """A part of a recap and where the writer puts it: a talk's pk, DAY_NOTE or CONFERENCE_NOTE."""

    body: str
    target: int | str
    source: NoteSource | None = None  # the part's own source line, if it has one


@dataclass
class RecapSummary:
    talk_notes: int = 0
    day_notes: int = 0
    conference_notes: int = 0
    dropped: int = 0
    proposals: list[str] = field(default_factory=list)  # "part → talk (why)", for the command

    @property
    def created(self) -> int:
        return self.talk_notes + self.day_notes + self.conference_notes

    def lines(self) -> list[str]:
        created = _(
            "Draft notes created: %(created)s (%(talks)s on talks, %(days)s on the day, "
            "%(conferences)s on the conference)."
        ) % {
            "created": self.created,
            "talks": self.talk_notes,
            "days": self.day_notes,
            "conferences": self.conference_notes,
        }
        dropped = _("Parts dropped: %(dropped)s.") % {"dropped": self.dropped}
        return [created, *([dropped] if self.dropped else [])]


def day_by_path(path: str) -> Day:
    """The day named "CONFERENCE_SLUG/DAY_SLUG"; Day.DoesNotExist (with a message) if none."""
    conference_slug, _, day_slug = path.strip("/").partition("/")
    day = (
        Day.objects.select_related("conference")
        .filter(conference__slug=conference_slug, slug=day_slug)
        .first()
    )
    if day is None:
        raise Day.DoesNotExist(
            f"no day {path!r}: give it as CONFERENCE_SLUG/DAY_SLUG, e.g. djangocon-us-2009/day-2"
        )
    return day


def writer_named(name: str):
    """The writer a name stands for: an author of that name (one with an account first),
    else the account with that user name, else a guest writer of that name."""
    name = " ".join(name.split())
    author = (
        Author.objects.filter(name=name).order_by(F("user_id").asc(nulls_last=True), "pk").first()
    )
    if author is not None:
        return author
    return get_user_model().objects.filter(username=name).first() or name


def with_default_title(source: NoteSource, proposal: Proposal) -> NoteSource:
    """A source given with a URL but no title takes the recap's own title."""
    if source.url and not source.title and proposal.title:
        return dataclasses.replace(source, title=proposal.title)
    return source


def proposed_placements(proposal: Proposal) -> list[Placement]:
    """Every part where the matcher puts it: on its talk, else on the day."""
    return [
        Placement(part.body, part.talk.pk if part.talk else DAY_NOTE, part.source)
        for part in proposal.parts
    ]


def save_parts(
    day: Day,
    placements: list[Placement],
    *,
    authors,
    source: NoteSource,
    dropped: int = 0,
    user=None,
) -> RecapSummary:
    """Create a draft note for each placement, all or none, and one revision of them
    all, by `user` (None for a command).

    `source` is used for parts without a source line of their own; `authors` are
    users, Author rows or guests' names. Raises ValidationError naming the part
    when a note would be invalid (a source title too long for its field, say).
    """
    summary = RecapSummary(dropped=dropped)
    wanted = {p.target for p in placements if isinstance(p.target, int)}
    talks = Talk.objects.filter(conference_id=day.conference_id, pk__in=wanted).in_bulk()
    if missing := wanted - talks.keys():
        raise ValidationError(f"No talk {min(missing)} in {day.conference}.")
    notes = []
    with transaction.atomic():
        for number, placement in enumerate(placements, start=1):
            note = Note(body=placement.body, published=False)
            if placement.target == DAY_NOTE:
                note.day, summary.day_notes = day, summary.day_notes + 1
            elif placement.target == CONFERENCE_NOTE:
                note.conference_id = day.conference_id
                summary.conference_notes += 1
            else:
                note.talk, summary.talk_notes = talks[placement.target], summary.talk_notes + 1
            for name, value in (placement.source or source).as_fields().items():
                setattr(note, name, value)
            try:
                note.full_clean(validate_unique=False, validate_constraints=False)
            except ValidationError as exc:
                raise ValidationError(f"Part {number}: {_one_line(exc)}") from None
            note.save()
            note.set_authors(authors)
            notes.append(note)
        record_revision(notes, comment=f"Imported a recap of {day}.", user=user)
    return summary


def _one_line(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{Note._meta.get_field(name).verbose_name}: {' '.join(messages)}"
            for name, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


def import_recap(
    path,
    *,
    day: Day,
    authors=(),
    source: NoteSource | None = None,
    fmt: str = "",
    dry_run: bool = False,
) -> RecapSummary:
    """Read the recap file at `path` and make a draft note of each of its parts on
    the talk of `day`'s conference it names, or on the day. Atomic; raises
    ImportFailed ("<file>: <problem>") for a file it cannot read."""
    path = Path(path)
    try:
        check_size(path.stat().st_size)  # before reading it all
        markdown = read_recap(path.read_bytes(), name=path.name, fmt=fmt)
        proposal = propose_parts(day, markdown)
    except OSError as exc:
        raise ImportFailed(path, exc.strerror or str(exc)) from None
    except RecapError as exc:
        line = f"line {exc.line}" if exc.line else None
        raise ImportFailed(path, exc.problem, record=line) from None
    if not proposal.parts:
        raise ImportFailed(path, "has no text to make notes of")
    placements = proposed_placements(proposal)
    source = proposal.source or with_default_title(source or NoteSource(), proposal)
    if dry_run:
        summary = RecapSummary()
    else:
        try:
            summary = save_parts(day, placements, authors=authors, source=source)
        except ValidationError as exc:
            raise ImportFailed(path, " ".join(exc.messages)) from None
    summary.proposals = [
        f"{part.label or '(no heading)'} → "
        + (f"{part.talk.label} ({part.reason})" if part.talk else "a note on the day")
        for part in proposal.parts
    ]
    return summary
