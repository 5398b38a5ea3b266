#!/usr/bin/env bash
# Backup and restore, as docs/deploy.md describes them, on a throwaway PostgreSQL
# server: load the fixtures, pg_dump, pg_restore into a second database, and
# compare what Django sees in both. Usage: backup_restore_check.sh PG_URL_BASE
# where PG_URL_BASE is e.g. postgres://postgres@127.0.0.1:5432 (trust auth).
set -euo pipefail
cd "$(dirname "$0")/.."
base=$1
py=.venv/bin/python
export DJANGO_SECRET_KEY=confnotes-backup-check DJANGO_ALLOWED_HOSTS=localhost
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

psql "$base/postgres" -q -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS confnotes_backup" -c "DROP DATABASE IF EXISTS confnotes_restored" \
  -c "CREATE DATABASE confnotes_backup" -c "CREATE DATABASE confnotes_restored"

DATABASE_URL="$base/confnotes_backup" $py manage.py migrate --no-input -v0
DATABASE_URL="$base/confnotes_backup" $py manage.py loaddata fixtures/*.json -v0
pg_dump --format=custom --no-owner --dbname="$base/confnotes_backup" --file="$work/confnotes.dump"
pg_restore --no-owner --dbname="$base/confnotes_restored" "$work/confnotes.dump"
DATABASE_URL="$base/confnotes_restored" $py manage.py migrate --no-input -v0

for db in confnotes_backup confnotes_restored; do
  DATABASE_URL="$base/$db" $py manage.py dumpdata talks speakers taggit auth.user \
    --natural-foreign --natural-primary --indent 1 > "$work/$db.json"
done
if ! cmp -s "$work/confnotes_backup.json" "$work/confnotes_restored.json"; then
  echo "backup/restore check: the restored database differs from the original" >&2
  diff "$work/confnotes_backup.json" "$work/confnotes_restored.json" | head -20 >&2
  exit 1
fi
objects=$(python3.12 -c "import json,sys; print(len(json.load(open(sys.argv[1]))))" "$work/confnotes_restored.json")
echo "backup/restore check: $objects objects identical after pg_dump and pg_restore"
psql "$base/postgres" -q -c "DROP DATABASE confnotes_backup" -c "DROP DATABASE confnotes_restored"
