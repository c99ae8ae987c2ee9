"""What every app's services share: refusing a write, and updating a row's fields.

Services are the one place where rows change (see docs/ARCHITECTURE.md). Each checks permission
with `require`, raises ValidationError with messages in Chinese for a broken rule, and writes
inside `audited(by=user)`, which opens the transaction and names the user in the audit trail.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models

from .audit import audited


def require(allowed: bool) -> None:
    """Refuses the write (403) unless `allowed`; what the user may not even see is a 404 earlier,
    in the app's access module."""
    if not allowed:
        raise PermissionDenied


def model_update(obj: models.Model, fields: dict, *, by) -> list[str]:
    """Sets the fields whose value differs, validates the whole row and saves only those.

    Returns the names of the fields that changed (none: nothing is written). Fields with
    auto_now (updated_at) are saved along with them. A refused change leaves `obj` as it was.
    """
    changed = [name for name, value in fields.items() if getattr(obj, name) != value]
    if not changed:
        return []
    stored = {name: getattr(obj, name) for name in changed}
    for name in changed:
        setattr(obj, name, fields[name])
    try:
        obj.full_clean()
    except ValidationError:
        for name, value in stored.items():  # the caller's object stays as it is stored
            setattr(obj, name, value)
        raise
    auto_now = [
        field.name for field in obj._meta.concrete_fields if getattr(field, "auto_now", False)
    ]
    with audited(by=by):
        obj.save(update_fields=[*changed, *auto_now])
    return changed


def one_at_a_time(name: str) -> None:
    """Inside a transaction: waits until no other transaction holding the same name is running,
    and holds it until this one ends. For writes that must not interleave, such as two imports
    matching rows against the same rosters. PostgreSQL takes an advisory lock; SQLite needs
    nothing, as its transactions here hold the write lock from their start (IMMEDIATE)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [name])
