"""Atom feeds of published notes: site-wide, per conference, per speaker, per tag.

Each entry carries the note's authors (an `<author>` each), where it was first
published (`<link rel="via">`), its publication and update dates, a
plain-text summary and the note's sanitized HTML (`body_html`, never the
Markdown source) as its content. A feed runs a fixed number of queries: the
subject (conference, speaker or tag), the notes with their authors, and the
tags of their talks.
"""

import io
import re
from urllib.parse import urljoin

from django.contrib.syndication.views import Feed
from django.db.models import Q
from django.http import Http404, HttpResponsePermanentRedirect
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.xmlutils import SimplerXMLGenerator

from speakers.models import SpeakerOldSlug
from talks.models import (
    Conference,
    ConferenceOldSlug,
    ConferenceQuerySet,
    Note,
    TagOldSlug,
    speakers_with_public_talks,
    tags_prefetch,
    tags_with_public_talks,
)
from talks.structured_data import plain_text

FEED_SIZE = 30


# Characters XML 1.0 cannot carry at all: imported names and titles may hold them.
_XML_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]")


class _XMLSafeGenerator(SimplerXMLGenerator):
    """Drops characters XML cannot carry instead of failing the whole feed."""

    def characters(self, content):
        super().characters(_XML_CONTROL_CHARS.sub("", content) if content else content)

    def startElement(self, name, attrs):
        attrs = {
            key: _XML_CONTROL_CHARS.sub("", value) if isinstance(value, str) else value
            for key, value in (attrs or {}).items()
        }
        super().startElement(name, attrs)


class NotesAtomFeed(Atom1Feed):
    """Atom with each note's full HTML as `<content type="html">` beside its summary."""

    def write(self, outfile, encoding):
        # Written into a string, then to `outfile` at once: the generator writes each
        # tag and text apart, some 1,500 writes for a feed, and each write to a
        # response costs a pass through a text wrapper and the response's own checks.
        text = io.StringIO()
        handler = _XMLSafeGenerator(text, encoding, short_empty_elements=True)
        handler.startDocument()
        handler.startElement("feed", self.root_attributes())
        self.add_root_elements(handler)
        self.write_items(handler)
        handler.endElement("feed")
        # As the generator's own writer encodes: what the encoding lacks, as references.
        outfile.write(text.getvalue().encode(encoding, "xmlcharrefreplace"))

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for name, path in item.get("authors", ()):
            handler.startElement("author", {})
            handler.addQuickElement("name", name)
            handler.addQuickElement("uri", urljoin(self.feed["link"], path))
            handler.endElement("author")
        if item.get("source_url"):  # where the note was first published
            handler.addQuickElement("link", "", {"rel": "via", "href": item["source_url"]})
        if item.get("content_html"):
            handler.addQuickElement("content", item["content_html"], {"type": "html"})


class NotesFeed(Feed):
    """The latest published notes of the whole site."""

    feed_type = NotesAtomFeed
    # Translators: the title of the site's Atom feed; "confnotes" is the site's name.
    title = gettext_lazy("confnotes: latest notes")
    subtitle = gettext_lazy("The latest write-ups of conference talks and days on confnotes.")

    def link(self, obj=None):
        return reverse("talks:home")

    def notes(self, obj):
        """Public notes of the feed's subject; subclasses narrow it down."""
        return Note.objects.published()

    def items(self, obj=None):
        return (
            self.notes(obj)
            .with_subjects("body_html", "source_url")
            .prefetch_related(tags_prefetch("talk__"))
            .with_authors()
            .order_by("-published_at", "-pk")[:FEED_SIZE]
        )

    def item_title(self, note):
        if note.talk_id:
            return f"{note.talk.title} ({note.talk.conference.name})"
        if note.day_id:
            return f"{note.day.conference.name}, {note.day.label}"
        return note.conference.name

    def item_description(self, note):
        # Atom's summary is typed html: the plain text is escaped once more, or
        # markup written as text in a note would come alive in feed readers.
        return escape(plain_text(note.body_html))

    def item_link(self, note):
        return note.get_absolute_url()

    def item_guid(self, note):
        return f"urn:uuid:{note.uid}"

    item_guid_is_permalink = False

    # Each author is an <author> of the entry, written by NotesAtomFeed: Django's
    # feeds know one author per entry.

    def item_pubdate(self, note):
        return note.published_at or note.created

    def item_updateddate(self, note):
        return note.updated

    def item_categories(self, note):
        return [tag.name for tag in note.talk.listed_tags()] if note.talk_id else []

    def item_extra_kwargs(self, note):
        return {
            "content_html": note.body_html,
            "authors": [(author.name, author.get_absolute_url()) for author in note.author_list],
            "source_url": note.source_url,
        }


class ConferenceNotesFeed(NotesFeed):
    """Published notes of one conference: on its talks, its days and the whole of it."""

    def __call__(self, request, *args, **kwargs):
        try:
            return super().__call__(request, *args, **kwargs)
        except Http404:
            old = ConferenceOldSlug.objects.filter(
                ConferenceQuerySet.public_rule("conference__"), slug=kwargs["conference"]
            ).first()
            if old is None:
                raise
            return HttpResponsePermanentRedirect(
                reverse("talks:conference_feed", kwargs={"conference": old.conference.slug})
            )

    def get_object(self, request, conference):
        return Conference.objects.published().get(slug=conference)

    def title(self, conference):
        return _("%(conference)s: notes · confnotes") % {"conference": conference.name}

    def subtitle(self, conference):
        return _("Write-ups of %(conference)s, its talks and its days.") % {
            "conference": conference.name
        }

    def link(self, conference):
        return conference.get_absolute_url()

    def notes(self, conference):
        return Note.objects.published().filter(
            Q(talk__conference=conference)
            | Q(day__conference=conference)
            | Q(conference=conference)
        )


class SpeakerNotesFeed(NotesFeed):
    """Published notes on the talks of one speaker."""

    def __call__(self, request, *args, **kwargs):
        try:
            return super().__call__(request, *args, **kwargs)
        except Http404:
            old = SpeakerOldSlug.objects.filter(slug=kwargs["slug"]).first()
            if old is None:
                raise
            return HttpResponsePermanentRedirect(
                reverse("talks:speaker_feed", kwargs={"slug": old.speaker.slug})
            )

    def get_object(self, request, slug):
        # Like the speaker page: a speaker with no published talk is not shown.
        return speakers_with_public_talks().get(slug=slug)

    def title(self, speaker):
        return _("%(speaker)s: notes on their talks · confnotes") % {"speaker": speaker.name}

    def subtitle(self, speaker):
        return _("Write-ups of talks given by %(speaker)s.") % {"speaker": speaker.name}

    def link(self, speaker):
        return speaker.get_absolute_url()

    def notes(self, speaker):
        return Note.objects.published().filter(talk__talk_speakers__speaker=speaker)


class TagNotesFeed(NotesFeed):
    """Published notes on the talks carrying one tag."""

    def __call__(self, request, *args, **kwargs):
        try:
            return super().__call__(request, *args, **kwargs)
        except Http404:
            # A tag renamed, or merged into another: the feed of the tag it is now.
            old = TagOldSlug.objects.select_related("tag").filter(slug=kwargs["slug"]).first()
            if old is None:
                raise
            return HttpResponsePermanentRedirect(
                reverse("talks:tag_feed", kwargs={"slug": old.tag.slug})
            )

    def get_object(self, request, slug):
        return tags_with_public_talks().get(slug=slug)

    def title(self, tag):
        return _("Notes on talks tagged “%(tag)s” · confnotes") % {"tag": tag.name}

    def subtitle(self, tag):
        return _("Write-ups of talks tagged %(tag)s, across conferences.") % {"tag": tag.name}

    def link(self, tag):
        return reverse("talks:tag_detail", kwargs={"slug": tag.slug})

    def notes(self, tag):
        return Note.objects.published().filter(talk__tagged_items__tag=tag)
