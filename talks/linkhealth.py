"""Link health: check every external link politely and remember what it answered.

`links_check()` gathers the URLs of slides, videos, typed links, speakers' and
conferences' websites, asks each one (HEAD, then GET when HEAD is refused),
and stores the answer in `LinkCheck`, one row per URL. Requests go out a few
at a time, but never more than one at a time to the same host, with a pause
between two requests to one host. A URL that has been failing for a while is
marked `broken`; pages then offer its Wayback Machine copy beside it.
"""

import datetime
import ipaddress
import queue
import socket
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from confnotes.pagecache import EVERYWHERE, expire
from speakers.models import Speaker
from talks.models import Conference, Link, LinkCheck, Talk

# "Failing for a while", the one definition: a URL is broken once it has failed
# this many checks in a row, or has been failing for this long (whichever
# comes first). One bad afternoon of a server never marks a link.
BROKEN_AFTER_FAILURES = 3
BROKEN_AFTER = datetime.timedelta(days=7)

DEFAULT_TIMEOUT = 10.0  # seconds per request
DEFAULT_CONCURRENCY = 4  # requests in flight at once, each to a different host
DEFAULT_HOST_DELAY = 1.0  # seconds between two requests to one host
WRITE_BATCH = 200
USER_AGENT = "confnotes-linkcheck/1.0 (checks links of a conference notes archive)"

# Answers that say nothing about the link itself: try again next time.
INCONCLUSIVE_STATUSES = frozenset({429})


def wayback_url(url: str, year: int | None) -> str:
    """The Wayback Machine's copy of `url` closest to `year` (the latest copy without a year)."""
    return f"https://web.archive.org/web/{year or '*'}/{url}"


def is_broken(check: LinkCheck, now: datetime.datetime) -> bool:
    """Whether `check` has been failing long enough to send readers to an archived copy."""
    if check.consecutive_failures >= BROKEN_AFTER_FAILURES:
        return True
    return check.failing_since is not None and now - check.failing_since >= BROKEN_AFTER


# ---------------------------------------------------------------------------
# Checking one URL


@dataclass
class CheckResult:
    url: str
    status_code: int | None = None
    error: str = ""
    final_url: str = ""
    redirects: list[list] = field(default_factory=list)

    @property
    def inconclusive(self) -> bool:
        return self.status_code in INCONCLUSIVE_STATUSES

    @property
    def failed(self) -> bool:
        if self.inconclusive:
            return False
        return bool(self.error) or self.status_code is None or self.status_code >= 400

    @property
    def label(self) -> str:
        return str(self.status_code) if self.status_code is not None else self.error


def _describe(exc: Exception, timeout: float) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"No answer within {timeout:g} s"
    if isinstance(exc, httpx.TooManyRedirects):
        return "Too many redirects"
    if isinstance(exc, httpx.ConnectError):
        return f"Could not connect: {exc}"[:300]
    if isinstance(exc, (httpx.InvalidURL, httpx.UnsupportedProtocol)):
        return f"Not a checkable URL: {exc}"[:300]
    return f"{type(exc).__name__}: {exc}"[:300]


def _result_from(url: str, response: httpx.Response) -> CheckResult:
    hops = [*response.history, response]
    return CheckResult(
        url=url,
        status_code=response.status_code,
        final_url=str(response.url)[:2000],
        redirects=[
            [hop.status_code, str(after.url)]
            for hop, after in zip(response.history, hops[1:], strict=True)
        ],
    )


def check_url(client: httpx.Client, url: str, *, timeout: float = DEFAULT_TIMEOUT) -> CheckResult:
    """Ask `url` with HEAD; when HEAD is refused or fails, ask again with GET (body unread)."""
    try:
        response = client.head(url)
        if response.status_code < 400 or response.status_code in INCONCLUSIVE_STATUSES:
            return _result_from(url, response)
    except (
        httpx.TimeoutException,
        httpx.TooManyRedirects,
        httpx.InvalidURL,
        httpx.UnsupportedProtocol,
        httpx.ConnectError,
    ) as exc:
        # GET would meet the same fate (a redirect loop would cost it 20 more requests).
        return CheckResult(url=url, error=_describe(exc, timeout))
    except httpx.HTTPError:
        pass  # Some servers mishandle HEAD (reset, bad framing): GET decides.
    # Many servers answer HEAD with 403, 404, 405 or 501 yet serve GET fine.
    try:
        with client.stream("GET", url) as response:
            return _result_from(url, response)
    except httpx.HTTPError as exc:
        return CheckResult(url=url, error=_describe(exc, timeout))


class PrivateAddress(httpx.ConnectError):
    """A link, or a redirect it led to, points into a private or local network."""


def refuse_private_addresses(request: httpx.Request) -> None:
    """httpx request hook: never ask a loopback, private or link-local address.

    Links come from imported data; following them, or their redirects, into
    the server's own network would let that data probe internal services.
    Every hop of a redirect chain passes through this hook.
    """
    host = request.url.host
    try:
        infos = socket.getaddrinfo(host, request.url.port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return  # unresolvable: httpx reports the failure itself
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global:
            raise PrivateAddress(f"{host} is a private or local address", request=request)


# Names under which one site answers: checked as one host, one request at a time.
_SAME_SITE = {"youtu.be": "youtube.com", "youtube-nocookie.com": "youtube.com"}


def _host(url: str) -> str:
    """The site a URL's requests are paced by: "www.youtube.com", "m.youtube.com" and
    "youtu.be" are one."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
    host = host.removeprefix("www.").removeprefix("m.")
    return _SAME_SITE.get(host, host)


def check_urls(
    urls: Iterable[str],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    timeout: float = DEFAULT_TIMEOUT,
    host_delay: float = DEFAULT_HOST_DELAY,
) -> Iterator[CheckResult]:
    """Check `urls`, yielding each result as it comes.

    URLs are grouped by host; each host's URLs are asked one after the other
    with `host_delay` seconds between them, and up to `concurrency` hosts are
    worked on at once. The busiest hosts start first: they take longest.
    """
    by_host: dict[str, list[str]] = defaultdict(list)
    for url in urls:
        by_host[_host(url)].append(url)
    if not by_host:
        return
    results: queue.Queue[CheckResult] = queue.Queue()
    stop = threading.Event()
    client = httpx.Client(
        follow_redirects=True,
        timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
        headers={"User-Agent": USER_AGENT},
        limits=httpx.Limits(max_connections=max(concurrency, 1)),
        event_hooks={
            "request": []
            if getattr(settings, "CONFNOTES_LINKCHECK_PRIVATE_HOSTS", False)
            else [refuse_private_addresses]
        },
    )

    def work(host_urls: list[str]) -> None:
        for n, url in enumerate(host_urls):
            if stop.is_set():
                return
            if n and host_delay:
                stop.wait(host_delay)
            try:
                result = check_url(client, url, timeout=timeout)
            except Exception as exc:  # noqa: BLE001 - one odd URL must not stop the run
                result = CheckResult(url=url, error=_describe(exc, timeout))
            results.put(result)

    total = sum(len(host_urls) for host_urls in by_host.values())
    groups = sorted(by_host.values(), key=len, reverse=True)
    with client, ThreadPoolExecutor(max_workers=max(concurrency, 1)) as pool:
        try:
            futures = [pool.submit(work, group) for group in groups]
            for _ in range(total):
                yield results.get()
            for future in futures:
                future.result()
        finally:
            stop.set()  # stops the workers early if the caller stops reading


# ---------------------------------------------------------------------------
# Recording and the whole run


def record_result(check: LinkCheck, result: CheckResult, now: datetime.datetime) -> None:
    """Apply a fresh result to the stored check of its URL."""
    check.status_code = result.status_code
    check.error = result.error
    check.final_url = result.final_url
    check.redirects = result.redirects
    check.checked_at = now
    if result.inconclusive:
        pass  # Rate-limited: neither a failure nor a recovery.
    elif result.failed:
        check.consecutive_failures += 1
        check.failing_since = check.failing_since or now
    else:
        check.consecutive_failures = 0
        check.failing_since = None
    check.broken = is_broken(check, now)


def external_urls(*, conference: Conference | None = None) -> set[str]:
    """Every http(s) URL the archive links to (of one conference, when given)."""
    talks, links = Talk.objects.all(), Link.objects.all()
    speakers, conferences = Speaker.objects.all(), Conference.objects.all()
    if conference is not None:
        talks = talks.filter(conference=conference)
        links = links.filter(talk__conference=conference)
        speakers = speakers.filter(talks__conference=conference)
        conferences = conferences.filter(pk=conference.pk)
    sources = [
        (talks, "slides_url"),
        (talks, "video_url"),
        (links, "url"),
        (speakers, "website"),
        (conferences, "website"),
    ]
    urls = set()
    for queryset, name in sources:
        values = queryset.exclude(**{name: ""}).values_list(name, flat=True).distinct()
        urls.update(url for url in values.iterator() if url.lower().startswith(_CHECKABLE))
    return urls


_CHECKABLE = ("http://", "https://")


@dataclass
class LinkCheckSummary:
    checked: int = 0
    ok: int = 0
    failed: int = 0
    inconclusive: int = 0
    skipped: int = 0
    broken: int = 0
    newly_broken: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)

    def __str__(self):
        return (
            f"Checked {self.checked} URL(s): {self.ok} fine, {self.failed} failing, "
            f"{self.inconclusive} inconclusive; {self.skipped} skipped (checked recently). "
            f"{self.broken} of them broken, {len(self.newly_broken)} newly broken, "
            f"{len(self.recovered)} recovered."
        )


def _save_batch(batch: list[CheckResult], summary: LinkCheckSummary) -> bool:
    """Store a batch of results; True when a URL became broken or recovered."""
    now = timezone.now()
    existing = LinkCheck.objects.in_bulk([r.url for r in batch], field_name="url")
    created, updated, flipped = [], [], False
    for result in batch:
        check = existing.get(result.url)
        was_broken = check is not None and check.broken
        if check is None:
            check = LinkCheck(url=result.url)
            created.append(check)
        else:
            updated.append(check)
        record_result(check, result, now)
        summary.broken += check.broken
        if check.broken and not was_broken:
            summary.newly_broken.append(result.url)
            flipped = True
        elif was_broken and not check.broken:
            summary.recovered.append(result.url)
            flipped = True
    fields = [
        "status_code", "error", "final_url", "redirects", "checked_at", "failing_since",
        "consecutive_failures", "broken",
    ]  # fmt: skip
    with transaction.atomic():
        LinkCheck.objects.bulk_create(created)
        LinkCheck.objects.bulk_update(updated, fields)
    return flipped


def links_check(
    *,
    conference: Conference | None = None,
    older_than: datetime.timedelta | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    timeout: float = DEFAULT_TIMEOUT,
    host_delay: float = DEFAULT_HOST_DELAY,
    stdout=None,
) -> LinkCheckSummary:
    """Check the archive's external links and store the results; returns a summary.

    With `older_than`, URLs checked more recently than that are skipped.
    """
    summary = LinkCheckSummary()
    urls = external_urls(conference=conference)
    if older_than is not None:
        recent = set(
            LinkCheck.objects.filter(checked_at__gt=timezone.now() - older_than).values_list(
                "url", flat=True
            )
        )
        summary.skipped = len(urls & recent)
        urls -= recent
    total = len(urls)
    if stdout is not None:
        stdout.write(f"Checking {total} URL(s) on {len({_host(u) for u in urls})} host(s)...")
    batch: list[CheckResult] = []
    flipped = False
    results = check_urls(
        sorted(urls), concurrency=concurrency, timeout=timeout, host_delay=host_delay
    )
    for result in results:
        summary.checked += 1
        if result.inconclusive:
            summary.inconclusive += 1
        elif result.failed:
            summary.failed += 1
        else:
            summary.ok += 1
        if stdout is not None and (result.failed or result.inconclusive):
            stdout.write(f"  [{summary.checked}/{total}] {result.label}: {result.url}")
        elif stdout is not None and summary.checked % 100 == 0:
            stdout.write(f"  [{summary.checked}/{total}] checked")
        batch.append(result)
        if len(batch) >= WRITE_BATCH:
            flipped |= _save_batch(batch, summary)
            batch = []
    if batch:
        flipped |= _save_batch(batch, summary)
    if flipped:
        expire({EVERYWHERE})  # pages show broken links differently
    return summary
