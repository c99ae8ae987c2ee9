"""The admin follows the site's rules: its changes go through the same services, and what no
service changes is read-only there."""

from django.contrib.auth.models import Group

from orgs import services
from orgs.models import Member, Organization, OrgKind, Role, RoleKind

from ..factories import MemberFactory, RoleFactory, UserFactory


def _admin_of(org, client, username="east-admin"):
    user = UserFactory(username=username)
    services.assign_role(user, org, RoleKind.ADMIN)
    client.force_login(user)
    return user


def _org_data(org, **changes):
    data = {"name": org.name, "kind": org.kind, "sector": org.sector, "grade": org.grade}
    if org.active:
        data["active"] = "on"
    return {**data, **changes}


def _url(org):
    return f"/admin/orgs/organization/{org.pk}/change/"


def test_unticking_active_on_a_branch_with_members_is_refused(district, client):
    _admin_of(district.east, client)
    MemberFactory.create_batch(34, branch=district.branch_a)
    data = _org_data(district.branch_a)
    del data["active"]
    response = client.post(_url(district.branch_a), data)
    assert response.status_code == 200
    assert "“幸福社区党支部”及其下级组织仍有在册党员 35 名，请先转移或减少。" in (
        response.content.decode()
    )
    assert Organization.objects.get(pk=district.branch_a.pk).active


def test_an_empty_branch_is_deactivated_and_restored_in_the_admin(district, client):
    _admin_of(district.east, client)
    data = _org_data(district.peace)
    del data["active"]
    assert client.post(_url(district.peace), data).status_code == 302
    assert not Organization.objects.get(pk=district.peace.pk).active
    data["active"] = "on"
    assert client.post(_url(district.peace), data).status_code == 302
    assert Organization.objects.get(pk=district.peace.pk).active


def test_the_level_above_changes_the_standing_in_the_admin(district, client):
    _admin_of(district.east, client)
    data = _org_data(district.branch_a, name="幸福社区第一党支部", grade="2")
    assert client.post(_url(district.branch_a), data).status_code == 302
    stored = Organization.objects.get(pk=district.branch_a.pk)
    assert (stored.name, stored.grade) == ("幸福社区第一党支部", "2")


def test_an_admin_on_the_branch_sees_its_standing_read_only(district, client):
    _admin_of(district.branch_a, client, "branch-admin")
    body = client.get(_url(district.branch_a)).content.decode()
    assert 'name="name"' in body
    assert 'name="kind"' not in body and 'name="active"' not in body


def test_a_forged_post_from_the_branch_changes_only_its_name(district, client):
    _admin_of(district.branch_a, client, "branch-admin")
    data = _org_data(district.branch_a, name="新名称", kind=OrgKind.GROUP, grade="1")
    del data["active"]
    assert client.post(_url(district.branch_a), data).status_code == 302
    stored = Organization.objects.get(pk=district.branch_a.pk)
    assert (stored.name, stored.kind, stored.grade, stored.active) == (
        "新名称",
        OrgKind.BRANCH,
        "",
        True,
    )


def test_a_secretary_through_the_admin_cannot_change_the_standing(district, client):
    # Alice is the secretary of branch A and, elsewhere, an admin: the admin site is open to her.
    alice = _admin_of(district.peace, client, "alice")
    RoleFactory(user=alice, organization=district.branch_a, kind=RoleKind.SECRETARY)
    body = client.get(_url(district.branch_a)).content.decode()
    assert 'name="kind"' not in body
    data = _org_data(district.branch_a, kind=OrgKind.GROUP, grade="1")
    client.post(_url(district.branch_a), data)
    stored = Organization.objects.get(pk=district.branch_a.pk)
    assert (stored.kind, stored.grade) == (OrgKind.BRANCH, "")


def test_a_name_a_sibling_has_is_refused_in_the_admin(district, client):
    _admin_of(district.east, client)
    response = client.post(
        _url(district.branch_a), _org_data(district.branch_a, name="和平社区党支部")
    )
    assert response.status_code == 200
    assert "同一上级组织下已有同名组织。" in response.content.decode()
    assert Organization.objects.get(pk=district.branch_a.pk).name == "幸福社区党支部"


def test_organisations_cannot_be_deleted_in_the_admin(district, client):
    _admin_of(district.east, client)
    url = f"/admin/orgs/organization/{district.peace.pk}/delete/"
    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Organization.objects.filter(pk=district.peace.pk).exists()


def _member_data(member, **changes):
    data = {
        "name": member.name,
        "gender": member.gender,
        "birth_date": member.birth_date.isoformat(),
        "join_date": member.join_date.isoformat(),
        "category": member.category,
        "phone": member.phone,
        "branch": member.branch_id,
    }
    return {**data, **changes}


def _member_url(member):
    return f"/admin/orgs/member/{member.pk}/change/"


def test_a_member_moves_to_another_branch_in_the_admin(district, client):
    _admin_of(district.east, client)
    member = district.member_a
    data = _member_data(member, branch=district.peace.pk, phone="139 0000 1111")
    assert client.post(_member_url(member), data).status_code == 302
    member.refresh_from_db()
    assert (member.branch, member.phone) == (district.peace, "13900001111")


def test_a_member_is_not_moved_into_a_deactivated_branch(district, client):
    _admin_of(district.east, client)
    Organization.objects.filter(pk=district.peace.pk).update(active=False)
    member = district.member_a
    response = client.post(_member_url(member), _member_data(member, branch=district.peace.pk))
    assert response.status_code == 200
    assert Member.objects.get(pk=member.pk).branch == district.branch_a


def test_a_departed_member_is_not_moved_in_the_admin(district, client):
    _admin_of(district.east, client)
    member = district.member_a
    Member.objects.filter(pk=member.pk).update(active=False, deactivated_on="2026-01-01")
    response = client.post(_member_url(member), _member_data(member, branch=district.peace.pk))
    assert "已减少的党员不能转移，请先恢复。" in response.content.decode()
    assert Member.objects.get(pk=member.pk).branch == district.branch_a


def test_the_members_dates_follow_the_sites_rules_in_the_admin(district, client):
    _admin_of(district.east, client)
    member = district.member_a
    response = client.post(_member_url(member), _member_data(member, join_date="1990-01-01"))
    assert response.status_code == 200
    assert "入党时应年满十八周岁" in response.content.decode()
    assert Member.objects.get(pk=member.pk).join_date == member.join_date


def test_a_role_is_not_edited_in_the_admin(district, client):
    _admin_of(district.east, client)
    holder = UserFactory(username="holder")
    role = RoleFactory(user=holder, organization=district.branch_a, kind=RoleKind.SECRETARY)
    url = f"/admin/orgs/role/{role.pk}/change/"
    assert 'name="kind"' not in client.get(url).content.decode()
    data = {"user": holder.pk, "organization": district.branch_a.pk, "kind": RoleKind.ADMIN}
    client.post(url, data)
    role.refresh_from_db()
    assert role.kind == RoleKind.SECRETARY
    holder.refresh_from_db()
    assert not holder.is_staff and not holder.groups.exists()


def test_taking_the_last_admin_role_away_closes_the_admin_pages(district, client):
    _admin_of(district.east, client)
    holder = UserFactory(username="holder")
    role = services.assign_role(holder, district.branch_a, RoleKind.ADMIN)
    url = f"/admin/orgs/role/{role.pk}/delete/"
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Role.objects.filter(pk=role.pk).exists()
    assert not holder.groups.filter(name=services.ADMIN_GROUP).exists()
    assert Group.objects.filter(name=services.ADMIN_GROUP).exists()


def test_a_name_with_an_emoji_is_refused_on_the_form_not_with_a_500(district, client):
    _admin_of(district.east, client)
    response = client.post(_url(district.branch_a), _org_data(district.branch_a, name="幸福😀支部"))
    assert response.status_code == 200
    assert "组织名称中不能有表情符号" in response.content.decode()
    assert Organization.objects.get(pk=district.branch_a.pk).name == "幸福社区党支部"


def test_a_name_is_stored_as_the_site_stores_it(district, client):
    _admin_of(district.east, client)
    data = _org_data(district.branch_a, name="幸福\u200b社区党支部（一）")
    response = client.post(_url(district.branch_a), data)
    assert response.status_code == 302
    assert Organization.objects.get(pk=district.branch_a.pk).name == "幸福社区党支部（一）"


def test_the_admin_refuses_a_role_its_user_may_not_give_there(district, client):
    _admin_of(district.east, client)
    person = UserFactory(username="person")
    # The admin's person picker offers people already holding a role in its scope.
    services.assign_role(person, district.peace, RoleKind.SECRETARY)
    add = "/admin/orgs/role/add/"
    day = "2026-03-01"
    # An admin of the street gives a secretary there, but not another admin of it (from above).
    response = client.post(
        add,
        {"user": person.pk, "organization": district.east.pk, "kind": "admin", "started_on": day},
    )
    assert response.status_code == 200
    assert "您不能在“东城街道党工委”授予“管理员”角色。" in response.content.decode()
    assert not Role.objects.filter(user=person, organization=district.east).exists()
    response = client.post(
        add,
        {
            "user": person.pk,
            "organization": district.east.pk,
            "kind": "secretary",
            "started_on": day,
        },
    )
    assert response.status_code == 302
    assert Role.objects.filter(user=person, organization=district.east, kind="secretary").exists()
