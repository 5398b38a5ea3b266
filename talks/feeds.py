"""Atom feeds of published notes: site-wide, per conference, per speaker, per tag.

Each entry carries the note's authors (an `<author>` each), where it was first
published (`<link rel="via">`), its publication and update dates, a
plain-text summary and the note's sanitized HTML (`body_html`, never the
Markdown source) as its content. A feed runs a fixed number of queries: the
subject (conference, speaker or tag) and its latest notes' keys and dates;
for the entries not kept in the cache (`NotesFeed`), the notes with their
authors, and the tags of their talks.
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

from confnotes.pagecache import remember_many
from speakers.models import SpeakerOldSlug
from talks.freshness import conference_scope, talk_notes_scopes, talk_row_scopes
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
    """Atom with each note's full HTML as `<content type="html">` beside its summary.

    Its items carry their `<entry>` written already (`entry`): `NotesFeed` keeps the
    entries in the cache one by one."""

    def write(self, outfile, encoding):
        # Written into a string, then to `outfile` at once: the generator writes each
        # tag and text apart, and each write to a response costs a pass through a text
        # wrapper and the response's own checks.
        text = io.StringIO()
        handler = _XMLSafeGenerator(text, encoding, short_empty_elements=True)
        handler.startDocument()
        handler.startElement("feed", self.root_attributes())
        self.add_root_elements(handler)
        # Every element of the feed's own is closed by now: the entries follow as written.
        text.writelines(item["entry"] for item in self.items)
        handler.endElement("feed")
        # As the generator's own writer encodes: what the encoding lacks, as references.
        outfile.write(text.getvalue().encode(encoding, "xmlcharrefreplace"))

    def entry(self, item) -> str:
        """The `<entry>` of an item given to `add_item`."""
        text = io.StringIO()
        handler = _XMLSafeGenerator(text, "utf-8", short_empty_elements=True)
        handler.startElement("entry", self.item_attributes(item))
        self.add_item_elements(handler, item)
        handler.endElement("entry")
        return text.getvalue()

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


class NoteEntries(Feed):
    """The entries of `notes`, as a notes feed prints them (`entries`): what each says
    of its note, its subject, authors, dates and tags. Only its entries are written."""

    feed_type = NotesAtomFeed
    link = "/"

    def __init__(self, notes=()):
        self.listed = notes

    def items(self):
        return self.listed

    def entries(self, request) -> list[str]:
        """The `<entry>` of each of the notes, in their order."""
        feed = self.get_feed(None, request)
        return [feed.entry(item) for item in feed.items]

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


def _entry_scopes(row) -> list[str]:
    """The scopes of a note's entry (a row of `NotesFeed.get_feed`'s latest notes): its
    talk's row (title, conference, tags) and notes, or its day's or conference's pages."""
    _pk, talk_id, day_conference, conference, *_dates = row
    if talk_id:
        return [*talk_row_scopes(talk_id), *talk_notes_scopes(talk_id)]
    return [conference_scope(day_conference or conference)]


class NotesFeed(NoteEntries):
    """The latest published notes of the whole site.

    Each entry is kept in the cache as written, under the scopes of what it prints
    (`_entry_scopes`): a feed read again after an edit writes only the entries the
    edit changed. The feed reads its latest notes' keys, subjects and dates; the
    notes themselves, their authors and tags only for entries not kept."""

    # Translators: the title of the site's Atom feed; "confnotes" is the site's name.
    title = gettext_lazy("confnotes: latest notes")
    subtitle = gettext_lazy("The latest write-ups of conference talks and days on confnotes.")

    def link(self, obj=None):
        return reverse("talks:home")

    def notes(self, obj):
        """Public notes of the feed's subject; subclasses narrow it down."""
        return Note.objects.published()

    def get_feed(self, obj, request):
        feed = super().get_feed(obj, request)  # its title, links and language; no entry
        latest = self.notes(obj).order_by("-published_at", "-pk")[:FEED_SIZE]
        latest = list(
            latest.values_list(
                *("pk", "talk_id", "day__conference__slug", "conference__slug"),
                *("published_at", "created", "updated"),
            )
        )
        origin = f"{request.scheme}://{request.get_host()}"  # entries print absolute links
        entries = remember_many(
            latest,
            name=lambda row: f"feed-entry:{origin}:{row[0]}",
            scopes=_entry_scopes,
            compute=lambda rows: _entries([row[0] for row in rows], request),
        )
        for (*_subject, published_at, created, updated), entry in zip(latest, entries, strict=True):
            feed.add_item(
                title="",
                link="",
                description="",
                pubdate=published_at or created,  # as `item_pubdate`
                updateddate=updated,
                entry=entry,
            )
        return feed


def _entries(pks: list[int], request) -> list[str]:
    """The entries of the notes `pks` (public: read from a feed's latest notes)."""
    notes = (
        Note.objects.filter(pk__in=pks)
        .with_subjects("body_html", "source_url")
        .prefetch_related(tags_prefetch("talk__"))
        .with_authors()
    )
    notes = {note.pk: note for note in notes}
    found = [pk for pk in pks if pk in notes]  # a note deleted since has an empty entry
    entries = NoteEntries([notes[pk] for pk in found]).entries(request)
    written = dict(zip(found, entries, strict=True))
    return [written.get(pk, "") for pk in pks]


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
