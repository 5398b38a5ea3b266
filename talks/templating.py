"""What the public pages print beyond plain values: schema.org data as JSON-LD.

Registered as template globals by TalksConfig.ready(), with the `wayback` filter.
"""

from django.utils.safestring import mark_safe
from jinja2 import pass_context

from talks import structured_data
from talks.linkhealth import wayback_url


def _absolute(context):
    return context["request"].build_absolute_uri


@pass_context
def conference_json_ld(context, conference, days, notes=()):
    """JSON-LD Event of a conference page; `days` is the page's (day, talks) list, `notes`
    its notes on the whole conference."""
    talks = [talk for _day, day_talks in days for talk in day_talks]
    data = structured_data.conference_event(
        conference, talks, absolute=_absolute(context), notes=notes
    )
    return structured_data.json_ld_script(data)


@pass_context
def day_json_ld(context, day, talks, notes=()):
    """JSON-LD Event of a day page, its items as sub-events, its own notes as articles."""
    data = structured_data.day_event(day, talks, absolute=_absolute(context), notes=notes)
    return structured_data.json_ld_script(data)


@pass_context
def talk_json_ld(context, talk, notes=()):
    """JSON-LD Event of a talk page with its notes, and its VideoObject when it has a video."""
    items = structured_data.talk_structured_data(talk, absolute=_absolute(context), notes=notes)
    return mark_safe("\n".join(structured_data.json_ld_script(item) for item in items))


@pass_context
def speaker_json_ld(context, speaker, talks):
    """JSON-LD Person of a speaker page."""
    data = structured_data.speaker_person(speaker, talks, absolute=_absolute(context))
    return structured_data.json_ld_script(data)


TEMPLATE_GLOBALS = {
    "conference_json_ld": conference_json_ld,
    "day_json_ld": day_json_ld,
    "talk_json_ld": talk_json_ld,
    "speaker_json_ld": speaker_json_ld,
}
TEMPLATE_FILTERS = {"wayback": wayback_url}  # `{{ link.url|wayback(year) }}`
