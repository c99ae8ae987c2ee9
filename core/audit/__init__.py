"""The audit trail: every change to a tracked table, whoever makes it, kept by database triggers.

Each app declares what it tracks in one place, the end of its models.py:

    audit.track(Member, describe=("name",), exclude=("created_at", "updated_at"),
                mask=("phone",), parent="branch")

From the declarations, triggers on SQLite and PostgreSQL (triggers.py) add one AuditRecord per
inserted, updated or deleted row, with the time, the acting user when one is known and a JSON
snapshot of the tracked fields after the change (before it, for a delete). They catch what the
services do and also a bulk `update()`, the admin, the imports' raw SQL and a hand-typed UPDATE.
An update that changes no tracked field leaves no record; one that does keeps the snapshot from
before it too. `TRUNCATE` is not caught (the application never issues it). `mask` stars a
sensitive field (an ID number) but for its last four characters; `parent` records the row's
parent id as well, so a page can list, say, the progress records of one pledge with one indexed
lookup; `describe` names the fields that say which row it is, for the trail of an added or
deleted row. Tables whose rows must not be traceable in time are never tracked: one-time
evaluation codes and anonymous answers (a trail would timestamp them).

After every `migrate` the triggers are put right (so a table that a migration rebuilt gets them
back), and a system check (`manage.py check --database default`) fails when a tracked table lacks
them, has stale or disabled ones, or an untracked table still has some.

The acting user is named by `audited(by=user)`, which also opens the transaction; services write
inside it. Every write inside the block is named, through a service or not (a bulk update, raw
SQL); writes outside it carry no actor (actor_id NULL), even later in the same outer transaction.
How the name reaches the records:

- PostgreSQL: a transaction-local setting (`set_config(..., true)`) that the triggers read. It
  belongs to the session and ends with the transaction, committed or rolled back, so it can
  neither reach another connection nor outlive the write it names; a nested block puts the outer
  block's name back when it ends.
- SQLite has no session variables, and its triggers cannot read a connection's TEMP tables. The
  block notes the last record's id when it starts and, as it ends, names every record after it
  that has no actor yet: one UPDATE, however many rows the block wrote. That is exact because a
  SQLite transaction here begins IMMEDIATE (settings.DATABASES): it holds the write lock from its
  first statement, so no other connection adds records in between.

What the trail is not: the pledge workflow's PledgeEvent is the user-facing log of what a person
meant to do (submitted, returned with this reason); the trail records what happened to the rows.
"""

from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, models, transaction
from django.utils import timezone

AUDIT_TABLE = "core_auditrecord"


@dataclass(frozen=True)
class Tracked:
    """A model whose table the triggers watch, and how its rows are recorded."""

    model: type[models.Model]
    fields: tuple[models.Field, ...]  # the snapshot's fields, in the order pages show them
    mask: frozenset[str] = frozenset()  # attnames starred but for their last four characters
    parent: models.Field | None = None  # a foreign key recorded as parent_id
    # Labels for the items of list fields without model choices (e.g. the "五个一" keys).
    choices: dict[str, dict] = field(default_factory=dict)
    # The attnames that say which row it is, shown for an insert or a delete.
    describe: tuple[str, ...] = ()
    hide: frozenset[str] = frozenset()  # masked attnames starred entirely (an ID number)

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    def field(self, attname: str) -> models.Field | None:
        return next((f for f in self.fields if f.attname == attname), None)


_registry: dict[str, Tracked] = {}


def track(
    model,
    *,
    describe=(),
    exclude=(),
    mask=(),
    hide=(),
    parent: str | None = None,
    choices=None,
) -> None:
    """Declares that every change to the model's table is kept in the audit trail.

    `describe`: the fields that say which row it is (a role's user and kind), shown when a row
    is added or deleted; `exclude`: fields left out of the snapshot (timestamps that change with
    every write, derived counters); `mask`: text fields kept only by their last four characters;
    `hide`: text fields kept starred entirely (an ID number, whose last four and the birth date a
    page shows would give it whole); `parent`: a foreign key whose id is recorded too;
    `choices`: {field: [(value, label), …]} for list fields.
    """
    names = {f.name for f in model._meta.concrete_fields} | {
        f.attname for f in model._meta.concrete_fields
    }
    unknown = set(describe) | set(exclude) | set(mask) | set(hide) | {parent} | set(choices or {})
    unknown -= names | {None}
    if unknown:
        raise ValueError(f"{model.__name__} has no field(s) {sorted(unknown)}")
    fields = tuple(
        f
        for f in model._meta.concrete_fields
        if not f.primary_key and f.name not in exclude and f.attname not in exclude
    )
    hidden = {model._meta.get_field(name).attname for name in hide}
    masked = {model._meta.get_field(name).attname for name in mask} | hidden
    parent_field = model._meta.get_field(parent) if parent else None
    if parent_field is not None and not (parent_field.many_to_one or parent_field.one_to_one):
        raise ValueError(f"{model.__name__}.{parent} is not a foreign key")
    _registry[model._meta.label_lower] = Tracked(
        model,
        fields,
        frozenset(masked),
        parent_field,
        {model._meta.get_field(k).attname: dict(v) for k, v in (choices or {}).items()},
        tuple(model._meta.get_field(name).attname for name in describe),
        frozenset(hidden),
    )


def tracked() -> list[Tracked]:
    """Every tracked model, in the order the apps declared them."""
    return list(_registry.values())


def tracked_model(label: str) -> Tracked | None:
    return _registry.get(label)


@contextmanager
def audited(*, by):
    """Opens a transaction whose writes the trail records as made by `by`.

    Nested, it opens a savepoint and names the writes of the inner block; the outer block's
    writes keep the outer name. A block by nobody (by=None) names no one: on its own its writes
    carry no actor, inside a named block they take that block's name.
    """
    actor_id = getattr(by, "pk", None)
    nested = connection.in_atomic_block
    with transaction.atomic():
        if actor_id is None:
            yield
        elif connection.vendor == "postgresql":
            previous = _run("SELECT current_setting('ccz.actor_id', true)") if nested else None
            _run("SELECT set_config('ccz.actor_id', %s, true)", [str(actor_id)])
            yield
            if nested:
                _run("SELECT set_config('ccz.actor_id', %s, true)", [previous or ""])
        elif connection.vendor == "sqlite":
            last = _run(f"SELECT coalesce(max(id), 0) FROM {AUDIT_TABLE}")
            yield
            _run(
                f"UPDATE {AUDIT_TABLE} SET actor_id = %s WHERE id > %s AND actor_id IS NULL",
                [actor_id, last],
            )
        else:
            yield


def record_view(obj: models.Model, what: str, *, by) -> None:
    """Records that `by` was shown `what` of the tracked row `obj` in full (查看身份证号): a read
    leaves no trace in the triggers, so the view that shows it writes the record itself."""
    from ..models import AuditRecord, Operation

    item = _registry[obj._meta.label_lower]
    AuditRecord.objects.create(
        model=item.label,
        row_id=obj.pk,
        parent_id=getattr(obj, item.parent.attname) if item.parent else None,
        operation=Operation.VIEW,
        at=timezone.now(),
        actor=by,
        snapshot={"what": what},
    )


def _run(sql: str, params=()):
    """Runs one statement; the first column of its first row, if it returns any."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone() if cursor.description else None
    return row[0] if row else None
