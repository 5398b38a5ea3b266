"""Keep derived state fresh when content changes.

Importers write in bulk, past the per-row signals, so they send `content_imported`
once per imported conference (after their transaction commits); everything that
derives state from content (the page cache, the search index, rendered notes)
listens to it.
"""

from django.db.models.signals import pre_save
from django.dispatch import Signal
from taggit.models import Tag

from confnotes.safeurls import blank_unsafe_urls
from confnotes.text import clean_text_fields
from speakers.models import Speaker, SpeakerAlias
from talks import freshness
from talks.models import Author, Conference, Day, Link, Note, Talk

# Sent with `conference_ids`: the primary keys of the conferences an import wrote.
content_imported = Signal()


def connect() -> None:
    freshness.connect()
    for model in (Conference, Talk, Link, Speaker, Note):
        pre_save.connect(
            blank_unsafe_urls, sender=model, dispatch_uid=f"confnotes-safe-urls-{model.__name__}"
        )
    # Control characters from any form or script: importers, which write past save(),
    # call clean_text() themselves.
    for model in (Conference, Day, Talk, Link, Note, Author, Speaker, SpeakerAlias, Tag):
        pre_save.connect(
            clean_text_fields, sender=model, dispatch_uid=f"confnotes-clean-text-{model.__name__}"
        )
    content_imported.connect(rerender_imported_notes, dispatch_uid="confnotes-notes-import")


def connect_last() -> None:
    """After every other listener of an import (notes, search index) has done its work,
    pages go stale: none is cached meanwhile under the new version with old content."""
    content_imported.connect(
        freshness.conferences_imported, dispatch_uid="confnotes-freshness-import"
    )


def rerender_imported_notes(*, conference_ids=(), **_signal_kwargs) -> None:
    """Imports write talks past Talk.save: re-render notes, whose timestamps follow the video."""
    Note.objects.filter(talk__conference_id__in=list(conference_ids)).rerender()
