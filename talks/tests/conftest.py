"""Fixtures of the real-browser tests: one chromium per test module, a page per use."""

import mimetypes
import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from django.conf import settings

from talks.tests.browser import CHROMIUM, CHROMIUM_ARGS, DESKTOP, FONTS_CONF, require_chromium


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium, headless, driven by Playwright; closed after the module.
    Its generic fonts are pinned (talks/tests/fonts.conf): layouts measure the same
    on every machine."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        # Playwright's synchronous API keeps an event loop in this thread, and
        # Django refuses database calls from a thread with a running loop. The
        # test's own ORM calls are synchronous, so the check does not apply.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM),
                headless=True,
                args=CHROMIUM_ARGS,
                env={**os.environ, "FONTCONFIG_FILE": str(FONTS_CONF)},
            )
            yield chromium
            chromium.close()


class PageRecorder:
    """A browser page on the live server that records what a hostile page could trigger."""

    def __init__(self, page):
        self.page = page
        self.dialogs: list[str] = []
        self.page_errors: list[str] = []
        self.console_errors: list[str] = []
        page.on("dialog", self._on_dialog)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("console", self._on_console)

    def _on_dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _on_console(self, message):
        # Failed loads of blocked or missing resources are logged as errors too;
        # those are not script running.
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.console_errors.append(message.text)


def _stay_offline(route, request):
    """Frames from elsewhere (the video player) get an empty page; other requests fail."""
    if request.resource_type == "document":
        route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>-</title>")
    else:
        route.abort()


def _serve_media(route, request):
    """Answer /media/... from the test's MEDIA_ROOT: the live server serves no uploads."""
    relative = unquote(urlsplit(request.url).path).removeprefix("/" + settings.MEDIA_URL.strip("/"))
    root = Path(settings.MEDIA_ROOT).resolve()
    target = (root / relative.lstrip("/")).resolve()
    if root not in target.parents or not target.is_file():
        route.fulfill(status=404, body="not found")
        return
    content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    route.fulfill(status=200, body=target.read_bytes(), headers={"Content-Type": content_type})


@pytest.fixture
def open_page(browser, live_server):
    """Make pages: `open_page(color_scheme="dark", viewport=PHONE)` → PageRecorder.

    No request leaves the live server (video players, pictures elsewhere), so
    no test waits on a network this machine does not have.
    """
    contexts = []
    base = live_server.url

    def make(*, color_scheme="light", viewport=DESKTOP, locale="en-US"):
        # `locale` is the browser's language: its Accept-Language header.
        context = browser.new_context(
            base_url=base,
            color_scheme=color_scheme,
            viewport=viewport,
            reduced_motion="reduce",
            locale=locale,
        )
        context.set_default_timeout(15_000)
        context.route(
            lambda url: not url.startswith(base) and not url.startswith("data:"), _stay_offline
        )
        context.route(f"{base}/{settings.MEDIA_URL.strip('/')}/**", _serve_media)
        contexts.append(context)
        return PageRecorder(context.new_page())

    yield make
    for context in contexts:
        context.close()
