import csv
import datetime
import io
import zipfile

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orgs.importing import (
    ImportRejected,
    RowError,
    import_members,
    member_template_xlsx,
    parse_date,
)
from orgs.models import Gender, Member, MemberCategory, OrgKind

from ..factories import MemberFactory, UserFactory, add_org

HEADER = ["序号", "姓名", "性别", "出生日期", "入党时间", "所在党支部", "岗位类别", "联系电话"]
A_PATH = "某某区委/东城街道党工委/幸福社区党支部"


def xlsx_upload(rows, name="roster.xlsx", title="某某社区党支部党员花名册", formats=None):
    """An .xlsx as offices keep it: a merged title row above the header unless title=None."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=6)
    for row in rows:
        sheet.append(row)
    for (row, column), number_format in (formats or {}).items():
        sheet.cell(row=row, column=column).number_format = number_format
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def csv_upload(rows, encoding="utf-8-sig", name="roster.csv"):
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return SimpleUploadedFile(name, text.getvalue().encode(encoding))


def test_it_imports_a_roster_with_a_title_row_and_excel_dates(district, alice):
    upload = xlsx_upload(
        [
            HEADER,
            [1, "王五", "男", datetime.date(1980, 1, 2), 38534, A_PATH, "社区党员", 13912345678.0],
            [
                2,
                "赵  六",
                "女",
                "1985年3月",
                "2010.07",
                "幸福社区党支部",
                "离退休党员",
                "139-1234-5679",
            ],
            [3, "孙八", "", 29222, "", "", "", ""],
        ],
        formats={(5, 4): "yyyy-mm-dd"},  # 孙八's birth date as a real date cell holding 29222
    )

    result = import_members(upload, by=alice, default_branch=district.branch_a)

    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    wang = Member.objects.get(name="王五")
    assert wang.branch == district.branch_a
    assert wang.gender == Gender.MALE
    assert wang.birth_date == datetime.date(1980, 1, 2)
    assert wang.join_date == datetime.date(2005, 7, 1)  # Excel serial 38534
    assert wang.category == MemberCategory.COMMUNITY
    assert wang.phone == "13912345678"
    zhao = Member.objects.get(name="赵六")  # the padding between the characters is gone
    assert zhao.birth_date == datetime.date(1985, 3, 1)
    assert zhao.join_date == datetime.date(2010, 7, 1)
    assert zhao.category == MemberCategory.RETIRED
    assert zhao.phone == "13912345679"
    sun = Member.objects.get(name="孙八")
    assert sun.birth_date == datetime.date(1980, 1, 2)
    assert sun.branch == district.branch_a  # the default branch for an empty cell
    assert sun.category == MemberCategory.OTHER
    assert sun.gender == ""


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_it_reads_csv_as_excel_and_wps_save_it(district, alice, encoding):
    rows = [
        ["手机号码", "姓 名", "出生年月", "入党日期", "所在党组织", "人员类别"],
        ["13900000001", "周九", "1990/5/6", "2015-07-01", "幸福社区党支部", "学生"],
    ]

    result = import_members(csv_upload(rows, encoding), by=alice)

    assert result.ok, result.errors
    member = Member.objects.get(name="周九")
    assert member.birth_date == datetime.date(1990, 5, 6)
    assert member.category == MemberCategory.STUDENT
    assert member.phone == "13900000001"


@pytest.mark.parametrize(
    "value, expected",
    [
        (datetime.date(1980, 1, 2), datetime.date(1980, 1, 2)),
        (datetime.datetime(1980, 1, 2, 8, 30), datetime.date(1980, 1, 2)),
        ("1980-01-02", datetime.date(1980, 1, 2)),
        ("1980-01-02 00:00:00", datetime.date(1980, 1, 2)),
        ("1980/1/2", datetime.date(1980, 1, 2)),
        ("1980年1月2日", datetime.date(1980, 1, 2)),
        ("1980年1月", datetime.date(1980, 1, 1)),
        ("1980.01", datetime.date(1980, 1, 1)),
        ("1980.10", datetime.date(1980, 10, 1)),
        ("1980.1.2", datetime.date(1980, 1, 2)),
        ("198001", datetime.date(1980, 1, 1)),
        ("19800102", datetime.date(1980, 1, 2)),
        ("１９８０－０１－０２", datetime.date(1980, 1, 2)),
        (29222, datetime.date(1980, 1, 2)),
        (29222.0, datetime.date(1980, 1, 2)),
        ("29222.0", datetime.date(1980, 1, 2)),
        (198001.0, datetime.date(1980, 1, 1)),
        (19800102, datetime.date(1980, 1, 2)),
        (1980.01, datetime.date(1980, 1, 1)),
        (1980.12, datetime.date(1980, 12, 1)),
    ],
)
def test_it_reads_the_date_forms_rosters_use(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", [1980.1, "1980-13-01", "80.1.2", "去年", 5, "1980年13月"])
def test_it_refuses_dates_it_cannot_be_sure_of(district, alice, value):
    upload = xlsx_upload([HEADER, [1, "王五", "男", value, "", "幸福社区党支部", "", ""]])

    result = import_members(upload, by=alice)

    assert [(e.row, e.column) for e in result.errors] == [(3, "出生日期")]
    assert not Member.objects.filter(name="王五").exists()


def test_it_imports_nothing_and_names_every_bad_row(district, alice):
    future = datetime.date.today() + datetime.timedelta(days=30)
    upload = xlsx_upload(
        [
            HEADER,
            [1, "王五", "男", "1980-01-02", "2005-07-01", "幸福社区党支部", "", "13912345678"],
            [2, "赵六", "未知", "1985-01-01", "1990-01-01", "幸福社区党支部", "", ""],
            [3, "", "女", "1985-01-01", "", "幸福社区党支部", "", ""],
            [4, "钱七", "女", future, "", "幸福社区党支部", "宇航员", "123"],
            [5, "孙八", "男", "1899-12-01", "", "", "", ""],
            [6, "李九", "女", "1990-01-01", "", "幸福社区党支部", "", "1390000abcd"],
        ]
    )

    result = import_members(upload, by=alice)

    assert not result.ok
    assert (result.created, result.updated, result.unchanged) == (0, 0, 0)
    assert [(e.row, e.column) for e in result.errors] == [
        (4, "性别"),
        (4, "入党时间"),
        (5, "姓名"),
        (6, "出生日期"),
        (6, "联系电话"),
        (7, "出生日期"),
        (7, "所在党支部"),
        (8, "联系电话"),
    ]
    messages = {(e.row, e.column): e.message for e in result.errors}
    assert messages[4, "入党时间"] == "入党时应年满十八周岁，请核对入党时间和出生日期。"
    assert messages[5, "姓名"] == "姓名不能为空。"
    assert messages[6, "出生日期"] == "出生日期不能晚于今天。"
    assert "1900" in messages[7, "出生日期"]
    assert messages[7, "所在党支部"] == "所在党支部不能为空。"
    assert messages[6, "联系电话"] == "联系电话位数不对，手机号码为 11 位。"
    assert messages[8, "联系电话"] == "联系电话只能包含数字。"
    assert not Member.objects.filter(name__in=["王五", "赵六", "钱七", "孙八", "李九"]).exists()


def test_it_changes_nothing_when_the_same_file_comes_again(district, alice):
    rows = [
        HEADER,
        [1, "王五", "男", datetime.date(1980, 1, 2), "2005.07", A_PATH, "社区党员", 13912345678.0],
        [2, "赵六", "女", "", "", "幸福社区党支部", "", ""],
    ]
    first = import_members(xlsx_upload(rows), by=alice)
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    stamps = dict(Member.objects.values_list("name", "updated_at"))

    again = import_members(xlsx_upload(rows), by=alice)

    assert again.ok
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert dict(Member.objects.values_list("name", "updated_at")) == stamps
    assert Member.objects.filter(name="王五").count() == 1


def test_it_updates_what_changed_and_transfers_between_branches(district, ada):
    zhang = district.member_a  # 张三, born 1980-01-02 in branch A
    stamp = zhang.updated_at
    rows = [
        ["姓名", "出生日期", "所在党支部", "联系电话"],
        ["张三", "1980-01-02", "红旗村党支部", "13800000000"],
    ]

    result = import_members(csv_upload(rows), by=ada)

    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    zhang.refresh_from_db()
    assert zhang.branch == district.branch_b
    assert zhang.phone == "13800000000"
    assert zhang.category == MemberCategory.COMMUNITY  # no column, so kept
    assert zhang.join_date == datetime.date(2005, 7, 1)
    assert zhang.updated_at > stamp


def test_it_completes_a_member_entered_without_a_birth_date(district, alice):
    member = MemberFactory(branch=district.branch_a, name="吴十", birth_date=None, join_date=None)
    rows = [["姓名", "出生日期", "所在党支部"], ["吴十", "1975-06-01", "幸福社区党支部"]]

    result = import_members(csv_upload(rows), by=alice)

    assert (result.created, result.updated) == (0, 1)
    member.refresh_from_db()
    assert member.birth_date == datetime.date(1975, 6, 1)


def test_it_refuses_a_branch_outside_the_users_scope(district, alice):
    rows = [
        ["姓名", "所在党支部"],
        ["王五", "红旗村党支部"],
        ["赵六", "某某区委/西山镇党委/红旗村党支部"],
    ]

    result = import_members(csv_upload(rows), by=alice)

    assert [(e.row, e.column) for e in result.errors] == [(2, "所在党支部"), (3, "所在党支部")]
    # Outside the scope reads exactly like missing: the message does not tell it exists.
    assert result.errors[0].message == (
        "在您管理的党组织中找不到“红旗村党支部”，请核对名称，或写完整路径。"
    )
    assert not Member.objects.filter(name__in=["王五", "赵六"]).exists()


def test_it_asks_for_the_full_path_when_a_branch_name_is_shared(district, ada):
    add_org(district.east, "第一党支部")
    west_first = add_org(district.west, "第一党支部")
    rows = [
        ["姓名", "所在党支部"],
        ["王五", "第一党支部"],
        ["赵六", "西山镇党委/第一党支部"],
        ["钱七", "某某区委／西山镇党委／第一党支部"],
    ]

    result = import_members(csv_upload(rows), by=ada)

    assert [(e.row, e.column) for e in result.errors] == [(2, "所在党支部")]
    message = result.errors[0].message
    assert "东城街道党工委" in message and "西山镇党委" in message
    assert "某某区委/东城街道党工委/第一党支部" in message
    rows.pop(1)
    result = import_members(csv_upload(rows), by=ada)
    assert result.created == 2
    assert set(
        Member.objects.filter(name__in=["赵六", "钱七"]).values_list("branch", flat=True)
    ) == {west_first.pk}


def test_it_refuses_a_branch_that_cannot_hold_members(district, ada):
    group = add_org(district.branch_a, "第一党小组", kind=OrgKind.GROUP)
    closed = add_org(district.east, "撤销的党支部", active=False)
    rows = [["姓名", "所在党支部"], ["王五", group.name], ["赵六", closed.name]]

    result = import_members(csv_upload(rows), by=ada)

    assert [e.message for e in result.errors] == [
        "“第一党小组”是党小组，党员应编入党支部。",
        "“撤销的党支部”已撤销，不能接收党员。",
    ]


def test_it_names_the_other_row_of_a_duplicate(district, alice):
    rows = [
        ["姓名", "出生日期", "所在党支部"],
        ["王五", "1980-01-02", "幸福社区党支部"],
        ["赵六", "1981-01-02", "幸福社区党支部"],
        ["王五", "1980/1/2", "幸福社区党支部"],
    ]

    result = import_members(csv_upload(rows), by=alice)

    assert result.errors == [RowError(4, "姓名", "与第 2 行重复：姓名和出生日期相同。")]
    assert result.created == 0


def test_it_refuses_to_bring_back_a_member_who_left(district, alice):
    MemberFactory(
        branch=district.branch_a,
        name="王五",
        active=False,
        deactivated_on=datetime.date(2020, 1, 1),
    )
    rows = [["姓名", "出生日期", "所在党支部"], ["王五", "1980-01-02", "幸福社区党支部"]]

    result = import_members(csv_upload(rows), by=alice)

    assert result.errors == [RowError(2, "姓名", "已减少的党员，请先恢复。")]
    assert Member.objects.filter(name="王五").count() == 1


def test_it_refuses_to_guess_among_namesakes(district, alice):
    MemberFactory(branch=district.branch_a, name="王五", birth_date=datetime.date(1970, 1, 1))
    MemberFactory(branch=district.branch_a, name="王五", birth_date=datetime.date(1971, 1, 1))
    rows = [["姓名", "所在党支部", "联系电话"], ["王五", "幸福社区党支部", "13911112222"]]

    result = import_members(csv_upload(rows), by=alice)

    assert [(e.row, e.column) for e in result.errors] == [(2, "姓名")]
    assert "出生日期" in result.errors[0].message


def test_it_accepts_someone_born_on_29_february(district, alice):
    rows = [["姓名", "出生日期", "入党时间", "所在党支部"]]
    rows += [["王五", "1980-02-29", "2005-07-01", "幸福社区党支部"]]
    rows += [["赵六", "1980-02-29", "1998-02-27", "幸福社区党支部"]]

    result = import_members(csv_upload(rows), by=alice)

    assert [(e.row, e.column) for e in result.errors] == [(3, "入党时间")]


@pytest.mark.parametrize(
    "label, category",
    [
        ("机关党员", MemberCategory.GOVERNMENT),
        ("机关", MemberCategory.GOVERNMENT),
        ("离退休", MemberCategory.RETIRED),
        ("退休", MemberCategory.RETIRED),
        ("教学科研人员", MemberCategory.TEACHING),
        ("农村党员", MemberCategory.OTHER),
        ("其它", MemberCategory.OTHER),
    ],
)
def test_it_understands_the_category_variants(district, alice, label, category):
    rows = [["姓名", "所在党支部", "党员类别"], ["王五", "幸福社区党支部", label]]

    assert import_members(csv_upload(rows), by=alice).ok
    assert Member.objects.get(name="王五").category == category


def test_it_uses_the_default_branch_when_the_file_has_no_branch_column(district, alice):
    rows = [["姓名", "性别"], ["王五", "M"], ["赵六", "女"]]

    result = import_members(csv_upload(rows), by=alice, default_branch=district.branch_a)

    assert result.created == 2
    assert set(
        Member.objects.filter(name__in=["王五", "赵六"]).values_list("branch", flat=True)
    ) == {district.branch_a.pk}


def test_it_refuses_a_file_without_a_branch_column_or_default(district, alice):
    with pytest.raises(ImportRejected, match="所在党支部"):
        import_members(csv_upload([["姓名"], ["王五"]]), by=alice)


def test_it_refuses_a_default_branch_outside_the_scope(district, alice):
    with pytest.raises(PermissionDenied):
        import_members(csv_upload([["姓名"], ["王五"]]), by=alice, default_branch=district.branch_b)


def test_it_refuses_a_file_without_a_header(district, alice):
    with pytest.raises(ImportRejected, match="姓名"):
        import_members(csv_upload([["张三", "男"], ["李四", "女"]]), by=alice)


@pytest.mark.parametrize(
    "name, content",
    [
        ("roster.xlsx", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01" + bytes(range(256))),
        (
            "roster.csv",
            b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nstream\n\x01\x02\xff\nendstream",
        ),
        ("roster.csv", bytes(range(256)) * 4),
        ("roster.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512)),
        ("roster.xlsx", b"PK\x03\x04 not really a zip"),
        ("roster.csv", b"<html><table><tr><td>\xe5\xa7\x93\xe5\x90\x8d</td></tr></table></html>"),
    ],
)
def test_it_refuses_files_that_are_not_spreadsheets(district, alice, name, content):
    with pytest.raises(ImportRejected):
        import_members(SimpleUploadedFile(name, content), by=alice)
    assert Member.objects.count() == 2


def test_it_refuses_a_word_document_renamed_xlsx(district, alice):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(ImportRejected, match="不是 Excel"):
        import_members(SimpleUploadedFile("roster.xlsx", buffer.getvalue()), by=alice)


def test_it_refuses_a_file_over_the_size_limit(district, alice, settings):
    settings.IMPORT_MAX_BYTES = 1000
    upload = csv_upload([["姓名", "所在党支部"]] + [["王五", "幸福社区党支部"]] * 100)
    assert upload.size > 1000

    with pytest.raises(ImportRejected, match="1000 字节"):
        import_members(upload, by=alice)


def test_it_refuses_someone_who_manages_nothing(district, charlie):
    with pytest.raises(PermissionDenied):
        import_members(csv_upload([["姓名"], ["王五"]]), by=charlie)


def test_it_lets_a_superuser_import_anywhere(district):
    root = UserFactory(username="root", is_superuser=True)
    rows = [["姓名", "所在党支部"], ["王五", "红旗村党支部"], ["赵六", "幸福社区党支部"]]

    assert import_members(csv_upload(rows), by=root).created == 2


def _count_queries(alice, n):
    alice = type(alice).objects.get(pk=alice.pk)  # roles not yet read, as in a request
    rows = [["姓名", "出生日期", "所在党支部"]]
    rows += [[f"党员甲{n}-{i}", "1980-01-02", "幸福社区党支部"] for i in range(n)]
    with CaptureQueriesContext(connection) as queries:
        assert import_members(csv_upload(rows), by=alice).created == n
    return len(queries)


def test_it_runs_the_same_number_of_queries_for_10_and_50_rows(district, alice):
    # Both fit one INSERT on SQLite, whose 999 parameters cap a batch at ~80 members.
    assert _count_queries(alice, 10) == _count_queries(alice, 50)


def test_it_offers_a_template_that_imports_once_the_branch_is_filled_in(district, alice):
    workbook = openpyxl.load_workbook(io.BytesIO(member_template_xlsx()))
    sheet = workbook.worksheets[0]
    assert [cell.value for cell in sheet[1]] == HEADER
    sheet["F2"] = A_PATH
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = import_members(SimpleUploadedFile("模板.xlsx", buffer.getvalue()), by=alice)

    assert result.ok, result.errors
    assert Member.objects.get(name="张三", phone="13912345678").birth_date == datetime.date(
        1980, 1, 2
    )
