"""The JSON API's lists in the benchmark: queries per page, throughput beside the floor,
and the last page against the first (bench/run.py adds them to its table).

*uncached* requests carry a session cookie: the API refuses parameters it does not
read (the HTML pages' `?bench=` token would be a 400), and a cookie is what keeps a
request out of the page cache. The API reads no session, so the cookie costs no query
(`measure_api_queries` checks it). The last page is the one `next` leads to at the
end, asked for by its cursor.
"""

import json
import urllib.request
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from confnotes.pagecache import EVERYWHERE, expire

# (kind in the table, path): every list of the API, default page size.
API_LISTS = (
    ("api talks", "/api/v1/talks/"),
    ("api conferences", "/api/v1/conferences/"),
    ("api days", "/api/v1/days/"),
    ("api speakers", "/api/v1/speakers/"),
    ("api tags", "/api/v1/tags/"),
    ("api notes", "/api/v1/notes/"),
)
COOKIE = "sessionid=confnotes-bench-uncached"


@dataclass
class ApiPage:
    kind: str
    url: str
    last_url: str = ""
    note: str = ""
    queries: int | None = None
    last_queries: int | None = None


def _json(client: Client, url: str) -> dict:
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}: {response.content[:300]}")
    return json.loads(response.content)


def _last_page_url(client: Client, path: str) -> str:
    """The URL of the page `next` leads to last: the one after the row before the last
    page (read off the API's own links: ids are not always what an object shows)."""
    last = _json(client, f"{path}?cursor=" + _cursor("p", 10**15))
    if not last["previous"]:
        return ""  # a list of one page
    cursor = parse_qs(urlsplit(last["previous"]).query)["cursor"][0]
    before = _json(client, f"{path}?page_size=1&cursor={cursor}")
    cursor = parse_qs(urlsplit(before["next"]).query)["cursor"][0]
    return f"{path}?cursor={cursor}"


def _cursor(direction: str, pk: int) -> str:
    from talks.api.pagination import encode_cursor

    return encode_cursor(direction, pk)


def _count(client: Client, url: str, **headers) -> int:
    expire({EVERYWHERE})  # every cache cold: the page, the list's count
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **headers)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return len(ctx.captured_queries)


def measure_api_queries() -> list[ApiPage]:
    """Each list's first and last page, with their query counts (every cache cold)."""
    client = Client()
    pages = []
    for kind, path in API_LISTS:
        first = _json(client, path)
        page = ApiPage(kind, path, _last_page_url(client, path), note=f"{first['count']:,} rows")
        page.queries = _count(client, path)
        cookie_queries = _count(client, path, HTTP_COOKIE=COOKIE)
        if cookie_queries != page.queries:
            raise RuntimeError(
                f"{path}: {cookie_queries} queries with a cookie, else {page.queries}"
            )
        if page.last_url:
            page.last_queries = _count(client, page.last_url)
        pages.append(page)
    return pages


def get_uncached(url: str) -> int:
    request = urllib.request.Request(url, headers={"Cookie": COOKIE})
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
        return response.status
