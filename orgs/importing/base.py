"""The small types every import shares: the results, the errors and the table read from a file.

A whole file is refused with ImportRejected; a wrong cell becomes a RowError in an ImportResult, so
that every mistake in a file is listed at once. A cell parser raises _Bad, whose message becomes
such a RowError, and the reader hands the importers a _Table of the header's columns and the rows
below it. BATCH_SIZE bounds the rows sent to the database in one statement.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

BATCH_SIZE = 2000


# --- Results --------------------------------------------------------------------------------------


class ImportRejected(ValidationError):
    """The whole file is refused: too big, not a spreadsheet, no header, a required column gone."""


@dataclass
class RowError:
    row: int  # the row number the user sees in the spreadsheet, title rows included
    column: str  # the header as written in the file, "" for the whole row
    message: str


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def summary(self) -> str:
        return _("新增 %(created)s，更新 %(updated)s，未变 %(unchanged)s") % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }


def _failed(errors: list[RowError], table: "_Table") -> ImportResult:
    """A result with the errors in reading order: by row, then by column as in the file."""
    order = {header: position for position, header in table.columns.values()}
    return ImportResult(errors=sorted(errors, key=lambda e: (e.row, order.get(e.column, -1))))


class _Bad(Exception):
    """A cell that cannot be read; the message is shown to the user as it is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- The table read from a file -------------------------------------------------------------------


@dataclass
class _Table:
    columns: dict[str, tuple[int, str]]  # field → (column index, header as written)
    rows: Iterator[tuple[int, list]]  # (row number, cells) after the header

    def header(self, name: str) -> str:
        return self.columns[name][1]
