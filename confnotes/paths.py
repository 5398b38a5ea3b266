"""Paths of the slug-addressed pages, without a `reverse()` per link.

A list page links every row to a talk, a conference and speakers: hundreds of
`reverse()` calls, each walking the URL resolver (a speaker with 300 talks
spent half of its page's time there). Each URL name is reversed once per
script prefix, with placeholders for its slugs; a path is then that template
with the slugs put in. Slugs outside [-a-zA-Z0-9_] (tags keep non-ASCII
letters) go through `reverse()`, so every path is exactly what `reverse()`
gives.
"""

import logging
import re
from functools import cache, lru_cache
from urllib.parse import quote

from django.urls import NoReverseMatch, get_script_prefix, reverse

logger = logging.getLogger(__name__)

_PLAIN_SLUG = re.compile(r"[-a-zA-Z0-9_]+")


@cache
def _template(name: str, keys: tuple[str, ...], script_prefix: str) -> str:
    return reverse(name, kwargs={key: f"__confnotes_{key}__" for key in keys})


def slug_path(name: str, **slugs: str) -> str:
    """`reverse(name, kwargs=slugs)` for URLs whose arguments are all slugs."""
    return _slug_path(name, tuple(slugs.items()), get_script_prefix())


@lru_cache(maxsize=16384)
def _slug_path(name: str, slugs: tuple[tuple[str, str], ...], script_prefix: str) -> str:
    # Kept: a list page prints the same conference and speaker paths many times.
    if not all(_PLAIN_SLUG.fullmatch(value) for _key, value in slugs):
        try:
            return reverse(name, kwargs=dict(slugs))
        except NoReverseMatch:
            # A slug written past the models' checks (an SQL update, a raw fixture) that
            # no URL can carry: its own link leads nowhere (404), and the page listing
            # it and other rows still renders.
            logger.warning("No URL %s for the slugs %r", name, dict(slugs))
            slugs = tuple((key, quote(value, safe="")) for key, value in slugs)
    path = _template(name, tuple(key for key, _value in slugs), script_prefix)
    for key, value in slugs:
        path = path.replace(f"__confnotes_{key}__", value)
    return path
