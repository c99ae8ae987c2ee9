import datetime

import pytest

from orgs.models import Member

from ..factories import MemberFactory

NEW_MEMBER = {
    "name": "赵六",
    "gender": "F",
    "birth_date": "1985-03-04",
    "join_date": "2010-07-01",
    "category": "community",
    "phone": "139 1234 5678",
}


def test_it_adds_a_member_to_the_branch(district, alice_client):
    response = alice_client.post(f"/orgs/{district.branch_a.pk}/members/add/", NEW_MEMBER)
    assert response.status_code == 302
    member = Member.objects.get(name="赵六")
    assert member.branch == district.branch_a
    assert member.phone == "13912345678"
    assert member.birth_date == datetime.date(1985, 3, 4)


def test_it_keeps_what_was_typed_when_the_form_is_wrong(district, alice_client):
    data = {**NEW_MEMBER, "join_date": "1990-01-01"}  # before the member turned 18
    response = alice_client.post(f"/orgs/{district.branch_a.pk}/members/add/", data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "入党时应年满十八周岁" in body
    assert 'value="赵六"' in body
    assert not Member.objects.filter(name="赵六").exists()


def test_it_refuses_a_future_birth_date(district, alice_client):
    data = {**NEW_MEMBER, "birth_date": "2999-01-01", "join_date": ""}
    response = alice_client.post(f"/orgs/{district.branch_a.pk}/members/add/", data)
    assert "出生日期不能晚于今天" in response.content.decode()


def test_it_reads_a_phone_as_the_roster_import_does(district, alice_client):
    data = {**NEW_MEMBER, "phone": "＋86 （139） 1234－5678"}
    alice_client.post(f"/orgs/{district.branch_a.pk}/members/add/", data)
    assert Member.objects.get(name=NEW_MEMBER["name"]).phone == "13912345678"


@pytest.mark.parametrize(
    ("phone", "named"),
    [
        ("139１２345678", "１"),  # full-width
        ("1391234567٨", "٨"),  # Arabic-Indic
        ("1391234567²", "²"),  # superscript: NFKC would make it a 2
        ("①3912345678", "①"),
        ("一三九12345678", "一"),
    ],
)
def test_it_refuses_a_phone_with_other_digits_than_ascii(phone, named, district, alice_client):
    response = alice_client.post(
        f"/orgs/{district.branch_a.pk}/members/add/", {**NEW_MEMBER, "phone": phone}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert f"联系电话只能使用半角数字 0–9，“{named}”不是" in body
    assert not Member.objects.filter(name=NEW_MEMBER["name"]).exists()


def test_it_refuses_a_malformed_phone(district, alice_client):
    response = alice_client.post(
        f"/orgs/{district.branch_a.pk}/members/add/", {**NEW_MEMBER, "phone": "13a"}
    )
    assert "联系电话只能包含数字" in response.content.decode()


def test_it_answers_404_for_another_branch(district, alice_client):
    response = alice_client.post(f"/orgs/{district.branch_b.pk}/members/add/", NEW_MEMBER)
    assert response.status_code == 404
    assert not Member.objects.filter(name="赵六").exists()


def test_it_answers_403_to_a_read_only_role(district, charlie, client):
    client.force_login(charlie)
    assert client.get(f"/orgs/members/{district.member_a.pk}/").status_code == 200
    response = client.post(f"/orgs/{district.branch_a.pk}/members/add/", NEW_MEMBER)
    assert response.status_code == 403
    response = client.post(f"/orgs/members/{district.member_a.pk}/edit/", NEW_MEMBER)
    assert response.status_code == 403


def test_it_edits_a_member(district, alice_client):
    response = alice_client.post(f"/orgs/members/{district.member_a.pk}/edit/", NEW_MEMBER)
    assert response.status_code == 302
    district.member_a.refresh_from_db()
    assert district.member_a.name == "赵六"


def test_it_moves_a_member_within_the_users_scope(district, ada, client):
    client.force_login(ada)
    url = f"/orgs/members/{district.member_a.pk}/move/"
    response = client.post(url, {"branch": district.branch_b.pk})
    assert response.status_code == 302
    district.member_a.refresh_from_db()
    assert district.member_a.branch == district.branch_b


def test_it_cannot_move_a_member_out_of_the_users_scope(district, alice_client):
    url = f"/orgs/members/{district.member_a.pk}/move/"
    body = alice_client.get(url).content.decode()
    assert "红旗村党支部" not in body
    response = alice_client.post(url, {"branch": district.branch_b.pk})
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    district.member_a.refresh_from_db()
    assert district.member_a.branch == district.branch_a


def test_it_deactivates_and_keeps_the_member(district, alice_client):
    url = f"/orgs/members/{district.member_a.pk}/deactivate/"
    response = alice_client.post(url, {"on": "2026-11-01", "reason": "组织关系转出"})
    assert response.status_code == 302
    member = Member.objects.get(pk=district.member_a.pk)
    assert not member.active
    assert member.deactivated_on == datetime.date(2026, 11, 1)
    assert member.deactivation_reason == "组织关系转出"


def test_it_reactivates_by_post_only(district, alice_client):
    district.member_a.active = False
    district.member_a.deactivated_on = datetime.date(2026, 1, 1)
    district.member_a.save()
    url = f"/orgs/members/{district.member_a.pk}/reactivate/"
    assert alice_client.get(url).status_code == 405
    assert alice_client.post(url).status_code == 302
    district.member_a.refresh_from_db()
    assert district.member_a.active and district.member_a.deactivated_on is None


def test_roster_lists_the_subtree_and_filters(district, ada, client):
    MemberFactory(branch=district.peace, name="王五", category="government")
    client.force_login(ada)
    body = client.get(f"/orgs/{district.east.pk}/members/").content.decode()
    assert "张三" in body and "王五" in body and "李四" not in body
    body = client.get(f"/orgs/{district.east.pk}/members/", {"q": "王"}).content.decode()
    assert "王五" in body and "张三" not in body
    body = client.get(
        f"/orgs/{district.east.pk}/members/", {"category": "government"}
    ).content.decode()
    assert "王五" in body and "张三" not in body


def test_roster_hides_deactivated_members_by_default(district, alice_client):
    MemberFactory(
        branch=district.branch_a, name="离开者", active=False, deactivated_on="2026-01-01"
    )
    url = f"/orgs/{district.branch_a.pk}/members/"
    assert "离开者" not in alice_client.get(url).content.decode()
    assert "离开者" in alice_client.get(url, {"status": "0"}).content.decode()
    assert "离开者" in alice_client.get(url, {"status": "all"}).content.decode()


def test_roster_pages_through_members(district, alice_client):
    MemberFactory.create_batch(60, branch=district.branch_a)
    url = f"/orgs/{district.branch_a.pk}/members/"
    first = alice_client.get(url)
    assert len(first.context["page"].object_list) == 50
    second = alice_client.get(url, {"page": 2})
    assert len(second.context["page"].object_list) == 11


@pytest.mark.parametrize("size", [10, 100])
def test_roster_queries_do_not_grow_with_members(
    size, district, alice_client, local_cache, django_assert_num_queries
):
    MemberFactory.create_batch(size, branch=district.branch_a)
    # session, generation (core.generations), user, roles, org, ancestors, count, page, nav roots,
    # and the bar's unread count and campaign (then cached for a minute, kept by the process)
    with django_assert_num_queries(11):
        response = alice_client.get(f"/orgs/{district.branch_a.pk}/members/")
    assert response.status_code == 200
    # Again: the user, roles, organisation and ancestors from the process's copies.
    with django_assert_num_queries(5):
        response = alice_client.get(f"/orgs/{district.branch_a.pk}/members/")
    assert response.status_code == 200


def test_it_accepts_a_member_born_on_29_february(district, alice_client):
    data = {**NEW_MEMBER, "birth_date": "1988-02-29", "join_date": "2006-02-28"}
    response = alice_client.post(f"/orgs/{district.branch_a.pk}/members/add/", data)
    assert response.status_code == 302
    assert Member.objects.get(name="赵六").birth_date == datetime.date(1988, 2, 29)


def test_it_refuses_a_join_date_before_the_party_was_founded(district, alice_client):
    data = {**NEW_MEMBER, "birth_date": "1900-01-01", "join_date": "1920-01-01"}
    response = alice_client.post(f"/orgs/{district.branch_a.pk}/members/add/", data)
    assert "入党时间早于 1921 年" in response.content.decode()
