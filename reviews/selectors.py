"""Reads shared by the review pages (and later the dashboards, exports and reminders).

The review figure of an organisation — reviews held vs due so far — comes from `review_figures`
(one organisation) and `behind` (many, one statement); both count with
`LeaderReview.objects.counted` and `campaign.requirements.reviews_due`, so every page agrees.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import (
    BooleanField,
    Case,
    Count,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from campaign.models import Campaign, Requirements
from campaign.requirements import (
    Period,
    current_period,
    requirements_of,
    reviews_due,
    reviews_due_this_period,
)
from core.people import display_name
from orgs.models import Organization, OrgKind, Role, Sector, subtree_q
from orgs.rollups import subtree_sums
from pledges.models import Pledge
from pledges.selectors import EXPECTED_SQL, expected_params, expected_to_pledge, percent

from .access import REVIEWING_ROLES
from .models import (
    OVERDUE_STATES,
    LeaderReview,
    Rectification,
    RectificationState,
    RectificationTally,
    ReviewTally,
    RoundTally,
    overdue_q,
)

# How a behind list may be sorted: the query's key → the ordering.
BEHIND_SORTS = {
    "path": ("path",),
    "name": ("name", "path"),
    "held": ("held", "path"),
    "sector": ("sector", "path"),
    "kind": ("kind", "path"),
}


@dataclass(frozen=True)
class ReviewFigures:
    held: int  # counted reviews held so far
    due: int  # due by today
    due_this_period: int  # due by the end of the current period
    period: Period | None

    @property
    def behind(self) -> bool:
        return self.held < self.due

    @property
    def owed_this_period(self) -> int:
        return max(self.due_this_period - self.held, 0)


def reviewed_organizations(campaign: Campaign):
    """The organisations a campaign asks reviews of: its basic organisations, as for pledges."""
    return Organization.objects.within(campaign.organization).filter(expected_to_pledge(campaign))


def counted_reviews(campaign: Campaign, on: datetime.date, requirements: Requirements):
    return LeaderReview.objects.filter(
        campaign=campaign, held_on__lte=on, organization__active=True
    ).counted(requirements)


def review_figures(org: Organization, campaign: Campaign, on: datetime.date) -> ReviewFigures:
    requirements = requirements_of(campaign)
    held = counted_reviews(campaign, on, requirements).filter(organization=org).count()
    return ReviewFigures(
        held=held,
        due=reviews_due(campaign, on, requirements),
        due_this_period=reviews_due_this_period(campaign, on, requirements),
        period=current_period(campaign, on, requirements),
    )


def with_held(orgs, campaign: Campaign, on: datetime.date, requirements: Requirements):
    """The organisations, each annotated with `held`: its counted reviews so far."""
    held = (
        counted_reviews(campaign, on, requirements)
        .filter(organization=OuterRef("pk"))
        .order_by()
        .values("organization")
        .annotate(n=Count("id"))
        .values("n")
    )
    return orgs.annotate(held=Coalesce(Subquery(held, output_field=IntegerField()), Value(0)))


@dataclass
class BehindFilter:
    sector: str = ""
    kind: str = ""
    search: str = ""
    sort: str = "path"


def behind(orgs, campaign: Campaign, on: datetime.date, due: int, wanted: BehindFilter):
    """Of `orgs` (already in the user's scope), the basic organisations of the campaign with fewer
    counted reviews than `due`, annotated with `held`, filtered and sorted as asked."""
    requirements = requirements_of(campaign)
    orgs = orgs.filter(subtree_q(campaign.organization.path)).filter(expected_to_pledge(campaign))
    if wanted.sector in Sector.values:
        orgs = orgs.filter(sector=wanted.sector)
    if wanted.kind in OrgKind.values:
        orgs = orgs.filter(kind=wanted.kind)
    if wanted.search:
        orgs = orgs.filter(name__contains=wanted.search)
    orgs = with_held(orgs, campaign, on, requirements).filter(held__lt=due)
    return orgs.order_by(*BEHIND_SORTS.get(wanted.sort, BEHIND_SORTS["path"]))


@dataclass
class Reviewer:
    name: str
    role: str  # the role's label
    organization: str


def possible_reviewers(orgs, requirements: Requirements) -> dict[int, list[Reviewer]]:
    """For each organisation, the responsible people of the nearest level above it that has any
    (a secretary or leader role there; the office too when its reviews count): one statement for
    the whole page."""
    kinds = [k for k in REVIEWING_ROLES if k != "office" or requirements.count_office_reviews]
    paths = {path for org in orgs for path in org.ancestor_paths()}
    roles = (
        Role.objects.filter(organization__path__in=paths, kind__in=kinds, user__is_active=True)
        .select_related("user", "organization")
        .order_by("organization__path", "kind", "user__first_name", "user__username")
    )
    by_path = defaultdict(list)
    for role in roles:
        by_path[role.organization.path].append(
            Reviewer(display_name(role.user), role.get_kind_display(), role.organization.name)
        )
    found = {}
    for org in orgs:
        nearest = next((p for p in reversed(org.ancestor_paths()) if p in by_path), None)
        found[org.pk] = by_path[nearest] if nearest else []
    return found


def pledges_to_review(campaign: Campaign, org: Organization, member=None, keep=None):
    """The pledges a review may look at: the member's, or the organisation's own and those of its
    active members, in the campaign; with `keep` (a review being edited), also those it looked at
    already, whose member may have moved or left since."""
    if member is not None:
        wanted = Q(member=member)
    else:
        wanted = Q(organization=org) | Q(member__branch=org, member__active=True)
    if keep is not None:
        wanted |= Q(pk__in=keep.pledges.values("pk"))
    pledges = Pledge.objects.filter(wanted, campaign=campaign)
    return pledges.select_related("member", "organization").order_by(
        "organization", "member__name", "id"
    )


@dataclass
class RegisterFilter:
    state: str = ""
    overdue: bool = False
    source: str = ""
    search: str = ""


def register(rectifications, today: datetime.date, wanted: RegisterFilter, under=None):
    """The rectification register (挂号销号台账): rows in the user's scope (`rectifications`),
    within `under`'s subtree when given, filtered as asked, the open ones first by deadline."""
    rows = rectifications.select_related("organization", "registered_by_org")
    if under is not None:
        rows = rows.filter(subtree_q(under.path, "organization__path"))
    if wanted.state in RectificationState.values:
        rows = rows.filter(state=wanted.state)
    if wanted.overdue:
        rows = rows.overdue(today)
    if wanted.source:
        rows = rows.filter(source=wanted.source)
    if wanted.search:
        rows = rows.filter(Q(problem__contains=wanted.search) | Q(organization__name=wanted.search))
    closed_last = Case(When(state=RectificationState.CLOSED, then=1), default=0)
    # Each row says whether it is overdue (the rule of overdue_q), for the page to mark it.
    late = Case(When(overdue_q(today), then=True), default=False, output_field=BooleanField())
    return rows.alias(closed=closed_last).annotate(late=late).order_by("closed", "deadline", "id")


@dataclass
class RectificationCounts:
    open: int = 0
    overdue: int = 0
    by_state: dict = field(default_factory=dict)


def rectification_counts(rectifications, today: datetime.date) -> RectificationCounts:
    """Open and overdue rectifications and the count in each state, in one statement."""
    figures = rectifications.aggregate(
        **{state: Count("id", filter=Q(state=state)) for state in RectificationState.values},
        overdue=Count("id", filter=overdue_q(today)),
    )
    by_state = {state: figures[state] for state in RectificationState.values}
    open_count = sum(n for state, n in by_state.items() if state != RectificationState.CLOSED)
    return RectificationCounts(open=open_count, overdue=figures["overdue"], by_state=by_state)


# --- Figures over subtrees, from the counter rows (reviews/rollups.py) --------------------------


@dataclass(frozen=True)
class ReviewSums:
    """The reviews' figures of a subtree on a day: leader reviews held vs due, 群众评议 rounds
    and satisfaction, rectifications. Rates are recomputed from the summed counts."""

    organizations: int = 0  # basic organisations (expected to pledge, so to be reviewed)
    held: int = 0  # counted reviews held of active organisations
    reviewed: int = 0  # basic organisations with every review due so far
    owed_this_period: int = 0  # basic organisations short of what the period's end asks
    rounds: int = 0  # evaluation rounds opened (not a branch's own 党员民主评议)
    evaluated: int = 0  # basic organisations with a round
    finished: int = 0  # rounds closed or published
    satisfied_votes: int = 0  # answers 满意 or 基本满意 in finished rounds
    rated_votes: int = 0  # all their answers
    rectifications_open: int = 0
    rectifications_overdue: int = 0  # on the day counted
    rectifications_closed: int = 0
    rectifications_on_time: int = 0  # closed, having been reported by their deadline

    @property
    def reviewed_rate(self) -> float | None:
        return percent(self.reviewed, self.organizations)

    @property
    def evaluated_rate(self) -> float | None:
        return percent(self.evaluated, self.organizations)

    @property
    def satisfaction(self) -> float | None:
        return percent(self.satisfied_votes, self.rated_votes)

    @property
    def on_time_rate(self) -> float | None:
        """Of the rectifications closed or overdue, the share closed on time."""
        return percent(
            self.rectifications_on_time, self.rectifications_closed + self.rectifications_overdue
        )


def held_sql(requirements: Requirements, tally: str = "rv") -> str:
    """The reviews a campaign counts (ReviewQuerySet.counted), as a sum of the columns of a
    ReviewTally row named `tally`."""
    columns = ["own"]
    if requirements.count_office_reviews:
        columns.append("own_office")
    if requirements.count_member_reviews:
        columns.append("of_members")
        if requirements.count_office_reviews:
            columns.append("of_members_office")
    return "(" + " + ".join(f"COALESCE({tally}.{c}, 0)" for c in columns) + ")"


def review_sums_by_node(parents, campaign: Campaign, on: datetime.date) -> dict[int, ReviewSums]:
    """ReviewSums over the subtree of each parent and of each of its children, keyed by id: one
    statement over the counter rows, with the rectifications overdue on `on` counted from the
    rectifications themselves (index rectification_state_deadline)."""
    requirements = requirements_of(campaign)
    due = reviews_due(campaign, on, requirements)
    due_this_period = reviews_due_this_period(campaign, on, requirements)
    expected, held = EXPECTED_SQL, held_sql(requirements)
    overdue_states = ", ".join(f"'{state.value}'" for state in OVERDUE_STATES)
    sums = subtree_sums(
        parents,
        [
            f"SUM(CASE WHEN {expected} THEN 1 ELSE 0 END)",
            f"SUM(CASE WHEN o.active THEN {held} ELSE 0 END)",
            f"SUM(CASE WHEN {expected} AND {held} >= %s THEN 1 ELSE 0 END)",
            f"SUM(CASE WHEN {expected} AND {held} < %s THEN 1 ELSE 0 END)",
            "SUM(COALESCE(rt.rounds, 0))",
            f"SUM(CASE WHEN {expected} AND rt.rounds > 0 THEN 1 ELSE 0 END)",
            "SUM(COALESCE(rt.finished, 0))",
            "SUM(COALESCE(rt.satisfied_votes, 0))",
            "SUM(COALESCE(rt.rated_votes, 0))",
            "SUM(COALESCE(rc.open, 0))",
            "SUM(COALESCE(od.n, 0))",
            "SUM(COALESCE(rc.closed, 0))",
            "SUM(COALESCE(rc.on_time, 0))",
        ],
        f"LEFT JOIN {ReviewTally._meta.db_table} AS rv "
        f"ON rv.organization_id = o.id AND rv.campaign_id = %s "
        f"LEFT JOIN {RoundTally._meta.db_table} AS rt "
        f"ON rt.organization_id = o.id AND rt.campaign_id = %s "
        f"LEFT JOIN {RectificationTally._meta.db_table} AS rc ON rc.organization_id = o.id "
        f"LEFT JOIN (SELECT organization_id, COUNT(*) AS n FROM {Rectification._meta.db_table} "
        f"WHERE state IN ({overdue_states}) AND deadline < %s GROUP BY organization_id) AS od "
        f"ON od.organization_id = o.id",
        [
            *expected_params(campaign),
            *expected_params(campaign),
            due,
            *expected_params(campaign),
            due_this_period,
            *expected_params(campaign),
            campaign.pk,
            campaign.pk,
            on,
        ],
    )
    return {pk: ReviewSums(*figures) for pk, figures in sums.items()}
