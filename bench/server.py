"""Throwaway environments and servers for the benchmarks: gunicorn on 127.0.0.1.

`bench_environment()` makes the environment variables of a production-like
run (debug off, a throwaway secret key, a temporary database and static
root); `Server` starts `gunicorn -c gunicorn.conf.py` with them on a free port
and stops it again.
"""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
LUA_REPORT = Path(__file__).with_name("wrk_report.lua")
WORKERS = 2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_environment(workdir: Path) -> dict[str, str]:
    """Environment variables for a production-like run with throwaway state in `workdir`."""
    env = {
        "DJANGO_SETTINGS_MODULE": "confnotes.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-" + secrets.token_urlsafe(40),
        # testserver: the in-process client that counts queries.
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,testserver",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_STATIC_ROOT": str(workdir / "static"),
        "DJANGO_MEDIA_ROOT": str(workdir / "media"),
        "CONFNOTES_BENCH_FLOOR": "1",
        # wrk asks from one address thousands of times a second: the API's limit is
        # counted as in production, but never reached.
        "CONFNOTES_API_THROTTLE": "1000000000/second",
    }
    base_url = os.environ.get("DATABASE_URL", "")
    if base_url.startswith(("postgres://", "postgresql://", "pgsql://")):
        env["DATABASE_URL"] = _throwaway_postgres(base_url)
    else:
        env["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    return env


def _throwaway_postgres(base_url: str) -> str:
    """Create an empty database beside the one `base_url` names; return its URL."""
    import psycopg

    name = f"confnotes_bench_{os.getpid()}"
    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(base_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def drop_throwaway_postgres(url: str) -> None:
    if "confnotes_bench_" not in url:
        return
    import psycopg
    from django.db import connections

    connections.close_all()
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def throwaway_workdir(prefix: str):
    """A work folder and the production-like environment of `bench_environment()`, set in
    this process too; the folder and any throwaway PostgreSQL database go at the end."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    env = bench_environment(workdir)
    os.environ.update(env)
    try:
        yield env, workdir
    finally:
        drop_throwaway_postgres(env["DATABASE_URL"])
        shutil.rmtree(workdir, ignore_errors=True)


def generated_site(talks: int):
    """Migrate the throwaway database, collect static files and generate an archive of
    about `talks` talks, indexed for search; returns the archive's figures."""
    import django

    django.setup()
    from django.core.management import call_command

    from bench.archive import build_archive
    from talks.models import Conference
    from talks.signals import content_imported

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    stats = build_archive(talks=talks)
    content_imported.send(
        sender=None, conference_ids=list(Conference.objects.values_list("pk", flat=True))
    )
    return stats


@dataclass
class Server:
    """A gunicorn server with 2 workers on a free 127.0.0.1 port."""

    env: dict[str, str]
    app: str = "confnotes.wsgi"
    process: subprocess.Popen | None = None
    port: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, ready_path: str = "/healthz", timeout: float = 30) -> "Server":
        self.port = free_port()
        env = {
            **os.environ,
            **self.env,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": str(WORKERS),
            # No recycling: a worker restarting inside a 3-second run would
            # measure Django's start-up, not the page.
            "GUNICORN_MAX_REQUESTS": "0",
            "PYTHONPATH": str(ROOT),
        }
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(
            [str(gunicorn), "-c", str(ROOT / "gunicorn.conf.py"), self.app],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,  # the access log
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited: {self.process.stderr.read().decode()[-2000:]}"
                )
            try:
                with urllib.request.urlopen(self.base + ready_path, timeout=2):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer {ready_path} within {timeout} s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def static_server(env: dict[str, str], root: Path) -> Server:
    """gunicorn (same config) serving the files in `root` through whitenoise: the ceiling."""
    return Server(env={**env, "BENCH_STATIC_DIR": str(root)}, app="bench.static_app:app")


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


@dataclass
class WrkResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int  # socket errors: connect, read, write, timeout
    bad_status: int  # responses other than 2xx/3xx
    bytes: int


def run_wrk(
    url: str,
    *,
    seconds: int,
    connections: int = 8,
    threads: int = 2,
    limit: int = 0,
    bust: str = "",
    etag: str = "",
    script: Path = LUA_REPORT,
    extra_env: dict[str, str] | None = None,
) -> WrkResult:
    """One bounded wrk run; `limit` stops each thread after that many responses."""
    env = {
        **os.environ,
        "BENCH_BUST": bust,
        "BENCH_LIMIT": str(limit),
        "BENCH_IF_NONE_MATCH": etag,
        **(extra_env or {}),
    }
    # wrk's default timeout (2 s) would count slow uncached pages as socket
    # errors; gunicorn's own timeout (30 s) is the one that matters.
    cmd = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s",
        "-s", str(script), url,
    ]  # fmt: skip
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=seconds + 60)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCH-JSON ")), None)
    if line is None:
        raise RuntimeError(
            f"wrk gave no figures for {url}: {out.stdout[-500:]} {out.stderr[-500:]}"
        )
    data = json.loads(line.removeprefix("BENCH-JSON "))
    # Timed by the script itself: wrk's duration is the whole -d even when
    # threads stop early at their response limit.
    secs = data["elapsed_us"] / 1e6
    return WrkResult(
        requests=data["responses"],
        seconds=secs,
        rps=data["responses"] / secs if secs else 0.0,
        p50_ms=data["p50_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors=data["connect"] + data["read"] + data["write"] + data["timeout"],
        bad_status=data["status"],
        bytes=data["bytes"],
    )
