# PostgreSQL: how the word and grams indexes store what every search reads.
#
# Their GIN indexes keep at most 1 MB of pending entries. A row written into a GIN index
# first joins the index's list of pending entries, and every search reads that whole
# list, entry by entry, besides the index itself. The list is merged into the index only
# once it outgrows gin_pending_list_limit (4 MB by default) or at a VACUUM; an import of
# the pyvideo archive left 461 pages pending, and a search for "asyncio testing" took
# 1.86 ms instead of 0.81 ms with none. With 1 MB a search reads at most about 128
# pending pages. Writing the archive's 21,409 rows into the index took 3.85 s instead of
# 3.65 s; with 256 kB it took 4.6 s, and with no pending list at all (fastupdate off)
# 9.8 s (docs/benchmarks.md).
#
# The word index's tag ids stay in their row (storage MAIN), as its search vector does
# (0006): the tag facet reads them for every match. In a row whose vector is long,
# PostgreSQL moved them out to the TOAST table, and the facet of "django" read 651
# buffers to fetch them back. MAIN moves them out only when nothing else can make the
# row fit in a page; PLAIN never would, and refused a talk with 3,000 tags ("row is too
# big"). Rows already stored keep their tag ids where they are until they are written
# again: when their talks are reindexed, or all at once by rebuild_search_index.
#
# SQLite: nothing to do.
from django.db import migrations

INDEXES = ["talks_search_document", "talks_search_grams_document"]
LIMIT_KB = 1024


def store(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for index in INDEXES:
            schema_editor.execute(f"ALTER INDEX {index} SET (gin_pending_list_limit = {LIMIT_KB})")
        schema_editor.execute("ALTER TABLE talks_search ALTER COLUMN tag_ids SET STORAGE MAIN")


def unstore(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for index in INDEXES:
            schema_editor.execute(f"ALTER INDEX {index} RESET (gin_pending_list_limit)")
        schema_editor.execute("ALTER TABLE talks_search ALTER COLUMN tag_ids SET STORAGE EXTENDED")


class Migration(migrations.Migration):
    dependencies = [("talks", "0014_search_facet_columns")]

    operations = [migrations.RunPython(store, unstore, elidable=False)]
