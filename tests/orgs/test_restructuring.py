"""Restructuring (撤并: move a subtree, merge branches) and transfers (组织关系转接): every figure
stays equal to brute force, history stays, and only the level above may do it."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from orgs import services
from orgs.models import Member, Organization, Role, RoleKind, RoleTerm
from pledges.models import Pledge

from ..factories import MemberFactory, UserFactory, make_campaign, make_pledge
from ..pledges.test_rollups import assert_counts_agree


@pytest.fixture
def town_admin(district):
    user = UserFactory(username="town-admin")
    services.assign_role(user, district.east, RoleKind.ADMIN)
    return user


@pytest.fixture
def boss(district):
    return UserFactory(username="boss", is_superuser=True, is_staff=True)


def test_a_merge_moves_members_and_pledges_and_keeps_every_figure(district, town_admin, alice):
    d = district
    campaign = make_campaign(d.root)
    extra = MemberFactory.create_batch(3, branch=d.branch_a)
    make_pledge(campaign, member=extra[0], state="published")
    make_pledge(campaign, member=d.member_a, state="published")
    make_pledge(campaign, organization=d.branch_a, state="published")
    MemberFactory(branch=d.peace)
    assert_counts_agree([campaign])

    moved = services.merge_branches(d.branch_a, d.peace, by=town_admin)

    assert moved == 4
    assert not Member.objects.filter(branch=d.branch_a, active=True).exists()
    assert Member.objects.filter(branch=d.peace, active=True).count() == 5
    d.branch_a.refresh_from_db()
    assert not d.branch_a.active  # deactivated, never deleted
    # The members' pledges follow them; the branch's own pledge stays in its history.
    assert Pledge.objects.get(member=extra[0]).member.branch == d.peace
    assert Pledge.objects.filter(organization=d.branch_a).exists()
    # Its secretary's term ends and is kept.
    assert not Role.objects.filter(organization=d.branch_a).exists()
    assert RoleTerm.objects.get(organization=d.branch_a, user=alice).reason == "组织撤并"
    assert_counts_agree([campaign])


def test_a_merge_is_offered_only_from_above(district, alice, town_admin, client):
    with pytest.raises(PermissionDenied):
        services.merge_branches(district.branch_a, district.peace, by=alice)
    client.force_login(alice)
    assert client.get(f"/orgs/{district.branch_a.pk}/merge/").status_code == 403
    client.force_login(town_admin)
    page = client.get(f"/orgs/{district.branch_a.pk}/merge/")
    assert page.status_code == 200
    response = client.post(f"/orgs/{district.branch_a.pk}/merge/", {"target": district.peace.pk})
    assert response.status_code == 302
    # Outside the town, the target is not even offered.
    response = client.post(f"/orgs/{district.peace.pk}/merge/", {"target": district.branch_b.pk})
    assert response.status_code == 200 and Organization.objects.get(pk=district.peace.pk).active


def test_a_merge_into_itself_is_refused(district, town_admin):
    with pytest.raises(ValidationError):
        services.merge_branches(district.branch_a, district.branch_a, by=town_admin)


def test_a_moved_subtree_keeps_every_figure(district, boss):
    d = district
    campaign = make_campaign(d.root)
    make_pledge(campaign, member=d.member_a, state="published")
    MemberFactory.create_batch(2, branch=d.peace)
    assert_counts_agree([campaign])
    services.move_organization(d.east, d.west, by=boss)
    east = Organization.objects.get(pk=d.east.pk)
    assert east.path.startswith(Organization.objects.get(pk=d.west.pk).path)
    assert_counts_agree([campaign])


def test_the_move_page_moves_a_branch(district, town_admin, client):
    client.force_login(town_admin)
    response = client.post(f"/orgs/{district.branch_a.pk}/move/", {"parent": district.east.pk})
    assert response.status_code == 200  # already there: the form says so
    assert "已在" in response.content.decode()
    group_parent = district.peace
    response = client.post(f"/orgs/{district.branch_a.pk}/move/", {"parent": group_parent.pk})
    assert response.status_code == 302
    branch = Organization.objects.get(pk=district.branch_a.pk)
    assert branch.path.startswith(Organization.objects.get(pk=group_parent.pk).path)


def test_a_transfer_out_keeps_the_member_with_date_and_destination(
    district, alice, town_admin, client
):
    campaign = make_campaign(district.root)
    make_pledge(campaign, member=district.member_a, state="published")
    # The branch's own secretary is not offered it: transfers are done from above.
    client.force_login(alice)
    member_url = f"/orgs/members/{district.member_a.pk}/"
    assert "转出本区" not in client.get(member_url).content.decode()
    assert client.get(member_url + "transfer-out/").status_code == 403
    client.force_login(town_admin)
    assert "转出本区" in client.get(member_url).content.decode()
    day = timezone.localdate() - datetime.timedelta(days=2)
    response = client.post(
        f"/orgs/members/{district.member_a.pk}/transfer-out/",
        {"to": "某某市某某区委组织部", "on": day.isoformat(), "reason": ""},
    )
    assert response.status_code == 302
    member = Member.objects.get(pk=district.member_a.pk)
    assert not member.active and member.deactivated_on == day
    assert member.transferred_to == "某某市某某区委组织部"
    assert member.deactivation_reason == "组织关系转出"
    assert "某某市某某区委组织部" in client.get(f"/orgs/members/{member.pk}/").content.decode()
    assert_counts_agree([campaign])


def test_a_transfer_out_needs_a_destination(district, town_admin, client):
    client.force_login(town_admin)
    response = client.post(
        f"/orgs/members/{district.member_a.pk}/transfer-out/",
        {"to": "", "on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 200
    assert Member.objects.get(pk=district.member_a.pk).active


def test_a_transfer_in_records_origin_and_date(district, town_admin, client):
    client.force_login(town_admin)
    day = timezone.localdate()
    response = client.post(
        f"/orgs/{district.branch_a.pk}/members/transfer-in/",
        {"name": "陈十一", "category": "other", "origin": "外区某某党支部", "on": day.isoformat()},
    )
    assert response.status_code == 302
    member = Member.objects.get(name="陈十一")
    assert (member.branch, member.transferred_from, member.transferred_in_on) == (
        district.branch_a,
        "外区某某党支部",
        day,
    )
    assert_counts_agree([])


def test_a_sibling_cannot_transfer(district, bob, client):
    client.force_login(bob)
    url = f"/orgs/members/{district.member_a.pk}/transfer-out/"
    assert client.post(url, {"to": "x", "on": "2026-01-01"}).status_code == 404
