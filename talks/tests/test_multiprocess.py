"""Several gunicorn workers on the default settings serve an edit at once, wherever it was made.

Black-box: gunicorn with the project's gunicorn.conf.py and 3 workers, on the
production defaults (debug off, a SQLite file, no CACHE_URL), seeded with the
fixtures. Every worker first caches a page; then content changes in another
process (a `manage.py shell`) or through one worker (an admin action), and
every later response, whichever worker answers it, must show the change.
"""

import os
import re
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

import httpx
import pytest

from bench.server import ROOT, free_port

pytestmark = pytest.mark.slow

WORKERS = 3
ROUNDS = 30  # requests per check: enough for every worker to answer several
CONFERENCE_SLUG = "djangocon-us-2019"
CONFERENCE_NAME = "DjangoCon US 2019"
TALK_SLUG = "building-effective-django-queries-with-expressions"
OLD_TITLE = "Building effective Django queries with expressions"
NEW_TITLE = "Query expressions in Django, revisited"  # does not contain the old title

# Settings the suite itself may run with (CI's redis:// CACHE_URL and postgres://
# DATABASE_URL, pytest.ini's static storage): none reaches the server.
_SUITE_PREFIXES = ("DJANGO_", "DATABASE_", "CACHE_", "GUNICORN_", "CONFNOTES_")


@dataclass
class Site:
    base: str
    env: dict[str, str]


def _production_environment(workdir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(_SUITE_PREFIXES)}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "confnotes.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "multiprocess-" + secrets.token_urlsafe(40),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
            # CACHE_URL stays unset: the default, a folder on disk every worker shares.
            "DJANGO_STATIC_ROOT": str(workdir / "static"),
            "DJANGO_MEDIA_ROOT": str(workdir / "media"),
            "GUNICORN_WORKERS": str(WORKERS),
            # No recycling: a fresh worker would start with an empty cache.
            "GUNICORN_MAX_REQUESTS": "0",
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def _manage(env: dict[str, str], *args: str) -> str:
    """Run `manage.py <args>` in its own process; its stdout."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, f"manage.py {args[0]} failed:\n{done.stderr[-3000:]}"
    return done.stdout


def _wait_until_ready(process: subprocess.Popen, base: str, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2, trust_env=False).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer /healthz within 30 s:\n{log.read_text()[-3000:]}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
            return
        except subprocess.TimeoutExpired:
            pass
    # Workers left behind by an arbiter that died or hung.
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def seed(env: dict[str, str]) -> None:
    """Migrate, load the seed fixtures and collect static files, in `env`."""
    _manage(env, "migrate", "--no-input")
    _manage(env, "loaddata", *sorted(str(path) for path in (ROOT / "fixtures").glob("*.json")))
    # Debug off: whitenoise's manifest storage needs collected files to render a page.
    _manage(env, "collectstatic", "--no-input")


@pytest.fixture
def site(tmp_path):
    """gunicorn -c gunicorn.conf.py with 3 workers on the seed fixtures, stopped after the test."""
    env = _production_environment(tmp_path)
    seed(env)
    yield from serve(env, tmp_path)


def serve(env: dict[str, str], tmp_path: Path):
    """gunicorn -c gunicorn.conf.py in `env` on a free port, as a fixture yields it."""
    port = free_port()
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "-c", "gunicorn.conf.py"]
            + ["confnotes.wsgi"],
            cwd=ROOT,
            env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
            stdout=subprocess.DEVNULL,  # the access log
            stderr=stderr,
            start_new_session=True,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_ready(process, base, log)
        yield Site(base=base, env=env)
    finally:
        _stop(process)


def _fetch_many(url: str, count: int = ROUNDS) -> list[httpx.Response]:
    """`count` anonymous GETs, each on a new connection, a few at a time.

    Concurrent requests keep several sync workers busy at once, so every
    worker answers some of them instead of whichever one is quickest to accept.
    """

    def fetch(_):
        response = httpx.get(url, timeout=10, trust_env=False)
        response.read()
        return response

    with ThreadPoolExecutor(max_workers=WORKERS * 2) as pool:
        return list(pool.map(fetch, range(count)))


def _statuses(responses: list[httpx.Response]) -> dict[int, int]:
    return dict(Counter(response.status_code for response in responses))


class AdminBrowser:
    """One admin user's requests: the session and CSRF cookies sent back each time.

    The cookies are Secure (the production default) and this is plain HTTP on
    127.0.0.1: a cookie jar would keep them to itself, so they go by hand.
    """

    def __init__(self, base: str):
        self.base = base
        self.cookies: dict[str, str] = {}
        self.client = httpx.Client(base_url=base, timeout=20, trust_env=False)

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        headers = {"Referer": self.base + path}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = self.client.request(method, path, headers=headers, **kwargs)
        for header in response.headers.get_list("set-cookie"):
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response

    def csrf_token(self, path: str) -> str:
        page = self.request("GET", path)
        assert page.status_code == 200, f"GET {path}: {page.status_code}"
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert match, f"no CSRF token in {path}"
        return match.group(1)

    def log_in(self, username: str, password: str) -> None:
        login = "/admin/login/?next=/admin/"
        data = {"username": username, "password": password, "next": "/admin/"}
        data["csrfmiddlewaretoken"] = self.csrf_token(login)
        response = self.request("POST", login, data=data)
        assert response.status_code == 302, f"admin login refused ({response.status_code})"

    def close(self) -> None:
        self.client.close()


def test_talk_renamed_in_another_process_is_shown_by_every_worker(site):
    url = f"{site.base}/{CONFERENCE_SLUG}/talks/{TALK_SLUG}/"
    before = _fetch_many(url)
    assert _statuses(before) == {200: ROUNDS}
    assert all(OLD_TITLE in response.text for response in before)
    cards_before = {response.content for response in _fetch_many(f"{url}card.png")}
    assert len(cards_before) == 1  # every worker serves the one card it drew or found

    _manage(
        site.env,
        "shell",
        "--no-imports",
        "-c",
        "from talks.models import Talk\n"
        f"talk = Talk.objects.get(conference__slug={CONFERENCE_SLUG!r}, slug={TALK_SLUG!r})\n"
        f"talk.title = {NEW_TITLE!r}\n"
        "talk.save()\n",
    )
    after = _fetch_many(url)

    stale = sum(OLD_TITLE in response.text for response in after)
    wrong = [
        response
        for response in after
        if response.status_code != 200
        or NEW_TITLE not in response.text
        or OLD_TITLE in response.text
    ]
    assert not wrong, (
        f"{stale} of {ROUNDS} responses still show the old title {OLD_TITLE!r} after the talk "
        f"was renamed in another process ({len(wrong)} not the renamed page; "
        f"statuses {_statuses(after)})"
    )
    # Its social card is expired with its page: drawn again with the new title.
    cards_after = _fetch_many(f"{url}card.png")
    assert _statuses(cards_after) == {200: ROUNDS}
    drawn = {response.content for response in cards_after}
    assert len(drawn) == 1 and drawn.isdisjoint(cards_before)


def test_conference_unpublished_in_the_admin_is_gone_from_every_worker(site):
    url = f"{site.base}/{CONFERENCE_SLUG}/"
    password = secrets.token_urlsafe(16)
    _manage(
        {**site.env, "DJANGO_SUPERUSER_PASSWORD": password},
        "createsuperuser",
        "--no-input",
        "--username=editor",
        "--email=editor@example.com",
    )
    conference_pk = _manage(
        site.env,
        "shell",
        "--no-imports",
        "-c",
        "from talks.models import Conference\n"
        f"print(Conference.objects.get(slug={CONFERENCE_SLUG!r}).pk)\n",
    ).strip()
    before = _fetch_many(url)
    assert _statuses(before) == {200: ROUNDS}
    assert all(CONFERENCE_NAME in response.text for response in before)

    admin = AdminBrowser(site.base)
    try:
        admin.log_in("editor", password)
        changelist = "/admin/talks/conference/"
        response = admin.request(
            "POST",
            changelist,
            data={
                "action": "unpublish",
                "_selected_action": conference_pk,
                "index": "0",
                "csrfmiddlewaretoken": admin.csrf_token(changelist),
            },
        )
    finally:
        admin.close()
    assert response.status_code == 302, f"the unpublish action answered {response.status_code}"
    published = _manage(
        site.env,
        "shell",
        "--no-imports",
        "-c",
        "from talks.models import Conference\n"
        f"print(Conference.objects.get(slug={CONFERENCE_SLUG!r}).published)\n",
    ).strip()
    assert published == "False", "the admin action did not unpublish the conference"
    after = _fetch_many(url)

    still_shown = sum(
        response.status_code == 200 and CONFERENCE_NAME in response.text for response in after
    )
    assert _statuses(after) == {404: ROUNDS}, (
        f"{still_shown} of {ROUNDS} anonymous responses still show the conference page of "
        f"{CONFERENCE_NAME} after it was unpublished through the admin "
        f"(statuses {_statuses(after)}; expected 404 for all)"
    )
