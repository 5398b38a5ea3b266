"""Every page kind, in every language of the interface, is valid HTML by the Nu Html
Checker (vnu.jar, run offline with Java)."""

import json
import subprocess

import pytest
from django.conf import settings

from talks.tests.browser import VNU_JAR, require_vnu
from talks.tests.site_sample import make_sample_site

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def _vnu_errors(java: str, files) -> list[str]:
    """The checker's errors for `files`, one line each: file, line, message."""
    result = subprocess.run(
        [java, "-Xss2m", "-jar", str(VNU_JAR), "--format", "json", "--exit-zero-always"]
        + [str(path) for path in files],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    # The checker writes its JSON report to stderr.
    messages = json.loads(result.stderr)["messages"]
    return [
        f"{m['url'].rsplit('/', 1)[-1]}:{m.get('lastLine', '?')}: {m['message']}"
        f" [{m.get('extract', '').strip()}]"
        for m in messages
        if m["type"] == "error" or m.get("subType") == "fatal"
    ]


BROKEN_PAGE = (
    '<!doctype html><html lang="en"><head><title>x</title></head>'
    '<body><p id="a">one</p><p id="a">two</div></body></html>'
)


def test_every_page_kind_is_valid_html(client, admin_client, tmp_path):
    java = require_vnu()
    site = make_sample_site()
    site.second_day.published = False
    site.second_day.save()
    files = []
    for language, _name in settings.LANGUAGES:
        for kind, path in site.pages.items():
            response = client.get(path, headers={"accept-language": language})
            assert response.status_code == (404 if kind == "not-found" else 200), path
            assert response["Content-Type"].startswith("text/html")
            assert f'<html lang="{language}">' in response.content.decode()
            target = tmp_path / f"{kind}-{language}.html"
            target.write_bytes(response.content)
            files.append(target)
    # Staff see drafts with a badge: that markup is checked too.
    staff_day = admin_client.get(site.second_day.get_absolute_url())
    assert b"Draft" in staff_day.content
    (tmp_path / "draft-day.html").write_bytes(staff_day.content)
    files.append(tmp_path / "draft-day.html")
    # A known-bad page in the same run shows the checker really reports errors.
    (tmp_path / "known-broken.html").write_text(BROKEN_PAGE, encoding="utf-8")
    files.append(tmp_path / "known-broken.html")

    errors = _vnu_errors(java, files)

    broken = [error for error in errors if error.startswith("known-broken.html:")]
    assert any("Duplicate ID" in error for error in broken)
    assert any("Stray end tag" in error for error in broken)
    site_errors = [error for error in errors if error not in broken]
    assert not site_errors, "\n".join(site_errors)
