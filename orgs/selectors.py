"""Reads of the organisation tree and the rosters, shared by pages and, later, dashboards,
exports and reminder sweeps. Each returns plain dataclasses or querysets; none changes a row.

Callers reach organisations through orgs.access first: these functions trust the organisation
they are given and stay inside its subtree.
"""

from dataclasses import dataclass, field

from . import access
from .models import Member, MemberQuerySet, MemberTally, Organization, Role, RoleTerm
from .rollups import subtree_member_counts

SEARCH_LIMIT = 100


@dataclass
class TreeNode:
    """An organisation as the tree shows it, with the active members of its whole subtree and,
    when they were loaded with it, its children (None: loaded when the node is expanded)."""

    org: Organization
    member_count: int
    children: list["TreeNode"] | None = None


def top_organizations(user) -> tuple[list[Organization], list[Organization]]:
    """The top organisations of the user's scope and their children, in two queries at most."""
    roots = access.roots_for(user)
    children = Organization.objects.none()
    for root in roots:
        children |= Organization.objects.within(root).filter(depth=root.depth + 1)
    return roots, list(children)


def tree_top(user) -> list[TreeNode]:
    """The user's top organisations with their children loaded, and everyone's member counts."""
    roots, children = top_organizations(user)
    counts = subtree_member_counts(roots)
    return [
        TreeNode(
            root,
            counts[root.pk],
            [TreeNode(c, counts[c.pk]) for c in children if c.path.startswith(root.path)],
        )
        for root in roots
    ]


def child_nodes(org: Organization) -> list[TreeNode]:
    """The children of one organisation with their member counts: what expanding a node shows."""
    children = list(Organization.objects.get_children(org))
    counts = subtree_member_counts([org])
    return [TreeNode(child, counts[child.pk]) for child in children]


@dataclass
class SearchHit:
    org: Organization
    trail: list[str]  # the names of its ancestors, root first


@dataclass
class SearchResult:
    hits: list[SearchHit]
    truncated: bool  # more matched than SEARCH_LIMIT


def search_organizations(user, query: str) -> SearchResult:
    """Organisations of the user's scope whose name contains the query, with their trails."""
    found = list(access.organizations_for(user).filter(name__contains=query)[: SEARCH_LIMIT + 1])
    shown = found[:SEARCH_LIMIT]
    ancestor_paths = {path for org in shown for path in org.ancestor_paths()}
    names = dict(Organization.objects.filter(path__in=ancestor_paths).values_list("path", "name"))
    hits = [SearchHit(org, [names[p] for p in org.ancestor_paths() if p in names]) for org in shown]
    return SearchResult(hits, len(found) > SEARCH_LIMIT)


@dataclass
class OrgSummary:
    """What an organisation's page shows about it."""

    org: Organization
    breadcrumb: list[Organization]
    children: list[TreeNode] = field(default_factory=list)
    member_count: int = 0  # active members of the whole subtree
    direct_count: int = 0  # active members of the organisation itself


def org_summary(org: Organization) -> OrgSummary:
    children = list(Organization.objects.get_children(org))
    counts = subtree_member_counts([org])
    own = MemberTally.objects.filter(organization=org).values_list("members", flat=True).first()
    return OrgSummary(
        org,
        org.ancestors(),
        [TreeNode(child, counts[child.pk]) for child in children],
        counts[org.pk],
        own or 0,
    )


def roster(org: Organization, *, direct: bool = False) -> MemberQuerySet:
    """The members of the organisation's subtree (or only its own), in tree and name order."""
    members = org.members.all() if direct else Member.objects.within(org)
    return members.select_related("branch").order_by("branch__path", "name", "id")


HISTORY_SHOWN = 20


@dataclass
class RoleBoard:
    """Who holds roles on an organisation now, and who held them before (its latest terms)."""

    holders: list[Role]
    history: list[RoleTerm]


def role_board(org: Organization) -> RoleBoard:
    holders = list(
        Role.objects.filter(organization=org)
        .select_related("user")
        .order_by("kind", "started_on", "pk")
    )
    history = list(
        RoleTerm.objects.filter(organization=org)
        .select_related("user", "successor")
        .order_by("-ended_on", "-pk")[:HISTORY_SHOWN]
    )
    return RoleBoard(holders, history)


def parents_by_path(paths) -> dict[str, Organization]:
    """{path: organisation} of the parents of the organisations at `paths` (look one up with
    `path[:-Organization.steplen]`): one query, for the sweeps and notices that tell the level
    above many organisations at once."""
    step = Organization.steplen
    wanted = {path[:-step] for path in paths if len(path) > step}
    return {parent.path: parent for parent in Organization.objects.filter(path__in=wanted)}
