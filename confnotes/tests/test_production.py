import json
import secrets
from html.parser import HTMLParser
from unittest import mock

import pytest
from django.core.management import call_command
from django.db.utils import OperationalError

from talks.tests.site_sample import make_sample_site

pytestmark = pytest.mark.django_db


def test_deploy_check_passes_with_debug_off(settings):
    # The test run switches off the SSL redirect (the test client speaks plain
    # HTTP); production keeps the default, which is on.
    settings.SECURE_SSL_REDIRECT = True
    settings.DEBUG = False
    settings.SECRET_KEY = secrets.token_urlsafe(50)

    call_command("check", deploy=True, fail_level="WARNING")


def test_pages_carry_security_headers(client):
    response = client.get("/")

    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert "frame-src https://www.youtube-nocookie.com" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


class _InlineCode(HTMLParser):
    """Collects a page's <script> tags (with their text) and any inline style or handler."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts: list[dict] = []  # {"attrs": {...}, "text": "..."}
        self.inline: list[str] = []  # style attributes, <style> elements, on* handlers
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.scripts.append({"attrs": attrs, "text": ""})
            self.in_script = True
        if tag == "style":
            self.inline.append("<style>")
        for name in attrs:
            if name == "style" or name.startswith("on"):
                self.inline.append(f"<{tag} {name}=...>")

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_script = False

    def handle_data(self, data):
        # The parser hands a <script>'s body over as raw data until its </script>.
        if self.in_script:
            self.scripts[-1]["text"] += data


def _inline_code(html: str) -> _InlineCode:
    parser = _InlineCode()
    parser.feed(html)
    parser.close()
    return parser


def test_no_page_has_inline_script(client):
    pages = make_sample_site().pages
    json_ld_pages = []

    for kind, url in pages.items():
        response = client.get(url)

        assert response.status_code == (404 if kind == "not-found" else 200), (kind, url)
        found = _inline_code(response.content.decode())
        for script in found.scripts:
            attrs = script["attrs"]
            if attrs.get("src"):
                assert not script["text"].strip(), (kind, url, attrs)
                continue
            # The one inline script allowed is data, not code: JSON-LD for search engines.
            assert attrs.get("type") == "application/ld+json", (kind, url, attrs)
            json.loads(script["text"])
            json_ld_pages.append(kind)
        assert found.inline == [], (kind, url)

    # A page of real content was looked at, not only empty shells.
    assert "talk" in json_ld_pages


def test_unknown_url_gives_site_404_without_debug_page(client):
    response = client.get("/no/such/page/at/all/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert "Traceback" not in html and "URLconf" not in html


def test_healthz_answers_ok_when_database_and_cache_answer(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"database:default": "ok", "cache": "ok"}


def test_healthz_answers_503_when_cache_fails(client):
    with mock.patch("confnotes.views.cache.set", side_effect=ConnectionError("down")):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "error"


def test_healthz_answers_503_when_database_fails(client):
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("gone")
    ):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["database:default"] == "error"


def test_admin_login_locks_out_after_repeated_failures(client, django_user_model, settings):
    django_user_model.objects.create_user("editor", password="right-password", is_staff=True)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": "editor", "password": "wrong"})

    response = client.post("/admin/login/", {"username": "editor", "password": "right-password"})

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("next_url", ["https://elsewhere.example/steal", "//elsewhere.example/"])
def test_admin_login_with_a_refused_next_lands_on_the_admin_index(
    client, django_user_model, next_url
):
    django_user_model.objects.create_user("editor", password="right-password", is_staff=True)

    response = client.post(
        f"/admin/login/?next={next_url}", {"username": "editor", "password": "right-password"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get(response["Location"]).status_code == 200
