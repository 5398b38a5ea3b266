"""Keep derived state fresh when content changes: the page cache version.

Importers write in bulk, past the per-row signals, so they send `content_imported`
once per imported conference (after their transaction commits); everything that
derives state from content (the page cache, the search index) listens to it.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import Signal
from taggit.models import Tag

from confnotes.pagecache import bump_content_version
from confnotes.safeurls import blank_unsafe_urls
from speakers.models import Speaker, SpeakerAlias
from talks.models import (
    Conference,
    Day,
    Link,
    LinkCheck,
    Note,
    TaggedConference,
    TaggedTalk,
    Talk,
    TalkSpeaker,
)

# Sent with `conference_ids`: the primary keys of the conferences an import wrote.
content_imported = Signal()

CONTENT_MODELS = (
    Conference, Day, Talk, TalkSpeaker, Link, Note, TaggedTalk, TaggedConference, Tag, Speaker,
    SpeakerAlias,
)  # fmt: skip


def connect() -> None:
    for model in CONTENT_MODELS:
        uid = f"confnotes-pagecache-{model._meta.label_lower}"
        post_save.connect(bump_content_version, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(bump_content_version, sender=model, dispatch_uid=f"{uid}-delete")
    m2m_changed.connect(
        bump_content_version, sender=Talk.speakers.through, dispatch_uid="confnotes-pagecache-m2m"
    )
    # LinkCheck rows decide which links pages mark as broken; check_links
    # bumps once per run, the admin's deletes bump here.
    post_delete.connect(
        bump_content_version, sender=LinkCheck, dispatch_uid="confnotes-pagecache-linkcheck"
    )
    for model in (Conference, Talk, Link, Speaker):
        pre_save.connect(
            blank_unsafe_urls, sender=model, dispatch_uid=f"confnotes-safe-urls-{model.__name__}"
        )
    content_imported.connect(rerender_imported_notes, dispatch_uid="confnotes-notes-import")


def connect_last() -> None:
    """After every other listener of an import (notes, search index) has done its work,
    pages go stale: none is cached meanwhile under the new version with old content."""
    content_imported.connect(bump_content_version, dispatch_uid="confnotes-pagecache-import")


def rerender_imported_notes(*, conference_ids=(), **_signal_kwargs) -> None:
    """Imports write talks past Talk.save: re-render notes, whose timestamps follow the video."""
    Note.objects.filter(talk__conference_id__in=list(conference_ids)).rerender()
