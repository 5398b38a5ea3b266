"""What the public pages print beyond plain values: speakers and tags as links,
and schema.org data.

Speakers and tags print on every row of the day, conference, speaker, tag,
search and talk pages. Written here in Python, a row costs a few string joins
over the lists `Talk.objects.for_list()` prefetched, with every URL built by
talks.paths.slug_path: no template, no `reverse()` and no taggit manager per row.
"""

from django.utils.safestring import mark_safe
from jinja2 import pass_context
from markupsafe import Markup, escape

from talks import structured_data
from talks.paths import slug_path


def speaker_links(talk):
    """“<a>A</a>, <a>B</a> and <a>C</a>”: the talk's speakers in program order."""
    links = [
        f'<a href="{escape(slug_path("talks:speaker_detail", slug=speaker.slug))}">'
        f"{escape(speaker.name)}</a>"
        for speaker in talk.listed_speakers()
    ]
    if len(links) > 1:
        return Markup(", ".join(links[:-1]) + " and " + links[-1])
    return Markup("".join(links))


def tag_links(talk):
    """The talk's tags as a list of links, or nothing when it has none."""
    tags = talk.listed_tags()
    if not tags:
        return ""
    items = "".join(
        f'<li><a href="{escape(slug_path("talks:tag_detail", slug=tag.slug))}" '
        f'rel="tag">{escape(tag.name)}</a></li>'
        for tag in tags
    )
    return Markup(f'<ul class="tags" aria-label="Tags">{items}</ul>')


def _absolute(context):
    return context["request"].build_absolute_uri


@pass_context
def absolute_uri(context, url):
    """`url` made absolute with the request's scheme and host ("" stays "")."""
    return _absolute(context)(url) if url else ""


@pass_context
def conference_json_ld(context, conference, days):
    """JSON-LD Event of a conference page; `days` is the page's (day, talks) list."""
    talks = [talk for _day, day_talks in days for talk in day_talks]
    data = structured_data.conference_event(conference, talks, absolute=_absolute(context))
    return structured_data.json_ld_script(data)


@pass_context
def talk_json_ld(context, talk):
    """JSON-LD Event of a talk page, and its VideoObject when it has a video."""
    items = structured_data.talk_structured_data(talk, absolute=_absolute(context))
    return mark_safe("\n".join(structured_data.json_ld_script(item) for item in items))


@pass_context
def speaker_json_ld(context, speaker, talks):
    """JSON-LD Person of a speaker page."""
    data = structured_data.speaker_person(speaker, talks, absolute=_absolute(context))
    return structured_data.json_ld_script(data)
