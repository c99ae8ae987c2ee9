"""The audit trail of pledges and their progress records, kept by database triggers.

PledgeEvent records what a service meant to do; these tables record what happened to the rows,
whoever wrote them: a service, a bulk `update()`, the admin or raw SQL. Triggers installed by
migration 0002 add one row per inserted, updated or deleted row with the time, the acting user
when one is known, and a JSON snapshot of the row after the change (before it, for a delete).

The acting user comes from set_actor(), called at the start of every service's transaction:

- PostgreSQL: a transaction-local setting (`set_config(..., true)`) that the triggers read. It
  belongs to the session and ends with the transaction, whether committed or rolled back, so it
  can neither reach another connection nor outlive the write it names.
- SQLite has no session variables. The actor goes into a TEMP table, which only the connection
  that wrote it can see, and a TEMP trigger of that connection copies it into the history rows
  the permanent triggers insert; other connections have neither, so their rows stay without an
  actor. A rollback undoes the write; a commit is followed by its deletion before the connection
  runs anything else. (A permanent one-row table would be shared: Django runs on_commit callbacks
  after COMMIT has released the write lock, so a writer queued on the lock could slip in before
  the row is cleared and have its bulk change recorded under the previous transaction's user.)

Changes made outside the services carry no actor (actor_id NULL).
"""

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import connection, models, transaction
from django.utils.translation import gettext_lazy as _


class Operation(models.TextChoices):
    INSERT = "insert", _("新增")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")


class HistoryRecord(models.Model):
    """One change to one row, written by a trigger; never written by the application."""

    # The changed row's id, not a foreign key: the history of a deleted row stays.
    row_id = models.BigIntegerField(_("记录编号"), db_index=True)
    operation = models.CharField(_("操作"), max_length=10, choices=Operation.choices)
    at = models.DateTimeField(_("时间"))
    # The user given to set_actor(), NULL for writes outside the services. No database constraint
    # and nothing done on delete: the trail keeps the id of a deleted user and never blocks it.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    snapshot = models.JSONField(_("快照"))

    # What the tracked row is, and the keys of its snapshot in the order a page shows them (the
    # triggers write these keys).
    subject = ""
    snapshot_fields: tuple[str, ...] = ()
    # Keys that change with every write and say nothing on their own.
    quiet_fields = frozenset({"version"})

    class Meta:
        abstract = True
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.row_id} {self.get_operation_display()} {self.at:%Y-%m-%d %H:%M}"

    @property
    def label(self) -> str:
        """What happened, e.g. 修改承诺."""
        return f"{self.get_operation_display()}{self.subject}"


class PledgeHistory(HistoryRecord):
    subject = _("承诺")
    snapshot_fields = (
        "title",
        "content",
        "areas",
        "deadline",
        "five_items",
        "oral",
        "state",
        "signed_by",
        "signed_on",
        "published_at",
        "campaign_id",
        "member_id",
        "organization_id",
        "version",
    )

    class Meta(HistoryRecord.Meta):
        verbose_name = _("承诺变更历史")
        verbose_name_plural = _("承诺变更历史")


class PledgeProgressHistory(HistoryRecord):
    # The progress record's pledge at the time of the change, so a pledge's trail is one lookup.
    pledge_id = models.BigIntegerField(_("承诺编号"), db_index=True)

    subject = _("践诺记录")
    snapshot_fields = (
        "pledge_id",
        "happened_on",
        "text",
        "attachment",
        "attachment_type",
        "attachment_name",
    )

    class Meta(HistoryRecord.Meta):
        verbose_name = _("践诺记录变更历史")
        verbose_name_plural = _("践诺记录变更历史")


HISTORY_TABLES = ("pledges_pledgehistory", "pledges_pledgeprogresshistory")
SQLITE_ACTOR_SETUP = [
    "CREATE TEMP TABLE IF NOT EXISTS ccz_actor "
    "(id INTEGER PRIMARY KEY CHECK (id = 1), actor_id INTEGER)",
    *(
        f"CREATE TEMP TRIGGER IF NOT EXISTS {table}_actor AFTER INSERT ON main.{table} "
        "WHEN NEW.actor_id IS NULL AND EXISTS (SELECT 1 FROM temp.ccz_actor) "
        f"BEGIN UPDATE {table} SET actor_id = (SELECT actor_id FROM temp.ccz_actor) "
        "WHERE id = NEW.id; END"
        for table in HISTORY_TABLES
    ),
]


def set_actor(user) -> None:
    """Names the user behind the writes of the current transaction in the history.

    Call it at the start of a `transaction.atomic` block. The name holds for every later write
    of the outermost transaction, through a service or not, until it commits or rolls back (a
    rolled-back savepoint takes it back), and is never seen by another connection.
    """
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError("set_actor() needs transaction.atomic")
    actor_id = getattr(user, "pk", None)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            value = "" if actor_id is None else str(actor_id)
            cursor.execute("SELECT set_config('ccz.actor_id', %s, true)", [value])
        elif connection.vendor == "sqlite":
            # Re-created on every call: the connection may be new, or a rollback may have undone
            # an earlier creation.
            for statement in SQLITE_ACTOR_SETUP:
                cursor.execute(statement)
            if actor_id is None:
                cursor.execute("DELETE FROM temp.ccz_actor")
            else:
                cursor.execute(
                    "INSERT OR REPLACE INTO temp.ccz_actor (id, actor_id) VALUES (1, %s)",
                    [actor_id],
                )
                transaction.on_commit(_forget_sqlite_actor)


def _forget_sqlite_actor() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM temp.ccz_actor")


def history_for(pledge) -> list[HistoryRecord]:
    """The changes to the pledge and to its progress records, newest first, in two queries.

    Each record has `actor` (a user, or None for writes outside the services) and `changes`: for
    an update, {field: (before, after)} against the previous snapshot of the same row; empty for
    inserts, deletes, and the first update the trail has of a row.
    """
    trails = [
        PledgeHistory.objects.filter(row_id=pledge.pk),
        PledgeProgressHistory.objects.filter(pledge_id=pledge.pk),
    ]
    records = []
    for trail in trails:
        previous = {}
        # In id order, which for one row is the order its changes were made (row locks on
        # PostgreSQL, one writer at a time on SQLite).
        for record in trail.select_related("actor").order_by("id"):
            before = previous.get(record.row_id)
            record.changes = (
                _changed(record, before)
                if record.operation == Operation.UPDATE and before is not None
                else {}
            )
            record.labelled_changes = [
                (_label(trail.model, key), before_value, after_value)
                for key, (before_value, after_value) in record.changes.items()
            ]
            previous[record.row_id] = record.snapshot
            records.append(record)
    records.sort(key=lambda record: (record.at, record.pk), reverse=True)
    return records


def _label(history_model, key: str) -> str:
    """The Chinese name of a snapshot field, taken from the model the history is of."""
    from .models import Pledge, PledgeProgress

    source = Pledge if history_model is PledgeHistory else PledgeProgress
    name = key.removesuffix("_id")
    try:
        return str(source._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return key


def _changed(record: HistoryRecord, before: dict) -> dict:
    after = record.snapshot
    extra = sorted((before.keys() | after.keys()) - set(record.snapshot_fields))
    return {
        key: (before.get(key), after.get(key))
        for key in [*record.snapshot_fields, *extra]
        if key not in record.quiet_fields and before.get(key) != after.get(key)
    }
