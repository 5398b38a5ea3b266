"""Which cached pages an edit expires (see confnotes/pagecache.py and docs/caching.md).

A page belongs to one scope besides `EVERYWHERE`, read off its path:

| path | scope |
| --- | --- |
| `/` | `home` |
| `/conferences/...` | `conferences` |
| `/speakers/`, `/tags/`, `/search/`, `/feeds/notes/` | `speakers`, `tags`, `search`, `notes` |
| `/speakers/<slug>/...`, `/tags/<slug>/...` | `speaker:<slug>`, `tag:<slug>` |
| `/authors/<slug>/` | `author:<slug>` |
| `/sitemap*.xml`, `/robots.txt` | `sitemap` |
| `/<conference>/...` | `conference:<slug>`: the conference, its days, talks, calendars, feed |
| `/api/...` | the JSON API's: see talks/api/scopes.py |

An edit expires the scopes of the pages that print what it changed: a note
about a talk expires its conference's pages, the pages of the talk's speakers
and tags, and the cross-archive pages that list notes (home, the site feed,
search, the sitemap); other conferences keep their cached pages.
"""

import re

from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save
from taggit.models import Tag

from confnotes.pagecache import EVERYWHERE, expire
from speakers.models import Speaker, SpeakerAlias
from talks.api.scopes import VERSION, VERSION_HEADER, api_scopes
from talks.models import (
    Author,
    Conference,
    Day,
    Link,
    LinkCheck,
    Note,
    NoteAuthor,
    TaggedConference,
    TaggedTalk,
    Talk,
    TalkSpeaker,
)

_SLUG_SCOPES = {"speakers": "speaker", "tags": "tag", "authors": "author"}
_ROOT_SCOPES = {
    "": "home",
    "conferences": "conferences",
    "series": "conferences",
    "search": "search",
    "feeds": "notes",
    "robots.txt": "sitemap",
}

# Which speakers have a public talk (the speakers A-Z keeps it): whatever changes
# the lists of talks may change it, a rename does not.
LISTED_SPEAKERS = "listed-speakers"
# Cross-archive pages that print talks, their counts or their notes.
ARCHIVE = ("home", "conferences", "speakers", "tags", "search", "notes", "sitemap", LISTED_SPEAKERS)
# Those that print notes.
NOTE_LISTS = ("home", "search", "notes", "sitemap")


# An import of more talks than this expires every page (see `conferences_imported`).
IMPORT_SCOPES_LIMIT = 2000

# The query parameters pages read: the search page its query, filters and page; lists
# their page number. A query with any other, or one given twice, or a page number
# not written as the pages write it ("2", not "02" or "x"), is answered, never
# stored: junk would only fill the cache with copies of the same page and push
# the pages readers ask for out of it.
_SEARCH_PARAMETERS = frozenset({"page", "q", "conference", "year", "kind", "tag", "language"})
_LIST_PARAMETERS = frozenset({"page"})
_PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,5}")


def page_scopes(request) -> list[str] | None:
    """The scope of the requested page, or None when it is not to be cached
    (CONFNOTES_PAGE_SCOPES in settings)."""
    parts = request.path.strip("/").split("/")
    first = parts[0]
    if first == "api":  # the JSON API: each path reads its own parameters (talks/api/scopes.py)
        if request.headers.get(VERSION_HEADER, VERSION) != VERSION:
            return None  # refused (400) by the view, whatever the cache holds
        return api_scopes(parts, request.GET)
    if first in _SLUG_SCOPES:
        scopes = [f"{_SLUG_SCOPES[first]}:{parts[1]}" if len(parts) > 1 else first]
    elif first in _ROOT_SCOPES:
        scopes = [_ROOT_SCOPES[first]]
    elif first.startswith("sitemap"):
        scopes = ["sitemap"]
    else:
        scopes = [conference_scope(first)]
    if request.META.get("QUERY_STRING"):
        query = request.GET
        read = _SEARCH_PARAMETERS if scopes == ["search"] else _LIST_PARAMETERS
        if not read.issuperset(query) or any(len(query.getlist(name)) > 1 for name in query):
            return None
        if "page" in query and not _PAGE_NUMBER.fullmatch(query["page"]):
            return None
    return scopes


def conference_scope(slug: str) -> str:
    """The scope of a conference's own pages: the conference, its days, talks, calendars."""
    return f"conference:{slug}"


def program_scope(slug: str) -> str:
    """The scope of a conference's days and the talks on them, as its day pages read
    them (`selectors.day_page` keeps them): every edit that expires the conference's
    pages expires it too, but a note's, which changes neither."""
    return f"program:{slug}"


def talk_scopes(talk_ids, *, lists: bool = True, notes: bool = True) -> set[str]:
    """The scopes of what prints these talks (ids, or a query of them): their rows
    (`talk:<id>`, see `talk_row_scopes`), their conferences', speakers' and tags'
    pages; with `lists`, their speakers, tags and links as their own pages keep them
    (`talk_lists_scopes`); with `notes`, their notes as pages keep them
    (`talk_notes_scopes`)."""
    talks = Talk.objects.filter(pk__in=talk_ids).values_list("pk", "conference__slug")
    speakers = Speaker.objects.filter(talks__in=talk_ids).values_list("slug", flat=True)
    tags = Tag.objects.filter(talks_taggedtalk_items__content_object__in=talk_ids).values_list(
        "slug", flat=True
    )
    return (
        {
            scope
            for pk, slug in talks
            for scope in (
                *talk_row_scopes(pk),
                *(talk_notes_scopes(pk) if notes else ()),
                *(talk_lists_scopes(pk) if lists else ()),
                conference_scope(slug),
            )
        }
        | {f"speaker:{slug}" for slug in speakers}
        | {f"tag:{slug}" for slug in tags}
    )


def related_scopes(talk_ids=(), *, tag_ids=()) -> set[str]:
    """The scopes of the talk pages that may list these talks (ids, or a query of them),
    or talks with these tags, under "related talks": the pages and the kept related
    talks (`related_scope`) of the conferences of every talk sharing a tag with them."""
    tags = TaggedTalk.objects.filter(content_object__in=talk_ids).values("tag")
    sharing = Q(talks__tagged_items__tag__in=tags) | Q(talks__tagged_items__tag__in=tag_ids)
    slugs = Conference.objects.filter(sharing).values_list("slug", flat=True).distinct()
    return {scope for slug in slugs for scope in (conference_scope(slug), related_scope(slug))}


def related_scope(slug: str) -> str:
    """The scope of the related talks kept for the talk pages of a conference: a note
    saved expires those pages, not the talks they list as related."""
    return f"related:{slug}"


def talk_row_scopes(talk_id: int) -> list[str]:
    """The scopes of a talk's row, as lists of talks and the day page print it: the talk's
    own, which every change to what such a row prints expires (see `talk_scopes`)."""
    return [f"talk:{talk_id}"]


def talk_lists_scopes(talk_id: int) -> list[str]:
    """The scopes of a talk's speakers, tags and links, as its page keeps them: what
    moves its row's scope (`talk_scopes`) but a save of the talk itself or of a note,
    which changes none of them."""
    return [f"talk-lists:{talk_id}"]


def talk_notes_scopes(talk_id: int) -> list[str]:
    """The scopes of a talk's notes as its page and the day page keep them: their own,
    which an edit of a note's text, authors or source expires without the talk's row
    (which counts its notes but prints none of them). Of a save of the talk itself,
    only one that moves it (the notes are public as its day is) or gives it another
    video (`talk_changed`: the notes' time codes link into the video)."""
    return [f"talk-notes:{talk_id}"]


def conference_scopes(conference_ids, *, program: bool = True) -> set[str]:
    """The scopes of these conferences' pages (ids, or a query of them) and, with
    `program`, of their programs (`program_scope`): every edit of a conference's days
    and talks passes through here, and a talk's other pages (`talk_scopes`) have none."""
    slugs = Conference.objects.filter(pk__in=conference_ids).values_list("slug", flat=True)
    made = (conference_scope, program_scope) if program else (conference_scope,)
    return {scope(slug) for slug in slugs for scope in made}


def note_changed(sender, instance, created=False, signal=None, publication=False, **kwargs):
    # The subject it was loaded with too: a note moved leaves that talk's row and the
    # pages of that talk, day or conference.
    def subjects(name: str) -> list:
        return list({getattr(instance, name), getattr(instance, f"_loaded_{name}", None)} - {None})

    talks, days, conferences = subjects("talk_id"), subjects("day_id"), subjects("conference_id")
    # Rows of talks count their public notes: a note added, removed, moved, published
    # or withdrawn changes the count; a change of its text, only the talk's notes. A
    # note not read from the database (a fixture's) may be any of those.
    loaded_published = getattr(instance, "_loaded_published", None)
    counted = (
        created
        or signal is post_delete
        or publication
        or loaded_published is None
        or loaded_published != instance.published
        or len(talks) + len(days) + len(conferences) > 1
    )
    scopes = talk_scopes(talks, lists=False) if talks else set()
    if not counted:  # the talks' rows are kept; their notes, and pages printing notes, not
        scopes -= {scope for pk in talks for scope in talk_row_scopes(pk)}
    # Notes are no part of a conference's program: its days and talks stay kept.
    if days:
        days = Day.objects.filter(pk__in=days).values("conference")
        scopes |= conference_scopes(days, program=False)
    if conferences:
        scopes |= conference_scopes(conferences, program=False)
    authors = Author.objects.filter(note_authors__note=instance.pk).values_list("slug", flat=True)
    scopes |= {f"author:{slug}" for slug in authors}
    expire(scopes | set(NOTE_LISTS))


def author_changed(sender, instance, created=False, signal=None, **kwargs) -> None:
    """An author's name prints in every byline of theirs, on pages of any scope."""
    if created or signal is post_delete:  # no notes yet; or their bylines went first
        expire(_slug_scopes("author", instance))
    elif instance.note_authors.exists():
        everything_changed()
    else:
        expire(_slug_scopes("author", instance))


def note_author_changed(sender, instance, **kwargs) -> None:
    """A byline changed: the author's page, and the pages of the note (if it still exists)."""
    expire(_own_scopes("author", Author, instance.author_id))
    note = Note.objects.filter(pk=instance.note_id).first()
    if note is not None:
        note_changed(Note, note)


def talk_changed(sender, instance, created=False, signal=None, **kwargs) -> None:
    # The conference's scope by its key too: a deleted talk's rows are gone. Its
    # speakers, tags and links move their own scope as they are saved or deleted.
    loaded_day = getattr(instance, "_loaded_day_id", instance.day_id)
    moved = loaded_day != instance.day_id
    # Talk.save() renders the notes again for another video, after this signal.
    video_changed = getattr(instance, "_loaded_video_url", None) != instance.video_url
    notes = created or moved or video_changed or signal is post_delete
    scopes = talk_scopes([instance.pk], lists=False, notes=notes)
    scopes |= conference_scopes([instance.conference_id])
    if moved:  # the day it left may be another conference's, whose pages listed it
        scopes |= conference_scopes(Day.objects.filter(pk=loaded_day).values("conference"))
    if created or moved or signal is post_delete:
        scopes |= set(ARCHIVE)  # the lists count talks
    else:
        scopes |= {"home", "notes", "search", "sitemap"}  # they print its title
    renamed = getattr(instance, "_loaded_title", None) != instance.title
    if created or moved or renamed or instance.slug_changed_from():
        scopes |= related_scopes([instance.pk])  # other talks' pages link to it by title
    expire(scopes)


def talk_speaker_changed(sender, instance, **kwargs) -> None:
    scopes = talk_scopes([instance.talk_id]) | _own_scopes("speaker", Speaker, instance.speaker_id)
    expire(scopes | set(ARCHIVE))


def tagged_talk_changed(sender, instance, **kwargs) -> None:
    scopes = talk_scopes([instance.content_object_id]) | _own_scopes("tag", Tag, instance.tag_id)
    scopes |= related_scopes(tag_ids=[instance.tag_id])  # related talks are found by tag
    expire(scopes | {"tags", "search", "notes", "sitemap"})


def talk_speakers_changed(sender, instance, pk_set=None, **kwargs) -> None:
    """`talk.speakers.add()` and friends, which send m2m_changed rather than saves."""
    if kwargs.get("action", "").startswith("post_"):
        talk_ids = [instance.pk] if isinstance(instance, Talk) else list(pk_set or ())
        expire(talk_scopes(talk_ids) | {"speakers", LISTED_SPEAKERS, "search", "notes", "sitemap"})


def conference_changed(sender, instance, **kwargs) -> None:
    """A conference, or one of its days: its pages, and every list that counts its talks.

    Its old slug's pages too: they redirect now, or stop doing so."""
    scopes = _slug_scopes("conference", instance) | _slug_scopes("program", instance)
    scopes |= set(ARCHIVE)
    if not kwargs.get("created"):  # a new conference has no talks on other pages yet
        # Speaker and tag pages, and related talks, print the conference's name.
        talks = Talk.objects.filter(conference=instance).values("pk")
        scopes |= talk_scopes(talks) | related_scopes(talks)
    expire(scopes)


def day_changed(sender, instance, **kwargs) -> None:
    scopes = conference_scopes([instance.conference_id]) | set(ARCHIVE)
    if not kwargs.get("created"):
        talks = instance.talks.values("pk")
        scopes |= talk_scopes(talks) | related_scopes(talks)
    expire(scopes)


def speaker_changed(sender, instance, signal=None, **kwargs) -> None:
    """A speaker's own pages; with their name, slug or photo, the lists that print them."""
    scopes = _slug_scopes("speaker", instance)
    if signal is post_delete or instance.listed_changed():
        talks = Talk.objects.filter(talk_speakers__speaker=instance).values("pk")
        scopes |= talk_scopes(talks) | set(ARCHIVE)
        if signal is not post_delete:
            scopes.discard(LISTED_SPEAKERS)  # renamed: listed as before, elsewhere in A-Z
    expire(scopes)


def speaker_alias_changed(sender, instance, **kwargs) -> None:
    expire(_own_scopes("speaker", Speaker, instance.speaker_id) | {"search"})


def link_changed(sender, instance, **kwargs) -> None:
    talks = Talk.objects.filter(pk=instance.talk_id)
    own = {*talk_row_scopes(instance.talk_id), *talk_lists_scopes(instance.talk_id)}
    expire(conference_scopes(talks.values("conference")) | own)


def everything_changed(**kwargs) -> None:
    """A change that may show on any page: a tag renamed, links checked."""
    expire({EVERYWHERE})


def conferences_imported(*, conference_ids=(), **kwargs) -> None:
    conference_ids = list(conference_ids)
    talks = Talk.objects.filter(conference__in=conference_ids).values("pk")
    if talks[IMPORT_SCOPES_LIMIT:].exists():
        # Reading the version of each talk's, speaker's and tag's scope would cost more
        # than the pages it keeps: about a second for the whole pyvideo archive.
        expire({EVERYWHERE})
    else:
        # Not `related_scopes`: asked once per imported event, it cost the whole-archive
        # import seconds. Other conferences' related talks catch up when their pages
        # next expire (docs/caching.md, known limits).
        expire(conference_scopes(conference_ids) | talk_scopes(talks) | set(ARCHIVE))


def publication_changed(model, pks) -> None:
    """The admin's publish actions update rows past save(): expire what a save would."""
    handler = {Conference: conference_changed, Day: day_changed, Note: note_changed}[model]
    for instance in model.objects.filter(pk__in=list(pks)):
        handler(model, instance, publication=True)


def _slug_scopes(name: str, instance) -> set[str]:
    """The scope of `instance`'s pages, under its slug and the slug it was loaded with."""
    slugs = {instance.slug, getattr(instance, "_loaded_slug", None) or instance.slug}
    return {f"{name}:{slug}" for slug in slugs}


def _own_scopes(name: str, model, pk) -> set[str]:
    return {f"{name}:{slug}" for slug in model.objects.filter(pk=pk).values_list("slug", flat=True)}


def connect() -> None:
    """Expire pages on every save and delete of content; called from TalksConfig.ready()."""
    handlers = [
        (Conference, conference_changed),
        (TaggedConference, lambda sender, instance, **kw: conference_changed(
            sender, instance.content_object, **kw)),
        (Day, day_changed),
        (Talk, talk_changed),
        (TalkSpeaker, talk_speaker_changed),
        (TaggedTalk, tagged_talk_changed),
        (Link, link_changed),
        (Note, note_changed),
        (NoteAuthor, note_author_changed),
        (Author, author_changed),
        (Speaker, speaker_changed),
        (SpeakerAlias, speaker_alias_changed),
        (Tag, everything_changed),
    ]  # fmt: skip
    for model, handler in handlers:
        uid = f"confnotes-freshness-{model._meta.label_lower}"
        post_save.connect(handler, sender=model, dispatch_uid=f"{uid}-save", weak=False)
        post_delete.connect(handler, sender=model, dispatch_uid=f"{uid}-delete", weak=False)
    m2m_changed.connect(
        talk_speakers_changed, sender=Talk.speakers.through, dispatch_uid="confnotes-freshness-m2m"
    )
    # LinkCheck rows decide which links pages mark as broken; check_links
    # expires once per run, the admin's deletes here.
    post_delete.connect(
        everything_changed, sender=LinkCheck, dispatch_uid="confnotes-freshness-linkcheck"
    )
