"""The admin's layout in a real browser: what static/css/admin.css fixes in Django's styles."""

import pytest
from playwright.sync_api import expect

from talks.tests.browser import DESKTOP, PHONE
from talks.tests.factories import make_link, make_note, make_talk, make_user

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

expect.set_options(timeout=15_000)

LONG_URL = "https://2019.djangocon.example.org/talks/orientation-and-welcome-to-the-conference/"
LIST_NOTE = "Take-aways:\n\n- keep it small\n- test it\n\nThen:\n\n1. ship\n2. rest\n"


@pytest.fixture
def editor_page(open_page):
    """A page of an admin session on a talk with a long link and a note with lists."""
    user = make_user(username="edith", is_staff=True, is_superuser=True)
    user.set_password("harbour-lights-42")
    user.save()
    talk = make_talk(title="Small tools")
    make_link(talk, kind="slides", title="Slides of the talk, as given", url=LONG_URL)
    note = make_note(talk=talk, body=LIST_NOTE, authors=[user])

    def login(viewport):
        page = open_page(viewport=viewport).page
        page.goto("/admin/login/")
        page.fill("#id_username", "edith")
        page.fill("#id_password", "harbour-lights-42")
        page.locator("input[type=submit]").click()
        expect(page.locator("#site-name")).to_contain_text("confnotes")
        return page

    return login, talk, note


def test_links_inline_fits_its_box_on_a_desktop(editor_page):
    login, talk, _note = editor_page
    page = login(DESKTOP)

    page.goto(f"/admin/talks/talk/{talk.pk}/change/")

    box = page.evaluate(
        """() => {
            const wrapper = document.querySelector('#links-group .tabular .wrapper');
            const table = wrapper.querySelector('table');
            const group = document.querySelector('#links-group').getBoundingClientRect();
            const del = document.querySelector('#id_links-0-DELETE').getBoundingClientRect();
            return {scroll: wrapper.scrollWidth, client: wrapper.clientWidth,
                    table: table.getBoundingClientRect().right, group: group.right,
                    del: del.right};
        }"""
    )
    assert box["scroll"] <= box["client"], box
    assert box["table"] <= box["group"] + 0.5, box
    assert box["del"] <= box["group"], box  # the delete box is on screen, not scrolled away
    expect(page.locator("#id_links-0-url")).to_have_value(LONG_URL)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_note_preview_shows_list_markers(editor_page, viewport):
    login, _talk, note = editor_page
    page = login(viewport)

    page.goto(f"/admin/talks/note/{note.pk}/change/")

    items = page.evaluate(
        """() => [...document.querySelectorAll('.markdown-preview li')].map(li => {
            const style = getComputedStyle(li);
            const list = li.parentElement.getBoundingClientRect();
            return {text: li.textContent, type: style.listStyleType, display: style.display,
                    indent: li.getBoundingClientRect().left - list.left};
        })"""
    )
    assert [item["text"] for item in items] == ["keep it small", "test it", "ship", "rest"]
    assert [item["type"] for item in items] == ["disc", "disc", "decimal", "decimal"]
    assert all(item["display"] == "list-item" for item in items)
    assert all(item["indent"] >= 12 for item in items), items  # room for the marker


def test_note_body_fits_the_talk_page_on_a_phone(editor_page):
    login, talk, _note = editor_page
    page = login(PHONE)

    page.goto(f"/admin/talks/talk/{talk.pk}/change/")

    sizes = page.evaluate(
        """() => [...document.querySelectorAll(
            '#notes-group .inline-related:not(.empty-form) textarea')].map(area => {
            const box = area.closest('.inline-related');
            const row = area.closest('.form-row').getBoundingClientRect();
            const r = area.getBoundingClientRect();
            return {name: area.name, left: r.left, right: r.right, rowLeft: row.left,
                    rowRight: row.right, scroll: box.scrollWidth, client: box.clientWidth};
        })"""
    )
    assert [size["name"] for size in sizes] == ["notes-0-body", "notes-1-body"]
    for size in sizes:
        assert size["rowLeft"] <= size["left"] and size["right"] <= size["rowRight"], size
        assert size["scroll"] <= size["client"], size
    page_width = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
    assert page_width[0] <= page_width[1]


def test_note_body_fits_the_note_page_on_a_phone(editor_page):
    login, _talk, note = editor_page
    page = login(PHONE)

    page.goto(f"/admin/talks/note/{note.pk}/change/")

    box = page.locator("#id_body").bounding_box()
    row = page.locator(".form-row.field-body").bounding_box()
    assert row["x"] <= box["x"] and box["x"] + box["width"] <= row["x"] + row["width"]
    assert box["width"] >= PHONE["width"] - 60  # as wide as the row, not a narrow box
