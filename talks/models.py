import uuid
from functools import cache
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, connections, models, router
from django.db.models import Q
from django.db.models.query import ModelIterable
from django.utils import timezone
from taggit.managers import TaggableManager
from taggit.models import Tag, TaggedItemBase

from confnotes.markdown import render_markdown_fields
from confnotes.slugs import (
    RESERVED_DAY_SLUGS,
    RESERVED_ROOT_SLUGS,
    OldSlug,
    SlugTrackingMixin,
    unique_slug,
    validate_day_slug,
    validate_root_slug,
)
from speakers.images import validate_image_upload
from speakers.models import Speaker
from talks.paths import slug_path
from talks.rows import RowPlan, in_list
from talks.timestamps import TIMESTAMP_PREFILTER, timestamp_extensions
from talks.video import youtube_embed_url


class MarkdownMixin:
    """Render every field named in `markdown_fields` into its `*_html` sibling on save."""

    markdown_fields: tuple[str, ...] = ()

    def render_markdown(self):
        render_markdown_fields(self, self.markdown_fields)


class Source(models.TextChoices):
    """Where a record came from; imports key on (source, external id)."""

    CONFNOTES = "", "written here"
    PYVIDEO = "pyvideo", "pyvideo.org"
    SCHEDULE = "schedule", "frab/pretalx schedule"


# ---------------------------------------------------------------------------
# Conference


class ConferenceQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True)

    def for_list(self):
        """What lists of conferences print: not their recaps, nor the source records."""
        return self.defer("recap", "recap_html", "extra")


def talk_counts() -> dict[int, int]:
    """{conference id: talks on its published days} over the whole archive."""
    talks = Talk.objects.filter(day__published=True).order_by()
    return dict(talks.values_list("conference_id").annotate(models.Count("pk")))


class ConferenceManager(models.Manager.from_queryset(ConferenceQuerySet)):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class TaggedConferenceManager(models.Manager):
    def get_by_natural_key(self, conference_slug, tag_name):
        return self.get(content_object__slug=conference_slug, tag__name=tag_name)


class TaggedConference(TaggedItemBase):
    objects = TaggedConferenceManager()

    content_object = models.ForeignKey(
        "Conference", on_delete=models.CASCADE, related_name="tagged_items"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["content_object", "tag"], name="tagged_conference_unique"
            )
        ]

    def natural_key(self):
        return (*self.content_object.natural_key(), self.tag.name)

    natural_key.dependencies = ["talks.conference", "taggit.tag"]


class Conference(SlugTrackingMixin, MarkdownMixin, models.Model):
    """One edition of a conference, e.g. DjangoCon US 2019."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200,
        unique=True,
        blank=True,
        validators=[validate_root_slug],
        help_text="Part of the URL. Filled from the name when left empty.",
    )
    series = models.CharField(
        max_length=200,
        blank=True,
        db_index=True,
        help_text="What all editions share, e.g. “DjangoCon US”.",
    )
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=100, blank=True)
    venue = models.CharField(max_length=200, blank=True)
    website = models.URLField(max_length=500, blank=True)
    logo = models.ImageField(
        upload_to="conferences/logos/", blank=True, validators=[validate_image_upload]
    )
    recap = models.TextField(blank=True, help_text="Markdown.")
    recap_html = models.TextField(blank=True, editable=False)
    tags = TaggableManager(through=TaggedConference, blank=True)
    published = models.BooleanField(default=False, help_text="Drafts are visible to staff only.")
    source = models.CharField(max_length=20, choices=Source, blank=True, default="")
    external_id = models.CharField(max_length=200, blank=True, default="")
    extra = models.JSONField(
        default=dict, blank=True, help_text="Source fields kept for lossless export."
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    markdown_fields = ("recap",)

    objects = ConferenceManager()

    class Meta:
        ordering = ["-start_date", "name"]
        indexes = [
            models.Index(fields=["published", "-start_date"], name="conference_published_start"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="conference_unique_source_id",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="conference_ends_after_start",
            ),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)

    def get_absolute_url(self):
        return slug_path("talks:conference_detail", conference=self.slug)

    @property
    def year(self) -> int | None:
        return self.start_date.year if self.start_date else None

    @property
    def place(self) -> str:
        return ", ".join(part for part in (self.venue, self.city, self.country) if part)

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(
                self.name, Conference.objects.exclude(pk=self.pk), reserved=RESERVED_ROOT_SLUGS
            )
        self.render_markdown()
        old_slug = self.slug_changed_from()
        super().save(*args, **kwargs)
        if old_slug:
            ConferenceOldSlug.objects.get_or_create(slug=old_slug, defaults={"conference": self})
            ConferenceOldSlug.objects.filter(slug=old_slug).update(conference=self)
            ConferenceOldSlug.objects.filter(slug=self.slug).delete()
        self._loaded_slug = self.slug


class ConferenceOldSlug(OldSlug):
    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="old_slugs")

    class Meta(OldSlug.Meta):
        constraints = [models.UniqueConstraint(fields=["slug"], name="conference_old_slug_unique")]


# ---------------------------------------------------------------------------
# Day


class DayQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True, conference__published=True)


class DayManager(models.Manager.from_queryset(DayQuerySet)):
    def get_by_natural_key(self, conference_slug, slug):
        return self.get(conference__slug=conference_slug, slug=slug)


class Day(SlugTrackingMixin, MarkdownMixin, models.Model):
    """One day of a conference: its program, in order, with the notes written about it."""

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="days")
    date = models.DateField()
    position = models.PositiveSmallIntegerField(
        default=0, help_text="1 for the first day. Filled in date order when left at 0."
    )
    title = models.CharField(max_length=200, blank=True, help_text="e.g. “Tutorials”, “Sprints”.")
    slug = models.SlugField(
        max_length=100,
        blank=True,
        validators=[validate_day_slug],
        help_text="Part of the URL. “day-N” when left empty.",
    )
    summary = models.TextField(blank=True, help_text="The day's own introduction, in Markdown.")
    summary_html = models.TextField(blank=True, editable=False)
    published = models.BooleanField(default=True, help_text="Drafts are visible to staff only.")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    markdown_fields = ("summary",)

    objects = DayManager()

    class Meta:
        ordering = ["date", "position"]
        constraints = [
            models.UniqueConstraint(fields=["conference", "date"], name="day_unique_date"),
            models.UniqueConstraint(fields=["conference", "slug"], name="day_unique_slug"),
        ]

    def __str__(self):
        return f"{self.conference.name}: {self.label}"

    @property
    def label(self) -> str:
        """How the day is named on pages: “Day 2” or “Day 2: Tutorials”."""
        base = f"Day {self.position}" if self.position else self.date.isoformat()
        return f"{base}: {self.title}" if self.title else base

    def natural_key(self):
        return (*self.conference.natural_key(), self.slug)

    natural_key.dependencies = ["talks.conference"]

    def get_absolute_url(self):
        return slug_path("talks:day_detail", conference=self.conference.slug, day=self.slug)

    def save(self, *args, **kwargs):
        if not self.position:
            self.position = (
                Day.objects.filter(conference_id=self.conference_id, date__lt=self.date)
                .exclude(pk=self.pk)
                .count()
                + 1
            )
        if not self.slug:
            siblings = Day.objects.filter(conference_id=self.conference_id).exclude(pk=self.pk)
            self.slug = unique_slug(
                self.title or f"day-{self.position}",
                siblings,
                max_length=100,
                reserved=RESERVED_DAY_SLUGS,
            )
        self.render_markdown()
        old_slug = self.slug_changed_from()
        super().save(*args, **kwargs)
        if old_slug:
            DayOldSlug.objects.filter(day__conference_id=self.conference_id, slug=old_slug).delete()
            DayOldSlug.objects.create(day=self, slug=old_slug)
            DayOldSlug.objects.filter(day=self, slug=self.slug).delete()
        self._loaded_slug = self.slug


class DayOldSlug(OldSlug):
    day = models.ForeignKey(Day, on_delete=models.CASCADE, related_name="old_slugs")

    class Meta(OldSlug.Meta):
        indexes = [models.Index(fields=["slug"])]


# ---------------------------------------------------------------------------
# Talk


class Kind(models.TextChoices):
    KEYNOTE = "keynote", "Keynote"
    TALK = "talk", "Talk"
    LIGHTNING = "lightning", "Lightning talk"
    TUTORIAL = "tutorial", "Tutorial"
    WORKSHOP = "workshop", "Workshop"
    PANEL = "panel", "Panel"
    SOCIAL = "social", "Social"
    SPRINT = "sprint", "Sprint"
    BREAK = "break", "Break"
    OTHER = "other", "Other"


# What no list of talks prints: abstracts (only the talk's own page shows one), the
# source records kept for export (decoding their JSON cost a day page 0.4 ms), and
# the conference's and day's own texts, fetched once per talk by the joins.
LIST_DEFERRED = (
    "abstract", "abstract_html", "extra",
    "conference__recap", "conference__recap_html", "conference__extra",
    "day__summary", "day__summary_html",
)  # fmt: skip


KIND_LABELS = dict(Kind.choices)


class ListedSpeaker(NamedTuple):
    """A speaker as a talk's row prints one (`Talk.listed_speakers()`): a name and a link."""

    pk: int
    name: str
    slug: str

    def get_absolute_url(self):
        return slug_path("talks:speaker_detail", slug=self.slug)


class ListedTag(NamedTuple):
    """A tag as a talk's row prints one (`Talk.listed_tags()`)."""

    pk: int
    name: str
    slug: str


def _rows_by_talk(talks, using, sql_of) -> dict[int, list]:
    """{talk id: [(pk, name, slug), ...]} from the query `sql_of()` gives, run for `talks`.

    Plain SQL: these two queries run on every list of talks, and Django's query
    compiler took longer to write each one (0.3 ms) than SQLite took to run it.
    """
    rows = {talk.pk: [] for talk in talks}
    ids = list(rows)
    with connections[using].cursor() as cursor:
        cursor.execute(sql_of().format(ids=in_list(ids)), ids)
        for talk_id, *row in cursor.fetchall():
            rows[talk_id].append(row)
    return rows


@cache
def _speakers_sql() -> str:
    qn = connection.ops.quote_name
    return (
        f"SELECT ts.talk_id, s.id, s.name, s.slug FROM {qn(TalkSpeaker._meta.db_table)} ts "
        f"JOIN {qn(Speaker._meta.db_table)} s ON s.id = ts.speaker_id "
        "WHERE ts.talk_id IN ({ids}) ORDER BY ts.talk_id, ts.position, ts.id"
    )


@cache
def _tags_sql() -> str:
    qn = connection.ops.quote_name
    return (
        f"SELECT tt.content_object_id, t.id, t.name, t.slug FROM {qn(TaggedTalk._meta.db_table)} tt "
        f"JOIN {qn(Tag._meta.db_table)} t ON t.id = tt.tag_id "
        "WHERE tt.content_object_id IN ({ids}) ORDER BY tt.content_object_id, tt.tag_id"
    )


def _load_speakers(talks, using):
    rows = _rows_by_talk(talks, using, _speakers_sql)
    for talk in talks:
        talk.speaker_rows = [ListedSpeaker(*row) for row in rows[talk.pk]]


def _load_tags(talks, using):
    rows = _rows_by_talk(talks, using, _tags_sql)
    for talk in talks:
        talk.tag_rows = [ListedTag(*row) for row in rows[talk.pk]]


def _load_links(talks, using):
    plan = _row_plan(using, "link")
    ids = [talk.pk for talk in talks]
    sql = (
        f"SELECT {plan.select} FROM {plan.table(Link)} l "
        f"LEFT JOIN {plan.table(LinkCheck)} c ON c.url = l.url AND c.broken "
        f"WHERE l.talk_id IN ({in_list(ids)}) ORDER BY l.talk_id, l.position, l.id"
    )
    rows = {talk.pk: [] for talk in talks}
    for link, check in plan.fetch(sql, ids):
        link.failing_since = check.failing_since if check else None
        rows[link.talk_id].append(link)
    for talk in talks:
        talk.link_rows = rows[talk.pk]


class TalkQuerySet(models.QuerySet):
    """Talks; `for_list()` and `with_speakers()` also load each talk's rows of
    speakers and tags, once the talks are fetched (one query each)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._row_loaders = ()

    def _clone(self):
        clone = super()._clone()
        clone._row_loaders = self._row_loaders
        return clone

    def _fetch_all(self):
        fetching = self._result_cache is None
        super()._fetch_all()
        if fetching and self._result_cache and issubclass(self._iterable_class, ModelIterable):
            for load in self._row_loaders:
                load(self._result_cache, self.db)

    def _with_rows(self, *loaders):
        clone = self._chain()
        clone._row_loaders = (
            *self._row_loaders,
            *(load for load in loaders if load not in self._row_loaders),
        )
        return clone

    def published(self):
        return self.filter(conference__published=True, day__published=True)

    def for_list(self):
        """Everything a list of talk cards prints, in a fixed number of queries.

        Speakers and tags land in plain lists of tuples (`Talk.listed_speakers()`
        and `listed_tags()` read them). Prefetched into the managers' caches, they
        built a filtered queryset per talk, which cost a day page a third of its
        time; prefetched as model instances, two per speaker and one per tag,
        they cost a tag page of 50 lightning talks about 400 instances.
        """
        return (
            self.select_related("conference", "day")
            .defer(*LIST_DEFERRED)
            ._with_rows(_load_speakers, _load_tags)
        )

    def with_speakers(self):
        """Load the talks' speakers for `Talk.listed_speakers()`."""
        return self._with_rows(_load_speakers)

    def with_links(self):
        """Load the typed links with their health, for `Talk.listed_links()`."""
        return self._with_rows(_load_links)

    def with_link_health(self):
        """Annotate `slides_failing_since` and `video_failing_since`: set when that link is broken."""
        return self.annotate(
            slides_failing_since=broken_since("slides_url"),
            video_failing_since=broken_since("video_url"),
        )


def talks_of_day(day) -> list:
    """The talks of `day` in program order, with everything the day page prints:
    speakers, tags, typed links and the health of every link.

    As `Talk.objects.for_list().with_link_health().with_links().filter(day=day)`
    would give them, in the same number of queries, but from plain SQL: Django
    took about 1 ms to build and compile that query with its two link-health
    subqueries, five times what the database took to run it, on the page every
    reader opens first.
    """
    using = router.db_for_read(Talk)
    plan = _row_plan(using, "day-talk")
    checks = plan.table(LinkCheck)
    sql = (
        f"SELECT {plan.select} FROM {plan.table(Talk)} t "
        f"LEFT JOIN {checks} s ON s.url = t.slides_url AND s.broken "
        f"LEFT JOIN {checks} v ON v.url = t.video_url AND v.broken "
        "WHERE t.day_id = %s ORDER BY t.position, t.start_time, t.id"
    )
    talks = []
    for talk, slides, video in plan.fetch(sql, [day.pk]):
        talk.slides_failing_since = slides.failing_since if slides else None
        talk.video_failing_since = video.failing_since if video else None
        talk.conference, talk.day = day.conference, day
        talks.append(talk)
    if talks:
        for load in (_load_speakers, _load_tags, _load_links):
            load(talks, using)
    return talks


# What a row of a list prints of a talk's conference and day: not their texts,
# nor their source records and timestamps.
ROW_CONFERENCE_LEFT_OUT = {"recap", "recap_html", "extra", "created", "updated"}
ROW_DAY_LEFT_OUT = {"summary", "summary_html", "created", "updated"}


@cache
def _row_plan(using: str, name: str) -> RowPlan:
    user = get_user_model()
    byline = {"id", "first_name", "last_name", user.USERNAME_FIELD}
    # Of a link's check, pages print only since when it fails.
    check_left_out = {f.name for f in LinkCheck._meta.concrete_fields} - {"id", "failing_since"}
    parts = {
        "talk": [
            ("t", Talk, set(LIST_DEFERRED)),
            ("c", Conference, ROW_CONFERENCE_LEFT_OUT),
            ("d", Day, ROW_DAY_LEFT_OUT),
        ],
        # A day page prints its day's summary, not the others'; fetched with the
        # others all the same, as the ORM did.
        "day": [
            ("d", Day, {"summary", "created", "updated"}),
            ("c", Conference, ROW_CONFERENCE_LEFT_OUT),
        ],
        "day-talk": [
            ("t", Talk, set(LIST_DEFERRED)),
            ("s", LinkCheck, check_left_out),
            ("v", LinkCheck, check_left_out),
        ],
        "link": [("l", Link, set()), ("c", LinkCheck, check_left_out)],
        "note": [
            ("n", Note, {"body"}),
            ("u", user, {f.name for f in user._meta.concrete_fields} - byline),
        ],
    }
    return RowPlan(using, parts[name])


def talks_by_id(ids, *, public: bool = False, tags: bool = True) -> dict[int, "Talk"]:
    """{id: talk} for the talks of `ids`, each with its conference and day, its
    speakers and (with `tags`) its tags: what a row of a list prints.

    `Talk.objects.for_list().in_bulk(ids)` gives the same talks, but Django takes
    about 1 ms to compile that query and makes a conference and a day per talk;
    from plain SQL, with one conference and one day per distinct row, a page of
    50 talks costs a third of that. `public` leaves out talks of draft
    conferences and days.
    """
    ids = list(ids)
    if not ids:
        return {}
    using = router.db_for_read(Talk)
    plan = _row_plan(using, "talk")
    sql = (
        f"SELECT {plan.select} FROM {plan.table(Talk)} t "
        f"JOIN {plan.table(Conference)} c ON c.id = t.conference_id "
        f"JOIN {plan.table(Day)} d ON d.id = t.day_id WHERE t.id IN ({in_list(ids)})"
    )
    if public:
        sql += " AND c.published AND d.published"
    talks = {}
    for talk, conference, day in plan.fetch(sql, ids):
        talk.conference, talk.day = conference, day
        talks[talk.pk] = talk
    listed = list(talks.values())
    if listed:
        _load_speakers(listed, using)
        if tags:
            _load_tags(listed, using)
    return talks


def days_of_conference(slug: str, *, public: bool) -> list["Day"]:
    """The days of the conference `slug` in order, each with its conference
    (one object for all): `Day.objects.select_related("conference")` from plain SQL."""
    using = router.db_for_read(Day)
    plan = _row_plan(using, "day")
    sql = (
        f"SELECT {plan.select} FROM {plan.table(Day)} d "
        f"JOIN {plan.table(Conference)} c ON c.id = d.conference_id WHERE c.slug = %s"
    )
    if public:
        sql += " AND d.published AND c.published"
    days = []
    for day, conference in plan.fetch(sql + " ORDER BY d.date, d.position", [slug]):
        day.conference = conference
        days.append(day)
    return days


def notes_of_day(day, talk_ids) -> list["Note"]:
    """Every note, drafts too, on `day` or on one of `talk_ids`, oldest first, each
    with its author's name: `Note.objects.select_related("author")` from plain SQL.

    By the talks' keys rather than a join on their day: both sides of the OR
    then use their index, instead of a walk through every note of the archive.
    """
    using = router.db_for_read(Note)
    plan = _row_plan(using, "note")
    user = get_user_model()
    where, params = "n.day_id = %s", [day.pk]
    if talk_ids:
        where += f" OR n.talk_id IN ({in_list(talk_ids)})"
        params += list(talk_ids)
    sql = (
        f"SELECT {plan.select} FROM {plan.table(Note)} n "
        f"LEFT JOIN {plan.table(user)} u ON u.id = n.author_id "
        f"WHERE {where} ORDER BY n.created, n.id"
    )
    notes = []
    for note, author in plan.fetch(sql, params):
        if author is not None:
            note.author = author
        notes.append(note)
    return notes


class TalkManager(models.Manager.from_queryset(TalkQuerySet)):
    def get_by_natural_key(self, conference_slug, slug):
        return self.get(conference__slug=conference_slug, slug=slug)


class TaggedTalkManager(models.Manager):
    def get_by_natural_key(self, conference_slug, talk_slug, tag_name):
        return self.get(
            content_object__conference__slug=conference_slug,
            content_object__slug=talk_slug,
            tag__name=tag_name,
        )


class TaggedTalk(TaggedItemBase):
    objects = TaggedTalkManager()

    content_object = models.ForeignKey(
        "Talk", on_delete=models.CASCADE, related_name="tagged_items"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="tagged_talk_unique")
        ]

    def natural_key(self):
        return (*self.content_object.natural_key(), self.tag.name)

    natural_key.dependencies = ["talks.talk", "taggit.tag"]


class Talk(SlugTrackingMixin, MarkdownMixin, models.Model):
    """Any item of a day's program: a keynote, a talk, a lightning talk, a dinner..."""

    conference = models.ForeignKey(
        Conference, on_delete=models.CASCADE, related_name="talks", editable=False
    )
    day = models.ForeignKey(Day, on_delete=models.CASCADE, related_name="talks")
    title = models.CharField(max_length=300)
    slug = models.SlugField(
        max_length=200, blank=True, help_text="Part of the URL. Filled from the title when empty."
    )
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.TALK)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order within the day.")
    start_time = models.TimeField(null=True, blank=True)
    duration = models.DurationField(null=True, blank=True, help_text="HH:MM:SS")
    room = models.CharField(max_length=200, blank=True)
    track = models.CharField(max_length=200, blank=True)
    language = models.CharField(max_length=20, blank=True, help_text="e.g. en, de.")
    abstract = models.TextField(blank=True, help_text="The official description, in Markdown.")
    abstract_html = models.TextField(blank=True, editable=False)
    speakers = models.ManyToManyField(
        Speaker, through="TalkSpeaker", related_name="talks", blank=True
    )
    tags = TaggableManager(through=TaggedTalk, blank=True)
    slides_url = models.URLField("slides", max_length=500, blank=True)
    video_url = models.URLField("video", max_length=500, blank=True)
    source = models.CharField(max_length=20, choices=Source, blank=True, default="")
    external_id = models.CharField(max_length=200, blank=True, default="")
    extra = models.JSONField(
        default=dict, blank=True, help_text="Source fields kept for lossless export."
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    markdown_fields = ("abstract",)

    objects = TalkManager()

    # Annotated by the pages that count notes per talk. The default spares a
    # template the lookup of a missing attribute, which costs a dir() of the
    # instance per row.
    note_count: int | None = None

    class Meta:
        ordering = ["position", "start_time", "pk"]
        indexes = [
            models.Index(fields=["day", "position", "start_time"], name="talk_day_order"),
            models.Index(fields=["kind"], name="talk_kind"),
            # Search facets count matches per conference and kind: read from
            # this index, not from the talks' wide rows (at 1,900 matches, 2.9
            # ms to 0.7 ms on SQLite).
            models.Index(fields=["id", "conference", "kind"], name="talk_facets"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["conference", "slug"], name="talk_unique_slug"),
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="talk_unique_source_id",
            ),
        ]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (*self.conference.natural_key(), self.slug)

    natural_key.dependencies = ["talks.conference", "talks.day"]

    def get_absolute_url(self):
        return slug_path("talks:talk_detail", conference=self.conference.slug, talk=self.slug)

    @property
    def end_time(self):
        if self.start_time is None or self.duration is None:
            return None
        start = timezone.datetime.combine(self.day.date, self.start_time)
        return (start + self.duration).time()

    @property
    def kind_label(self) -> str:
        """`get_kind_display()` for lists: a dict lookup, not Django's search of the choices."""
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def video_embed_url(self) -> str:
        """A privacy-enhanced player address when the video is on YouTube, else ""."""
        return youtube_embed_url(self.video_url)

    def listed_speakers(self) -> list:
        """The talk's speakers in program order (loaded by `for_list()` when it can)."""
        rows = self.__dict__.get("speaker_rows")
        if rows is None:
            rows = [ts.speaker for ts in self.talk_speakers.select_related("speaker")]
        return rows

    def listed_tags(self) -> list:
        """The talk's tags (loaded by `for_list()` when it can)."""
        rows = self.__dict__.get("tag_rows")
        return rows if rows is not None else list(self.tags.order_by("pk"))

    def listed_links(self) -> list:
        rows = self.__dict__.get("link_rows")
        return rows if rows is not None else list(self.links.with_health())

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._loaded_video_url = instance.__dict__.get("video_url")
        return instance

    def save(self, *args, **kwargs):
        if self.day_id is not None:
            self.conference_id = self.day.conference_id
        if not self.slug:
            self.slug = unique_slug(
                self.title,
                Talk.objects.filter(conference_id=self.conference_id).exclude(pk=self.pk),
            )
        self.render_markdown()
        old_slug = self.slug_changed_from()
        loaded_video_url = getattr(self, "_loaded_video_url", None)
        super().save(*args, **kwargs)
        if loaded_video_url is not None and loaded_video_url != self.video_url:
            # Timestamps in notes link into the video: point them at the new one.
            Note.objects.filter(talk=self).rerender()
        self._loaded_video_url = self.video_url
        if old_slug:
            TalkOldSlug.objects.filter(
                talk__conference_id=self.conference_id, slug=old_slug
            ).delete()
            TalkOldSlug.objects.create(talk=self, slug=old_slug)
            TalkOldSlug.objects.filter(talk=self, slug=self.slug).delete()
        self._loaded_slug = self.slug


class TalkOldSlug(OldSlug):
    talk = models.ForeignKey(Talk, on_delete=models.CASCADE, related_name="old_slugs")

    class Meta(OldSlug.Meta):
        indexes = [models.Index(fields=["slug"])]


class TalkSpeakerManager(models.Manager):
    def get_by_natural_key(self, conference_slug, talk_slug, speaker_slug):
        return self.get(
            talk__conference__slug=conference_slug, talk__slug=talk_slug, speaker__slug=speaker_slug
        )


class TalkSpeaker(models.Model):
    """A speaker of a talk, in the order the program names them."""

    talk = models.ForeignKey(Talk, on_delete=models.CASCADE, related_name="talk_speakers")
    speaker = models.ForeignKey(Speaker, on_delete=models.CASCADE, related_name="talk_speakers")
    position = models.PositiveSmallIntegerField(default=0)

    objects = TalkSpeakerManager()

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["talk", "speaker"], name="talk_speaker_unique"),
        ]

    def __str__(self):
        return f"{self.speaker} at {self.talk}"

    def natural_key(self):
        return (*self.talk.natural_key(), self.speaker.slug)

    natural_key.dependencies = ["talks.talk", "speakers.speaker"]


class LinkKind(models.TextChoices):
    SLIDES = "slides", "Slides"
    VIDEO = "video", "Video"
    BLOG = "blog", "Blog post"
    CODE = "code", "Code"
    PHOTOS = "photos", "Photos"
    TRANSCRIPT = "transcript", "Transcript"
    ARTICLE = "article", "Article"
    WEBPAGE = "webpage", "Talk page"
    OTHER = "other", "Link"


LINK_KIND_LABELS = dict(LinkKind.choices)


class LinkQuerySet(models.QuerySet):
    def with_health(self):
        """Annotate `failing_since`: set when the link's URL is broken."""
        return self.annotate(failing_since=broken_since("url"))


class LinkManager(models.Manager.from_queryset(LinkQuerySet)):
    def get_by_natural_key(self, conference_slug, talk_slug, url):
        return self.get(talk__conference__slug=conference_slug, talk__slug=talk_slug, url=url)


class Link(models.Model):
    """A further link of a talk, with its kind: a blog post, code, photos, a transcript..."""

    talk = models.ForeignKey(Talk, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(max_length=20, choices=LinkKind, default=LinkKind.OTHER)
    url = models.URLField(max_length=500)
    title = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    objects = LinkManager()

    class Meta:
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["talk", "url"], name="link_unique_url")]

    def __str__(self):
        return self.title or self.url

    def natural_key(self):
        return (*self.talk.natural_key(), self.url)

    natural_key.dependencies = ["talks.talk"]

    @property
    def kind_label(self) -> str:
        return LINK_KIND_LABELS.get(self.kind, self.kind)


# ---------------------------------------------------------------------------
# Note


class NoteQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True)

    def public(self):
        """Published notes whose conference and day are published too."""
        return self.published().filter(
            Q(talk__isnull=False, talk__conference__published=True, talk__day__published=True)
            | Q(day__isnull=False, day__conference__published=True, day__published=True)
        )

    def rerender(self, *, batch_size: int = 500) -> int:
        """Render the notes' Markdown again (after their talk's video changed); returns the count."""
        changed = []
        notes = self.filter(body__regex=TIMESTAMP_PREFILTER).select_related("talk")
        for note in notes.iterator(chunk_size=batch_size):
            before = note.body_html
            note.render_markdown()
            if note.body_html != before:
                changed.append(note)
        Note.objects.bulk_update(changed, ["body_html"], batch_size=batch_size)
        return len(changed)


class NoteManager(models.Manager.from_queryset(NoteQuerySet)):
    def get_by_natural_key(self, uid):
        return self.get(uid=uid)


class Note(MarkdownMixin, models.Model):
    """A write-up of a talk or of a day by one author, in Markdown."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    talk = models.ForeignKey(
        Talk, on_delete=models.CASCADE, related_name="notes", null=True, blank=True
    )
    day = models.ForeignKey(
        Day, on_delete=models.CASCADE, related_name="notes", null=True, blank=True
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="notes",
        null=True,
        blank=True,
    )
    author_name = models.CharField(
        max_length=200, blank=True, help_text="Byline to show instead of the author's account name."
    )
    body = models.TextField(help_text="Markdown.")
    body_html = models.TextField(blank=True, editable=False)
    published = models.BooleanField(default=False, help_text="Drafts are visible to staff only.")
    published_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    markdown_fields = ("body",)

    objects = NoteManager()

    class Meta:
        ordering = ["created", "pk"]
        indexes = [
            models.Index(fields=["published", "-published_at"], name="note_published_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(talk__isnull=False) & Q(day__isnull=True))
                | (Q(talk__isnull=True) & Q(day__isnull=False)),
                name="note_of_talk_or_day",
                violation_error_message="A note is about either a talk or a day: choose one.",
            ),
        ]

    def __str__(self):
        subject = self.talk or self.day
        return f"Note by {self.byline} on {subject}"

    def natural_key(self):
        return (str(self.uid),)

    natural_key.dependencies = ["talks.talk", "talks.day"]

    @property
    def byline(self) -> str:
        if self.author_name:
            return self.author_name
        if self.author_id is not None:
            return self.author.get_full_name() or self.author.get_username()
        return "Anonymous"

    def get_absolute_url(self):
        subject = self.talk if self.talk_id else self.day
        return f"{subject.get_absolute_url()}#note-{self.uid}"

    def render_markdown(self):
        # `[12:34]` in a note about a talk links to that moment of its video.
        video_url = self.talk.video_url if self.talk_id else ""
        render_markdown_fields(
            self, self.markdown_fields, extensions=timestamp_extensions(video_url, self.body)
        )

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._loaded_talk_id = instance.__dict__.get(
            "talk_id"
        )  # the search index follows moves
        return instance

    def save(self, *args, **kwargs):
        if self.published and self.published_at is None:
            self.published_at = timezone.now()
        self.render_markdown()
        super().save(*args, **kwargs)


# ---------------------------------------------------------------------------
# Link health


class LinkCheckQuerySet(models.QuerySet):
    def broken(self):
        return self.filter(broken=True)


class LinkCheck(models.Model):
    """The last check of one external URL: its answer, where it led, since when it fails.

    Keyed by URL, so a link used by several talks (or a talk and a speaker) is
    checked once. `broken` is set by `check_links` when the URL has been
    failing for a while (see talks/linkhealth.py); pages show a Wayback
    Machine copy beside a broken link.
    """

    url = models.URLField(max_length=500, unique=True)
    status_code = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Of the last answer, after redirects."
    )
    error = models.CharField(
        max_length=300, blank=True, help_text="Why no answer came (timeout, refused...)."
    )
    final_url = models.URLField("final URL", max_length=2000, blank=True)
    redirects = models.JSONField(
        default=list, blank=True, help_text="Each hop as [status, URL it pointed to]."
    )
    checked_at = models.DateTimeField()
    failing_since = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    broken = models.BooleanField(
        default=False, help_text="Failing for a while: pages offer an archived copy."
    )

    objects = LinkCheckQuerySet.as_manager()

    class Meta:
        ordering = ["url"]
        indexes = [
            models.Index(fields=["checked_at"], name="linkcheck_checked_at"),
            models.Index(fields=["broken", "url"], name="linkcheck_broken_url"),
        ]

    def __str__(self):
        return self.url

    @property
    def ok(self) -> bool:
        return self.consecutive_failures == 0


def broken_since(field: str):
    """When the URL in `field` of the outer row started failing, if it is broken (else NULL)."""
    return models.Subquery(
        LinkCheck.objects.filter(url=models.OuterRef(field), broken=True).values("failing_since")[
            :1
        ]
    )
