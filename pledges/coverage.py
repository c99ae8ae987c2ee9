"""两个100%: the share of basic organisations and of active members with a public pledge.

`coverage_by_node` is the one source of these figures: the tree page, the branch page and the
drill-down all read it. It runs four grouped queries whatever the size of the subtree.
"""

from dataclasses import dataclass

from django.db.models import Count, Q

from campaign.models import Campaign
from orgs.models import Member, Organization, OrgKind, roll_up, subtree_q

from .models import Pledge


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


def _within(roots, field: str = "path") -> Q:
    query = Q(pk__in=[])
    for root in roots:
        query |= subtree_q(root.path, field)
    return query


def basic_organizations(org: Organization, campaign: Campaign, roots=None):
    """Organisations expected to pledge: active ones below the campaign's own, groups excluded."""
    return (
        Organization.objects.filter(_within(roots or [org]))
        .filter(active=True)
        .exclude(kind=OrgKind.GROUP)
        .exclude(pk=campaign.organization_id)
    )


def public_pledges(campaign: Campaign):
    return Pledge.objects.filter(campaign=campaign).public()


def coverage_by_node(nodes, roots, campaign: Campaign) -> dict[int, Coverage]:
    """Coverage of each node's subtree, keyed by node id; `roots` bound the queries and must hold
    every node (the page's top organisations)."""
    orgs = basic_organizations(None, campaign, roots).order_by()
    pledges = public_pledges(campaign).order_by()
    members = Member.objects.active().filter(_within(roots, "branch__path")).order_by()
    figures = {
        "organizations": orgs.values_list("path").annotate(n=Count("id")),
        "pledged_organizations": pledges.filter(organization__in=orgs)
        .values_list("organization__path")
        .annotate(n=Count("id")),
        "members": members.values_list("branch__path").annotate(n=Count("id")),
        "pledged_members": pledges.filter(member__in=members)
        .values_list("member__branch__path")
        .annotate(n=Count("id")),
    }
    totals = {name: roll_up(nodes, rows) for name, rows in figures.items()}
    return {
        node.pk: Coverage(**{name: totals[name][node.pk] for name in figures}) for node in nodes
    }


def coverage(org: Organization, campaign: Campaign) -> Coverage:
    return coverage_by_node([org], [org], campaign)[org.pk]


def missing_organizations(org: Organization, campaign: Campaign):
    pledged = public_pledges(campaign).filter(organization__isnull=False).values("organization_id")
    return basic_organizations(org, campaign).exclude(pk__in=pledged)


def missing_members(org: Organization, campaign: Campaign):
    pledged = public_pledges(campaign).filter(member__isnull=False).values("member_id")
    return Member.objects.active().within(org).exclude(pk__in=pledged)
