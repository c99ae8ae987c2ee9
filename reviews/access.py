"""What reviews, rectifications and verdicts a user may reach, and who may write which.

Reading follows the organisation tree (orgs.access): a review or a rectification is in scope when
the organisation it is about is. The secretary of a reviewed branch reads its reviews; the public
never does. Writing comes from above:

- a leader review (领导点评) is written by a responsible person of a superior organisation
  (上级党组织负责人, seed 000): a secretary, leader or office role on a strict ancestor of the
  organisation reviewed (of the member's branch, for a member). Nobody reviews their own
  organisation. Whether the office's reviews count is the campaign's choice (campaign.Requirements).
- a rectification (整改) is registered and closed (挂号销号) by any role on a strict ancestor of the
  responsible organisation, and reported done by those who manage that organisation.
- the verdicts on a pledge (评诺): see `may_give_verdict`.
"""

from django.shortcuts import get_object_or_404

from orgs import access as org_access
from orgs.models import MANAGING_ROLES, Organization, RoleKind
from pledges.models import Pledge

from .models import LeaderReview, Rectification, VerdictKind

# The roles whose holders are responsible people of an organisation (上级党组织负责人) for those
# below it.
REVIEWING_ROLES = (RoleKind.SECRETARY, RoleKind.LEADER, RoleKind.OFFICE)
# Registering and closing a rectification: any role above the responsible organisation.
REGISTERING_ROLES = (*REVIEWING_ROLES, RoleKind.ADMIN)
# The roles named first when several of the user's roles are above the target.
_PREFERENCE = {RoleKind.SECRETARY: 0, RoleKind.LEADER: 1, RoleKind.OFFICE: 2, RoleKind.ADMIN: 3}


def role_above(user, org: Organization, kinds=REVIEWING_ROLES) -> tuple[int, str] | None:
    """(organisation id, role kind) of the user's role of `kinds` on a strict ancestor of `org`,
    the nearest one (a secretary before a leader before the office); None when there is none."""
    if not user.is_authenticated:
        return None
    found = [
        (-len(path), _PREFERENCE[kind], org_id, kind)
        for path, kind, org_id in org_access.user_roles(user)
        if kind in kinds and org.path.startswith(path) and org.path != path
    ]
    if not found:
        return None
    _depth, _preference, org_id, kind = min(found)
    return org_id, kind


def reviews_anyone(user) -> bool:
    """Whether the user holds a reviewing role on an organisation with others below it."""
    paths = org_access.scope_paths(user, kinds=REVIEWING_ROLES)
    if not paths:
        return False
    return Organization.objects.filter(path__in=paths, numchild__gt=0).exists()


def can_review(user, org: Organization) -> bool:
    return org.active and role_above(user, org) is not None


def reviews_for(user):
    return LeaderReview.objects.filter(org_access.scope_q(user, "organization__path"))


def get_review_for_user(user, pk: int) -> LeaderReview:
    queryset = reviews_for(user).select_related(
        "organization", "member", "author", "reviewer_org", "campaign"
    )
    return get_object_or_404(queryset, pk=pk)


def may_edit_review(user, review: LeaderReview) -> bool:
    """Only its author, while they still hold a role above the organisation."""
    return review.author_id == user.pk and role_above(user, review.organization) is not None


# --- Rectifications ------------------------------------------------------------------------------


def rectifications_for(user):
    return Rectification.objects.filter(org_access.scope_q(user, "organization__path"))


def get_rectification_for_user(user, pk: int) -> Rectification:
    queryset = rectifications_for(user).select_related(
        "organization", "registered_by_org", "registered_by", "review"
    )
    return get_object_or_404(queryset, pk=pk)


def can_register(user, org: Organization) -> bool:
    return org.active and role_above(user, org, REGISTERING_ROLES) is not None


def can_report(user, rectification: Rectification) -> bool:
    """The responsible organisation reports progress and 整改完成: those who manage it."""
    return org_access.can_manage(user, rectification.organization)


def can_close(user, rectification: Rectification) -> bool:
    """销号 or sending back: the level that registered it or any level above the responsible
    organisation (the registering organisation is one of those)."""
    return role_above(user, rectification.organization, REGISTERING_ROLES) is not None


# --- 评诺 ----------------------------------------------------------------------------------------


def may_give_verdict(user, pledge: Pledge, kind: str) -> bool:
    """Who gives which verdict on a completed pledge:

    - 自评: the organisation itself for its own pledge; for a member's, the member through their
      own link, or whoever manages the branch (its secretary, or a managing role above it, as
      everywhere in the tree) entering it for them (marked 代录);
    - 组织评: the branch for a member's pledge; for an organisation's own pledge its members'
      meeting, recorded by whoever manages it;
    - 领导评: a responsible person above the pledge's organisation (as for a leader review);
    - 群众评: only from a mass evaluation, never typed in by a user.
    """
    if kind in (VerdictKind.SELF, VerdictKind.ORGANIZATION):
        return org_access.in_scope(user, pledge.home_org, kinds=MANAGING_ROLES)
    if kind == VerdictKind.LEADER:
        return role_above(user, pledge.home_org) is not None
    return False
