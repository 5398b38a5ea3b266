"""Stored links are web links: a script URL saved past form validation never becomes one.

Forms and importers validate URLs already; model saves, fixtures and shell
sessions do not. A `pre_save` guard blanks any URL field whose value is not an
http(s) or ftp(s) address, so no template, feed or export can print a
`javascript:`, `data:` or `vbscript:` link.
"""

from django.db import models

SAFE_URL_PREFIXES = ("http://", "https://", "ftp://", "ftps://")


def is_safe_url(value: str) -> bool:
    """True for an absolute http(s)/ftp(s) address (the schemes URLField accepts)."""
    return value.strip().lower().startswith(SAFE_URL_PREFIXES)


def blank_unsafe_urls(sender, instance, **kwargs) -> None:
    """`pre_save` receiver: empty every URL field of `instance` holding another scheme."""
    for field in instance._meta.concrete_fields:
        if isinstance(field, models.URLField):
            value = getattr(instance, field.attname)
            if value and not is_safe_url(value):
                setattr(instance, field.attname, "")
