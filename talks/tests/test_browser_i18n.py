"""A reader whose browser asks for German walks the site in a real browser: every page
in German, the English content marked as English, and the language switcher (links,
no JavaScript needed) changing the language on the page the reader is on."""

import re

import pytest
from playwright.sync_api import expect

from talks.tests.site_sample import make_sample_site

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_german_reader_walks_the_site_in_german_and_switches_language(open_page):
    site = make_sample_site()
    recorder = open_page(locale="de-DE")
    page = recorder.page
    html = page.locator("html")

    page.goto("/")
    expect(html).to_have_attribute("lang", "de")
    navigation = page.get_by_role("navigation", name="Website")
    expect(navigation.get_by_role("link", name="Sprecher:innen")).to_be_visible()
    expect(navigation.get_by_role("link", name="Schlagwörter")).to_be_visible()

    navigation.get_by_role("link", name="Konferenzen").click()
    expect(page).to_have_url(re.compile(r"/conferences/$"))
    page.get_by_role("link", name="Riverside Python 2025").first.click()
    expect(html).to_have_attribute("lang", "de")
    # The conference's dates, as German writes them.
    expect(page.get_by_text(re.compile(r"2\. Juni 2025|2\. Jun\.? 2025")).first).to_be_visible()

    page.get_by_role("link", name=re.compile(r"^Tag 1")).first.click()
    expect(page).to_have_url(re.compile(re.escape(site.day.get_absolute_url()) + "$"))
    item = page.locator(f"#{site.talk.slug}")
    expect(item.get_by_role("link", name="Folien")).to_be_visible()
    expect(item.get_by_text("von Ada Quayside und Bo Lindqvist")).to_be_visible()
    # The talk is in English, the page around it in German: its item says so.
    expect(item).to_have_attribute("lang", "en")

    item.get_by_role("link", name="Caching pages without tears").click()
    expect(page.get_by_role("heading", level=1)).to_have_attribute("lang", "en")
    expect(html).to_have_attribute("lang", "de")

    page.get_by_label("Vorträge durchsuchen").fill("caching")
    page.get_by_role("banner").get_by_role("button", name="Suchen").click()
    expect(page).to_have_url(re.compile(r"/search/\?q=caching$"))
    expect(html).to_have_attribute("lang", "de")
    expect(page.get_by_role("link", name="Caching pages without tears")).to_be_visible()

    # The switcher: a plain link, back to this very search, in Spanish, then English.
    page.get_by_role("navigation", name="Sprache").get_by_role("link", name="Español").click()
    expect(page).to_have_url(re.compile(r"/search/\?q=caching$"))
    expect(html).to_have_attribute("lang", "es")
    expect(page.get_by_role("banner").get_by_role("button", name="Buscar")).to_be_visible()
    page.get_by_role("navigation", name="Idioma").get_by_role("link", name="English").click()
    expect(html).to_have_attribute("lang", "en")
    expect(page.get_by_role("banner").get_by_role("button", name="Search")).to_be_visible()
    # The choice is remembered over the browser's own language.
    page.goto("/tags/")
    expect(html).to_have_attribute("lang", "en")

    assert recorder.page_errors == []
