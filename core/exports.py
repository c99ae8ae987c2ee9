"""Exports of a list as CSV or XLSX: what every app's export describes, and the two writers.

An app describes a list once, as a `Table`: its columns (a Chinese header, a function of a row,
a width, whether the value is a number or a date) and its rows, an iterator read in chunks. The
writers never hold the whole list: CSV is streamed line by line (`csv_lines`, for a
StreamingHttpResponse or a file), XLSX written by openpyxl's write-only workbook (`write_xlsx`),
which keeps one row in memory at a time.

Every cell goes through `cell_value`:

- numbers stay numbers (a negative count is not text), dates follow the export's date style
  (`2026年3月1日` or ISO);
- text that a spreadsheet would read as a formula — starting with = + - @, a tab or a carriage
  return — is neutralised: in CSV a leading apostrophe is added (OWASP's advice), in XLSX the
  cell is written as text with Excel's quote prefix, so it shows exactly as typed (a "+86" phone
  stays "+86…") and is never evaluated.

CSV starts with a UTF-8 BOM so that Excel and WPS open Chinese correctly. Both begin with a title
row naming the organisation, the filters and the time of export; XLSX freezes the header row
under it and sets the columns' widths.
"""

import csv
import datetime
import decimal
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import replica

# A spreadsheet reads a cell starting with one of these as a formula (or a DDE command).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[object], object]
    width: int = 14  # in characters; a Chinese character counts two
    kind: str = "text"  # "text", "number" or "date"


@dataclass
class Table:
    """A list as exported: its name (the file's), the title row, the columns and the rows."""

    name: str
    title: str
    columns: list[Column]
    rows: Iterable
    dates: str = "chinese"  # or "iso"
    count: int | None = None  # the rows, when known (a job reports its progress against it)
    on_row: Callable[[int], None] | None = field(default=None, repr=False)


def exported_at() -> str:
    """The time of export as a title row names it."""
    return timezone.localtime().strftime("%Y-%m-%d %H:%M")


def queryset_table(name, title, columns, rows, params: dict, chunk: int = 2000) -> Table:
    """A Table over a queryset, read `chunk` rows at a time, counted first (a job's progress),
    its dates in the style the export asked (params["dates"])."""
    return Table(
        name,
        title,
        columns,
        rows.iterator(chunk_size=chunk),
        params.get("dates", "chinese"),
        rows.count(),
    )


def is_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def format_date(value: datetime.date, style: str) -> str:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        if style == "iso":
            return value.strftime("%Y-%m-%d %H:%M")
        return f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}"
    if style == "iso":
        return value.isoformat()
    return f"{value.year}年{value.month}月{value.day}日"


def cell_value(value, column: Column, dates: str):
    """The value as a cell: None → "", numbers as numbers, dates as text in the chosen style,
    everything else as text (neutralised later by the writer if it reads as a formula)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float | decimal.Decimal):
        return value
    if isinstance(value, datetime.date):
        return format_date(value, dates)
    return str(value)


def _values(table: Table) -> Iterator[list]:
    for index, row in enumerate(table.rows, start=1):
        yield [cell_value(c.value(row), c, table.dates) for c in table.columns]
        if table.on_row is not None:
            table.on_row(index)


def _csv_text(value) -> object:
    if isinstance(value, str) and is_formula(value):
        return "'" + value
    return value


def csv_lines(table: Table, batch: int = 500) -> Iterator[str]:
    """The CSV as text, the BOM first, `batch` lines at a time: for a StreamingHttpResponse or
    a file."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def taken() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow([table.title])
    writer.writerow([_csv_text(c.header) for c in table.columns])
    yield BOM + taken()
    pending = 0
    for values in _values(table):
        writer.writerow([_csv_text(v) for v in values])
        pending += 1
        if pending == batch:
            yield taken()
            pending = 0
    if pending:
        yield taken()


def write_xlsx(table: Table, target) -> None:
    """Writes the XLSX to `target` (a path or a binary file), one row in memory at a time."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=table.name[:31])
    for index, column in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    # Frozen under the title and the header rows.
    sheet.freeze_panes = "A3"
    title = WriteOnlyCell(sheet, value=table.title)
    title.font = Font(bold=True, size=13)
    sheet.append([title])
    header = []
    for column in table.columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for values in _values(table):
        sheet.append([_xlsx_cell(sheet, value, WriteOnlyCell) for value in values])
    workbook.save(target)


def _xlsx_cell(sheet, value, cell_class):
    """A number as a number; text as text, with Excel's quote prefix when it reads as a formula
    (openpyxl would otherwise write a text starting with "=" as a formula)."""
    if not isinstance(value, str):
        return value
    if not is_formula(value):
        return value
    cell = cell_class(sheet, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


# --- Kinds of export, and who may download a file ---------------------------------------------

# kind → builder(params, user) → Table: each app registers the lists it exports (AppConfig.ready),
# so that a worker can build the same table from the parameters the page stored.
_builders: dict[str, Callable[[dict, object], Table]] = {}
# (user, scope path) → whether the user may see that organisation: set by orgs, above core.
_reaches: list[Callable[[object, str], bool]] = []


def register(kind: str, builder: Callable[[dict, object], Table]) -> None:
    _builders[kind] = builder


def reach_with(check: Callable[[object, str], bool]) -> None:
    """Sets how a file's scope is checked (orgs.access, registered in OrgsConfig.ready)."""
    _reaches[:] = [check]


def build(kind: str, params: dict, user) -> Table:
    return _builders[kind](params, user)


def may_download(user, record) -> bool:
    """A file is its requester's, and anyone's whose scope covers the same organisation."""
    if not user.is_authenticated:
        return False
    if record.owner_id == user.pk or user.is_superuser:
        return True
    return bool(_reaches) and _reaches[0](user, record.scope)


def records_for(user):
    """The export records the user may see: theirs, and those of the organisations they reach."""
    from .models import ExportRecord

    records = ExportRecord.objects.select_related("owner").order_by("-created_at", "-id")
    if user.is_superuser:
        return records
    return [r for r in records[:500] if may_download(user, r)]


# --- Making the file: at once for a short list, as a job for a long one --------------------------


def inline_rows() -> int:
    from django.conf import settings

    return settings.EXPORT_INLINE_ROWS


def record(kind: str, table: Table, *, owner, scope: str, params: dict, fmt: str, rows, job=None):
    from .models import ExportRecord

    return ExportRecord.objects.create(
        kind=kind,
        title=table.title[:200],
        owner=owner,
        scope=scope,
        params=params,
        format=fmt,
        rows=rows,
        job=job,
    )


def file_name(table: Table, fmt: str) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return f"{table.name}-{stamp}.{fmt}"


def start_export(kind: str, table: Table, *, owner, scope: str, params: dict, fmt: str):
    """A job that writes the file in a worker (core.tasks.export_job_task); its page follows the
    progress and then offers the file."""
    from . import jobs, tasks

    job = jobs.start_job(
        kind=f"export.{kind}",
        title=_("导出：%(title)s") % {"title": table.name},
        owner=owner,
        scope=table.title[:200],
        task=tasks.export_job_task,
        params={"kind": kind, "params": params, "format": fmt, "scope": scope},
    )
    return job


def run_export_job(job_id: int):
    """The job's work: the table built again from the stored parameters, as its requester would
    see it now, written to a file kept until EXPORT_KEEP_HOURS pass."""
    import tempfile

    from django.core.files import File

    from . import jobs
    from .models import ExportRecord

    def report(job, percent: int) -> None:
        # Outside the replica's block: the job's row is read and written on the primary.
        with replica.primary():
            jobs.report(job, percent)

    def work(job):
        options = job.params
        fmt = options["format"]
        with tempfile.TemporaryFile() as handle:
            # The rows from the replica where there is one (core/replica.py); the job's progress
            # and the record below are writes, and go to the primary.
            with replica.reads():
                table = build(options["kind"], options["params"], job.owner)
                rows = _write_counting(table, fmt, handle, lambda percent: report(job, percent))
            handle.seek(0)
            with transaction.atomic():
                jobs.hold(job)
                item = ExportRecord.objects.create(
                    kind=options["kind"],
                    title=table.title[:200],
                    owner=job.owner,
                    scope=options["scope"],
                    params=options["params"],
                    format=fmt,
                    rows=rows,
                    job=job,
                )
                item.file.save(file_name(table, fmt), File(handle), save=True)
        from django.urls import reverse

        return {
            "export": item.pk,
            "rows": rows,
            "message": _("已导出 %(n)s 行。") % {"n": rows},
            "next_url": reverse("core:export_download", args=[item.pk]),
            "next_label": _("下载文件"),
        }, []

    return jobs.run_job(job_id, work)


def _write_counting(table: Table, fmt: str, handle, report) -> int:
    """Writes the table to the file as CSV or XLSX, reporting about fifty times how far it got
    (each report one statement: the bar moves, the rows are not slowed); returns the rows."""
    total = table.count or 0
    step = max(1, total // 50)
    counted = [0]

    def counting(index: int) -> None:
        counted[0] = index
        if total and index % step == 0:
            report(95 * index // total)

    table.on_row = counting
    if fmt == "csv":
        for text in csv_lines(table):
            handle.write(text.encode("utf-8"))
    else:
        write_xlsx(table, handle)
    return counted[0]


def remove_expired(now=None) -> int:
    """Deletes the files of exports older than EXPORT_KEEP_HOURS (their records stay)."""
    import datetime as dt

    from django.conf import settings

    from .models import ExportRecord

    now = now or timezone.now()
    cutoff = now - dt.timedelta(hours=settings.EXPORT_KEEP_HOURS)
    removed = 0
    for item in ExportRecord.objects.filter(created_at__lt=cutoff).exclude(file=""):
        item.file.delete(save=False)
        ExportRecord.objects.filter(pk=item.pk).update(file="")
        removed += 1
    return removed


def respond(request, kind: str, table: Table, *, scope: str, params: dict):
    """The answer to an export asked from a list page (?format=csv or xlsx, with the page's
    filters): the file at once for a short list, else a job whose page shows the progress and
    then the file. Each export is recorded."""
    import tempfile

    from django.http import FileResponse, StreamingHttpResponse
    from django.shortcuts import redirect

    fmt = "csv" if request.GET.get("format") == "csv" else "xlsx"
    params = {**params, "dates": table.dates}
    if table.count is not None and table.count > inline_rows():
        job = start_export(kind, table, owner=request.user, scope=scope, params=params, fmt=fmt)
        return redirect(job)
    record(kind, table, owner=request.user, scope=scope, params=params, fmt=fmt, rows=table.count)
    name = file_name(table, fmt)
    if fmt == "csv":
        response = StreamingHttpResponse(csv_lines(table), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = attachment(name)
        return response
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - the response closes it when sent
    write_xlsx(table, handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=name)


def attachment(name: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename*=UTF-8''{quote(name)}"


def date_style(query) -> str:
    """?dates=iso for ISO dates; 2026年3月1日 otherwise."""
    return "iso" if query.get("dates") == "iso" else "chinese"
