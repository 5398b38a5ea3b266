from django.core.management.base import CommandError
from django.db import transaction

from confnotes.commands import ReportingCommand
from confnotes.history.versions import RevisionLog
from speakers.models import normalize_name
from talks.importers.common import (
    ImportSummary,
    SpeakerResolver,
    announce_import,
    use_primary_database,
)
from talks.models import Conference, Source, Talk, TalkSpeaker
from talks.title_names import split_titles


class Command(ReportingCommand):
    help = (
        "Take speakers' names out of talk titles (“Title - Name”, “Title (Name)”) and "
        "make them the talks' speakers, where every name is a speaker known to the "
        "archive or to the same event. Only talks imported from pyvideo, without "
        "speakers, whose title is still the one imported (never a writer's) are "
        "touched. --dry-run prints the changes and makes none."
    )

    def add_arguments(self, parser):
        parser.add_argument("conferences", nargs="*", metavar="CONFERENCE_SLUG")
        parser.add_argument(
            "--dry-run", action="store_true", help="Print what would change; change nothing."
        )

    def handle(self, *args, conferences, dry_run, **options):
        with use_primary_database():
            found = Conference.objects.order_by("slug")
            if conferences:
                found = found.filter(slug__in=conferences)
                missing = sorted(set(conferences) - {c.slug for c in found})
                if missing:
                    raise CommandError(f"No conference with the slug: {', '.join(missing)}")
            changes = [
                (conference, talk, split)
                for conference in found
                for talk, split in _changes(conference)
            ]
            for conference, talk, split in changes:
                self.stdout.write(
                    f"{conference.slug}/{talk.slug}: “{talk.title}” → “{split.title}” "
                    f"+ speakers: {', '.join(split.speakers)}"
                )
            if dry_run:
                self.stdout.write(f"Dry run: {len(changes)} talks would change; none changed.")
                return
            summary = _apply(changes)
        talks = summary.get("Talk", "updated")
        speakers = summary.get("Speaker", "created")
        self.stdout.write(f"{talks} talks changed; {speakers} speakers created.")


def imported_title(talk: Talk) -> str | None:
    """The title the talk's pyvideo record gives (as the import writes it), or None
    when the talk has no such record."""
    stored = (talk.extra or {}).get("pyvideo") if isinstance(talk.extra, dict) else None
    record = stored.get("record") if isinstance(stored, dict) else None
    title = record.get("title") if isinstance(record, dict) else None
    return " ".join(title.split())[:300] if isinstance(title, str) else None


def _changes(conference: Conference) -> list:
    talks = list(
        Talk.objects.filter(conference=conference, source=Source.PYVIDEO).order_by(
            "day__date", "position", "pk"
        )
    )
    with_speakers = set(
        TalkSpeaker.objects.filter(talk__conference=conference).values_list("talk_id", flat=True)
    )
    # Untouched since import: no speakers, and the title its record gives.
    candidates = [
        talk
        for talk in talks
        if talk.pk not in with_speakers and imported_title(talk) == talk.title
    ]
    if not candidates:
        return []
    event_names = set(
        TalkSpeaker.objects.filter(talk__conference=conference).values_list(
            "speaker__name", flat=True
        )
    )
    for talk in talks:  # and the speakers the event's records give
        record = ((talk.extra or {}).get("pyvideo") or {}).get("record") or {}
        names = record.get("speakers") if isinstance(record, dict) else None
        event_names.update(n for n in names or () if isinstance(n, str))
    splits = split_titles(
        (talk.title for talk in candidates),
        conference_name=conference.name,
        event_names=event_names,
    )
    return [(talk, splits[talk.title]) for talk in candidates if talk.title in splits]


def _apply(changes) -> ImportSummary:
    """Write every change in one transaction; the run is one revision of the history."""
    summary = ImportSummary()
    history = RevisionLog("Speakers' names taken out of titles by split_title_names.")
    with transaction.atomic():
        resolver = SpeakerResolver(summary)
        speakers = resolver.resolve_all(n for _, _, split in changes for n in split.speakers)
        rows = []
        for _conference, talk, split in changes:
            talk.title = split.title[:300]
            talk.save()  # expires the talk's pages
            wanted = []
            for name in split.speakers:
                speaker = speakers[normalize_name(" ".join(name.split()))]
                if speaker.pk not in wanted:
                    wanted.append(speaker.pk)
            rows.extend(
                TalkSpeaker(talk=talk, speaker_id=pk, position=n) for n, pk in enumerate(wanted)
            )
            summary.add("Talk", "updated")
        TalkSpeaker.objects.bulk_create(rows)
        history.add([talk for _, talk, _ in changes] + resolver.created)
        announce_import("split_title_names", {c.pk for c, _, _ in changes})
    return summary
