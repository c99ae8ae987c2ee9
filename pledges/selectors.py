"""Reads of pledges shared by the pages and, later, dashboards, exports and reminder sweeps.

两个100% (coverage): the share of basic organisations and of active members with a public
pledge. `coverage_by_node` is the one source of these figures: the tree, the branch page and the
drill-down all read it, in one statement over the counter rows (pledges/rollups.py) whatever the
size of the subtree.

Callers reach organisations and pledges through the access modules first: these functions trust
what they are given.
"""

import datetime
import unicodedata
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    Subquery,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaign.models import Campaign
from core.audit.trail import TrailEntry, of, trail, under
from orgs.models import (
    Member,
    MemberTally,
    Organization,
    OrgKind,
    counted_members,
    roll_up,
    subtree_q,
    within_roots,
)
from orgs.rollups import TREE_VERSION, family_versions_sql, subtree_sums

from . import access, quality, workflow
from .models import (
    DONE_STATES,
    PUBLIC_STATES,
    SIGNED_LETTER_MARK,
    EventKind,
    Pledge,
    PledgeEvent,
    PledgeProgress,
    PledgeState,
    PledgeTally,
)

# --- Coverage (两个100%) ----------------------------------------------------------------------

# States of a pledge recorded but not public yet: 调研承诺 … 已签约.
UNPUBLISHED_STATES = tuple(state.value for state in PledgeState if state not in PUBLIC_STATES)


@dataclass
class BarPart:
    """One part of a split bar, its x and width in percent of the bar (SVG attributes)."""

    name: str  # a CSS class: published, recorded, unrecorded
    label: str
    count: int
    x: str
    width: str


@dataclass
class Coverage:
    organizations: int = 0
    pledged_organizations: int = 0
    members: int = 0
    pledged_members: int = 0
    # Active members whose pledge is recorded but not public yet (调研 … 已签约).
    recorded_members: int = 0

    @property
    def organization_rate(self) -> float | None:
        return percent(self.pledged_organizations, self.organizations)

    @property
    def member_rate(self) -> float | None:
        return percent(self.pledged_members, self.members)

    @property
    def missing_organizations(self) -> int:
        return self.organizations - self.pledged_organizations

    @property
    def missing_members(self) -> int:
        return self.members - self.pledged_members

    @property
    def unrecorded_members(self) -> int:
        """Active members with no pledge at all in the campaign (未录入)."""
        return self.members - self.pledged_members - self.recorded_members

    @property
    def complete(self) -> bool:
        """两个100% (达标): every organisation expected to pledge and every active member has a
        public pledge. A subtree with nobody to count (no organisation, no member) is not."""
        nothing_missing = not self.missing_organizations and not self.missing_members
        return nothing_missing and bool(self.organizations or self.members)

    @property
    def member_parts(self) -> list[BarPart]:
        """The members split 已公开 / 已录入未公开 / 未录入, as the parts of a bar."""
        parts = [
            ("published", _("已公开"), self.pledged_members),
            ("recorded", _("已录入未公开"), self.recorded_members),
            ("unrecorded", _("未录入"), self.unrecorded_members),
        ]
        bar, x = [], 0.0
        for name, label, count in parts:
            width = 100 * count / self.members if self.members else 0.0
            bar.append(BarPart(name, str(label), count, f"{x:.2f}%", f"{width:.2f}%"))
            x += width
        return bar


def _sql_list(values) -> str:
    """Constants of ours (state names) as an SQL list."""
    return "(" + ", ".join(f"'{value}'" for value in values) + ")"


def percent(part: int, whole: int) -> float | None:
    """A percentage to one decimal; never 100.0 while someone is missing (999/1000 is 99.9)."""
    if not whole:
        return None
    rate = round(100 * part / whole, 1)
    return min(rate, 99.9) if part < whole else rate


def percent_text(rate: float | None) -> str:
    """A rate as the pages print it: "62.5%", or "—" when there is nothing to count."""
    return "—" if rate is None else f"{rate}%"


@dataclass
class NodeCoverage:
    org: Organization
    coverage: Coverage


def expected_to_pledge(campaign: Campaign) -> Q:
    """Organisations expected to pledge: active ones below the campaign's own, groups excluded."""
    return Q(active=True) & ~Q(kind=OrgKind.GROUP) & ~Q(pk=campaign.organization_id)


def basic_organizations(org: Organization, campaign: Campaign):
    return Organization.objects.within(org).filter(expected_to_pledge(campaign))


def public_pledges(campaign: Campaign):
    return Pledge.objects.filter(campaign=campaign).public()


# expected_to_pledge in SQL over the organisations `o` of subtree_sums; its parameters come from
# expected_params(campaign).
EXPECTED_SQL = "o.active AND o.kind <> %s AND o.id <> %s"


def expected_params(campaign: Campaign) -> list:
    return [OrgKind.GROUP, campaign.organization_id]


def coverage_by_node(parents, campaign: Campaign) -> dict[int, Coverage]:
    """Coverage of the subtree of each parent and of each of its children, keyed by id: one
    statement over the counter rows (pledges/rollups.py), whatever the size of the subtrees."""
    expected = EXPECTED_SQL
    # Pledges recorded but not public, at each organisation: its counter row's, less its own
    # pledge's (one per organisation and campaign, an indexed lookup) when that is not public.
    unpublished = " + ".join(f"t.{state}" for state in UNPUBLISHED_STATES)
    own_unpublished = f"own.state IN {_sql_list(UNPUBLISHED_STATES)}"
    sums = subtree_sums(
        parents,
        [
            f"SUM(CASE WHEN {expected} THEN 1 ELSE 0 END)",
            f"SUM(CASE WHEN {expected} AND t.organization_pledged > 0 THEN 1 ELSE 0 END)",
            "SUM(COALESCE(m.members, 0))",
            "SUM(COALESCE(t.members_pledged, 0))",
            f"SUM(COALESCE({unpublished}, 0)) - SUM(CASE WHEN {own_unpublished} THEN 1 ELSE 0 END)",
        ],
        f"LEFT JOIN {MemberTally._meta.db_table} AS m ON m.organization_id = o.id "
        f"LEFT JOIN {PledgeTally._meta.db_table} AS t "
        f"ON t.organization_id = o.id AND t.campaign_id = %s "
        f"LEFT JOIN {Pledge._meta.db_table} AS own "
        f"ON own.organization_id = o.id AND own.campaign_id = %s",
        expected_params(campaign) * 2 + [campaign.pk, campaign.pk],
    )
    return {pk: Coverage(*figures) for pk, figures in sums.items()}


@dataclass(frozen=True)
class PledgeCounts:
    """Pledges of a subtree (at their home organisation, members' while active): by state, and
    how many are overdue (past their deadline, not done) on the day they were counted."""

    by_state: dict = field(default_factory=dict)
    overdue: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_state.values())

    @property
    def public(self) -> int:
        return sum(self.by_state.get(state, 0) for state in PUBLIC_STATES)

    @property
    def done(self) -> int:
        """Fulfilled: 已完成 or 已评诺."""
        return sum(self.by_state.get(state, 0) for state in DONE_STATES)

    @property
    def done_rate(self) -> float | None:
        """Of the public pledges, the share fulfilled (践诺率)."""
        return percent(self.done, self.public)


def _overdue_by_home(campaign: Campaign, today: datetime.date) -> tuple[str, list]:
    """Overdue pledges per home organisation, as an SQL table and its parameters: the rule of
    PledgeQuerySet.overdue over the campaign's pledges (index pledge_campaign_deadline)."""
    sql = (
        f"SELECT COALESCE(p.organization_id, m.branch_id) AS organization_id, COUNT(*) AS n "
        f"FROM {Pledge._meta.db_table} AS p "
        f"LEFT JOIN {Member._meta.db_table} AS m ON m.id = p.member_id "
        f"WHERE p.campaign_id = %s AND p.deadline < %s AND p.state NOT IN {_sql_list(DONE_STATES)} "
        f"AND (p.organization_id IS NOT NULL OR m.active) "
        f"GROUP BY COALESCE(p.organization_id, m.branch_id)"
    )
    return sql, [campaign.pk, today]


def pledge_counts_by_node(
    parents, campaign: Campaign, today: datetime.date
) -> dict[int, PledgeCounts]:
    """Pledges by state over the subtree of each parent and of each of its children, from the
    counter rows, and the overdue ones counted from the pledges on `today`: one statement."""
    states = [state.value for state in PledgeState]
    overdue, overdue_params = _overdue_by_home(campaign, today)
    sums = subtree_sums(
        parents,
        [*(f"SUM(COALESCE(t.{state}, 0))" for state in states), "SUM(COALESCE(od.n, 0))"],
        f"LEFT JOIN {PledgeTally._meta.db_table} AS t "
        f"ON t.organization_id = o.id AND t.campaign_id = %s "
        f"LEFT JOIN ({overdue}) AS od ON od.organization_id = o.id",
        [campaign.pk, *overdue_params],
    )
    return {
        pk: PledgeCounts(dict(zip(states, figures[:-1], strict=True)), figures[-1])
        for pk, figures in sums.items()
    }


def counted_pledge_counts(org: Organization, campaign: Campaign, today) -> PledgeCounts:
    """pledge_counts_by_node for one subtree, counted from the pledges themselves: the reference
    the rollup is tested against, and the rows the list behind the figures shows."""
    pledges = subtree_pledges(org, campaign)
    by_state = dict(pledges.order_by().values_list("state").annotate(n=Count("id")))
    return PledgeCounts(
        {state.value: by_state.get(state.value, 0) for state in PledgeState},
        pledges.overdue(today).count(),
    )


def subtree_pledges(org: Organization, campaign: Campaign):
    """The campaign's pledges whose home organisation is in the subtree: its organisations' own
    and their active members' (as the counters count them)."""
    own = Q(organization__isnull=False) & subtree_q(org.path, "organization__path")
    members = Q(member__active=True) & subtree_q(org.path, "member__branch__path")
    return Pledge.objects.filter(own | members, campaign=campaign)


# The versions of counter rows (pledges/rollups.py, orgs/rollups.py) name the state of what a
# cached fragment shows (core/fragments.py): each only grows, so a sum of them grows with every
# committed change.
COVERAGE_VERSION = (
    f"(SELECT COALESCE(SUM(version), 0) FROM {PledgeTally._meta.db_table} WHERE campaign_id = %s), "
    f"{TREE_VERSION}"
)


def coverage_version(campaign: Campaign) -> tuple:
    """Changes with every change coverage_by_node may show for the campaign, in any subtree, and
    with the campaign's name."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {COVERAGE_VERSION}", [campaign.pk])
        return (campaign.pk, campaign.name, *cursor.fetchone())


@dataclass
class BranchVersions:
    coverage: tuple  # as coverage_version
    sheet: tuple  # the organisation's pledges and members, and the day (what is overdue)


def branch_versions(org: Organization, campaign: Campaign) -> BranchVersions:
    """The versions of the branch page's parts, in one statement."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {COVERAGE_VERSION}, "
            f"(SELECT version FROM {PledgeTally._meta.db_table} "
            f"WHERE campaign_id = %s AND organization_id = %s), "
            f"(SELECT version FROM {MemberTally._meta.db_table} WHERE organization_id = %s)",
            [campaign.pk, campaign.pk, org.pk, org.pk],
        )
        pledges, members, own_pledges, own_members = cursor.fetchone()
    return BranchVersions(
        coverage=(campaign.pk, campaign.name, pledges, members),
        sheet=(campaign.pk, own_pledges, own_members, timezone.localdate()),
    )


def counted_coverage_by_node(nodes, roots, campaign: Campaign) -> dict[int, Coverage]:
    """Coverage of each node's subtree counted from the pledges and members themselves: the
    reference coverage_by_node is tested against. `roots` must hold every node."""
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
    recorded = FilteredRelation(
        "pledges", condition=Q(pledges__campaign=campaign, pledges__state__in=UNPUBLISHED_STATES)
    )
    members = list(
        counted_members(roots)
        .annotate(public=public, recorded=recorded)
        .values_list("branch_id")
        .annotate(n=Count("id"), pledged=Count("public__id"), recorded_n=Count("recorded__id"))
    )
    totals = {
        "organizations": roll_up(nodes, [(path, 1) for _pk, path in expected]),
        "pledged_organizations": roll_up(
            nodes, [(path, 1) for pk, path in expected if pk in pledged_orgs]
        ),
        "members": roll_up(nodes, [(paths[pk], n) for pk, n, _p, _r in members if pk in paths]),
        "pledged_members": roll_up(
            nodes, [(paths[pk], p) for pk, _n, p, _r in members if pk in paths]
        ),
        "recorded_members": roll_up(
            nodes, [(paths[pk], r) for pk, _n, _p, r in members if pk in paths]
        ),
    }
    return {node.pk: Coverage(**{name: totals[name][node.pk] for name in totals}) for node in nodes}


def coverage(org: Organization, campaign: Campaign) -> Coverage:
    return coverage_by_node([org], campaign)[org.pk]


def nodes_coverage(nodes, parents, campaign: Campaign) -> list[NodeCoverage]:
    """coverage_by_node as a list of (organisation, coverage), in the order of `nodes`."""
    figures = coverage_by_node(parents, campaign)
    return [NodeCoverage(node, figures[node.pk]) for node in nodes]


def children_coverage(org: Organization, campaign: Campaign) -> list[NodeCoverage]:
    """The coverage of each of the organisation's children: an expanded node of the tree."""
    return nodes_coverage(list(Organization.objects.get_children(org)), [org], campaign)


def missing_organizations(org: Organization, campaign: Campaign):
    pledged = public_pledges(campaign).filter(organization__isnull=False).values("organization_id")
    return basic_organizations(org, campaign).exclude(pk__in=pledged)


def missing_members(org: Organization, campaign: Campaign):
    pledged = public_pledges(campaign).filter(member__isnull=False).values("member_id")
    return counted_members([org]).exclude(pk__in=pledged)


# --- The missing list (未公开承诺名单) ------------------------------------------------------

# What the missing list may be narrowed to (?state=): no pledge, or a state short of public.
MISSING_STATES = ("none", *UNPUBLISHED_STATES)


@dataclass
class MissingRow:
    """Someone without a public pledge: a member (or an organisation) and their pledge's state,
    None when nothing is recorded (未录入)."""

    owner: Member | Organization
    state: str | None
    pledge_id: int | None

    @property
    def state_label(self) -> str:
        return missing_state_label(self.state)


def missing_state_label(state: str | None) -> str:
    """A state's name on the missing list: None (or "none") is 未录入."""
    return str(PledgeState(state).label) if state and state != "none" else _("未录入")


@dataclass
class MissingGroup:
    """The missing members of one branch on a page of the list, with the branch's subtotals
    over the whole list (not only this page)."""

    branch: Organization
    rows: list[MissingRow]
    total: int
    by_state: list[tuple[str, int]]  # (label, count), in the workflow's order, 未录入 first
    continued: bool  # the branch began on the page before


def _with_pledge(queryset, campaign: Campaign, relation: str):
    """Rows annotated with their pledge in the campaign (one at most): its state and id."""
    pledge = FilteredRelation(relation, condition=Q(**{f"{relation}__campaign": campaign}))
    return queryset.annotate(pledge=pledge).annotate(
        pledge_state=F("pledge__state"), pledge_pk=F("pledge__id")
    )


def _narrowed(queryset, state: str):
    if state == "none":
        return queryset.filter(pledge_pk__isnull=True)
    if state in UNPUBLISHED_STATES:
        return queryset.filter(pledge_state=state)
    return queryset


def missing_member_list(org: Organization, campaign: Campaign, *, state: str = ""):
    """missing_members, each with their pledge's state and id (pledge_state, pledge_pk), in the
    order of their branches in the tree, then by name; narrowed to one of MISSING_STATES."""
    members = _with_pledge(missing_members(org, campaign), campaign, "pledges")
    members = _narrowed(members, state)
    return members.select_related("branch").order_by("branch__path", "name", "pk")


def missing_organization_list(org: Organization, campaign: Campaign, *, state: str = ""):
    """missing_organizations, each with its own pledge's state and id, in the tree's order."""
    orgs = _with_pledge(missing_organizations(org, campaign), campaign, "pledges")
    return _narrowed(orgs, state).order_by("path")


def missing_rows(owners) -> list[MissingRow]:
    return [MissingRow(owner, owner.pledge_state, owner.pledge_pk) for owner in owners]


def missing_groups(
    members: list[Member], listed, *, continued_from: int | None
) -> list[MissingGroup]:
    """A page of missing_member_list grouped by branch, with each branch's subtotals counted
    over `listed` (the whole list, as narrowed) in one statement. `continued_from` is the branch
    of the row just before the page, if any."""
    groups: list[MissingGroup] = []
    for member in members:
        if not groups or groups[-1].branch.pk != member.branch_id:
            continued = not groups and member.branch_id == continued_from
            groups.append(MissingGroup(member.branch, [], 0, [], continued))
        groups[-1].rows.append(MissingRow(member, member.pledge_state, member.pledge_pk))
    counts: dict[int, dict[str | None, int]] = {}
    subtotals = (
        listed.filter(branch__in=[group.branch.pk for group in groups])
        .order_by()
        .values_list("branch_id", "pledge_state")
        .annotate(n=Count("pk"))
    )
    for branch_id, state, n in subtotals:
        counts.setdefault(branch_id, {})[state] = n
    order = [None, *UNPUBLISHED_STATES]
    for group in groups:
        found = counts.get(group.branch.pk, {})
        group.total = sum(found.values())
        group.by_state = [
            (missing_state_label(state), found[state]) for state in order if found.get(state)
        ]
    return groups


# --- The branch sheet -----------------------------------------------------------------------------


@dataclass
class SheetRow:
    """One line of the branch sheet: a member (None for the organisation's own pledge) and their
    pledge in the campaign, if any."""

    member: Member | None
    pledge: Pledge | None
    overdue: bool = False
    batchable: bool = False  # the user may take one of the batch steps on it now
    hints: list[str] = field(default_factory=list)  # pledges.quality: a second look, no block

    @property
    def chip(self) -> str:
        """The sheet's state filter (SHEET_CHIPS) the row falls under: its pledge's state, or
        "missing" for a member without one."""
        return self.pledge.state if self.pledge else "missing"

    def shown_by(self, key: str) -> bool:
        """Whether the chip `key` shows the row. An overdue pledge is in a state too, so the
        overdue chip goes by the row's flag, not by its state chip."""
        if key == OVERDUE_CHIP:
            return self.overdue
        if key == "missing":
            return self.member is not None and self.pledge is None
        return self.pledge is not None and self.chip == key


@dataclass
class BranchSheet:
    org: Organization
    campaign: Campaign
    today: datetime.date
    own: SheetRow  # the organisation's own pledge
    rows: list[SheetRow]  # its active members, those without a pledge first

    @property
    def batchable(self) -> bool:
        return self.own.batchable or any(row.batchable for row in self.rows)

    @property
    def total(self) -> int:
        """The rows of the sheet: its members, and the organisation's own pledge if it has one."""
        return len(self.rows) + (self.own.pledge is not None)

    @property
    def operable(self) -> int:
        """How many pledges the user may take a batch step on now (全选可操作的 N 项)."""
        return sum(row.batchable for row in [self.own, *self.rows] if row.pledge)

    @property
    def chips(self) -> list["SheetChip"]:
        """The sheet's filters, each with how many rows it shows and may select."""
        chips = []
        for key, label, action in SHEET_CHIPS:
            rows = [row for row in [self.own, *self.rows] if row.shown_by(key)]
            operable = sum(row.batchable for row in rows)
            chips.append(SheetChip(key, str(label), len(rows), operable, action))
        return chips


@dataclass(frozen=True)
class SheetChip:
    key: str  # a pledge state, "missing" for members without a pledge, or OVERDUE_CHIP
    label: str
    total: int
    operable: int
    action: str  # the batch action the chip chooses, "" for none


# The chip of pledges past their deadline and not done (Pledge.is_overdue), whatever their state:
# the home page's 逾期 opens the branch page with ?state=overdue (pledges/home.py).
OVERDUE_CHIP = "overdue"
# The sheet's chips: a state still on the way to 公开, its name as the secretary says it, and the
# batch action that moves it on (static/js/pledge-sheet.js chooses it with the chip and ticks the
# rows); then 逾期, which only filters, since its pledges may be in any state and no one action
# fits them all.
SHEET_CHIPS = (
    ("missing", gettext_lazy("未录入"), ""),
    ("draft", gettext_lazy("待提交"), "submit"),
    ("submitted", gettext_lazy("待审诺"), workflow.REVIEW_SIGN_PUBLISH),
    ("approved", gettext_lazy("待签约"), "sign"),
    ("signed", gettext_lazy("待公开"), "publish"),
    (OVERDUE_CHIP, gettext_lazy("逾期"), ""),
)


def branch_sheet(org: Organization, campaign: Campaign, *, user) -> BranchSheet:
    """The secretary's page: every active member with their pledge, the organisation's own
    pledge, and what may be batched (its coverage: branch_coverage)."""
    today = timezone.localdate()
    pledges = Pledge.objects.filter(campaign=campaign).select_related("member__branch")
    by_member = {p.member_id: p for p in pledges.filter(member__branch=org)}
    own = pledges.select_related("organization").filter(organization=org).first()

    def row(member, pledge) -> SheetRow:
        if pledge is None:
            return SheetRow(member, None)
        return SheetRow(
            member,
            pledge,
            overdue=pledge.is_overdue(today),
            batchable=workflow.batchable(user, pledge),
        )

    rows = [row(m, by_member.get(m.pk)) for m in org.members.active().order_by("name")]
    rows.sort(key=lambda r: r.pledge is not None)  # members without a pledge first
    own_row = row(None, own)
    hints = quality.hints_for([r.pledge for r in [own_row, *rows] if r.pledge])
    for r in [own_row, *rows]:
        if r.pledge:
            r.hints = hints.of(r.pledge.pk)
    return BranchSheet(org, campaign, today, own_row, rows)


def branch_coverage(
    org: Organization,
    campaign: Campaign,
    *,
    sector: str = "",
    kind: str = "",
    sort: str = "",
    descending: bool = False,
) -> tuple[Coverage, list[NodeCoverage]]:
    """The coverage of the organisation and of each of its active children, those of a sector
    or kind when asked, in the order asked (sort_coverage)."""
    children = Organization.objects.get_children(org).filter(active=True)
    if sector:
        children = children.filter(sector=sector)
    if kind:
        children = children.filter(kind=kind)
    children = list(children)
    figures = nodes_coverage([org, *children], [org], campaign)
    return figures[0].coverage, sort_coverage(figures[1:], sort, descending)


# The orders of a coverage table (?sort=…): what each sorts by. A rate a subtree does not have
# (nobody to count) goes last either way.
COVERAGE_SORTS = {
    "name": None,  # the tree's own order
    "orgs_rate": lambda c: c.organization_rate,
    "members_rate": lambda c: c.member_rate,
    "missing_members": lambda c: c.missing_members,
    "unrecorded": lambda c: c.unrecorded_members,
}


def sort_coverage(rows: list[NodeCoverage], sort: str, descending: bool) -> list[NodeCoverage]:
    """Rows sorted by one of COVERAGE_SORTS, ties in the tree's order; unknown sorts keep it."""
    rows = sorted(rows, key=lambda row: row.org.path)
    if sort not in COVERAGE_SORTS:
        return rows
    figure = COVERAGE_SORTS[sort]
    if figure is None:
        return rows[::-1] if descending else rows
    known = [row for row in rows if figure(row.coverage) is not None]
    unknown = [row for row in rows if figure(row.coverage) is None]
    # Python's sort is stable, also reversed: equal figures keep the tree's order.
    return sorted(known, key=lambda row: figure(row.coverage), reverse=descending) + unknown


# --- One pledge -----------------------------------------------------------------------------------


@dataclass
class PledgeSheet:
    """What a pledge's page shows."""

    pledge: Pledge
    steps: list[workflow.Step]  # what the user may do now
    is_owner: bool
    overdue: bool
    events: list[PledgeEvent]
    progress: list[PledgeProgress]
    trail: list[TrailEntry]

    @property
    def corrections(self) -> list[PledgeEvent]:
        return [event for event in self.events if event.kind == EventKind.CORRECTION]


def pledge_sheet(pledge: Pledge, *, user) -> PledgeSheet:
    return PledgeSheet(
        pledge,
        steps=workflow.available_steps(user, pledge),
        is_owner=access.is_owner_side(user, pledge),
        overdue=pledge.is_overdue(timezone.localdate()),
        events=list(pledge.events.select_related("actor")),
        progress=list(pledge.progress.select_related("created_by")),
        trail=pledge_trail(pledge),
    )


def pledge_trail(pledge: Pledge) -> list[TrailEntry]:
    """The audit trail of the pledge and of its progress records, newest first."""
    return trail(of(Pledge, pledge.pk), under(PledgeProgress, pledge.pk))


# --- The public board (公开栏) ----------------------------------------------------------------

BOARD_QUERY_LENGTH = 20  # a name, or part of one


def board_query(text: str) -> str:
    """What a visitor typed in the board's search, made safe to look up and to key a cache
    with: control and invisible characters (a NUL, which PostgreSQL refuses) dropped, spaces
    collapsed, cut to BOARD_QUERY_LENGTH characters."""
    kept = "".join(c if unicodedata.category(c)[0] != "C" else " " for c in text)
    return " ".join(kept.split())[:BOARD_QUERY_LENGTH]


@dataclass
class BoardEntry:
    pledge: Pledge  # annotated with latest_progress and latest_on, the newest 践诺 record
    overdue: bool
    corrections: list[PledgeEvent] = field(default_factory=list)


@dataclass
class Board:
    org: Organization
    campaign: Campaign | None  # None: no active campaign covers the organisation
    entries: list[BoardEntry]
    children: list[Organization]  # the active organisations below, whose boards it links to


def board_version(org: Organization, campaign: Campaign | None) -> tuple:
    """Changes with everything public_board shows: the organisation's pledges in the campaign and
    their progress, the organisation, its members and its children (the (id, version) pairs of
    their counter rows), the campaign's name, and the day (what is overdue). One statement."""
    family, params = family_versions_sql(org)
    with connection.cursor() as cursor:
        cursor.execute(
            f"{family} UNION ALL SELECT 0, version FROM {PledgeTally._meta.db_table} "
            f"WHERE campaign_id = %s AND organization_id = %s",
            [*params, getattr(campaign, "pk", 0), org.pk],
        )
        rows = sorted(cursor.fetchall())
    stamp = (campaign.pk, campaign.name) if campaign else None
    return (org.pk, stamp, rows, timezone.localdate())


def public_board(org: Organization, campaign: Campaign | None, name: str = "") -> Board:
    """What the public may know of an organisation's pledges: names and public pledges of the
    campaign (access.get_public_board), with their corrections and latest progress; the
    organisation's own first. With `name`, only the pledges of owners whose name holds it
    (the board's search; board_query cleans it)."""
    children = list(Organization.objects.get_children(org).filter(active=True).only("name"))
    if campaign is None:
        return Board(org, None, [], children)
    # The signed 承诺书 kept as a progress record (bulk.attach_signed_letter) is no progress.
    latest = (
        PledgeProgress.objects.filter(pledge=OuterRef("pk"))
        .exclude(text__startswith=SIGNED_LETTER_MARK)
        .order_by("-happened_on", "-id")
    )
    pledges = (
        Pledge.objects.filter(campaign=campaign)
        .public()
        .select_related("member", "organization")
        .annotate(
            latest_progress=Subquery(latest.values("text")[:1]),
            latest_on=Subquery(latest.values("happened_on")[:1]),
        )
        .order_by("deadline", "id")
    )
    # Two indexed lookups rather than one OR across both owners, which the planner can only
    # serve by scanning the campaign's pledges.
    members = Member.objects.filter(branch=org, active=True)
    if name:
        members = members.filter(name__icontains=name)
    own = (
        []
        if name and name.casefold() not in org.name.casefold()
        else pledges.filter(organization=org)
    )
    rows = [*own, *pledges.filter(member__in=members.values("pk"))]
    corrections: dict[int, list[PledgeEvent]] = {}
    if rows:
        events = PledgeEvent.objects.filter(
            pledge__in=[p.pk for p in rows], kind=EventKind.CORRECTION
        ).only("pledge_id", "at", "comment")
        for event in events:
            corrections.setdefault(event.pledge_id, []).append(event)
    today = timezone.localdate()
    entries = [BoardEntry(p, p.is_overdue(today), corrections.get(p.pk, [])) for p in rows]
    return Board(org, campaign, entries, children)
