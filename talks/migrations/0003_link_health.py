# Link health: the last check of every external URL (filled by `manage.py check_links`).
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("talks", "0002_search")]

    operations = [
        migrations.CreateModel(
            name="LinkCheck",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("url", models.URLField(max_length=500, unique=True)),
                ("status_code", models.PositiveSmallIntegerField(blank=True, help_text="Of the last answer, after redirects.", null=True)),
                ("error", models.CharField(blank=True, help_text="Why no answer came (timeout, refused...).", max_length=300)),
                ("final_url", models.URLField(blank=True, max_length=2000, verbose_name="final URL")),
                ("redirects", models.JSONField(blank=True, default=list, help_text="Each hop as [status, URL it pointed to].")),
                ("checked_at", models.DateTimeField()),
                ("failing_since", models.DateTimeField(blank=True, null=True)),
                ("consecutive_failures", models.PositiveIntegerField(default=0)),
                ("broken", models.BooleanField(default=False, help_text="Failing for a while: pages offer an archived copy.")),
            ],
            options={
                "ordering": ["url"],
                "indexes": [
                    models.Index(fields=["checked_at"], name="linkcheck_checked_at"),
                    models.Index(fields=["broken", "url"], name="linkcheck_broken_url"),
                ],
            },
        ),
    ]
