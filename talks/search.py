"""Full-text search over published talks: the index, keeping it in sync, and queries.

One row per published talk (published conference and day) holds its title, its
speakers' names (with their other spellings), its tags, its abstract and the text
of its published notes. SQLite keeps it in an FTS5 table ranked with bm25; PostgreSQL
in a table with a weighted search vector (A title and speakers, B tags, C abstract,
D notes) behind a GIN index, ranked with ts_rank; the vector is kept in its row
(migration 0006), since every search reads it for each match, ahead of the texts, and
beside a copy of the talk's conference, kind, language and tag ids, which the facets
group the matches by (migration 0014). Both rank a title or speaker match far above a
passing mention in notes. The table is made by migration 0002_search.

Text in scripts written without spaces (Chinese, Japanese, Korean, Thai, ...) is also
cut into grams, held in a second index of the same shape (talks_search_grams, migration
0011: FTS5 on SQLite, a simple-config search vector on PostgreSQL), with rows only for
talks that have such text; a query term in those scripts is matched there, as a
substring, and every other term in the word index (talks/search_scripts.py).

The index is derived data: any save or delete of content marks the talks it touches,
and they are reindexed together once the transaction commits (imports that write
thousands of rows cost one bulk pass, not one per row). Imports that write past the
per-row signals send `content_imported`; `rebuild_search_index` rebuilds everything.
"""

import logging
import math
import re
import unicodedata
import weakref
from dataclasses import dataclass, field

from django.db import connections, router, transaction
from django.db.models import Q
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from taggit.models import Tag

from confnotes.bulk import insert_rows
from confnotes.i18n import LANGUAGE_TAG, language_name
from confnotes.markdown import html_to_text
from confnotes.text import clean_text
from speakers.models import Speaker, SpeakerAlias
from talks import search_scripts
from talks.models import (
    Conference,
    Day,
    Kind,
    Note,
    TaggedTalk,
    Talk,
    TalkSpeaker,
)

logger = logging.getLogger(__name__)

TABLE = "talks_search"
GRAMS_TABLE = "talks_search_grams"
TALK_TABLE = Talk._meta.db_table
CONFERENCE_TABLE = Conference._meta.db_table
TAGGED_TABLE = TaggedTalk._meta.db_table
TAG_TABLE = TaggedTalk._meta.get_field("tag").related_model._meta.db_table
QUERY_MAX_CHARS = 200  # longer input is cut, never refused
QUERY_MAX_TERMS = 12
PAGE_SIZE = 20
TAG_FACET_SIZE = 20
CONFERENCE_FACET_SIZE = 15
BATCH_SIZE = 500  # talks per bulk indexing step: bounded memory, few round trips
TEXT_MAX_CHARS = 200_000  # per column; PostgreSQL refuses search vectors past 1 MB

# Highlight markers: private-use characters that never occur in indexed text, so the
# excerpt can be escaped as a whole and only the markers turned into <mark> tags.
MARK_START = "\ue000"
MARK_END = "\ue001"

# SQLite column weights for bm25, in column order: title, speakers, tags, abstract, notes.
SQLITE_WEIGHTS = "10.0, 8.0, 4.0, 2.0, 1.0"
# PostgreSQL weights for ts_rank, in the order {D, C, B, A}: notes, abstract, tags, title.
POSTGRES_WEIGHTS = "{0.05, 0.2, 0.5, 1.0}"
# English stemming without stop words; made by migration 0002 with the search vector.
POSTGRES_CONFIG = "confnotes_english"


# ---------------------------------------------------------------------------
# Building documents


def document_text(value: str) -> str:
    """The indexed text of sanitized HTML, without the highlight markers, cut to size."""
    return _plain(html_to_text(value))[:TEXT_MAX_CHARS]


def _plain(value: str) -> str:
    return value.replace(MARK_START, "").replace(MARK_END, "")


def _documents(alias: str, lookup: str, value):
    """(id, facets, texts) of the published talks whose id matches `lookup` ("in" a
    list, or "range" of two ids), in five queries: facets being (conference id, kind,
    language, tag ids), texts (title, speakers, tags, abstract, notes)."""

    if lookup == "range":
        low, high = value
        lookups = {"gte": low, "lte": high}
    else:
        lookups = {"in": list(value)}

    def of(model, field: str):
        return model.objects.using(alias).filter(
            **{f"{field}__{name}": bound for name, bound in lookups.items()}
        )

    talks = of(Talk, "pk").published()
    talks = talks.values_list("pk", "title", "abstract_html", "conference_id", "kind", "language")
    talks = list(talks.order_by("pk"))
    if not talks:
        return []
    speakers: dict[int, list[str]] = {}
    speaker_talks: dict[int, list[int]] = {}
    bylines = of(TalkSpeaker, "talk_id").order_by("talk_id", "position", "pk")
    for talk_id, speaker_id, name in bylines.values_list("talk_id", "speaker_id", "speaker__name"):
        speakers.setdefault(talk_id, []).append(name)
        speaker_talks.setdefault(speaker_id, []).append(talk_id)
    # Other spellings of a name find the same person's talks.
    aliases = SpeakerAlias.objects.using(alias).filter(
        speaker_id__in=of(TalkSpeaker, "talk_id").values("speaker_id")
    )
    for speaker_id, alias_name in aliases.order_by("speaker_id", "name").values_list(
        "speaker_id", "name"
    ):
        for talk_id in speaker_talks.get(speaker_id, ()):
            speakers[talk_id].append(alias_name)
    tags: dict[int, list[str]] = {}
    tag_ids: dict[int, list[int]] = {}
    tagged = of(TaggedTalk, "content_object_id").order_by("content_object_id", "tag__name")
    for talk_id, tag_id, name in tagged.values_list("content_object_id", "tag_id", "tag__name"):
        tags.setdefault(talk_id, []).append(name)
        tag_ids.setdefault(talk_id, []).append(tag_id)
    notes: dict[int, list[str]] = {}
    published = of(Note, "talk_id").published().order_by("talk_id", "created", "pk")
    for talk_id, body_html in published.values_list("talk_id", "body_html"):
        notes.setdefault(talk_id, []).append(document_text(body_html))
    return [
        (
            pk,
            (conference_id, kind, language, sorted(tag_ids.get(pk, ()))),
            (
                _plain(title),
                _plain(" · ".join(speakers.get(pk, ()))),
                _plain(" · ".join(tags.get(pk, ()))),
                document_text(abstract_html),
                " … ".join(notes.get(pk, ()))[:TEXT_MAX_CHARS],
            ),
        )
        for pk, title, abstract_html, conference_id, kind, language in talks
    ]


def in_list(values) -> str:
    """Placeholders for `IN (...)`: one %s per value."""
    return ", ".join(["%s"] * len(values))


TEXT_COLUMNS = ("title", "speakers", "tags", "abstract", "notes")
# PostgreSQL's word index also holds the talk's facets (migration 0014): a search groups
# its matches by them without a join per match.
FACET_COLUMNS = ("conference_id", "kind", "language", "tag_ids")


def _rows(docs, *, facets: bool) -> tuple[list[tuple], list[tuple]]:
    """The rows of both indexes for these documents: every talk in the word index, with
    word breaks where scripts meet, and with `facets` its facets; a talk with text in an
    unspaced script in the grams index too."""
    words, grams = [], []
    for pk, talk_facets, texts in docs:
        word_columns, gram_columns = search_scripts.index_columns(texts)
        words.append((pk, *(talk_facets if facets else ()), *word_columns))
        if any(gram_columns):
            grams.append((pk, *gram_columns))
    return words, grams


def _write(alias: str, talk_ids: list[int]) -> int:
    """Reindex a sorted batch of talk ids; returns how many talks are now indexed.

    A dense batch (the usual case: a rebuild, an import) is read and replaced as the
    whole id range it spans, which is the same work for the database and far less
    for the ORM than a long IN list.
    """
    connection = connections[alias]
    sqlite = connection.vendor == "sqlite"
    id_column = "rowid" if sqlite else "talk_id"
    low, high = talk_ids[0], talk_ids[-1]
    if high - low < 2 * len(talk_ids):  # dense
        docs = _documents(alias, "range", (low, high))
        which, params = "BETWEEN %s AND %s", [low, high]
    else:
        docs = _documents(alias, "in", talk_ids)
        which, params = f"IN ({in_list(talk_ids)})", talk_ids
    tables = [(TABLE, () if sqlite else FACET_COLUMNS), (GRAMS_TABLE, ())]
    for (table, facets), rows in zip(tables, _rows(docs, facets=not sqlite), strict=True):
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE {id_column} {which}", params)
        if rows:
            insert_rows(connection, table, [id_column, *facets, *TEXT_COLUMNS], rows)
    return len(docs)


def search_index_talks(talk_ids, *, using: str | None = None) -> int:
    """Reindex these talks now (drop the rows of deleted or unpublished ones)."""
    alias = using or router.db_for_write(Talk)
    ids = sorted(set(talk_ids))
    indexed = 0
    with transaction.atomic(using=alias):
        for start in range(0, len(ids), BATCH_SIZE):
            indexed += _write(alias, ids[start : start + BATCH_SIZE])
    return indexed


def search_index_conferences(conference_ids, *, using: str | None = None) -> int:
    """Reindex every talk of these conferences in bulk, e.g. after an import."""
    alias = using or router.db_for_write(Talk)
    talk_ids = list(
        Talk.objects.using(alias)
        .filter(conference_id__in=list(conference_ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return search_index_talks(talk_ids, using=alias)


def search_rebuild(*, using: str | None = None) -> int:
    """Empty the index and fill it from every published talk; returns how many were indexed."""
    alias = using or router.db_for_write(Talk)
    connection = connections[alias]
    talk_ids = list(Talk.objects.using(alias).order_by("pk").values_list("pk", flat=True))
    indexed = 0
    with transaction.atomic(using=alias):
        with connection.cursor() as cursor:
            for table in (TABLE, GRAMS_TABLE):
                cursor.execute(f"DELETE FROM {table}")
        for start in range(0, len(talk_ids), BATCH_SIZE):
            indexed += _write(alias, talk_ids[start : start + BATCH_SIZE])
        with connection.cursor() as cursor:
            for table in (TABLE, GRAMS_TABLE):
                if connection.vendor == "sqlite":
                    # Merge the index segments written batch by batch: faster queries after.
                    cursor.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")
                else:
                    cursor.execute(f"ANALYZE {table}")
    return indexed


def search_index_size(*, using: str | None = None) -> int:
    alias = using or router.db_for_write(Talk)
    with connections[alias].cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {TABLE}")
        return cursor.fetchone()[0]


# ---------------------------------------------------------------------------
# Keeping it in sync


class _Pending:
    """What changed in the current transaction of one connection."""

    def __init__(self, alias: str):
        self.alias = alias
        self.talks: set[int] = set()
        self.conferences: set[int] = set()
        self.days: set[int] = set()
        self.speakers: set[int] = set()
        self.tags: set[int] = set()
        # Conferences an import announced: `content_imported` reindexes them after commit.
        self.announced: set[int] = set()
        self.flushed = False
        self.registration = lambda: None  # see _Registration

    def flush(self) -> None:
        """Index what changed."""
        self.flushed = True
        connection = connections[self.alias]
        if getattr(connection, "_confnotes_search_pending", None) is self:
            connection._confnotes_search_pending = None
        talk_ids = set(self.talks)
        # An announced conference is reindexed whole by the import's signal.
        conferences = self.conferences - self.announced
        related = Q(pk__in=[])
        if conferences:
            related |= Q(conference_id__in=conferences)
        if self.days:
            related |= Q(day_id__in=self.days)
        if self.speakers:
            related |= Q(talk_speakers__speaker_id__in=self.speakers)
        if self.tags:
            related |= Q(tagged_items__tag_id__in=self.tags)
        if conferences or self.days or self.speakers or self.tags:
            talk_ids.update(
                Talk.objects.using(self.alias)
                .filter(related)
                .order_by()
                .values_list("pk", flat=True)
                .distinct()
            )
        if talk_ids and self.announced:
            # Talks deleted meanwhile are in no conference any more: they stay, so
            # that their rows leave the index.
            talk_ids -= set(
                Talk.objects.using(self.alias)
                .filter(pk__in=talk_ids, conference_id__in=self.announced)
                .values_list("pk", flat=True)
            )
        if talk_ids:
            search_index_talks(talk_ids, using=self.alias)


class _Registration:
    """The commit callback of one change set. A rollback drops the callbacks registered
    in it, and with them the only reference to this object: the change set's weak
    reference to it then tells that it will never be indexed."""

    def __init__(self, pending: _Pending):
        self.pending = pending

    def __call__(self):
        self.pending.flush()


def _pending(using: str | None) -> _Pending:
    """The change set of the current transaction, indexed when it commits."""
    alias = using or router.db_for_write(Talk)
    connection = connections[alias]
    pending = getattr(connection, "_confnotes_search_pending", None)
    if (
        pending is None
        or pending.flushed
        or not connection.in_atomic_block  # outside a transaction, _mark flushes at once
        or pending.registration() is None  # rolled back, with the work it described
    ):
        pending = _Pending(alias)
        connection._confnotes_search_pending = pending
        if connection.in_atomic_block:
            registration = _Registration(pending)
            pending.registration = weakref.ref(registration)
            transaction.on_commit(registration, using=alias, robust=True)
    return pending


def _mark(using, *, talks=(), conferences=(), days=(), speakers=(), tags=()) -> None:
    alias = using or router.db_for_write(Talk)
    pending = _pending(alias)
    pending.talks.update(t for t in talks if t is not None)
    pending.conferences.update(conferences)
    pending.days.update(days)
    pending.speakers.update(speakers)
    pending.tags.update(tags)
    if not connections[alias].in_atomic_block:
        pending.flush()


def on_talk_changed(sender, instance, using=None, **kwargs):
    _mark(using, talks=[instance.pk])


def on_conference_changed(sender, instance, using=None, **kwargs):
    _mark(using, conferences=[instance.pk])


def on_day_changed(sender, instance, using=None, **kwargs):
    _mark(using, days=[instance.pk])


def on_note_changed(sender, instance, using=None, **kwargs):
    # A note moved to another talk (or to a day) leaves its old talk's row too.
    talks = {instance.talk_id, getattr(instance, "_loaded_talk_id", None)} - {None}
    if talks:
        _mark(using, talks=list(talks))


def on_talk_speaker_changed(sender, instance, using=None, **kwargs):
    _mark(using, talks=[instance.talk_id])


def on_tagged_talk_changed(sender, instance, using=None, **kwargs):
    _mark(using, talks=[instance.content_object_id])


def on_speaker_changed(sender, instance, using=None, **kwargs):
    _mark(using, speakers=[instance.pk])


def on_speaker_alias_changed(sender, instance, using=None, **kwargs):
    _mark(using, speakers=[instance.speaker_id])


def on_tag_changed(sender, instance, using=None, **kwargs):
    _mark(using, tags=[instance.pk])


def on_talk_speakers_m2m(sender, instance, action, reverse, pk_set, using=None, **kwargs):
    """`talk.speakers.add()` and friends write TalkSpeaker rows past save()."""
    if not reverse:
        if action.startswith("post_"):
            _mark(using, talks=[instance.pk])
    elif action == "pre_clear":
        # After the clear the speaker has no talks left to find: note them now.
        _mark(using, talks=list(instance.talks.values_list("pk", flat=True)))
    elif action in ("post_add", "post_remove"):
        _mark(using, talks=pk_set or ())


def leave_to_import(conference_ids, *, using: str | None = None) -> None:
    """Within an import's transaction: these conferences are reindexed whole when the
    import is announced, so the rows written meanwhile need no indexing of their own."""
    if connections[using or router.db_for_write(Talk)].in_atomic_block:
        _pending(using).announced.update(conference_ids)


def on_content_imported(sender, conference_ids=(), **kwargs):
    search_index_conferences(conference_ids)


def on_post_migrate(sender, using="default", **kwargs):
    """After migrate (and after a flush) the index must match the talks it describes."""
    connection = connections[using]
    if connection.vendor not in ("sqlite", "postgresql"):
        return
    # Both tables, and on PostgreSQL the facet columns (0014), or a database migrated
    # back before them: it has no index this code could write.
    if not {TABLE, GRAMS_TABLE} <= set(connection.introspection.table_names()):
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            description = connection.introspection.get_table_description(cursor, TABLE)
        if not set(FACET_COLUMNS) <= {column.name for column in description}:
            return
    if search_index_size(using=using) != Talk.objects.using(using).published().count():
        search_rebuild(using=using)


# ---------------------------------------------------------------------------
# Queries


_SLUG = re.compile(r"[-\w]{1,200}")


@dataclass(frozen=True)
class SearchFilters:
    conference: str = ""
    year: int | None = None
    kind: str = ""
    tag: str = ""
    language: str = ""

    @classmethod
    def from_query(cls, params) -> "SearchFilters":
        """Filters from a query string; a malformed or unknown value is dropped, not an error."""
        conference = params.get("conference", "")
        tag = params.get("tag", "")
        kind = params.get("kind", "")
        year = params.get("year", "")
        language = params.get("language", "")
        return cls(
            conference=conference if _SLUG.fullmatch(conference) else "",
            year=int(year)
            if year.isascii() and year.isdigit() and 1000 <= int(year) <= 9999
            else None,
            kind=kind if kind in Kind.values else "",
            tag=tag if _SLUG.fullmatch(tag) else "",
            language=language if LANGUAGE_TAG.fullmatch(language) else "",
        )

    def as_params(self) -> dict[str, str]:
        params = {
            "conference": self.conference,
            "year": str(self.year) if self.year else "",
            "kind": self.kind,
            "tag": self.tag,
            "language": self.language,
        }
        return {key: value for key, value in params.items() if value}


@dataclass
class FacetValue:
    value: str
    label: str
    count: int


@dataclass
class SearchHit:
    talk: Talk
    snippet: SafeString
    snippet_source: str  # "abstract", "notes" or ""


@dataclass
class SearchResults:
    query: str
    terms: list[str]
    filters: SearchFilters
    total: int = 0
    page: int = 1
    per_page: int = PAGE_SIZE
    hits: list[SearchHit] = field(default_factory=list)
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def start_index(self) -> int:
        return (self.page - 1) * self.per_page + 1


def search_terms(query: str) -> list[str]:
    """The words of a query, cut to a sane length: runs of letters, digits and marks.

    Punctuation separates words, as it does in the index, so "node.js" is two words
    and "title:gates" never reaches the engine as a column filter. A word is also cut
    where a script written without spaces meets another ("Django로": Django, 로), as
    the index cuts it.
    """
    text = "".join(
        ch if unicodedata.category(ch)[0] in "LNM" else " "
        for ch in (query or "")[:QUERY_MAX_CHARS]
    )
    return [part for word in text.split() for part in search_scripts.split_term(word)][
        :QUERY_MAX_TERMS
    ]


def fts5_query(terms: list[str]) -> str:
    """An FTS5 expression matching every term, each quoted so no operator syntax survives."""
    return " ".join('"{}"'.format(term.replace('"', '""')) for term in terms)


def fts5_grams_query(runs: list[str]) -> str:
    """An FTS5 expression of the grams index matching every run as a substring: the
    phrase of its bigrams, or for one character the grams that start with it."""
    phrases = (
        '"{}"{}'.format(" ".join(search_scripts.term_grams(run)), "*" if len(run) == 1 else "")
        for run in runs
    )
    return " ".join(phrases)


def highlight(excerpt: str) -> SafeString:
    """Escape an excerpt, then turn only the highlight markers into <mark> tags."""
    escaped = escape(excerpt or "")
    return mark_safe(escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))


class _Backend:
    """The vendor-specific SQL of a search, composed around shared joins and filters."""

    def __init__(self, vendor: str, terms: list[str], filters: SearchFilters):
        self.vendor = vendor
        # Words go to the word index, runs of unspaced scripts to the grams index; a
        # query with both reads both, joined on the talk, and is ranked by its runs
        # alone: SQLite's bm25 counts a word's matches in the whole index anew for each
        # talk the join probes, which made a common word beside a run slow to rank.
        words = [term for term in terms if not search_scripts.is_unspaced(term)]
        self.runs = [term for term in terms if search_scripts.is_unspaced(term)]
        self.excerpt_pattern = search_scripts.matcher(terms) if self.runs else None
        if vendor == "sqlite":
            self._sqlite(words)
        elif vendor == "postgresql":
            self._postgresql(words)
        else:
            raise NotImplementedError(f"Search does not support {vendor}.")
        # SQLite reads a talk's facets from its row (talk_facets), PostgreSQL from its
        # row in the word index (migration 0014).
        self.facets_of = "t" if vendor == "sqlite" else "s"
        self.needs_talk = vendor == "sqlite" and bool(
            filters.conference or filters.year or filters.kind or filters.language
        )
        self.needs_conference = vendor == "sqlite" and bool(filters.conference or filters.year)
        self._filter(filters)

    def _sqlite(self, words: list[str]) -> None:
        self.match = fts5_query(words)
        # The grams index first, as the outer loop of a CROSS JOIN (SQLite keeps that
        # order): it holds only the talks with unspaced text, while SQLite, left to
        # choose, probed it once per match of a common word.
        indexes = [(GRAMS_TABLE, fts5_grams_query(self.runs))] if self.runs else []
        if words:
            indexes.append((TABLE, self.match))
        first = indexes[0][0]
        self.ctes, self.cte_params = [], []
        self.id_col = f"{first}.rowid"
        self.search_from = f"FROM {first}" + "".join(
            f" CROSS JOIN {table} ON {table}.rowid = {self.id_col}" for table, _ in indexes[1:]
        )
        self.where = [f"{table} MATCH %s" for table, _ in indexes]
        self.params = [match for _, match in indexes]
        self.rank = f"bm25({first}, {SQLITE_WEIGHTS})"
        self.rank_direction = "ASC"
        # The year as text: no date parsed per facet row.
        self.year_sql = "substr(fc.start_date, 1, 4)"

    def _postgresql(self, words: list[str]) -> None:
        # (table, its alias, the query's column, its tsquery SQL, parameters), the
        # grams index first, as on SQLite
        indexes = []
        if self.runs:
            grams = [
                ("to_tsquery('simple', %s)", f"{run}:*")
                if len(run) == 1
                else ("phraseto_tsquery('simple', %s)", " ".join(search_scripts.term_grams(run)))
                for run in self.runs
            ]
            tsquery = " && ".join(sql for sql, _ in grams)
            indexes.append((GRAMS_TABLE, "g", "grams", tsquery, [param for _, param in grams]))
        if words:
            # Every word is required; a word that stems to nothing is left out.
            tsquery = " && ".join([f"phraseto_tsquery('{POSTGRES_CONFIG}', %s)"] * len(words))
            indexes.append((TABLE, "s", "query", tsquery, words))
        first_table, first = indexes[0][:2]
        columns = ", ".join(f"{tsquery} AS {column}" for _, _, column, tsquery, _ in indexes)
        self.ctes = [f"q AS (SELECT {columns})"]
        self.cte_params = [param for *_, params in indexes for param in params]
        self.id_col = f"{first}.talk_id"
        joins = "".join(
            f" JOIN {table} {alias} ON {alias}.talk_id = {self.id_col}"
            for table, alias, *_ in indexes[1:]
        )
        if not words:  # the facets are in the word index, which holds every talk
            joins += f" JOIN {TABLE} s ON s.talk_id = {self.id_col}"
        self.search_from = f"FROM {first_table} {first}{joins} CROSS JOIN q"
        self.where = [f"{alias}.document @@ q.{column}" for _, alias, column, *_ in indexes]
        self.params = []
        column = indexes[0][2]
        self.rank = f"ts_rank('{POSTGRES_WEIGHTS}', {first}.document, q.{column})"
        self.rank_direction = "DESC"
        self.year_sql = "to_char(fc.start_date, 'YYYY')"

    def _filter(self, filters: SearchFilters) -> None:
        conference = []
        if filters.conference:
            conference.append("c.slug = %s")
            self.params.append(filters.conference)
        if filters.year:
            conference.append("c.start_date >= %s AND c.start_date <= %s")
            self.params += [f"{filters.year:04d}-01-01", f"{filters.year:04d}-12-31"]
        if conference and not self.needs_conference:
            # PostgreSQL reads the conferences' ids first: joined to them, it probed the
            # word index once per conference of the year ("django" in 2019: 9.8 ms, now
            # 1.6 ms). SQLite keeps the join: with the ids first, that query took 54 ms.
            conference = [
                f"s.conference_id = ANY(ARRAY(SELECT c.id FROM {CONFERENCE_TABLE} c "
                f"WHERE {' AND '.join(conference)}))"
            ]
        self.where += conference
        if filters.kind:
            self.where.append(f"{self.facets_of}.kind = %s")
            self.params.append(filters.kind)
        if filters.language:
            self.where.append(f"{self.facets_of}.language = %s")
            self.params.append(filters.language)
        if filters.tag:
            self.where.append(
                f"EXISTS (SELECT 1 FROM {TAGGED_TABLE} ft JOIN {TAG_TABLE} fg "
                f"ON fg.id = ft.tag_id WHERE ft.content_object_id = {self.id_col} "
                "AND fg.slug = %s)"
            )
            self.params.append(filters.tag)

    def _with(self, *ctes: str) -> str:
        return "WITH " + ", ".join([*self.ctes, *ctes]) + " "

    def _matches(self, *, talk: bool) -> str:
        """The matching talks, each with its rank and, with `talk`, its conference, kind
        and language, and on PostgreSQL its tag ids.

        Talks and conferences are joined only when a query needs them: each join costs a
        lookup per match. SQLite reads a talk's conference, kind and language from the
        talk_facets index, which it picks over the table only with statistics; PostgreSQL
        from the row of the word index it has just matched, with no join.
        """
        columns = f"{self.id_col} AS id, {self.rank} AS rank"
        sql = self.search_from
        if self.vendor == "sqlite" and (talk or self.needs_talk):
            sql += f" JOIN {TALK_TABLE} t INDEXED BY talk_facets ON t.id = {self.id_col}"
        if talk:
            facets = self.facets_of
            columns += f", {facets}.conference_id, {facets}.kind, {facets}.language"
            if self.vendor == "postgresql":
                columns += ", s.tag_ids"
        if self.needs_conference:
            sql += f" JOIN {CONFERENCE_TABLE} c ON c.id = {self.facets_of}.conference_id"
        return f"SELECT {columns} {sql} WHERE {' AND '.join(self.where)}"

    def results_queries(self, limit: int, offset: int):
        """The queries of a page's results but its excerpts, as (sql, params) to run in turn.

        Each reads the matches `m` and returns rows of (section, id, slug, name, year,
        kind, language, n), the section being one of
        - "facet": matches per (conference, kind, language), with the conference's slug,
          name and year: the total, and the conference, year, kind and language facets;
        - "tag": the most frequent tags among the matches, with their counts;
        - "hit": the talks of the page, `n` their place on it.

        PostgreSQL answers all three in one query that finds and ranks the matches once:
        there each match costs a read of its row, and three queries read a word found in
        most talks three times. SQLite's index hands out matches for less than grouping
        them costs, so it runs the sections as three queries, facets first, each matching
        anew and ranking only for the page: one query over a materialized match set was
        slower there.
        """
        facets = (
            f"SELECT 'facet', x.conference_id, fc.slug, fc.name, {self.year_sql}, x.kind, "
            "x.language, x.n FROM (SELECT conference_id, kind, language, COUNT(*) AS n FROM m "
            "GROUP BY conference_id, kind, language) x "
            f"JOIN {CONFERENCE_TABLE} fc ON fc.id = x.conference_id"
        )
        if self.vendor == "postgresql":
            # Each match's tag ids came with it: no join of every tagging of every match.
            tagged = "(SELECT unnest(m.tag_ids) AS tag_id FROM m) tt"
        else:
            tagged = f"m JOIN {TAGGED_TABLE} tt ON tt.content_object_id = m.id"
        tags = (
            "SELECT 'tag', x.tag_id, tg.slug, tg.name, NULL, NULL, NULL, x.n "
            f"FROM (SELECT tt.tag_id, COUNT(*) AS n FROM {tagged} "
            "GROUP BY tt.tag_id ORDER BY n DESC, tt.tag_id "
            f"LIMIT %s) x JOIN {TAG_TABLE} tg ON tg.id = x.tag_id"
        )
        hits = (
            "SELECT 'hit', id, NULL, NULL, NULL, NULL, NULL, "
            f"ROW_NUMBER() OVER (ORDER BY rank {self.rank_direction}, id) "
            f"FROM (SELECT id, rank FROM m ORDER BY rank {self.rank_direction}, id "
            "LIMIT %s OFFSET %s) page"
        )
        match_params = [*self.cte_params, *self.params]
        if self.vendor == "postgresql":
            matches = f"m AS MATERIALIZED ({self._matches(talk=True)})"
            sql = self._with(matches) + " UNION ALL ".join([facets, tags, hits])
            return [(sql, [*match_params, TAG_FACET_SIZE, limit, offset])]
        # (sql, its own parameters, whether it reads the talk's conference, kind and language)
        sections = [
            (facets, [], True),
            (tags, [TAG_FACET_SIZE], False),
            (hits, [limit, offset], False),
        ]
        return [
            (self._with(f"m AS ({self._matches(talk=talk)})") + sql, [*match_params, *params])
            for sql, params, talk in sections
        ]

    def excerpts_sql(self, ids: list[int]):
        """Two excerpts (abstract, notes) of each talk of `ids`: the hits of one page.

        Asked for apart from the page, by id, so they are made for its rows only.
        Made in the page's own query, SQLite made them for every row an OFFSET
        skipped too, or, picking the page's rows by a subquery, matched the whole
        query a second time: "django" took 2.4 ms that way, 1.6 ms as two queries.

        With runs of unspaced scripts in the query, the texts themselves: neither
        engine can mark a match inside a word, so `excerpts` cuts and marks them.
        """
        ids_sql = in_list(ids)
        if self.runs:
            id_column = "rowid" if self.vendor == "sqlite" else "talk_id"
            sql = (
                f"SELECT {id_column}, abstract, notes FROM {TABLE} WHERE {id_column} IN ({ids_sql})"
            )
            return sql, ids
        if self.vendor == "sqlite":
            excerpt = "snippet({table}, {column}, '{start}', '{end}', ' … ', 24)"
            marks = {"table": TABLE, "start": MARK_START, "end": MARK_END}
            sql = (
                f"SELECT {TABLE}.rowid, {excerpt.format(column=3, **marks)}, "
                f"{excerpt.format(column=4, **marks)} FROM {TABLE} "
                f"WHERE {TABLE} MATCH %s AND {TABLE}.rowid IN ({ids_sql})"
            )
            return sql, [self.match, *ids]
        options = (
            f"StartSel={MARK_START}, StopSel={MARK_END}, MaxFragments=2, "
            'MaxWords=24, MinWords=10, FragmentDelimiter=" … "'
        )
        sql = (
            f"{self._with()}SELECT s.talk_id, "
            f"ts_headline('{POSTGRES_CONFIG}', s.abstract, q.query, %s), "
            f"ts_headline('{POSTGRES_CONFIG}', s.notes, q.query, %s) "
            f"FROM {TABLE} s CROSS JOIN q WHERE s.talk_id IN ({ids_sql})"
        )
        return sql, [*self.cte_params, options, options, *ids]

    def excerpts(self, abstract: str, notes: str) -> tuple[str, str]:
        """The excerpts of a row of `excerpts_sql`, marked."""
        if not self.runs:
            return abstract, notes
        return tuple(
            search_scripts.excerpt(
                text or "", self.excerpt_pattern, start_mark=MARK_START, end_mark=MARK_END
            )
            for text in (abstract, notes)
        )


def search_talks(
    query: str, *, filters: SearchFilters | None = None, page: int = 1, per_page: int = PAGE_SIZE
) -> SearchResults:
    """Published talks matching every word of `query`, best first, with facets and excerpts.

    Runs a fixed number of queries whatever the size of the archive: the results (one
    query on PostgreSQL, three on SQLite), the page's excerpts and its talks; one when
    nothing matches, none for an empty query. A page past the last gives no hits. The
    talks come without their speakers: the search page prints them from rows kept in
    the cache (`selectors.search_page`).
    """
    filters = filters or SearchFilters()
    query = clean_text(query)
    terms = search_terms(query)
    results = SearchResults(query=query, terms=terms, filters=filters, page=page, per_page=per_page)
    if not terms:
        return results
    alias = router.db_for_read(Talk)
    connection = connections[alias]
    backend = _Backend(connection.vendor, terms, filters)
    rows = {"facet": [], "tag": [], "hit": []}
    with connection.cursor() as cursor:
        for sql, params in backend.results_queries(per_page, (page - 1) * per_page):
            cursor.execute(sql, params)
            for section, *row in cursor.fetchall():
                rows[section].append(row)
            if not rows["facet"]:
                return results  # nothing matches: SQLite asks for the facets first
    results.total = sum(n for *_, n in rows["facet"])
    results.facets = _facets(rows["facet"])
    tags = sorted(rows["tag"], key=lambda row: (-row[-1], row[2]))
    results.facets["tag"] = [FacetValue(slug, name, n) for _id, slug, name, *_, n in tags]
    ids = [talk_id for talk_id, *_ in sorted(rows["hit"], key=lambda row: row[-1])]
    if not ids:  # a page past the last
        return results
    with connection.cursor() as cursor:
        cursor.execute(*backend.excerpts_sql(ids))
        excerpts = {
            talk_id: backend.excerpts(abstract, notes)
            for talk_id, abstract, notes in cursor.fetchall()
        }
    talks = Talk.objects.published().for_list().in_bulk(ids)
    for talk in (talks[talk_id] for talk_id in ids if talk_id in talks):
        abstract, notes = excerpts.get(talk.pk, ("", ""))
        snippet, source = _pick_excerpt(abstract or "", notes or "")
        results.hits.append(SearchHit(talk=talk, snippet=snippet, snippet_source=source))
    return results


def _pick_excerpt(abstract: str, notes: str) -> tuple[SafeString, str]:
    """The excerpt that shows a match, from the abstract if it has one, else from the notes."""
    for text, source in ((abstract, "abstract"), (notes, "notes")):
        if MARK_START in text:
            return highlight(text), source
    if abstract:
        return highlight(abstract), "abstract"
    return highlight(""), ""


def _facets(rows) -> dict[str, list[FacetValue]]:
    conferences: dict[str, FacetValue] = {}
    years: dict[int, int] = {}
    kinds: dict[str, int] = {}
    languages: dict[str, int] = {}
    for _conference_id, slug, name, year, kind, language, count in rows:
        if slug in conferences:
            conferences[slug].count += count
        else:
            conferences[slug] = FacetValue(slug, name, count)
        if year:
            years[int(year)] = years.get(int(year), 0) + count
        kinds[kind] = kinds.get(kind, 0) + count
        if language:
            languages[language] = languages.get(language, 0) + count
    labels = dict(Kind.choices)
    return {
        "conference": sorted(conferences.values(), key=lambda f: (-f.count, f.label))[
            :CONFERENCE_FACET_SIZE
        ],
        "year": [
            FacetValue(str(year), str(year), n) for year, n in sorted(years.items(), reverse=True)
        ],
        "kind": sorted(
            (FacetValue(kind, str(labels.get(kind, kind)), n) for kind, n in kinds.items()),
            key=lambda f: (-f.count, f.label),
        ),
        "language": sorted(
            (FacetValue(code, language_name(code), n) for code, n in languages.items()),
            key=lambda f: (-f.count, f.label),
        ),
    }


# ---------------------------------------------------------------------------
# Wiring


def connect_signals() -> None:
    """Keep the index in sync with content; called from TalksConfig.ready()."""
    from django.apps import apps
    from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

    from talks.signals import content_imported

    handlers = [
        (Talk, on_talk_changed),
        (Conference, on_conference_changed),
        (Day, on_day_changed),
        (Note, on_note_changed),
        (TalkSpeaker, on_talk_speaker_changed),
        (TaggedTalk, on_tagged_talk_changed),
        (Speaker, on_speaker_changed),
        (SpeakerAlias, on_speaker_alias_changed),
        (Tag, on_tag_changed),
    ]
    for model, handler in handlers:
        uid = f"confnotes-search-{model._meta.label_lower}"
        post_save.connect(handler, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(handler, sender=model, dispatch_uid=f"{uid}-delete")
    m2m_changed.connect(
        on_talk_speakers_m2m, sender=Talk.speakers.through, dispatch_uid="confnotes-search-m2m"
    )
    content_imported.connect(on_content_imported, dispatch_uid="confnotes-search-import")
    post_migrate.connect(
        on_post_migrate,
        sender=apps.get_app_config("talks"),
        dispatch_uid="confnotes-search-migrate",
    )
