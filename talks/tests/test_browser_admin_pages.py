"""The admin pages confnotes adds, and the public author page, in a real browser: each
passes axe-core's WCAG 2.2 A/AA checks in both color schemes, runs no failing script,
and is kept as a screenshot. The pages are reached as an editor reaches them: history
and compare through their URLs, the merge pages through the lists' "Merge" action."""

import pytest
from playwright.sync_api import expect
from reversion.models import Version

from confnotes.history.versions import record_deletion, record_revision
from talks.models import Author
from talks.tests.browser import (
    DESKTOP,
    SCHEMES,
    SCREENSHOTS,
    axe_violations,
    log_in_to_the_admin,
    require_axe,
)
from talks.tests.factories import make_day, make_note, make_speaker, make_talk

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

expect.set_options(timeout=15_000)

FIRST_BODY = "## Opening\n\nWhy caching is hard.\n\n## Invalidation\n\nSignals expire pages."
SECOND_BODY = (
    "## Opening\n\nWhy caching is hard, and why it pays.\n\n"
    "## Invalidation\n\nSignals expire pages.\n\n## Questions\n\nWhat about bulk updates?"
)


def _sample(editor) -> dict:
    """A talk and a note with two versions each, a deleted note, two speakers and two
    tags to merge, and an author with two published notes (one written with a guest)."""
    day = make_day()
    ada = make_speaker(name="Ada Lovelace")
    make_speaker(name="A. Lovelace")
    talk = make_talk(day, title="Caching without tears", speakers=[ada], tags=["caching"])
    talk.tags.add("cache")
    record_revision([talk], comment="Imported from the schedule.")
    talk.abstract = "How confnotes keeps its pages fresh."
    talk.save()
    record_revision([talk], comment="Wrote the abstract.", user=editor)

    note = make_note(talk=talk, authors=[editor], body=FIRST_BODY)
    first = record_revision([note], comment="First draft.", user=editor)
    note.body = SECOND_BODY
    note.save()
    second = record_revision([note], comment="Added the questions.", user=editor)

    other_talk = make_talk(day, title="Queues in practice")
    make_note(talk=other_talk, authors=[editor, "Guest Writer"])

    doomed = make_note(day=day, authors=[editor], body="A summary of the day, written twice.")
    record_deletion([doomed], comment="Deleted: written twice.", user=editor)
    doomed.delete()

    return {
        "note": note,
        "talk": talk,
        "from": Version.objects.get_for_object(note).get(revision=first).pk,
        "to": Version.objects.get_for_object(note).get(revision=second).pk,
        "author": Author.for_writer(editor),
    }


def _merge_from_the_list(page, changelist: str, names: list[str]) -> None:
    """Select the rows named `names` in a changelist and run its "Merge" action."""
    page.goto(changelist)
    for name in names:
        page.get_by_label(f"Select this object for an action - {name}", exact=True).check()
    page.locator("select[name=action]").select_option("merge_selected")
    page.get_by_role("button", name="Run").click()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_confnotes_admin_pages_and_author_page_have_no_wcag_violations(open_page, scheme):
    recorder = open_page(color_scheme=scheme, viewport=DESKTOP)
    page = recorder.page
    require_axe()
    editor = log_in_to_the_admin(page, "editor")
    sample = _sample(editor)
    note, talk = sample["note"], sample["talk"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = {}

    def check(name: str) -> None:
        violations = axe_violations(page)
        if violations:
            problems[f"{name} {page.url}"] = violations
        page.screenshot(path=SCREENSHOTS / f"{name}-{scheme}.png", full_page=True)

    page.goto(f"/admin/talks/note/{note.pk}/history/")
    versions = page.locator("#change-history tbody tr")
    expect(versions).to_have_count(2)
    expect(versions.first).to_contain_text("Added the questions.")
    check("admin-note-history")

    page.goto(
        f"/admin/talks/note/{note.pk}/history/compare/?from={sample['from']}&to={sample['to']}"
    )
    diff = page.locator(".history-diff")
    expect(diff.locator("del")).to_contain_text("Why caching is hard.")
    expect(diff.locator("ins").first).to_contain_text("Why caching is hard, and why it pays.")
    expect(diff.locator("ins").last).to_contain_text("What about bulk updates?")
    check("admin-note-compare")

    page.goto(f"/admin/talks/talk/{talk.pk}/history/")
    expect(page.locator("#change-history tbody tr")).to_have_count(2)
    expect(page.locator("#change-history")).to_contain_text("Wrote the abstract.")
    check("admin-talk-history")

    page.goto("/admin/talks/note/recover/")
    deleted = page.locator("#change-history tbody tr")
    expect(deleted).to_have_count(1)
    expect(deleted).to_contain_text("Deleted: written twice.")
    check("admin-note-recover-list")

    _merge_from_the_list(page, "/admin/speakers/speaker/", ["Ada Lovelace", "A. Lovelace"])
    expect(page.locator("h1")).to_have_text("Merge speakers")
    expect(page.get_by_label("Keep “Ada Lovelace”")).to_be_visible()
    expect(page.get_by_label("Keep “A. Lovelace”")).to_be_visible()
    expect(page.locator(".breadcrumbs [aria-current=page]")).to_have_text("Merge")
    check("admin-speaker-merge")

    _merge_from_the_list(page, "/admin/taggit/tag/", ["cache", "caching"])
    expect(page.locator("h1")).to_have_text("Merge tags")
    expect(page.get_by_label("Keep “cache”")).to_be_visible()
    expect(page.get_by_label("Keep “caching”")).to_be_visible()
    expect(page.locator(".breadcrumbs [aria-current=page]")).to_have_text("Merge")
    check("admin-tag-merge")

    page.goto(sample["author"].get_absolute_url())
    expect(page.locator("h1")).to_have_text("Notes by Wren Penhallow")
    expect(page.locator(".cards > li")).to_have_count(2)
    expect(page.locator(".cards")).to_contain_text("Guest Writer")
    check("author-page")

    assert problems == {}
    assert recorder.page_errors == []
