# Search in scripts written without spaces (talks/search_scripts.py). Named for the
# trigram index first planned; it holds pairs of characters, which also find words of
# one or two characters, where trigrams would need a table scan.
# A second index, talks_search_grams, of the same shape as talks_search (0002): one row
# per talk with text in those scripts, each column holding that text's grams separated
# by spaces. SQLite: an FTS5 table with the ascii tokenizer, which splits at spaces only
# (grams hold no ASCII). PostgreSQL: a weighted search vector in the simple
# configuration (no stemming) behind a GIN index.
# The word index now holds a zero-width space where those scripts meet others. SQLite's
# tokenizer already splits there; PostgreSQL's parser does only in some locales, so the
# search vector's expression turns it into a space, as it does dots and slashes.
# Both indexes are emptied: the search app's post_migrate handler (talks/search.py)
# refills them when the index holds fewer talks than are published.
from django.db import migrations

SQLITE_GRAMS = (
    "CREATE VIRTUAL TABLE talks_search_grams USING fts5("
    "title, speakers, tags, abstract, notes, tokenize = 'ascii')"
)
FIELDS = [("title", "A"), ("speakers", "A"), ("tags", "B"), ("abstract", "C"), ("notes", "D")]


def _document(config: str, separators: str = "") -> str:
    def weighted(column: str, weight: str) -> str:
        words = f"regexp_replace({column}, '[{separators}]+', ' ', 'g')" if separators else column
        return f"setweight(to_tsvector('{config}'::regconfig, {words}), '{weight}')"

    return "\n            || ".join(weighted(column, weight) for column, weight in FIELDS)


POSTGRESQL_GRAMS = [
    f"""CREATE TABLE talks_search_grams (
        talk_id bigint PRIMARY KEY,
        title text NOT NULL DEFAULT '',
        speakers text NOT NULL DEFAULT '',
        tags text NOT NULL DEFAULT '',
        abstract text NOT NULL DEFAULT '',
        notes text NOT NULL DEFAULT '',
        document tsvector GENERATED ALWAYS AS ({_document("simple")}) STORED
    )""",
    "CREATE INDEX talks_search_grams_document ON talks_search_grams USING gin (document)",
]


def _replace_document(schema_editor, separators: str) -> None:
    """Give talks_search's (emptied) search vector a new expression, kept in its row (0006)."""
    for sql in [
        "DROP INDEX IF EXISTS talks_search_document",
        "ALTER TABLE talks_search DROP COLUMN document",
        "ALTER TABLE talks_search ADD COLUMN document tsvector GENERATED ALWAYS AS "
        f"({_document('confnotes_english', separators)}) STORED",
        "ALTER TABLE talks_search ALTER COLUMN document SET STORAGE MAIN",
        "CREATE INDEX talks_search_document ON talks_search USING gin (document)",
    ]:
        schema_editor.execute(sql)


def add_grams_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_GRAMS)
        schema_editor.execute("DELETE FROM talks_search")
    elif vendor == "postgresql":
        for sql in POSTGRESQL_GRAMS:
            schema_editor.execute(sql)
        schema_editor.execute("DELETE FROM talks_search")
        _replace_document(schema_editor, r".:/@_\u200B")  # a regular-expression escape


def drop_grams_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor in ("sqlite", "postgresql"):
        schema_editor.execute("DROP TABLE IF EXISTS talks_search_grams")
        schema_editor.execute("DELETE FROM talks_search")
    if vendor == "postgresql":
        _replace_document(schema_editor, ".:/@_")


class Migration(migrations.Migration):
    dependencies = [("talks", "0010_writer_and_editor_groups")]

    operations = [
        migrations.RunPython(add_grams_index, drop_grams_index, elidable=False),
    ]
