"""The seed fixtures (fixtures/*.json) loaded once: a later run adds what is missing and
never touches a row that exists, so what writers changed in seed objects stays.

`loaddata` writes every row of a fixture whose natural key it finds, over what is
there. `import_seed` reads the same files with Django's deserializer and inserts only
the objects whose natural key is not in the database yet; it names the rows it
kept, and the ones that differ from the fixture (changed here). A row renamed here
(a talk, day, conference or speaker given a new slug, a tag renamed or merged) is
found by its old slug, so it is kept, not added again under its old name. On an
empty database it gives the same rows as `loaddata fixtures/*.json`.
"""

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.core import serializers
from django.core.serializers.base import DeserializationError
from django.db import DatabaseError, transaction
from taggit.models import Tag

from confnotes.history.versions import RevisionLog, is_registered
from speakers.models import Speaker, SpeakerOldSlug
from talks.importers.common import ImportFailed, announce_import, use_primary_database
from talks.models import (
    Conference,
    ConferenceOldSlug,
    Day,
    DayOldSlug,
    Link,
    Note,
    NoteAuthor,
    TaggedTalk,
    TagOldSlug,
    Talk,
    TalkOldSlug,
    TalkSpeaker,
)


@dataclass
class SeedSummary:
    """Rows added and kept per model, and the kept rows that differ from the fixture."""

    added: Counter = field(default_factory=Counter)
    kept: Counter = field(default_factory=Counter)
    changed: list[str] = field(default_factory=list)  # "talks.Talk djangocon-us-2009/x: title"
    kept_rows: list[str] = field(default_factory=list)  # every kept row, named

    def lines(self, *, every_row: bool = False) -> list[str]:
        models = sorted(set(self.added) | set(self.kept))
        out = [f"{m}: {self.added[m]} added, {self.kept[m]} already there, kept" for m in models]
        if self.changed:
            out.append(
                f"Kept {len(self.changed)} rows changed here (the fixture's version was not loaded):"
            )
            out.extend(f"  {row}" for row in self.changed)
        if every_row and self.kept_rows:
            out.append("Every row kept because it exists:")
            out.extend(f"  {row}" for row in self.kept_rows)
        return out


def import_seed(paths) -> SeedSummary:
    """Add the objects of the fixture files `paths` that the database lacks, in one
    transaction; rows that exist are left as they are. Raises ImportFailed (nothing
    changed) for a file that cannot be read."""
    paths = [Path(p) for p in paths]
    summary = SeedSummary()
    added = []
    try:
        with use_primary_database(), transaction.atomic():
            renames = _Renames()
            for path in paths:
                added.extend(_seed_file(path, renames, summary))
            history = RevisionLog(f"Seed data added by seed from {', '.join(map(str, paths))}.")
            history.add(obj for obj in added if is_registered(type(obj)))
            announce_import("seed", _conference_ids(added))
    except DatabaseError as exc:
        raise ImportFailed(", ".join(map(str, paths)), f"database error: {exc}") from None
    return summary


def _seed_file(path: Path, renames: "_Renames", summary: SeedSummary) -> list:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ImportFailed(path, f"cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise ImportFailed(path, f"not JSON: {exc}") from None
    if not isinstance(raw, list):
        raise ImportFailed(path, "not a fixture: a list of objects is expected")
    added, deferred = [], []
    for n, item in enumerate(raw, start=1):
        record = f"object {n}"
        try:
            fixture_fields = item.get("fields", {})
            item = renames.rewrite(item)  # what has been renamed here is found as it is now
            (found,) = serializers.deserialize("python", [item], handle_forward_references=True)
        except (DeserializationError, LookupError, KeyError, TypeError, ValueError) as exc:
            raise ImportFailed(path, str(exc), record) from None
        obj = found.object
        model = type(obj)
        label = model._meta.label
        existing = model._base_manager.filter(pk=obj.pk).first() if obj.pk is not None else None
        if existing is not None:
            name = _name(existing)
            summary.kept[label] += 1
            summary.kept_rows.append(f"{label} {name}")
            differences = _differences(existing, obj)
            for key in ("slug", "name"):  # renamed here: found under its old natural key
                if fixture_fields.get(key) != item["fields"].get(key):
                    differences.insert(0, f"{key} (“{fixture_fields[key]}” in the fixture)")
            if differences:
                summary.changed.append(f"{label} {name}: {', '.join(differences)}")
            continue
        found.save()
        if found.deferred_fields:
            deferred.append(found)
        summary.added[label] += 1
        added.append(obj)
    for found in deferred:
        found.save_deferred_fields()
    return added


def _name(obj) -> str:
    """The row as its natural key names it ("djangocon-us-2009/day-2"), else its pk."""
    natural_key = getattr(obj, "natural_key", None)
    if natural_key is None:
        return f"#{obj.pk}"
    try:
        return "/".join(str(part) for part in natural_key())
    except Exception:  # a natural key that needs rows gone since: the pk will do
        return f"#{obj.pk}"


def _differences(existing, fixture) -> list[str]:
    """The fields in which a row differs from the fixture's object (timestamps aside)."""
    names = []
    for f in existing._meta.concrete_fields:
        if f.primary_key or getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            continue
        if getattr(existing, f.attname) != getattr(fixture, f.attname):
            names.append(f.name)
    return names


def _conference_ids(objects) -> set[int]:
    """The conferences whose pages and search index the added rows touch."""
    ids, talks, days, notes = set(), set(), set(), set()
    for obj in objects:
        match obj:
            case Conference():
                ids.add(obj.pk)
            case Day() | Talk():
                ids.add(obj.conference_id)
            case Note():
                talks.add(obj.talk_id)
                days.add(obj.day_id)
                ids.add(obj.conference_id)
            case TalkSpeaker() | Link():
                talks.add(obj.talk_id)
            case TaggedTalk():
                talks.add(obj.content_object_id)
            case NoteAuthor():
                notes.add(obj.note_id)
    if notes:
        for talk, day, conference in Note.objects.filter(pk__in=notes).values_list(
            "talk_id", "day_id", "conference_id"
        ):
            talks.add(talk)
            days.add(day)
            ids.add(conference)
    talks.discard(None)
    days.discard(None)
    if talks:
        ids.update(Talk.objects.filter(pk__in=talks).values_list("conference_id", flat=True))
    if days:
        ids.update(Day.objects.filter(pk__in=days).values_list("conference_id", flat=True))
    ids.discard(None)
    return ids


class _Renames:
    """Natural keys of rows renamed here, old → current: a fixture that names a talk by
    the slug it had is pointed at the talk under its new slug."""

    def __init__(self):
        self.conferences = dict(ConferenceOldSlug.objects.values_list("slug", "conference__slug"))
        self.speakers = dict(SpeakerOldSlug.objects.values_list("slug", "speaker__slug"))
        self.days = {
            (conference, old): new
            for old, conference, new in DayOldSlug.objects.values_list(
                "slug", "day__conference__slug", "day__slug"
            )
        }
        self.talks = {
            (conference, old): new
            for old, conference, new in TalkOldSlug.objects.values_list(
                "slug", "talk__conference__slug", "talk__slug"
            )
        }
        # Tags by name; a tag renamed or merged here is found by a slug it had.
        self.tag_names = set(Tag.objects.values_list("name", flat=True))
        self.tag_slugs = dict(Tag.objects.values_list("slug", "name"))
        self.tag_slugs.update(TagOldSlug.objects.values_list("slug", "tag__name"))
        self.tag_names_by_fixture: dict[str, str] = {}

    def rewrite(self, item: dict) -> dict:
        model = apps.get_model(item["model"])
        fields = dict(item.get("fields", {}))
        for name, value in fields.items():
            f = model._meta.get_field(name)
            if f.is_relation and isinstance(value, list):
                fields[name] = self.key(f.related_model, value)
        if "pk" not in item:  # a natural primary key: point it at the row's current key
            if model is Conference:
                fields["slug"] = self.conferences.get(fields["slug"], fields["slug"])
            elif model is Speaker:
                fields["slug"] = self.speakers.get(fields["slug"], fields["slug"])
            elif model in (Day, Talk):
                conference = fields["conference"][0]
                renamed = self.days if model is Day else self.talks
                fields["slug"] = renamed.get((conference, fields["slug"]), fields["slug"])
            elif model is Tag:
                fields["name"] = self.tag_name(fields["name"], fields.get("slug", ""))
        return {**item, "fields": fields}

    def key(self, model, value: list) -> list:
        """A natural key as the fixture writes it, as it is now."""
        if model is Conference:
            return [self.conferences.get(value[0], value[0])]
        if model is Speaker:
            return [self.speakers.get(value[0], value[0])]
        if model is Day:
            conference = self.conferences.get(value[0], value[0])
            return [conference, self.days.get((conference, value[1]), value[1])]
        if model is Talk:
            conference = self.conferences.get(value[0], value[0])
            return [conference, self.talks.get((conference, value[1]), value[1])]
        if model is Tag:
            return [self.tag_names_by_fixture.get(value[0], value[0])]
        return value

    def tag_name(self, name: str, slug: str) -> str:
        if name not in self.tag_names and slug in self.tag_slugs:
            self.tag_names_by_fixture[name] = self.tag_slugs[slug]
            return self.tag_slugs[slug]
        return name
