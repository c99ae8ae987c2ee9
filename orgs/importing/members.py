"""The roster (党员花名册) import: import_members, its row checks and its writes.

Every row is read and checked first (name, gender, dates, category, phone, branch), the branch a
row names is found among those the user manages (_BranchFinder), and each row is matched to a
member already on those rosters (_MemberPlan), all outside any transaction. Only when no row has an
error are the new and changed members written, in one short transaction that matches the rows
again against the rosters as they are then, by core's raw-SQL batch writers.
"""

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.audit import audited
from core.bulk import insert_rows, update_rows
from core.services import one_at_a_time, require

from .. import access
from ..models import DatePrecision, Gender, Member, MemberCategory, Organization, partial_date_text
from ..rules import (
    check_id_number_agrees,
    clean_id_number,
    clean_name,
    clean_phone,
    require_branch,
    validate_member_dates,
)
from .base import (
    IMPORT_LOCK,
    READ_SHARE,
    BadCell,
    ImportRejected,
    ImportResult,
    Progress,
    RowError,
    Table,
)
from .errors import RowErrors
from .reading import (
    blank,
    cached,
    cell_text,
    lookup,
    name_key,
    open_table,
    parse_partial_date,
    placeholder,
    split_path,
)
from .scope import orgs_with_keys, scope_orgs, tree_state

SPACES_BETWEEN_HAN = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")

# The headers a file may use for each column: data the header row is matched against, so they are
# not translated (matching must not depend on the active language).
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
    "id_number": ("公民身份号码", "身份证号", "身份证号码", "身份证", "公民身份证号码"),
}
GENDERS = {"男": Gender.MALE, "男性": Gender.MALE, "M": Gender.MALE}
GENDERS |= {"女": Gender.FEMALE, "女性": Gender.FEMALE, "F": Gender.FEMALE}
# Labels and the variants offices write. A category outside the list (农村党员, 流动党员) is
# imported as 其他 rather than failing every row of a village roster, with a note in the result.
CATEGORIES = {name_key(str(label)): value for value, label in MemberCategory.choices}
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
    MemberCategory.OTHER: ("其它",),
}
CATEGORIES |= {word: value for value, words in CATEGORY_VARIANTS.items() for word in words}
CATEGORY_CHOICES = "、".join(str(label) for label in MemberCategory.labels)
UNKNOWN_GENDER = gettext_lazy("无法识别的性别“%(value)s”，可填：%(choices)s。")
OTHER_CATEGORY = gettext_lazy("“%(value)s”不在岗位类别（%(choices)s）中，按“其他”导入。")
PARTIAL_DATE = {
    DatePrecision.YEAR: gettext_lazy("只有年份，按“%(date)s”保存，未补月日。"),
    DatePrecision.MONTH: gettext_lazy("只有年月，按“%(date)s”保存，未补日。"),
}
MEMBER_FIELDS = (
    "gender",
    "birth_date",
    "birth_date_precision",
    "join_date",
    "join_date_precision",
    "category",
    "phone",
    "id_number",
)


@dataclass(frozen=True, slots=True)
class _Read:
    """What a cell gives: the member's fields it sets, and a note for the result when it was read
    in a way the user should know of (a date without its day, a category outside the list)."""

    fields: dict
    note: str = ""


def _gender(value) -> _Read:
    return _Read({"gender": lookup(GENDERS, "男、女", UNKNOWN_GENDER, value)})


def _category(value) -> _Read:
    key = name_key(cell_text(value))
    category = CATEGORIES.get(key) or CATEGORIES.get(key.upper())
    if category is not None:
        return _Read({"category": category})
    note = OTHER_CATEGORY % {"value": cell_text(value), "choices": CATEGORY_CHOICES}
    return _Read({"category": MemberCategory.OTHER.value}, str(note))


def _date_parser(name: str):
    def parse(value) -> _Read:
        day, precision = parse_partial_date(value)
        fields = {name: day, f"{name}_precision": str(precision)}
        if precision == DatePrecision.DAY:
            return _Read(fields)
        return _Read(
            fields, str(PARTIAL_DATE[precision]) % {"date": partial_date_text(day, precision)}
        )

    return parse


def _phone(value) -> _Read:
    if isinstance(value, float) and value.is_integer():
        value = str(int(value))
    if isinstance(value, str) and value.isascii() and value.isdigit() and 7 <= len(value) <= 12:
        return _Read({"phone": value})  # most cells: nothing to clean
    try:
        return _Read({"phone": clean_phone(cell_text(value))})  # the member form's rule
    except ValidationError as error:
        raise BadCell(error.messages[0]) from None


def _id_number(value) -> _Read:
    if isinstance(value, float):
        # Excel keeps 15 significant digits: the last ones of an 18-digit number are lost.
        raise BadCell(
            _("身份证号被 Excel 存成了数字，末几位已丢失：请把这一列设为“文本”后重新填写。")
        )
    try:
        return _Read({"id_number": clean_id_number(cell_text(value))})
    except ValidationError as error:
        raise BadCell(error.messages[0]) from None


def _member_name(value) -> str:
    """The name as stored (rules.clean_name: NFKC, no invisible characters, one middle dot);
    raises ValidationError for a name with emoji."""
    name = value.strip() if isinstance(value, str) else cell_text(value)
    if " " in name or "\u3000" in name:
        # Offices pad two-character names to line up with three: 张  三 is 张三.
        name = SPACES_BETWEEN_HAN.sub("", name.replace("\u3000", " ")).strip()
    if name.isascii() and name.isprintable():
        return name  # nothing to normalise
    return clean_name(name)


def _stored_name(name: str) -> str:
    """An existing member's name as the rows' names are compared with it (an old row may predate
    clean_name, or hold what it refuses)."""
    try:
        return _member_name(name)
    except ValidationError:
        return name


MEMBER_PARSERS = {
    "gender": _gender,
    "birth_date": _date_parser("birth_date"),
    "join_date": _date_parser("join_date"),
    "category": _category,
    "phone": _phone,
    "id_number": _id_number,
}


@dataclass(slots=True)
class _MemberRow:
    row: int
    name: str
    fields: dict  # only the fields whose cells are filled
    branch_text: str
    branch: Organization | None = None


def import_members(
    uploaded,
    *,
    by,
    default_branch: Organization | None = None,
    progress: Progress | None = None,
    before_write: Callable[[], None] | None = None,
) -> ImportResult:
    """Imports a 党员花名册 into the branches `by` manages: all rows or, if any row is wrong, none.

    A member is the same person as an existing one (in `by`'s write scope) with the same name and
    birth date, or with the same name in the same branch when the file gives no birth date. Empty
    cells leave what is stored; a different branch transfers the member. `default_branch` takes
    the rows whose file has no branch column, or whose branch cell is empty. `progress` hears how
    far the import has got; `before_write` runs first inside the writing transaction and may
    refuse it by raising (a worker's job that was superseded).
    """
    require(access.can_manage_anything(by))
    if default_branch is not None:
        require(access.can_manage(by, default_branch))
        try:
            require_branch(default_branch)
        except ValidationError as error:
            raise ImportRejected(error.messages) from None
    table = open_table(uploaded, MEMBER_COLUMNS, key="name")
    if "branch" not in table.columns and default_branch is None:
        raise ImportRejected(
            _("文件中没有“所在党支部”列：请添加这一列，或在页面上选择默认党支部。")
        )
    errors = RowErrors(by)
    notes: list[RowError] = []
    rows = _read_member_rows(table, errors, progress, notes)
    if not rows and not errors:
        raise ImportRejected(_("表头下面没有党员数据。"))
    state = _rosters_state(by)
    plan = _plan_members(rows, table, by, default_branch, errors)
    if errors:
        return errors.result(table)
    if progress is not None:
        progress(READ_SHARE)
    with audited(by=by):
        one_at_a_time(IMPORT_LOCK)
        if before_write is not None:
            before_write()
        if _rosters_state(by) != state:
            # Someone changed the rosters or the tree meanwhile: match the rows again.
            plan = _plan_members(rows, table, by, default_branch, errors)
            if errors:
                return errors.result(table)
        plan.write()
    return ImportResult(len(plan.new), len(plan.changed), plan.unchanged, notes=notes)


def _rosters_state(by) -> tuple:
    """A fingerprint of what the rows are matched against: the members `by` manages (every write
    through the services or an import bumps updated_at) and the organisations around them."""
    members = access.members_for(by, write=True).aggregate(
        n=Count("id"), last=Max("id"), changed=Max("updated_at")
    )
    return (*members.values(), tree_state(by))


def _plan_members(rows, table: Table, by, default_branch, errors) -> "_MemberPlan":
    _place_members(rows, table, _BranchFinder(by), default_branch, errors)
    plan = _MemberPlan(by, table)
    for row in rows:
        plan.take(row, errors)
    _refuse_id_numbers_of_others(rows, plan, errors)
    return plan


def _refuse_id_numbers_of_others(rows, plan: "_MemberPlan", errors: list[RowError]) -> None:
    """An ID number that a member outside the rosters `by` manages holds (each is unique) is an
    error naming the row, rather than a failed write."""
    wanted = {
        row.fields["id_number"]: row.row
        for row in rows
        if "id_number" in row.fields and row.fields["id_number"] not in plan.by_id_number
    }
    if not wanted:
        return
    numbers = list(wanted)
    message = _("这个公民身份号码已登记在您管理范围以外的党员名下，请与上级党组织核对。")
    for start in range(0, len(numbers), ID_NUMBERS_PER_QUERY):
        chunk = numbers[start : start + ID_NUMBERS_PER_QUERY]
        taken = Member.objects.filter(id_number__in=chunk).values_list("id_number", flat=True)
        for number in taken:
            errors.append(RowError(wanted[number], plan.id_header, message))


# Well under SQLite's limit of bound variables per statement.
ID_NUMBERS_PER_QUERY = 5000


def _read_member_rows(
    table: Table, errors: list[RowError], progress: Progress | None, notes: list[RowError]
) -> list[_MemberRow]:
    """The rows with their fields; a cell that cannot be read is an error, a cell read in a way
    the user should know of (a date without its day, a category outside the list) a note. A
    placeholder (无, 不详, —, /) in an optional column is an empty cell."""
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
        table.report(progress, number)
        width = len(cells)
        name_cell = cells[name_at] if name_at < width else None
        if all(p >= width or blank(cells[p]) for p in used):
            continue  # an empty row, or one with only a 序号
        fields = {}
        for _field_name, position, header, parse, cache in parsers:
            value = cells[position] if position < width else None
            if blank(value) or placeholder(value):
                continue
            outcome = cached(parse, cache, value)
            if isinstance(outcome, BadCell):
                errors.append(RowError(number, header, outcome.message))
                continue
            fields.update(outcome.fields)
            if outcome.note:
                notes.append(RowError(number, header, outcome.note))
        try:
            name = _member_name(name_cell)
        except ValidationError as error:
            name = ""
            errors.append(RowError(number, name_header, error.messages[0]))
        else:
            if placeholder(name):
                errors.append(
                    RowError(
                        number,
                        name_header,
                        _("姓名不能为“%(name)s”，请填写党员姓名。") % {"name": name},
                    )
                )
                name = ""
            elif not name:
                errors.append(RowError(number, name_header, _("姓名不能为空。")))
        if len(name) > NAME_LENGTH:
            errors.append(RowError(number, name_header, _("姓名过长，请核对。")))
        if "birth_date" in fields or "join_date" in fields:
            _check_member_dates(number, fields, table, today, errors)
        if "id_number" in fields:
            try:
                check_id_number_agrees(fields)
            except ValidationError as error:
                message = error.message_dict["id_number"][0]
                errors.append(RowError(number, table.header("id_number"), message))
        branch_text = (
            cell_text(cells[branch_at]) if branch_at is not None and branch_at < width else ""
        )
        rows.append(_MemberRow(number, name, fields, branch_text))
    return rows


NAME_LENGTH = Member._meta.get_field("name").max_length


def _check_member_dates(number: int, fields: dict, table: Table, today, errors: list) -> None:
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
        for org, keys in orgs_with_keys(scope_orgs(by)):
            self.names[org.path] = org.name
            if access.can_manage(by, org):
                for start in range(len(keys)):
                    self.by_tail[keys[start:]].append(org)
        self.cache: dict[str, Organization | BadCell] = {}

    def find(self, text: str) -> "Organization | BadCell":
        return cached(self._find, self.cache, text)

    def _find(self, text: str) -> Organization:
        keys = tuple(name_key(segment) for segment in split_path(text))
        found = self.by_tail.get(keys, [])
        usable = [org for org in found if org.active and org.holds_members]
        if len(usable) == 1:
            return usable[0]
        if usable:
            parents = "、".join(f"“{self._parent_name(org)}”" for org in usable[:5])
            example = "/".join(self._trail(usable[0]))
            raise BadCell(
                _(
                    "有 %(count)s 个党组织名为“%(name)s”，上级分别是%(parents)s，"
                    "请写完整路径，如“%(example)s”。"
                )
                % {"count": len(usable), "name": text, "parents": parents, "example": example}
            )
        if found:
            try:
                require_branch(found[0])
            except ValidationError as error:
                raise BadCell(error.messages[0]) from None
        raise BadCell(
            _("在您管理的党组织中找不到“%(name)s”，请核对名称，或写完整路径。") % {"name": text}
        )

    def _parent_name(self, org: Organization) -> str:
        name = self.names.get(org.path[: -org.steplen])
        return _("（顶级）") if name is None else name

    def _trail(self, org: Organization) -> list[str]:
        step = org.steplen
        return [self.names[org.path[:end]] for end in range(step, len(org.path) + 1, step)]


def _place_members(rows, table: Table, finder, default_branch, errors) -> None:
    for row in rows:
        if not row.branch_text:
            row.branch = default_branch
            if default_branch is None:
                errors.append(RowError(row.row, table.header("branch"), _("所在党支部不能为空。")))
            continue
        branch = finder.find(row.branch_text)
        if isinstance(branch, BadCell):
            errors.append(RowError(row.row, table.header("branch"), branch.message))
        else:
            row.branch = branch


class _MemberPlan:
    """Matches the rows to the members already on the rosters `by` manages, read in one query."""

    def __init__(self, by, table: Table):
        self.header = table.header("name")
        self.id_header = table.header("id_number") if "id_number" in table.columns else ""
        self.by_birth = defaultdict(list)
        self.by_branch = defaultdict(list)
        self.by_id_number = {}
        existing = access.members_for(by, write=True).values_list(
            "id", "name", *MEMBER_FIELDS, "branch_id", "active", named=True
        )
        for member in existing.order_by("id"):
            name = _stored_name(member.name)
            self.by_branch[name, member.branch_id].append(member)
            if member.birth_date:
                self.by_birth[name, member.birth_date].append(member)
            if member.id_number:
                self.by_id_number[member.id_number] = member
        self.seen: dict[tuple, int] = {}
        self.seen_id_numbers: dict[str, int] = {}
        self.claimed: dict[int, int] = {}
        self.new: list[_MemberRow] = []
        self.changed: list[tuple] = []
        self.unchanged = 0

    def take(self, row: _MemberRow, errors: list[RowError]) -> None:
        if not row.name or row.branch is None:
            return
        birth = row.fields.get("birth_date")
        id_number = row.fields.get("id_number")
        if id_number:
            # The ID number is the person: the same one twice is one member, a different one
            # another member even with the same name and birth date.
            if id_number in self.seen_id_numbers:
                message = _("与第 %(row)s 行的公民身份号码相同，请合并为一行。") % {
                    "row": self.seen_id_numbers[id_number]
                }
                errors.append(RowError(row.row, self.id_header, message))
                return
            self.seen_id_numbers[id_number] = row.row
            known = self.by_id_number.get(id_number)
            if known is not None:
                matches = [known]
            else:
                matches = [m for m in self._matches(row, birth) if not m.id_number]
        else:
            key = (row.name, birth) if birth else (row.name, row.branch.pk)
            if key in self.seen:
                if birth:
                    message = _("与第 %(row)s 行重复：姓名和出生日期相同。")
                else:
                    message = _("与第 %(row)s 行重复：姓名和所在党支部（未填出生日期）相同。")
                message %= {"row": self.seen[key]}
                errors.append(RowError(row.row, self.header, message))
                return
            self.seen[key] = row.row
            matches = self._matches(row, birth)
        if len(matches) > 1:
            if birth:
                message = _("系统中已有 %(count)s 名党员“%(name)s”，无法确定是哪一位。")
            else:
                message = _("系统中已有 %(count)s 名党员“%(name)s”，请填写出生日期以便区分。")
            message %= {"count": len(matches), "name": row.name}
            errors.append(RowError(row.row, self.header, message))
        elif not matches:
            self.new.append(row)
        elif matches[0].id in self.claimed:
            message = _("与第 %(row)s 行是同一名党员，请合并为一行。") % {
                "row": self.claimed[matches[0].id]
            }
            errors.append(RowError(row.row, self.header, message))
        elif not matches[0].active:
            errors.append(RowError(row.row, self.header, _("已减少的党员，请先恢复。")))
        else:
            member = matches[0]
            self.claimed[member.id] = row.row
            # A member found by ID number takes the name the file gives (a name changed since).
            if (
                member.branch_id == row.branch.pk
                and member.name == row.name
                and all(getattr(member, name) == value for name, value in row.fields.items())
            ):
                self.unchanged += 1
            else:
                values = {**member._asdict(), **row.fields, "branch_id": row.branch.pk}
                values["name"] = row.name
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
                row.fields.get("birth_date_precision", DatePrecision.DAY.value),
                row.fields.get("join_date"),
                row.fields.get("join_date_precision", DatePrecision.DAY.value),
                row.fields.get("category", category),
                row.fields.get("phone", ""),
                row.fields.get("id_number"),
                row.branch.pk,
                True,
                None,
                "",
                "",
                "",
                None,
                now,
                now,
            )
            for row in self.new
        ]
        insert_rows(Member, MEMBER_INSERT_COLUMNS, new)
        update_rows(
            Member,
            [*MEMBER_UPDATE_COLUMNS[:-1], "updated_at"],
            [(*values[:-1], now, values[-1]) for values in self.changed],
        )


# Column order of the tuples handed to insert_rows and update_rows (the pk last).
MEMBER_INSERT_COLUMNS = [
    "name",
    *MEMBER_FIELDS,
    "branch_id",
    "active",
    "deactivated_on",
    "deactivation_reason",
    "transferred_to",
    "transferred_from",
    "transferred_in_on",
    "created_at",
    "updated_at",
]
MEMBER_UPDATE_COLUMNS = ["name", *MEMBER_FIELDS, "branch_id", "id"]
