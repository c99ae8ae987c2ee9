"""The .xlsx templates offered for download: a roster and an organisation tree.

Each holds the header the import recognises, one example row, drop-down lists for the columns with
fixed choices and a sheet of instructions. The accepted values the instructions list are the
*_CHOICES strings of members.py and tree.py, the same ones the imports' error messages offer.
"""

import datetime
import io

from django.utils.translation import gettext as _

from ..models import Grade, MemberCategory, OrgKind, Sector
from .members import CATEGORY_CHOICES
from .tree import GRADE_CHOICES, KIND_CHOICES, SECTOR_CHOICES

# The headers must be the ones the imports match, and the example values ones they accept: both
# are data, not UI text, and stay untranslated. The notes and sheet titles are translated.
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
        _("每行一名党员，第一行是表头；示例行请删除后再填写。"),
        _(
            "姓名必填。同一姓名和出生日期（未填出生日期时：同一支部的同一姓名）视为同一名党员，"
            "再次导入只更新变化的内容，空白单元格不会清除已有内容。"
        ),
        _(
            "日期可写 1980-01-02、1980/1/2、1980年1月2日、1980.01 或 198001；"
            "只写到月份时按当月 1 日。"
        ),
        _(
            "所在党支部写完整路径（如“某某区委/某某镇党委/某某村党支部”），"
            "支部名称不重复时也可只写名称。"
        ),
        _("性别：%(genders)s。岗位类别：%(choices)s；不填为“%(default)s”。")
        % {
            "genders": "男、女",
            "choices": CATEGORY_CHOICES,
            "default": MemberCategory.OTHER.label,
        },
        _("联系电话请设为文本格式，7 至 12 位数字。"),
    ]
    lists = {"性别": "男,女", "岗位类别": ",".join(str(label) for label in MemberCategory.labels)}
    return template_xlsx(_("党员花名册"), *MEMBER_TEMPLATE, notes, lists, text_columns={"联系电话"})


def tree_template_xlsx() -> bytes:
    """An organisation-tree template: the header, one example row and a sheet of instructions."""
    notes = [
        _("每行一个党组织，“组织路径”从顶级党组织写起，各级名称用“/”分隔。"),
        _("缺少的上级组织会一并新建（类型按名称判断）；已有的组织只更新类型、领域和分类定级。"),
        _("组织类型：%(choices)s；不填时按名称结尾判断（如“……党支部”）。")
        % {"choices": KIND_CHOICES},
        _("领域：%(choices)s；不填时与上级组织相同。") % {"choices": SECTOR_CHOICES},
        _("分类定级：%(choices)s，可不填。") % {"choices": GRADE_CHOICES},
    ]
    lists = {
        "组织类型": ",".join(str(label) for label in OrgKind.labels),
        "领域": ",".join(str(label) for label in Sector.labels),
        "分类定级": ",".join(str(label) for label in Grade.labels),
    }
    return template_xlsx(_("党组织"), *TREE_TEMPLATE, notes, lists)


def template_xlsx(title, headers, example, notes, lists, text_columns=frozenset()) -> bytes:
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
    help_sheet = workbook.create_sheet(_("填写说明"))
    help_sheet.column_dimensions["A"].width = 100
    for note in notes:
        help_sheet.append([note])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
