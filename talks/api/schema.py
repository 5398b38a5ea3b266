"""The API's OpenAPI 3.1 document, served at /api/v1/schema.json.

Written by hand as Python data beside the serializers it describes;
talks/tests/test_api.py validates the document with openapi-spec-validator and every
answer of the tests against its schemas, so the two cannot drift apart unnoticed.
"""

from functools import cache

from django.conf import settings
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from talks.api.filters import EXPANDABLE, MAX_TEXT
from talks.api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from talks.api.scopes import FILTERS, VERSION
from talks.models import Kind

# Each list, its detail path and what its filters mean: the schema, the /api/ page
# and README.md's table say the same. The meanings are translated on the /api/ page
# and English in the document (its endpoint answers in English).
RESOURCES = {
    "conferences": {
        "detail": "/api/v1/conferences/{conference}/",
        "filters": {
            "year": _("the year it started in (2019)"),
            "series": _("the series' exact name (DjangoCon US)"),
            "q": _("words in the name, any case"),
        },
    },
    "days": {
        "detail": "/api/v1/conferences/{conference}/days/{day}/",
        "filters": {"conference": _("the conference's slug")},
    },
    "talks": {
        "detail": "/api/v1/conferences/{conference}/talks/{talk}/",
        "filters": {
            "conference": _("the conference's slug"),
            "day": _("the day's slug (with conference)"),
            "speaker": _("a speaker's slug"),
            "tag": _("a tag's slug"),
            "kind": format_lazy(_("one of {kinds}"), kinds=", ".join(Kind.values)),
            "language": _("the language code (en)"),
            "updated_since": _("talks saved at or after this ISO 8601 date or date-time"),
            "q": _("words in the title, any case"),
        },
    },
    "speakers": {
        "detail": "/api/v1/speakers/{speaker}/",
        "filters": {"q": _("words in the name, any case")},
    },
    "tags": {"detail": "/api/v1/tags/{tag}/", "filters": {"q": _("words in the name, any case")}},
    "notes": {
        "detail": "/api/v1/notes/{note}/",
        "filters": {
            "conference": _("notes about the conference, its days or its talks"),
            "updated_since": _("notes saved at or after this ISO 8601 date or date-time"),
        },
    },
}
for _name, _resource in RESOURCES.items():
    _resource["list"] = f"/api/v1/{_name}/"
    _resource["expand"] = sorted(EXPANDABLE[_name])
    assert set(_resource["filters"]) == FILTERS[_name], _name

_REF = "#/components/schemas/"
_SCHEMA_NAMES = {
    "conferences": "Conference",
    "days": "Day",
    "talks": "Talk",
    "speakers": "Speaker",
    "tags": "Tag",
    "notes": "Note",
}


def _ref(name: str) -> dict:
    return {"$ref": f"{_REF}{name}"}


def _nullable(kind: str, **extra) -> dict:
    return {"type": [kind, "null"], **extra}


STRING = {"type": "string"}
URI = {"type": "string", "format": "uri"}
DATE = {"type": "string", "format": "date"}
MOMENT = {"type": "string", "format": "date-time"}
INTEGER = {"type": "integer"}


def _object(properties: dict, *, required=None, optional=()) -> dict:
    """A closed object: every property required but `optional` (detail-only fields)."""
    names = list(properties) if required is None else required
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in names if name not in optional],
        "additionalProperties": False,
    }


def _either(slug_of: str, summary: str) -> dict:
    return {"oneOf": [{"type": "string", "description": f"the {slug_of}'s slug"}, _ref(summary)]}


def _components() -> dict:
    links = {"url": URI, "api_url": URI}
    conference_summary = _object(
        {
            "slug": STRING,
            "name": STRING,
            "start_date": _nullable("string", format="date"),
            "time_zone": _nullable("string"),
            **links,
        }
    )
    day_summary = _object({"slug": STRING, "date": DATE, "label": STRING, **links})
    speaker_summary = _object({"slug": STRING, "name": STRING, **links})
    tag_summary = _object({"slug": STRING, "name": STRING, **links})
    day = _object(
        {
            "id": INTEGER,
            "conference": _either("conference", "ConferenceSummary"),
            "slug": STRING,
            "date": DATE,
            "position": INTEGER,
            "title": STRING,
            "label": STRING,
            "in_order": {"type": "boolean"},
            **links,
            "talks_url": URI,
            "updated": MOMENT,
            "summary": STRING,
            "summary_html": STRING,
        },
        optional=("summary", "summary_html"),
    )
    conference = _object(
        {
            "id": INTEGER,
            "slug": STRING,
            "name": STRING,
            "series": STRING,
            "start_date": _nullable("string", format="date"),
            "end_date": _nullable("string", format="date"),
            "time_zone": _nullable(
                "string", description="an IANA zone name, or an offset such as +01:00"
            ),
            "city": STRING,
            "country": STRING,
            "venue": STRING,
            "website": STRING,
            "tags": {"type": "array", "items": STRING},
            "talk_count": INTEGER,
            **links,
            "days_url": URI,
            "talks_url": URI,
            "notes_url": URI,
            "updated": MOMENT,
            "recap": STRING,
            "recap_html": STRING,
            "days": {"type": "array", "items": _ref("Day")},
        },
        optional=("recap", "recap_html", "days"),
    )
    talk = _object(
        {
            "id": INTEGER,
            "conference": _either("conference", "ConferenceSummary"),
            "day": _either("day", "DaySummary"),
            "slug": STRING,
            "title": STRING,
            "kind": {"type": "string", "enum": list(Kind.values)},
            "language": STRING,
            "position": INTEGER,
            "date": {**DATE, "description": "the program day's date"},
            "start": _nullable(
                "string",
                format="date-time",
                description="with the offset of the conference's zone when it is known; "
                "null for an item without a known time",
            ),
            "end": _nullable("string", format="date-time"),
            "duration": _nullable("string", description="ISO 8601 duration"),
            "room": STRING,
            "track": STRING,
            "speakers": {
                "type": "array",
                "items": {"oneOf": [STRING, _ref("SpeakerSummary")]},
            },
            "tags": {"type": "array", "items": {"oneOf": [STRING, _ref("TagSummary")]}},
            "slides_url": STRING,
            "video_url": STRING,
            "video_start": _nullable("integer", description="seconds into the recording"),
            "video_end": _nullable("integer"),
            **links,
            "updated": MOMENT,
            "abstract": STRING,
            "abstract_html": STRING,
            "links": {
                "type": "array",
                "items": _object({"kind": STRING, "url": URI, "title": STRING}),
            },
            "notes_url": URI,
        },
        optional=("abstract", "abstract_html", "links", "notes_url"),
    )
    speaker = _object(
        {
            "id": INTEGER,
            "slug": STRING,
            "name": STRING,
            **links,
            "photo_thumbnail": _nullable("string", format="uri"),
            "talks_url": URI,
            "bio": STRING,
            "bio_html": STRING,
            "photo": _nullable("string", format="uri"),
            "website": STRING,
            "github": STRING,
            "mastodon": STRING,
            "bluesky": STRING,
            "twitter": STRING,
            "aliases": {"type": "array", "items": STRING},
            "talk_count": INTEGER,
            "updated": MOMENT,
        },
        required=["id", "slug", "name", "url", "api_url", "photo_thumbnail", "talks_url"],
    )
    tag = _object(
        {
            "id": INTEGER,
            "slug": STRING,
            "name": STRING,
            **links,
            "talk_count": INTEGER,
            "talks_url": URI,
        }  # fmt: skip
    )
    note = _object(
        {
            "id": {"type": "string", "format": "uuid"},
            "subject": _object(
                {
                    "type": {"type": "string", "enum": ["talk", "day", "conference"]},
                    "conference": STRING,
                    "slug": STRING,
                    "title": STRING,
                    "api_url": URI,
                }
            ),
            "authors": {
                "type": "array",
                "items": _object({"name": STRING, "slug": STRING, "url": URI}),
            },
            "body": {"type": "string", "description": "Markdown"},
            "body_html": {"type": "string", "description": "sanitized HTML"},
            "published_at": _nullable("string", format="date-time"),
            "source": {
                "oneOf": [
                    {"type": "null"},
                    _object(
                        {
                            "url": STRING,
                            "title": STRING,
                            "site": STRING,
                            "author": STRING,
                            "date": _nullable("string", format="date"),
                        }
                    ),
                ]
            },
            **links,
            "updated": MOMENT,
        },
        optional=("body",),
    )
    error = _object(
        {
            "detail": STRING,
            "errors": {
                "type": "object",
                "description": "what is wrong with each parameter, by its name",
                "additionalProperties": {"type": "array", "items": STRING},
            },
        },
        optional=("errors",),
    )
    schemas = {
        "Conference": conference,
        "ConferenceSummary": conference_summary,
        "Day": day,
        "DaySummary": day_summary,
        "Talk": talk,
        "Speaker": speaker,
        "SpeakerSummary": speaker_summary,
        "Tag": tag,
        "TagSummary": tag_summary,
        "Note": note,
        "Error": error,
        "Moved": _object({"detail": STRING, "location": STRING}),
        "Root": _object(
            {
                "version": STRING,
                "schema": URI,
                "documentation": URI,
                "resources": {"type": "object", "additionalProperties": URI},
            }
        ),
    }
    for name in _SCHEMA_NAMES.values():
        schemas[f"{name}Page"] = _object(
            {
                "count": INTEGER,
                "next": _nullable("string", format="uri"),
                "previous": _nullable("string", format="uri"),
                "results": {"type": "array", "items": _ref(name)},
            }
        )
    return schemas


def _parameter(name: str, description: str, schema=None, where: str = "query") -> dict:
    return {
        "name": name,
        "in": where,
        "required": where == "path",
        "description": description,
        "schema": schema or {"type": "string", "maxLength": MAX_TEXT},
    }


def _answers(schema: str, *, not_found: bool) -> dict:
    def error(description):
        return {
            "description": description,
            "content": {"application/json": {"schema": _ref("Error")}},
        }

    headers = {
        "ETag": {"schema": STRING},
        "Last-Modified": {"schema": STRING},
        "Confnotes-Version": {"schema": {"type": "string", "const": VERSION}},
        "Access-Control-Allow-Origin": {"schema": {"type": "string", "const": "*"}},
    }
    answers = {
        "200": {
            "description": "OK",
            "headers": headers,
            "content": {"application/json": {"schema": _ref(schema)}},
        },
        "304": {"description": "Not Modified: the ETag or date the client sent is current"},
        "400": error("A parameter unknown, repeated or malformed; `errors` names each"),
        "429": {
            **error("Too many requests from this address: wait Retry-After seconds"),
            "headers": {"Retry-After": {"schema": INTEGER}},
        },
    }
    if not_found:
        answers["301"] = {
            "description": (
                "Moved Permanently: the slug asked for is an old one (renamed, or merged "
                "into another); Location is the resource's address now"
            ),
            "headers": {"Location": {"schema": STRING}},
            "content": {"application/json": {"schema": _ref("Moved")}},
        }
        answers["404"] = error("No such object, or not published")
    return answers


def _expand(resource: str) -> list[dict]:
    names = sorted(EXPANDABLE[resource])
    if not names:
        return []
    return [
        _parameter(
            "expand",
            f"comma-separated relations to embed as objects instead of slugs: {', '.join(names)}",
        )
    ]


def _paths() -> dict:
    paging = [
        _parameter("cursor", "the position `next` or `previous` gives; opaque"),
        _parameter(
            "page_size",
            f"results a page, {DEFAULT_PAGE_SIZE} unless given",
            {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
        ),
    ]
    slug_names = {
        "conference": "the conference's slug",
        "day": "the day's slug",
        "talk": "the talk's slug",
        "speaker": "the speaker's slug",
        "tag": "the tag's slug",
        "note": "the note's id",
    }
    paths = {}
    for resource, info in RESOURCES.items():
        schema = _SCHEMA_NAMES[resource]
        filters = [_parameter(name, str(text)) for name, text in info["filters"].items()]
        paths[info["list"]] = {
            "get": {
                "operationId": f"list_{resource}",
                "summary": f"Published {resource}, in id order",
                "parameters": [*filters, *paging, *_expand(resource)],
                "responses": _answers(f"{schema}Page", not_found=False),
            }
        }
        in_path = [
            _parameter(name, slug_names[name], where="path")
            for name in slug_names
            if "{" + name + "}" in info["detail"]
        ]
        paths[info["detail"]] = {
            "get": {
                "operationId": f"get_{resource[:-1]}",
                "summary": f"One published {resource[:-1]}",
                "parameters": [*in_path, *_expand(resource)],
                "responses": _answers(schema, not_found=True),
            }
        }
    paths["/api/v1/"] = {
        "get": {
            "operationId": "root",
            "summary": "The resources and this document",
            "responses": _answers("Root", not_found=False),
        }
    }
    return paths


@cache
def schema_document() -> dict:
    """The document, in English whoever asks first (it is kept for the process)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _document()


def _document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "confnotes API",
            "version": VERSION,
            "description": (
                "Read-only, anonymous JSON of the published archive: conferences, days, talks, "
                "speakers, tags and notes. Drafts never appear. Lists are paginated by cursor "
                f"({DEFAULT_PAGE_SIZE} a page, at most {MAX_PAGE_SIZE}); every answer carries "
                "ETag, Last-Modified, Confnotes-Version and Access-Control-Allow-Origin: *."
            ),
        },
        "paths": _paths(),
        "components": {"schemas": _components()},
    }
