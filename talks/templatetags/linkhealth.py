from django import template

from talks.linkhealth import wayback_url

register = template.Library()


@register.filter
def wayback(url: str, year: int | None = None) -> str:
    """The Wayback Machine copy of `url` from around `year`: `{{ link.url|wayback:year }}`."""
    return wayback_url(url, year)
