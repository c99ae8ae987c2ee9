"""Reading an uploaded file into rows of cells, and reading the cells themselves.

Files are recognised by their content, never by their name: an .xlsx is a zip holding
xl/workbook.xml, anything else must be readable text (UTF-8 or GB18030, as Excel and WPS save CSV).
A file too big, or a zip that would unpack to far more than a roster, is refused before it is
parsed. The header row is found among the first rows of the first visible sheet that has one, and
cells are read into text, compared names, paths of names and dates (parse_date).
"""

import codecs
import csv
import datetime
import io
import itertools
import re
import unicodedata
import zipfile
from collections.abc import Iterator

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from ..models import DatePrecision
from ..rules import clean_name
from .base import BadCell, ImportRejected, Table

HEADER_SCAN_ROWS = 10
# An .xlsx compresses about tenfold; far more than that is a zip bomb, not a roster.
MAX_UNZIPPED_RATIO = 40

NOT_A_SPREADSHEET = gettext_lazy(
    "文件不是 Excel 表格（.xlsx）或 CSV 文件，无法导入。"
    "请上传用 Excel 或 WPS 表格保存的 .xlsx 文件。"
)
OLD_EXCEL = gettext_lazy(
    "这是旧版 Excel（.xls）文件或设有密码的表格，无法直接导入。"
    "请在 Excel 或 WPS 中“另存为” .xlsx 格式（不设密码）后再导入。"
)
UNREADABLE_XLSX = gettext_lazy(
    "无法读取这个 Excel 文件，文件可能已损坏。请在 Excel 或 WPS 中打开后重新保存再试。"
)

# Signatures of common files that are certainly not spreadsheets (a renamed picture or PDF).
BINARY_SIGNATURES = (
    b"%PDF",
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"Rar!",
    b"7z\xbc\xaf",
    b"\x1f\x8b",
    b"BM",
    b"{\\rtf",
)
ZIP_SIGNATURE = b"PK\x03\x04"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .doc and encrypted .xlsx
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
PATH_SEPARATORS = re.compile(r"[/\\>／＼＞]")


# --- Reading the file -----------------------------------------------------------------------------


def _size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:g} MB"
    if size >= 1024:
        return f"{size / 1024:g} KB"
    return _("%(size)s 字节") % {"size": size}


def _too_big() -> ImportRejected:
    limit = settings.IMPORT_MAX_BYTES
    return ImportRejected(
        _("文件超过 %(limit)s 的上限，请分成几个文件分别导入。") % {"limit": _size_text(limit)}
    )


def check_size(uploaded) -> None:
    """Refuses a file over the size limit before it is read or stored."""
    size = getattr(uploaded, "size", None)
    if size is not None and size > settings.IMPORT_MAX_BYTES:
        raise _too_big()


def _read_bytes(uploaded) -> bytes:
    check_size(uploaded)
    if hasattr(uploaded, "seek"):
        uploaded.seek(0)
    data = uploaded.read()
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise _too_big()
    if not data.strip():
        raise ImportRejected(_("文件是空的。"))
    return data


def open_table(uploaded, synonyms: dict[str, tuple[str, ...]], key: str) -> Table:
    """Finds the header row (the first of the first rows naming the `key` column) and maps columns.

    In a workbook, the first visible sheet with such a header is read, so an instructions sheet or
    a hidden sheet is passed over.
    """
    lookup = {_header_key(word): name for name, words in synonyms.items() for word in words}
    for rows, height in _sheets(_read_bytes(uploaded)):
        head = list(itertools.islice(rows, HEADER_SCAN_ROWS))
        for index, cells in enumerate(head):
            columns: dict[str, tuple[int, str]] = {}
            for position, cell in enumerate(cells):
                text = cell_text(cell)
                name = lookup.get(_header_key(text)) or lookup.get(_header_key(text, brackets=True))
                if name and name not in columns:
                    columns[name] = (position, text)
            if key in columns:
                _check_rows(height - index - 1)
                rest = _capped(itertools.chain(head[index + 1 :], rows))
                return Table(columns, zip(itertools.count(index + 2), rest), height)
    raise ImportRejected(
        _(
            "在文件的前 %(rows)s 行中没有找到表头：表头应有“%(column)s”一列。"
            "请下载导入模板对照填写。"
        )
        % {"rows": HEADER_SCAN_ROWS, "column": synonyms[key][0]}
    )


def _too_many_rows(count: int | None = None) -> ImportRejected:
    limit = f"{settings.IMPORT_MAX_ROWS:,}"
    if count is None:
        message = _("文件超过每个文件 %(limit)s 行数据的上限，未导入任何数据。")
    else:
        message = _("文件有 %(count)s 行数据，超过每个文件 %(limit)s 行的上限，未导入任何数据。")
    message %= {"count": f"{count or 0:,}", "limit": limit}
    return ImportRejected(message + _("请分成几个文件分别导入。"))


def _check_rows(count: int) -> None:
    """Refuses a sheet with more rows below its header than IMPORT_MAX_ROWS, before reading it."""
    if count > settings.IMPORT_MAX_ROWS:
        raise _too_many_rows(count)


def _capped(rows: Iterator[list]) -> Iterator[list]:
    """The rows, refused past IMPORT_MAX_ROWS in case the sheet said it had fewer."""
    limit = settings.IMPORT_MAX_ROWS
    for number, cells in enumerate(rows, 1):
        if number > limit:
            raise _too_many_rows()
        yield cells


def _header_key(text: str, brackets: bool = False) -> str:
    """Header text as compared: NFKC (full-width → half-width), no spaces, no "*" or colon.

    With brackets=True a bracketed note is dropped too: 出生日期（格式：1980-01-02） → 出生日期.
    """
    text = unicodedata.normalize("NFKC", text)
    if brackets:
        text = re.sub(r"\(.*?\)|\[.*?\]|【.*?】", "", text)
    return re.sub(r"[\s*:]", "", text)


def _sheets(data: bytes) -> Iterator[tuple[Iterator[list], int]]:
    """Each sheet's rows, with the number of rows it has (for progress)."""
    if data.startswith(ZIP_SIGNATURE):
        yield from _xlsx_sheets(data)
    elif data.startswith(OLE_SIGNATURE):
        raise ImportRejected(OLD_EXCEL)
    elif data.startswith(BINARY_SIGNATURES):
        raise ImportRejected(NOT_A_SPREADSHEET)
    else:
        yield _csv_rows(data)


def _xlsx_sheets(data: bytes) -> Iterator[tuple[Iterator[list], int]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except zipfile.BadZipFile as error:
        raise ImportRejected(NOT_A_SPREADSHEET) from error
    names = {entry.filename for entry in entries}
    if "xl/workbook.bin" in names:
        raise ImportRejected(_("这是 Excel 二进制工作簿（.xlsb），请“另存为” .xlsx 格式后再导入。"))
    if "xl/workbook.xml" not in names:
        raise ImportRejected(NOT_A_SPREADSHEET)
    if sum(entry.file_size for entry in entries) > MAX_UNZIPPED_RATIO * settings.IMPORT_MAX_BYTES:
        raise ImportRejected(_("文件解压后过大，请分成几个文件分别导入。"))
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = [
            meta.name
            for meta in workbook.sheets_metadata
            if meta.visible == SheetVisibleEnum.Visible and meta.typ == SheetTypeEnum.WorkSheet
        ]
    # calamine raises its own error types, and ValueError for some malformed files.
    except Exception as error:
        raise ImportRejected(UNREADABLE_XLSX) from error
    for name in sheets:
        try:
            # iter_rows starts at the sheet's first row even when it is empty, so the position of
            # a row in the iteration is its row number in Excel.
            sheet = workbook.get_sheet_by_name(name)
            rows = sheet.iter_rows()
        except Exception as error:
            raise ImportRejected(UNREADABLE_XLSX) from error
        yield rows, sheet.total_height


def _csv_rows(data: bytes) -> tuple[Iterator[list], int]:
    text = _decode_text(data)
    if text.lstrip().startswith("<"):
        # An HTML or XML page renamed .csv or .xls, as some old systems export.
        raise ImportRejected(NOT_A_SPREADSHEET)
    sample = text[:4096]
    delimiter = max(",\t;", key=sample.count)
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    height = text.count("\n") + 1
    if height > settings.IMPORT_MAX_ROWS:
        # Lines overcount the rows when cells hold line breaks: count the rows themselves (a
        # quick pass that parses no cell) before refusing the file.
        height = sum(1 for _row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    return rows, height


def _decode_text(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)  # Excel's "Unicode text"
    elif b"\x00" in data:
        raise ImportRejected(NOT_A_SPREADSHEET)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if CONTROL_CHARS.search(text):
            break
        return text
    raise ImportRejected(NOT_A_SPREADSHEET)


# --- Reading cells --------------------------------------------------------------------------------


def blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# What offices write in a cell they have nothing for. Compared after NFKC (／ is /, Ｎ／Ａ is N/A),
# without spaces and case-blind; dashes of any length stand for nothing too.
PLACEHOLDERS = frozenset(
    {"无", "暂无", "没有", "不详", "空", "缺", "略", "待定", "待补", "n/a", "na", "none", "null"}
    | {"nil", "/", "\\", "?"}
)
PLACEHOLDER_FIRSTS = frozenset(word[0] for word in PLACEHOLDERS)
DASHES = re.compile(r"[-—–―－─━_~～.。…·]+")


def placeholder(value) -> bool:
    """Is the cell one of the words that mean "nothing here" (无, 暂无, 不详, —, /, N/A …)?"""
    if not isinstance(value, str):
        return False
    compact = "".join(value.split())
    if not compact:
        return False
    # Most cells are names, dates and numbers: text that starts with a letter or a digit no
    # placeholder word starts with, or is longer than any of them, is not one (only a run of
    # dashes may be long, and it starts with none).
    first = unicodedata.normalize("NFKC", compact[0]).lower()
    if unicodedata.category(first[0])[0] in "LN" and (
        len(compact) > 6 or first not in PLACEHOLDER_FIRSTS
    ):
        return False
    text = re.sub(r"\s", "", unicodedata.normalize("NFKC", value)).lower()
    return bool(text) and (text in PLACEHOLDERS or DASHES.fullmatch(text) is not None)


def cell_text(value) -> str:
    """A cell as text: 13912345678.0 from Excel reads 13912345678."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def name_key(name: str) -> str:
    """A name as compared: 第１党支部 and 第1党支部, with or without spaces, are the same."""
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", name))


def split_path(text: str) -> list[str]:
    """The names of a path of organisations, each as stored (rules.clean_name, as the site's forms
    store one); raises BadCell for an empty level or an emoji."""
    try:
        segments = [
            clean_name(segment, label=_("组织名称")) for segment in PATH_SEPARATORS.split(text)
        ]
    except ValidationError as error:
        raise BadCell(error.messages[0]) from None
    if any(not s for s in segments):
        raise BadCell(_("“%(text)s”中有空的一级，请检查分隔符“/”。") % {"text": text})
    return segments


def cached(parse, cache: dict, value):
    """parse(value), or the BadCell it raised, remembered: a roster repeats most of its values."""
    try:
        return cache[value]
    except KeyError:
        pass
    try:
        outcome = parse(value)
    except BadCell as bad:
        outcome = bad
    cache[value] = outcome
    return outcome


def lookup(table: dict[str, str], allowed: str, unknown, text):
    """Maps a label, or a variant of it, to its stored value; an unknown label lists the allowed.

    `unknown` is the message for an unknown label (lazy: it is only needed then), with %(value)s
    for the cell and %(choices)s for `allowed`.
    """
    key = name_key(cell_text(text))
    value = table.get(key) or table.get(key.upper())
    if value is None:
        raise BadCell(str(unknown) % {"value": cell_text(text), "choices": allowed})
    return value


# --- Dates ----------------------------------------------------------------------------------------

DATE_TEXT = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:(?:[-/.]|月)\s*(\d{1,2})\s*[日号]?|月)?"
    r"(?:[T\s]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
DATE_DIGITS = re.compile(r"(\d{4})(\d{2})(\d{2})?")
YEAR_TEXT = re.compile(r"(\d{4})\s*年?")
NUMBER_TEXT = re.compile(r"\d+(?:\.\d+)?")
EXCEL_EPOCH = datetime.date(1899, 12, 30)  # serial 1 is 1900-01-01, after Excel's 1900 leap day


def parse_date(value) -> datetime.date:
    """The date parse_partial_date reads, a month or year known alone as its first day."""
    return parse_partial_date(value)[0]


def parse_partial_date(value) -> tuple[datetime.date, str]:
    """Reads the date forms rosters use, with how much of the date they give (DatePrecision).

    Accepts date cells, 1980-01-02, 1980/1/2, 1980年1月2日, 1980.1.2, 19800102 and Excel serial
    numbers (29222 → 1980-01-02) to the day; 1980年1月, 1980.01, 1980-01, 1980/1 and 198001 to the
    month; 1980 and 1980年 to the year. A month or a year alone is stored as its first day, and
    its precision says so. Raises BadCell with a message otherwise.
    """
    if isinstance(value, datetime.datetime):
        return value.date(), DatePrecision.DAY
    if isinstance(value, datetime.date):
        return value, DatePrecision.DAY
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _date_from_number(value, typed=True)
    text = unicodedata.normalize("NFKC", cell_text(value))
    year_only = YEAR_TEXT.fullmatch(text)
    if year_only and 1800 <= int(year_only[1]) <= 2200:
        return _make_date(text, int(year_only[1]), 1, 1), DatePrecision.YEAR
    match = DATE_TEXT.fullmatch(text) or DATE_DIGITS.fullmatch(text)
    if match:
        return _from_parts(text, *match.groups())
    if NUMBER_TEXT.fullmatch(text):
        return _date_from_number(float(text), typed=False, text=text)
    raise _unknown_date(text)


def _from_parts(text: str, year: str, month: str, day: str | None) -> tuple[datetime.date, str]:
    if day:
        return _make_date(text, int(year), int(month), int(day)), DatePrecision.DAY
    return _make_date(text, int(year), int(month), 1), DatePrecision.MONTH


def _unknown_date(text: str) -> BadCell:
    return BadCell(
        _(
            "无法识别的日期“%(text)s”，请写成 1980-01-02、1980/1/2、1980年1月2日、"
            "1980.01（只知年月）或 1980（只知年份）的格式。"
        )
        % {"text": text}
    )


def _date_from_number(number: float, typed: bool, text: str = "") -> tuple[datetime.date, str]:
    text = text or cell_text(number)
    if 1900 <= number < 2101 and not float(number).is_integer():
        # 1980.01 typed into a number cell. Excel drops trailing zeros, so 1980.1 may have been
        # typed as 1980.10: refuse to guess between January and October.
        year, fraction = f"{number:.6f}".rstrip("0").split(".")
        if typed and fraction == "1":
            raise BadCell(
                _(
                    "“%(text)s”可能是 1 月也可能是 10 月（Excel 会去掉末尾的 0），"
                    "请改写成 1980-01 或 1980-10 的格式。"
                )
                % {"text": text}
            )
        if len(fraction) > 2:
            raise _unknown_date(text)
        return _make_date(text, int(year), int(fraction), 1), DatePrecision.MONTH
    whole = int(number)
    if 1800 <= whole <= 2200 and number == whole:
        # A year alone, typed as a number (an Excel serial this low would be a date before 1905).
        return _make_date(text, whole, 1, 1), DatePrecision.YEAR
    if 1000 <= whole <= 80000:
        return EXCEL_EPOCH + datetime.timedelta(days=whole), DatePrecision.DAY
    digits = DATE_DIGITS.fullmatch(str(whole))
    if digits and number == whole:
        return _from_parts(text, *digits.groups())
    raise _unknown_date(text)


def _make_date(text: str, year: int, month: int, day: int) -> datetime.date:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise BadCell(_("日期“%(text)s”不存在，请核对。") % {"text": text}) from None
