"""The tag manager of talks and conferences: tag names cleaned as every stored text is."""

from taggit.managers import _TaggableManager

from confnotes.text import clean_text


def _clean(tags):
    return [clean_text(tag) if isinstance(tag, str) else tag for tag in tags]


class CleanTagManager(_TaggableManager):
    """taggit's manager, with clean_text() applied to names before it looks them up: a
    Tag is saved with its name cleaned (talks/signals.py), so "x\\x01" must find "x"."""

    def add(self, *tags, **kwargs):
        return super().add(*_clean(tags), **kwargs)

    def set(self, tags, **kwargs):
        return super().set(_clean(tags), **kwargs)

    def remove(self, *tags):
        return super().remove(*_clean(tags))
