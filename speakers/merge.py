"""Two speaker rows that are one person become one: `speakers_merge`.

Everything moves through the speakers' own reverse relations (talk_speakers,
aliases, old_slugs), so this app still never imports `talks`. Rows are moved
with save() and delete(), one by one: a speaker has few talks, and the signals
those send keep the page cache and the search index in step (talks/freshness.py,
talks/search.py) and put each row in the merge's revision.
"""

from dataclasses import dataclass, field

import reversion
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from speakers.models import Speaker, SpeakerAlias, SpeakerOldSlug, normalize_name

# What the kept speaker takes from the other when its own is blank.
FILLED_FIELDS = ("bio", "website", "github", "mastodon", "bluesky", "twitter")


class SpeakerMergeError(ValueError):
    """The merge asked for cannot be done; nothing was changed."""


@dataclass
class SpeakerMergeSummary:
    kept: Speaker
    merged_name: str
    merged_slug: str
    talks_moved: int = 0
    talks_shared: int = 0  # talks both spoke at: one row kept
    aliases_moved: int = 0
    alias_added: str = ""  # the other's name, now a private alias of the kept one
    filled: list[str] = field(default_factory=list)  # fields taken from the other
    old_slugs: list[str] = field(default_factory=list)  # now redirect to the kept one

    def __str__(self) -> str:
        """What the merge did, in the interface's language: the admin's message."""
        # English says "(s)" whatever the count; other languages take their plural forms.
        moved, shared, aliases = self.talks_moved, self.talks_shared, self.aliases_moved
        names = {"merged": self.merged_name, "kept": self.kept.name}
        parts = [_("Merged “%(merged)s” into “%(kept)s”") % names]
        message = ngettext("%(count)d talk(s) moved", "%(count)d talk(s) moved", moved)
        parts.append(message % {"count": moved})
        if shared:
            message = ngettext(
                "%(count)d talk(s) both gave kept once",
                "%(count)d talk(s) both gave kept once",
                shared,
            )
            parts.append(message % {"count": shared})
        message = ngettext("%(count)d alias(es) moved", "%(count)d alias(es) moved", aliases)
        parts.append(message % {"count": aliases})
        if self.alias_added:
            parts.append(_("“%(name)s” added as a private alias") % {"name": self.alias_added})
        if self.filled:
            # Translators: %(fields)s names fields as the code does: "bio, website, photo".
            parts.append(_("filled in: %(fields)s") % {"fields": ", ".join(self.filled)})
        slugs = ", ".join(self.old_slugs)
        parts.append(_("old slugs redirecting to it: %(slugs)s") % {"slugs": slugs})
        return "; ".join(parts) + "."


def speakers_merge(*, keep: Speaker, other: Speaker, user=None) -> SpeakerMergeSummary:
    """Move `other`'s talks, aliases, photo, blank-filling fields and URLs to `keep`,
    then delete `other`: in one transaction and one revision."""
    if keep.pk == other.pk:
        raise SpeakerMergeError(_("A speaker cannot be merged into itself."))
    with transaction.atomic():
        with reversion.create_revision():
            if user is not None:
                reversion.set_user(user)
            reversion.set_comment(
                f"Merged speaker “{other.name}” ({other.slug}) into “{keep.name}”."
            )
            # Fresh rows, locked where the database can: what the editor saw may be stale.
            both = Speaker.objects.select_for_update().in_bulk([keep.pk, other.pk])
            if len(both) != 2:
                raise SpeakerMergeError(_("One of the speakers no longer exists."))
            keep, other = both[keep.pk], both[other.pk]
            # The merged speaker as it was, to recover it from if the merge was a
            # mistake: a revision keeps no deletions, and only rows that still exist
            # when it is saved, so it is deleted after.
            _add_to_revision(other)
            summary = SpeakerMergeSummary(kept=keep, merged_name=other.name, merged_slug=other.slug)
            talk_ids = _move_talks(keep, other, summary)
            _move_aliases(keep, other, summary)
            _fill_blanks(keep, other, summary)
            _move_slugs(keep, other, summary)
            # The merge shows in the history of the kept speaker and of each talk it
            # changed, with their speakers and aliases as they are now.
            _add_to_revision(keep, *keep.talks.filter(pk__in=talk_ids))
        other.delete()
    return summary


def _add_to_revision(*objects) -> None:
    """Store the rows' current state (with the rows they follow) in the open revision."""
    for obj in objects:
        if reversion.is_registered(type(obj)):
            reversion.add_to_revision(obj)


def _move_talks(keep: Speaker, other: Speaker, summary: SpeakerMergeSummary) -> set[int]:
    """Name `keep` on `other`'s talks; returns the ids of the talks changed."""
    kept_rows = {row.talk_id: row for row in keep.talk_speakers.all()}
    talk_ids = set()
    for row in other.talk_speakers.all():
        talk_ids.add(row.talk_id)
        shared = kept_rows.get(row.talk_id)
        if shared is None:
            row.speaker = keep
            row.save()
            summary.talks_moved += 1
            continue
        # Both are named on this talk: one row, at the earlier place in the program.
        earlier = min(shared.position, row.position)
        row.delete()
        if shared.position != earlier:
            shared.position = earlier
            shared.save()
        summary.talks_shared += 1
    return talk_ids


def _move_aliases(keep: Speaker, other: Speaker, summary: SpeakerMergeSummary) -> None:
    for alias in other.aliases.all():
        if alias.normalized_name == keep.normalized_name:
            alias.delete()  # the kept speaker's own name: it matches without an alias
            continue
        alias.speaker = keep
        alias.save()
        summary.aliases_moved += 1
    key = normalize_name(other.name)
    if key and key != keep.normalized_name:
        # Private: it finds the same person on import and in search, and is not printed.
        # An alias of that spelling elsewhere (another person's) is left alone.
        if not SpeakerAlias.objects.filter(normalized_name=key).exists():
            SpeakerAlias.objects.create(speaker=keep, name=other.name, public=False)
            summary.alias_added = other.name


def _fill_blanks(keep: Speaker, other: Speaker, summary: SpeakerMergeSummary) -> None:
    for name in FILLED_FIELDS:
        if not getattr(keep, name) and getattr(other, name):
            setattr(keep, name, getattr(other, name))
            summary.filled.append(name)
    if not keep.photo and other.photo:
        # The stored file is already resized and stripped: it changes hands as it is.
        keep.photo = other.photo.name
        keep.photo_thumbnail = other.photo_thumbnail.name
        summary.filled.append("photo")
    if summary.filled:
        keep.save()


def _move_slugs(keep: Speaker, other: Speaker, summary: SpeakerMergeSummary) -> None:
    for old in other.old_slugs.all():
        if old.slug == keep.slug:
            old.delete()  # the kept speaker's live URL: nothing to redirect
            continue
        old.speaker = keep
        old.save()
        summary.old_slugs.append(old.slug)
    SpeakerOldSlug.objects.update_or_create(slug=other.slug, defaults={"speaker": keep})
    summary.old_slugs.insert(0, other.slug)
