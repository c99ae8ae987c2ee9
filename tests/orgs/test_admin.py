from orgs import services
from orgs.models import Role, RoleKind

from ..factories import UserFactory


def _scoped_admin(district, client):
    """An admin of 东城街道 only."""
    user = UserFactory(username="east-admin")
    services.assign_role(user, district.east, RoleKind.ADMIN)
    client.force_login(user)
    return user


def test_admin_lists_only_the_users_subtree(district, client):
    _scoped_admin(district, client)
    body = client.get("/admin/orgs/member/").content.decode()
    assert "张三" in body and "李四" not in body
    body = client.get("/admin/orgs/organization/").content.decode()
    assert "幸福社区党支部" in body and "红旗村党支部" not in body


def test_admin_answers_404_outside_the_subtree(district, client):
    _scoped_admin(district, client)
    assert client.get(f"/admin/orgs/member/{district.member_b.pk}/change/").status_code == 404
    assert client.get(f"/admin/orgs/member/{district.member_a.pk}/change/").status_code == 200


def test_admin_branch_choices_stay_in_scope(district, client):
    _scoped_admin(district, client)
    response = client.get(
        "/admin/autocomplete/",
        {"app_label": "orgs", "model_name": "member", "field_name": "branch", "term": "党支部"},
    )
    names = [item["text"] for item in response.json()["results"]]
    assert "幸福社区党支部" in names and "红旗村党支部" not in names


def test_an_admin_role_created_in_the_admin_opens_the_admin_site(district, client):
    _scoped_admin(district, client)
    newcomer = UserFactory(username="newcomer")
    services.assign_role(newcomer, district.peace, RoleKind.SECRETARY)
    response = client.post(
        "/admin/orgs/role/add/",
        {
            "user": newcomer.pk,
            "organization": district.branch_a.pk,
            "kind": RoleKind.ADMIN,
            "started_on": "2026-01-05",
        },
    )
    assert response.status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.is_staff
    role = Role.objects.get(user=newcomer, organization=district.branch_a)
    assert role.started_on.isoformat() == "2026-01-05"


def test_the_admins_person_picker_lists_only_people_of_its_scope(district, client):
    _scoped_admin(district, client)
    inside = UserFactory(username="inside", first_name="东城人")
    services.assign_role(inside, district.peace, RoleKind.SECRETARY)
    outside = UserFactory(username="outside", first_name="西山人")
    services.assign_role(outside, district.branch_b, RoleKind.SECRETARY)
    UserFactory(username="nobody", first_name="无角色")
    body = client.get("/admin/orgs/role/add/").content.decode()
    assert "东城人" in body
    assert "西山人" not in body and "无角色" not in body


def test_a_role_outside_the_scope_cannot_be_created(district, client):
    _scoped_admin(district, client)
    newcomer = UserFactory(username="newcomer")
    response = client.post(
        "/admin/orgs/role/add/",
        {"user": newcomer.pk, "organization": district.branch_b.pk, "kind": RoleKind.SECRETARY},
    )
    assert response.status_code == 200  # the form refuses the organisation
    assert not Role.objects.filter(user=newcomer).exists()


def test_members_cannot_be_deleted_in_the_admin(district, ada, client):
    client.force_login(ada)
    assert client.get(f"/admin/orgs/member/{district.member_a.pk}/delete/").status_code == 403


def test_a_change_in_the_admin_is_kept_in_the_trail_under_its_author(district, client):
    from core.audit.trail import of, trail
    from orgs.models import Member

    user = _scoped_admin(district, client)
    member = district.member_a
    data = {
        "name": "张三丰",
        "gender": "M",
        "birth_date": "1980-01-02",
        "join_date": "2005-07-01",
        "category": "community",
        "phone": member.phone,
        "branch": district.branch_a.pk,
    }
    response = client.post(f"/admin/orgs/member/{member.pk}/change/", data)

    assert response.status_code == 302
    change = trail(of(Member, member.pk))[0]
    assert (change.actor, [(c.before, c.after) for c in change.changes]) == (
        user,
        [("张三", "张三丰")],
    )
