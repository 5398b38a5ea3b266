"""The static export: every public page as a file, links that work from any folder, no drafts."""

import io
import os
import re
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit
from urllib.request import urlopen

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from speakers.tests.samples import png_bytes
from talks.exporters.static_site import MANIFEST, export_static
from talks.tests.factories import (
    make_conference,
    make_day,
    make_full_day,
    make_note,
    make_speaker,
    make_talk,
)

pytestmark = pytest.mark.django_db

_LINK = re.compile(r"""\s(?:href|src)=["']([^"']*)["']""")


@pytest.fixture
def site(monkeypatch):
    """A small archive: two conferences, speakers (one with a photo), tags, notes, and drafts."""
    monkeypatch.setattr("talks.selectors.SPEAKER_PAGE_SIZE", 3)  # so the speaker list has pages
    day = make_full_day(2, title="Tutorials")
    make_full_day(1, conference=day.conference)
    speaker = make_speaker(
        name="Pat Photo", photo=SimpleUploadedFile("pat.png", png_bytes(), "image/png")
    )
    talk = make_talk(make_day(), speakers=[speaker], tags=["Ünïcode tag", "python"])
    make_note(talk=talk, body="Public note about [1:00].")
    make_note(talk=talk, body="A draft note nobody may read", published=False)
    hidden = make_conference(name="Secret Draft Conf", published=False)
    make_talk(make_day(hidden), title="Talk of a draft conference")
    make_talk(make_day(day.conference, published=False), title="Talk of a draft day")
    return {"day": day, "talk": talk, "speaker": speaker}


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def _internal_links(page: Path) -> list[str]:
    links = []
    for value in _LINK.findall(page.read_text("utf-8")):
        value = value.replace("&amp;", "&")
        if not value or value.startswith("#") or urlsplit(value).scheme:
            continue
        links.append(value)
    return links


def test_export_writes_public_pages_feeds_and_files_with_relative_links(site, tmp_path):
    out = tmp_path / "site"

    summary = export_static(out, base_url="https://notes.example.org")

    talk, speaker = site["talk"], site["speaker"]
    expected = [
        "index.html",
        "robots.txt",
        "sitemap.xml",
        "sitemap-talks.xml",
        "conferences/index.html",
        f"{talk.conference.slug}/index.html",
        f"{talk.conference.slug}/calendar.ics",
        f"{talk.conference.slug}/feed/index.xml",
        f"{site['day'].conference.slug}/{site['day'].slug}/index.html",
        f"{talk.conference.slug}/talks/{talk.slug}/index.html",
        f"speakers/{speaker.slug}/index.html",
        "speakers/index.html",
        "speakers/index-page-2.html",
        "tags/python/index.html",
        "feeds/notes/index.xml",
        "static/css/confnotes.css",
        speaker.photo.url.lstrip("/"),
    ]
    for name in expected:
        assert (out / name).is_file(), name
    assert summary.pages + summary.redirects == len(list(out.rglob("*.html")))
    assert summary.media_files >= 1
    assert summary.missing == {}

    # Every internal link and asset of every page resolves to a file of the export.
    checked = 0
    for page in out.rglob("*.html"):
        for link in _internal_links(page):
            assert not link.startswith("/"), f"{page}: {link} is not relative"
            target = (page.parent / unquote(link.split("#")[0])).resolve()
            assert target.is_file(), f"{page.relative_to(out)} links to missing {link}"
            checked += 1
    assert checked > 100

    talk_html = (out / f"{talk.conference.slug}/talks/{talk.slug}/index.html").read_text()
    assert talk.title in talk_html
    assert "Public note about" in talk_html
    assert 'href="../../../static/css/confnotes.css"' in talk_html
    # Absolute links keep naming the real site.
    assert f'href="https://notes.example.org{talk.get_absolute_url()}"' in talk_html
    # The player page needs a server: "Play here" goes to the live site.
    video_talk = site["day"].talks.exclude(video_url="").first()
    video_html = _exported(out, f"{video_talk.get_absolute_url().lstrip('/')}index.html")
    live = f"https://notes.example.org{video_talk.get_absolute_url()}?play=1"
    assert f'href="{live}"' in video_html
    assert "https://notes.example.org/" in (out / "sitemap-talks.xml").read_text()


def _exported(out: Path, name: str) -> str:
    """The text of one file of the export, which must be there."""
    path = out / name
    assert path.is_file(), f"{name} is missing from the export"
    return path.read_text("utf-8")


def test_export_never_contains_drafts(site, tmp_path):
    out = tmp_path / "site"
    export_static(out, base_url="https://notes.example.org")

    # The published twin of each draft is in the export, with its content...
    talk, day = site["talk"], site["day"]
    conference = talk.conference
    talk_page = _exported(out, f"{conference.slug}/talks/{talk.slug}/index.html")
    assert talk.title in talk_page
    assert "Public note about" in talk_page
    assert conference.name in _exported(out, f"{conference.slug}/index.html")
    day_page = _exported(out, f"{day.conference.slug}/{day.slug}/index.html")
    assert all(t.title in day_page for t in day.talks.all())
    assert day.conference.name in _exported(out, "conferences/index.html")
    for feed in ("feeds/notes/index.xml", f"{conference.slug}/feed/index.xml"):
        assert "Public note about" in _exported(out, feed), feed
    sitemap = _exported(out, "sitemap-talks.xml")
    assert f"https://notes.example.org{talk.get_absolute_url()}" in sitemap
    # ...and no draft is, in any file.
    text = "\n".join(p.read_text("utf-8", errors="replace") for p in _files(out))
    for secret in (
        "Secret Draft Conf",
        "Talk of a draft conference",
        "Talk of a draft day",
        "A draft note nobody may read",
    ):
        assert secret not in text


def test_exported_site_works_from_a_subfolder_of_a_file_server(site, tmp_path):
    export_static(tmp_path / "archive" / "2024")
    handler = partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        start = f"http://127.0.0.1:{server.server_address[1]}/archive/2024/index.html"
        seen, queue = set(), [start]
        while queue:
            url = queue.pop()
            if url in seen:
                continue
            seen.add(url)
            with urlopen(url, timeout=5) as response:  # noqa: S310 - local test server
                assert response.status == 200, url
                body = response.read().decode("utf-8", errors="replace")
            if url.endswith(".html"):
                for value in _LINK.findall(body):
                    if value and not value.startswith("#") and not urlsplit(value).scheme:
                        queue.append(urljoin(url, value.split("#")[0]))
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert len(seen) > 20
    assert all("/archive/2024/" in url for url in seen)


def test_old_addresses_of_renamed_items_forward_to_the_new_pages(site, tmp_path):
    talk, speaker = site["talk"], site["speaker"]
    old_talk_slug, old_speaker_slug = talk.slug, speaker.slug
    talk.slug = "renamed-talk"
    talk.save()
    speaker.slug = "renamed-speaker"
    speaker.save()
    draft = make_talk(make_day(make_conference(published=False)), slug="draft-before")
    draft.slug = "draft-after"
    draft.save()
    out = tmp_path / "site"

    summary = export_static(out)

    conf = talk.conference.slug
    old_talk = (out / f"{conf}/talks/{old_talk_slug}/index.html").read_text()
    old_speaker = (out / f"speakers/{old_speaker_slug}/index.html").read_text()
    assert 'content="0; url=../renamed-talk/index.html"' in old_talk
    assert 'content="0; url=../renamed-speaker/index.html"' in old_speaker
    assert (out / f"{conf}/talks/renamed-talk/index.html").is_file()
    assert not list(out.rglob("draft-before")) and not list(out.rglob("draft-after"))
    assert summary.redirects == 2


def test_export_replaces_an_earlier_export_but_no_other_folder(site, tmp_path):
    out = tmp_path / "site"
    export_static(out)
    (out / "stale.html").write_text("left over")

    export_static(out)

    assert (out / MANIFEST).is_file()
    assert not (out / "stale.html").exists()
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.txt").write_text("do not delete")
    with pytest.raises(CommandError, match="is not empty and holds no earlier export"):
        call_command("export_static", str(precious), stdout=io.StringIO())
    assert (precious / "thesis.txt").read_text() == "do not delete"


def test_export_command_prints_a_summary(site, tmp_path):
    out = io.StringIO()
    call_command("export_static", str(tmp_path / "site"), stdout=out)

    pages = [p for p in (tmp_path / "site").rglob("*.html")]
    printed = re.search(r"Exported (\d+) page\(s\), (\d+) feed/calendar/sitemap", out.getvalue())
    assert printed and int(printed[1]) > 0
    assert int(printed[1]) == len([p for p in pages if p.name != "404.html"])


def test_export_refuses_a_bad_base_url(tmp_path):
    with pytest.raises(CommandError, match="must be http"):
        call_command(
            "export_static", str(tmp_path / "x"), "--base-url", "ftp://x", stdout=io.StringIO()
        )


def _stamp_old(root: Path) -> dict[str, int]:
    """Give every file of the export an old mtime; the mtimes, by file, to compare later."""
    for path in _files(root):
        os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in _files(root)}


def _rewritten(root: Path, before: dict[str, int]) -> set[str]:
    """The files written since `_stamp_old` (new ones too), but the manifest."""
    now = {str(p.relative_to(root)): p.stat().st_mtime_ns for p in _files(root)}
    return {name for name, mtime in now.items() if before.get(name) != mtime} - {MANIFEST}


def _assert_links_resolve(root: Path) -> None:
    """Every internal link of every page names a file of the export."""
    for page in root.rglob("*.html"):
        for link in _internal_links(page):
            assert not link.startswith("/"), f"{page.relative_to(root)}: {link} is not relative"
            target = (page.parent / unquote(link.split("#")[0])).resolve()
            assert target.is_file(), f"{page.relative_to(root)} links to missing {link}"


def test_incremental_export_rewrites_only_the_files_of_changed_scopes(site, tmp_path):
    out = tmp_path / "site"
    full = export_static(out)
    talk, other = site["talk"], site["day"].conference
    page = out / f"{talk.conference.slug}/talks/{talk.slug}/index.html"
    before = _stamp_old(out)
    note = talk.notes.filter(published=True).get()

    note.body = "Rewritten after the first export."
    note.save()
    summary = export_static(out, incremental=True)

    assert summary.incremental and not summary.full_because
    assert "Rewritten after the first export." in page.read_text()
    rewritten = _rewritten(out, before)
    assert str(page.relative_to(out)) in rewritten
    assert "feeds/notes/index.xml" in rewritten and "index.html" in rewritten
    # Another conference's pages, and speakers of other talks, were left as they were.
    assert f"{other.slug}/index.html" in before
    assert not [name for name in rewritten if name.startswith(f"{other.slug}/")]
    assert not [name for name in rewritten if name.startswith("speakers/speaker-number")]
    assert 0 < summary.pages < full.pages / 2
    assert len(rewritten) == summary.pages + summary.other_files
    assert summary.missing == {}
    _assert_links_resolve(out)

    # Nothing changed since: nothing is written again.
    before = _stamp_old(out)
    again = export_static(out, incremental=True)
    assert again.incremental and again.changed_scopes == 0
    assert (again.pages, again.other_files, again.removed) == (0, 0, 0)
    assert _rewritten(out, before) == set()


def test_incremental_export_removes_pages_that_are_gone_and_links_to_them(site, tmp_path):
    out = tmp_path / "site"
    export_static(out)
    day = site["day"]
    deleted, unpublished = day.talks.order_by("position")[:2]
    deleted_file = out / f"{day.conference.slug}/talks/{deleted.slug}/index.html"
    unpublished_file = out / f"{day.conference.slug}/talks/{unpublished.slug}/index.html"
    # Talks of the other conference list these as related talks (they share "python").
    related = out / f"{site['talk'].conference.slug}/talks/{site['talk'].slug}/index.html"
    assert deleted.title in related.read_text() or unpublished.title in related.read_text()
    assert deleted_file.is_file() and unpublished_file.is_file()

    deleted.delete()
    unpublished.day = make_day(day.conference, published=False)
    unpublished.save()
    summary = export_static(out, incremental=True)

    assert not deleted_file.exists() and not unpublished_file.exists()
    assert summary.removed >= 2 and summary.missing == {}
    text = "\n".join(p.read_text("utf-8", errors="replace") for p in out.rglob("*.html"))
    for gone in (deleted, unpublished):
        assert f"/talks/{gone.slug}/" not in text
        assert gone.title not in text
    _assert_links_resolve(out)


def test_incremental_export_needs_an_earlier_export(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CommandError, match="holds no earlier export to update"):
        call_command("export_static", str(empty), "--incremental", stdout=io.StringIO())
    assert list(empty.iterdir()) == []
    with pytest.raises(CommandError, match="--workers must be 1 or more"):
        call_command("export_static", str(empty), "--workers", "0", stdout=io.StringIO())


def test_incremental_export_without_versions_exports_everything(site, tmp_path, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    out = tmp_path / "site"
    full = export_static(out)
    (out / "stale.html").write_text("left over")

    summary = export_static(out, incremental=True)

    assert not summary.incremental
    assert "keeps no versions" in summary.full_because
    assert summary.pages == full.pages
    assert not (out / "stale.html").exists()
    assert str(summary).startswith("Full export (the cache keeps no versions")


# Committed rows: the worker processes read them through connections of their own.
@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_export_in_worker_processes_writes_what_one_process_does(site, tmp_path, monkeypatch):
    monkeypatch.setattr("talks.exporters.static_site.POOL_MIN", 1)  # every round is shared
    one, two = tmp_path / "one", tmp_path / "two"

    alone = export_static(one, workers=1)
    shared = export_static(two, workers=2)

    assert (shared.pages, shared.other_files) == (alone.pages, alone.other_files)
    names = sorted(str(p.relative_to(one)) for p in _files(one))
    assert names == sorted(str(p.relative_to(two)) for p in _files(two))
    for name in names:
        if name.endswith(".html"):
            assert (one / name).read_bytes() == (two / name).read_bytes(), name
    _assert_links_resolve(two)
