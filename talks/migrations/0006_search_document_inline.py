# PostgreSQL: keep each talk's search vector in its row (storage MAIN) instead of out of
# line in the TOAST table, where it went whenever the row passed 2 kB with its texts.
# Every search reads the vector of each match (to match it, then to rank it); read out
# of line, that cost an index lookup and a copy per match, far more than the match.
# The texts, which only the excerpts of one page read, go out of line first instead.
# Rows keep the storage they were written with, so the table is rewritten; a stored
# generated column is computed again on any update. SQLite: nothing to do.
from django.db import migrations


def keep_vector_in_row(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE talks_search ALTER COLUMN document SET STORAGE MAIN")
        schema_editor.execute("UPDATE talks_search SET title = title")


def let_vector_out(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE talks_search ALTER COLUMN document SET STORAGE EXTENDED")


class Migration(migrations.Migration):
    dependencies = [("talks", "0005_note_published_at_partial")]

    operations = [
        migrations.RunPython(keep_vector_in_row, let_vector_out, elidable=False),
    ]
