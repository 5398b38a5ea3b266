"""Brotli and gzip for text responses: every page, feed and document, cached pages included.

`CompressTextMiddleware` is first in MIDDLEWARE and compresses what the views make. The
page cache (confnotes/pagecache.py) compresses what it answers itself: it keeps
compressed copies beside each page (`compressed`), each made for the first reader who
takes that encoding, and answers with the one the client takes (`send_compressed`), so
a hit is not compressed again on every request; the middleware lets those answers
through (`CACHE_HEADER`). Brotli is sent to clients that accept it (every current
browser, over HTTPS), gzip to others.
"""

import re

import brotli
from django.http import FileResponse
from django.middleware.gzip import GZipMiddleware
from django.utils.cache import patch_vary_headers
from django.utils.text import compress_string

# Brotli's quality 5 compresses an HTML page about as fast as gzip does and some 15%
# smaller; the top qualities cost ten times the time for a few percent more.
BROTLI_QUALITY = 5
_ENCODINGS = ("br", "gzip")  # preferred first
_ACCEPTS = {encoding: re.compile(rf"\b{encoding}\b") for encoding in _ENCODINGS}
# Images (but SVG), fonts and archives are compressed already: gzip would only cost time.
_TEXT_TYPES = re.compile(
    r"text/|application/(?:[\w.+-]*\+)?(?:json|xml|javascript)\b|image/svg\+xml", re.IGNORECASE
)
_MIN_LENGTH = 200  # as GZipMiddleware: shorter responses are not worth it
# Set by the page cache on what it answers (confnotes/pagecache.py), hit or miss, once
# it has compressed it with `send_compressed`.
CACHE_HEADER = "X-Confnotes-Cache"


def compressible(response) -> bool:
    """Whether `response` is text worth compressing and is not encoded yet."""
    return (
        not response.streaming
        and len(response.content) >= _MIN_LENGTH
        and not response.has_header("Content-Encoding")
        and _TEXT_TYPES.match(response.get("Content-Type", "")) is not None
    )


def _compress(encoding: str, content: bytes) -> bytes:
    if encoding == "br":
        return brotli.compress(content, mode=brotli.MODE_TEXT, quality=BROTLI_QUALITY)
    return compress_string(content, max_random_bytes=GZipMiddleware.max_random_bytes)


def accepted(request) -> list[str]:
    """The encodings of `_ENCODINGS` that the client accepts, preferred first."""
    accept = request.META.get("HTTP_ACCEPT_ENCODING", "")
    return [encoding for encoding in _ENCODINGS if _ACCEPTS[encoding].search(accept)]


def compressed(response, encodings=_ENCODINGS) -> dict[str, bytes | None]:
    """The content of `response` in each of `encodings`: None for one that does not make
    it smaller, and for all when it is not text. Marks a text `response` as varying with
    Accept-Encoding, even for no encoding."""
    if not compressible(response):
        return dict.fromkeys(encodings)
    patch_vary_headers(response, ("Accept-Encoding",))
    copies = {encoding: _compress(encoding, response.content) for encoding in encodings}
    return {
        encoding: data if len(data) < len(response.content) else None
        for encoding, data in copies.items()
    }


def send_compressed(request, response, copies: dict[str, bytes | None]) -> None:
    """Make `response` carry the copy (from `compressed`) that the client takes best."""
    encoding = next((e for e in accepted(request) if copies.get(e)), None)
    if encoding is None:
        return
    response.content = copies[encoding]
    response.headers["Content-Length"] = str(len(response.content))
    # The compressed bytes are another representation: a strong ETag becomes weak
    # (RFC 9110, 8.8.1), and If-None-Match still matches it (weak comparison).
    etag = response.get("ETag")
    if etag and etag.startswith('"'):
        response.headers["ETag"] = "W/" + etag
    response.headers["Content-Encoding"] = encoding


class CompressTextMiddleware(GZipMiddleware):
    """Brotli or gzip for text, and not for files: whitenoise sends the static files'
    own compressed copies (collectstatic makes them). Streamed responses are gzipped
    as Django's GZipMiddleware does."""

    def process_response(self, request, response):
        if (
            isinstance(response, FileResponse)
            or CACHE_HEADER in response  # the page cache sent its own copy
            or not _TEXT_TYPES.match(response.get("Content-Type", ""))
        ):
            return response
        if response.streaming:
            return super().process_response(request, response)
        if compressible(response):
            wanted = accepted(request)[:1]  # made for this request only: one copy
            send_compressed(request, response, compressed(response, wanted))
        return response
