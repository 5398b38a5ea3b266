"""The site as people meet it, in a real browser: a reader's walk and a writer's admin session."""

import io
import re

import feedparser
import pytest
from django.urls import reverse
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from speakers.models import Speaker
from talks.models import Note, Talk
from talks.tests.factories import make_speaker, make_user
from talks.tests.site_sample import make_sample_site

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# The machine running the tests may be busy: wait longer than the default 5 s.
expect.set_options(timeout=15_000)


def _h1(page):
    return page.locator("main h1")


def test_reader_walks_from_home_to_conference_day_talk_speaker_and_tag(open_page):
    site = make_sample_site()
    recorder = open_page()
    page = recorder.page

    page.goto("/")
    page.get_by_role("link", name=site.conference.name, exact=True).first.click()
    expect(_h1(page)).to_have_text(site.conference.name)
    assert page.url.endswith(site.conference.get_absolute_url())

    page.locator("main").get_by_role("link", name="Day 1", exact=True).first.click()
    expect(_h1(page)).to_contain_text("Day 1")
    expect(page.locator("main")).to_contain_text("Measure first, then make it fast.")

    # The contents list leads to the item on the page, its heading to the talk's page.
    page.locator("nav.toc").get_by_role("link", name=site.talk.title).click()
    assert page.url.endswith(f"#{site.talk.slug}")
    expect(page.locator(f"#{site.talk.slug}")).to_be_in_viewport()
    page.locator("main h3").get_by_role("link", name=site.talk.title).click()
    expect(_h1(page)).to_have_text(site.talk.title)
    assert page.url.endswith(site.talk.get_absolute_url())
    expect(page.locator("main")).to_contain_text("one version number")

    # The video frame loads lazily; a click while it does can be lost.
    page.wait_for_load_state("networkidle")
    tag_link = page.locator("main").get_by_role("link", name="performance", exact=True)
    tag_link.scroll_into_view_if_needed()
    with page.expect_navigation(url="**/tags/performance/"):
        tag_link.click()
    expect(_h1(page)).to_contain_text("performance")
    expect(page.locator("main")).to_contain_text(site.talk.title)
    page.go_back()

    page.get_by_role("link", name=site.speaker.name).first.click()
    expect(_h1(page)).to_have_text(site.speaker.name)
    expect(page.locator("main")).to_contain_text("Opening keynote: the web we keep")

    page.get_by_role("link", name="Tags", exact=True).click()
    page.locator("main").get_by_role("link", name="python", exact=True).click()
    expect(_h1(page)).to_contain_text("python")
    expect(page.locator("main")).to_contain_text("Five-minute fixes")

    box = page.get_by_role("searchbox").first
    box.fill("caching")
    box.press("Enter")
    expect(_h1(page)).to_contain_text("caching")
    page.locator("main").get_by_role("link", name=site.talk.title).first.click()
    expect(_h1(page)).to_have_text(site.talk.title)

    assert recorder.page_errors == []
    assert recorder.console_errors == []


def _choose_autocomplete(page, select_id: str, typed: str, option: str) -> None:
    """Pick `option` in one of the admin's select2 autocomplete widgets."""
    page.locator(f"#{select_id} + .select2 .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill(typed)
    page.locator(".select2-results__option", has_text=option).first.click()
    expect(page.locator(f"#{select_id}")).to_have_value(re.compile(r"^\d+$"))


def _png(size=(120, 120)) -> bytes:
    image = Image.new("RGB", size, (20, 110, 160))
    ImageDraw.Draw(image).ellipse((20, 20, 100, 100), fill=(250, 200, 60))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_writer_creates_conference_talk_and_note_in_the_admin_then_readers_find_it(
    open_page, live_server
):
    editor = make_user(username="editor", is_staff=True, is_superuser=True)
    editor.set_password("harbour-lights-42")
    editor.save()
    make_speaker(name="Ada Quayside")
    make_speaker(name="Bo Lindqvist")
    admin = open_page()
    page = admin.page

    page.goto("/admin/login/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", "harbour-lights-42")
    page.locator("input[type=submit]").click()
    expect(page.locator("#site-name")).to_contain_text("confnotes")

    # A conference with one day, inline.
    page.goto("/admin/talks/conference/add/")
    page.locator("#id_name").press_sequentially("Harbour Django 2026")  # keys fill the slug
    expect(page.locator("#id_slug")).to_have_value("harbour-django-2026")
    page.check("#id_published")
    page.fill("#id_start_date", "2026-05-04")
    page.fill("#id_end_date", "2026-05-05")
    page.locator("#days-group .add-row a").click()
    page.fill("#id_days-0-date", "2026-05-04")
    page.fill("#id_days-0-title", "Talks")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    # A talk with two speakers (autocomplete), tags and a draft note in Markdown.
    page.goto("/admin/talks/talk/add/")
    _choose_autocomplete(page, "id_day", "Harbour", "Harbour Django 2026")
    page.fill("#id_title", "Sailing with Django")
    page.fill("#id_tags", "boats, django")
    page.fill("#id_abstract", "Keeping a site *afloat*.")
    _choose_autocomplete(page, "id_talk_speakers-0-speaker", "Ada", "Ada Quayside")
    page.fill("#id_talk_speakers-0-position", "1")
    page.locator("#talk_speakers-group .add-row a").click()
    _choose_autocomplete(page, "id_talk_speakers-1-speaker", "Lindq", "Bo Lindqvist")
    page.fill("#id_talk_speakers-1-position", "2")
    page.fill(
        "#id_notes-0-body",
        "The harbour demo had **bold claims** and a [map](https://example.org/map).",
    )
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    talk = Talk.objects.get(title="Sailing with Django")
    assert [ts.speaker.name for ts in talk.talk_speakers.all()] == ["Ada Quayside", "Bo Lindqvist"]
    assert sorted(talk.tags.names()) == ["boats", "django"]
    note = Note.objects.get(talk=talk)
    assert not note.published

    reader = open_page().page  # a reader has no session: the cached public pages
    day_url = talk.day.get_absolute_url()
    reader.goto(day_url)
    expect(reader.locator("main")).to_contain_text("Sailing with Django")
    expect(reader.locator("main")).not_to_contain_text("bold claims")

    # Publish with the list action, then the reader sees the rendered note.
    page.goto("/admin/talks/note/")
    page.locator(f"input[name=_selected_action][value='{note.pk}']").check()
    page.select_option("select[name=action]", "publish")
    page.locator("button[name=index]").click()
    expect(page.locator(".messagelist")).to_contain_text("Published 1 note")

    reader.goto(day_url)
    main = reader.locator("main")
    expect(main.locator("strong", has_text="bold claims")).to_be_visible()
    expect(main.get_by_role("link", name="Ada Quayside")).to_be_visible()
    expect(main.get_by_role("link", name="Bo Lindqvist")).to_be_visible()
    expect(main.get_by_role("link", name="boats")).to_be_visible()

    reader.goto("/")
    box = reader.get_by_role("searchbox").first
    box.fill("harbour demo")  # words of the note just published, not of the talk
    box.press("Enter")
    reader.locator("main").get_by_role("link", name="Sailing with Django").click()
    expect(_h1(reader)).to_have_text("Sailing with Django")
    expect(reader.locator("main")).to_contain_text("bold claims")
    response = reader.request.get(reverse("talks:notes_feed"))
    assert response.ok
    feed = feedparser.parse(response.body())
    entry = next(e for e in feed.entries if "Sailing with Django" in e.title)
    assert "<strong>bold claims</strong>" in entry.content[0].value
    assert entry.link.endswith(note.get_absolute_url())

    # A speaker photo, uploaded in the admin, shows as a thumbnail.
    ada = Speaker.objects.get(name="Ada Quayside")
    page.goto(f"/admin/speakers/speaker/{ada.pk}/change/")
    page.set_input_files(
        "#id_photo", files=[{"name": "ada.png", "mimeType": "image/png", "buffer": _png()}]
    )
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    ada.refresh_from_db()
    assert ada.photo_thumbnail
    page.goto("/admin/speakers/speaker/")
    thumbnail = page.locator(f"img[src$='{ada.photo_thumbnail.url}']")
    expect(thumbnail).to_be_visible()
    assert thumbnail.evaluate("img => img.complete && img.naturalWidth") > 0
    reader.goto(reverse("talks:speaker_list"))
    public_thumbnail = reader.locator(f"img[src$='{ada.photo_thumbnail.url}']")
    public_thumbnail.scroll_into_view_if_needed()
    expect(public_thumbnail).to_be_visible()
    assert public_thumbnail.evaluate("img => img.complete && img.naturalWidth") > 0

    assert admin.page_errors == []
