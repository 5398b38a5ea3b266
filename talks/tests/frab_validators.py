"""The frab ecosystem's own validators, run on exports: voc/schedule's XSD (with lxml,
that is libxml2, as xmllint does) and its JSON schema (with jsonschema, formats checked).

They are read from ../shared/validators/voc-schedule/ (EUPL-1.2 copies, see the README
there) and never copied into the project; a test that needs them is skipped when that
folder is absent.
"""

import json
from functools import cache
from pathlib import Path

import jsonschema
import pytest
from defusedxml.ElementTree import fromstring as parse_xml
from django.conf import settings
from lxml import etree

VALIDATORS = Path(settings.BASE_DIR).parent / "shared" / "validators" / "voc-schedule"
XSD = VALIDATORS / "schedule.xml.xsd"
JSON_SCHEMA = VALIDATORS / "schema.json"


def require_validators() -> None:
    if not (XSD.exists() and JSON_SCHEMA.exists()):
        pytest.skip(f"{VALIDATORS} is absent: the shared folder is not next to the repository")


@cache
def _xml_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD), etree.XMLParser(no_network=True)))


@cache
def json_validator():
    """A validator of the schema's own draft (06) that checks formats: "uri" and
    "date-time" need rfc3986-validator and rfc3339-validator, both in requirements.txt."""
    schema = json.loads(JSON_SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def xsd_errors(text: str) -> list[str]:
    """What the XSD refuses in an XML document, one message per error."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    document = etree.fromstring(text.encode(), parser)
    schema = _xml_schema()
    schema.validate(document)
    return [f"line {error.line}: {error.message}" for error in schema.error_log]


def json_errors(text: str) -> list[str]:
    """What the JSON schema refuses in a JSON document, one message per error."""
    errors = json_validator().iter_errors(json.loads(text))
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors]


def errors(text: str, fmt: str) -> list[str]:
    return json_errors(text) if fmt == "json" else xsd_errors(text)


def extension_of(text: str, fmt: str) -> dict:
    """confnotes' extension in an export: `conference.meta.confnotes` in JSON, the
    `<?confnotes ...?>` processing instruction in XML."""
    if fmt == "json":
        return json.loads(text)["schedule"]["conference"]["meta"]["confnotes"]
    root = etree.fromstring(text.encode(), etree.XMLParser(resolve_entities=False))
    (instruction,) = root.find("conference").xpath("processing-instruction('confnotes')")
    return json.loads(instruction.text)


def events_of(text: str, fmt: str) -> list[dict]:
    """The events of an export as dicts of their plain fields, in file order."""
    if fmt == "json":
        days = json.loads(text)["schedule"]["conference"]["days"]
        return [e for day in days for events in day["rooms"].values() for e in events]
    return [
        {**event.attrib, **{child.tag: child.text or "" for child in event if len(child) == 0}}
        for event in parse_xml(text.encode()).iter("event")
    ]
