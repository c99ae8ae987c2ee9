"""Who may give which role where (orgs.access.GRANTS), cell by cell, through the service too."""

import pytest
from django.core.exceptions import PermissionDenied

from orgs import access, services
from orgs.models import Role, RoleKind

from ..factories import UserFactory

KINDS = ("secretary", "leader", "office", "admin")
# The giver holds one role on 东城街道党工委 (east). Written out here, apart from the code's table:
# where the organisation lies from east → what each kind of giver may give there.
EXPECTED = {
    "admin": {
        "own": {"secretary", "leader", "office"},  # admins of east come from above
        "below": {"secretary", "leader", "office", "admin"},
        "above": set(),
        "beside": set(),
    },
    "secretary": {
        "own": {"secretary"},  # deputies and party-affairs workers
        "below": {"secretary", "leader"},
        "above": set(),
        "beside": set(),
    },
    "leader": {"own": set(), "below": set(), "above": set(), "beside": set()},
    "office": {"own": set(), "below": set(), "above": set(), "beside": set()},
}
CELLS = [
    (giver, where, kind)
    for giver in KINDS
    for where in ("own", "below", "above", "beside")
    for kind in KINDS
]


def _target(district, where):
    return {
        "own": district.east,
        "below": district.branch_a,
        "above": district.root,
        "beside": district.west,
    }[where]


@pytest.mark.parametrize(("giver_kind", "where", "kind"), CELLS)
def test_every_cell_of_the_grant_table(district, giver_kind, where, kind):
    giver = UserFactory(username="giver")
    Role.objects.create(user=giver, organization=district.east, kind=giver_kind)
    org = _target(district, where)
    allowed = kind in EXPECTED[giver_kind][where]

    assert access.can_grant(giver, org, kind) is allowed
    person = UserFactory(username="person")
    if allowed:
        role = services.assign_role(person, org, kind, by=giver)
        assert Role.objects.filter(pk=role.pk, user=person, organization=org, kind=kind).exists()
        services.revoke_role(role, by=giver)
        assert not Role.objects.filter(pk=role.pk).exists()
    else:
        with pytest.raises(PermissionDenied):
            services.assign_role(person, org, kind, by=giver)
        role = Role.objects.create(user=person, organization=org, kind=kind)
        with pytest.raises(PermissionDenied):
            services.revoke_role(role, by=giver)
        assert Role.objects.filter(pk=role.pk).exists()


def test_a_superuser_gives_any_role_anywhere(district):
    root = UserFactory(username="root", is_superuser=True)
    for org in (district.root, district.branch_b):
        assert access.grantable_kinds(root, org) == set(KINDS)


def test_roles_on_two_organisations_add_up(district):
    """A secretary of the street who is also an admin of the district gives, on each
    organisation, what either role allows there, and nothing more."""
    giver = UserFactory(username="giver")
    Role.objects.create(user=giver, organization=district.east, kind=RoleKind.SECRETARY)
    Role.objects.create(user=giver, organization=district.root, kind=RoleKind.ADMIN)
    assert access.grantable_kinds(giver, district.east) == set(KINDS)  # the root's admin: below
    assert access.grantable_kinds(giver, district.root) == {"secretary", "leader", "office"}


def test_nobody_signed_out_gives_anything(district):
    from django.contrib.auth.models import AnonymousUser

    assert access.grantable_kinds(AnonymousUser(), district.branch_a) == frozenset()
