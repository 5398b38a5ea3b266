"""What changed between two versions of an object: field by field, with line diffs.

Values are printed as a writer reads them: choices by their label, related rows by
their name (looked up in one query per related model, whatever the number of
fields), texts of several lines as a diff of their lines (difflib).
"""

import datetime
import difflib
from collections import defaultdict
from dataclasses import dataclass

from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from confnotes.history.versions import followed_versions, follows_of, model_of, shown_fields

CONTEXT_LINES = 3


@dataclass
class DiffLine:
    kind: str  # "same", "removed", "added" or "gap" (unchanged lines left out)
    text: str


@dataclass
class Change:
    label: str
    before: str
    after: str
    lines: list[DiffLine] | None = None  # for texts of several lines


def line_diff(before: str, after: str, *, context: int = CONTEXT_LINES) -> list[DiffLine]:
    """The lines that differ between two texts, with `context` unchanged lines around."""
    old, new = before.splitlines(), after.splitlines()
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    out: list[DiffLine] = []
    for group in matcher.get_grouped_opcodes(context):
        if out:
            out.append(DiffLine("gap", "…"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(DiffLine("same", line) for line in old[i1:i2])
                continue
            out.extend(DiffLine("removed", line) for line in old[i1:i2])
            out.extend(DiffLine("added", line) for line in new[j1:j2])
    return out


def compare(before, after) -> list[Change]:
    """The changes from version `before` to version `after` of one object (both with
    their content_type loaded): its fields, then the rows it follows."""
    model = model_of(after)
    followed = followed_versions([before, after])
    names = _Names()
    fields = shown_fields(model)
    dicts = [before.field_dict, after.field_dict]
    rows = {}
    for follow in follows_of(model):
        rows[follow] = [
            [(row, row.field_dict) for row in followed[v.pk].get(follow.name, [])]
            for v in (before, after)
        ]
    for values in dicts:
        names.want(fields, values)
    for follow, sides in rows.items():
        for side in sides:
            for row, values in side:
                names.want([f for f in shown_fields(model_of(row)) if f != follow.key], values)
    names.load()

    changes = []
    for f in fields:
        old, new = (_text(f, values.get(f.attname), names) for values in dicts)
        if old != new:
            long = isinstance(f, models.TextField) or "\n" in old or "\n" in new
            lines = line_diff(old, new) if long else None
            changes.append(Change(str(capfirst(f.verbose_name)), old, new, lines))
    for follow, (old_rows, new_rows) in rows.items():
        old, new = (_row_lines(follow, side, names) for side in (old_rows, new_rows))
        if old != new:
            before_text, after_text = "\n".join(old), "\n".join(new)
            changes.append(
                Change(follow.label, before_text, after_text, line_diff(before_text, after_text))
            )
    return changes


def _row_lines(follow, side, names) -> list[str]:
    """One line per followed row, in their order (`position` when they have one)."""
    if not side:
        return []
    model = model_of(side[0][0])
    fields = [f for f in shown_fields(model) if f != follow.key and f.name != "position"]
    ordered = sorted(side, key=lambda pair: (pair[1].get("position") or 0, pair[0].object_id))
    lines = []
    for _row, values in ordered:
        parts = []
        for f in fields:
            text = _text(f, values.get(f.attname), names)
            if isinstance(f, models.BooleanField):
                text = f"{f.verbose_name}: {text}"
            if text:
                parts.append(text)
        lines.append(" · ".join(parts))
    return lines


class _Names:
    """The names of related rows that versions point at, one query per related model."""

    def __init__(self):
        self.ids: dict[type, set] = defaultdict(set)
        self.found: dict[tuple[type, object], str] = {}

    def want(self, fields, values) -> None:
        for f in fields:
            if f.many_to_one and values.get(f.attname) is not None:
                self.ids[f.related_model].add(values[f.attname])

    def load(self) -> None:
        for model, ids in self.ids.items():
            rows = model._base_manager.filter(pk__in=ids)
            # What their names may print of their own parents (a day prints its conference's).
            parents = [f.name for f in model._meta.concrete_fields if f.many_to_one and not f.null]
            if parents:
                rows = rows.select_related(*parents)
            for obj in rows:
                self.found[(model, obj.pk)] = str(obj)

    def get(self, model, pk) -> str:
        if (model, pk) in self.found:
            return self.found[(model, pk)]
        # Translators: a row a version points at that is gone: "speaker #12 (deleted since)".
        message = _("%(model)s #%(pk)s (deleted since)")
        return message % {"model": model._meta.verbose_name, "pk": pk}


def _text(f, value, names: _Names) -> str:
    if value is None or value == "":
        return ""
    if f.many_to_one:
        return names.get(f.related_model, value)
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return str(value)
