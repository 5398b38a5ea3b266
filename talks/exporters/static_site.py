"""The published site as static files: every public page, feed, calendar and sitemap.

`export_static()` crawls the site the way an anonymous reader sees it, through
Django's test client (no server), starting from the home page, robots.txt
and the sitemap, and following every internal link. Each answer is written
to a file: a page at `/a/b/` becomes `a/b/index.html`, a feed at `/feeds/notes/`
becomes `feeds/notes/index.xml`, `/a/calendar.ics` stays `a/calendar.ics`, and
`?page=2` of a list becomes `index-page-2.html` beside it. Links in pages are
rewritten relative to the file that holds them and name the file itself, so
the folder works from any file server, from a subfolder and from disk.
Static and media files the pages use are copied beside them. The old
addresses of renamed conferences, days, talks and speakers become small
pages that forward to the new ones, so exported links never break either.

Drafts never leave: the crawler has no session, so it sees what the public
sees. Search and the admin need a server and are not exported: forms point
to the live site at `base_url`, other links to them are left as they are.
Absolute URLs (canonical links, feeds, sitemaps, structured data) keep
naming the real site, `base_url`.
"""

import mimetypes
import posixpath
import re
import shutil
import time
from collections import deque
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from urllib.parse import quote, unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.files.storage import default_storage
from django.test import Client, override_settings
from django.utils.html import escape

from speakers.models import SpeakerOldSlug
from talks.models import (
    ConferenceOldSlug,
    ConferenceQuerySet,
    DayOldSlug,
    DayQuerySet,
    TalkOldSlug,
    TalkQuerySet,
)

MARKER = ".confnotes-export"  # marks a folder this exporter wrote, so it may replace it
START_PATHS = ("/", "/robots.txt", "/sitemap.xml")
# Pages that need a server (a query to answer, a login): never crawled.
SKIPPED_PREFIXES = ("/admin/", "/search/", "/healthz", "/_bench/")
# Query parameters that name a page of a list; other query strings are not crawled.
PAGE_PARAMETERS = ("page", "p")
_EXTENSIONS = {
    "text/html": ".html",
    "application/atom+xml": ".xml",
    "application/rss+xml": ".xml",
    "application/xml": ".xml",
    "text/xml": ".xml",
    "text/calendar": ".ics",
    "text/plain": ".txt",
    "application/json": ".json",
}
_ATTRIBUTE = re.compile(r"""(\s(?:href|src)=)(["'])([^"'<>]*)\2""", re.IGNORECASE)
_FORM_ACTION = re.compile(r"""(\saction=)(["'])(/[^"'<>]*)\2""", re.IGNORECASE)
_CSS_URL = re.compile(r"""url\(\s*(["']?)([^"')]+)\1\s*\)""")


class ExportFailed(Exception):
    """The export cannot go on; the message says why."""


@dataclass
class StaticExportSummary:
    pages: int = 0
    other_files: int = 0
    static_files: int = 0
    media_files: int = 0
    redirects: int = 0
    bytes_written: int = 0
    seconds: float = 0.0
    missing: dict[str, str] = field(default_factory=dict)  # internal URL -> page linking to it

    def __str__(self):
        text = (
            f"Exported {self.pages} page(s), {self.other_files} feed/calendar/sitemap file(s), "
            f"{self.static_files} static and {self.media_files} media file(s), "
            f"{self.redirects} redirect(s) from old addresses: "
            f"{self.bytes_written / 1_000_000:.1f} MB in {self.seconds:.1f} s."
        )
        if self.missing:
            text += f" {len(self.missing)} internal link(s) led nowhere."
        return text


class _Exporter:
    def __init__(self, outdir: Path, base_url: str, stdout):
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ExportFailed(f"The base URL must be http(s)://host, not “{base_url}”.")
        self.outdir = outdir
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.host = parts.netloc
        self.secure = parts.scheme == "https"
        self.stdout = stdout
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")
        self.media_prefix = "/" + settings.MEDIA_URL.lstrip("/")
        self.summary = StaticExportSummary()
        self.files: dict[str, str] = {}  # internal URL (path?query) -> file path in outdir
        self.pages: dict[str, str] = {}  # file path of a page -> its URL path, to rewrite
        self.queue: deque[tuple[str, str]] = deque()  # (URL, page that links to it)
        self.seen: set[str] = set()
        # A cookie named like the session keeps the export out of the shared
        # page cache (both reading and filling it); it logs nobody in.
        self.client = Client(HTTP_HOST=self.host, raise_request_exception=True)
        self.client.cookies[settings.SESSION_COOKIE_NAME] = "static-export"

    # -- URLs and files ----------------------------------------------------

    def internal(self, url: str, base: str = "/") -> str | None:
        """`url` as a site path with its page query (`/a/?page=2`), or None when not ours."""
        if not url or url.startswith(("#", "mailto:", "data:", "javascript:")):
            return None
        absolute = urljoin(self.origin + base, url)
        parts = urlsplit(absolute)
        if f"{parts.scheme}://{parts.netloc}" != self.origin:
            return None
        path = posixpath.normpath(parts.path) + ("/" if parts.path.endswith("/") else "")
        path = "/" if path in ("//", "/./") else path
        # One spelling per page: "/tags/%C3%A9t%C3%A9/" and "/tags/été/" are one file.
        path = quote(unquote(path), safe="/:@!$&'()*+,;=")
        query = ""
        if parts.query:
            pairs = [pair.partition("=") for pair in parts.query.split("&")]
            if len(pairs) != 1 or pairs[0][0] not in PAGE_PARAMETERS or not pairs[0][2].isdigit():
                return None  # only pages of a list are static; other queries need a server
            if int(pairs[0][2]) != 1:  # page 1 is the list itself
                query = f"{pairs[0][0]}={int(pairs[0][2])}"
        if path.startswith(SKIPPED_PREFIXES):
            return None
        return f"{path}?{query}" if query else path

    @staticmethod
    def file_for(url: str, content_type: str) -> str:
        """Where the answer to `url` is written, relative to the export folder."""
        path, _, query = url.partition("?")
        path = unquote(path).lstrip("/")
        extension = _EXTENSIONS.get(content_type) or mimetypes.guess_extension(content_type) or ""
        suffix = f"-{query.replace('=', '-')}" if query else ""
        if path == "" or path.endswith("/"):
            return f"{path}index{suffix}{extension or '.html'}"
        stem, dot, ext = path.rpartition(".")
        if dot and "/" not in ext:
            return f"{stem}{suffix}.{ext}"
        if extension == ".html":
            return f"{path}/index{suffix}.html"
        return f"{path}{suffix}"

    def write(self, relative: str, content: bytes) -> None:
        target = (self.outdir / relative).resolve()
        if not target.is_relative_to(self.outdir):
            raise ExportFailed(f"Refusing to write outside the export folder: {relative}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        self.summary.bytes_written += len(content)

    # -- Crawling ----------------------------------------------------------

    def enqueue(self, url: str | None, referrer: str) -> None:
        if url is not None and url not in self.seen:
            self.seen.add(url)
            self.queue.append((url, referrer))

    def crawl(self) -> None:
        for path in START_PATHS:
            self.enqueue(path, "")
        for path in _old_slug_paths():
            self.enqueue(path, "")
        done = 0
        while self.queue:
            url, referrer = self.queue.popleft()
            if url.startswith((self.static_prefix, self.media_prefix)):
                self.copy_asset(url, referrer)
            else:
                self.fetch(url, referrer)
            done += 1
            if self.stdout is not None and done % 500 == 0:
                self.stdout.write(f"  {done} URL(s) fetched, {len(self.queue)} found still to go")

    def fetch(self, url: str, referrer: str) -> None:
        path, _, query = url.partition("?")
        try:
            response = self.client.get(path, query_params=_query_dict(query), secure=self.secure)
        except Exception as exc:
            raise ExportFailed(
                f"{url} (linked from {referrer or 'the start'}) failed: {exc}"
            ) from exc
        if response.status_code in (301, 302, 303, 307, 308):
            target = self.internal(response["Location"], path)
            if target is not None:
                self.enqueue(target, url)
                self.files.setdefault(url, f"->{target}")
            return
        if response.status_code != 200:
            if referrer:
                self.summary.missing[url] = referrer
            return
        content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
        relative = self.file_for(url, content_type)
        self.files[url] = relative
        content = b"".join(response) if response.streaming else response.content
        # Written as served; pages get their links rewritten once every file is known.
        self.write(relative, content)
        text = content.decode(response.charset or "utf-8", "replace")
        if content_type == "text/html":
            self.summary.pages += 1
            self.pages[relative] = path
            self.discover_html(text, path, url)
        else:
            self.summary.other_files += 1
            self.discover_text(text, url)

    def discover_html(self, html: str, base: str, url: str) -> None:
        for _prefix, _quote, value in _ATTRIBUTE.findall(html):
            self.enqueue(self.internal(unescape(value), base), url)

    def discover_text(self, text: str, url: str) -> None:
        # Feeds, sitemaps, calendars and robots.txt name pages by absolute URL;
        # calendars fold long lines, so unfold them first.
        text = text.replace("\r\n ", "").replace("\n ", "")
        for found in re.findall(re.escape(self.origin) + r"""[^\s"'<>]*""", text):
            self.enqueue(self.internal(unescape(found)), url)
        for _prefix, _quote, value in _ATTRIBUTE.findall(text):
            self.enqueue(self.internal(unescape(value)), url)

    def copy_asset(self, url: str, referrer: str) -> None:
        path = unquote(url.partition("?")[0])
        if path.startswith(self.static_prefix):
            name = path.removeprefix(self.static_prefix)
            source = _static_source(name)
        else:
            name = path.removeprefix(self.media_prefix)
            source = default_storage.open(name) if default_storage.exists(name) else None
        if source is None:
            self.summary.missing[url] = referrer
            return
        with source:
            content = source.read()
        relative = path.lstrip("/")
        self.files[url] = relative
        self.write(relative, content)
        if path.startswith(self.static_prefix):
            self.summary.static_files += 1
            if path.endswith(".css"):
                for _quote, ref in _CSS_URL.findall(content.decode("utf-8", "replace")):
                    self.enqueue(self.internal(ref, path), url)
        else:
            self.summary.media_files += 1

    # -- Rewriting ---------------------------------------------------------

    def resolve(self, url: str) -> str | None:
        """The file an internal URL ended up in, following redirects."""
        for _ in range(10):
            relative = self.files.get(url)
            if relative is None or not relative.startswith("->"):
                return relative
            url = relative[2:]
        return None

    def write_redirects(self) -> None:
        """Old URLs of renamed items (slugs never break): a page that forwards to the new one."""
        for url, target in list(self.files.items()):
            if not target.startswith("->"):
                continue
            destination = self.resolve(url)
            relative = self.file_for(url, "text/html")
            if destination is None or (self.outdir / relative).exists():
                continue
            link = escape(quote(posixpath.relpath(destination, posixpath.dirname(relative) or ".")))
            canonical = escape(self.origin + target[2:])
            self.write(
                relative,
                (
                    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
                    f'<title>Moved</title><meta http-equiv="refresh" content="0; url={link}">'
                    f'<link rel="canonical" href="{canonical}"></head>'
                    f'<body><p>This page moved: <a href="{link}">follow it</a>.</p></body></html>\n'
                ).encode(),
            )
            self.summary.redirects += 1

    def rewrite_pages(self) -> None:
        for relative, base in self.pages.items():
            folder = posixpath.dirname(relative) or "."
            html = (self.outdir / relative).read_text("utf-8", errors="replace")

            def replace(match, folder=folder, base=base):
                prefix, quote_char, value = match.groups()
                raw = unescape(value)
                if raw.startswith(("http://", "https://", "//")):
                    return match.group(0)  # canonical and other absolute links stay absolute
                url = self.internal(raw, base)
                target = self.resolve(url) if url is not None else None
                if target is None:
                    return match.group(0)
                fragment = urlsplit(raw).fragment
                link = posixpath.relpath(target, folder)
                link = quote(link) + (f"#{fragment}" if fragment else "")
                return f"{prefix}{quote_char}{link}{quote_char}"

            html = _ATTRIBUTE.sub(replace, html)
            # Forms (search) need a server: they go to the live site.
            html = _FORM_ACTION.sub(lambda m: f"{m[1]}{m[2]}{self.origin}{m[3]}{m[2]}", html)
            (self.outdir / relative).write_text(html, "utf-8")


def _old_slug_paths() -> list[str]:
    """The old URLs of renamed conferences, days, talks and speakers (they redirect);
    none of a draft, whose new URL is not public."""
    conferences = ConferenceOldSlug.objects.filter(ConferenceQuerySet.public_rule("conference__"))
    days = DayOldSlug.objects.filter(DayQuerySet.public_rule("day__"))
    talks = TalkOldSlug.objects.filter(TalkQuerySet.public_rule("talk__"))
    paths = [f"/{slug}/" for slug in conferences.values_list("slug", flat=True)]
    paths += [
        f"/{conference}/{slug}/"
        for conference, slug in days.values_list("day__conference__slug", "slug")
    ]
    paths += [
        f"/{conference}/talks/{slug}/"
        for conference, slug in talks.values_list("talk__conference__slug", "slug")
    ]
    paths += [
        f"/speakers/{slug}/" for slug in SpeakerOldSlug.objects.values_list("slug", flat=True)
    ]
    return paths


def _query_dict(query: str) -> dict[str, str]:
    key, _, value = query.partition("=")
    return {key: value} if key else {}


def _static_source(name: str):
    """An open file for the static file `name`: collected (hashed) names first, then finders."""
    try:
        if staticfiles_storage.exists(name):
            return staticfiles_storage.open(name)
    except (NotImplementedError, ValueError, OSError):
        pass
    found = finders.find(name)
    return open(found, "rb") if found else None  # noqa: SIM115 - closed by the caller


def _prepare(outdir: Path) -> None:
    if outdir.exists():
        if not outdir.is_dir():
            raise ExportFailed(f"{outdir} is a file, not a folder.")
        if any(outdir.iterdir()):
            if not (outdir / MARKER).exists():
                raise ExportFailed(
                    f"{outdir} is not empty and holds no earlier export: choose another folder."
                )
            shutil.rmtree(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / MARKER).write_text("Written by confnotes' export_static; replaced on the next run.\n")


def export_static(
    outdir, *, base_url: str = "http://localhost:8000", stdout=None
) -> StaticExportSummary:
    """Write the published site into `outdir` as static files; returns a summary.

    `outdir` must be empty, new, or an earlier export (which is replaced).
    """
    started = time.monotonic()
    outdir = Path(outdir).resolve()
    exporter = _Exporter(outdir, base_url.rstrip("/"), stdout)
    _prepare(outdir)
    hosts = [*settings.ALLOWED_HOSTS, urlsplit(exporter.origin).hostname]
    with override_settings(ALLOWED_HOSTS=hosts, SECURE_SSL_REDIRECT=False):
        exporter.crawl()
    exporter.rewrite_pages()
    exporter.write_redirects()
    exporter.summary.seconds = time.monotonic() - started
    return exporter.summary
