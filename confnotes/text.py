"""Small helpers for text: what any stored text may hold, how pages, calendars and
cards print names, and how commands print what imported data says."""

import re
from functools import cache

from django.db import models
from django.utils.translation import pgettext


def join_names(names) -> str:
    """Names as people write them, in the interface's language: "A", "A and B", "A, B and C"
    ("A, B und C"); the same messages as the pages' `name_links` macro."""
    names = list(names)
    joined = names[0] if names else ""
    for position, name in enumerate(names[1:], start=2):
        if position == len(names):
            template = pgettext("list of names", "%(names)s and %(name)s")
        else:
            template = pgettext("list of names", "%(names)s, %(name)s")
        joined = template % {"names": joined, "name": name}
    return joined


# C0 control characters but tab, newline and carriage return (which text from
# browsers and Windows editors carries), DEL, and surrogates: in a Python string these
# are always lone halves (a pair decodes to one character), which no encoder writes.
_UNWANTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def clean_text(value: str) -> str:
    """`value` without the characters no stored text should hold: C0 controls other
    than tab, newline and carriage return, DEL and lone surrogates. Every way in calls
    it: imports, saves through the ORM, search queries."""
    return _UNWANTED.sub("", value) if _UNWANTED.search(value) else value


@cache
def _text_fields(model) -> tuple[str, ...]:
    return tuple(
        field.attname
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField)
    )


def clean_text_fields(sender, instance, **_signal_kwargs) -> None:
    """pre_save: clean_text() every CharField and TextField value of `instance`, then
    render its Markdown again if a source changed (save() rendered it before this)."""
    changed = False
    for name in _text_fields(sender):
        value = getattr(instance, name)
        if isinstance(value, str) and _UNWANTED.search(value):
            setattr(instance, name, _UNWANTED.sub("", value))
            changed = True
    if changed and callable(getattr(instance, "render_markdown", None)):
        instance.render_markdown()


# Everything a terminal may act on: C0 controls (but newline and tab), DEL, C1
# controls (some terminals take U+009B as the start of an escape sequence) and lone
# surrogates (which no terminal encoding can write).
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def printable(text: str) -> str:
    """`text` safe to print to a terminal: each control character shown as its
    escape ("\\x1b"), so a title from imported data cannot drive the terminal."""
    return _UNPRINTABLE.sub(lambda m: ascii(m.group())[1:-1], text)
