# Full-text search index, read and written only by talks/search.py. Not a model: the
# index is derived data, rebuilt at will (`manage.py rebuild_search_index`).
# SQLite: an FTS5 table whose rowid is the talk's id. PostgreSQL: a table with a
# weighted search vector (A title and speakers, B tags, C abstract, D notes) and a
# GIN index, in a text search configuration of its own: English stemming without
# English stop words, so "not", "or" and "the" are words that can be found, as on
# SQLite. Dots, colons, slashes, @ and _ become spaces before parsing: PostgreSQL's
# parser would keep "node.js", "3.12" or "example.com" as one token, while queries
# (and SQLite) split them into words. Other databases get no index.
from django.db import migrations

SQLITE = [
    "CREATE VIRTUAL TABLE talks_search USING fts5("
    "title, speakers, tags, abstract, notes, "
    "tokenize = 'porter unicode61 remove_diacritics 2')",
]

def _weighted(column: str, weight: str) -> str:
    words = f"regexp_replace({column}, '[.:/@_]+', ' ', 'g')"
    return f"setweight(to_tsvector('confnotes_english'::regconfig, {words}), '{weight}')"


DOCUMENT = "\n            || ".join(
    _weighted(column, weight)
    for column, weight in [
        ("title", "A"), ("speakers", "A"), ("tags", "B"), ("abstract", "C"), ("notes", "D"),
    ]
)  # fmt: skip

POSTGRESQL = [
    "CREATE TEXT SEARCH DICTIONARY confnotes_english_stem "
    "(TEMPLATE = snowball, Language = english)",
    "CREATE TEXT SEARCH CONFIGURATION confnotes_english (COPY = pg_catalog.english)",
    "ALTER TEXT SEARCH CONFIGURATION confnotes_english ALTER MAPPING FOR "
    "asciiword, asciihword, hword_asciipart, word, hword, hword_part "
    "WITH confnotes_english_stem",
    f"""CREATE TABLE talks_search (
        talk_id bigint PRIMARY KEY,
        title text NOT NULL DEFAULT '',
        speakers text NOT NULL DEFAULT '',
        tags text NOT NULL DEFAULT '',
        abstract text NOT NULL DEFAULT '',
        notes text NOT NULL DEFAULT '',
        document tsvector GENERATED ALWAYS AS ({DOCUMENT}) STORED
    )""",
    "CREATE INDEX talks_search_document ON talks_search USING gin (document)",
]


def create_search_index(apps, schema_editor):
    statements = {"sqlite": SQLITE, "postgresql": POSTGRESQL}.get(
        schema_editor.connection.vendor, []
    )
    for sql in statements:
        schema_editor.execute(sql)


def drop_search_index(apps, schema_editor):
    if schema_editor.connection.vendor in ("sqlite", "postgresql"):
        schema_editor.execute("DROP TABLE IF EXISTS talks_search")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS confnotes_english")
        schema_editor.execute("DROP TEXT SEARCH DICTIONARY IF EXISTS confnotes_english_stem")


class Migration(migrations.Migration):
    dependencies = [("talks", "0001_initial")]

    operations = [
        migrations.RunPython(create_search_index, drop_search_index, elidable=False),
    ]
