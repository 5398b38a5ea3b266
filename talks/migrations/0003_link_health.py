# Link health: the last check of every external URL. Filled in by the link-health work.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("talks", "0002_search")]

    operations = []
