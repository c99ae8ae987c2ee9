"""The dashboard (督查评促's figures) of an organisation's subtree and of each of its children.

Every figure of a unit comes from `figures_by_node`, which reads the apps' counter rows in three
statements whatever the size of the district (coverage, pledges by state with the overdue ones,
reviews with evaluations and rectifications); the home, the ranking, the exports and the report
use it too, so that they agree. What changes with the clock (overdue pledges and rectifications,
reviews due by today) is counted on the day asked, never stored.
"""

import datetime
import json
from dataclasses import dataclass

from django.utils.translation import gettext as _

from campaign.models import Campaign
from campaign.requirements import requirements_of, reviews_due
from core import rollups
from orgs.models import MemberTally, Organization
from pledges.models import PledgeState, PledgeTally
from pledges.selectors import Coverage, PledgeCounts, coverage_by_node, pledge_counts_by_node
from reviews.models import RectificationTally, ReviewTally, RoundTally
from reviews.selectors import ReviewSums, review_sums_by_node


@dataclass(frozen=True)
class Figures:
    """One unit's figures: its subtree's coverage (两个100%), pledges, reviews, evaluations and
    rectifications, on the day they were counted."""

    coverage: Coverage
    pledges: PledgeCounts
    reviews: ReviewSums


@dataclass(frozen=True)
class Unit:
    org: Organization
    figures: Figures


@dataclass(frozen=True)
class Dashboard:
    org: Organization
    campaign: Campaign
    today: datetime.date
    whole: Figures  # the organisation's subtree
    children: list[Unit]  # each child's subtree, in the tree's order
    reviews_due: int  # by today, per basic organisation


def figures_by_node(parents, campaign: Campaign, today: datetime.date) -> dict[int, Figures]:
    """The figures of the subtree of each parent and of each of its children, keyed by id."""
    coverage = coverage_by_node(parents, campaign)
    pledges = pledge_counts_by_node(parents, campaign, today)
    reviews = review_sums_by_node(parents, campaign, today)
    return {
        pk: Figures(
            coverage.get(pk, Coverage()),
            pledges.get(pk, PledgeCounts()),
            reviews.get(pk, ReviewSums()),
        )
        for pk in coverage.keys() | pledges.keys() | reviews.keys()
    }


def figures(org: Organization, campaign: Campaign, today: datetime.date) -> Figures:
    return figures_by_node([org], campaign, today)[org.pk]


def children_of(org: Organization) -> list[Organization]:
    """The units a dashboard splits an organisation into: its active children."""
    return list(Organization.objects.get_children(org).filter(active=True).order_by("path"))


def dashboard(org: Organization, campaign: Campaign, today: datetime.date) -> Dashboard:
    children = children_of(org)
    by_node = figures_by_node([org], campaign, today)
    empty = Figures(Coverage(), PledgeCounts(), ReviewSums())
    return Dashboard(
        org=org,
        campaign=campaign,
        today=today,
        whole=by_node[org.pk],
        children=[Unit(child, by_node.get(child.pk, empty)) for child in children],
        reviews_due=reviews_due(campaign, today, requirements_of(campaign)),
    )


def version(campaign: Campaign) -> tuple:
    """The stamps of the counter tables a dashboard reads (core.rollups.stamps): they grow with
    every committed change to what it shows, and are read from a few rows."""
    return rollups.stamps(PledgeTally, MemberTally, ReviewTally, RoundTally, RectificationTally)


# A chart of more units than this shows the ones lagging most (a bar each must stay readable on a
# phone and a projector); the table below it lists them all.
CHART_UNITS = 20


def lagging(units: list[Unit], count: int = CHART_UNITS) -> list[Unit]:
    """All the units when they are few, else the `count` with the lowest member coverage (then
    organisation coverage), in the tree's order."""
    if len(units) <= count:
        return units

    def rate(unit: Unit) -> tuple:
        coverage = unit.figures.coverage
        return (coverage.member_rate or 0, coverage.organization_rate or 0, unit.org.path)

    kept = {unit.org.pk for unit in sorted(units, key=rate)[:count]}
    return [unit for unit in units if unit.org.pk in kept]


def charts(board: Dashboard) -> dict:
    """The dashboard's charts as the JSON their canvases carry (static/js/dashboard-charts.js):
    coverage (两个100%) by child unit, and the pledges by state."""
    units = lagging(board.children)
    coverage = {
        "labels": [unit.org.name for unit in units],
        "series": [
            {
                "label": str(_("党员覆盖率")),
                "data": [u.figures.coverage.member_rate or 0 for u in units],
            },
            {
                "label": str(_("组织覆盖率")),
                "data": [u.figures.coverage.organization_rate or 0 for u in units],
            },
        ],
    }
    by_state = board.whole.pledges.by_state
    states = {
        "labels": [str(label) for _value, label in PledgeState.choices],
        "series": [
            {"label": str(_("承诺数")), "data": [by_state.get(v, 0) for v in PledgeState.values]}
        ],
    }
    return {
        "coverage_lagging": len(units) < len(board.children),
        "coverage_chart": json.dumps(coverage, ensure_ascii=False),
        "states_chart": json.dumps(states, ensure_ascii=False),
    }
