from django.apps import AppConfig


class TalksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "talks"
    verbose_name = "Conferences and talks"

    def ready(self):
        from talks import search, signals

        signals.connect()
        search.connect_signals()
        signals.connect_last()
