"""Error answers of the API: JSON bodies, never an HTML page nor a silent default."""

import json

from django.conf import settings
from django.http import HttpResponse

from talks.api.scopes import VERSION, VERSION_HEADER

# On every API answer, errors and 429s included (README.md, "JSON API").
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    # Readable by scripts of other sites: the validator, the version, the throttle's wait.
    "Access-Control-Expose-Headers": f"ETag, {VERSION_HEADER}, Retry-After",
}


class ApiError(Exception):
    """A request the API refuses: `status` with {"detail": ..., "errors": {name: [...]}}."""

    def __init__(self, detail: str, *, status: int = 400, errors: dict | None = None):
        super().__init__(detail)
        self.detail, self.status, self.errors = detail, status, errors or {}


class BadParameters(ApiError):
    """Query parameters that are unknown, repeated or malformed: a 400 naming each."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("Bad query parameters.", errors=errors)


def json_response(data, *, status: int = 200) -> HttpResponse:
    """`data` as compact UTF-8 JSON, with the API's version and CORS headers."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    response = HttpResponse(body, status=status, content_type="application/json")
    response[VERSION_HEADER] = VERSION
    response["Content-Language"] = settings.LANGUAGE_CODE  # whatever the reader's language
    for name, value in CORS_HEADERS.items():
        response[name] = value
    return response


def error_response(error: ApiError) -> HttpResponse:
    body = {"detail": error.detail}
    if error.errors:
        body["errors"] = error.errors
    return json_response(body, status=error.status)


def moved_response(location: str) -> HttpResponse:
    """A 301 to where a renamed or merged resource is now (its old slug was asked for)."""
    response = json_response({"detail": "Moved permanently.", "location": location}, status=301)
    response["Location"] = location
    return response
