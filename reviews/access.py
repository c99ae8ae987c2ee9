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

from django.db.models import Q
from django.shortcuts import get_object_or_404

from orgs import access as org_access
from orgs.models import MANAGING_ROLES, Organization, RoleKind, subtree_q
from pledges.models import Pledge

from .models import Commendation, LeaderReview, Rectification, VerdictKind

# The roles whose holders are responsible people of an organisation (上级党组织负责人) for those
# below it.
REVIEWING_ROLES = (RoleKind.SECRETARY, RoleKind.LEADER, RoleKind.OFFICE)
# Registering and closing a rectification: any role above the responsible organisation.
REGISTERING_ROLES = (*REVIEWING_ROLES, RoleKind.ADMIN)
# The roles named first when several of the user's roles are above the target: those whose
# reviews always count (a secretary, a leader), the nearest first; then the office, the admin.
_PREFERENCE = {RoleKind.SECRETARY: 0, RoleKind.LEADER: 1, RoleKind.OFFICE: 2, RoleKind.ADMIN: 3}
_ALWAYS_COUNTED = (RoleKind.SECRETARY, RoleKind.LEADER)


def role_above(user, org: Organization, kinds=REVIEWING_ROLES) -> tuple[int, str] | None:
    """(organisation id, role kind) of the user's role of `kinds` on a strict ancestor of `org`:
    a secretary or leader role before the office's, the nearest first. None when there is none,
    and None for anyone who also holds a role on `org` itself: nobody reviews, registers
    problems for or closes them of their own organisation, even from a second role above it."""
    if not user.is_authenticated:
        return None
    roles = org_access.user_roles(user)
    if any(path == org.path for path, _kind, _id in roles):
        return None
    found = [
        (kind not in _ALWAYS_COUNTED, -len(path), _PREFERENCE[kind], org_id, kind)
        for path, kind, org_id in roles
        if kind in kinds and org.path.startswith(path) and org.path != path
    ]
    if not found:
        return None
    *_order, org_id, kind = min(found)
    return org_id, kind


def own_paths(user) -> list[str]:
    """The paths of the organisations the user holds any role on (never theirs to review)."""
    return [path for path, _kind, _id in org_access.user_roles(user)]


def first_reviewing_org(user) -> Organization | None:
    """The first organisation, in tree order, on which the user holds a reviewing role and that
    has organisations below it: where their review pages start."""
    paths = org_access.scope_paths(user, kinds=REVIEWING_ROLES)
    if not paths:
        return None
    return Organization.objects.filter(path__in=paths, numchild__gt=0).order_by("path").first()


def reviewable_organizations(user):
    """The organisations the user may review: strictly below their reviewing roles, none they
    hold a role on themselves."""
    below = Q(pk__in=[])
    for path in org_access.scope_paths(user, kinds=REVIEWING_ROLES) or []:
        below |= subtree_q(path) & ~Q(path=path)
    return Organization.objects.filter(below).exclude(path__in=own_paths(user))


def reviews_anyone(user) -> bool:
    """Whether the user holds a reviewing role on an organisation with others below it: read
    from the top organisations of their scope (org_access.roots_for, which the navigation has
    loaded already) unless a reviewing role sits below one of them."""
    paths = set(org_access.scope_paths(user, kinds=REVIEWING_ROLES) or [])
    if not paths:
        return False
    roots = org_access.roots_for(user)
    if any(root.path in paths and root.numchild for root in roots):
        return True
    if paths <= {root.path for root in roots}:
        return False
    return first_reviewing_org(user) is not None


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


# --- 群众评议 ------------------------------------------------------------------------------------


def rounds_for(user):
    """Rounds the user sees: of organisations in their scope (the evaluated organisation sees its
    round and results; the level running it, those below)."""
    from .models import EvaluationRound

    return EvaluationRound.objects.filter(org_access.scope_q(user, "organization__path"))


def get_round_for_user(user, pk: int):
    queryset = rounds_for(user).select_related("organization", "run_by", "campaign")
    return get_object_or_404(queryset, pk=pk)


def can_run_round(user, org: Organization) -> bool:
    """The level above runs a basic organisation's round: any role on a strict ancestor, never a
    role on the organisation itself (it never handles its own ballots)."""
    return org.active and role_above(user, org, REGISTERING_ROLES) is not None


# The roles that keep 群众评议表 templates for the rounds below them.
TEMPLATE_ROLES = (RoleKind.OFFICE, RoleKind.ADMIN)


def questionnaires_for(user):
    """Templates the user keeps: those of organisations where they hold an office or admin role
    (and below)."""
    from .models import Questionnaire

    return Questionnaire.objects.filter(
        org_access.scope_q(user, "organization__path", kinds=TEMPLATE_ROLES)
    )


def get_questionnaire_for_user(user, pk: int):
    return get_object_or_404(questionnaires_for(user).select_related("organization"), pk=pk)


def template_organizations(user):
    return org_access.organizations_for(user, kinds=TEMPLATE_ROLES).filter(active=True)


def can_hold(user, round_) -> bool:
    """The campaign office (or an admin) above the organisation may hold a round's 公示 — never
    one on the organisation itself."""
    return role_above(user, round_.organization, TEMPLATE_ROLES) is not None


def can_run(user, round_) -> bool:
    """Who runs a round: the level above for a 群众评议; the branch itself (those who manage it)
    for its own members' 党员民主评议."""
    if round_.members_only:
        return round_.organization.active and org_access.can_manage(user, round_.organization)
    return can_run_round(user, round_.organization)


# The campaign office chases the levels that owe reviews (督办).
SUPERVISING_ROLES = (RoleKind.OFFICE, RoleKind.ADMIN)


def supervises(user) -> bool:
    """Whether the user holds an office or admin role anywhere: the behind list offers 督办."""
    return any(kind in SUPERVISING_ROLES for _path, kind, _id in org_access.user_roles(user))


def can_supervise(user, org: Organization) -> bool:
    """督办 about an organisation: an office or admin role on a strict ancestor of it."""
    return role_above(user, org, SUPERVISING_ROLES) is not None


# --- Grades, stars and commendations (reviews/recognition.py) ---------------------------------

# Recording commendations: the office (or an admin) of the awarding organisation.
COMMENDING_ROLES = (RoleKind.OFFICE, RoleKind.ADMIN)


def can_grade(user, org: Organization) -> bool:
    """三分类 is confirmed by the level above: any role on a strict ancestor (as for
    rectifications, which the upgrade measures become)."""
    return org.active and role_above(user, org, REGISTERING_ROLES) is not None


def can_propose_stars(user, branch: Organization) -> bool:
    """党员争星 is proposed by those who manage the branch."""
    return branch.active and org_access.can_manage(user, branch)


def can_confirm_stars(user, branch: Organization) -> bool:
    return branch.active and role_above(user, branch, REGISTERING_ROLES) is not None


def can_commend(user, org: Organization) -> bool:
    """Whether the user may record commendations awarded by `org`."""
    return org_access.in_scope(user, org, kinds=COMMENDING_ROLES)


def awarding_organization(user) -> Organization | None:
    """Where the user records commendations: the first organisation of their scope on which
    they may."""
    return next((o for o in org_access.roots_for(user) if can_commend(user, o)), None)


def commendations_for(user):
    """The commendations of the user's scope: awarded by an organisation in it."""
    return Commendation.objects.filter(org_access.scope_q(user, "awarded_by__path"))


def get_commendation_for_user(user, pk: int):
    return get_object_or_404(
        commendations_for(user).select_related("organization", "member", "awarded_by"), pk=pk
    )
