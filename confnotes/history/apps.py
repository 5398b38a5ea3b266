from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class HistoryConfig(AppConfig):
    """Templates and static files of the admin's history pages; it has no models."""

    name = "confnotes.history"
    label = "history"
    verbose_name = gettext_lazy("History")
