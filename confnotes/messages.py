"""The translation catalogs: locale/<language>/LC_MESSAGES/django.po, with Babel.

    python -m confnotes.messages update    # `make messages`: the catalogs take the strings
                                           # of the code and templates as they are now
    python -m confnotes.messages compile   # `make compilemessages`: .po → the .mo Django reads
    python -m confnotes.messages check     # exit 1 when `update` or `compile` would change a file

Babel reads the three kinds of source the site has: Python (gettext, gettext_lazy,
pgettext...), the public pages' Jinja2 templates (`_()` and `{% trans %}`, through
Jinja2's own extractor), and the Django templates confnotes adds to the admin (turned
into Python by Django's own `templatize`, as `makemessages` does). Django's
`makemessages` reads no Jinja2, hence Babel. Catalogs carry no line numbers, so that
moving code does not make them stale; `check` fails only when a string changed.
"""

import datetime
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir, extract_python
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
DOMAIN = "django"
# What is extracted: the apps and the public templates, not tests or migrations.
SOURCES = ("confnotes", "speakers", "talks", "templates")
METHODS = [
    ("templates/**.html", "jinja2"),
    ("**/templates/**.html", "confnotes.messages:extract_django_template"),
    ("**.py", "python"),
]
OPTIONS = {
    # As confnotes/jinja2.py sets the environment up.
    "templates/**.html": {"trimmed": "true", "newstyle_gettext": "true"},
}
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "gettext_lazy": None,
    "ngettext_lazy": (1, 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext_lazy": ((1, "c"), 2, 3),
}
# A comment above a string, starting so, reaches the translators.
COMMENT_TAGS = ("Translators:",)
PROJECT = "confnotes"
_EPOCH = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


def languages() -> list[str]:
    """The languages that have a catalog folder (English, the source language, has none):
    `mkdir -p locale/fr/LC_MESSAGES` and `make messages` start a French one."""
    return sorted(path.parent.name for path in LOCALE.glob("*/LC_MESSAGES"))


def extract_django_template(fileobj, keywords, comment_tags, options):
    """Babel's extractor for a Django template, through Django's `templatize`."""
    from django.utils.translation.template import templatize

    source = templatize(fileobj.read().decode(), origin=getattr(fileobj, "name", None))
    yield from extract_python(io.BytesIO(source.encode()), keywords, comment_tags, options)


def extract() -> Catalog:
    """Every translatable string of the sources, as a template catalog."""
    import django
    from django.conf import settings

    if not settings.configured:  # templatize reads Django's settings
        settings.configure()
        django.setup()
    template = Catalog(project=PROJECT, fuzzy=False)
    for _filename, _lineno, message, comments, context in extract_from_dir(
        ROOT,
        method_map=METHODS,
        options_map=OPTIONS,
        keywords=KEYWORDS,
        comment_tags=COMMENT_TAGS,
        strip_comment_tags=True,
        directory_filter=_extracted_folder,
    ):
        template.add(message, None, auto_comments=comments, context=context)
    return template


def _extracted_folder(path: str) -> bool:
    parts = Path(path).relative_to(ROOT).parts
    return parts[0] in SOURCES and not {"tests", "migrations", "__pycache__"} & set(parts)


def updated(language: str, template: Catalog) -> tuple[Path, bytes]:
    """The catalog of `language` after taking `template`'s strings, as its file would be."""
    path = LOCALE / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if path.exists():
        with path.open("rb") as file:
            catalog = read_po(file, locale=language, domain=DOMAIN)
    else:
        catalog = Catalog(
            locale=language,
            domain=DOMAIN,
            header_comment=f"# {PROJECT}: the interface in {language} (confnotes/messages.py).",
            project=PROJECT,
            version="1",
            copyright_holder=PROJECT,
            msgid_bugs_address="-",
            last_translator=f"the {PROJECT} team",
            language_team=f"the {PROJECT} team",
            fuzzy=False,
        )
    # No guessing: a new or changed string is untranslated until a person translates it.
    catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
    catalog.obsolete.clear()
    return path, _po_bytes(catalog)


def _po_bytes(catalog: Catalog) -> bytes:
    # The dates in the header change on every run; the catalog's content does not.
    catalog.creation_date = catalog.revision_date = _EPOCH
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=88, no_location=True, sort_output=True, ignore_obsolete=True)
    return buffer.getvalue()


def compiled(path: Path) -> tuple[Path, bytes]:
    """The .mo file of the catalog at `path`, as `compile` writes it."""
    with path.open("rb") as file:
        catalog = read_po(file)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return path.with_suffix(".mo"), buffer.getvalue()


def stale() -> list[str]:
    """The catalog files that `update` or `compile` would change, with why."""
    problems = []
    template = extract()
    for language in languages():
        path, content = updated(language, template)
        if path.read_bytes() != content:
            problems.append(f"{path.relative_to(ROOT)}: strings changed; run `make messages`")
        mo_path, mo = compiled(path)
        if not mo_path.exists() or mo_path.read_bytes() != mo:
            problems.append(f"{mo_path.relative_to(ROOT)}: out of date; run `make compilemessages`")
    return problems


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    if command == "update":
        template = extract()
        for language in languages():
            path, content = updated(language, template)
            path.write_bytes(content)
            print(f"{path.relative_to(ROOT)}: {len(template)} strings")
        return 0
    if command == "compile":
        for language in languages():
            mo_path, mo = compiled(LOCALE / language / "LC_MESSAGES" / f"{DOMAIN}.po")
            mo_path.write_bytes(mo)
            print(f"{mo_path.relative_to(ROOT)} written")
        return 0
    if command == "check":
        problems = stale()
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
