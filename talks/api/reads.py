"""What the API reads: one queryset per resource, each on its model's `published()` (or
the `*_with_public_talks()` of talks/models.py), so drafts never appear, whoever asks.

Each list is read in id order by talks/api/pagination.py; each function here runs a
fixed number of queries, pinned by talks/tests/test_api.py.
"""

from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from taggit.models import Tag

from speakers.models import SpeakerAlias
from talks.models import (
    Conference,
    Day,
    Note,
    TaggedTalk,
    Talk,
    TalkQuerySet,
    speakers_with_public_talks,
    tags_prefetch,
    tags_with_public_talks,
)

_CONFERENCE_TEXTS = ("recap", "recap_html", "extra")


def _deferred(*paths: str) -> list[str]:
    """The long texts of the conferences and days reached through `paths` ("talk__day__")."""
    fields = []
    for path in paths:
        names = _CONFERENCE_TEXTS if path.endswith("conference__") else ("summary", "summary_html")
        fields += [f"{path}{name}" for name in names]
    return fields


def conferences(filters: dict, *, detail: bool = False):
    rows = Conference.objects.published().prefetch_related(tags_prefetch())
    rows = rows if detail else rows.for_list()
    if "year" in filters:  # a range, not __year: the start date's index serves it
        year = filters["year"]
        rows = rows.filter(start_date__gte=f"{year}-01-01", start_date__lt=f"{year + 1}-01-01")
    if "series" in filters:
        rows = rows.filter(series=filters["series"])
    if "q" in filters:
        rows = rows.filter(name__icontains=filters["q"])
    return rows


def conference_days(conference) -> list:
    return list(
        Day.objects.published().filter(conference=conference).defer("summary", "summary_html")
    )


def days(filters: dict, *, detail: bool = False):
    rows = Day.objects.published().select_related("conference")
    rows = rows.defer(*_deferred("conference__"), *([] if detail else ("summary", "summary_html")))
    if "conference" in filters:
        rows = rows.filter(conference__slug=filters["conference"])
    return rows


def talk_ids(filters: dict):
    """The public talks the filters keep, to be read in pages of ids (`talks_by_id`).

    The talks of public days, which are the public talks (a talk's conference is its
    day's): said so, SQLite reads the ids from the talks' (day, ...) index instead of
    joining every public talk to its conference and day before sorting them for the
    first page (0.66 against 2.86 ms at 3,052 talks, EXPLAIN QUERY PLAN; the first
    page at 21,409 talks took 47.8 ms unloaded, the last 11.4 ms).
    """
    return _filter_talks(Talk.objects.filter(day__in=Day.objects.published()), filters)


def talks_by_id(ids) -> dict:
    """{id: talk} of these talks, with what an API talk prints: speakers, tags, conference, day."""
    return Talk.objects.for_list().with_speakers().with_tags().in_bulk(ids)


def talks(filters: dict, *, detail: bool = False):
    rows = Talk.objects.published().for_list().with_speakers().with_tags()
    if detail:
        rows = rows.defer(None).defer(*_deferred("conference__", "day__")).with_links()
    return _filter_talks(rows, filters)


def _filter_talks(rows, filters: dict):
    lookups = {
        "conference": "conference__slug",
        "day": "day__slug",
        "speaker": "talk_speakers__speaker__slug",
        "tag": "tagged_items__tag__slug",
        "kind": "kind",
        "language": "language",
        "updated_since": "updated__gte",
        "q": "title__icontains",
    }
    return rows.filter(**{lookups[name]: value for name, value in filters.items()})


def speakers(filters: dict, *, detail: bool = False):
    rows = speakers_with_public_talks()
    if detail:
        public_aliases = SpeakerAlias.objects.filter(public=True)
        rows = rows.prefetch_related(
            Prefetch("aliases", queryset=public_aliases, to_attr="public_aliases")
        ).annotate(
            talk_count=Count("talks", filter=TalkQuerySet.public_rule("talks__"), distinct=True)
        )
    else:
        rows = rows.only("name", "slug", "photo_thumbnail")
    if "q" in filters:
        rows = rows.filter(name__icontains=filters["q"])
    return rows


def tags(filters: dict, *, detail: bool = False):
    rows = tags_with_public_talks()
    if "q" in filters:
        rows = rows.filter(name__icontains=filters["q"])
    return rows


def tag_talk_counts(tag_ids) -> dict[int, int]:
    """{tag id: how many public talks carry it} of these tags.

    Counted tag by tag (a subquery per tag): PostgreSQL then reads each tag's talks by
    their keys, where one join of all the tags' taggings to the talks hashed every talk
    of the archive (at 21,409 talks, the first page's counts, whose tags are the most
    used: 27 against 11 ms, median of 20 calls; on SQLite about the same either way).
    """
    per_tag = (
        TaggedTalk.objects.filter(TalkQuerySet.public_rule("content_object__"), tag=OuterRef("pk"))
        .values("tag")
        .annotate(n=Count("pk"))  # a talk carries a tag once (tagged_talk_unique)
        .values("n")
    )
    counts = Tag.objects.filter(pk__in=tag_ids).annotate(n=Subquery(per_tag))
    return {pk: n for pk, n in counts.values_list("pk", "n") if n}


def notes(filters: dict, *, detail: bool = False):
    rows = (
        Note.objects.published()
        .with_authors()
        .select_related("talk__conference", "day__conference", "conference")
        .defer(
            "talk__abstract",
            "talk__abstract_html",
            "talk__extra",
            *_deferred("talk__conference__", "day__", "day__conference__", "conference__"),
        )  # fmt: skip
    )
    if not detail:
        rows = rows.defer("body")
    if "conference" in filters:
        slug = filters["conference"]
        rows = rows.filter(
            Q(talk__conference__slug=slug)
            | Q(day__conference__slug=slug)
            | Q(conference__slug=slug)
        )
    if "updated_since" in filters:
        rows = rows.filter(updated__gte=filters["updated_since"])
    return rows
