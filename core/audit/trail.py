"""Reading the audit trail for a page: what changed, when and by whom, in words a person reads.

Values are shown as a page would show them: choices by their Chinese label (已公开, not
`published`), times in local time to the minute, files by name, related rows and people by name.
"""

import datetime
import posixpath
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from ..models import AuditRecord, Operation
from ..people import display_name
from . import Tracked, tracked_model

EMPTY = "—"
# A page shows the newest this many changes of a row.
SHOWN = 50


@dataclass
class FieldChange:
    label: str
    before: str
    after: str


@dataclass
class TrailEntry:
    """One change to one row. For an update, `changes` lists the fields it changed; for an insert
    or a delete, the fields that say which row it was (audit.track's `describe`), with the side
    that is empty."""

    record: AuditRecord
    subject: str  # what the row is, e.g. 公开承诺
    changes: list[FieldChange] = field(default_factory=list)

    @property
    def at(self) -> datetime.datetime:
        return self.record.at

    @property
    def operation(self) -> str:
        return self.record.operation

    @property
    def actor(self):
        return self.record.actor

    @property
    def actor_name(self) -> str:
        """The person by name; empty for a change made outside the services."""
        if self.record.actor is not None:
            return person_name(self.record.actor)
        return _("已删除的用户") if self.record.actor_id else ""

    @property
    def label(self) -> str:
        """What happened, e.g. 修改公开承诺, or 查看身份证号 for a read (audit.record_view)."""
        if self.record.operation == Operation.VIEW:
            return f"{self.record.get_operation_display()}{self.record.snapshot.get('what', '')}"
        return f"{self.record.get_operation_display()}{self.subject}"

    @property
    def snapshot(self) -> dict:
        return self.record.snapshot


def person_name(user) -> str:
    return display_name(user)


def of(model, *pks) -> Q:
    """The records of these rows of the model."""
    return Q(model=model._meta.label_lower, row_id__in=pks)


def under(model, parent_pk) -> Q:
    """The records of the model's rows whose parent (see audit.track) is parent_pk."""
    return Q(model=model._meta.label_lower, parent_id=parent_pk)


def trail(*selections: Q, limit: int = SHOWN) -> list[TrailEntry]:
    """The newest `limit` of the selected records, newest first; an update with what it changed.

    One query for the records and their actors, and one per kind of related row whose change
    must be named (a member's branch), whatever the length of the trail.
    """
    wanted = Q(pk__in=[])
    for selection in selections:
        wanted |= selection
    records = AuditRecord.objects.filter(wanted).select_related("actor").order_by("-at", "-id")
    found = []  # (record, its tracked model, its raw changes: (key, before, after))
    for record in records[:limit]:
        item = tracked_model(record.model)
        if item is None or record.operation == Operation.VIEW:
            raw = []  # a model no longer tracked, or a read: what happened, without details
        elif record.operation == Operation.UPDATE:
            raw = _raw_changes(item, record.before or {}, record.snapshot)
        else:
            raw = _described(item, record)
        found.append((record, item, raw))
    names = _related_names(found)
    return [
        TrailEntry(
            record,
            str(item.model._meta.verbose_name) if item else record.model,
            [
                FieldChange(
                    _label(item, key), shown(item, key, a, names), shown(item, key, b, names)
                )
                for key, a, b in raw
            ],
        )
        for record, item, raw in found
    ]


def _raw_changes(item: Tracked, before: dict, after: dict) -> list:
    """The fields whose value differs; a field only one side has (tracked since, or no longer)
    is not a change anybody made. An update that shows no difference changed a masked field whose
    visible characters stayed the same: the masked fields are listed then."""
    keys = [f.attname for f in item.fields]
    keys += sorted((before.keys() & after.keys()) - set(keys))
    both = [key for key in keys if key in before and key in after]
    changed = [key for key in both if before[key] != after[key]]
    if not changed and before:
        changed = [key for key in both if key in item.mask]
    return [(key, before[key], after[key]) for key in changed]


def _described(item: Tracked, record: AuditRecord) -> list:
    values = [(key, record.snapshot.get(key)) for key in item.describe]
    if record.operation == Operation.INSERT:
        return [(key, None, value) for key, value in values]
    return [(key, value, None) for key, value in values]


def _related_names(found: list) -> dict:
    """(model, id) → name of every related row a change names, one query per kind of row."""
    related: dict[type, set] = {}
    for _record, item, raw in found:
        for key, *values in raw:
            target = _foreign_model(item, key)
            if target is not None:
                related.setdefault(target, set()).update(v for v in values if v is not None)
    names = {}
    for model, ids in related.items():
        for obj in model._default_manager.filter(pk__in=ids):
            names[model, obj.pk] = person_name(obj) if model is get_user_model() else str(obj)
    return names


def _foreign_model(item: Tracked, key: str):
    field = item.field(key)
    return field.related_model if field is not None and field.many_to_one else None


def _label(item: Tracked, key: str) -> str:
    field = item.field(key)
    return str(field.verbose_name) if field is not None else key


def shown(item: Tracked, key: str, value, names: dict | None = None) -> str:
    """A snapshot value as a page shows it."""
    if value is None or value == "" or value == []:
        return EMPTY
    field = item.field(key)
    if key in item.choices:
        labels = item.choices[key]
        values = value if isinstance(value, list) else [value]
        return "、".join(str(labels.get(v, v)) for v in values)
    if field is None:
        return str(value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return _("是") if value else _("否")
    if isinstance(field, models.DateTimeField):
        moment = parse_datetime(str(value))
        if moment is None:
            return str(value)
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, datetime.UTC)
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
    if field.many_to_one:
        return (names or {}).get((field.related_model, value), f"#{value}")
    if isinstance(field, models.FileField):
        return posixpath.basename(str(value))
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)
