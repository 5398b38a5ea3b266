"""A talk's speakers and tags as links, written in Python rather than in included templates.

They print on every row of the day, conference, speaker, tag, search and talk
pages. As included templates, each row cost two template includes, a
`reverse()` per link and two taggit managers; here a row costs a few string
joins over the lists `Talk.objects.for_list()` prefetched, with every URL built
from one reversed pattern per page kind.
"""

import re
from functools import cache

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.encoding import iri_to_uri
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

register = template.Library()

_SLUG = "__slug__"
_PLAIN_SLUG = re.compile(r"[-a-zA-Z0-9_]+")


@cache
def _url_parts(name: str, script_prefix: str) -> tuple[str, str]:
    """The text before and after the slug in the URL named `name`."""
    before, after = reverse(name, kwargs={"slug": _SLUG}).split(_SLUG)
    return before, after


def slug_url(name: str, slug: str) -> str:
    """`reverse(name, kwargs={"slug": slug})`, for URLs whose only argument is a slug."""
    before, after = _url_parts(name, get_script_prefix())
    # reverse() quotes an argument as iri_to_uri() does; that changes only
    # non-ASCII letters (taggit keeps them in tag slugs), never [-_a-z0-9].
    return f"{before}{slug if _PLAIN_SLUG.fullmatch(slug) else iri_to_uri(slug)}{after}"


@register.simple_tag
def speaker_links(talk):
    """“<a>A</a>, <a>B</a> and <a>C</a>”: the talk's speakers in program order."""
    links = [
        format_html(
            '<a href="{}">{}</a>',
            slug_url("talks:speaker_detail", ts.speaker.slug),
            ts.speaker.name,
        )
        for ts in talk.listed_speakers()
    ]
    if len(links) > 1:
        text = ", ".join(links[:-1]) + " and " + links[-1]
    else:
        text = "".join(links)
    # The trailing newline is the one the include used to print.
    return mark_safe(text + "\n")


@register.simple_tag
def tag_links(talk):
    """The talk's tags as a list of links, or nothing when it has none."""
    tags = talk.listed_tags()
    if not tags:
        return mark_safe("\n")
    items = "".join(
        f'<li><a href="{conditional_escape(slug_url("talks:tag_detail", tag.slug))}" '
        f'rel="tag">{conditional_escape(tag.name)}</a></li>'
        for tag in tags
    )
    return mark_safe(f'<ul class="tags" aria-label="Tags">{items}</ul>\n')
