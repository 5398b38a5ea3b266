import pytest


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded files go to a fresh folder per test, never to the project's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: no page cached by an earlier test."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _interface_in_english():
    """Each test starts in the default language: a request in another language (the
    LocaleMiddleware activates it for the thread) does not carry over to the next test."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.activate("en")
