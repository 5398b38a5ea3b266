"""A talk's speakers and tags as links, written in Python rather than in included templates.

They print on every row of the day, conference, speaker, tag, search and talk
pages. As included templates, each row cost two template includes, a
`reverse()` per link and two taggit managers; here a row costs a few string
joins over the lists `Talk.objects.for_list()` prefetched, with every URL built
by talks.paths.slug_path.
"""

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from talks.paths import slug_path

register = template.Library()


@register.simple_tag
def speaker_links(talk):
    """“<a>A</a>, <a>B</a> and <a>C</a>”: the talk's speakers in program order."""
    links = [
        format_html(
            '<a href="{}">{}</a>',
            slug_path("talks:speaker_detail", slug=ts.speaker.slug),
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
        f'<li><a href="{conditional_escape(slug_path("talks:tag_detail", slug=tag.slug))}" '
        f'rel="tag">{conditional_escape(tag.name)}</a></li>'
        for tag in tags
    )
    return mark_safe(f'<ul class="tags" aria-label="Tags">{items}</ul>\n')


@register.simple_tag(name="path")
def path_tag(name, **slugs):
    """`{% url name key=value %}` for rows of a list, for URLs whose arguments are all
    slugs: the same path, without a `reverse()` per row."""
    return slug_path(name, **slugs)
