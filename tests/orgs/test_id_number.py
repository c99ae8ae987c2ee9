"""The 公民身份号码 (issue 8, point 7): read from rosters, checked, the identity on re-import,
masked for everyone but admins, and every reveal recorded in the trail."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.models import AuditRecord, Operation
from orgs.importing import import_members
from orgs.models import Member
from orgs.rules import ID_CHECK, ID_WEIGHTS, clean_id_number

from ..factories import MemberFactory
from .test_import_members import xlsx_upload

HEADER = ["姓名", "性别", "出生日期", "所在党支部", "公民身份号码"]
BRANCH = "幸福社区党支部"


def id_number(seventeen: str) -> str:
    total = sum(int(d) * w for d, w in zip(seventeen, ID_WEIGHTS, strict=True))
    return seventeen + ID_CHECK[total % 11]


WANG = id_number("11010519800102001")  # born 1980-01-02, 17th digit odd: 男
LI = id_number("11010519850304002")  # born 1985-03-04, 女


def test_it_accepts_the_standard_example_and_a_lower_case_x():
    assert clean_id_number("11010519491231002x") == "11010519491231002X"
    assert clean_id_number(" ".join([WANG[:6], WANG[6:14], WANG[14:]])) == WANG


@pytest.mark.parametrize(
    "text, words",
    [
        (WANG[:-1] + ("0" if WANG[-1] != "0" else "1"), "校验位"),
        ("110105800102001", "15 位"),
        ("1101051980010200", "18 位"),
        (id_number("11010519800230001"), "出生日期不存在"),
    ],
)
def test_it_refuses_a_wrong_number_with_the_reason(text, words):
    with pytest.raises(ValidationError) as refused:
        clean_id_number(text)

    assert words in refused.value.messages[0]


def test_it_imports_the_id_number(district, alice):
    rows = [HEADER, ["王五", "男", "1980-01-02", BRANCH, WANG.lower()]]

    assert import_members(xlsx_upload(rows), by=alice).ok

    assert Member.objects.get(name="王五").id_number == WANG


@pytest.mark.parametrize(
    "row, words",
    [
        (["王五", "男", "1980-01-02", BRANCH, WANG[:-1] + "5"], "校验位"),
        (["王五", "男", "1981-01-02", BRANCH, WANG], "出生日期（1980-01-02）"),
        (["王五", "女", "1980-01-02", BRANCH, WANG], "表示男性"),
        (["王五", "男", "", BRANCH, 110105198001020011.0], "文本"),
    ],
)
def test_it_refuses_a_number_that_is_wrong_or_disagrees_naming_the_row(district, alice, row, words):
    result = import_members(xlsx_upload([HEADER, row]), by=alice)

    assert [(e.row, e.column) for e in result.errors] == [(3, "公民身份号码")]
    assert words in result.errors[0].message
    assert not Member.objects.filter(name="王五").exists()


def test_it_accepts_a_number_agreeing_with_a_birth_year_alone(district, alice):
    rows = [HEADER, ["王五", "男", "1980", BRANCH, WANG]]

    assert import_members(xlsx_upload(rows), by=alice).ok


def test_it_finds_the_member_by_id_number_even_under_a_new_name(district, alice):
    member = MemberFactory(branch=district.branch_a, name="王五", id_number=WANG)
    rows = [HEADER, ["王伍", "男", "1980-01-02", BRANCH, WANG]]

    result = import_members(xlsx_upload(rows), by=alice)

    assert (result.created, result.updated) == (0, 1)
    member.refresh_from_db()
    assert member.name == "王伍"
    assert Member.objects.filter(id_number=WANG).count() == 1


def test_it_tells_apart_two_members_of_the_same_name_and_birth_by_id_number(district, alice):
    other = id_number("11010519800102003")
    rows = [
        HEADER,
        ["王五", "男", "1980-01-02", BRANCH, WANG],
        ["王五", "男", "1980-01-02", BRANCH, other],
    ]

    assert import_members(xlsx_upload(rows), by=alice).created == 2


def test_it_refuses_the_same_id_number_twice_and_one_held_outside_the_scope(district, alice):
    MemberFactory(branch=district.branch_b, name="李四四", id_number=LI, gender="F")
    rows = [
        HEADER,
        ["王五", "男", "1980-01-02", BRANCH, WANG],
        ["王六", "男", "1980-01-02", BRANCH, WANG],
        ["李丽", "女", "1985-03-04", BRANCH, LI],
    ]

    result = import_members(xlsx_upload(rows), by=alice)

    assert [(e.row, e.column) for e in result.errors] == [
        (4, "公民身份号码"),
        (5, "公民身份号码"),
    ]
    assert "管理范围以外" in result.errors[1].message


# --- Pages ----------------------------------------------------------------------------------------


@pytest.fixture
def wang(district):
    return MemberFactory(
        branch=district.branch_a, name="王五", birth_date=datetime.date(1980, 1, 2), id_number=WANG
    )


def test_it_shows_the_number_masked_to_a_secretary(alice_client, wang):
    html = alice_client.get(wang.get_absolute_url()).content.decode()

    # Only the last two: the 7th to 14th are the birth date the page shows, and the place is one
    # of a few; with those, the last four would give the number whole.
    assert f"{'*' * 16}{WANG[-2:]}" in html
    assert WANG not in html and WANG[:6] not in html and WANG[-4:] not in html
    assert reverse("orgs:reveal_id_number", args=[wang.pk]) not in html


def test_it_refuses_the_reveal_to_a_secretary(alice_client, wang):
    response = alice_client.post(reverse("orgs:reveal_id_number", args=[wang.pk]))

    assert response.status_code == 403
    assert not AuditRecord.objects.filter(operation=Operation.VIEW).exists()


def test_it_shows_an_admin_the_whole_number_only_after_asking_and_records_it(client, ada, wang):
    client.force_login(ada)
    page = client.get(wang.get_absolute_url()).content.decode()
    assert WANG not in page and "显示" in page

    response = client.post(reverse("orgs:reveal_id_number", args=[wang.pk]))

    assert response.status_code == 200
    assert WANG in response.content.decode()
    record = AuditRecord.objects.get(operation=Operation.VIEW)
    assert (record.model, record.row_id, record.actor_id) == ("orgs.member", wang.pk, ada.pk)
    again = client.get(wang.get_absolute_url()).content.decode()
    assert WANG not in again
    assert "查看身份证号" in again


def test_the_reveal_is_post_only(client, ada, wang):
    client.force_login(ada)

    assert client.get(reverse("orgs:reveal_id_number", args=[wang.pk])).status_code == 405


def test_the_trail_masks_the_number(client, ada, wang):
    client.force_login(ada)
    wang.id_number = LI
    wang.save()

    html = client.get(wang.get_absolute_url()).content.decode()

    assert WANG not in html and LI not in html
    # Starred whole in the trail, before and after: the secretary reads the trail too. (Only the
    # trail's text is searched for the last four: four digits may occur anywhere in a page, in a
    # token or a timestamp.)
    trail = html[html.index('id="trail"') :]
    trail = trail[: trail.index("</details>")]
    assert WANG[-4:] not in trail and LI[-4:] not in trail
    assert "*" * 18 in trail


def test_the_public_board_never_shows_it(client, campaign, wang):
    for name in ("board:board", "board:poster"):
        response = client.get(reverse(name, args=[wang.branch_id]))
        assert response.status_code == 200
        body = response.content if name == "board:poster" else response.content.decode()
        for part in (WANG, WANG[:6] + "*", "*" + WANG[-4:]):
            assert (part.encode() if isinstance(body, bytes) else part) not in body
