"""What pledges a user may reach, and who may take which step.

Reading follows the organisation tree (orgs.access): a pledge is in scope when its organisation, or
its member's branch, is. Steps split between two sides:
- the owner side manages the pledge's home organisation (its own, or the member's branch): it
  drafts, submits, publishes, records progress and completes;
- the reviewer side reviews, signs and assesses: the branch itself for a member's pledge, the
  organisation above for an organisation's pledge.

The public board (公开栏) is open to anyone for every active organisation that an active campaign
covers; there is no board outside a running campaign.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404

from campaign.models import Campaign
from orgs import access as org_access
from orgs.models import Organization

from .models import DraftLink, Pledge, PledgeProgress, PledgeQuerySet


def pledges_for(user) -> PledgeQuerySet:
    own = org_access.scope_q(user, "organization__path")
    members = org_access.scope_q(user, "member__branch__path")
    return Pledge.objects.filter(own | members)


def get_pledge_for_user(user, pk: int) -> Pledge:
    queryset = pledges_for(user).select_related(
        "campaign", "organization", "member", "member__branch"
    )
    return get_object_or_404(queryset, pk=pk)


def is_owner_side(user, pledge: Pledge) -> bool:
    return org_access.can_manage(user, pledge.home_org)


def is_reviewer_side(user, pledge: Pledge) -> bool:
    if pledge.member_id:
        return org_access.can_manage(user, pledge.member.branch)
    return org_access.can_manage_strictly_below(user, pledge.organization)


def powers_on(user, org: Organization) -> tuple[bool, bool]:
    """Everything the two sides above depend on for the pledges of `org` and of its members:
    managing it, and managing it from above. Users equal in these may do the same on its pledges,
    so a page listing them may be cached under them."""
    return org_access.can_manage(user, org), org_access.can_manage_strictly_below(user, org)


def get_progress_for_user(user, pk: int) -> PledgeProgress:
    return get_object_or_404(PledgeProgress.objects.filter(pledge__in=pledges_for(user)), pk=pk)


def get_public_board(pk: int, wanted: int | None = None) -> tuple[Organization, Campaign]:
    """The organisation of a board anyone may read and the campaign it shows: the active campaign
    covering it that was asked for (?campaign=), else the latest active one. 404 for an
    organisation that is unknown, inactive or covered by no active campaign.

    Checked on every request before any cached board is read, so a board stops answering as
    soon as its campaign ends."""
    org = get_object_or_404(Organization.objects.filter(active=True), pk=pk)
    campaign = Campaign.objects.active().current_for(org, wanted)
    if campaign is None:
        raise Http404
    return org, campaign


# --- Members' draft links (pledges/links.py) -----------------------------------------------------


def link_reaches(link: DraftLink, pledge: Pledge) -> bool:
    """Whether a member's draft link speaks for the pledge: its own member's, in its campaign."""
    return link.member_id == pledge.member_id and link.campaign_id == pledge.campaign_id


def get_link_for_user(user, pk: int) -> DraftLink:
    """A draft link, for a managing role over its member's branch only (404 otherwise: issuing
    and withdrawing links is managing the branch)."""
    links = DraftLink.objects.filter(org_access.scope_q(user, "member__branch__path", write=True))
    return get_object_or_404(links.select_related("member__branch", "campaign"), pk=pk)
