"""The interface's language: which one a reader gets, and the switcher that changes it.

A reader's language is the language cookie (set by `switch_language`), else the first
language of the browser's Accept-Language that the site has, else English
(settings.LANGUAGES). The page cache keys its pages by the same `reader_language`,
and every page says it varies by both headers, so no cache hands a German reader an
English page.
"""

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.conf.locale import LANG_INFO
from django.core.validators import RegexValidator
from django.http import Http404, HttpResponseRedirect
from django.middleware import locale
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language_from_request, gettext, gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

# A language as content and the API carry it: a BCP 47 tag, "en", "pt-BR", "zh-Hant".
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8}){0,3}")
validate_language_code = RegexValidator(
    rf"\A{LANGUAGE_TAG.pattern}\Z",
    gettext_lazy("Enter a BCP 47 language code, such as en, de or pt-BR."),
)


def language_name(code: str) -> str:
    """The name of a content language code, in the interface's language ("de": "German",
    "Deutsch" for a German reader; Django's catalogs have the names), else the code."""
    info = LANG_INFO.get(code.lower()) or LANG_INFO.get(code.split("-")[0].lower()) or {}
    name = info.get("name")
    return gettext(name) if name else code


def reader_language(request) -> str:
    """The language the pages of `request` are in, as LocaleMiddleware activates it."""
    return get_language_from_request(request)


class LocaleMiddleware(locale.LocaleMiddleware):
    """Django's, with `Vary: Cookie` as well: the language cookie chooses the language."""

    def process_response(self, request, response):
        response = super().process_response(request, response)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response


@never_cache
@require_safe
def switch_language(request, code: str):
    """Remember `code` as the reader's language and go back to the page `?next=` names.

    A link, so the switcher works without JavaScript and without a form. `next` holds
    the page's path only, so the links are the same whatever query a page was asked
    with (the page cache keeps one copy); the query comes back from the Referer when the
    browser sends one for that same page (a search's terms, a page number).
    """
    if code not in dict(settings.LANGUAGES):
        raise Http404("No such language.")
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc == request.get_host() and referer.path == urlsplit(target).path:
        target = f"{referer.path}?{referer.query}" if referer.query else referer.path
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response
