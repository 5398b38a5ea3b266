"""Template tags for link previews and structured data.

`{% capture as name %}…{% endcapture %}` renders its content once into a
variable, so base.html can print a page's title and description both in the
`<title>`/description meta and in the OpenGraph tags. The JSON-LD tags turn
what a page already shows into schema.org data (talks/structured_data.py).
"""

from django import template
from django.utils.safestring import mark_safe

from talks import structured_data

register = template.Library()


class CaptureNode(template.Node):
    child_nodelists = ("nodelist",)

    def __init__(self, nodelist, name):
        self.nodelist = nodelist
        self.name = name

    def render(self, context):
        # The content is rendered template output, escaped as usual where it
        # prints variables; marking it safe only stops a second escaping.
        context[self.name] = mark_safe(self.nodelist.render(context).strip())
        return ""


@register.tag
def capture(parser, token):
    """`{% capture as name %}…{% endcapture %}`: keep rendered content in a variable."""
    bits = token.split_contents()
    if len(bits) != 3 or bits[1] != "as":
        raise template.TemplateSyntaxError("Use {% capture as name %}…{% endcapture %}.")
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(nodelist, bits[2])


def _absolute(context):
    request = context["request"]
    return request.build_absolute_uri


@register.simple_tag(takes_context=True)
def absolute_uri(context, url):
    """`url` made absolute with the request's scheme and host ("" stays "")."""
    return _absolute(context)(url) if url else ""


@register.simple_tag(takes_context=True)
def conference_json_ld(context, conference, days):
    """JSON-LD Event of a conference page; `days` is the page's (day, talks) list."""
    talks = [talk for _day, day_talks in days for talk in day_talks]
    data = structured_data.conference_event(conference, talks, absolute=_absolute(context))
    return structured_data.json_ld_script(data)


@register.simple_tag(takes_context=True)
def talk_json_ld(context, talk):
    """JSON-LD Event of a talk page, and its VideoObject when it has a video."""
    items = structured_data.talk_structured_data(talk, absolute=_absolute(context))
    return mark_safe("\n".join(structured_data.json_ld_script(item) for item in items))


@register.simple_tag(takes_context=True)
def speaker_json_ld(context, speaker, talks):
    """JSON-LD Person of a speaker page."""
    data = structured_data.speaker_person(speaker, talks, absolute=_absolute(context))
    return structured_data.json_ld_script(data)
