from django.apps import AppConfig


class TalksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "talks"
    verbose_name = "Conferences and talks"

    def ready(self):
        from confnotes import jinja2
        from talks import history, search, signals, tags, templating

        jinja2.register(globals=templating.TEMPLATE_GLOBALS, filters=templating.TEMPLATE_FILTERS)
        history.register()
        signals.connect()
        tags.connect()
        search.connect_signals()
        signals.connect_last()
