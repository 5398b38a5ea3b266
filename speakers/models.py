import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from confnotes.markdown import render_markdown_fields
from confnotes.paths import slug_path
from confnotes.slugs import OldSlug, SlugTrackingMixin, require_url_slug, unique_slug
from speakers.images import process_photo, validate_image_upload

# Latin letters that Unicode does not decompose into a base letter and an accent.
_UNDECOMPOSED_LETTERS = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "ŧ": "t", "æ": "ae", "œ": "oe", "þ": "th"}
)
_NICKNAME = re.compile(r"\([^)]*\)")  # in parentheses
_QUOTES = re.compile(r"[\"“”'‘’`]")
_PUNCTUATION = re.compile(r"[^\w\s-]")


def normalize_name(name: str) -> str:
    """A speaker's name reduced for matching: no accents, case, quotes or nicknames.

    "Amber Brown (\"HawkOwl\")", "amber  brown" and "Ámber Brown" all give "amber brown";
    "Łukasz Langa" gives "lukasz langa".
    """
    text = name or ""
    if not text.isascii():  # ASCII has no accents to take off, nor compatibility forms
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _NICKNAME.sub(" ", text)
    text = _QUOTES.sub("", text)
    text = text.casefold().translate(_UNDECOMPOSED_LETTERS)
    text = _PUNCTUATION.sub(" ", text)
    return " ".join(text.split())


class SpeakerQuerySet(models.QuerySet):
    def for_list(self):
        return self.only("name", "slug", "photo_thumbnail")

    def by_normalized_name(self, name: str):
        """Speakers whose name or a known alias normalizes like `name`."""
        key = normalize_name(name)
        return self.filter(
            models.Q(normalized_name=key) | models.Q(aliases__normalized_name=key)
        ).distinct()


class SpeakerManager(models.Manager.from_queryset(SpeakerQuerySet)):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


def photo_upload_to(instance, filename):
    return f"speakers/photos/{instance.slug or 'speaker'}.jpg"


def thumbnail_upload_to(instance, filename):
    return f"speakers/thumbnails/{instance.slug or 'speaker'}.jpg"


class Speaker(SlugTrackingMixin, models.Model):
    """A person who spoke at one or more conferences."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True, blank=True)
    normalized_name = models.CharField(max_length=200, editable=False, db_index=True)
    bio = models.TextField(blank=True, help_text=gettext_lazy("Markdown."))
    bio_html = models.TextField(blank=True, editable=False)
    photo = models.ImageField(
        upload_to=photo_upload_to,
        blank=True,
        validators=[validate_image_upload],
        help_text=gettext_lazy("JPEG, PNG, GIF or WebP. Stored resized, without metadata."),
    )
    photo_thumbnail = models.ImageField(upload_to=thumbnail_upload_to, blank=True, editable=False)
    website = models.URLField(max_length=500, blank=True)
    github = models.CharField("GitHub", max_length=100, blank=True)
    # Translators: the shape of a Mastodon handle; translate "name" and "server".
    mastodon = models.CharField(max_length=200, blank=True, help_text=gettext_lazy("@name@server"))
    bluesky = models.CharField(max_length=200, blank=True)
    twitter = models.CharField("Twitter/X", max_length=100, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    markdown_fields = ("bio",)
    # What pages other than the speaker's own print of them: lists of speakers and
    # the links in every talk's row. A save that changes none of these leaves
    # those pages cached (talks/freshness.py).
    listed_fields = ("name", "slug", "photo_thumbnail")

    objects = SpeakerManager()

    class Meta:
        verbose_name = gettext_lazy("speaker")
        verbose_name_plural = gettext_lazy("speakers")
        ordering = ["name", "pk"]
        # The A-Z reads its pages in this order, deep ones too (an offset walks the index).
        indexes = [models.Index(fields=["name", "id"], name="speaker_name_order")]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)

    def get_absolute_url(self):
        return slug_path("talks:speaker_detail", slug=self.slug)

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._loaded_listed = instance._listed_values()
        return instance

    def _listed_values(self) -> tuple:
        return tuple(self.__dict__.get(name) for name in self.listed_fields)

    def listed_changed(self) -> bool:
        """Whether what other pages print of this speaker differs from what was loaded
        (always, for a speaker not loaded from the database)."""
        return getattr(self, "_loaded_listed", None) != self._listed_values()

    @property
    def initial(self) -> str:
        """The letter this speaker is listed under in the A-Z index."""
        first = normalize_name(self.name)[:1].upper()
        return first if first.isalpha() else "#"

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self.name, Speaker.objects.exclude(pk=self.pk))
        require_url_slug(self)
        self.normalized_name = normalize_name(self.name)
        render_markdown_fields(self, self.markdown_fields)
        if self.photo and not getattr(self.photo, "_committed", True):
            process_photo(self)
        elif not self.photo:
            self.photo_thumbnail = ""  # The photo was cleared: so is its thumbnail.
        old_slug = self.slug_changed_from()
        with transaction.atomic():
            super().save(*args, **kwargs)
            if old_slug:
                # The old URL now leads to this speaker, even if another one used it before.
                SpeakerOldSlug.objects.update_or_create(slug=old_slug, defaults={"speaker": self})
                SpeakerOldSlug.objects.filter(slug=self.slug).delete()
        self._loaded_slug = self.slug
        self._loaded_listed = self._listed_values()


class SpeakerAliasManager(models.Manager):
    def get_by_natural_key(self, normalized_name):
        return self.get(normalized_name=normalized_name)


class SpeakerAlias(models.Model):
    """Another spelling of a speaker's name, used to match imports to one person."""

    speaker = models.ForeignKey(Speaker, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200)
    normalized_name = models.CharField(max_length=200, editable=False)
    public = models.BooleanField(
        default=False,
        help_text=gettext_lazy(
            "Print on the speaker's page as “also known as”. "
            "Otherwise the alias only matches names on import and in search."
        ),
    )

    objects = SpeakerAliasManager()

    class Meta:
        verbose_name = gettext_lazy("speaker alias")
        ordering = ["name"]
        verbose_name_plural = gettext_lazy("speaker aliases")
        constraints = [
            models.UniqueConstraint(fields=["normalized_name"], name="speaker_alias_unique_name"),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.normalized_name,)

    natural_key.dependencies = ["speakers.speaker"]

    def clean(self):
        # normalized_name is not a form field, so forms skip its unique
        # constraint: check it here rather than fail with an IntegrityError.
        super().clean()
        if not self.name:
            return  # "This field is required." says it already.
        self.normalized_name = normalize_name(self.name)
        if not self.normalized_name:
            raise ValidationError({"name": _("An alias needs at least one letter or digit.")})
        clash = (
            SpeakerAlias.objects.filter(normalized_name=self.normalized_name)
            .exclude(pk=self.pk)
            .select_related("speaker")
            .first()
        )
        if clash is not None:
            raise ValidationError(
                {
                    "name": _("“%(alias)s” is already an alias of %(speaker)s.")
                    % {"alias": clash.name, "speaker": clash.speaker}
                },
                code="unique",
            )

    def save(self, *args, **kwargs):
        self.normalized_name = normalize_name(self.name)
        super().save(*args, **kwargs)


class SpeakerOldSlug(OldSlug):
    speaker = models.ForeignKey(Speaker, on_delete=models.CASCADE, related_name="old_slugs")

    class Meta(OldSlug.Meta):
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="speaker_old_slug_unique"),
        ]
