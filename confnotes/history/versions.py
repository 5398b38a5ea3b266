"""Versions of content: which models keep them, writing them in bulk, restoring them.

django-reversion records a revision for each admin save, serializing one object at
a time as its signals arrive. Imports, seeds and bulk actions write thousands of
rows past save(): `RevisionLog` records what such a run wrote as one revision,
serialized in batches into the same JSON that reversion writes, so that history,
comparison and restore read both alike.

A registered model "follows" the rows that belong to it and are edited with it
(a talk's speakers, links and tags; a note's authors): they are stored in the
same revision and restored with it. Restoring one object touches only that
object and its followed rows, never the rest of its revision (an import's
revision holds thousands of talks).
"""

import datetime
import decimal
import json
from collections import defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace

import reversion
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connections, router, transaction
from django.db.models import Field, ForeignKey, Q
from django.db.models.deletion import Collector
from django.utils import timezone
from django.utils.encoding import is_protected_type
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from reversion.models import Revision, Version

from confnotes.bulk import insert_rows

BATCH_SIZE = 500


@dataclass(frozen=True)
class Follow:
    """Rows a registered model keeps with its versions: `name` is the reverse accessor
    ("links"), `key` the foreign key of those rows (Link.talk), `label` what
    comparisons call them ("Links")."""

    name: str
    key: ForeignKey
    label: str


@dataclass
class Registration:
    fields: tuple[str, ...]  # serialized, as reversion serializes them
    follows: list[Follow] = field(default_factory=list)
    followed_only: bool = False  # kept only as rows of another model's versions


_registry: dict[type, Registration] = {}


def register(model, *, follow: dict[str, str] | None = None, exclude=()) -> None:
    """Keep versions of `model`, with the rows of each reverse foreign key named in
    `follow` ({accessor: label}); `exclude` names fields left out of versions (a
    restore keeps their current value)."""
    follows = []
    for name, label in (follow or {}).items():
        relation = model._meta.get_field(name)
        if not relation.one_to_many:
            raise ImproperlyConfigured(f"{model.__name__}.{name} is not a reverse foreign key")
        follows.append(Follow(name, relation.field, label))
        if not reversion.is_registered(relation.related_model):
            _register(relation.related_model, follows=[], exclude=(), followed_only=True)
    _register(model, follows=follows, exclude=tuple(exclude))


def _register(model, *, follows: list[Follow], exclude: tuple[str, ...], followed_only=False):
    reversion.register(model, follow=[f.name for f in follows], exclude=exclude)
    opts = model._meta.concrete_model._meta
    # The fields reversion serializes for a registration without `fields`.
    names = [f.name for f in opts.local_fields + opts.local_many_to_many]
    fields = tuple(n for n in names if n not in exclude)
    _registry[model] = Registration(fields, follows, followed_only)


def is_registered(model) -> bool:
    return model in _registry


def follows_of(model) -> list[Follow]:
    return _registry[model].follows


def shown_fields(model) -> list:
    """The fields of `model`'s versions that a writer edits: what comparisons show."""
    names = set(_registry[model].fields)
    return [
        f
        for f in model._meta.concrete_fields
        if f.name in names and f.editable and not f.primary_key
    ]


# ---------------------------------------------------------------------------
# Writing versions


class RevisionLog:
    """One revision for a run that writes in several transactions (an import: one per
    second of events, or per file). `add()` stores versions inside the caller's
    transaction; the revision is made by the first `add()` that has something to
    store, so a run that changed nothing leaves none, and made again if that
    transaction or savepoint was rolled back."""

    def __init__(self, comment: str, *, user=None):
        self.comment = comment
        self.user = user
        self.revision: Revision | None = None
        self._recorded: set[tuple[int, str]] = set()  # (content type, object id) stored
        self.using = router.db_for_write(Revision)
        self._content_types: dict[type, int] = {}

    def add(self, objects) -> Revision | None:
        """Store versions of `objects` (registered models' instances, saved) and of
        the rows they follow, as they are in the database now."""
        found = _collect(objects)
        if not found:
            return self.revision
        revisions = Revision.objects.using(self.using)
        if self.revision is None or not revisions.filter(pk=self.revision.pk).exists():
            self.revision = revisions.create(
                date_created=timezone.now(), user=self.user, comment=self.comment
            )
            self._recorded = set()
        rows = []
        for model, entries in found.items():
            dumper, content_type, db = _dumper(model), self._content_type(model), _db(model)
            keys = {(content_type, str(pk)) for pk in entries}
            again = [object_id for _, object_id in keys & self._recorded]
            if again:  # written again by the same run (one file, then another): the last wins
                stale = Version.objects.using(self.using).filter(
                    revision=self.revision, content_type_id=content_type, object_id__in=again
                )
                stale.delete()
            self._recorded |= keys
            rows.extend(
                (self.revision.pk, str(pk), content_type, db, "json", dumper.dump(obj), label)
                for pk, (obj, label) in entries.items()
            )
        _insert_versions(self.using, rows)
        return self.revision

    def _content_type(self, model) -> int:
        if not self._content_types:
            # Every registered model's in one query, whatever the process has cached.
            models = {m._meta.concrete_model for m in _registry}
            wanted = Q()
            for m in models:
                wanted |= Q(app_label=m._meta.app_label, model=m._meta.model_name)
            found = {
                (ct.app_label, ct.model): ct.pk
                for ct in ContentType.objects.using(self.using).filter(wanted)
            }
            for m in models:
                key = (m._meta.app_label, m._meta.model_name)
                if key not in found:  # never migrated here yet: made as Django makes them
                    found[key] = ContentType.objects.db_manager(self.using).get_for_model(m).pk
                self._content_types[m] = found[key]
        return self._content_types[model._meta.concrete_model]


def record_revision(objects, *, comment: str, user=None) -> Revision | None:
    """Store one revision now holding versions of `objects` and the rows they follow."""
    return RevisionLog(comment, user=user).add(objects)


def record_deletion(objects, *, comment: str, user=None) -> Revision | None:
    """Before `objects` are deleted: store their versions and those of every registered
    row deleted with them (a talk's notes), so that each can be recovered."""
    objects = list(objects)
    if not objects:
        return None
    collector = Collector(using=router.db_for_write(type(objects[0])))
    collector.collect(objects)
    # Followed rows come with their parents' versions.
    doomed = [
        obj
        for model, rows in collector.data.items()
        if model in _registry and not _registry[model].followed_only
        for obj in rows
    ]
    return record_revision(doomed, comment=comment, user=user)


def _db(model) -> str:
    return router.db_for_write(model)


class _Dumper:
    """Writes an object as reversion stores it: `serializers.serialize("json", [obj],
    fields=<registered fields>)`, the same text, without the serializer's per-object
    machinery (an import stores tens of thousands of versions). Reads attributes by
    attname, so a model instance and a namespace of its values both serve."""

    def __init__(self, model):
        opts = model._meta.concrete_model._meta
        selected = set(_registry[model].fields)
        self.label = str(opts)
        self.pk = opts.pk
        self.plan = []
        for f in opts.local_fields:
            # As Serializer.serialize() selects them: foreign keys by their name.
            key = f.attname if f.remote_field is None else f.attname[:-3]
            if f.serialize and key in selected:
                plain = type(f).value_to_string is Field.value_to_string  # str(value)
                self.plan.append((f.name, f.attname, f, plain))
        self.attnames = [opts.pk.attname, *(attname for _, attname, _, _ in self.plan)]
        # Many-to-many fields with an automatic table are serialized too: leave those
        # models to Django's serializer.
        self.exact = not any(
            f.serialize and f.attname in selected and f.remote_field.through._meta.auto_created
            for f in opts.local_many_to_many
        )
        self.fields = _registry[model].fields

    def dump(self, obj) -> str:
        if not self.exact:
            return serializers.serialize("json", [obj], fields=self.fields)
        fields = {}
        for name, attname, f, plain in self.plan:
            value = getattr(obj, attname)  # Field.value_from_object(), for concrete fields
            kind = type(value)
            # As the serializer: protected types as they are, the rest through
            # value_to_string(), which gives a plain field's text back unchanged.
            if kind is str:
                if not plain:
                    value = f.value_to_string(obj)
            elif kind not in _PROTECTED and not is_protected_type(value):
                value = f.value_to_string(obj)
            fields[name] = value
        pk = self.pk.value_from_object(obj)
        if not is_protected_type(pk):
            pk = self.pk.value_to_string(obj)
        data = {"model": self.label, "pk": pk, "fields": fields}
        # json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False), as the serializer.
        return f"[{_ENCODER.encode(data)}]\n"


_PROTECTED = frozenset(
    {type(None), int, bool, float, decimal.Decimal, datetime.date, datetime.datetime, datetime.time}
)
_ENCODER = DjangoJSONEncoder(ensure_ascii=False)


_dumpers: dict[type, _Dumper] = {}


def _dumper(model) -> _Dumper:
    if model not in _dumpers:
        _dumpers[model] = _Dumper(model)
    return _dumpers[model]


def serialize(obj) -> str:
    """`obj` (of a registered model) as its version stores it."""
    return _dumper(type(obj)).dump(obj)


def _collect(objects) -> dict[type, dict]:
    """{model: {pk: (row, label)}} of `objects` and, recursively, of the rows they
    follow. Followed rows are read in batches, as namespaces of their values (as many
    as an import's talks have speakers, links and tags), labelled by their parent."""
    found: dict[type, dict] = defaultdict(dict)
    level: dict[type, dict] = defaultdict(dict)
    for obj in objects:
        model = type(obj)
        if model not in _registry:
            raise ImproperlyConfigured(f"{model.__name__} keeps no versions")
        if obj.pk is not None and obj.pk not in found[model]:
            found[model][obj.pk] = level[model][obj.pk] = (obj, str(obj))
    while level:
        below: dict[type, dict] = defaultdict(dict)
        for model, parents in level.items():
            for follow in _registry[model].follows:
                child, key = follow.key.model, follow.key
                names = list(dict.fromkeys([*_dumper(child).attnames, key.attname]))
                kind = str(capfirst(child._meta.verbose_name))  # once, not per row: lazy
                pks = list(parents)
                for start in range(0, len(pks), BATCH_SIZE):
                    batch = pks[start : start + BATCH_SIZE]
                    query = child._base_manager.filter(**{f"{key.attname}__in": batch})
                    for values in query.order_by("pk").values_list(*names):
                        row = SimpleNamespace(**dict(zip(names, values, strict=True)))
                        if values[0] not in found[child]:
                            label = f"{kind} of {parents[getattr(row, key.attname)][1]}"
                            found[child][values[0]] = below[child][values[0]] = (row, label)
        level = below
    return {model: rows for model, rows in found.items() if rows}


_VERSION_COLUMNS = (
    "revision", "object_id", "content_type", "db", "format", "serialized_data", "object_repr",
)  # fmt: skip


def _insert_versions(using: str, rows: list[tuple]) -> None:
    """INSERT version rows, as plain values: Version objects and bulk_create's compiler
    cost several times the serializing itself on an import's tens of thousands."""
    columns = [Version._meta.get_field(name).column for name in _VERSION_COLUMNS]
    insert_rows(connections[using], Version._meta.db_table, columns, rows)


# ---------------------------------------------------------------------------
# Reading versions


def versions_of(model, object_id):
    """The versions of one object, newest first, with their revision and its user."""
    opts = model._meta.concrete_model._meta
    return (
        Version.objects.filter(
            content_type__app_label=opts.app_label,
            content_type__model=opts.model_name,
            object_id=str(object_id),
            db=router.db_for_write(model),
        )
        .select_related("revision__user", "content_type")
        .order_by("-revision__date_created", "-pk")
    )


def model_of(version):
    return version.content_type.model_class()


def followed_versions(versions) -> dict[int, dict[str, list]]:
    """{version pk: {follow name: [versions]}}: the rows each of `versions` followed,
    from its own revision, in one query. (`versions` carry their content_type.)"""
    wanted, keys = Q(pk__in=[]), []
    for version in versions:
        model = model_of(version)
        pk = model._meta.pk.to_python(version.object_id)
        for follow in follows_of(model):
            meta = follow.key.model._meta
            # The serialized foreign key, as a text filter; each match is checked below.
            needle = f'"{follow.key.name}": {json.dumps(pk, cls=DjangoJSONEncoder)}'
            wanted |= Q(
                revision_id=version.revision_id,
                content_type__app_label=meta.app_label,
                content_type__model=meta.model_name,
                serialized_data__contains=needle,
            )
            keys.append((version, follow, pk))
    result: dict[int, dict[str, list]] = {v.pk: defaultdict(list) for v in versions}
    if not keys:
        return result
    rows = list(Version.objects.filter(wanted).select_related("content_type").order_by("pk"))
    for version, follow, pk in keys:
        for row in rows:
            if (
                row.revision_id == version.revision_id
                and model_of(row) is follow.key.model
                and row.field_dict.get(follow.key.attname) == pk
            ):
                result[version.pk][follow.name].append(row)
    return result


# ---------------------------------------------------------------------------
# Restoring


class RestoreError(Exception):
    """A version that cannot be saved again; the message says why, for the writer."""


def restore(version) -> tuple[object, list[str]]:
    """Save the object of `version` as it was then (made again if it was deleted), and
    make its followed rows those of the version: the ones added since are deleted.
    Everything goes through save() and delete(), so the model's own rules run and
    the pages that print it expire. Returns the object and the followed rows that
    could not be restored (their speaker or tag is gone), named."""
    obj = _save_version(version)
    skipped = []
    followed = followed_versions([version])[version.pk]
    for follow in follows_of(model_of(version)):
        kept = followed.get(follow.name, [])
        kept_ids = {v.object_id for v in kept}
        for row in follow.key.model._base_manager.filter(**{follow.key.name: obj.pk}):
            if str(row.pk) not in kept_ids:
                row.delete()
        for row_version in kept:
            try:
                _save_version(row_version)
            except RestoreError as exc:
                skipped.append(str(exc))
    return obj, skipped


def _save_version(version):
    model = model_of(version)
    values = version.field_dict
    attnames = {f.attname for f in model._meta.concrete_fields}
    values = {name: value for name, value in values.items() if name in attnames}
    for key in model._meta.concrete_fields:
        target = values.get(key.attname)
        if key.many_to_one and target is not None:
            remote = key.related_model._base_manager
            if not remote.filter(pk=target).exists():
                message = _("“%(object)s”: its %(field)s no longer exists")
                raise RestoreError(
                    message % {"object": version.object_repr, "field": key.verbose_name}
                )
    obj = model._base_manager.filter(pk=version.object_id).first()
    try:
        with transaction.atomic(using=router.db_for_write(model)):
            if obj is None:
                obj = model(**values)
                obj.save(force_insert=True)
            else:
                for name, value in values.items():
                    setattr(obj, name, value)
                obj.save()
    except IntegrityError:
        message = _("“%(object)s” clashes with a row saved since")
        raise RestoreError(message % {"object": version.object_repr}) from None
    return obj
