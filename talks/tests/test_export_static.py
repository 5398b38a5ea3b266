"""The static export: every public page as a file, links that work from any folder, no drafts."""

import io
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
from talks.exporters.static_site import MARKER, export_static
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

    assert (out / MARKER).is_file()
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
