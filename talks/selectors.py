"""What each public page reads: one function per page, on the ORM.

Every reader goes through the models' `published()` (or `visible(staff=...)`),
so the rule of what the public may see is written once per model, in
talks/models.py. Lists of talks come from `Talk.objects.for_list()`, which
loads what the `talk_row` macro prints. Each function runs a fixed number of
queries whatever the size of the archive; talks/tests/test_pages.py pins them.
"""

from collections import Counter
from functools import cached_property
from itertools import groupby

from django.core.paginator import InvalidPage, Paginator
from django.db.models import Count, Max, Min, Prefetch, Q, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.http import Http404
from django.template import engines
from markupsafe import Markup
from taggit.models import Tag

from confnotes.pagecache import remember, remember_many
from confnotes.slugs import ascii_slug
from speakers.models import Speaker, SpeakerAlias
from talks.freshness import (
    LISTED_SPEAKERS,
    conference_scope,
    program_scope,
    related_scope,
    talk_lists_scopes,
    talk_notes_scopes,
    talk_row_scopes,
)
from talks.models import (
    TALK_DEFERRED,
    Author,
    Conference,
    Day,
    Note,
    TaggedTalk,
    Talk,
    TalkQuerySet,
    broken_since,
    links_prefetch,
    speakers_prefetch,
    speakers_with_public_talks,
    tags_prefetch,
    talk_counts,
)
from talks.search import search_talks

LIST_PAGE_SIZE = 50
SPEAKER_PAGE_SIZE = 100
UNLISTED_IDS_LIMIT = 2000  # speakers left out of the A-Z by their ids; past this, by a subquery
TAG_PAGE_SIZE = 200
DAY_PAGE_SIZE = 500  # items of a day's program on one page
CALENDAR_PAGE_SIZE = 1000  # items of a program in one calendar file (a part)
CONFERENCE_TALKS_LISTED = 1500  # past this, a conference page lists its days, not its talks
RELATED_CANDIDATES = 300  # talks sharing a tag that "related talks" ranks


def template_macros():
    """The macros of templates/includes/macros.html, to render a fragment in Python."""
    return engines["jinja2"].env.get_template("includes/macros.html").module


def paginate(items, number, per_page: int):
    """Page `number` of `items`; a missing or malformed page number is a 404."""
    try:
        return Paginator(items, per_page).page(number or "1")
    except (InvalidPage, TypeError, ValueError):
        raise Http404("No such page.") from None


def _ids(name: str, scopes, ordered) -> list:
    """The ids of `ordered`, kept in the cache until one of `scopes` expires: a page's
    count is then a len(), and the last page costs what the first does."""
    return remember(f"ids:{name}", scopes, lambda: list(ordered.values_list("pk", flat=True)))


class _FromNearerEnd:
    """The ids of an ordered query as a Paginator reads them: a count, and each page
    read from the nearer end, past the middle in reverse order. An offset walks the
    index row by row (7 ms for the 12,767 names of the speakers A-Z on PostgreSQL):
    the last page then costs what the first does, the middle one half the walk."""

    def __init__(self, ordered):
        self.ids = ordered.values_list("pk", flat=True)

    @cached_property
    def total(self) -> int:
        return self.ids.count()

    def count(self) -> int:
        return self.total

    def __getitem__(self, window: slice) -> list:
        start, stop = window.start, min(window.stop, self.total)
        if start <= self.total - stop:
            return list(self.ids[start:stop])
        return list(self.ids.reverse()[self.total - stop : self.total - start])[::-1]


def _page_of(ids, number, per_page: int, fetch):
    """Page `number` of `ids`, each replaced by the row `fetch(ids)[id]`."""
    page = paginate(ids, number, per_page)
    by_pk = fetch(page.object_list)
    page.object_list = [by_pk[pk] for pk in page.object_list]
    return page


def talk_rows(ids, *, talks=()) -> list[Markup]:
    """What the talk_row macro prints of each talk of `ids` in a list across conferences
    (its `talk_row_lines`, with its conference), in that order, kept in the cache per
    talk until the talk's scope expires (a conference's page keeps its own: see
    `_with_program_rows`). Only the
    talks whose lines are not kept are read (with their speakers), unless they are
    among `talks`, already read: a page whose rows are all kept reads no talk."""
    read = {talk.pk: talk for talk in talks}

    def rows_of(missing_ids: list) -> list:
        unread = [pk for pk in missing_ids if pk not in read]
        if unread:
            read.update(Talk.objects.for_list().in_bulk(unread))
        missing = [read[pk] for pk in missing_ids]
        prefetch_related_objects(missing, speakers_prefetch())  # none again if prefetched
        talk_row_lines = template_macros().talk_row_lines
        return [talk_row_lines(talk, show_conference=True) for talk in missing]

    rows = remember_many(
        ids,
        name=lambda pk: f"talk-lines:{pk}",
        scopes=talk_row_scopes,
        compute=rows_of,
    )
    return [Markup(row) for row in rows]  # our own rendered HTML


def with_rows(talks) -> list:
    """`talks`, already read, each with `row_lines` (see `talk_rows`)."""
    rows = talk_rows([talk.pk for talk in talks], talks=talks)
    for talk, row in zip(talks, rows, strict=True):
        talk.row_lines = row
    return talks


def _with_talk_counts(conferences) -> list:
    """The conferences, each with `talk_count`: how many public talks it has."""
    conferences = list(conferences)
    counts = talk_counts([conference.pk for conference in conferences])
    for conference in conferences:
        conference.talk_count = counts.get(conference.pk, 0)
    return conferences


def _by_year(conferences) -> list:
    return [(year, list(items)) for year, items in groupby(conferences, key=lambda c: c.year)]


def tag_counts(talks) -> list[tuple[Tag, int]]:
    """Tags of already-fetched talks with how many of them carry each, most used first."""
    counts = Counter()
    by_pk = {}
    for talk in talks:
        for tag in talk.listed_tags():
            counts[tag.pk] += 1
            by_pk[tag.pk] = tag
    return sorted(
        ((by_pk[pk], n) for pk, n in counts.items()), key=lambda pair: (-pair[1], pair[0].name)
    )


# ---------------------------------------------------------------------------
# Home and archive


def home_page() -> dict:
    notes = (
        Note.objects.published()
        .with_subjects()
        .with_authors()
        .order_by("-published_at", "-pk")[:10]
    )
    conferences = Conference.objects.published().for_list().order_by("-start_date", "name")
    return {"latest_notes": notes, "groups": _by_year(_with_talk_counts(conferences[:12]))}


def archive_page(*, staff: bool, year: int | None, number) -> dict:
    conferences = Conference.objects.visible(staff=staff)
    audience = "staff" if staff else "public"
    # The years with conferences, for the year links: from their distinct dates, as
    # `dates()` would truncate every row's date in a function of Python's on SQLite.
    starts = conferences.filter(start_date__isnull=False).order_by().values_list("start_date")
    years = remember(
        f"years:{audience}",
        ["conferences"],
        lambda: sorted({start.year for (start,) in starts.distinct()}, reverse=True),
    )
    if year is not None:
        if year not in years:
            raise Http404("No conferences that year.")
        conferences = conferences.filter(start_date__year=year)
    ordered = conferences.order_by("-start_date", "series", "name", "pk")
    ids = _ids(f"conferences:{audience}:{year or 'all'}", ["conferences"], ordered)
    page = _page_of(ids, number, LIST_PAGE_SIZE, Conference.objects.for_list().in_bulk)
    page.object_list = _with_talk_counts(page.object_list)
    return {"page": page, "groups": _by_year(page.object_list), "years": years, "year": year}


# ---------------------------------------------------------------------------
# Series: the editions of a conference across years


def _series(staff: bool) -> list[dict]:
    """Every series with its conferences' count and first and last years, A-Z, each
    with the `slug` of its page; two names with one slug share a page."""
    rows = (
        Conference.objects.visible(staff=staff)
        .exclude(series="")
        .values("series")
        .annotate(count=Count("pk"), first=Min("start_date"), last=Max("start_date"))
        .order_by("series")
    )
    audience = "staff" if staff else "public"
    series = remember(f"series:{audience}", ["conferences"], lambda: list(rows))
    return [{**row, "slug": ascii_slug(row["series"])} for row in series]


def series_list_page(*, staff: bool) -> dict:
    return {"series_list": [row for row in _series(staff) if row["slug"]]}


def series_page(slug: str, *, staff: bool) -> dict | None:
    """The conferences of the series `slug`, latest first; None when there is none."""
    names = [row["series"] for row in _series(staff) if row["slug"] == slug]
    if not names:
        return None
    conferences = (
        Conference.objects.visible(staff=staff)
        .for_list()
        .filter(series__in=names)
        .order_by("-start_date", "name", "pk")
    )
    return {"series": names[0], "slug": slug, "conferences": _with_talk_counts(conferences)}


# ---------------------------------------------------------------------------
# Conference, day, talk


def conference_page(slug: str, *, staff: bool) -> dict | None:
    """The conference `slug` with its days and their talks; None when there is none."""
    conferences = Conference.objects.visible(staff=staff)
    conference = (
        conferences.annotate(website_failing_since=broken_since("website"))
        .filter(slug=slug)
        .first()
    )
    if conference is None:
        return None
    days = list(
        Day.objects.visible(staff=staff)
        .filter(conference=conference)
        .annotate(talk_count=Count("talks"))
    )
    talk_count = sum(day.talk_count for day in days)
    talks_by_day = {day.pk: [] for day in days}
    if talk_count <= CONFERENCE_TALKS_LISTED:
        talks = list(
            Talk.objects.filter(day__in=list(talks_by_day))
            .defer(*TALK_DEFERRED)
            # The talks are the page's: their notes count once the notes themselves are
            # published, drafts of a draft conference too (only staff see those).
            .annotate(note_count=Count("notes", filter=Q(notes__published=True)))
            .order_by("day__date", "position", "start_time", "pk")
        )
        days_by_pk = {day.pk: day for day in days}
        for talk in talks:  # one object each, not one a talk
            talk.day, talk.conference = days_by_pk[talk.day_id], conference
        for talk in _with_program_rows(talks):
            talks_by_day[talk.day_id].append(talk)
        tags = tag_counts(talks)[:40]
    else:  # a program too long for one page: the days list theirs, in pages
        tags = _tag_counts_of(Talk.objects.filter(day__in=[day.pk for day in days]))
    notes = Note.objects.visible_about(Q(conference=conference), staff=staff).with_authors()
    return {
        "conference": conference,
        "notes": _about(notes, conference=conference),
        "days": [(day, talks_by_day[day.pk]) for day in days],
        "talk_count": talk_count,
        "talks_listed": talk_count <= CONFERENCE_TALKS_LISTED,
        "calendar_parts": _parts(talk_count, CALENDAR_PAGE_SIZE),
        "tag_counts": tags,
    }


def _with_program_rows(talks) -> list:
    """`talks`, already read, each with its row (`row_lines`) and its speakers and tags
    (`listed_speakers()`, `listed_tags()`), kept in the cache per talk as rows are
    (`talk_rows`): the conference page names every performer in its JSON-LD and counts
    its program's tags, and reads the speakers and tags only of talks not kept."""

    def compute(missing: list) -> list:
        prefetch_related_objects(missing, speakers_prefetch(), tags_prefetch())
        talk_row_lines = template_macros().talk_row_lines
        return [
            (
                str(talk_row_lines(talk)),
                [(speaker.pk, speaker.name, speaker.slug) for speaker in talk.listed_speakers()],
                [(tag.pk, tag.name, tag.slug) for tag in talk.listed_tags()],
            )
            for talk in missing
        ]

    kept = remember_many(
        talks,
        name=lambda talk: f"program-row:{talk.pk}",
        scopes=lambda talk: talk_row_scopes(talk.pk),
        compute=compute,
    )
    # As the database would give them (with those fields only): cheaper than Model(...).
    fields = ["id", "name", "slug"]
    for talk, (lines, speakers, tags) in zip(talks, kept, strict=True):
        talk.row_lines = Markup(lines)  # our own rendered HTML
        talk.speaker_list = [Speaker.from_db(None, fields, row) for row in speakers]
        talk.tag_list = [Tag.from_db(None, fields, row) for row in tags]
    return talks


def _parts(count: int, size: int) -> range:
    """The numbers of the parts that `count` items make, `size` to a part."""
    return range(1, max(1, -(-count // size)) + 1)


def _tag_counts_of(talks, limit: int = 40) -> list[tuple[Tag, int]]:
    """`tag_counts()` counted by the database, for more talks than a page reads."""
    counts = (
        Tag.objects.filter(talks_taggedtalk_items__content_object__in=talks)
        .annotate(talk_count=Count("talks_taggedtalk_items"))
        .order_by("-talk_count", "name")[:limit]
    )
    return [(tag, tag.talk_count) for tag in counts]


def _about(notes, **subject) -> list:
    """`notes`, each given the object it is about (already read for the page): their
    links, such as the JSON-LD's, then cost no query."""
    notes = list(notes)
    for note in notes:
        for name, value in subject.items():
            setattr(note, name, value)
    return notes


def day_page(conference_slug: str, day_slug: str, *, staff: bool, number=None) -> dict | None:
    """The day with its talks in program order, each with its notes; None when the
    conference has no such day (`days` in the result then lists the ones it has).
    A day of more than DAY_PAGE_SIZE items is printed in pages of that many.

    The conference's days and the day's talks are kept under its program's scope,
    which a note's edit leaves (`program_scope`): the page rebuilt after a note is
    saved reads only notes."""

    def kept_program(name: str, compute):
        return compute() if staff else remember(name, [program_scope(conference_slug)], compute)

    days = kept_program(
        f"days:{conference_slug}",
        lambda: list(
            Day.objects.visible(staff=staff)
            .select_related("conference")
            .defer("conference__recap", "conference__recap_html", "conference__extra")
            .filter(conference__slug=conference_slug)
            .annotate(talk_count=Count("talks"))
        ),
    )
    index = next((i for i, day in enumerate(days) if day.slug == day_slug), None)
    if index is None:
        return {"days": days, "day": None}
    current = days[index]
    # The day's count came with the days: its pages cost no COUNT query.
    page = paginate(range(current.talk_count), number, DAY_PAGE_SIZE)
    start = page.start_index() - 1 if current.talk_count else 0
    talks = kept_program(
        f"day-talks:{current.pk}:{page.number}",
        lambda: list(
            Talk.objects.filter(day=current)
            .defer(*TALK_DEFERRED)
            .with_link_health()[start : page.end_index()]
        ),
    )
    for talk in talks:
        talk.day, talk.conference = current, current.conference  # one object each, not one a talk

    def notes(subjects: Q):  # built only when read: on a page whose items are all kept, never
        return Note.objects.visible_about(subjects, staff=staff).with_authors().defer("body")

    # Each talk's printing (its row scope: `talk_row_scopes`) and its notes (its notes'
    # scope too: a note's text changes no row) are kept apart: after a note is saved,
    # its talk's notes are read again, not its speakers, tags and links.
    day_notes = None  # read with talks' notes when some are not kept
    talk_notes = {}  # {talk id: its notes} read by this request

    def read_notes(talk_ids: list) -> None:
        nonlocal day_notes
        day_notes = []
        talk_notes.update((pk, []) for pk in talk_ids)
        for note in notes(Q(day=current) | Q(talk__in=talk_ids)):
            if note.day_id:
                note.day = current
            (day_notes if note.day_id else talk_notes[note.talk_id]).append(note)

    def items_of(missing: list) -> list:
        """(noted, HTML) of talks not in the cache: the start of an item, for a talk with
        notes (they follow: `notes_of`), a line of the program for one without. The
        day's own notes are read with theirs."""
        prefetch_related_objects(missing, speakers_prefetch(), tags_prefetch(), links_prefetch())
        read_notes([talk.pk for talk in missing])
        macros = template_macros()
        items = []
        for talk in missing:
            noted = bool(talk_notes[talk.pk])
            macro = macros.day_item if noted else macros.day_line
            items.append((noted, str(macro(talk, current))))
        return items

    def notes_of(missing: list) -> list:
        """The rest of the items of these talks with notes: the notes, and the item's end."""
        unread = [talk.pk for talk in missing if talk.pk not in talk_notes]
        if unread:
            read_notes(unread)
        macros = template_macros()
        return [str(macros.day_item_notes(talk_notes[talk.pk])) for talk in missing]

    def kept(talks: list, name: str, scopes, compute) -> list:
        if staff:  # staff see drafts: none of their items is kept
            return compute(talks)
        return remember_many(
            talks,
            name=lambda talk: f"{name}:{talk.pk}",
            scopes=lambda talk: scopes(talk.pk),
            compute=compute,
        )

    items = kept(talks, "day-item", talk_row_scopes, items_of)
    noted_talks = [talk for talk, (noted, _html) in zip(talks, items, strict=True) if noted]
    ends = kept(noted_talks, "day-item-notes", talk_notes_scopes, notes_of)
    ends = dict(zip([talk.pk for talk in noted_talks], ends, strict=True))
    items = [
        (noted, html + ends[talk.pk] if noted else html)
        for talk, (noted, html) in zip(talks, items, strict=True)
    ]
    if day_notes is None:  # every item came from the cache: the day's notes too
        day_notes = remember(
            f"day-notes:{current.pk}",
            [conference_scope(conference_slug)],  # a day note's edit expires it
            lambda: list(notes(Q(day=current))),
        )
        day_notes = _about(day_notes, day=current)
    # Runs of items as the page prints them: a noted item alone, items without notes
    # together as one list of lines.
    program = []
    for noted, group in groupby(items, key=lambda item: item[0]):
        html = [Markup(item) for _noted, item in group]  # our own rendered HTML
        program += [(True, [item]) for item in html] if noted else [(False, html)]
    return {
        "conference": current.conference,
        "day": current,
        "days": days,
        "talks": talks,
        "page": page,
        "calendar_parts": _parts(current.talk_count, CALENDAR_PAGE_SIZE),
        "program": program,
        "contents": noted_talks,
        "timed": any(talk.start_time for talk in talks),
        "day_notes": day_notes,
        "previous_day": days[index - 1] if index > 0 else None,
        "next_day": days[index + 1] if index + 1 < len(days) else None,
    }


def talk_page(conference_slug: str, talk_slug: str, *, staff: bool) -> dict | None:
    """The talk with its notes and related talks; None when there is none."""
    talk = (
        Talk.objects.visible(staff=staff)
        .for_list()
        .defer(None)  # its own page prints what lists leave out
        .with_link_health()
        .filter(conference__slug=conference_slug, slug=talk_slug)
        .first()
    )
    if talk is None:
        return None

    # Kept apart from the page, which an edit of the talk or of a note expires, each
    # under the scope of what changes it: its speakers, tags and links
    # (`talk_lists_scopes`); its notes (`talk_notes_scopes`), which a save of the talk
    # seldom changes; and its related talks, found by its tags, under its conference's
    # related talks (`related_scope`) and keyed by those tags.
    def read_lists():
        prefetch_related_objects([talk], speakers_prefetch(), tags_prefetch(), links_prefetch())
        return talk.speaker_list, talk.tag_list, talk.link_rows

    def read_notes():
        notes = Note.objects.visible_about(Q(talk=talk), staff=staff).with_authors()
        return list(notes.order_by("created", "pk"))

    if staff:  # staff see drafts: nothing of theirs is kept
        read_lists()
        notes = read_notes()
        related = _related_talks(talk, staff=staff)
    else:
        lists = remember(f"talk-lists:{talk.pk}", talk_lists_scopes(talk.pk), read_lists)
        talk.speaker_list, talk.tag_list, talk.link_rows = lists
        tags = ",".join(str(tag.pk) for tag in talk.listed_tags())
        related = remember(
            f"related-talks:{talk.pk}:{tags}",
            [related_scope(conference_slug)],
            lambda: _related_talks(talk, staff=staff),
        )
        notes = remember(f"talk-notes:{talk.pk}", talk_notes_scopes(talk.pk), read_notes)
    return {
        "conference": talk.conference,
        "talk": talk,
        "notes": _about(notes, talk=talk),
        "related_talks": related,
    }


def _related_talks(talk, *, staff: bool) -> list:
    """Up to six talks sharing the most tags with `talk`, the latest first among equals.

    Ranked among the latest talks that share a tag, not all of them: a tag like
    "python" is on thousands."""
    tag_ids = [tag.pk for tag in talk.listed_tags()]
    if not tag_ids:
        return []
    candidates = (
        TaggedTalk.objects.filter(tag__in=tag_ids)
        .exclude(content_object=talk)
        .order_by("-content_object_id")
        .values("content_object_id")[:RELATED_CANDIDATES]
    )
    # The tags are counted in the aggregate, not filtered in the join: a join filtered
    # by the tag list probes the index once per candidate and tag (2.1 ms against
    # 5.4 ms on SQLite for a talk with 24 tags).
    related = (
        Talk.objects.visible(staff=staff)
        .filter(pk__in=candidates)
        .select_related("conference")
        .only("title", "slug", "conference__name", "conference__slug")  # what the page prints
        .annotate(shared=Count("tagged_items", filter=Q(tagged_items__tag__in=tag_ids)))
        .order_by("-shared", "-conference__start_date", "title")
    )
    return list(related[:6])


def search_page(query: str, filters, number: int):
    """The results of `query` (talks/search.py), each hit's talk with its row."""
    results = search_talks(query, filters=filters, page=number)
    with_rows([hit.talk for hit in results.hits])
    return results


# ---------------------------------------------------------------------------
# Speakers and tags


def speaker_list_page(number) -> dict:
    """Speakers with a public talk, A-Z, each with how many public talks they gave.

    Who is not listed (a speaker of drafts only: few, or none) is kept in the cache,
    since asking costs a look at every byline; a page is then read in name order from
    the names' index. A rename reads one page again, not every name."""
    unlisted = remember(
        "unlisted-speakers",
        [LISTED_SPEAKERS],
        lambda: list(
            Speaker.objects.exclude(pk__in=speakers_with_public_talks()).values_list(
                "pk", flat=True
            )
        ),
    )
    listed = (
        Speaker.objects.exclude(pk__in=unlisted)
        if len(unlisted) <= UNLISTED_IDS_LIMIT
        else speakers_with_public_talks()  # too many ids for a query's text: the database asks
    ).order_by("name", "pk")
    counted = Speaker.objects.for_list().annotate(
        talk_count=Count("talks", filter=TalkQuerySet.public_rule("talks__"), distinct=True)
    )
    page = _page_of(_FromNearerEnd(listed), number, SPEAKER_PAGE_SIZE, counted.in_bulk)
    groups = [(key, list(items)) for key, items in groupby(page.object_list, lambda s: s.initial)]
    return {"page": page, "groups": groups}


def speaker_page(slug: str, *, staff: bool, number) -> dict | None:
    """The speaker with a page of their talks, latest first; None when there is no such
    speaker, or (for the public) none of their talks is published."""
    # Only the aliases marked public are printed ("also known as"); the others are
    # match keys for imports and search.
    public_aliases = Prefetch(
        "aliases", queryset=SpeakerAlias.objects.filter(public=True), to_attr="public_aliases"
    )
    speaker = (
        Speaker.objects.prefetch_related(public_aliases)
        .annotate(website_failing_since=broken_since("website"))
        .filter(slug=slug)
        .first()
    )
    if speaker is None:
        return None
    listed = Talk.objects.visible(staff=staff).filter(talk_speakers__speaker=speaker)
    # Every talk's key and conference in one light query: the page's talks are
    # then fetched whole, and the totals count them all.
    keys = list(listed.order_by("-day__date", "position", "pk").values_list("pk", "conference_id"))
    if not keys and not staff:
        raise Http404("No published talks by this speaker.")
    page = paginate([pk for pk, _conference in keys], number, LIST_PAGE_SIZE)
    # The page prints its talks' rows, kept per talk, and names each talk with its
    # start in its JSON-LD: only that is read of them.
    events = Talk.objects.for_events().in_bulk(page.object_list)
    rows = talk_rows(page.object_list)
    return {
        "speaker": speaker,
        "page": page,
        "rows": rows,
        "talks": [events[pk] for pk in page.object_list],
        "talk_count": len(keys),
        "conference_count": len({conference for _pk, conference in keys}),
    }


def author_page(slug: str, number) -> dict | None:
    """The author with a page of their published notes, latest first; None when there is
    no such author, or none of their notes is published."""
    author = Author.objects.filter(slug=slug).first()
    if author is None:
        return None
    notes = Note.objects.published().filter(note_authors__author=author)
    # Every note's key and conference in one light query, as on the speaker page.
    keys = list(
        notes.order_by("-published_at", "-pk").values_list(
            "pk", Coalesce("talk__conference_id", "day__conference_id", "conference_id")
        )
    )
    if not keys:
        raise Http404("No published notes by this author.")
    page = _page_of(
        [pk for pk, _conference in keys],
        number,
        LIST_PAGE_SIZE,
        Note.objects.with_subjects().with_authors().in_bulk,
    )
    return {
        "author": author,
        "page": page,
        "note_count": len(keys),
        "conference_count": len({conference for _pk, conference in keys}),
    }


def tag_list_page(number) -> dict:
    """Tags with how many public talks carry each, A-Z."""
    tags = (
        TaggedTalk.objects.filter(TalkQuerySet.public_rule("content_object__"))
        .values("tag__name", "tag__slug")
        .annotate(talk_count=Count("content_object", distinct=True))
        .order_by("tag__name")
    )
    rows = remember("rows:tag-list", ["tags"], lambda: list(tags))
    return {"page": paginate(rows, number, TAG_PAGE_SIZE)}


def tag_page(slug: str, number) -> dict | None:
    """A page of the public talks with the tag `slug`, latest first; None when there is none."""
    tag = Tag.objects.filter(slug=slug).first()
    if tag is None:
        return None
    talks = (
        Talk.objects.published()
        .filter(tagged_items__tag=tag)
        .order_by("-day__date", "conference__name", "position", "pk")
    )
    ids = _ids(f"tag-talks:{tag.pk}", [f"tag:{tag.slug}"], talks)
    page = paginate(ids, number, LIST_PAGE_SIZE)
    if not page.object_list:
        return None
    # The page prints the talks' rows only: the kept ones need no talk read.
    page.object_list = talk_rows(page.object_list)
    return {"tag": tag, "page": page}


# ---------------------------------------------------------------------------
# Social cards (talks/cards.py draws them): what each card prints, published only


def conference_card(slug: str):
    return (
        Conference.objects.published()
        .only("name", "slug", "start_date", "end_date", "city", "country")
        .filter(slug=slug)
        .first()
    )


def day_card(conference_slug: str, day_slug: str):
    return (
        Day.objects.published()
        .select_related("conference")
        .only("date", "position", "title", "conference__name", "conference__city")
        .filter(conference__slug=conference_slug, slug=day_slug)
        .first()
    )


def talk_card(conference_slug: str, talk_slug: str):
    return (
        Talk.objects.published()
        .select_related("conference", "day")
        .only("title", "kind", "conference__name", "day__date")
        .with_speakers()
        .filter(conference__slug=conference_slug, slug=talk_slug)
        .first()
    )


def speaker_card(slug: str):
    """(speaker, {"talks": n, "conferences": n}, latest conference's name or None) of
    their public talks; None when there is no such speaker."""
    speaker = Speaker.objects.only("name").filter(slug=slug).first()
    if speaker is None:
        return None
    talks = Talk.objects.published().filter(talk_speakers__speaker=speaker)
    counts = talks.aggregate(
        talks=Count("pk", distinct=True), conferences=Count("conference", distinct=True)
    )
    latest = talks.order_by("-day__date", "-pk").values_list("conference__name", flat=True)
    return speaker, counts, (latest.first() if counts["talks"] else None)
