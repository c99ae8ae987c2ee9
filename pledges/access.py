"""What pledges a user may reach, and who may take which step.

Reading follows the organisation tree (orgs.access): a pledge is in scope when its organisation, or
its member's branch, is. Steps split between two sides:
- the owner side manages the pledge's home organisation (its own, or the member's branch): it
  drafts, submits, publishes, records progress and completes;
- the reviewer side reviews, signs and assesses: the branch itself for a member's pledge, the
  organisation above for an organisation's pledge.
"""

from django.shortcuts import get_object_or_404

from orgs import access as org_access

from .models import Pledge, PledgeQuerySet


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
