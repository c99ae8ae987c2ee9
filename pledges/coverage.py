"""两个100%: the share of basic organisations and of active members with a public pledge.

`coverage_by_node` is the one source of these figures: the tree page, the branch page and the
drill-down all read it. It runs three queries whatever the size of the subtree.
"""

from dataclasses import dataclass

from django.db.models import BooleanField, Count, ExpressionWrapper, FilteredRelation, Q

from campaign.models import Campaign
from orgs.models import (
    Organization,
    OrgKind,
    counted_members,
    roll_up,
    within_roots,
)

from .models import PUBLIC_STATES, Pledge


@dataclass
class Coverage:
    organizations: int = 0
    pledged_organizations: int = 0
    members: int = 0
    pledged_members: int = 0

    @property
    def organization_rate(self) -> float | None:
        return _rate(self.pledged_organizations, self.organizations)

    @property
    def member_rate(self) -> float | None:
        return _rate(self.pledged_members, self.members)

    @property
    def missing_organizations(self) -> int:
        return self.organizations - self.pledged_organizations

    @property
    def missing_members(self) -> int:
        return self.members - self.pledged_members


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def expected_to_pledge(campaign: Campaign) -> Q:
    """Organisations expected to pledge: active ones below the campaign's own, groups excluded."""
    return Q(active=True) & ~Q(kind=OrgKind.GROUP) & ~Q(pk=campaign.organization_id)


def basic_organizations(org: Organization, campaign: Campaign):
    return Organization.objects.within(org).filter(expected_to_pledge(campaign))


def public_pledges(campaign: Campaign):
    return Pledge.objects.filter(campaign=campaign).public()


def coverage_by_node(nodes, roots, campaign: Campaign) -> dict[int, Coverage]:
    """Coverage of each node's subtree, keyed by node id; `roots` bound the queries and must hold
    every node (the page's top organisations).

    Three queries whatever the size: the organisations in scope (id, path and whether they must
    pledge), the pledged organisations, and the active members with those of them who
    pledged, per branch id. The paths come from the first query and the counts are rolled up the
    tree in Python.
    """
    scope = Organization.objects.filter(within_roots(roots)).order_by()
    expected_q = ExpressionWrapper(expected_to_pledge(campaign), output_field=BooleanField())
    orgs = list(scope.annotate(expected=expected_q).values_list("pk", "path", "expected"))
    paths = {pk: path for pk, path, _expected in orgs}
    expected = [(pk, path) for pk, path, is_expected in orgs if is_expected]
    pledges = public_pledges(campaign).order_by()
    pledged_orgs = set(
        pledges.filter(organization__in=scope.values("pk")).values_list(
            "organization_id", flat=True
        )
    )
    # Members and those of them with a public pledge, counted in one pass over the members.
    public = FilteredRelation(
        "pledges", condition=Q(pledges__campaign=campaign, pledges__state__in=PUBLIC_STATES)
    )
    members = list(
        counted_members(roots)
        .annotate(public=public)
        .values_list("branch_id")
        .annotate(n=Count("id"), pledged=Count("public__id"))
    )
    totals = {
        "organizations": roll_up(nodes, [(path, 1) for _pk, path in expected]),
        "pledged_organizations": roll_up(
            nodes, [(path, 1) for pk, path in expected if pk in pledged_orgs]
        ),
        "members": roll_up(nodes, [(paths[pk], n) for pk, n, _p in members if pk in paths]),
        "pledged_members": roll_up(nodes, [(paths[pk], p) for pk, _n, p in members if pk in paths]),
    }
    return {node.pk: Coverage(**{name: totals[name][node.pk] for name in totals}) for node in nodes}


def coverage(org: Organization, campaign: Campaign) -> Coverage:
    return coverage_by_node([org], [org], campaign)[org.pk]


def missing_organizations(org: Organization, campaign: Campaign):
    pledged = public_pledges(campaign).filter(organization__isnull=False).values("organization_id")
    return basic_organizations(org, campaign).exclude(pk__in=pledged)


def missing_members(org: Organization, campaign: Campaign):
    pledged = public_pledges(campaign).filter(member__isnull=False).values("member_id")
    return counted_members([org]).exclude(pk__in=pledged)
