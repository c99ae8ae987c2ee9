"""Roster (党员花名册) and organisation-tree import from .xlsx and .csv files.

Both imports work in two passes. Every row is read and checked first; only when no row has an
error are all rows written, in one transaction, with bulk inserts and updates, so a file goes in
whole or not at all and the number of queries does not grow with the number of rows. Rows are
matched to what exists already, so importing the same file a second time changes nothing.

Files are recognised by their content, never by their name: an .xlsx is a zip holding
xl/workbook.xml, anything else must be readable text (UTF-8 or GB18030, as Excel and WPS save CSV).
"""

import codecs
import csv
import datetime
import io
import itertools
import re
import unicodedata
import zipfile
from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone
from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from . import access
from .models import (
    Gender,
    Grade,
    Member,
    MemberCategory,
    Organization,
    OrgKind,
    Sector,
    kind_from_name,
    path_step,
)
from .services import require_branch, validate_member_dates

BATCH_SIZE = 2000
HEADER_SCAN_ROWS = 10
# An .xlsx compresses about tenfold; far more than that is a zip bomb, not a roster.
MAX_UNZIPPED_RATIO = 40
MAX_DEPTH = 255 // Organization.steplen  # treebeard's path column holds 255 characters

NOT_A_SPREADSHEET = (
    "文件不是 Excel 表格（.xlsx）或 CSV 文件，无法导入。"
    "请上传用 Excel 或 WPS 表格保存的 .xlsx 文件。"
)
OLD_EXCEL = (
    "这是旧版 Excel（.xls）文件或设有密码的表格，无法直接导入。"
    "请在 Excel 或 WPS 中“另存为” .xlsx 格式（不设密码）后再导入。"
)
UNREADABLE_XLSX = (
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
SPACES_BETWEEN_HAN = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")


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
        return f"新增 {self.created}，更新 {self.updated}，未变 {self.unchanged}"


def _failed(errors: list[RowError], table: "_Table") -> ImportResult:
    """A result with the errors in reading order: by row, then by column as in the file."""
    order = {header: position for position, header in table.columns.values()}
    return ImportResult(errors=sorted(errors, key=lambda e: (e.row, order.get(e.column, -1))))


class _Bad(Exception):
    """A cell that cannot be read; the message is shown to the user as it is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- Reading the file -----------------------------------------------------------------------------


@dataclass
class _Table:
    columns: dict[str, tuple[int, str]]  # field → (column index, header as written)
    rows: Iterator[tuple[int, list]]  # (row number, cells) after the header

    def header(self, name: str) -> str:
        return self.columns[name][1]


def _size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:g} MB"
    if size >= 1024:
        return f"{size / 1024:g} KB"
    return f"{size} 字节"


def _read_bytes(uploaded) -> bytes:
    limit = settings.IMPORT_MAX_BYTES
    too_big = ImportRejected(f"文件超过 {_size_text(limit)} 的上限，请分成几个文件分别导入。")
    size = getattr(uploaded, "size", None)
    if size is not None and size > limit:
        raise too_big
    if hasattr(uploaded, "seek"):
        uploaded.seek(0)
    data = uploaded.read()
    if len(data) > limit:
        raise too_big
    if not data.strip():
        raise ImportRejected("文件是空的。")
    return data


def _open_table(uploaded, synonyms: dict[str, tuple[str, ...]], key: str) -> _Table:
    """Finds the header row (the first of the first rows naming the `key` column) and maps columns.

    In a workbook, the first visible sheet with such a header is read, so an instructions sheet or
    a hidden sheet is passed over.
    """
    lookup = {_header_key(word): name for name, words in synonyms.items() for word in words}
    for rows in _sheets(_read_bytes(uploaded)):
        head = list(itertools.islice(rows, HEADER_SCAN_ROWS))
        for index, cells in enumerate(head):
            columns: dict[str, tuple[int, str]] = {}
            for position, cell in enumerate(cells):
                text = _text(cell)
                name = lookup.get(_header_key(text)) or lookup.get(_header_key(text, brackets=True))
                if name and name not in columns:
                    columns[name] = (position, text)
            if key in columns:
                rest = itertools.chain(head[index + 1 :], rows)
                return _Table(columns, zip(itertools.count(index + 2), rest))
    raise ImportRejected(
        f"在文件的前 {HEADER_SCAN_ROWS} 行中没有找到表头：表头应有“{synonyms[key][0]}”一列。"
        "请下载导入模板对照填写。"
    )


def _header_key(text: str, brackets: bool = False) -> str:
    """Header text as compared: NFKC (full-width → half-width), no spaces, no "*" or colon.

    With brackets=True a bracketed note is dropped too: 出生日期（格式：1980-01-02） → 出生日期.
    """
    text = unicodedata.normalize("NFKC", text)
    if brackets:
        text = re.sub(r"\(.*?\)|\[.*?\]|【.*?】", "", text)
    return re.sub(r"[\s*:]", "", text)


def _sheets(data: bytes) -> Iterator[Iterator[list]]:
    if data.startswith(ZIP_SIGNATURE):
        yield from _xlsx_sheets(data)
    elif data.startswith(OLE_SIGNATURE):
        raise ImportRejected(OLD_EXCEL)
    elif data.startswith(BINARY_SIGNATURES):
        raise ImportRejected(NOT_A_SPREADSHEET)
    else:
        yield _csv_rows(data)


def _xlsx_sheets(data: bytes) -> Iterator[Iterator[list]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except zipfile.BadZipFile as error:
        raise ImportRejected(NOT_A_SPREADSHEET) from error
    names = {entry.filename for entry in entries}
    if "xl/workbook.bin" in names:
        raise ImportRejected("这是 Excel 二进制工作簿（.xlsb），请“另存为” .xlsx 格式后再导入。")
    if "xl/workbook.xml" not in names:
        raise ImportRejected(NOT_A_SPREADSHEET)
    if sum(entry.file_size for entry in entries) > MAX_UNZIPPED_RATIO * settings.IMPORT_MAX_BYTES:
        raise ImportRejected("文件解压后过大，请分成几个文件分别导入。")
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
            rows = workbook.get_sheet_by_name(name).iter_rows()
        except Exception as error:
            raise ImportRejected(UNREADABLE_XLSX) from error
        yield rows


def _csv_rows(data: bytes) -> Iterator[list]:
    text = _decode_text(data)
    if text.lstrip().startswith("<"):
        # An HTML or XML page renamed .csv or .xls, as some old systems export.
        raise ImportRejected(NOT_A_SPREADSHEET)
    sample = text[:4096]
    delimiter = max(",\t;", key=sample.count)
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


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


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value) -> str:
    """A cell as text: 13912345678.0 from Excel reads 13912345678."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _key(name: str) -> str:
    """A name as compared: 第１党支部 and 第1党支部, with or without spaces, are the same."""
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", name))


def _split_path(text: str) -> list[str]:
    # Not normalised: a new organisation keeps its name as written, full-width brackets and all.
    segments = [segment.strip() for segment in PATH_SEPARATORS.split(text)]
    if any(not s for s in segments):
        raise _Bad(f"“{text}”中有空的一级，请检查分隔符“/”。")
    return segments


def _cached(parse, cache: dict, value):
    """parse(value), or the _Bad it raised, remembered: a roster repeats most of its values."""
    try:
        return cache[value]
    except KeyError:
        pass
    try:
        outcome = parse(value)
    except _Bad as bad:
        outcome = bad
    cache[value] = outcome
    return outcome


def _lookup(table: dict[str, str], allowed: str, what: str, text):
    """Maps a label, or a variant of it, to its stored value; an unknown label lists the allowed."""
    key = _key(_text(text))
    value = table.get(key) or table.get(key.upper())
    if value is None:
        raise _Bad(f"无法识别的{what}“{_text(text)}”，可填：{allowed}。")
    return value


# --- Dates ----------------------------------------------------------------------------------------

DATE_TEXT = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:(?:[-/.]|月)\s*(\d{1,2})\s*[日号]?|月)?"
    r"(?:[T\s]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
DATE_DIGITS = re.compile(r"(\d{4})(\d{2})(\d{2})?")
NUMBER_TEXT = re.compile(r"\d+(?:\.\d+)?")
EXCEL_EPOCH = datetime.date(1899, 12, 30)  # serial 1 is 1900-01-01, after Excel's 1900 leap day
DATE_HINT = "请写成 1980-01-02、1980/1/2、1980年1月2日 或 1980.01 的格式"


def parse_date(value) -> datetime.date:
    """Reads the date forms rosters use; month-only values become the 1st of the month.

    Accepts date cells, 1980-01-02, 1980/1/2, 1980年1月2日, 1980年1月, 1980.01, 1980.1.2, 198001,
    19800102 and Excel serial numbers (29222 → 1980-01-02). Raises _Bad with a message otherwise.
    """
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _date_from_number(value, typed=True)
    text = unicodedata.normalize("NFKC", _text(value))
    match = DATE_TEXT.fullmatch(text) or DATE_DIGITS.fullmatch(text)
    if match:
        year, month, day = match.groups()
        return _make_date(text, int(year), int(month), int(day) if day else 1)
    if NUMBER_TEXT.fullmatch(text):
        return _date_from_number(float(text), typed=False, text=text)
    raise _Bad(f"无法识别的日期“{text}”，{DATE_HINT}。")


def _date_from_number(number: float, typed: bool, text: str = "") -> datetime.date:
    text = text or _text(number)
    if 1900 <= number < 2101 and not float(number).is_integer():
        # 1980.01 typed into a number cell. Excel drops trailing zeros, so 1980.1 may have been
        # typed as 1980.10: refuse to guess between January and October.
        year, fraction = f"{number:.6f}".rstrip("0").split(".")
        if typed and fraction == "1":
            raise _Bad(
                f"“{text}”可能是 1 月也可能是 10 月（Excel 会去掉末尾的 0），"
                "请改写成 1980-01 或 1980-10 的格式。"
            )
        if len(fraction) > 2:
            raise _Bad(f"无法识别的日期“{text}”，{DATE_HINT}。")
        return _make_date(text, int(year), int(fraction), 1)
    whole = int(number)
    if 1900 <= whole <= 2100:
        raise _Bad(f"“{text}”只有年份，请写明月份，如 {whole}.01。")
    if 1000 <= whole <= 80000:
        return EXCEL_EPOCH + datetime.timedelta(days=whole)
    digits = DATE_DIGITS.fullmatch(str(whole))
    if digits and number == whole:
        year, month, day = digits.groups()
        return _make_date(text, int(year), int(month), int(day) if day else 1)
    raise _Bad(f"无法识别的日期“{text}”，{DATE_HINT}。")


def _make_date(text: str, year: int, month: int, day: int) -> datetime.date:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise _Bad(f"日期“{text}”不存在，请核对。") from None


# --- Members --------------------------------------------------------------------------------------

MEMBER_COLUMNS = {
    "name": ("姓名",),
    "gender": ("性别",),
    "birth_date": ("出生日期", "出生年月", "出生年月日"),
    "join_date": ("入党时间", "入党日期", "入党年月"),
    "branch": (
        "所在党支部",
        "所在党组织",
        "党支部",
        "所在支部",
        "所属党支部",
        "所属党组织",
        "党组织",
    ),
    "category": ("岗位类别", "人员类别", "党员类别", "类别"),
    "phone": ("联系电话", "手机号码", "手机", "电话", "手机号", "联系方式"),
}
GENDERS = {"男": Gender.MALE, "男性": Gender.MALE, "M": Gender.MALE}
GENDERS |= {"女": Gender.FEMALE, "女性": Gender.FEMALE, "F": Gender.FEMALE}
# Labels and the variants offices write. There is no rural category: 农村党员 and 流动党员 go to
# 其他 rather than failing every row of a village roster.
CATEGORIES = {_key(str(label)): value for value, label in MemberCategory.choices}
CATEGORIES |= {value: value for value in MemberCategory.values}
CATEGORY_VARIANTS = {
    MemberCategory.GOVERNMENT: ("机关", "机关干部"),
    MemberCategory.COMMUNITY: ("社区", "居民党员"),
    MemberCategory.ENTERPRISE: ("企业", "国企党员", "非公企业党员", "职工"),
    MemberCategory.TEACHING: ("教学科研人员", "教学", "科研", "教师"),
    MemberCategory.MANAGEMENT: ("管理人员", "行政管理"),
    MemberCategory.SERVICE: ("服务人员", "后勤", "后勤服务"),
    MemberCategory.STUDENT: ("学生党员",),
    MemberCategory.RETIRED: ("离退休党员", "退休", "离休", "退休党员", "离休党员", "离退休人员"),
    MemberCategory.OTHER: ("其它", "农村党员", "农村", "流动党员"),
}
CATEGORIES |= {word: value for value, words in CATEGORY_VARIANTS.items() for word in words}
CATEGORY_CHOICES = "、".join(str(label) for label in MemberCategory.labels)
MEMBER_FIELDS = ("gender", "birth_date", "join_date", "category", "phone")


def _gender(value) -> str:
    return _lookup(GENDERS, "男、女", "性别", value)


def _category(value) -> str:
    return _lookup(CATEGORIES, CATEGORY_CHOICES, "岗位类别", value)


def _phone(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = str(int(value))
    if isinstance(value, str) and value.isascii() and value.isdigit() and 7 <= len(value) <= 12:
        return value  # most cells: nothing to clean
    phone = re.sub(r"[\s\-()—–]", "", unicodedata.normalize("NFKC", _text(value)))
    if phone.startswith("+86"):
        phone = phone[3:]
    # The same rules as the member form.
    if not re.fullmatch(r"[0-9]+", phone):
        raise _Bad("联系电话只能包含数字。")
    if not 7 <= len(phone) <= 12:
        raise _Bad("联系电话位数不对，手机号码为 11 位。")
    return phone


def _member_name(value) -> str:
    name = value.strip() if isinstance(value, str) else _text(value)
    if " " in name or "\u3000" in name:
        # Offices pad two-character names to line up with three: 张  三 is 张三.
        name = SPACES_BETWEEN_HAN.sub("", name.replace("\u3000", " ")).strip()
    return name


MEMBER_PARSERS = {
    "gender": _gender,
    "birth_date": parse_date,
    "join_date": parse_date,
    "category": _category,
    "phone": _phone,
}


@dataclass(slots=True)
class _MemberRow:
    row: int
    name: str
    fields: dict  # only the fields whose cells are filled
    branch_text: str
    branch: Organization | None = None


def import_members(uploaded, *, by, default_branch: Organization | None = None) -> ImportResult:
    """Imports a 党员花名册 into the branches `by` manages: all rows or, if any row is wrong, none.

    A member is the same person as an existing one (in `by`'s write scope) with the same name and
    birth date, or with the same name in the same branch when the file gives no birth date. Empty
    cells leave what is stored; a different branch transfers the member. `default_branch` takes
    the rows whose file has no branch column, or whose branch cell is empty.
    """
    if not access.can_manage_anything(by):
        raise PermissionDenied
    if default_branch is not None:
        if not access.can_manage(by, default_branch):
            raise PermissionDenied
        try:
            require_branch(default_branch)
        except ValidationError as error:
            raise ImportRejected(error.messages) from None
    table = _open_table(uploaded, MEMBER_COLUMNS, key="name")
    if "branch" not in table.columns and default_branch is None:
        raise ImportRejected("文件中没有“所在党支部”列：请添加这一列，或在页面上选择默认党支部。")
    errors: list[RowError] = []
    rows = _read_member_rows(table, errors)
    if not rows and not errors:
        raise ImportRejected("表头下面没有党员数据。")
    with transaction.atomic():
        _place_members(rows, table, _BranchFinder(by), default_branch, errors)
        plan = _MemberPlan(by, table)
        for row in rows:
            plan.take(row, errors)
        if errors:
            return _failed(errors, table)
        plan.write()
    return ImportResult(len(plan.new), len(plan.changed), plan.unchanged)


def _read_member_rows(table: _Table, errors: list[RowError]) -> list[_MemberRow]:
    parsers = [
        (name, position, header, MEMBER_PARSERS[name], {})
        for name, (position, header) in table.columns.items()
        if name in MEMBER_PARSERS
    ]
    name_at, name_header = table.columns["name"]
    branch_at = table.columns["branch"][0] if "branch" in table.columns else None
    used = [position for position, _ in table.columns.values()]
    today = timezone.localdate()
    rows = []
    for number, cells in table.rows:
        width = len(cells)
        name = _member_name(cells[name_at]) if name_at < width else ""
        if not name and all(p >= width or _blank(cells[p]) for p in used):
            continue  # an empty row, or one with only a 序号
        fields = {}
        for field_name, position, header, parse, cache in parsers:
            value = cells[position] if position < width else None
            if _blank(value):
                continue
            outcome = _cached(parse, cache, value)
            if isinstance(outcome, _Bad):
                errors.append(RowError(number, header, outcome.message))
            else:
                fields[field_name] = outcome
        if not name:
            errors.append(RowError(number, name_header, "姓名不能为空。"))
        elif len(name) > NAME_LENGTH:
            errors.append(RowError(number, name_header, "姓名过长，请核对。"))
        if "birth_date" in fields or "join_date" in fields:
            _check_member_dates(number, fields, table, today, errors)
        branch_text = _text(cells[branch_at]) if branch_at is not None and branch_at < width else ""
        rows.append(_MemberRow(number, name, fields, branch_text))
    return rows


NAME_LENGTH = Member._meta.get_field("name").max_length


def _check_member_dates(number: int, fields: dict, table: _Table, today, errors: list) -> None:
    try:
        validate_member_dates(fields, today=today)
    except ValidationError as error:
        for field_name, messages in error.message_dict.items():
            for message in messages:
                errors.append(RowError(number, table.header(field_name), message))


class _BranchFinder:
    """Finds the branch a roster row names, by name or by a path of names, among those `by` manages.

    The organisations of the write scope, and the ancestors above it (their names make the paths),
    are read once; a branch cell is resolved once however many rows repeat it.
    """

    def __init__(self, by):
        self.by = by
        self.names = {}
        # Each branch under every tail of its path: 红旗村党支部, 西山镇党委/红旗村党支部, …
        self.by_tail: dict[tuple, list[Organization]] = defaultdict(list)
        for org, keys in _orgs_with_keys(_scope_orgs(by)):
            self.names[org.path] = org.name
            if access.can_manage(by, org):
                for start in range(len(keys)):
                    self.by_tail[keys[start:]].append(org)
        self.cache: dict[str, Organization | _Bad] = {}

    def find(self, text: str) -> "Organization | _Bad":
        return _cached(self._find, self.cache, text)

    def _find(self, text: str) -> Organization:
        keys = tuple(_key(segment) for segment in _split_path(text))
        found = self.by_tail.get(keys, [])
        usable = [org for org in found if org.active and org.holds_members]
        if len(usable) == 1:
            return usable[0]
        if usable:
            parents = "、".join(f"“{self._parent_name(org)}”" for org in usable[:5])
            example = "/".join(self._trail(usable[0]))
            raise _Bad(
                f"有 {len(usable)} 个党组织名为“{text}”，上级分别是{parents}，"
                f"请写完整路径，如“{example}”。"
            )
        if found:
            try:
                require_branch(found[0])
            except ValidationError as error:
                raise _Bad(error.messages[0]) from None
        raise _Bad(f"在您管理的党组织中找不到“{text}”，请核对名称，或写完整路径。")

    def _parent_name(self, org: Organization) -> str:
        return self.names.get(org.path[: -org.steplen], "（顶级）")

    def _trail(self, org: Organization) -> list[str]:
        step = org.steplen
        return [self.names[org.path[:end]] for end in range(step, len(org.path) + 1, step)]


def _place_members(rows, table: _Table, finder, default_branch, errors) -> None:
    for row in rows:
        if not row.branch_text:
            row.branch = default_branch
            if default_branch is None:
                errors.append(RowError(row.row, table.header("branch"), "所在党支部不能为空。"))
            continue
        branch = finder.find(row.branch_text)
        if isinstance(branch, _Bad):
            errors.append(RowError(row.row, table.header("branch"), branch.message))
        else:
            row.branch = branch


class _MemberPlan:
    """Matches the rows to the members already on the rosters `by` manages, read in one query."""

    def __init__(self, by, table: _Table):
        self.header = table.header("name")
        self.by_birth = defaultdict(list)
        self.by_branch = defaultdict(list)
        existing = access.members_for(by, write=True).values_list(
            "id", "name", *MEMBER_FIELDS, "branch_id", "active", named=True
        )
        for member in existing.order_by("id"):
            name = _member_name(member.name)
            self.by_branch[name, member.branch_id].append(member)
            if member.birth_date:
                self.by_birth[name, member.birth_date].append(member)
        self.seen: dict[tuple, int] = {}
        self.claimed: dict[int, int] = {}
        self.new: list[_MemberRow] = []
        self.changed: list[tuple] = []
        self.unchanged = 0

    def take(self, row: _MemberRow, errors: list[RowError]) -> None:
        if not row.name or row.branch is None:
            return
        birth = row.fields.get("birth_date")
        key = (row.name, birth) if birth else (row.name, row.branch.pk)
        if key in self.seen:
            same = "姓名和出生日期" if birth else "姓名和所在党支部（未填出生日期）"
            message = f"与第 {self.seen[key]} 行重复：{same}相同。"
            errors.append(RowError(row.row, self.header, message))
            return
        self.seen[key] = row.row
        matches = self._matches(row, birth)
        if len(matches) > 1:
            hint = "，无法确定是哪一位" if birth else "，请填写出生日期以便区分"
            message = f"系统中已有 {len(matches)} 名党员“{row.name}”{hint}。"
            errors.append(RowError(row.row, self.header, message))
        elif not matches:
            self.new.append(row)
        elif matches[0].id in self.claimed:
            message = f"与第 {self.claimed[matches[0].id]} 行是同一名党员，请合并为一行。"
            errors.append(RowError(row.row, self.header, message))
        elif not matches[0].active:
            errors.append(RowError(row.row, self.header, "已减少的党员，请先恢复。"))
        else:
            member = matches[0]
            self.claimed[member.id] = row.row
            if member.branch_id == row.branch.pk and all(
                getattr(member, name) == value for name, value in row.fields.items()
            ):
                self.unchanged += 1
            else:
                values = {**member._asdict(), **row.fields, "branch_id": row.branch.pk}
                self.changed.append(tuple(values[name] for name in MEMBER_UPDATE_COLUMNS))

    def _matches(self, row: _MemberRow, birth) -> list:
        if not birth:
            return self.by_branch.get((row.name, row.branch.pk), [])
        matches = self.by_birth.get((row.name, birth))
        if matches:
            return matches
        # A member entered without a birth date is completed by the file, not duplicated.
        same_branch = self.by_branch.get((row.name, row.branch.pk), [])
        return [member for member in same_branch if member.birth_date is None]

    def write(self) -> None:
        now = timezone.now()
        category = MemberCategory.OTHER.value
        new = [
            (
                row.name,
                row.fields.get("gender", ""),
                row.fields.get("birth_date"),
                row.fields.get("join_date"),
                row.fields.get("category", category),
                row.fields.get("phone", ""),
                row.branch.pk,
                True,
                None,
                "",
                now,
                now,
            )
            for row in self.new
        ]
        _insert_rows(Member, MEMBER_INSERT_COLUMNS, new)
        _update_rows(
            Member,
            [*MEMBER_UPDATE_COLUMNS[:-1], "updated_at"],
            [(*values[:-1], now, values[-1]) for values in self.changed],
        )


# Column order of the tuples handed to _insert_rows and _update_rows (the pk last).
MEMBER_INSERT_COLUMNS = [
    "name",
    *MEMBER_FIELDS,
    "branch_id",
    "active",
    "deactivated_on",
    "deactivation_reason",
    "created_at",
    "updated_at",
]
MEMBER_UPDATE_COLUMNS = [*MEMBER_FIELDS, "branch_id", "id"]


# --- Bulk writes ----------------------------------------------------------------------------------
# A 100,000-row roster is 1.2 million values. bulk_create sends each one through the field
# machinery (~7 s on two cores) and bulk_update builds a CASE expression per value (~2 minutes);
# the values here are plain dates, strings and numbers, so they go to the database directly, in
# the same multi-row INSERTs bulk_create would send. Only dates and datetimes need adapting.


def _adapter(field):
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    return None


def _adapt(model, columns: list[str], rows: list[tuple]) -> tuple[list, list[tuple]]:
    fields = [model._meta.get_field(column) for column in columns]
    adapters = [(i, a, {None: None}) for i, a in enumerate(map(_adapter, fields)) if a]
    if adapters:
        rows = [list(row) for row in rows]
        for row in rows:
            for i, adapt, done in adapters:
                value = row[i]
                try:
                    row[i] = done[value]
                except KeyError:
                    row[i] = done[value] = adapt(value)
    return fields, rows


def _insert_rows(model, columns: list[str], rows: list[tuple]) -> None:
    if not rows:
        return
    fields, rows = _adapt(model, columns, rows)
    quote = connection.ops.quote_name
    names = ", ".join(quote(field.column) for field in fields)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    size = max(1, min(BATCH_SIZE, connection.ops.bulk_batch_size(fields, rows)))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            batch = rows[start : start + size]
            sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES "
            cursor.execute(sql + ", ".join([one] * len(batch)), [v for row in batch for v in row])


def _update_rows(model, columns: list[str], rows: list[tuple]) -> None:
    """Sets `columns` of each row identified by the primary key that ends its tuple."""
    if not rows:
        return
    fields, rows = _adapt(model, [*columns, model._meta.pk.name], rows)
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(fields[-1].column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # psycopg's executemany costs a round trip per row (15 s for 100,000); one UPDATE
            # joined to a VALUES list per batch costs one. The casts type NULL-only columns.
            names = ", ".join(quote(field.column) for field in fields)
            assignments = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in fields[:-1])
            one = "(" + ", ".join(f"%s::{f.cast_db_type(connection)}" for f in fields) + ")"
            for start in range(0, len(rows), BATCH_SIZE):
                batch = rows[start : start + BATCH_SIZE]
                values = ", ".join([one] * len(batch))
                cursor.execute(
                    f"UPDATE {table} SET {assignments} FROM (VALUES {values}) AS v ({names}) "
                    f"WHERE {table}.{pk} = v.{pk}",
                    [value for row in batch for value in row],
                )
        else:
            assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields[:-1])
            sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"
            for start in range(0, len(rows), BATCH_SIZE):
                cursor.executemany(sql, rows[start : start + BATCH_SIZE])


# --- Organisations --------------------------------------------------------------------------------

ORG_ONLY = ("id", "path", "depth", "numchild", "name", "kind", "sector", "grade", "active")


def _scope_orgs(by, root_keys: set[str] | None = None) -> list[Organization]:
    """The organisations in `by`'s write scope and their ancestors, in tree order.

    For a superuser (whole tree), only the subtrees of the roots named by `root_keys` when given.
    """
    paths = access.scope_paths(by, write=True)
    if paths is None:
        orgs = Organization.objects.only(*ORG_ONLY)
        if root_keys is None:
            return list(orgs)
        roots = [root for root in orgs.filter(depth=1) if _key(root.name) in root_keys]
        wanted = Q(pk__in=[])
        for root in roots:
            wanted |= Q(path__startswith=root.path)
        return list(orgs.filter(wanted | Q(depth=1)))
    step = Organization.steplen
    above = {path[:end] for path in paths for end in range(step, len(path), step)}
    orgs = access.organizations_for(by, write=True) | Organization.objects.filter(path__in=above)
    return list(orgs.only(*ORG_ONLY).order_by("path"))


def _orgs_with_keys(orgs: list[Organization]) -> Iterator[tuple[Organization, tuple]]:
    """Each organisation with the compared names of its path, root first (orgs in tree order)."""
    keys_at: dict[str, tuple] = {"": ()}
    step = Organization.steplen
    for org in orgs:
        parent = keys_at.get(org.path[:-step])
        if parent is None:
            continue  # its parent is outside what was read
        keys_at[org.path] = keys = (*parent, _key(org.name))
        yield org, keys


TREE_COLUMNS = {
    "path": (
        "组织路径",
        "党组织路径",
        "路径",
        "党组织",
        "组织名称",
        "组织全称",
        "党组织名称",
        "党组织全称",
        "名称",
    ),
    "kind": ("组织类型", "类型", "党组织类型", "组织类别"),
    "sector": ("领域", "所属领域", "行业领域"),
    "grade": ("分类定级", "类别", "定级", "等级"),
}
KINDS = {_key(str(label)): value for value, label in OrgKind.choices}
KINDS |= {value: value for value in OrgKind.values} | {"总支": OrgKind.GENERAL_BRANCH}
KINDS |= {"支部": OrgKind.BRANCH}
KIND_CHOICES = "、".join(str(label) for label in OrgKind.labels)
SECTORS = {_key(str(label)): value for value, label in Sector.choices}
SECTORS |= {value: value for value in Sector.values}
SECTOR_VARIANTS = {
    Sector.RURAL: ("村", "乡村"),
    Sector.GOVERNMENT: ("党政机关", "机关单位"),
    Sector.PUBLIC_INSTITUTION: ("事业",),
    Sector.STATE_ENTERPRISE: ("国企", "国有"),
    Sector.PRIVATE_ENTERPRISE: ("非公企业", "非公", "非公有制经济组织", "民营企业"),
    Sector.SCHOOL: ("高校", "中小学", "学校"),
    Sector.RETIRED: ("离退休干部", "老干部"),
}
SECTORS |= {word: value for value, words in SECTOR_VARIANTS.items() for word in words}
SECTOR_CHOICES = "、".join(str(label) for label in Sector.labels)
GRADES = {_key(str(label)): value for value, label in Grade.choices}
GRADES |= {value: value for value in Grade.values} | {"一": "1", "二": "2", "三": "3"}
GRADES |= {f"{label}党组织": value for value, label in Grade.choices}
GRADE_CHOICES = "、".join(str(label) for label in Grade.labels)


def _kind(value) -> str:
    text = _key(_text(value))
    kind = KINDS.get(text) or kind_from_name(text)  # 联合党支部, 临时党委
    if kind is None:
        raise _Bad(f"无法识别的组织类型“{_text(value)}”，可填：{KIND_CHOICES}。")
    return kind


def _sector(value) -> str:
    return _lookup(SECTORS, SECTOR_CHOICES, "领域", value)


def _grade(value) -> str:
    return _lookup(GRADES, GRADE_CHOICES, "分类定级", value)


TREE_PARSERS = {"kind": _kind, "sector": _sector, "grade": _grade}


@dataclass(slots=True)
class _TreeRow:
    row: int
    names: list[str]
    fields: dict  # kind, sector, grade where the cells are filled

    @property
    def keys(self) -> tuple:
        return tuple(_key(name) for name in self.names)


@dataclass(eq=False, slots=True)
class _NewOrg:
    names: list[str]
    row: int  # the row that asked for it (its own, or its first child's)
    kind: str | None
    sector: str = ""
    grade: str = ""
    from_row: bool = True
    parent: "Organization | _NewOrg | None" = None
    path: str = ""
    numchild: int = 0


def import_tree(uploaded, *, by) -> ImportResult:
    """Imports organisations given by their paths of names (某某区委/某某镇党委/某某村党支部).

    All rows or, if any row is wrong, none. An existing organisation (same path of names) is
    updated where the file's type, sector or grade differ; missing organisations are created, with
    any missing intermediate levels, under an existing organisation `by` manages. Only a superuser
    may create a top-level organisation.
    """
    if not access.can_manage_anything(by):
        raise PermissionDenied
    table = _open_table(uploaded, TREE_COLUMNS, key="path")
    errors: list[RowError] = []
    rows = _read_tree_rows(table, errors)
    if not rows and not errors:
        raise ImportRejected("表头下面没有党组织数据。")
    with transaction.atomic():
        plan = _TreePlan(by, table, {row.keys[0] for row in rows})
        for row in rows:
            plan.take(row, errors)
        plan.add_missing_parents(errors)
        plan.check_places(errors)
        if errors:
            return _failed(errors, table)
        plan.write()
    return ImportResult(len(plan.new), len(plan.changed), plan.unchanged)


def _read_tree_rows(table: _Table, errors: list[RowError]) -> list[_TreeRow]:
    caches = {name: {} for name in TREE_PARSERS}
    parsers = [
        (name, position, header, TREE_PARSERS[name], caches[name])
        for name, (position, header) in table.columns.items()
        if name in TREE_PARSERS
    ]
    path_at, path_header = table.columns["path"]
    used = [position for position, _ in table.columns.values()]
    rows = []
    for number, cells in table.rows:
        width = len(cells)
        if all(position >= width or _blank(cells[position]) for position in used):
            continue
        fields = {}
        for name, position, header, parse, cache in parsers:
            value = cells[position] if position < width else None
            if not _blank(value):
                outcome = _cached(parse, cache, value)
                if isinstance(outcome, _Bad):
                    errors.append(RowError(number, header, outcome.message))
                else:
                    fields[name] = outcome
        text = _text(cells[path_at]) if path_at < width else ""
        try:
            names = _split_path(text) if text else []
        except _Bad as bad:
            errors.append(RowError(number, path_header, bad.message))
            continue
        if not names:
            errors.append(RowError(number, path_header, "组织路径不能为空。"))
        elif len(names) > MAX_DEPTH:
            errors.append(RowError(number, path_header, f"层级过多（最多 {MAX_DEPTH} 级）。"))
        elif any(len(name) > Organization._meta.get_field("name").max_length for name in names):
            errors.append(RowError(number, path_header, "组织名称过长，请核对。"))
        else:
            rows.append(_TreeRow(number, names, fields))
    return rows


AMBIGUOUS = object()


class _TreePlan:
    """The existing tree as `by` may reach it, and the changes the rows ask for."""

    def __init__(self, by, table: _Table, root_keys: set[str]):
        self.by = by
        self.table = table
        self.existing: dict[tuple, Organization | object] = {}
        for org, keys in _orgs_with_keys(_scope_orgs(by, root_keys)):
            self.existing[keys] = AMBIGUOUS if keys in self.existing else org
        self.seen: dict[tuple, int] = {}
        self.new: dict[tuple, _NewOrg] = {}
        self.changed: list[Organization] = []
        self.unchanged = 0

    def _error(self, row: int, column: str, message: str, errors: list[RowError]) -> None:
        header = self.table.header(column) if column in self.table.columns else ""
        errors.append(RowError(row, header, message))

    def take(self, row: _TreeRow, errors: list[RowError]) -> None:
        keys, name = row.keys, row.names[-1]
        if keys in self.seen:
            self._error(row.row, "path", f"与第 {self.seen[keys]} 行重复。", errors)
            return
        self.seen[keys] = row.row
        org = self.existing.get(keys)
        if org is AMBIGUOUS:
            message = f"已有多个同名的“{name}”，无法确定是哪一个，请先在系统中改名。"
            self._error(row.row, "path", message, errors)
        elif org is not None:
            self._update(org, row, errors)
        else:
            kind = row.fields.get("kind") or kind_from_name(name)
            if kind is None:
                message = f"无法从名称判断“{name}”的组织类型，请填写组织类型（{KIND_CHOICES}）。"
                self._error(
                    row.row, "kind" if "kind" in self.table.columns else "path", message, errors
                )
            grade = row.fields.get("grade", "")
            self.new[keys] = _NewOrg(row.names, row.row, kind, row.fields.get("sector", ""), grade)

    def _update(self, org: Organization, row: _TreeRow, errors: list[RowError]) -> None:
        changes = {k: v for k, v in row.fields.items() if getattr(org, k) != v}
        if not changes:
            self.unchanged += 1
        elif not access.can_manage(self.by, org):
            self._error(row.row, "path", f"您无权修改“{org.name}”。", errors)
        else:
            for attribute, value in changes.items():
                setattr(org, attribute, value)
            self.changed.append(org)

    def add_missing_parents(self, errors: list[RowError]) -> None:
        """Links each new organisation to its parent, creating levels that have no row of their own.

        Such a level takes its type from its name and its sector from the row below it.
        """
        pending = deque(self.new.values())
        while pending:
            node = pending.popleft()
            keys = tuple(_key(name) for name in node.names[:-1])
            if not keys:
                continue
            parent = self.existing.get(keys) or self.new.get(keys)
            if parent is AMBIGUOUS:
                message = f"已有多个同名的“{node.names[-2]}”，无法确定是哪一个，请先在系统中改名。"
                self._error(node.row, "path", message, errors)
            elif parent is None:
                name = node.names[-2]
                kind = kind_from_name(_key(name))
                if kind is None:
                    message = f"无法判断上级组织“{name}”的类型，请为它单独写一行并填写组织类型。"
                    self._error(node.row, "path", message, errors)
                parent = _NewOrg(node.names[:-1], node.row, kind, node.sector, from_row=False)
                self.new[keys] = parent
                pending.append(parent)
            node.parent = parent

    def check_places(self, errors: list[RowError]) -> None:
        """Each new organisation must hang under an active organisation `by` manages."""
        verdicts: dict[int | None, str] = {}
        for node in self.new.values():
            if not node.from_row:
                continue  # answered for on the row below it
            top = node
            while isinstance(top.parent, _NewOrg):
                top = top.parent
            anchor = top.parent
            if anchor is AMBIGUOUS:
                continue  # already an error
            pk = anchor.pk if anchor is not None else None
            if pk not in verdicts:
                verdicts[pk] = self._refusal(anchor, top)
            if verdicts[pk]:
                self._error(node.row, "path", verdicts[pk], errors)

    def _refusal(self, anchor: Organization | None, top: _NewOrg) -> str:
        if anchor is None:
            if self.by.is_superuser:
                return ""
            return (
                f"“{top.names[0]}”不是已有的顶级党组织：路径应从顶级党组织写起，"
                "如“某某区委/某某镇党委/某某村党支部”；新建顶级党组织需由系统管理员导入。"
            )
        if not access.can_manage(self.by, anchor):
            return f"您无权在“{anchor.name}”下新建组织。"
        if not anchor.active:
            return f"“{anchor.name}”已撤销，不能新建下级组织。"
        return ""

    def write(self) -> None:
        """Gives the new organisations treebeard paths after their parent's last child, and inserts.

        The parents that gain children are re-read under lock first, so a child added meanwhile
        (services.create_organization locks the parent too) never gets the same path.
        """
        nodes = sorted(self.new.values(), key=lambda node: len(node.names))
        anchors = {n.parent.pk for n in nodes if isinstance(n.parent, Organization)}
        locked = Organization.objects.select_for_update().filter(pk__in=anchors).only(*ORG_ONLY)
        locked = {org.pk: org for org in locked}
        last = self._last_steps(locked.values())
        for node in nodes:
            parent = node.parent
            if isinstance(parent, Organization):
                parent = locked[parent.pk]
            node.sector = node.sector or (parent.sector if parent is not None else "")
            parent_path = parent.path if parent is not None else ""
            last[parent_path] += 1
            node.path = parent_path + path_step(last[parent_path])
            if parent is not None:
                parent.numchild += 1
        Organization.objects.bulk_create(
            [
                Organization(
                    name=node.names[-1],
                    kind=node.kind,
                    sector=node.sector,
                    grade=node.grade,
                    path=node.path,
                    depth=len(node.names),
                    numchild=node.numchild,
                )
                for node in sorted(nodes, key=lambda node: node.path)
            ],
            batch_size=BATCH_SIZE,
        )
        Organization.objects.bulk_update(self.changed, ["kind", "sector", "grade"], BATCH_SIZE)
        Organization.objects.bulk_update(locked.values(), ["numchild"], BATCH_SIZE)

    def _last_steps(self, parents) -> dict[str, int]:
        """The last child step in use under each parent that gains children ("" for the roots)."""
        step = Organization.steplen
        under = Q(pk__in=[])
        for org in parents:
            under |= Q(path__startswith=org.path, depth=org.depth + 1)
        if any(node.parent is None for node in self.new.values()):
            under |= Q(depth=1)
        last: dict[str, int] = defaultdict(int)
        for path in Organization.objects.filter(under).values_list("path", flat=True):
            parent_path, position = path[:-step], int(path[-step:], 36)
            last[parent_path] = max(last[parent_path], position)
        return last


# --- Templates ------------------------------------------------------------------------------------

MEMBER_TEMPLATE = (
    ["序号", "姓名", "性别", "出生日期", "入党时间", "所在党支部", "岗位类别", "联系电话"],
    [
        1,
        "张三",
        "男",
        datetime.date(1980, 1, 2),
        datetime.date(2005, 7, 1),
        "某某区委/某某镇党委/某某村党支部",
        "其他",
        "13912345678",
    ],
)
TREE_TEMPLATE = (
    ["组织路径", "组织类型", "领域", "分类定级"],
    ["某某区委/某某镇党委/某某村党支部", "党支部", "农村", "一类"],
)


def member_template_xlsx() -> bytes:
    """A roster template: the header, one example row and a sheet of instructions."""
    notes = [
        "每行一名党员，第一行是表头；示例行请删除后再填写。",
        "姓名必填。同一姓名和出生日期（未填出生日期时：同一支部的同一姓名）视为同一名党员，"
        "再次导入只更新变化的内容，空白单元格不会清除已有内容。",
        "日期可写 1980-01-02、1980/1/2、1980年1月2日、1980.01 或 198001；只写到月份时按当月 1 日。",
        "所在党支部写完整路径（如“某某区委/某某镇党委/某某村党支部”），支部名称不重复时也可只写名称。",
        f"性别：男、女。岗位类别：{CATEGORY_CHOICES}；不填为“其他”。",
        "联系电话请设为文本格式，7 至 12 位数字。",
    ]
    lists = {"性别": "男,女", "岗位类别": ",".join(str(label) for label in MemberCategory.labels)}
    return _template_xlsx("党员花名册", *MEMBER_TEMPLATE, notes, lists, text_columns={"联系电话"})


def tree_template_xlsx() -> bytes:
    """An organisation-tree template: the header, one example row and a sheet of instructions."""
    notes = [
        "每行一个党组织，“组织路径”从顶级党组织写起，各级名称用“/”分隔。",
        "缺少的上级组织会一并新建（类型按名称判断）；已有的组织只更新类型、领域和分类定级。",
        f"组织类型：{KIND_CHOICES}；不填时按名称结尾判断（如“……党支部”）。",
        f"领域：{SECTOR_CHOICES}；不填时与上级组织相同。",
        f"分类定级：{GRADE_CHOICES}，可不填。",
    ]
    lists = {
        "组织类型": ",".join(str(label) for label in OrgKind.labels),
        "领域": ",".join(str(label) for label in Sector.labels),
        "分类定级": ",".join(str(label) for label in Grade.labels),
    }
    return _template_xlsx("党组织", *TREE_TEMPLATE, notes, lists)


def _template_xlsx(title, headers, example, notes, lists, text_columns=frozenset()) -> bytes:
    # openpyxl is only needed here; importing it lazily keeps it out of every request.
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(headers)
    sheet.append(example)
    sheet.freeze_panes = "A2"
    for position, header in enumerate(headers, start=1):
        letter = get_column_letter(position)
        sheet.cell(row=1, column=position).font = Font(bold=True)
        sheet.column_dimensions[letter].width = max(10, len(str(example[position - 1])) * 2)
        cell = sheet.cell(row=2, column=position)
        if isinstance(cell.value, datetime.date):
            cell.number_format = "yyyy-mm-dd"
        if header in text_columns:
            cell.number_format = "@"
        if header in lists:
            choice = DataValidation(type="list", formula1=f'"{lists[header]}"', allow_blank=True)
            choice.add(f"{letter}2:{letter}10000")
            sheet.add_data_validation(choice)
    help_sheet = workbook.create_sheet("填写说明")
    help_sheet.column_dimensions["A"].width = 100
    for note in notes:
        help_sheet.append([note])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
