"""The small types every import shares: the results, the errors and the table read from a file.

A whole file is refused with ImportRejected; a wrong cell becomes a RowError in an ImportResult, so
that every mistake in a file is listed at once. A cell parser raises BadCell, whose message becomes
such a RowError, and the reader hands the importers a Table of the header's columns and the rows
below it, which they read with a Progress reporting how far they got.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Told the share of the work done, 0–100 (core.jobs.report for an import run by a worker).
Progress = Callable[[int], None]
# Reading and checking the rows is most of the work; matching and writing them is the rest.
READ_SHARE = 80
REPORT_EVERY = 1000
# Imports write one at a time (core.services.one_at_a_time): two imports of the same roster
# would otherwise both find its members new.
IMPORT_LOCK = "orgs.import"


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
    # All the errors, of which `errors` holds the first ones (errors.RowErrors), and the token of
    # the CSV file that lists them all when the page shows fewer ("" otherwise).
    errors_total: int = 0
    errors_file: str = ""
    # Rows imported but read in a way the user should know of (a date without its day, a
    # category outside the list), shown with the result like the errors.
    notes: list[RowError] = field(default_factory=list)

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


def failed_result(errors: list[RowError], table: "Table") -> ImportResult:
    """A result with the errors in reading order: by row, then by column as in the file."""
    order = {header: position for position, header in table.columns.values()}
    first = sorted(errors, key=lambda e: (e.row, order.get(e.column, -1)))
    return ImportResult(errors=first, errors_total=len(errors))


class BadCell(Exception):
    """A cell that cannot be read; the message is shown to the user as it is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- The table read from a file -------------------------------------------------------------------


@dataclass
class Table:
    columns: dict[str, tuple[int, str]]  # field → (column index, header as written)
    rows: Iterator[tuple[int, list]]  # (row number, cells) after the header
    height: int = 0  # rows in the sheet, header included: how far reading has got

    def header(self, name: str) -> str:
        return self.columns[name][1]

    def report(self, progress: Progress | None, number: int) -> None:
        """Tells `progress` how much of the sheet has been read at row `number`, now and then."""
        if progress is not None and number % REPORT_EVERY == 0 and self.height:
            progress(READ_SHARE * min(number, self.height) // self.height)
