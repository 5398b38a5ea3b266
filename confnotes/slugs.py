"""Slugs that never break: generation, reserved names and the record of old slugs."""

import re

from anyascii import anyascii
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import slugify
from django.utils.translation import gettext as _

# Conference slugs live at the root of the site, so the names the site itself
# uses at the root cannot be conference slugs.
RESERVED_ROOT_SLUGS = frozenset(
    {
        "accounts", "admin", "api", "authors", "conferences", "feeds", "healthz", "language", "media",
        "robots.txt", "search", "series", "sitemap.xml", "speakers", "static", "tags",
        "favicon.ico",
    }
)  # fmt: skip
# Day slugs live beside a conference's own sub-pages.
RESERVED_DAY_SLUGS = frozenset({"talks", "calendar.ics", "feed", "calendar"})


def validate_root_slug(value: str) -> None:
    """Refuse a conference slug that would hide one of the site's own pages."""
    if value in RESERVED_ROOT_SLUGS:
        raise ValidationError(
            _("“%(slug)s” is reserved by the site; choose another slug.") % {"slug": value}
        )


def validate_day_slug(value: str) -> None:
    """Refuse a day slug that would hide one of a conference's own pages."""
    if value in RESERVED_DAY_SLUGS:
        raise ValidationError(
            _("“%(slug)s” is reserved by the site; choose another slug.") % {"slug": value}
        )


URL_SLUG = re.compile(r"[-a-zA-Z0-9_]+")  # what the URLs' <slug:...> converter matches


def require_url_slug(instance, reserved=frozenset()) -> None:
    """Refuse to save `instance` under a slug its URLs cannot carry: a save from a
    script or a shell gets this clear error, not pages that answer 500 later."""
    if not URL_SLUG.fullmatch(instance.slug) or instance.slug in reserved:
        raise ValidationError(
            {
                "slug": _(
                    "“%(slug)s” cannot be this %(model)s's slug: "
                    "use letters, digits, hyphens and underscores, and no name the site uses."
                )
                % {"slug": instance.slug, "model": instance._meta.verbose_name}
            }
        )


def ascii_slug(text: str) -> str:
    """A slug of `text` transliterated to ASCII: "Łukasz" → "lukasz", "Иван" → "ivan".

    Django's slugify alone drops every letter that does not decompose to ASCII,
    so non-Latin names would all become "item", "item-2"...
    """
    return slugify(anyascii(text or ""))


def free_slug(base: str, taken: set[str], *, sep: str = "-") -> str:
    """`base`, or `base-2`, `base-3`... whichever `taken` lacks first; added to `taken`."""
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}{sep}{n}", n + 1
    taken.add(slug)
    return slug


def unique_slug(text: str, queryset, *, max_length: int = 200, reserved=frozenset()) -> str:
    """Return a slug from `text` that no row of `queryset` (and no reserved name) uses."""
    base = ascii_slug(text)[: max_length - 6].strip("-") or "item"
    taken = set(queryset.filter(slug__startswith=base).values_list("slug", flat=True)) | set(
        reserved
    )
    return free_slug(base, taken)


class OldSlug(models.Model):
    """An earlier slug of a renamed object, kept so its old URL can redirect."""

    slug = models.SlugField(max_length=200)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["-created"]

    def __str__(self):
        return self.slug


class SlugTrackingMixin:
    """Remember the slug an object was loaded with, to record it when it changes."""

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._loaded_slug = instance.__dict__.get("slug")
        return instance

    def slug_changed_from(self) -> str | None:
        """The slug this object had in the database, if it is being renamed."""
        old = getattr(self, "_loaded_slug", None)
        return old if old and old != self.slug else None
