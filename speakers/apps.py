from django.apps import AppConfig


class SpeakersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "speakers"

    def ready(self):
        from django.utils.translation import gettext_lazy

        from confnotes.history import versions
        from speakers.models import Speaker

        # A speaker's aliases are edited with them and restored with them. The rendered
        # biography is left out: a restore saves, and save() renders it again.
        versions.register(
            Speaker, follow={"aliases": gettext_lazy("Aliases")}, exclude=["bio_html"]
        )
