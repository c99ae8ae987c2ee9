"""Pledges imported from a sheet (.xlsx or .csv) for one branch, with the roster import's
machinery (orgs.importing: reading the file, cells and dates, errors kept in bounded memory).

Every row is read and checked first; only when no row has an error are the pledges created, all
in one transaction, through bulk.create_pledges (the same service as the form). A row is matched
to a member of the branch by 公民身份号码 when it gives one, else by name (two members of that name
in the branch: the row must give the number). A row whose member already has the same pledge
(same 承诺事项 and 承诺内容) was imported before: skipped and counted as unchanged, so importing the
same file again changes nothing.
"""

import datetime
import io
import re
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from campaign.models import Campaign
from core.services import require
from orgs import access as org_access
from orgs.importing.base import ImportRejected, ImportResult, RowError
from orgs.importing.errors import RowErrors
from orgs.importing.reading import BadCell, blank, cell_text, open_table, parse_date, placeholder
from orgs.models import Member, Organization
from orgs.rules import clean_id_number, clean_name

from .bulk import RowsRefused, check_new_pledge, create_pledges
from .models import CONTENT_MAX_LENGTH, Pledge

# Headers are data matched against the file, not UI text: not translated.
PLEDGE_COLUMNS = {
    "name": ("姓名", "党员姓名", "承诺人"),
    "id_number": ("公民身份号码", "身份证号", "身份证号码", "身份证", "公民身份证号码"),
    "title": ("承诺事项", "承诺题目", "承诺标题"),
    "content": ("承诺内容", "具体内容"),
    "deadline": ("完成时限", "完成时间", "完成期限"),
    "areas": ("承诺方面", "方面"),
}
TITLE_LENGTH = Pledge._meta.get_field("title").max_length
AREA_LENGTH = 20
AREAS_MAX = 6
AREA_SEPARATORS = re.compile(r"[、,，;；/\s]+")


def import_pledges(uploaded, *, org: Organization, campaign: Campaign, by) -> ImportResult:
    """Creates the pledges of a sheet for members of `org`: all rows or, if any is wrong, none."""
    require(org_access.can_manage(by, org))
    table = open_table(uploaded, PLEDGE_COLUMNS, key="title")
    if "name" not in table.columns and "id_number" not in table.columns:
        raise ImportRejected(_("文件中没有“姓名”或“公民身份号码”列，无法确定是哪位党员的承诺。"))
    for column in ("content", "deadline"):
        if column not in table.columns:
            raise ImportRejected(
                _("文件中没有“%(column)s”列，请下载导入模板对照填写。")
                % {"column": PLEDGE_COLUMNS[column][0]}
            )
    members = _Members(org)
    existing = {
        p.member_id: p for p in Pledge.objects.filter(campaign=campaign, member__branch=org)
    }
    errors = RowErrors(by)
    rows, unchanged, seen = [], 0, {}
    for number, cells in table.rows:
        read = _Row(table, number, cells, errors)
        if read.empty:
            continue
        member = members.find(read, errors)
        if member is None or not read.ok:
            continue
        if member.pk in seen:
            read.error(
                "name",
                _("与第 %(row)s 行是同一名党员，每人只有一项承诺。") % {"row": seen[member.pk]},
            )
            continue
        seen[member.pk] = number
        pledge = existing.get(member.pk)
        if pledge is not None:
            if (pledge.title, pledge.content) == (read.fields["title"], read.fields["content"]):
                unchanged += 1  # imported before
            else:
                read.error(
                    "title",
                    _("“%(name)s”在本次活动中已有承诺“%(title)s”，未导入。")
                    % {"name": member.name, "title": pledge.title},
                )
            continue
        try:
            check_new_pledge(campaign, member, read.fields)
        except ValidationError as error:
            read.errors_from(error)
            continue
        rows.append((number, member, read.fields))
    if not rows and not unchanged and not errors:
        raise ImportRejected(_("表头下面没有承诺数据。"))
    if errors:
        return errors.result(table)
    try:
        created = create_pledges(campaign, rows, by=by)
    except RowsRefused as refused:
        for number, error in refused.by_row.items():
            errors.append(RowError(number, "", " ".join(error.messages)))
        return errors.result(table)
    errors.close()
    return ImportResult(created=len(created), unchanged=unchanged)


class _Row:
    """One data row read into a pledge's fields; a cell that cannot be read is a RowError."""

    def __init__(self, table, number: int, cells: list, errors: RowErrors):
        self.table, self.number, self.errors = table, number, errors
        self.ok = True
        self.cells = {
            name: (cells[position] if position < len(cells) else None)
            for name, (position, _header) in table.columns.items()
        }
        self.empty = all(blank(value) for value in self.cells.values())
        self.fields: dict = {}
        if not self.empty:
            self._read()

    def error(self, column: str, message: str) -> None:
        self.ok = False
        header = self.table.header(column) if column in self.table.columns else ""
        self.errors.append(RowError(self.number, header, message))

    def errors_from(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                for message in messages:
                    self.error(field, message)
        else:
            self.error("", " ".join(error.messages))

    def text(self, name: str) -> str:
        value = self.cells.get(name)
        return "" if blank(value) or placeholder(value) else cell_text(value)

    def _read(self) -> None:
        title = " ".join(self.text("title").split())
        content = self.text("content").strip()
        if not title:
            self.error("title", _("承诺事项不能为空。"))
        elif len(title) > TITLE_LENGTH:
            self.error(
                "title",
                _("承诺事项不能超过 %(limit)s 个字（现有 %(count)s 个字）。")
                % {"limit": TITLE_LENGTH, "count": len(title)},
            )
        if not content:
            self.error("content", _("承诺内容不能为空。"))
        elif len(content) > CONTENT_MAX_LENGTH:
            self.error(
                "content",
                _("承诺内容不能超过 %(limit)s 个字（现有 %(count)s 个字）。")
                % {"limit": CONTENT_MAX_LENGTH, "count": len(content)},
            )
        self.fields = {"title": title, "content": content, "areas": self._areas()}
        deadline = self.cells.get("deadline")
        if blank(deadline):
            self.error("deadline", _("完成时限不能为空。"))
            return
        try:
            day = parse_date(deadline)
        except BadCell as bad:
            self.error("deadline", bad.message)
            return
        self.fields["deadline"] = day if isinstance(day, datetime.date) else None

    def _areas(self) -> list[str]:
        areas = [a for a in AREA_SEPARATORS.split(self.text("areas")) if a]
        if len(areas) > AREAS_MAX or any(len(a) > AREA_LENGTH for a in areas):
            self.error(
                "areas",
                _("承诺方面最多 %(count)s 项，每项不超过 %(limit)s 个字，用“、”分隔。")
                % {"count": AREAS_MAX, "limit": AREA_LENGTH},
            )
        return list(dict.fromkeys(areas))


class _Members:
    """The branch's members, read once, found by 公民身份号码 or by name."""

    def __init__(self, org: Organization):
        self.by_id_number = {}
        self.by_name = defaultdict(list)
        for member in Member.objects.filter(branch=org).order_by("pk"):
            if member.id_number:
                self.by_id_number[member.id_number] = member
            self.by_name[member.name].append(member)

    def find(self, row: _Row, errors) -> Member | None:
        id_text, name_text = row.text("id_number"), row.text("name")
        name = ""
        if name_text:
            try:
                name = clean_name(name_text)
            except ValidationError as error:
                row.error("name", error.messages[0])
                return None
        if id_text:
            return self._by_id_number(row, id_text, name)
        if not name:
            row.error("name", _("姓名和公民身份号码不能都为空。"))
            return None
        found = self.by_name.get(name, [])
        if not found:
            row.error("name", _("本支部没有名为“%(name)s”的党员，请核对姓名。") % {"name": name})
            return None
        if len(found) > 1:
            row.error(
                "name",
                _("本支部有 %(count)s 名党员叫“%(name)s”，请填写公民身份号码以区分。")
                % {"count": len(found), "name": name},
            )
            return None
        return self._active(row, found[0])

    def _by_id_number(self, row: _Row, text: str, name: str) -> Member | None:
        try:
            number = clean_id_number(text)
        except ValidationError as error:
            row.error("id_number", error.messages[0])
            return None
        member = self.by_id_number.get(number)
        if member is None:
            row.error("id_number", _("本支部没有这个公民身份号码的党员，请核对。"))
            return None
        if name and name != member.name:
            row.error(
                "name",
                _("公民身份号码登记的党员是“%(member)s”，与姓名“%(name)s”不符。")
                % {"member": member.name, "name": name},
            )
            return None
        return self._active(row, member)

    def _active(self, row: _Row, member: Member) -> Member | None:
        if not member.active:
            row.error("name", _("“%(name)s”已不是在册党员。") % {"name": member.name})
            return None
        return member


# The template's header and example row: data the import matches, not UI text.
TEMPLATE_HEADERS = ["姓名", "公民身份号码", "承诺事项", "承诺内容", "完成时限", "承诺方面"]


def template_xlsx(campaign: Campaign | None = None) -> bytes:
    """The sheet to fill: the header, one example row and a sheet of instructions."""
    from openpyxl import Workbook  # only needed here
    from openpyxl.styles import Font

    deadline = campaign.ends_on if campaign else datetime.date(2026, 12, 31)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("党员承诺")
    sheet.append(TEMPLATE_HEADERS)
    sheet.append(
        [
            "张三",
            "",
            "每月走访一户困难群众",
            "每月到结对户家中走访一次，帮助解决一件实际困难。",
            deadline,
            "服务群众",
        ]
    )
    for position, width in enumerate([10, 22, 30, 60, 14, 16], start=1):
        sheet.cell(row=1, column=position).font = Font(bold=True)
        sheet.column_dimensions[chr(64 + position)].width = width
    sheet["B2"].number_format = "@"
    sheet["E2"].number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet(_("填写说明"))
    notes.column_dimensions["A"].width = 100
    for note in [
        _("每行一名党员的承诺，第一行是表头；示例行请删除后再填写。"),
        _(
            "姓名或公民身份号码至少填一项；支部里有同名党员时必须填公民身份号码（请把该列设为文本）。"
        ),
        _("承诺事项不超过 %(title)s 个字，承诺内容不超过 %(content)s 个字，都必填。")
        % {"title": TITLE_LENGTH, "content": CONTENT_MAX_LENGTH},
        _("完成时限写 2026-06-30、2026/6/30 或 2026年6月30日，应在活动期间内、不早于今天。"),
        _("承诺方面可不填，多项用“、”分隔。"),
        _("有任何一行出错时全部不导入；已导入过的相同承诺再次导入会被跳过。"),
    ]:
        notes.append([note])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
