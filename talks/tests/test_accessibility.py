"""Every page kind in a real browser: axe-core finds no WCAG 2.2 A/AA violation in
either color scheme and any language of the interface, the keyboard reaches every
link, and screenshots are kept.
"""

import pytest
from django.conf import settings

from talks.tests.browser import (
    DESKTOP,
    PHONE,
    SCHEMES,
    SCREENSHOTS,
    axe_violations,
    require_axe,
)
from talks.tests.site_sample import make_sample_site

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
@pytest.mark.parametrize("scheme", SCHEMES)
def test_every_page_kind_has_no_wcag_violations_and_is_screenshot(
    open_page, live_server, scheme, language
):
    site = make_sample_site()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    recorder = open_page(color_scheme=scheme, viewport=DESKTOP, locale=language)
    page = recorder.page
    require_axe()

    problems = {}
    for kind, path in site.pages.items():
        response = page.goto(path)
        assert response.status == (404 if kind == "not-found" else 200), path
        assert page.locator("html").get_attribute("lang") == language
        assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") == (
            scheme == "dark"
        )
        violations = axe_violations(page)
        if violations:
            problems[f"{kind} {path}"] = violations
        name = f"{kind}-{language}" if language != settings.LANGUAGE_CODE else kind
        page.screenshot(path=SCREENSHOTS / f"{name}-desktop-{scheme}.png", full_page=True)
        page.set_viewport_size(PHONE)
        page.screenshot(path=SCREENSHOTS / f"{name}-phone-{scheme}.png", full_page=True)
        page.set_viewport_size(DESKTOP)

    assert problems == {}
    assert recorder.page_errors == []


def _tab_order(page, limit: int) -> list[dict]:
    """Press Tab from the top of the page until focus comes back round; what got focus."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
                const el = document.activeElement;
                if (!el || el === document.body) return null;
                return {tag: el.tagName.toLowerCase(), href: el.getAttribute('href'),
                        type: el.getAttribute('type'), name: el.getAttribute('name'),
                        text: el.textContent.trim(), key: el.dataset.tabKey,
                        inMain: el.closest('main') !== null};
            }"""
        )
        if focused is None or (seen and focused["key"] == seen[0]["key"]):
            break
        seen.append(focused)
    return seen


@pytest.mark.parametrize("kind", ["home", "day", "talk", "search"])
def test_keyboard_reaches_skip_link_first_then_every_link(open_page, kind):
    site = make_sample_site()
    page = open_page().page
    page.goto(site.pages[kind])
    # Let lazy frames (the video player) load first: a frame that loads while it
    # has focus hands focus back to the document, restarting the walk.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_load_state("networkidle")
    for frame in page.main_frame.child_frames:
        frame.wait_for_load_state("load")
    page.evaluate("window.scrollTo(0, 0)")
    # Number every focusable element so the walk can tell them apart. A link that is
    # not rendered at this width (display: none) is out of the tab order on purpose.
    link_count = page.evaluate(
        """() => {
            const all = document.querySelectorAll('a[href], input, button, select, textarea');
            all.forEach((el, i) => { el.dataset.tabKey = String(i); });
            return [...document.querySelectorAll('a[href]')].filter(a => a.checkVisibility()).length;
        }"""
    )

    order = _tab_order(page, limit=link_count + 20)

    assert order[0]["text"] == "Skip to main content"
    assert order[0]["href"] == "#main"
    search_boxes = page.evaluate("document.querySelectorAll('input[type=search]').length")
    assert search_boxes >= 1  # the header's (the search page has its own too)
    kinds = [(item["tag"], item["type"]) for item in order]
    first_search = kinds.index(("input", "search"))
    first_in_main = next(i for i, item in enumerate(order) if item["inMain"])
    # Right after the site's name and its three sections, before the page's content.
    assert first_search <= 5
    assert first_search < first_in_main
    reached = {item["key"] for item in order if item["tag"] == "a"}
    assert len(reached) == link_count
    # The skip link really moves focus to the main content.
    page.keyboard.press("Escape")
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_on_a_phone_the_header_is_compact_and_the_filters_come_before_the_results(open_page):
    site = make_sample_site()
    page = open_page(viewport=PHONE).page
    page.goto(site.pages["search"])

    header = page.locator(".site-header").bounding_box()
    filters = page.get_by_role("link", name="Filters", exact=True)
    first_result = page.locator(".search-results a").first

    assert header["height"] <= 100
    assert filters.bounding_box()["y"] < first_result.bounding_box()["y"]
    # In the tab order too: the filters link, then the results.
    filters.focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('.search-results') !== null")
    # Following it, the next Tab is in the filters.
    filters.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('.facets') !== null")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_code_is_nine_tenths_of_its_text_and_prose_keeps_a_reading_measure(open_page, viewport):
    site = make_sample_site()
    page = open_page(viewport=viewport).page
    page.goto(site.pages["talk"])

    sizes = page.evaluate(
        """() => {
            const prose = document.querySelector('.note .prose');
            const p = document.createElement('p');
            p.innerHTML = 'Call <code>client.get()</code> first.';
            prose.prepend(p);
            const px = el => parseFloat(getComputedStyle(el).fontSize);
            const pre = prose.querySelector('pre'), code = prose.querySelector('pre code');
            // One "ch" of the paragraph's own font: the width of its "0".
            const zero = document.createElement('span');
            zero.textContent = '0';
            p.append(zero);
            const ch = zero.getBoundingClientRect().width;
            return {code: px(p.querySelector('code')) / px(p), pre: px(pre) / px(prose),
                    preCode: px(code) / px(pre), measure: p.getBoundingClientRect().width / ch};
        }"""
    )

    assert sizes["code"] == pytest.approx(0.9) and sizes["pre"] == pytest.approx(0.9)
    assert sizes["preCode"] == pytest.approx(1)
    # 65ch: about 70 characters of text a line, whatever the screen's width allows.
    assert sizes["measure"] <= 65.5
