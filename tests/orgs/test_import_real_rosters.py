"""Rosters as offices keep them (issue 8, point 6): placeholders in empty cells, dates known only
to the year or month, categories outside the list; and names normalised (point 9)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from orgs.importing import import_members, import_tree
from orgs.models import DatePrecision, Member, MemberCategory, Organization

from ..factories import MemberFactory
from .test_import_members import csv_upload, xlsx_upload

HEADER = ["姓名", "性别", "出生日期", "入党时间", "所在党支部", "岗位类别", "联系电话"]
BRANCH = "幸福社区党支部"


@pytest.mark.parametrize("word", ["无", "暂无", "不详", "空", "—", "-", "/", "／", "N/A", "——"])
def test_it_reads_a_placeholder_in_an_optional_column_as_empty(district, alice, word):
    rows = [HEADER, ["王五", word, word, word, BRANCH, word, word]]

    result = import_members(xlsx_upload(rows), by=alice)

    assert result.ok, result.errors
    member = Member.objects.get(name="王五")
    assert (member.gender, member.birth_date, member.join_date, member.phone) == (
        "",
        None,
        None,
        "",
    )
    assert member.category == MemberCategory.OTHER
    assert result.notes == []


def test_it_keeps_what_is_stored_where_the_file_writes_a_placeholder(district, alice):
    rows = [["姓名", "所在党支部", "联系电话"], ["张三", BRANCH, "暂无"]]
    phone = district.member_a.phone

    result = import_members(csv_upload(rows), by=alice)

    assert (result.updated, result.unchanged) == (0, 1)
    district.member_a.refresh_from_db()
    assert district.member_a.phone == phone


@pytest.mark.parametrize("word", ["无", "不详", "—", "/"])
def test_it_refuses_a_placeholder_for_a_name_naming_the_row(district, alice, word):
    rows = [HEADER, ["王五", "男", "", "", BRANCH, "", ""], [word, "女", "", "", BRANCH, "", ""]]

    result = import_members(xlsx_upload(rows), by=alice)

    assert [(e.row, e.column) for e in result.errors] == [(4, "姓名")]
    assert word in result.errors[0].message
    assert not Member.objects.filter(name="王五").exists()


@pytest.mark.parametrize(
    "value, day, precision, shown",
    [
        ("1955", datetime.date(1955, 1, 1), DatePrecision.YEAR, "1955年"),
        ("1955年", datetime.date(1955, 1, 1), DatePrecision.YEAR, "1955年"),
        (1955, datetime.date(1955, 1, 1), DatePrecision.YEAR, "1955年"),
        ("1955.3", datetime.date(1955, 3, 1), DatePrecision.MONTH, "1955年3月"),
        ("1955年3月", datetime.date(1955, 3, 1), DatePrecision.MONTH, "1955年3月"),
        ("1955-03", datetime.date(1955, 3, 1), DatePrecision.MONTH, "1955年3月"),
        ("1955/3", datetime.date(1955, 3, 1), DatePrecision.MONTH, "1955年3月"),
    ],
)
def test_it_keeps_a_partial_date_with_its_precision_and_says_so(
    district, alice, value, day, precision, shown
):
    rows = [HEADER, ["王五", "男", value, "1980-07-01", BRANCH, "", ""]]

    result = import_members(xlsx_upload(rows), by=alice)

    assert result.ok, result.errors
    member = Member.objects.get(name="王五")
    assert (member.birth_date, member.birth_date_precision) == (day, precision)
    assert member.join_date_precision == DatePrecision.DAY
    assert member.birth_date_text == shown
    assert [(n.row, n.column) for n in result.notes] == [(3, "出生日期")]
    assert shown in result.notes[0].message


def test_it_shows_partial_dates_on_the_member_page_and_the_roster(alice_client, alice, district):
    rows = [HEADER, ["王五", "男", "1955", "1976年3月", BRANCH, "", ""]]
    import_members(xlsx_upload(rows), by=alice)
    member = Member.objects.get(name="王五")

    page = alice_client.get(member.get_absolute_url()).content.decode()
    roster = alice_client.get(reverse("orgs:roster", args=[district.branch_a.pk])).content.decode()

    for html in (page, roster):
        assert "1955年" in html and "1976年3月" in html
        assert "1955-01-01" not in html and "1976-03-01" not in html


def test_it_refuses_a_join_before_eighteen_only_when_every_day_of_the_period_is(district, alice):
    rows = [
        HEADER,
        ["王五", "男", "1955", "1973年3月", BRANCH, "", ""],  # may be born in January 1955
        ["赵六", "男", "1955.12", "1973.3", BRANCH, "", ""],  # cannot have been 18
    ]

    result = import_members(xlsx_upload(rows), by=alice)

    assert [(e.row, e.column) for e in result.errors] == [(4, "入党时间")]


def test_it_accepts_a_join_in_1921_known_to_the_year(district, alice):
    rows = [HEADER, ["王五", "男", "1900", "1921", BRANCH, "", ""]]

    assert import_members(xlsx_upload(rows), by=alice).ok


@pytest.mark.parametrize("label", ["流动党员", "农村党员", "预备党员"])
def test_it_imports_a_category_outside_the_list_as_other_and_reports_it(district, alice, label):
    rows = [HEADER, ["王五", "男", "", "", BRANCH, label, ""]]

    result = import_members(xlsx_upload(rows), by=alice)

    assert result.ok, result.errors
    assert Member.objects.get(name="王五").category == MemberCategory.OTHER
    assert [(n.row, n.column) for n in result.notes] == [(3, "岗位类别")]
    assert label in result.notes[0].message and "其他" in result.notes[0].message


def test_it_names_the_noted_rows_after_an_import_on_the_page(alice_client, district):
    rows = [HEADER, ["王五", "男", "1955", "", BRANCH, "流动党员", ""]]
    url = reverse("orgs:import_members") + f"?branch={district.branch_a.pk}"

    response = alice_client.post(url, {"file": csv_upload(rows)}, follow=True)

    html = response.content.decode()
    assert "党员名册导入完成" in html
    assert "第 2 行“出生日期”：只有年份，按“1955年”保存" in html
    assert "第 2 行“岗位类别”：“流动党员”不在岗位类别" in html


def test_it_keeps_the_precision_when_the_form_edits_another_field(alice_client, district):
    member = MemberFactory(
        branch=district.branch_a,
        name="王五",
        birth_date=datetime.date(1955, 1, 1),
        birth_date_precision=DatePrecision.YEAR,
        join_date=datetime.date(1976, 3, 1),
        join_date_precision=DatePrecision.MONTH,
    )
    url = reverse("orgs:edit_member", args=[member.pk])
    form = alice_client.get(url).content.decode()
    assert "名册中只记到“1955年”" in form
    data = {
        "name": "王五",
        "gender": "M",
        "birth_date": "1955-01-01",
        "join_date": "1976-03-15",
        "category": MemberCategory.COMMUNITY,
        "phone": "13900000000",
    }

    assert alice_client.post(url, data).status_code == 302

    member.refresh_from_db()
    assert (member.birth_date_precision, member.birth_date_text) == ("year", "1955年")
    assert (member.join_date_precision, member.join_date_text) == ("day", "1976-03-15")


# --- Names (point 9) ------------------------------------------------------------------------------


def test_it_matches_a_name_with_a_zero_width_space_to_the_member_on_file(district, alice):
    MemberFactory(branch=district.branch_a, name="赵六", birth_date=datetime.date(1980, 1, 2))
    rows = [HEADER, ["赵\u200b六", "男", "1980-01-02", "", BRANCH, "", "13900000009"]]

    result = import_members(xlsx_upload(rows), by=alice)

    assert (result.created, result.updated) == (0, 1)
    assert list(Member.objects.filter(name__startswith="赵").values_list("name", "phone")) == [
        ("赵六", "13900000009")
    ]


def test_it_matches_a_stored_name_with_invisible_characters_to_the_clean_one(district, alice):
    MemberFactory(branch=district.branch_a, name="赵\ufeff六", birth_date=datetime.date(1980, 1, 2))
    rows = [HEADER, ["赵六", "男", "1980-01-02", "", BRANCH, "", ""]]

    result = import_members(xlsx_upload(rows), by=alice)

    assert result.ok and result.created == 0
    assert Member.objects.filter(name__startswith="赵").count() == 1


def test_it_removes_direction_overrides_and_unifies_the_middle_dot(district, alice):
    rows = [
        HEADER,
        ["\u202e王五\u202c", "男", "", "", BRANCH, "", ""],
        ["阿依古丽•买买提", "女", "", "", BRANCH, "", ""],
        ["ＡＢＣ・达瓦", "女", "", "", BRANCH, "", ""],
    ]

    assert import_members(xlsx_upload(rows), by=alice).ok

    names = set(Member.objects.filter(branch=district.branch_a).values_list("name", flat=True))
    assert {"王五", "阿依古丽·买买提", "ABC·达瓦"} <= names


def test_it_refuses_an_emoji_in_a_name_naming_the_row(district, alice):
    rows = [HEADER, ["王五😀", "男", "", "", BRANCH, "", ""]]

    result = import_members(xlsx_upload(rows), by=alice)

    assert [(e.row, e.column) for e in result.errors] == [(3, "姓名")]
    assert result.errors[0].message == "姓名中不能有表情符号（😀），请删除后再试。"


def test_it_refuses_an_emoji_in_an_organisation_name_of_the_tree(district, ada):
    rows = [["组织路径"], ["某某区委/西山镇党委/🚩村党支部"]]

    result = import_tree(csv_upload(rows), by=ada)

    assert [e.row for e in result.errors] == [2]
    assert "组织名称中不能有表情符号（🚩）" in result.errors[0].message


def test_the_member_form_refuses_an_emoji_and_cleans_the_name(alice_client, district):
    url = reverse("orgs:add_member", args=[district.branch_a.pk])
    data = {"name": "王五🎉", "gender": "M", "category": MemberCategory.COMMUNITY}

    response = alice_client.post(url, data)

    assert response.status_code == 200
    assert "姓名中不能有表情符号（🎉）" in response.content.decode()
    assert not Member.objects.filter(name__startswith="王五").exists()

    alice_client.post(url, {**data, "name": "王\u200b五\u202e"})
    assert Member.objects.filter(name="王五").exists()


def test_the_organisation_form_cleans_the_name(client, district, ada):
    client.force_login(ada)
    url = reverse("orgs:add_child", args=[district.east.pk])

    client.post(url, {"name": "新华\u200d社区(东区)党支部", "kind": "branch", "sector": ""})
    refused = client.post(url, {"name": "🏠社区党支部", "kind": "branch", "sector": ""})

    assert Organization.objects.filter(name="新华社区（东区）党支部").exists()
    assert "组织名称中不能有表情符号" in refused.content.decode()


def test_every_emoji_is_outside_the_names_that_skip_the_emoji_check():
    """clean_name asks the emoji library only about names with a character beyond Han, ASCII,
    the name dot and full-width brackets: no emoji may be made of those alone."""
    import emoji

    from orgs.rules import PLAIN_NAME, clean_name

    assert not [e for e in emoji.EMOJI_DATA if PLAIN_NAME.fullmatch(e)]
    with pytest.raises(ValidationError):
        clean_name("张三#\ufe0f\u20e3")  # a keycap: ASCII and two characters beyond it


@pytest.mark.parametrize("text", ["——————————", "- - - - - - - -", "…………"])
def test_a_long_run_of_dashes_is_still_a_placeholder(text):
    from orgs.importing.reading import placeholder

    assert placeholder(text)


@pytest.mark.parametrize(
    "text", ["欧阳娜娜娜娜娜", "2003-11-06", "13912345678", "不详不详不详不详"]
)
def test_long_names_dates_and_numbers_are_not_placeholders(text):
    from orgs.importing.reading import placeholder

    assert not placeholder(text)
