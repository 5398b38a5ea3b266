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

The crawl goes in rounds: the pages the last round linked to, which the
sitemap makes nearly the whole site in one round. A large round is shared
among forked worker processes, each with its own database connection.

The export keeps a manifest (`MANIFEST`) of every file: its URL, what it links
to, and the page cache's version of each scope (confnotes/pagecache.py) read
before its pages were rendered. `incremental=True` renders again only the
pages of the scopes whose versions moved since, and the pages they newly link
to; a page that no longer answers loses its file, and the pages linking to it
are rendered again, so no file of the export points at a removed page.

Drafts never leave: the crawler has no session, so it sees what the public
sees. Search and the admin need a server and are not exported: forms point
to the live site at `base_url`, other links to them are left as they are. So
does a talk page's "Play here" link (`?play=1`, the page with its player):
the exported page links it on the live site.
Absolute URLs (canonical links, feeds, sitemaps, structured data) keep
naming the real site, `base_url`.

Social cards (`og:image`, talks/cards.py) are not written: a PNG for each of
tens of thousands of pages would take most of the export's time and space.
The crawl follows `href` and `src` only, so it never reaches them, and the
exported pages' `og:image` names the card on the live site at `base_url`.
"""

import json
import mimetypes
import multiprocessing
import posixpath
import re
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from html import unescape
from pathlib import Path
from urllib.parse import quote, unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.files.storage import default_storage
from django.db import connections
from django.http import HttpRequest
from django.test import Client, override_settings
from django.utils.html import escape

from confnotes.pagecache import EVERYWHERE, scopes_of_request, versions
from speakers.models import SpeakerOldSlug
from talks.models import (
    ConferenceOldSlug,
    ConferenceQuerySet,
    DayOldSlug,
    DayQuerySet,
    TalkOldSlug,
    TalkQuerySet,
)

# Marks a folder this exporter wrote (so it may replace it) and says what it holds.
MANIFEST = ".confnotes-export.json"
_OLD_MARKER = ".confnotes-export"  # the marker of exports written before the manifest
_FORMAT = 1
START_PATHS = ("/", "/robots.txt", "/sitemap.xml")
# Pages that need a server (a query to answer, a login): never crawled.
SKIPPED_PREFIXES = ("/admin/", "/search/", "/healthz", "/_bench/")
# Query parameters that name a page of a list; other query strings are not crawled.
PAGE_PARAMETERS = ("page", "p")
# A round of fewer URLs is rendered in this process: forking would cost more than it saves.
POOL_MIN = 100
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
_COUNTERS = {
    "page": "pages",
    "other": "other_files",
    "static": "static_files",
    "media": "media_files",
}
# A path that needs no normalizing: no dot segments, query, fragment or escapes.
_PLAIN_PATH = re.compile(r"/(?:[\w~-]+/)*(?:[\w~-]+(?:\.\w+)?)?", re.ASCII)
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
    incremental: bool = False  # only the files of changed scopes were written
    full_because: str = ""  # why an incremental export was a full one
    changed_scopes: int = 0
    removed: int = 0  # files of pages that no longer answer

    def __str__(self):
        counts = (
            f"{self.pages} page(s), {self.other_files} feed/calendar/sitemap file(s), "
            f"{self.static_files} static and {self.media_files} media file(s), "
            f"{self.redirects} redirect(s) from old addresses"
        )
        if self.incremental:
            text = (
                f"Updated the export: {self.changed_scopes} scope(s) changed; rewrote {counts}; "
                f"removed {self.removed} file(s); in {self.seconds:.1f} s."
            )
        else:
            text = (
                f"Exported {counts}: "
                f"{self.bytes_written / 1_000_000:.1f} MB in {self.seconds:.1f} s."
            )
            if self.full_because:
                text = f"Full export ({self.full_because}). {text}"
        if self.missing:
            text += f" {len(self.missing)} internal link(s) led nowhere."
        return text


@dataclass
class _Answer:
    """What one URL gave: the file it is written to, or where it redirects, and its links."""

    kind: str  # "page", "other", "static", "media", "redirect", or "missing"
    file: str | None = None  # relative to the export folder (a redirect's forwarding page)
    target: str | None = None  # where a redirect leads
    links: list[str] = field(default_factory=list)  # internal URLs it names
    size: int = 0
    scopes: list[str] | None = None  # its page's scopes in the page cache (None: unknown)


class _Exporter:
    def __init__(self, outdir: Path, base_url: str, stdout, workers: int):
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ExportFailed(f"The base URL must be http(s)://host, not “{base_url}”.")
        self.outdir = outdir
        self.base_url = base_url
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.host = parts.netloc
        self.secure = parts.scheme == "https"
        self.stdout = stdout
        self.workers = workers
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")
        self.media_prefix = "/" + settings.MEDIA_URL.lstrip("/")
        self.summary = StaticExportSummary()
        self.entries: dict[str, _Answer] = {}  # internal URL (path?query) -> what it gave
        self.versions: dict[str, str] = {}  # scope -> its version, read before rendering
        self.seen: set[str] = set()  # URLs known to the export, answered or queued
        self.rendered: set[str] = set()  # URLs fetched in this run
        self._internal: dict[str, str | None] = {}
        # A cookie named like the session keeps the export out of the shared
        # page cache (both reading and filling it); it logs nobody in.
        self.client = Client(HTTP_HOST=self.host, raise_request_exception=True)
        self.client.cookies[settings.SESSION_COOKIE_NAME] = "static-export"

    # -- URLs and files ----------------------------------------------------

    def internal(self, url: str, base: str = "/") -> str | None:
        """`url` as a site path with its page query (`/a/?page=2`), or None when not ours."""
        if _PLAIN_PATH.fullmatch(url):  # most links: a path already in its one spelling
            return None if url.startswith(SKIPPED_PREFIXES) else url
        if not url.startswith("/") or url.startswith("//"):
            return self._internal_url(url, base)
        if url not in self._internal:  # the base changes nothing: remember the answer
            self._internal[url] = self._internal_url(url, "/")
        return self._internal[url]

    def _internal_url(self, url: str, base: str) -> str | None:
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

    def is_asset(self, url: str) -> bool:
        return url.startswith((self.static_prefix, self.media_prefix))

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

    def target(self, relative: str) -> Path:
        """The path of a file of the export (`relative` comes from a URL, or the manifest)."""
        normal = posixpath.normpath(relative)
        if normal.startswith(("/", "../")) or normal in (".", ".."):
            raise ExportFailed(f"Refusing to write outside the export folder: {relative}")
        return self.outdir / normal

    def write(self, relative: str, content: bytes) -> None:
        target = self.target(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)

    def delete(self, relative: str) -> None:
        """Remove a file of the export, and the folders it leaves empty."""
        target = self.target(relative)
        target.unlink(missing_ok=True)
        folder = target.parent
        while folder != self.outdir and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent

    # -- Fetching one URL (in this process or a worker) ----------------------

    def fetch(self, url: str) -> _Answer:
        """Render `url`, write its file as served (links are rewritten later), and say
        what it gave."""
        if self.is_asset(url):
            return self.copy_asset(url)
        path, _, query = url.partition("?")
        try:
            response = self.client.get(path, query_params=_query_dict(query), secure=self.secure)
        except Exception as exc:
            raise ExportFailed(f"{url} failed: {exc}") from exc
        if response.status_code in (301, 302, 303, 307, 308):
            target = self.internal(response["Location"], path)
            return _Answer("redirect", target=target) if target else _Answer("missing")
        if response.status_code != 200:
            return _Answer("missing")
        content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
        relative = self.file_for(url, content_type)
        content = b"".join(response) if response.streaming else response.content
        self.write(relative, content)
        text = content.decode(response.charset or "utf-8", "replace")
        if content_type == "text/html":
            links = self.links_in_html(text, path)
            return _Answer("page", relative, links=links, size=len(content))
        return _Answer("other", relative, links=self.links_in_text(text), size=len(content))

    def links_in_html(self, html: str, base: str) -> list[str]:
        found = (self.internal(unescape(value), base) for _p, _q, value in _ATTRIBUTE.findall(html))
        return list(dict.fromkeys(url for url in found if url is not None))

    def links_in_text(self, text: str) -> list[str]:
        # Feeds, sitemaps, calendars and robots.txt name pages by absolute URL;
        # calendars fold long lines, so unfold them first.
        text = text.replace("\r\n ", "").replace("\n ", "")
        values = re.findall(re.escape(self.origin) + r"""[^\s"'<>]*""", text)
        values += [value for _prefix, _quote, value in _ATTRIBUTE.findall(text)]
        found = (self.internal(unescape(value)) for value in values)
        return list(dict.fromkeys(url for url in found if url is not None))

    def copy_asset(self, url: str) -> _Answer:
        path = unquote(url.partition("?")[0])
        if path.startswith(self.static_prefix):
            kind, name = "static", path.removeprefix(self.static_prefix)
            source = _static_source(name)
        else:
            kind, name = "media", path.removeprefix(self.media_prefix)
            source = default_storage.open(name) if default_storage.exists(name) else None
        if source is None:
            return _Answer("missing")
        with source:
            content = source.read()
        relative = path.lstrip("/")
        self.write(relative, content)
        links = []
        if path.endswith(".css"):
            refs = _CSS_URL.findall(content.decode("utf-8", "replace"))
            links = [url for _q, ref in refs if (url := self.internal(ref, path)) is not None]
        return _Answer(kind, relative, links=links, size=len(content))

    # -- Crawling ----------------------------------------------------------

    def crawl(self, urls, referrer: str = "") -> None:
        """Fetch `urls` and every URL they lead to that the export does not hold yet;
        pages linking to a page that stopped answering are fetched again too."""
        frontier = dict.fromkeys(urls, referrer)
        self.seen.update(frontier)
        gone = set()
        while frontier:
            if self.stdout is not None and len(frontier) >= POOL_MIN:
                self.stdout.write(
                    f"  {len(self.rendered)} URL(s) fetched, now {len(frontier)} more"
                )
            scopes = self.read_versions(frontier)
            answers = _map(self, "fetch", list(frontier), self.workers)
            self.rendered.update(frontier)
            following, removed = {}, set()
            for (url, referrer), answer in zip(frontier.items(), answers, strict=True):
                answer.scopes = scopes[url]
                if self.record(url, answer, referrer):
                    removed.add(url)
                for link in [*answer.links, answer.target]:
                    if link is not None and link not in self.seen:
                        self.seen.add(link)
                        following[link] = url
            for url in self.referrers(removed) - self.rendered:
                following.setdefault(url, "")
            frontier = following
            gone |= removed
        # Fetched again, a page still linking to a removed one shows a fault of the site.
        for url in self.referrers(gone):
            self.summary.missing.update(
                dict.fromkeys(gone.intersection(self.entries[url].links), url)
            )

    def record(self, url: str, answer: _Answer, referrer: str) -> bool:
        """Keep what `url` gave; True when it held a file before and now gives nothing."""
        earlier = self.entries.pop(url, None)
        if earlier is not None and earlier.file not in (None, answer.file):
            self.delete(earlier.file)  # a page that now redirects, or is gone
        if answer.kind == "missing":
            if earlier is None and referrer:
                self.summary.missing[url] = referrer
            self.summary.removed += earlier is not None
            return earlier is not None
        self.entries[url] = answer
        self.summary.bytes_written += answer.size
        counter = _COUNTERS.get(answer.kind)
        if counter:
            setattr(self.summary, counter, getattr(self.summary, counter) + 1)
        return False

    def referrers(self, removed: set[str]) -> set[str]:
        """The URLs whose files link or forward to one of `removed`."""
        if not removed:
            return set()
        return {
            url
            for url, entry in self.entries.items()
            if entry.target in removed or not removed.isdisjoint(entry.links)
        }

    # -- Versions of the page cache's scopes -------------------------------

    def scopes(self, url: str) -> list[str] | None:
        """The page cache's scopes of `url`'s page (None: none it can name); read off its path."""
        if self.is_asset(url):
            return []  # files, not pages: they change with a deploy, not an edit
        request = HttpRequest()
        request.path = request.path_info = unquote(url.partition("?")[0])
        return scopes_of_request(request)

    def read_versions(self, urls) -> dict[str, list[str] | None]:
        """The scopes of each of `urls`. Records the version of those not read yet: called
        before the URLs are rendered, so nothing rendered is older than the version recorded."""
        found = {url: self.scopes(url) for url in urls}
        new = {s for scopes in found.values() for s in scopes or ()} - self.versions.keys()
        if new:
            new = sorted(new)
            self.versions.update(zip(new, versions(new), strict=True))
        return found

    def stale(self, recorded: dict[str, str]) -> list[str]:
        """The URLs of the export whose scopes have moved since `recorded` was read; reads
        the current versions, which a scope missing from the cache gets new."""
        scopes = sorted({s for entry in self.entries.values() for s in entry.scopes or ()})
        self.versions = dict(zip(scopes, versions(scopes), strict=True))
        changed = {s for s in scopes if recorded.get(s) != self.versions[s]}
        self.summary.changed_scopes = len(changed)
        return [
            url
            for url, entry in self.entries.items()
            if entry.scopes is None or not changed.isdisjoint(entry.scopes)
        ]

    # -- Rewriting ---------------------------------------------------------

    def resolve(self, url: str) -> str | None:
        """The file an internal URL ended up in, following redirects."""
        for _ in range(10):
            entry = self.entries.get(url)
            if entry is None or entry.kind != "redirect":
                return None if entry is None else entry.file
            url = entry.target
        return None

    def write_redirects(self) -> None:
        """Old URLs of renamed items (slugs never break): a page that forwards to the new one."""
        for url in self.rendered:
            entry = self.entries.get(url)
            if entry is None or entry.kind != "redirect":
                continue
            destination = self.resolve(url)
            relative = self.file_for(url, "text/html")
            if destination is None or self.target(relative).exists():
                continue
            link = escape(quote(posixpath.relpath(destination, posixpath.dirname(relative) or ".")))
            canonical = escape(self.origin + entry.target)
            self.write(
                relative,
                (
                    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
                    f'<title>Moved</title><meta http-equiv="refresh" content="0; url={link}">'
                    f'<link rel="canonical" href="{canonical}"></head>'
                    f'<body><p>This page moved: <a href="{link}">follow it</a>.</p></body></html>\n'
                ).encode(),
            )
            entry.file = relative
            self.summary.redirects += 1

    def rewrite_pages(self) -> None:
        """Rewrite the links of the pages fetched in this run, once every file is known."""
        pages = [
            (entry.file, url.partition("?")[0])
            for url in self.rendered
            if (entry := self.entries.get(url)) is not None and entry.kind == "page"
        ]
        _map(self, "rewrite_page", pages, self.workers)

    def rewrite_page(self, page: tuple[str, str]) -> None:
        relative, base = page
        folder = posixpath.dirname(relative) or "."
        html = self.target(relative).read_text("utf-8", errors="replace")

        def replace(match):
            prefix, quote_char, value = match.groups()
            raw = unescape(value)
            if raw.startswith(("http://", "https://", "//")):
                return match.group(0)  # canonical and other absolute links stay absolute
            url = self.internal(raw, base)
            if url is None and "?" in raw and not raw.startswith(("#", "mailto:", "data:")):
                # A page with a query the export does not write (`?play=1`, the talk
                # page with its player) needs a server: the link goes to the live site.
                live = urljoin(self.origin + base, raw)
                if live.startswith(f"{self.origin}/"):
                    return f"{prefix}{quote_char}{escape(live)}{quote_char}"
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
        self.target(relative).write_text(html, "utf-8")

    # -- The manifest --------------------------------------------------------

    def save_manifest(self) -> None:
        """Write the manifest: each file's URL, what it is and the files it links to
        (as their places in the list), and the scopes' versions."""
        index = {url: i for i, url in enumerate(self.entries)}
        manifest = {
            "format": _FORMAT,
            "base_url": self.base_url,
            "versions": self.versions,
            "files": [
                {
                    "url": url,
                    "kind": entry.kind,
                    "file": entry.file,
                    "target": entry.target,
                    "scopes": entry.scopes,
                    "links": [index[link] for link in entry.links if link in index],
                }
                for url, entry in self.entries.items()
            ],
        }
        temporary = self.outdir / f"{MANIFEST}.tmp"
        temporary.write_text(json.dumps(manifest, ensure_ascii=False, separators=(",", ":")))
        temporary.replace(self.outdir / MANIFEST)

    def load_manifest(self) -> tuple[list[str], str]:
        """Read an earlier export's manifest: the URLs to fetch again, or (none and) why
        the export cannot be updated but must be written again whole."""
        path = self.outdir / MANIFEST
        if not path.is_file():
            if (self.outdir / _OLD_MARKER).is_file():
                return [], "the earlier export kept no manifest"
            raise ExportFailed(
                f"{self.outdir} holds no earlier export to update: "
                "run export_static without --incremental first."
            )
        no_versions = "the cache keeps no versions of pages (is CACHE_URL a dummy cache?)"
        try:
            manifest = json.loads(path.read_text("utf-8"))
            if manifest.get("format") != _FORMAT or not manifest["files"]:
                return [], "the earlier export did not finish, or an older confnotes wrote it"
            if manifest["base_url"] != self.base_url:
                return [], f"the earlier export was for {manifest['base_url']}"
            recorded = manifest["versions"]
            urls = [item["url"] for item in manifest["files"]]
            for item in manifest["files"]:
                self.entries[item["url"]] = _Answer(
                    item["kind"],
                    item["file"],
                    item["target"],
                    [urls[i] for i in item["links"]],
                    scopes=item["scopes"],
                )
        except (ValueError, KeyError, TypeError, IndexError, AttributeError):
            self.entries.clear()
            return [], "the manifest of the earlier export is unreadable"
        if not recorded:
            return [], "the earlier export recorded no versions of pages"
        if "" in recorded.values():
            return [], no_versions
        self.seen.update(self.entries)
        stale = self.stale(recorded)
        if "" in self.versions.values():
            return [], no_versions
        if self.versions.get(EVERYWHERE) != recorded.get(EVERYWHERE):
            return [], "every page changed since the earlier export"
        return stale, ""


def _map(exporter: _Exporter, method: str, items: list, workers: int) -> list:
    """`exporter.<method>(item)` for each of `items`, in order: shared among `workers`
    forked processes when there are enough of them."""
    # Inside a transaction, forked processes would not see its rows: render here.
    in_transaction = any(connection.in_atomic_block for connection in connections.all())
    if workers <= 1 or len(items) < POOL_MIN or in_transaction:
        return [getattr(exporter, method)(item) for item in items]
    connections.close_all()  # each process opens its own connection to the database
    # Small chunks balance the workers (a sitemap costs fifty talk pages); large ones
    # save messages when there are many items.
    chunk = max(1, min(100, len(items) // (workers * 50)))
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_adopt,
        initargs=(exporter,),  # inherited through the fork, never pickled
    ) as pool:
        return list(pool.map(partial(_call, method), items, chunksize=chunk))


_worker_exporter: _Exporter | None = None  # a worker's copy of the exporter that forked it


def _adopt(exporter: _Exporter) -> None:
    global _worker_exporter
    _worker_exporter = exporter


def _call(method: str, item):
    return getattr(_worker_exporter, method)(item)


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
            if not (outdir / MANIFEST).exists() and not (outdir / _OLD_MARKER).exists():
                raise ExportFailed(
                    f"{outdir} is not empty and holds no earlier export: choose another folder."
                )
            shutil.rmtree(outdir)
    outdir.mkdir(parents=True, exist_ok=True)


def export_static(
    outdir,
    *,
    base_url: str = "http://localhost:8000",
    incremental: bool = False,
    workers: int = 1,
    stdout=None,
) -> StaticExportSummary:
    """Write the published site into `outdir` as static files; returns a summary.

    `outdir` must be empty, new, or an earlier export (which is replaced, or with
    `incremental` updated where the site changed since). `workers` processes render.
    """
    started = time.monotonic()
    outdir = Path(outdir).resolve()
    exporter = _Exporter(outdir, base_url.rstrip("/"), stdout, workers)
    hosts = [*settings.ALLOWED_HOSTS, urlsplit(exporter.origin).hostname]
    with override_settings(ALLOWED_HOSTS=hosts, SECURE_SSL_REDIRECT=False):
        stale, reason = exporter.load_manifest() if incremental else ([], "")
        if incremental and not reason:
            exporter.summary.incremental = True
            exporter.crawl(stale)
        else:
            exporter = _Exporter(outdir, base_url.rstrip("/"), stdout, workers)
            exporter.summary.full_because = reason
            _prepare(outdir)
            exporter.save_manifest()  # empty: marks the folder as ours until the export ends
            exporter.crawl([*START_PATHS, *_old_slug_paths()])
        exporter.rewrite_pages()
        exporter.write_redirects()
        exporter.save_manifest()
    exporter.summary.seconds = time.monotonic() - started
    return exporter.summary
