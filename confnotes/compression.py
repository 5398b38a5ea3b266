"""gzip for text responses: every page, feed and document, cached pages included.

`GZipTextMiddleware` is first in MIDDLEWARE, so it compresses what the page cache
(confnotes/pagecache.py) answers as well as what the views make. The page cache keeps
a compressed copy beside each page (`gzipped`) and answers with it (`send_gzipped`),
so a hit is not compressed again on every request.
"""

import re

from django.http import FileResponse
from django.middleware.gzip import GZipMiddleware
from django.utils.cache import patch_vary_headers
from django.utils.text import compress_string

_ACCEPTS_GZIP = re.compile(r"\bgzip\b")
# Images (but SVG), fonts and archives are compressed already: gzip would only cost time.
_TEXT_TYPES = re.compile(
    r"text/|application/(?:[\w.+-]*\+)?(?:json|xml|javascript)\b|image/svg\+xml", re.IGNORECASE
)
_MIN_LENGTH = 200  # as GZipMiddleware: shorter responses are not worth it


def compressible(response) -> bool:
    """Whether `response` is text worth gzipping and is not encoded yet."""
    return (
        not response.streaming
        and len(response.content) >= _MIN_LENGTH
        and not response.has_header("Content-Encoding")
        and _TEXT_TYPES.match(response.get("Content-Type", "")) is not None
    )


def gzipped(response) -> bytes | None:
    """The content of `response` compressed, or None when that does not make it smaller
    or it is not text. Marks `response` as varying with Accept-Encoding either way."""
    if not compressible(response):
        return None
    patch_vary_headers(response, ("Accept-Encoding",))
    compressed = compress_string(response.content, max_random_bytes=GZipMiddleware.max_random_bytes)
    return compressed if len(compressed) < len(response.content) else None


def send_gzipped(request, response, compressed: bytes | None) -> None:
    """Make `response` carry `compressed` (from `gzipped`), when the client accepts gzip."""
    if compressed is None or not _ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
        return
    response.content = compressed
    response.headers["Content-Length"] = str(len(compressed))
    # The compressed bytes are another representation: a strong ETag becomes weak
    # (RFC 9110, 8.8.1), and If-None-Match still matches it (weak comparison).
    etag = response.get("ETag")
    if etag and etag.startswith('"'):
        response.headers["ETag"] = "W/" + etag
    response.headers["Content-Encoding"] = "gzip"


class GZipTextMiddleware(GZipMiddleware):
    """Django's GZipMiddleware, for text only, and not for files: whitenoise sends the
    static files' own compressed copies (collectstatic makes them)."""

    def process_response(self, request, response):
        if isinstance(response, FileResponse) or not _TEXT_TYPES.match(
            response.get("Content-Type", "")
        ):
            return response
        return super().process_response(request, response)
