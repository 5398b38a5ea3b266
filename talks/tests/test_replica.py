"""A reader who arrives just after a commit never gets, nor caches, a replica's older rows.

Against a real PostgreSQL streaming standby that replays the primary's log with
a delay (`recovery_min_apply_delay`), so the lag is certain: .ci/run makes one
with pg_basebackup and names it in CONFNOTES_TEST_STANDBY_URL. gunicorn serves
the seed fixtures with DATABASE_URL on the primary and DATABASE_REPLICA_URLS on
the standby; a talk is renamed in another process; every request that follows
must show the new title, while the standby still holds the old one.
"""

import os
import time
from urllib.parse import urlsplit, urlunsplit

import pytest

from talks.tests.test_multiprocess import (
    NEW_TITLE,
    OLD_TITLE,
    TALK_SLUG,
    _fetch_many,
    _manage,
    _production_environment,
    _statuses,
    seed,
    serve,
)

pytestmark = pytest.mark.slow

STANDBY_URL = os.environ.get("CONFNOTES_TEST_STANDBY_URL", "")
PRIMARY_URL = os.environ.get("DATABASE_URL", "")
TALK_PATH = f"/djangocon-us-2019/talks/{TALK_SLUG}/"


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _standby_has_replayed(timeout: float = 60) -> None:
    """Wait until the standby has replayed everything the primary has written.

    Both are asked through their own databases: the test's may not exist on the
    standby yet."""
    import psycopg

    with psycopg.connect(PRIMARY_URL, autocommit=True) as conn:
        target = conn.execute("SELECT pg_current_wal_insert_lsn()").fetchone()[0]
    deadline = time.monotonic() + timeout
    with psycopg.connect(STANDBY_URL, autocommit=True) as conn:
        while time.monotonic() < deadline:
            replayed = conn.execute(
                "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]
            ).fetchone()[0]
            if replayed:
                return
            time.sleep(0.2)
    pytest.fail(f"the standby did not replay the primary's log within {timeout} s")


def _standby_title(standby: str) -> str:
    import psycopg

    with psycopg.connect(standby, autocommit=True) as conn:
        return conn.execute("SELECT title FROM talks_talk WHERE slug = %s", [TALK_SLUG]).fetchone()[
            0
        ]


@pytest.fixture
def replicated_site(tmp_path):
    if not STANDBY_URL or not PRIMARY_URL.startswith(("postgres://", "postgresql://")):
        pytest.skip(
            "needs a PostgreSQL primary (DATABASE_URL) and a lagging streaming standby "
            "(CONFNOTES_TEST_STANDBY_URL); .ci/run makes both"
        )
    import psycopg

    name = f"confnotes_replica_{os.getpid()}"
    with psycopg.connect(PRIMARY_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    primary = _with_database(PRIMARY_URL, name)
    standby = _with_database(STANDBY_URL, name)
    env = _production_environment(tmp_path)
    env.update(DATABASE_URL=primary, DATABASE_REPLICA_URLS=standby)
    try:
        seed(env)
        _standby_has_replayed()
        for site in serve(env, tmp_path):
            yield site, standby
    finally:
        with psycopg.connect(PRIMARY_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_reader_after_a_commit_sees_it_though_the_replica_lags(replicated_site):
    site, standby = replicated_site
    base, env = site.base, site.env
    before = _fetch_many(base + TALK_PATH)
    assert all(OLD_TITLE in r.text for r in before), _statuses(before)

    _manage(
        env,
        "shell",
        "--no-imports",
        "-c",
        "from talks.models import Talk; "
        f"t = Talk.objects.get(slug={TALK_SLUG!r}); t.title = {NEW_TITLE!r}; t.save()",
    )

    assert _standby_title(standby) == OLD_TITLE  # the lag is real: the standby has not replayed
    after = _fetch_many(base + TALK_PATH)
    stale = [r for r in after if r.status_code != 200 or NEW_TITLE not in r.text]
    assert not stale, f"{len(stale)} of {len(after)} responses older than the commit"
    assert _standby_title(standby) == OLD_TITLE, "the standby caught up during the reads"

    # Once it has, pages cached meanwhile still show the commit.
    _standby_has_replayed()
    assert all(NEW_TITLE in r.text for r in _fetch_many(base + TALK_PATH))
