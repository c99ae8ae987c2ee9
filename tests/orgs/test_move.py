"""Moving an organisation with its subtree under another parent (services.move_organization)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from orgs import services
from orgs.models import Member, Organization, OrgKind, RoleKind

from ..factories import UserFactory, add_org


def test_it_moves_the_subtree_and_its_members(district, ada):
    group = add_org(district.branch_a, "第一党小组", kind=OrgKind.GROUP)
    services.move_organization(district.branch_a, district.west, by=ada)
    branch = Organization.objects.get(pk=district.branch_a.pk)
    assert Organization.objects.get_parent(branch) == district.west
    assert Organization.objects.get_parent(Organization.objects.get(pk=group.pk)) == branch
    assert Member.objects.within(district.west).filter(pk=district.member_a.pk).exists()
    assert Organization.objects.get(pk=district.east.pk).numchild == 1


@pytest.mark.parametrize(
    "target, message",
    [
        ("branch_a", "不能移到本组织或其下级组织之下"),
        ("east", "该组织已在"),
    ],
)
def test_it_refuses_a_move_that_breaks_the_tree(district, ada, target, message):
    with pytest.raises(ValidationError, match=message):
        services.move_organization(district.branch_a, getattr(district, target), by=ada)


def test_it_refuses_a_name_taken_under_the_new_parent(district, ada):
    add_org(district.west, "幸福社区党支部")
    with pytest.raises(ValidationError, match="已有同名组织"):
        services.move_organization(district.branch_a, district.west, by=ada)


def test_both_ends_must_be_in_the_users_write_scope(district):
    east_admin = UserFactory(username="east-admin")
    services.assign_role(east_admin, district.east, RoleKind.ADMIN)
    with pytest.raises(PermissionDenied):
        services.move_organization(district.branch_a, district.west, by=east_admin)
    services.move_organization(district.branch_a, district.peace, by=east_admin)


def test_the_admin_moves_an_organisation_through_the_service(district, ada, client):
    client.force_login(ada)
    url = f"/admin/orgs/organization/{district.branch_a.pk}/change/"
    form = {"name": "幸福社区党支部", "kind": OrgKind.BRANCH, "sector": "community", "grade": ""}
    response = client.post(url, {**form, "parent": district.branch_a.pk, "active": "on"})
    assert response.status_code == 200
    assert "不能移到本组织或其下级组织之下" in response.content.decode()
    response = client.post(url, {**form, "parent": district.west.pk, "active": "on"})
    assert response.status_code == 302
    branch = Organization.objects.get(pk=district.branch_a.pk)
    assert Organization.objects.get_parent(branch) == district.west
