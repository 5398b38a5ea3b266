import uuid
from functools import cache
from operator import attrgetter
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, OuterRef, Prefetch, Q, StringAgg, Subquery, Value
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from taggit.managers import TaggableManager
from taggit.models import Tag, TaggedItemBase

from confnotes.i18n import validate_language_code
from confnotes.markdown import render_markdown_fields
from confnotes.paths import slug_path
from confnotes.slugs import (
    RESERVED_DAY_SLUGS,
    RESERVED_ROOT_SLUGS,
    OldSlug,
    SlugTrackingMixin,
    ascii_slug,
    require_url_slug,
    unique_slug,
    validate_day_slug,
    validate_root_slug,
)
from confnotes.text import clean_text, join_names
from speakers.images import validate_image_upload
from speakers.models import Speaker
from talks.tagging import CleanTagManager
from talks.times import conference_zone, talk_when, validate_time_zone
from talks.timestamps import TIMESTAMP_PREFILTER, timestamp_extensions
from talks.video import player_host, player_url, video_url_at


class MarkdownMixin:
    """Render every field named in `markdown_fields` into its `*_html` sibling on save."""

    markdown_fields: tuple[str, ...] = ()

    def render_markdown(self):
        render_markdown_fields(self, self.markdown_fields)


class Source(models.TextChoices):
    """Where a record came from; imports key on (source, external id)."""

    # Translators: where a record came from: written in this site's admin.
    CONFNOTES = "", gettext_lazy("written here")
    PYVIDEO = "pyvideo", "pyvideo.org"
    SCHEDULE = "schedule", gettext_lazy("frab/pretalx schedule")


# ---------------------------------------------------------------------------
# Conference


class PublicQuerySet(models.QuerySet):
    """A queryset of content that drafts hide: `public_rule()` says, once per model,
    what the public may see; every reader goes through `published()`."""

    @staticmethod
    def public_rule(path: str = "") -> Q:
        """The rule for rows reached through `path` (e.g. "talk__"), as a Q object."""
        raise NotImplementedError

    def published(self):
        return self.filter(self.public_rule())

    def visible(self, *, staff: bool):
        """Everything for staff, who see drafts with a badge; the public rows for others."""
        return self.all() if staff else self.published()


class ConferenceQuerySet(PublicQuerySet):
    @staticmethod
    def public_rule(path: str = "") -> Q:
        return Q(**{f"{path}published": True})

    def for_list(self):
        """What lists of conferences print: not their recaps, nor the source records."""
        return self.defer("recap", "recap_html", "extra")


def talk_counts(conference_ids) -> dict[int, int]:
    """{conference id: talks on its published days} of these conferences."""
    # Talks of published days, whatever the conference: a draft's count is for staff.
    # Counted day by day from the talks' index on their day, as a subquery: joined to
    # the days instead, PostgreSQL read every talk for the archive's oldest conferences
    # (a hash join, 21 ms against 2 ms at 21,409 talks); joining each talk to its day to
    # ask whether it is published cost SQLite four times as much.
    per_day = (
        Talk.objects.filter(day=OuterRef("pk"))
        .order_by()
        .values("day")
        .annotate(n=models.Count("pk"))
        .values("n")
    )
    days = Day.objects.filter(published=True, conference__in=conference_ids).order_by()
    counts = {}
    for conference_id, n in days.annotate(n=Subquery(per_day)).values_list("conference_id", "n"):
        counts[conference_id] = counts.get(conference_id, 0) + (n or 0)  # None: no talks
    return counts


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
        help_text=gettext_lazy("Part of the URL. Filled from the name when left empty."),
    )
    series = models.CharField(
        max_length=200,
        blank=True,
        db_index=True,
        help_text=gettext_lazy("What all editions share, e.g. “DjangoCon US”."),
    )
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text=gettext_lazy(
            "Where its times are local: a zone name (Europe/Berlin), or an offset "
            "(+01:00) when no name is known. Empty: times are printed without a zone."
        ),
    )
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=100, blank=True)
    venue = models.CharField(max_length=200, blank=True)
    website = models.URLField(max_length=500, blank=True)
    logo = models.ImageField(
        upload_to="conferences/logos/", blank=True, validators=[validate_image_upload]
    )
    recap = models.TextField(blank=True, help_text=gettext_lazy("Markdown."))
    recap_html = models.TextField(blank=True, editable=False)
    tags = TaggableManager(through=TaggedConference, blank=True, manager=CleanTagManager)
    published = models.BooleanField(
        default=False, help_text=gettext_lazy("Drafts are visible to staff only.")
    )
    source = models.CharField(max_length=20, choices=Source, blank=True, default="")
    external_id = models.CharField(max_length=200, blank=True, default="")
    extra = models.JSONField(
        default=dict, blank=True, help_text=gettext_lazy("Source fields kept for lossless export.")
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    markdown_fields = ("recap",)

    objects = ConferenceManager()

    class Meta:
        verbose_name = gettext_lazy("conference")
        verbose_name_plural = gettext_lazy("conferences")
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
    def series_slug(self) -> str:
        """The slug of the series page, /series/<slug>/ ("" without a series)."""
        return ascii_slug(self.series)

    @property
    def place(self) -> str:
        return ", ".join(part for part in (self.venue, self.city, self.country) if part)

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(
                self.name, Conference.objects.exclude(pk=self.pk), reserved=RESERVED_ROOT_SLUGS
            )
        require_url_slug(self, RESERVED_ROOT_SLUGS)
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


class DayQuerySet(PublicQuerySet):
    @staticmethod
    def public_rule(path: str = "") -> Q:
        return Q(**{f"{path}published": True}) & ConferenceQuerySet.public_rule(
            f"{path}conference__"
        )


class DayManager(models.Manager.from_queryset(DayQuerySet)):
    def get_by_natural_key(self, conference_slug, slug):
        return self.get(conference__slug=conference_slug, slug=slug)


class Day(SlugTrackingMixin, MarkdownMixin, models.Model):
    """One day of a conference: its program, in order, with the notes written about it."""

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="days")
    date = models.DateField()
    position = models.PositiveSmallIntegerField(
        default=0,
        help_text=gettext_lazy("1 for the first day. Filled in date order when left at 0."),
    )
    title = models.CharField(
        max_length=200, blank=True, help_text=gettext_lazy("e.g. “Tutorials”, “Sprints”.")
    )
    slug = models.SlugField(
        max_length=100,
        blank=True,
        validators=[validate_day_slug],
        help_text=gettext_lazy("Part of the URL. “day-N” when left empty."),
    )
    summary = models.TextField(
        blank=True, help_text=gettext_lazy("The day's own introduction, in Markdown.")
    )
    summary_html = models.TextField(blank=True, editable=False)
    published = models.BooleanField(
        default=True, help_text=gettext_lazy("Drafts are visible to staff only.")
    )
    in_order = models.BooleanField(
        gettext_lazy("in program order"),
        default=True,
        help_text=gettext_lazy(
            "The items are listed in the order they happened. Untick when no source "
            "gives the order (pyvideo has recording dates only): the page then says so."
        ),
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    markdown_fields = ("summary",)

    objects = DayManager()

    class Meta:
        verbose_name = gettext_lazy("day")
        verbose_name_plural = gettext_lazy("days")
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
        if self.position:
            # Translators: a conference's day in its program: "Day 2".
            base = pgettext("day label", "Day %(number)d") % {"number": self.position}
        else:
            base = self.date.isoformat()
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
        require_url_slug(self, RESERVED_DAY_SLUGS)
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
    # Translators: the kinds of a conference program's items ("Social": a social event).
    KEYNOTE = "keynote", pgettext_lazy("talk kind", "Keynote")
    TALK = "talk", pgettext_lazy("talk kind", "Talk")
    LIGHTNING = "lightning", pgettext_lazy("talk kind", "Lightning talk")
    TUTORIAL = "tutorial", pgettext_lazy("talk kind", "Tutorial")
    WORKSHOP = "workshop", pgettext_lazy("talk kind", "Workshop")
    PANEL = "panel", pgettext_lazy("talk kind", "Panel")
    SOCIAL = "social", pgettext_lazy("talk kind", "Social")
    SPRINT = "sprint", pgettext_lazy("talk kind", "Sprint")
    BREAK = "break", pgettext_lazy("talk kind", "Break")
    OTHER = "other", pgettext_lazy("talk kind", "Other")


# What no list of talks prints: abstracts (only the talk's own page shows one), the
# source records kept for export, and the conference's and day's own texts,
# fetched once per talk by the joins.
TALK_DEFERRED = ("abstract", "abstract_html", "extra")
LIST_DEFERRED = (
    *TALK_DEFERRED,
    "conference__recap", "conference__recap_html", "conference__extra",
    "day__summary", "day__summary_html",
)  # fmt: skip


KIND_LABELS = dict(Kind.choices)


class TalkQuerySet(PublicQuerySet):
    @staticmethod
    def public_rule(path: str = "") -> Q:
        # A talk's conference is its day's: both must be published.
        return Q(**{f"{path}conference__published": True, f"{path}day__published": True})

    def for_list(self):
        """The talks with what the `talk_row` macro prints of their conference and day;
        `with_speakers()` adds their speakers (selectors.talk_rows does for uncached rows)."""
        return self.select_related("conference", "day").defer(*LIST_DEFERRED)

    def for_events(self):
        """What a schema.org Event names of a talk (talks/structured_data.py): its title,
        its address and its start. For pages that print the talks' kept rows beside it."""
        return self.select_related("conference", "day").only(
            "title", "slug", "start_date", "start_time", "duration",
            "conference__slug", "conference__time_zone", "day__date",
        )  # fmt: skip

    def with_tags(self):
        """Prefetch the talks' tags, for `Talk.listed_tags()`."""
        return self.prefetch_related(tags_prefetch())

    def with_speakers(self):
        """Prefetch the talks' speakers in program order, for `Talk.listed_speakers()`."""
        return self.prefetch_related(speakers_prefetch())

    def with_links(self):
        """Prefetch the typed links with their health, as `Talk.link_rows`."""
        return self.prefetch_related(links_prefetch())

    def with_link_health(self):
        """Annotate `slides_failing_since` and `video_failing_since`: set when that link is broken."""
        return self.annotate(
            slides_failing_since=broken_since("slides_url"),
            video_failing_since=broken_since("video_url"),
        )


# What talks print beyond their own row, as `prefetch_related` lookups: also for
# `prefetch_related_objects()` on talks already fetched.


def speakers_prefetch() -> Prefetch:
    # The ordering joins the same bylines the prefetch does: one row per byline.
    speakers = Speaker.objects.only("name", "slug").order_by(
        "talk_speakers__position", "talk_speakers__pk"
    )
    return Prefetch("speakers", queryset=speakers, to_attr="speaker_list")


def tags_prefetch(path: str = "") -> Prefetch:
    """The tags of the talks at `path` (e.g. "talk__" from notes), for `Talk.listed_tags()`."""
    return Prefetch(f"{path}tags", to_attr="tag_list")


def links_prefetch() -> Prefetch:
    return Prefetch("links", queryset=Link.objects.with_health(), to_attr="link_rows")


def speakers_with_public_talks():
    """Speakers who gave at least one public talk: the ones with a public page."""
    public_talks = TalkSpeaker.objects.filter(
        TalkQuerySet.public_rule("talk__"), speaker=models.OuterRef("pk")
    )
    return Speaker.objects.filter(models.Exists(public_talks))


def tags_with_public_talks():
    """Tags carried by at least one public talk: the ones with a public page."""
    public_talks = TaggedTalk.objects.filter(
        TalkQuerySet.public_rule("content_object__"), tag=models.OuterRef("pk")
    )
    return Tag.objects.filter(models.Exists(public_talks))


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
        max_length=200,
        blank=True,
        help_text=gettext_lazy("Part of the URL. Filled from the title when empty."),
    )
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.TALK)
    position = models.PositiveSmallIntegerField(
        default=0, help_text=gettext_lazy("Order within the day.")
    )
    start_time = models.TimeField(null=True, blank=True)
    start_date = models.DateField(
        gettext_lazy("starts on"),
        null=True,
        blank=True,
        help_text=gettext_lazy(
            "The date it starts on, when not its day's: a program day may run past "
            "midnight. Empty: the day's date."
        ),
    )
    duration = models.DurationField(null=True, blank=True, help_text="HH:MM:SS")
    room = models.CharField(max_length=200, blank=True)
    track = models.CharField(max_length=200, blank=True)
    language = models.CharField(max_length=20, blank=True, help_text=gettext_lazy("e.g. en, de."))
    abstract = models.TextField(
        blank=True, help_text=gettext_lazy("The official description, in Markdown.")
    )
    abstract_html = models.TextField(blank=True, editable=False)
    speakers = models.ManyToManyField(
        Speaker, through="TalkSpeaker", related_name="talks", blank=True
    )
    tags = TaggableManager(through=TaggedTalk, blank=True, manager=CleanTagManager)
    slides_url = models.URLField(gettext_lazy("slides"), max_length=500, blank=True)
    video_url = models.URLField(gettext_lazy("video"), max_length=500, blank=True)
    # Whole seconds, not a DurationField: every consumer (player parameters,
    # `t=` links, schema.org's startOffset) speaks seconds.
    video_start = models.PositiveIntegerField(
        # Translators: where a talk starts in its video.
        gettext_lazy("starts at"),
        null=True,
        blank=True,
        help_text=gettext_lazy(
            "Where this item starts in the recording, in seconds "
            "(a lightning talk in a session's video)."
        ),
    )
    video_end = models.PositiveIntegerField(
        # Translators: where a talk ends in its video.
        gettext_lazy("ends at"),
        null=True,
        blank=True,
        help_text=gettext_lazy("Where this item ends in the recording, in seconds."),
    )
    source = models.CharField(max_length=20, choices=Source, blank=True, default="")
    external_id = models.CharField(max_length=200, blank=True, default="")
    extra = models.JSONField(
        default=dict, blank=True, help_text=gettext_lazy("Source fields kept for lossless export.")
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
        verbose_name = gettext_lazy("talk")
        verbose_name_plural = gettext_lazy("talks")
        ordering = ["position", "start_time", "pk"]
        indexes = [
            models.Index(fields=["day", "position", "start_time"], name="talk_day_order"),
            models.Index(fields=["kind"], name="talk_kind"),
            # Search facets count matches per conference, kind and language: read
            # from this index, not from the talks' wide rows (at 1,900 matches,
            # 2.9 ms to 0.7 ms on SQLite).
            models.Index(fields=["id", "conference", "kind", "language"], name="talk_facets"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["conference", "slug"], name="talk_unique_slug"),
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="talk_unique_source_id",
            ),
            models.CheckConstraint(
                condition=Q(video_end__isnull=True)
                | Q(video_start__isnull=True, video_end__gt=0)
                | Q(video_end__gt=F("video_start")),
                name="talk_video_end_after_start",
                violation_error_message=gettext_lazy("The video's end must come after its start."),
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
    def when(self):
        """The talk's start and end (`talks.times.When`) in its conference's zone; None
        when it is untimed."""
        return talk_when(self, day_date=self.day.date, zone=conference_zone(self.conference))

    @property
    def end_time(self):
        when = self.when
        return when.end.time() if when and when.end else None

    @property
    def kind_label(self) -> str:
        """`get_kind_display()` for lists: a dict lookup, not Django's search of the choices;
        in the interface's language."""
        return str(KIND_LABELS.get(self.kind, self.kind))

    @property
    def video_embed_url(self) -> str:
        """The player of the talk's video, from the talk's start to its end; "" when its
        archive is not one we embed."""
        return player_url(self.video_url, start=self.video_start, end=self.video_end)

    @property
    def video_player_host(self) -> str:
        """Whose player `video_embed_url` is ("YouTube"), for the reader to know."""
        return player_host(self.video_url)

    @property
    def video_link(self) -> str:
        """The talk's video, opened where the talk starts in the recording."""
        if self.video_start:
            return video_url_at(self.video_url, self.video_start) or self.video_url
        return self.video_url

    def render_markdown(self):
        # Time codes in the abstract (a chapter list) link into the talk's video.
        render_markdown_fields(
            self,
            self.markdown_fields,
            extensions=timestamp_extensions(self.video_url, self.abstract),
        )

    def listed_speakers(self) -> list:
        """The talk's speakers in program order, as `with_speakers()` prefetched them."""
        return self.speaker_list

    def listed_tags(self) -> list:
        """The talk's tags in the order they were first used, as `with_tags()` prefetched them."""
        # taggit's prefetch takes no ordering of ours.
        return sorted(self.tag_list, key=attrgetter("pk"))

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._loaded_video_url = instance.__dict__.get("video_url")
        instance._loaded_day_id = instance.__dict__.get("day_id")  # the page cache follows moves
        instance._loaded_title = instance.__dict__.get("title")  # and renames
        return instance

    def save(self, *args, **kwargs):
        if self.day_id is not None:
            self.conference_id = self.day.conference_id
        if not self.slug:
            self.slug = unique_slug(
                self.title,
                Talk.objects.filter(conference_id=self.conference_id).exclude(pk=self.pk),
            )
        require_url_slug(self)
        self.render_markdown()
        old_slug = self.slug_changed_from()
        loaded_video_url = getattr(self, "_loaded_video_url", None)
        if loaded_video_url is not None and loaded_video_url != self.video_url:
            # Timestamps in notes link into the video: point them at the new one, in the
            # save's transaction, so that pages expired by the save show the new links.
            with transaction.atomic(using=kwargs.get("using")):
                super().save(*args, **kwargs)
                Note.objects.filter(talk=self).rerender()
        else:
            super().save(*args, **kwargs)
        self._loaded_video_url = self.video_url
        self._loaded_day_id = self.day_id
        self._loaded_title = self.title
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
        verbose_name = gettext_lazy("talk speaker")
        verbose_name_plural = gettext_lazy("talk speakers")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["talk", "speaker"], name="talk_speaker_unique"),
        ]

    def __str__(self):
        # Translators: a speaker of a talk, as the admin lists them: "Ada Quayside at Sailing".
        return _("%(speaker)s at %(talk)s") % {"speaker": self.speaker, "talk": self.talk}

    def natural_key(self):
        return (*self.talk.natural_key(), self.speaker.slug)

    natural_key.dependencies = ["talks.talk", "speakers.speaker"]


class LinkKind(models.TextChoices):
    # Translators: the kinds of a talk's further links, printed before each link.
    SLIDES = "slides", pgettext_lazy("link kind", "Slides")
    VIDEO = "video", pgettext_lazy("link kind", "Video")
    BLOG = "blog", pgettext_lazy("link kind", "Blog post")
    CODE = "code", pgettext_lazy("link kind", "Code")
    PHOTOS = "photos", pgettext_lazy("link kind", "Photos")
    TRANSCRIPT = "transcript", pgettext_lazy("link kind", "Transcript")
    ARTICLE = "article", pgettext_lazy("link kind", "Article")
    WEBPAGE = "webpage", pgettext_lazy("link kind", "Talk page")
    OTHER = "other", pgettext_lazy("link kind", "Link")


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
        verbose_name = gettext_lazy("link")
        verbose_name_plural = gettext_lazy("links")
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["talk", "url"], name="link_unique_url")]

    def __str__(self):
        return self.title or self.url

    def natural_key(self):
        return (*self.talk.natural_key(), self.url)

    natural_key.dependencies = ["talks.talk"]

    @property
    def kind_label(self) -> str:
        return str(LINK_KIND_LABELS.get(self.kind, self.kind))


# ---------------------------------------------------------------------------
# Note


class AuthorManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Author(models.Model):
    """Someone who writes notes: a staff user, or a guest writer known only by name."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="author",
        null=True,
        blank=True,
        help_text=gettext_lazy("The account that writes as this author; empty for a guest writer."),
    )
    created = models.DateTimeField(auto_now_add=True)

    objects = AuthorManager()

    class Meta:
        verbose_name = gettext_lazy("author")
        verbose_name_plural = gettext_lazy("authors")
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)

    def get_absolute_url(self):
        return slug_path("talks:author_detail", slug=self.slug)

    @classmethod
    def for_writer(cls, writer) -> "Author":
        """The Author for an Author, a user account (made on first use) or a guest's name."""
        if isinstance(writer, Author):
            return writer
        if isinstance(writer, str):
            name = " ".join(clean_text(writer).split())  # as saved: looked up as saved
            author = cls.objects.filter(name=name, user=None).first()
            return author or cls.objects.create(name=name)
        author = cls.objects.filter(user=writer).first()
        if author is None:
            name = writer.get_full_name() or writer.get_username()
            author = cls.objects.create(name=name, user=writer)
        return author

    def save(self, *args, **kwargs):
        self.name = " ".join(self.name.split())
        if not self.slug:
            self.slug = unique_slug(self.name, Author.objects.exclude(pk=self.pk))
        require_url_slug(self)
        super().save(*args, **kwargs)


# Separators of the authors that `with_authors()` reads in one string: author names
# cannot hold them (Author.save() folds them, as all whitespace, into spaces).
_ROW, _FIELD = "\x1e", "\x1f"
_UNREAD = object()


class _Joined(models.Func):
    """Its values joined into one string with SQL's `||`, which both databases read as
    text whatever the values' types. Concat would wrap each value in a COALESCE and a
    cast, which PostgreSQL does not need here (no value is NULL) and which made this
    the costliest part of a note query to compile."""

    arg_joiner = " || "
    template = "(%(expressions)s)"
    output_field = models.TextField()


@cache
def _bylines() -> Subquery:
    """A note's authors as one string, "position, id, slug, name" each. Built once: an
    expression is copied when a query uses it, and building this one costs about as
    much as compiling it."""
    bylines = (
        NoteAuthor.objects.filter(note=OuterRef("pk"))
        .values("note")
        .annotate(
            data=StringAgg(
                _Joined(
                    *("position", Value(_FIELD), "author_id", Value(_FIELD)),
                    *("author__slug", Value(_FIELD), "author__name"),
                ),
                delimiter=Value(_ROW),
            )
        )
        .values("data")
    )
    return Subquery(bylines)


class NoteQuerySet(PublicQuerySet):
    def with_subjects(self, *fields):
        """The notes as a list of notes prints them: with the talk, day or conference each
        is about and its conference, read in the same query, as far as the
        `note_subject` macro and a feed entry's title and link need them. Of the note
        itself, its key, subject and dates, and `fields`. The rest of those rows (an
        abstract, a recap) is other pages' text and costs the query its time."""
        return self.select_related("talk__conference", "day__conference", "conference").only(
            *("uid", "talk", "day", "conference", "published_at", "created", "updated"),
            *("talk__title", "talk__slug", "talk__conference__name", "talk__conference__slug"),
            *("day__date", "day__position", "day__title", "day__slug"),
            *("day__conference__name", "day__conference__slug"),
            *("conference__name", "conference__slug"),
            *fields,
        )

    def with_authors(self):
        """The notes with their authors (see `Note.author_list`), read in the same query:
        the pages that print bylines stay within their query budget."""
        return self.annotate(byline_data=_bylines())

    @staticmethod
    def public_rule(path: str = "") -> Q:
        """Published notes (`own_rule`) about a public talk, day or conference."""
        return NoteQuerySet.own_rule(path) & (
            TalkQuerySet.public_rule(f"{path}talk__")
            | DayQuerySet.public_rule(f"{path}day__")
            | ConferenceQuerySet.public_rule(f"{path}conference__")
        )

    @staticmethod
    def own_rule(path: str = "") -> Q:
        """What the public rule asks of the note itself: that it is published."""
        return Q(**{f"{path}published": True})

    def visible_about(self, subjects: Q, *, staff: bool):
        """What `visible()` gives of the notes about `subjects`: talks, days or a
        conference that the caller read as visible to the same reader. Their notes are
        public as they are published (`own_rule`): the query joins none of them. (The
        whole rule joins six tables, which cost PostgreSQL 0.7 ms to plan a query.)"""
        notes = self.filter(subjects)
        return notes if staff else notes.filter(self.own_rule())

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
    """A write-up of a talk, a day or a whole conference by one author, in Markdown."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    talk = models.ForeignKey(
        Talk, on_delete=models.CASCADE, related_name="notes", null=True, blank=True
    )
    day = models.ForeignKey(
        Day, on_delete=models.CASCADE, related_name="notes", null=True, blank=True
    )
    conference = models.ForeignKey(
        Conference,
        on_delete=models.CASCADE,
        related_name="notes",
        null=True,
        blank=True,
        help_text=gettext_lazy("For notes on the whole conference, such as closing take-aways."),
    )
    authors = models.ManyToManyField(Author, through="NoteAuthor", related_name="notes", blank=True)
    body = models.TextField(help_text=gettext_lazy("Markdown."))
    body_html = models.TextField(blank=True, editable=False)
    language = models.CharField(
        max_length=20,
        blank=True,
        validators=[validate_language_code],
        help_text=gettext_lazy(
            "The note's language as a BCP 47 code (en, de, pt-BR); empty for English."
        ),
    )
    published = models.BooleanField(
        default=False, help_text=gettext_lazy("Drafts are visible to staff only.")
    )
    published_at = models.DateTimeField(null=True, blank=True)
    # Where the note was first published, when it was somewhere else first.
    source_url = models.URLField(gettext_lazy("first published at"), max_length=500, blank=True)
    source_title = models.CharField(gettext_lazy("original title"), max_length=300, blank=True)
    source_site = models.CharField(gettext_lazy("site name"), max_length=200, blank=True)
    source_author = models.CharField(gettext_lazy("original author"), max_length=200, blank=True)
    source_date = models.DateField(gettext_lazy("first published on"), null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    markdown_fields = ("body",)

    objects = NoteManager()

    class Meta:
        verbose_name = gettext_lazy("note")
        verbose_name_plural = gettext_lazy("notes")
        ordering = ["created", "pk"]
        permissions = [("publish_note", "Can publish and unpublish notes")]
        indexes = [
            # Partial: an index led by `published` would be chosen for any query of
            # published notes, even one by day or talk that has better indexes.
            models.Index(
                fields=["-published_at"], condition=Q(published=True), name="note_published_at"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(talk__isnull=False) & Q(day__isnull=True) & Q(conference__isnull=True))
                | (Q(talk__isnull=True) & Q(day__isnull=False) & Q(conference__isnull=True))
                | (Q(talk__isnull=True) & Q(day__isnull=True) & Q(conference__isnull=False)),
                name="note_has_one_subject",
                violation_error_message=gettext_lazy(
                    "A note is about one talk, one day or one conference: choose one."
                ),
            ),
        ]

    def __str__(self):
        # Translators: how the admin names a note: "Note by Ada on Sailing with Django".
        return _("Note by %(byline)s on %(subject)s") % {
            "byline": self.byline,
            "subject": self.subject,
        }

    def natural_key(self):
        return (str(self.uid),)

    natural_key.dependencies = ["talks.talk", "talks.day", "talks.conference"]

    @property
    def subject(self):
        """The talk, day or conference the note is about."""
        if self.talk_id:
            return self.talk
        return self.day if self.day_id else self.conference

    @property
    def author_list(self) -> list[Author]:
        """The authors in byline order: read with the note by `NoteQuerySet.with_authors()`,
        or else queried now."""
        data = self.__dict__.get("byline_data", _UNREAD)
        if data is _UNREAD:
            return [na.author for na in self.note_authors.select_related("author")]
        rows = [row.split(_FIELD, 3) for row in (data or "").split(_ROW) if row]
        rows.sort(key=lambda row: int(row[0]))
        return [Author(pk=int(pk), slug=slug, name=name) for _pos, pk, slug, name in rows]

    @property
    def byline(self) -> str:
        """The authors joined: "Ada", "Ada and Bo", "Ada, Bo and Cy"; "Anonymous" if none."""
        names = [author.name for author in self.author_list]
        # Translators: the byline of a note without authors.
        return join_names(names) if names else _("Anonymous")

    @property
    def source_site_label(self) -> str:
        """The name of the site the note was first published at, or its URL's host."""
        return self.source_site or urlsplit(self.source_url).hostname or ""

    @property
    def has_source(self) -> bool:
        return bool(self.source_url or self.source_title or self.source_site)

    def set_authors(self, authors) -> None:
        """Make `authors` (Author rows, user accounts or guest names) the byline, in order."""
        rows = [Author.for_writer(author) for author in authors]
        with transaction.atomic():
            self.note_authors.all().delete()
            # One by one, not in bulk: each save expires the pages of the byline.
            for position, author in enumerate(dict.fromkeys(rows)):
                NoteAuthor.objects.create(note=self, author=author, position=position)
        self.__dict__.pop("byline_data", None)

    def get_absolute_url(self):
        return f"{self.subject.get_absolute_url()}#note-{self.uid}"

    def render_markdown(self):
        # `[12:34]` in a note about a talk links to that moment of its video.
        video_url = self.talk.video_url if self.talk_id else ""
        render_markdown_fields(
            self, self.markdown_fields, extensions=timestamp_extensions(video_url, self.body)
        )

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        instance = super().from_db(db, field_names, values, **kwargs)
        # The subject it was loaded with: the search index and the page cache follow moves.
        instance._loaded_talk_id = instance.__dict__.get("talk_id")
        instance._loaded_day_id = instance.__dict__.get("day_id")
        instance._loaded_conference_id = instance.__dict__.get("conference_id")
        instance._loaded_published = instance.__dict__.get("published")  # rows count them
        return instance

    def save(self, *args, **kwargs):
        if self.published and self.published_at is None:
            self.published_at = timezone.now()
        self.render_markdown()
        super().save(*args, **kwargs)


class NoteAuthorManager(models.Manager):
    def get_by_natural_key(self, note_uid, author_slug):
        return self.get(note__uid=note_uid, author__slug=author_slug)


class NoteAuthor(models.Model):
    """One author of a note, in byline order."""

    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="note_authors")
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="note_authors")
    position = models.PositiveSmallIntegerField(default=0)

    objects = NoteAuthorManager()

    class Meta:
        verbose_name = gettext_lazy("note author")
        verbose_name_plural = gettext_lazy("note authors")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["note", "author"], name="note_author_once"),
        ]

    def __str__(self):
        return str(self.author)

    def natural_key(self):
        return (*self.note.natural_key(), *self.author.natural_key())

    natural_key.dependencies = ["talks.note", "talks.author"]


class TagOldSlug(OldSlug):
    """A slug a tag had before it was renamed or merged into another tag."""

    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="old_slugs")

    class Meta(OldSlug.Meta):
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="tag_old_slug_unique"),
        ]


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
        null=True, blank=True, help_text=gettext_lazy("Of the last answer, after redirects.")
    )
    error = models.CharField(
        max_length=300,
        blank=True,
        help_text=gettext_lazy("Why no answer came (timeout, refused...)."),
    )
    final_url = models.URLField(gettext_lazy("final URL"), max_length=2000, blank=True)
    redirects = models.JSONField(
        default=list,
        blank=True,
        help_text=gettext_lazy("Each hop as [status, URL it pointed to]."),
    )
    checked_at = models.DateTimeField()
    failing_since = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    broken = models.BooleanField(
        default=False, help_text=gettext_lazy("Failing for a while: pages offer an archived copy.")
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


@cache
def broken_since(field: str) -> models.Subquery:
    """When the URL in `field` of the outer row started failing, if it is broken (else NULL).
    Built once per field, as `_bylines()` is."""
    return models.Subquery(
        LinkCheck.objects.filter(url=models.OuterRef(field), broken=True).values("failing_since")[
            :1
        ]
    )
