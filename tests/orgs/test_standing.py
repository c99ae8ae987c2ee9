"""An organisation's standing (kind, sector, grade, active) changes only from the level above."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from orgs import access, services
from orgs.models import Grade, Organization, OrgKind, RoleKind

from ..factories import RoleFactory, UserFactory

REFUSED = "组织的类型、领域、分类定级和是否有效由上级组织更改，本组织只能修改名称。"


def _user(district, holder: str, kind: str | None):
    """A user with one role of `kind` on the district's organisation `holder` (None: superuser)."""
    if kind is None:
        return UserFactory(username="root", is_superuser=True, is_staff=True)
    user = UserFactory(username=f"{holder}-{kind}")
    RoleFactory(user=user, organization=getattr(district, holder), kind=kind)
    return user


# Who may change the standing of branch A (幸福社区党支部, under 东城街道党工委).
CELLS = [
    ("branch_a", RoleKind.SECRETARY, False),  # its own secretary
    ("branch_a", RoleKind.ADMIN, False),  # an admin role on the branch itself
    ("east", RoleKind.SECRETARY, True),  # the secretary of the level above
    ("root", RoleKind.ADMIN, True),  # an admin above
    ("root", RoleKind.OFFICE, False),  # the office stays read-only on the tree
    ("east", RoleKind.LEADER, False),  # a leader above reviews, changes nothing
    ("branch_b", RoleKind.SECRETARY, False),  # another branch's secretary
    (None, None, True),  # a superuser
]


@pytest.mark.parametrize("holder, kind, allowed", CELLS)
def test_only_the_level_above_may_change_the_standing(district, holder, kind, allowed):
    user = _user(district, holder, kind)
    assert access.can_change_standing(user, district.branch_a) is allowed


def test_the_secretary_renames_the_branch(district, alice):
    services.update_organization(district.branch_a, by=alice, name="幸福社区第一党支部")
    district.branch_a.refresh_from_db()
    assert district.branch_a.name == "幸福社区第一党支部"


@pytest.mark.parametrize(
    "field, value",
    [("kind", OrgKind.GROUP), ("grade", Grade.FIRST), ("sector", "rural")],
)
def test_the_secretary_cannot_change_the_standing(district, alice, field, value):
    with pytest.raises(ValidationError) as refused:
        services.update_organization(district.branch_a, by=alice, **{"name": "改名", field: value})
    assert refused.value.messages == [REFUSED]
    stored = Organization.objects.get(pk=district.branch_a.pk)
    assert (stored.name, getattr(stored, field)) == (
        "幸福社区党支部",
        getattr(district.branch_a, field),
    )


def test_the_secretary_may_send_the_standing_unchanged(district, alice):
    branch = district.branch_a
    services.update_organization(
        branch, by=alice, name="新名称", kind=branch.kind, sector=branch.sector, grade=branch.grade
    )
    assert Organization.objects.get(pk=branch.pk).name == "新名称"


def test_the_level_above_changes_the_standing(district):
    above = _user(district, "east", RoleKind.SECRETARY)
    services.update_organization(district.branch_a, by=above, kind=OrgKind.GROUP, grade="1")
    stored = Organization.objects.get(pk=district.branch_a.pk)
    assert (stored.kind, stored.grade) == (OrgKind.GROUP, "1")


def test_an_admin_on_the_branch_cannot_deactivate_it(district):
    admin = _user(district, "branch_a", RoleKind.ADMIN)
    with pytest.raises(PermissionDenied):
        services.deactivate_organization(district.branch_a, by=admin)
    assert Organization.objects.get(pk=district.branch_a.pk).active


def test_the_edit_page_shows_the_standing_disabled_to_the_secretary(district, alice_client):
    body = alice_client.get(f"/orgs/{district.branch_a.pk}/edit/").content.decode()
    assert 'name="kind"' in body and "由上级组织更改。" in body
    for field in ("kind", "sector", "grade"):
        tag = body[body.index(f'name="{field}"') :].split(">", 1)[0]
        assert "disabled" in tag, field
    name_tag = body[body.index('name="name"') :].split(">", 1)[0]
    assert "disabled" not in name_tag


def test_a_forged_post_does_not_change_the_standing(district, alice_client):
    url = f"/orgs/{district.branch_a.pk}/edit/"
    data = {"name": "幸福社区党支部", "kind": OrgKind.GROUP, "sector": "rural", "grade": "1"}
    response = alice_client.post(url, data)
    assert response.status_code == 302
    stored = Organization.objects.get(pk=district.branch_a.pk)
    assert (stored.kind, stored.sector, stored.grade) == (OrgKind.BRANCH, "community", "")


def test_the_level_above_changes_the_standing_on_the_edit_page(district, client):
    client.force_login(_user(district, "east", RoleKind.SECRETARY))
    url = f"/orgs/{district.branch_a.pk}/edit/"
    body = client.get(url).content.decode()
    assert "由上级组织更改。" not in body
    data = {"name": "幸福社区党支部", "kind": OrgKind.GENERAL_BRANCH, "sector": "community"}
    response = client.post(url, {**data, "grade": "2"})
    assert response.status_code == 302
    stored = Organization.objects.get(pk=district.branch_a.pk)
    assert (stored.kind, stored.grade) == (OrgKind.GENERAL_BRANCH, "2")


def test_the_office_cannot_open_the_edit_page(district, olivia, client):
    client.force_login(olivia)
    assert client.get(f"/orgs/{district.branch_a.pk}/edit/").status_code == 403
