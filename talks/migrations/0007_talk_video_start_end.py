from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("talks", "0006_search_document_inline")]

    operations = [
        migrations.AddField(
            model_name="talk",
            name="video_start",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="Where this item starts in the recording, in seconds "
                "(a lightning talk in a session's video).",
                null=True,
                verbose_name="starts at",
            ),
        ),
        migrations.AddField(
            model_name="talk",
            name="video_end",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="Where this item ends in the recording, in seconds.",
                null=True,
                verbose_name="ends at",
            ),
        ),
        migrations.AddConstraint(
            model_name="talk",
            constraint=models.CheckConstraint(
                condition=models.Q(("video_end__isnull", True))
                | models.Q(("video_end__gt", 0), ("video_start__isnull", True))
                | models.Q(("video_end__gt", models.F("video_start"))),
                name="talk_video_end_after_start",
                violation_error_message="The video's end must come after its start.",
            ),
        ),
    ]
