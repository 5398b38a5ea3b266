"""The template engine of the public pages: Jinja2, with Django's filters and URLs.

The pages in templates/ are Jinja2 templates; the admin keeps Django's own
engine. Jinja2 compiles a template to Python code once, where Django's engine
walks a tree of nodes on every render: a 30-item day page took 3.8 ms to
render with Django's engine (docs/benchmarks.md has what it takes now).

Values print escaped (autoescape); what Django marks safe (sanitized Markdown
HTML, format_html) prints as it is. Filters keep the Django names and
behaviour the pages rely on: `date`, `time`, `pluralize`, `urlencode`.
"""

import datetime
from functools import lru_cache

from django.template import defaultfilters
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.timezone import get_current_timezone_name, template_localtime
from django.utils.translation import get_language
from jinja2 import ChainableUndefined, Environment, pass_context

from confnotes.paths import slug_path

# What the apps add to every template (their AppConfig.ready() calls `register`).
_app_globals: dict = {}
_app_filters: dict = {}


def register(*, globals=None, filters=None) -> None:  # noqa: A002 (Jinja2's own word)
    """Make an app's helpers available in every template; call it from AppConfig.ready()."""
    _app_globals.update(globals or {})
    _app_filters.update(filters or {})


def url(name: str, *args, **kwargs) -> str:
    """`{% url %}`: `url("talks:tag_detail", slug=tag.slug)`."""
    return _reversed(name, args, tuple(kwargs.items()), get_script_prefix(), get_urlconf())


@lru_cache(maxsize=4096)
def _reversed(name, args, kwargs, script_prefix, urlconf) -> str:
    # Every page prints the same dozen links (the site's navigation, its feeds);
    # reverse() walks the URL patterns for each of them.
    return reverse(name, urlconf=urlconf, args=args or None, kwargs=dict(kwargs) or None)


def date(value, fmt: str | None = None) -> str:
    """Django's `date` filter, in the current time zone as Django's templates print it."""
    if type(value) is datetime.date:
        return _remembered(defaultfilters.date, value, fmt, get_language(), "")
    if type(value) is datetime.datetime:
        zone = get_current_timezone_name()
        return _remembered(_local_date, value, fmt, get_language(), zone)
    return _local_date(value, fmt)


def time(value, fmt: str | None = None) -> str:
    if type(value) is datetime.time and value.tzinfo is None:
        return _remembered(defaultfilters.time, value, fmt, get_language(), "")
    return defaultfilters.time(template_localtime(value), fmt)


def _local_date(value, fmt: str | None) -> str:
    return defaultfilters.date(template_localtime(value), fmt)


@lru_cache(maxsize=4096)
def _remembered(format_filter, value, fmt: str | None, language: str, zone: str) -> str:
    # The text of a date or time depends only on the value, the format, the
    # language and the time zone; a day page prints about 80 of them, a list of
    # 50 talks about 100, most of them the same few, and the same again on
    # every request of that page.
    return format_filter(value, fmt)


@pass_context
def absolute_uri(context, url):
    """`url` made absolute with the request's scheme and host ("" stays "")."""
    return context["request"].build_absolute_uri(url) if url else ""


def environment(**options) -> Environment:
    # Like Django's templates, a missing value prints as nothing, even several
    # attributes deep (`talks[0].day.date.year` of an empty list), with debug on
    # or off (Django's backend would pick a different one for each).
    options["undefined"] = ChainableUndefined
    env = Environment(**options)
    env.globals.update(
        url=url,
        path=slug_path,  # a slug-addressed URL without a reverse(): confnotes/paths.py
        static=static,
        absolute_uri=absolute_uri,
        **_app_globals,
    )
    env.filters.update(
        date=date,
        time=time,
        pluralize=defaultfilters.pluralize,
        urlencode=defaultfilters.urlencode,
        **_app_filters,
    )
    return env
