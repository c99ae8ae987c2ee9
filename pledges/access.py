"""What pledges a user may reach, and who may take which step.

Reading follows the organisation tree (orgs.access): a pledge is in scope when its organisation, or
its member's branch, is. Steps split between two sides:
- the owner side manages the pledge's home organisation (its own, or the member's branch): it
  drafts, submits, publishes, records progress and completes;
- the reviewer side reviews, signs and assesses: the branch itself for a member's pledge, the
  organisation above for an organisation's pledge.
"""

from django.db.models import Q
from django.shortcuts import get_object_or_404

from orgs import access as org_access
from orgs.models import subtree_q

from .models import Pledge, PledgeQuerySet


def pledges_for(user) -> PledgeQuerySet:
    paths = org_access.scope_paths(user)
    if paths is None:
        return Pledge.objects.all()
    query = Q(pk__in=[])
    for path in paths:
        query |= subtree_q(path, "organization__path") | subtree_q(path, "member__branch__path")
    return Pledge.objects.filter(query)


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
