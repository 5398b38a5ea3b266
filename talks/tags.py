"""Tags renamed or merged keep their old URLs.

A renamed tag's old slug is recorded on every save (`connect`), and `tags_merge`
folds tags into one (pyvideo's `postgres` and `postgressql`): their talks and
conferences move to the kept tag, and their slugs redirect to it. `/tags/<old>/`
and its feed answer 301 from a TagOldSlug row.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.db.models.signals import post_save, pre_save
from django.utils.text import slugify
from django.utils.translation import gettext as _
from taggit.models import Tag

from confnotes.history.versions import record_revision
from confnotes.pagecache import EVERYWHERE, expire
from talks.models import Conference, TaggedConference, TaggedTalk, TagOldSlug, Talk
from talks.search import search_index_talks


class TagMergeError(ValueError):
    """The merge asked for cannot be done; nothing was changed."""


@dataclass
class TagMergeSummary:
    kept: Tag
    merged: list[str] = field(default_factory=list)  # the names of the tags folded in
    talks_moved: int = 0
    talks_shared: int = 0  # already carried the kept tag: the duplicate row went
    conferences_moved: int = 0
    conferences_shared: int = 0
    old_slugs: list[str] = field(default_factory=list)  # now redirect to the kept tag

    def __str__(self) -> str:
        return _(
            "Merged %(merged)s into “%(kept)s”: %(talks_moved)s talk(s) moved, "
            "%(talks_shared)s already tagged; %(conferences_moved)s conference(s) moved, "
            "%(conferences_shared)s already tagged; old slugs redirecting to it: %(slugs)s."
        ) % {
            "merged": ", ".join(f"“{name}”" for name in self.merged),
            "kept": self.kept.name,
            "talks_moved": self.talks_moved,
            "talks_shared": self.talks_shared,
            "conferences_moved": self.conferences_moved,
            "conferences_shared": self.conferences_shared,
            "slugs": ", ".join(self.old_slugs),
        }


def tags_merge(*, keep: Tag, others: Iterable[Tag], user=None) -> TagMergeSummary:
    """Move the talks and conferences of `others` to `keep`, make their slugs (old ones
    too) redirect to it and delete them: in one transaction and one revision (of the
    retagged talks and conferences: taggit's tags keep no history of their own)."""
    other_pks = [other.pk for other in others]
    if not other_pks:
        raise TagMergeError(
            _("Name at least one tag to merge into “%(tag)s”.") % {"tag": keep.name}
        )
    if keep.pk in other_pks:
        raise TagMergeError(_("“%(tag)s” cannot be merged into itself.") % {"tag": keep.name})
    with transaction.atomic():
        tags = Tag.objects.select_for_update().in_bulk([keep.pk, *other_pks])
        if len(tags) != len(set(other_pks)) + 1:
            raise TagMergeError(_("Some of these tags no longer exist."))
        keep = tags[keep.pk]
        others = sorted((tags[pk] for pk in set(other_pks)), key=lambda tag: tag.name)
        summary = TagMergeSummary(kept=keep, merged=[other.name for other in others])
        retagged = {
            model: set(
                model.objects.filter(tag__in=others).values_list("content_object", flat=True)
            )
            for model in (TaggedTalk, TaggedConference)
        }
        talk_ids = retagged[TaggedTalk]
        for other in others:
            _fold(keep, other, summary)
            other.delete()
        TagOldSlug.objects.filter(slug=keep.slug).delete()  # its live URL: no redirect
        # Rows moved by update() send no signals: the moved talks' search rows, every
        # page that prints these tags beside a talk or a conference, and the history
        # of each talk and conference retagged (one revision, written in batches).
        search_index_talks(talk_ids)
        expire({EVERYWHERE})
        record_revision(
            [
                *Talk.objects.filter(pk__in=talk_ids),
                *Conference.objects.filter(pk__in=retagged[TaggedConference]),
            ],
            comment=f"Merged tags {', '.join(summary.merged)} into “{keep.name}”.",
            user=user,
        )
    return summary


def _fold(keep: Tag, other: Tag, summary: TagMergeSummary) -> None:
    """Move one merged tag's talks, conferences and old slugs to `keep`."""
    moved, shared = _move_items(TaggedTalk, keep, other)
    summary.talks_moved += moved
    summary.talks_shared += shared
    moved, shared = _move_items(TaggedConference, keep, other)
    summary.conferences_moved += moved
    summary.conferences_shared += shared
    summary.old_slugs.append(other.slug)
    summary.old_slugs.extend(other.old_slugs.values_list("slug", flat=True))
    other.old_slugs.update(tag=keep)
    TagOldSlug.objects.update_or_create(slug=other.slug, defaults={"tag": keep})


def _move_items(model, keep: Tag, other: Tag) -> tuple[int, int]:
    """Retag `other`'s rows of `model` (TaggedTalk or TaggedConference) with `keep`;
    an item carrying both keeps its row of `keep`. Returns (moved, dropped)."""
    rows = model.objects.filter(tag=other)
    both = model.objects.filter(tag=keep, content_object=OuterRef("content_object"))
    dropped, _per_model = rows.filter(Exists(both)).delete()
    moved = rows.update(tag=keep)
    return moved, dropped


def tags_of_old_names(names: Iterable[str]) -> dict[str, Tag]:
    """The tags that some of `names` were renamed or merged into, by name: a name whose
    slug is an old slug leads to the tag it redirects to. Imports tag with these, so
    that a re-import does not make a merged tag again."""
    by_slug: dict[str, list[str]] = {}
    for name in names:
        by_slug.setdefault(slugify(name, allow_unicode=True), []).append(name)
    found = {}
    for old in TagOldSlug.objects.filter(slug__in=by_slug).select_related("tag"):
        for name in by_slug[old.slug]:
            found[name] = old.tag
    return found


# ---------------------------------------------------------------------------
# Renames


def remember_loaded_slug(sender, instance, raw=False, using=None, **kwargs) -> None:
    """Before a tag is saved: the slug it has in the database, to record if it changes."""
    if raw or instance.pk is None:
        return
    stored = Tag.objects.using(using).filter(pk=instance.pk).values_list("slug", flat=True)
    instance._confnotes_stored_slug = stored.first()


def record_old_slug(sender, instance, raw=False, **kwargs) -> None:
    """After a tag is saved under a new slug: its old URL now leads to it."""
    old = getattr(instance, "_confnotes_stored_slug", None)
    instance._confnotes_stored_slug = instance.slug
    if raw or not old or old == instance.slug:
        return
    with transaction.atomic():
        TagOldSlug.objects.update_or_create(slug=old, defaults={"tag": instance})
        TagOldSlug.objects.filter(slug=instance.slug).delete()


def connect() -> None:
    """Record renamed tags' old slugs; called from TalksConfig.ready()."""
    pre_save.connect(remember_loaded_slug, sender=Tag, dispatch_uid="confnotes-tag-slug-pre")
    post_save.connect(record_old_slug, sender=Tag, dispatch_uid="confnotes-tag-slug-post")
