# Full-text search index (SQLite FTS5 / PostgreSQL search vector). Filled in by the search work.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("talks", "0001_initial")]

    operations = []
