# PostgreSQL: talks_search gets the columns a search groups its matches by, a copy of
# each talk's conference, kind, language and tag ids, written with its text by
# talks/search.py: the facets then read them from the rows the match already read,
# instead of joining talks_talk and talks_taggedtalk once per match.
# The columns are reordered too: the search vector comes before the texts. A search
# reads the vector of every row it scans (to match, then to rank), and to find a column
# PostgreSQL walks every variable-length column before it in the row; the texts, which
# only the excerpts of one page read, are now walked by no search.
# A filter by conference or year starts from the few talks of those conferences: an
# index on conference_id keeps that way open, as talks_talk's own index did.
# Columns cannot be moved, so the table is made anew, empty: the search app's
# post_migrate handler (talks/search.py) refills it. The vector's expression and its
# storage (MAIN, 0006) are those of 0011. SQLite: nothing to do.
from django.db import migrations

FIELDS = [("title", "A"), ("speakers", "A"), ("tags", "B"), ("abstract", "C"), ("notes", "D")]
SEPARATORS = r".:/@_\u200B"  # a regular-expression escape, as in 0011


def _document() -> str:
    def weighted(column: str, weight: str) -> str:
        words = f"regexp_replace({column}, '[{SEPARATORS}]+', ' ', 'g')"
        return f"setweight(to_tsvector('confnotes_english'::regconfig, {words}), '{weight}')"

    return "\n            || ".join(weighted(column, weight) for column, weight in FIELDS)


TEXTS = """
        title text NOT NULL DEFAULT '',
        speakers text NOT NULL DEFAULT '',
        tags text NOT NULL DEFAULT '',
        abstract text NOT NULL DEFAULT '',
        notes text NOT NULL DEFAULT ''"""
DOCUMENT = f"document tsvector GENERATED ALWAYS AS ({_document()}) STORED"

WITH_FACETS = f"""CREATE TABLE talks_search (
        talk_id bigint PRIMARY KEY,
        conference_id bigint NOT NULL,
        kind text NOT NULL,
        language text NOT NULL,
        tag_ids integer[] NOT NULL,
        {DOCUMENT},{TEXTS}
    )"""
WITHOUT_FACETS = f"""CREATE TABLE talks_search (
        talk_id bigint PRIMARY KEY,{TEXTS},
        {DOCUMENT}
    )"""


def _make_table(schema_editor, create: str) -> None:
    for sql in [
        "DROP TABLE talks_search",
        create,
        "ALTER TABLE talks_search ALTER COLUMN document SET STORAGE MAIN",
        "CREATE INDEX talks_search_document ON talks_search USING gin (document)",
    ]:
        schema_editor.execute(sql)


def add_facet_columns(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _make_table(schema_editor, WITH_FACETS)
        schema_editor.execute(
            "CREATE INDEX talks_search_conference ON talks_search (conference_id)"
        )


def drop_facet_columns(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _make_table(schema_editor, WITHOUT_FACETS)


class Migration(migrations.Migration):
    dependencies = [("talks", "0013_note_language_verbose_names")]

    operations = [
        migrations.RunPython(add_facet_columns, drop_facet_columns, elidable=False),
    ]
