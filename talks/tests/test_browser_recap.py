"""A writer imports a day's recap in the admin, in a real browser: pastes it, reviews
where each part goes (moves one, drops one), saves, and finds the drafts. The two
recap pages pass axe-core's WCAG 2.2 A/AA checks in both color schemes."""

import pytest
from playwright.sync_api import expect

from talks.models import Day, Note
from talks.tests.browser import (
    DESKTOP,
    SCHEMES,
    SCREENSHOTS,
    axe_violations,
    log_in_to_the_admin,
    require_axe,
)
from talks.tests.factories import load_seed_fixtures
from talks.tests.recap_samples import RECAP_2009_DAY_2, RECAP_2009_TALKS

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

expect.set_options(timeout=15_000)


def _day_2() -> Day:
    load_seed_fixtures()
    day = Day.objects.get(conference__slug="djangocon-us-2009", slug="day-2")
    Note.objects.filter(talk__day=day).delete()
    return day


def _part(page, legend: str):
    return page.locator("fieldset.recap-part", has=page.get_by_role("heading", name=legend))


def test_writer_pastes_reviews_and_saves_a_recap_as_drafts(open_page):
    day = _day_2()
    recorder = open_page()
    page = recorder.page
    log_in_to_the_admin(page, "writer")

    page.goto(f"/admin/talks/day/{day.pk}/change/")
    page.get_by_role("link", name="Import a recap").click()
    expect(page.locator("h1")).to_have_text("Import a recap of Day 2")
    page.get_by_label("Paste the recap").fill(RECAP_2009_DAY_2)
    page.get_by_label("First published at").fill("https://blog.example.org/djangocon-2009-day-2")
    page.get_by_role("button", name="Review the parts").click()

    expect(page.locator("h1")).to_have_text("Review the recap of Day 2")
    expect(page.locator("#content-main")).to_contain_text("9 parts, 8 matched to a talk.")
    keynote = _part(page, "Part 2: Keynote by Ian Bicking")
    expect(keynote).to_contain_text("named by its speaker")
    expect(keynote.get_by_label("Part 2 goes to")).to_have_value(
        f"talk-{day.talks.get(slug=RECAP_2009_TALKS[0]).pk}"
    )
    # The bytecode talk was one of the evening's lightning talks: file it under the session.
    bytecode = _part(page, "Part 7: Dive into CPython Bytecode by Alex Gaynor")
    bytecode.get_by_label("Part 7 goes to").select_option(
        label="Lightning Talks Day 2 (Alex Gaynor, Chris Heisel, Aaron Cuker, Cody Soyland)"
    )
    _part(page, "Part 1: My notes from the second day, written up").get_by_label(
        "Part 1 goes to"
    ).select_option(label="Drop this part")
    assert Note.objects.filter(talk__day=day).count() == 0  # nothing saved before the save
    page.get_by_role("button", name="Save as draft notes").click()

    expect(page.locator(".messagelist")).to_contain_text(
        "Draft notes created: 8 (8 on talks, 0 on the day, 0 on the conference). Parts dropped: 1."
    )
    assert page.url.endswith(f"/admin/talks/day/{day.pk}/change/")
    notes = Note.objects.filter(talk__day=day).select_related("talk")
    assert sorted(note.talk.slug for note in notes) == sorted(
        [
            *(s for s in RECAP_2009_TALKS if s != "dive-into-cpython-bytecode"),
            "lightning-talks-day-2",
        ]
    )
    assert {note.published for note in notes} == {False}
    assert {note.source_url for note in notes} == {"https://blog.example.org/djangocon-2009-day-2"}
    assert not Note.objects.filter(day=day).exists()  # the dropped introduction

    # The drafts are in the notes' list, by the writer, waiting to be published.
    page.goto("/admin/talks/note/?published__exact=0")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(8)
    expect(page.locator("#result_list")).to_contain_text(
        "Note by Wren Penhallow on Lightning Talks Day 2"
    )
    assert recorder.page_errors == []


@pytest.mark.parametrize("scheme", SCHEMES)
def test_recap_pages_have_no_wcag_violations(open_page, scheme):
    day = _day_2()
    recorder = open_page(color_scheme=scheme, viewport=DESKTOP)
    page = recorder.page
    require_axe()
    log_in_to_the_admin(page, "writer")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    page.goto(f"/admin/talks/day/{day.pk}/recap/")
    page.get_by_role("button", name="Review the parts").click()  # with errors shown
    expect(page.locator(".errornote")).to_be_visible()
    paste_violations = axe_violations(page)
    page.screenshot(path=SCREENSHOTS / f"admin-recap-paste-{scheme}.png", full_page=True)
    page.get_by_label("Paste the recap").fill(RECAP_2009_DAY_2)
    page.get_by_role("button", name="Review the parts").click()
    expect(page.locator("h1")).to_have_text("Review the recap of Day 2")
    review_violations = axe_violations(page)
    page.screenshot(path=SCREENSHOTS / f"admin-recap-review-{scheme}.png", full_page=True)

    assert paste_violations == []
    assert review_violations == []
    assert recorder.page_errors == []
