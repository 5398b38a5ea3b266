"""The template engine of the public pages: Jinja2, with Django's filters and URLs.

The pages in templates/ are Jinja2 templates; the admin keeps Django's own
engine. Jinja2 compiles a template to Python code once, where Django's engine
walks a tree of nodes on every render: a 30-item day page took 3.8 ms to
render with Django's engine (docs/benchmarks.md has what it takes now).

Values print escaped (autoescape); what Django marks safe (sanitized Markdown
HTML, format_html) prints as it is. Filters keep the Django names and
behaviour the pages rely on: `date`, `time`, `pluralize`, `urlencode`.

Every text of the pages is translated with Jinja2's i18n extension on Django's
gettext: `{{ _("Speakers") }}`, `{% trans count=n %}...{% pluralize %}...{% endtrans %}`
(whitespace trimmed), `pgettext("date format", "j M Y")` for a date's format.
confnotes/messages.py extracts them into the catalogs.
"""

import datetime
from functools import lru_cache

from django.conf import settings
from django.template import defaultfilters
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import formats, translation
from django.utils.timezone import get_current_timezone_name, template_localtime
from django.utils.translation import get_language
from jinja2 import ChainableUndefined, Environment, pass_context
from markupsafe import Markup

from confnotes.i18n import LANGUAGE_TAG, language_name
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


def number(value) -> str:
    """An integer as the interface's language writes it: 21,409 / 21.409."""
    return formats.number_format(value, force_grouping=True)


def content_lang(code: str) -> str:
    """` lang="de"` for an element holding content in `code`, when that is not the
    interface's language; "" otherwise. Content of no known language is the archive's
    own: English (settings.LANGUAGE_CODE)."""
    code = code or settings.LANGUAGE_CODE
    same = code.split("-")[0].lower() == get_language().split("-")[0]
    if same or not LANGUAGE_TAG.fullmatch(code):
        return ""
    return Markup(f' lang="{code}"')


@pass_context
def absolute_uri(context, url):
    """`url` made absolute with the request's scheme and host ("" stays "")."""
    return context["request"].build_absolute_uri(url) if url else ""


def environment(**options) -> Environment:
    # Like Django's templates, a missing value prints as nothing, even several
    # attributes deep (`talks[0].day.date.year` of an empty list), with debug on
    # or off (Django's backend would pick a different one for each).
    options["undefined"] = ChainableUndefined
    options["extensions"] = [*options.get("extensions", ()), "jinja2.ext.i18n"]
    env = Environment(**options)
    # Whitespace inside {% trans %} collapses: the catalogs hold plain sentences.
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(
        translation.gettext,
        translation.ngettext,
        newstyle=True,
        pgettext=translation.pgettext,
        npgettext=translation.npgettext,
    )
    env.globals.update(
        current_language=get_language,
        languages=settings.LANGUAGES,
        content_lang=content_lang,
        language_name=language_name,
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
        number=number,
        **_app_filters,
    )
    return env
