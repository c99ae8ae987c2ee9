"""What a user may reach in the organisation tree: the one place that decides it.

A user sees the subtrees of the organisations they hold a role in and nothing else; a superuser sees
everything. Objects outside the scope answer 404 exactly like missing ones, so a URL never tells
whether something exists. Inside the scope, writing needs a managing role (secretary or admin);
read-only roles (leader, office) get 403 on a write.
"""

from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from core import generations
from core.services import require

from .models import (
    MANAGING_ROLES,
    MEMBER_HOLDING_KINDS,
    Member,
    MemberQuerySet,
    Organization,
    OrganizationQuerySet,
    OrgKind,
    Role,
    RoleKind,
    subtrees_q,
)


def user_roles(user) -> list[tuple[str, str, int]]:
    """(organisation path, role kind, organisation id) of each role, read once per user object."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_orgs_roles", None)
    if cached is None:

        def load():
            return list(
                Role.objects.filter(user=user)
                .order_by("organization__path")
                .values_list("organization__path", "kind", "organization_id")
            )

        # The web process's copy while no role or organisation changed (core.generations).
        cached = generations.remembered("roles", user.pk, load)
        user._orgs_roles = cached
    return cached


def scope_paths(user, write: bool = False, kinds=None) -> list[str] | None:
    """The minimal list of path prefixes the user reaches; None means the whole tree.

    With write=True only managing roles count; `kinds` narrows to given role kinds.
    """
    if user.is_authenticated and user.is_superuser:
        return None
    wanted = kinds or (MANAGING_ROLES if write else RoleKind.values)
    paths = sorted({path for path, kind, _ in user_roles(user) if kind in wanted})
    minimal: list[str] = []
    for path in paths:
        # Sorted paths put every descendant right after its ancestor.
        if not minimal or not path.startswith(minimal[-1]):
            minimal.append(path)
    return minimal


def scope_q(user, field: str, write: bool = False, kinds=None) -> Q:
    """Rows whose `field` (an organisation path) lies in the user's scope."""
    paths = scope_paths(user, write, kinds)
    return Q() if paths is None else subtrees_q(paths, field)


def organizations_for(user, write: bool = False, kinds=None) -> OrganizationQuerySet:
    return Organization.objects.filter(scope_q(user, "path", write, kinds))


def members_for(user, write: bool = False) -> MemberQuerySet:
    return Member.objects.filter(scope_q(user, "branch__path", write))


def in_scope(user, org: Organization, write: bool = False, kinds=None) -> bool:
    paths = scope_paths(user, write, kinds)
    return paths is None or any(org.path.startswith(path) for path in paths)


def reaches_path(user, path: str) -> bool:
    """Whether the organisation at `path` is in the user's scope (an export's, core.exports)."""
    paths = scope_paths(user)
    return paths is None or any(path.startswith(prefix) for prefix in paths)


def can_manage(user, org: Organization) -> bool:
    return in_scope(user, org, write=True)


def can_manage_strictly_below(user, org: Organization) -> bool:
    """May the user change the organisation's own standing (deactivate, move it)?

    Only from above: a secretary cannot deactivate the branch their own role is on.
    """
    paths = scope_paths(user, write=True)
    return paths is None or any(org.path.startswith(p) and org.path != p for p in paths)


# An organisation's standing: what it is (kind, sector), how it is rated (grade) and whether it
# still exists (active). A 党小组 drops out of the 两个100% denominator, so it is never the
# organisation's own to decide.
STANDING_FIELDS = ("kind", "sector", "grade", "active")


def can_change_standing(user, org: Organization) -> bool:
    """May the user change the organisation's standing (STANDING_FIELDS), deactivate or move it?

    Only the level above: a managing role (secretary, admin) on a strict ancestor, or a
    superuser. A role on the organisation itself edits its descriptive fields (its name) only.
    The office and leaders stay read-only on the tree, even above: the office's grading comes
    with its dashboard, and until then the grade too changes only from above.
    """
    return can_manage_strictly_below(user, org)


def get_organization_for_user(user, pk: int, write: bool = False) -> Organization:
    # The web process's copy while no organisation changed (core.generations), then the scope.
    org = generations.remembered("organization", pk, Organization.objects.filter(pk=pk).first)
    if org is None or not in_scope(user, org):
        raise Http404
    if write:
        require(can_manage(user, org))
    return org


def get_member_for_user(user, pk: int, write: bool = False) -> Member:
    member = get_object_or_404(members_for(user).select_related("branch"), pk=pk)
    if write:
        require(can_manage(user, member.branch))
    return member


def roots_for(user) -> list[Organization]:
    """The top organisations of the user's scope, in tree order; read once per user object."""
    cached = getattr(user, "_orgs_roots", None)
    if cached is None:
        paths = scope_paths(user)
        if paths is None:
            cached = list(Organization.objects.get_root_nodes())
        else:
            cached = list(Organization.objects.filter(path__in=paths))
        user._orgs_roots = cached
    return cached


def branches_for(user) -> OrganizationQuerySet:
    """Organisations the user may place members in: active, member-holding, in write scope."""
    return organizations_for(user, write=True).filter(active=True, kind__in=MEMBER_HOLDING_KINDS)


def can_add_children(user, org: Organization) -> bool:
    """Is the user offered 新建下级组织 under `org`?

    A managing role on it or above, except on a 党支部: its 党小组 are set up from above, so a
    branch's own secretary keeps to its members (and is not offered the tree's structure). What
    may be created is still the services' and the import's to decide (can_manage)."""
    if org.kind == OrgKind.BRANCH:
        return can_manage_strictly_below(user, org)
    return can_manage(user, org)


def can_import_tree(user) -> bool:
    """Is the user offered 导入组织架构? Only with a managing role somewhere above a 党支部."""
    if user.is_authenticated and user.is_superuser:
        return True
    managed = [org_id for _path, kind, org_id in user_roles(user) if kind in MANAGING_ROLES]
    return Organization.objects.filter(pk__in=managed).exclude(kind=OrgKind.BRANCH).exists()


def can_manage_anything(user) -> bool:
    return scope_paths(user, write=True) != []


# Who may give which roles where: (the giver's role, where the organisation lies from the one that
# role is on) → the kinds it may give there. "own" is the organisation itself, "below" strictly
# below it; above and beside, nothing. The admins of an organisation come from above (or a
# superuser); the office and leaders give nothing. Taking a role away needs the same.
OWN, BELOW = "own", "below"
GRANTS: dict[tuple[str, str], frozenset[str]] = {
    (RoleKind.ADMIN, OWN): frozenset({RoleKind.SECRETARY, RoleKind.LEADER, RoleKind.OFFICE}),
    (RoleKind.ADMIN, BELOW): frozenset(RoleKind.values),
    # A secretary's deputies and party-affairs workers on the organisation itself, the
    # secretaries and leaders of the organisations below it.
    (RoleKind.SECRETARY, OWN): frozenset({RoleKind.SECRETARY}),
    (RoleKind.SECRETARY, BELOW): frozenset({RoleKind.SECRETARY, RoleKind.LEADER}),
}


def grantable_kinds(user, org: Organization) -> frozenset[str]:
    """The role kinds the user may give (and take away) on `org`, by GRANTS."""
    return kinds_at(user, org.path, GRANTS)


def kinds_at(user, path: str, table: dict) -> frozenset[str]:
    """The role kinds a table like GRANTS gives the user on the organisation at `path`."""
    if not user.is_authenticated:
        return frozenset()
    if user.is_superuser:
        return frozenset(RoleKind.values)
    kinds: set[str] = set()
    for held, kind, _org_id in user_roles(user):
        if path == held:
            kinds |= table.get((kind, OWN), frozenset())
        elif path.startswith(held):
            kinds |= table.get((kind, BELOW), frozenset())
    return frozenset(kinds)


def can_grant(user, org: Organization, kind: str) -> bool:
    return kind in grantable_kinds(user, org)


def is_admin(user) -> bool:
    """Superusers and holders of an admin role: they manage users and imports."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or any(kind == RoleKind.ADMIN for _, kind, _ in user_roles(user))


def can_see_id_number(user, member: Member) -> bool:
    """May the user see the member's whole 公民身份号码 (after asking, which the trail records)?

    Superusers and holders of an admin role on the member's branch or above it; everyone else
    sees it masked (Member.masked_id_number), and no public page shows it at all.
    """
    return in_scope(user, member.branch, kinds=(RoleKind.ADMIN,))
