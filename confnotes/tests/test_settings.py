"""Settings read from the environment, checked in a fresh interpreter each time."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test import RequestFactory

from confnotes.routers import (
    PrimaryReplicaRouter,
    ReplicaReadsMiddleware,
    _lsn,
    reads_at_least,
)
from talks.models import Talk

ROOT = Path(__file__).resolve().parents[2]


def _settings_with(env: dict, expression: str):
    """Evaluate `expression` against confnotes.settings loaded under `env`."""
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CACHE_"))
    }
    clean.update(env)
    code = f"import json, confnotes.settings as s; print(json.dumps({expression}, default=str))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True
    )
    if result.returncode:
        return result.stderr
    return json.loads(result.stdout)


def test_settings_refuse_missing_secret_key_without_debug():
    error = _settings_with({}, "s.SECRET_KEY")

    assert "DJANGO_SECRET_KEY must be set" in error


def test_settings_default_to_sqlite_and_a_cache_every_process_shares_with_debug():
    databases, caches, debug = _settings_with(
        {"DJANGO_DEBUG": "1"}, "[s.DATABASES, s.CACHES, s.DEBUG]"
    )

    assert databases["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert databases["default"]["NAME"].endswith("db.sqlite3")
    # Never a process's own memory: the cache decides which pages are fresh.
    assert caches["default"]["BACKEND"] == "confnotes.caches.SharedDiskCache"
    assert caches["default"]["LOCATION"] == databases["default"]["NAME"] + ".cache"
    assert debug is True


def test_each_database_gets_its_own_default_cache():
    first, second = (
        _settings_with(
            {"DJANGO_DEBUG": "1", "DATABASE_URL": f"sqlite:////tmp/{name}.sqlite3"},
            "s.CACHES",
        )["default"]["LOCATION"]
        for name in ("one", "two")
    )

    assert first != second


def test_settings_read_postgres_redis_hosts_and_replicas_from_urls():
    env = {
        "DJANGO_SECRET_KEY": "x" * 60,
        "DJANGO_ALLOWED_HOSTS": "notes.example.org,www.notes.example.org",
        "DATABASE_URL": "postgres://app:secret@db1.internal:5433/confnotes",
        "DATABASE_REPLICA_URLS": "postgres://app:secret@db2.internal:5432/confnotes",
        "CACHE_URL": "redis://cache.internal:6379/1",
    }

    databases, caches, hosts = _settings_with(env, "[s.DATABASES, s.CACHES, s.ALLOWED_HOSTS]")

    assert databases["default"]["ENGINE"] == "django.db.backends.postgresql"
    assert (databases["default"]["HOST"], databases["default"]["PORT"]) == ("db1.internal", 5433)
    assert databases["replica1"]["HOST"] == "db2.internal"
    assert databases["replica1"]["TEST"] == {"MIRROR": "default"}
    assert caches["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert caches["default"]["LOCATION"] == "redis://cache.internal:6379/1"
    assert hosts == ["notes.example.org", "www.notes.example.org"]


def test_settings_keep_database_connections_unless_told_otherwise():
    base = {"DJANGO_DEBUG": "1", "DATABASE_REPLICA_URLS": "postgres://app@db2.internal/confnotes"}
    kept = _settings_with(base, "s.DATABASES")
    per_request = _settings_with({**base, "DJANGO_CONN_MAX_AGE": "0"}, "s.DATABASES")
    from_url = _settings_with(
        {**base, "DATABASE_URL": "postgres://app@db1.internal/confnotes?conn_max_age=5"},
        "s.DATABASES",
    )

    assert [(db["CONN_MAX_AGE"], db["CONN_HEALTH_CHECKS"]) for db in kept.values()] == [
        (600, True),
        (600, True),
    ]
    assert [db["CONN_MAX_AGE"] for db in per_request.values()] == [0, 0]
    assert from_url["default"]["CONN_MAX_AGE"] == 5


def test_settings_plan_a_repeated_postgresql_query_once_unless_told_otherwise():
    base = {
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": "postgres://app@db1.internal/confnotes",
        "DATABASE_REPLICA_URLS": "postgres://app@db2.internal/confnotes",
    }
    prepared = _settings_with(base, "s.DATABASES")
    # A pooler that cannot pass prepared statements: the URL turns them off.
    off_url = "postgres://app@db1.internal/confnotes?server_side_binding=0"
    off = _settings_with({**base, "DATABASE_URL": off_url}, "s.DATABASES")
    sqlite = _settings_with({"DJANGO_DEBUG": "1"}, "s.DATABASES")

    assert [
        (db["OPTIONS"]["server_side_binding"], db["OPTIONS"]["prepare_threshold"])
        for db in prepared.values()
    ] == [(True, 5), (True, 5)]
    assert off["default"]["OPTIONS"]["server_side_binding"] == 0
    assert "server_side_binding" not in sqlite["default"].get("OPTIONS", {})


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements")
@pytest.mark.django_db
def test_postgresql_prepares_a_query_a_connection_runs_again():
    for _ in range(6):
        list(Talk.objects.published().for_list().order_by("pk")[:5])
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [statement for (statement,) in cursor.fetchall()]
    assert any('FROM "talks_talk"' in statement for statement in statements), statements


def test_settings_put_media_on_object_storage_when_a_bucket_is_set():
    storages = _settings_with(
        {
            "DJANGO_SECRET_KEY": "x" * 60,
            "DJANGO_MEDIA_S3_BUCKET": "confnotes-media",
            "DJANGO_MEDIA_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
        },
        "s.STORAGES",
    )

    assert storages["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storages["default"]["OPTIONS"]["bucket_name"] == "confnotes-media"
    assert storages["staticfiles"]["BACKEND"] == (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )


@pytest.fixture
def one_replica(monkeypatch):
    monkeypatch.setattr("confnotes.routers.replica_aliases", lambda: ["replica1"])


def test_router_sends_anonymous_reads_to_replicas_and_writes_to_primary(one_replica):
    router = PrimaryReplicaRouter()
    seen = []
    ReplicaReadsMiddleware(lambda request: seen.append(router.db_for_read(None)))(
        RequestFactory().get("/")
    )

    assert seen == ["replica1"]
    assert router.db_for_write(None) == "default"
    assert router.allow_migrate("replica1", "talks") is False
    assert router.allow_migrate("default", "talks") is True


def test_router_without_replicas_reads_from_primary():
    assert PrimaryReplicaRouter().db_for_read(None) == "default"


def test_router_reads_from_primary_for_writes_and_signed_in_users(one_replica, settings):
    seen = []
    middleware = ReplicaReadsMiddleware(
        lambda request: seen.append(PrimaryReplicaRouter().db_for_read(None))
    )
    factory = RequestFactory()

    middleware(factory.get("/"))
    middleware(factory.post("/admin/"))
    signed_in = factory.get("/")
    signed_in.COOKIES[settings.SESSION_COOKIE_NAME] = "abc"
    middleware(signed_in)

    assert seen == ["replica1", "default", "default"]
    # Outside a request (a command, an import, a shell): the primary.
    assert PrimaryReplicaRouter().db_for_read(None) == "default"


@pytest.mark.parametrize(("replayed", "expected"), [("0/3000000", "default"), ("1/0", "replica1")])
def test_reads_after_a_change_wait_for_a_replica_that_replayed_it(
    one_replica, monkeypatch, replayed, expected
):
    positions = {"pg_last_wal_replay_lsn": _lsn(replayed)}
    monkeypatch.setattr("confnotes.routers._position", lambda alias, function: positions[function])
    seen = []
    view = ReplicaReadsMiddleware(
        lambda request: seen.append(PrimaryReplicaRouter().db_for_read(None))
    )

    with reads_at_least(_lsn("0/3000060")):  # the change: past what "0/3000000" replayed
        view(RequestFactory().get("/"))
    with reads_at_least(0):  # no change recorded: any replica
        view(RequestFactory().get("/"))

    assert seen == [expected, "replica1"]


def test_log_positions_read_as_numbers():
    assert _lsn("16/B374D848") == (0x16 << 32) + 0xB374D848
    assert _lsn("0/3000060") > _lsn("0/3000000")
    assert _lsn(None) == 0
