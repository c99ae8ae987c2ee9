"""The errors of an import, collected in bounded memory, and the CSV file that lists them all.

A file of a million bad rows must not take the worker's memory: RowErrors counts every error,
keeps only the first ERRORS_SHOWN (by row) for the page and writes each one to a temporary file
as it comes. When the import fails with more than the page shows, `result` merges those files
into one CSV (UTF-8 with a BOM, so Excel shows the Chinese) in the uploader's own folder of the
default storage, which only they can download (orgs.access.get_import_errors_for_user).
"""

import csv
import heapq
import io
import itertools
import secrets
import tempfile
from pathlib import PurePosixPath

from django.core.files.base import File
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _

from .base import ImportResult, RowError, Table

# Errors listed on the page; the rest are counted and in the CSV file.
ERRORS_SHOWN = 200
ERRORS_FOLDER = "import-errors"
# A user's earlier error files are deleted when a new one is written, once this old.
ERRORS_FILE_KEPT = timezone.timedelta(days=1)


class RowErrors:
    """Collects an import's errors: counted, the first ERRORS_SHOWN kept, all spilled to disk.

    The passes of an import each add errors in row order; a pass that starts again from the top
    starts a new run file, and `result` merges the runs by row.
    """

    def __init__(self, owner):
        self.owner = owner
        self.count = 0
        self._first: list[tuple] = []  # a heap of (-row, -seq, error): the largest on top
        self._runs: list = []
        self._writer = None
        self._last_row = -1

    def __len__(self) -> int:
        return self.count

    def __bool__(self) -> bool:
        return self.count > 0

    def append(self, error: RowError) -> None:
        self.count += 1
        row = error.row if isinstance(error.row, int) else 0
        entry = (-row, -self.count, error)
        if len(self._first) < ERRORS_SHOWN:
            heapq.heappush(self._first, entry)
        elif entry > self._first[0]:
            heapq.heapreplace(self._first, entry)
        if self._writer is None or row < self._last_row:
            # Closed by result() or close(); an import refused midway leaves them to the GC.
            run = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")  # noqa: SIM115
            self._runs.append(run)
            self._writer = csv.writer(run)
        self._last_row = row
        self._writer.writerow([row, error.column, error.message])

    def result(self, table: Table) -> ImportResult:
        """The failed import's result: the first errors in reading order (by row, then by column
        as in the file), how many there are, and the CSV of them all when the page shows fewer."""
        order = {header: position for position, header in table.columns.values()}
        first = sorted(
            (error for _row, _seq, error in self._first),
            key=lambda e: (e.row, order.get(e.column, -1)),
        )
        stored = self._save(order) if self.count > len(first) else ""
        self.close()
        return ImportResult(errors=first, errors_total=self.count, errors_file=stored)

    def close(self) -> None:
        for run in self._runs:
            run.close()
        self._runs = []

    def _save(self, order: dict[str, int]) -> str:
        for run in self._runs:
            run.seek(0)
        readers = [csv.reader(run) for run in self._runs]
        merged = heapq.merge(*readers, key=lambda line: int(line[0]))
        with tempfile.TemporaryFile() as raw:
            out = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            writer = csv.writer(out)
            writer.writerow([_("行号"), _("列"), _("问题")])
            for _row, lines in itertools.groupby(merged, key=lambda line: line[0]):
                for line in sorted(lines, key=lambda line: order.get(line[1], -1)):
                    writer.writerow([line[0] if line[0] != "0" else "", line[1], line[2]])
            out.flush()
            raw.seek(0)
            token = save_errors_file(self.owner, File(raw))
            out.detach()
        return token


def _folder(owner_id) -> PurePosixPath:
    return PurePosixPath(ERRORS_FOLDER) / str(owner_id)


def save_errors_file(owner, content: File) -> str:
    """Stores `content` as a new errors file of `owner`; returns its token (the file's name)."""
    _delete_old_files(owner.pk)
    token = secrets.token_hex(16)
    default_storage.save(str(_folder(owner.pk) / f"{token}.csv"), content)
    return token


def errors_file_path(owner_id, token: str) -> str | None:
    """The storage name of an errors file of the user, None when the token is not one."""
    if len(token) != 32 or any(c not in "0123456789abcdef" for c in token):
        return None
    name = str(_folder(owner_id) / f"{token}.csv")
    return name if default_storage.exists(name) else None


def _delete_old_files(owner_id) -> None:
    folder = str(_folder(owner_id))
    if not default_storage.exists(folder):
        return
    cutoff = timezone.now() - ERRORS_FILE_KEPT
    for name in default_storage.listdir(folder)[1]:
        path = f"{folder}/{name}"
        if default_storage.get_modified_time(path) < cutoff:
            default_storage.delete(path)
