"""The pledges' cards on the home page (core/home.py), registered in PledgesConfig.ready().

A secretary of one branch sees what is left to do on it during the campaign: "本支部 23/38 已公开"
with 未录入 / 待提交 / 待审诺 / 逾期, each a button opening that work. A leader, the office, an
admin or a superuser sees the coverage of each organisation at the top of their scope and the
units below it that lag most. Figures come from the functions the coverage pages use
(selectors.coverage, selectors.branch_coverage) and from the counter rows: nothing is counted
here but the overdue pledges of one branch.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign import access as campaign_access
from campaign.models import Campaign
from core.home import Card, Item
from orgs import access as org_access
from orgs.models import Member, Organization

from . import selectors
from .models import Pledge, PledgeState, PledgeTally

# Organisations at the top of a scope that get a card (a superuser's scope is every root).
MAX_CARDS = 5
# Units that lag shown under an organisation's coverage.
LAGGING = 5


@dataclass
class BranchTodo:
    """What is left to do on a branch in a campaign."""

    coverage: selectors.Coverage
    unrecorded: int  # active members with no pledge at all (未录入)
    drafts: int  # pledges in 调研承诺, to be submitted (待提交)
    submitted: int  # pledges awaiting the organisation's review (待审诺)
    overdue: int  # pledges past their deadline and not done


def branch_todo(org: Organization, campaign: Campaign, today: datetime.date) -> BranchTodo:
    """The branch's figures: its coverage (selectors.coverage), its counter row (pledges by
    state, its own pledge included) and its overdue pledges."""
    coverage = selectors.coverage(org, campaign)
    tally = (
        PledgeTally.objects.filter(campaign=campaign, organization=org)
        .values("draft", "submitted")
        .first()
    ) or {"draft": 0, "submitted": 0}
    # Its own pledge and its active members', as the branch page marks them overdue.
    # The members as a subquery, not a join: with the join's OR PostgreSQL filtered the campaign's
    # every pledge (192 ms on the 5x bench district); so it looks up the two owners by index.
    members = Member.objects.filter(branch=org, active=True).values("pk")
    owners = Q(organization=org) | Q(member_id__in=members)
    overdue = Pledge.objects.filter(owners, campaign=campaign).overdue(today).count()
    return BranchTodo(
        coverage=coverage,
        unrecorded=coverage.unrecorded_members,
        drafts=tally["draft"],
        submitted=tally["submitted"],
        overdue=overdue,
    )


@dataclass
class Overview:
    """The coverage of an organisation's subtree and the children that lag most."""

    coverage: selectors.Coverage
    lagging: list[selectors.NodeCoverage]


def _lag(node: selectors.NodeCoverage) -> tuple:
    coverage = node.coverage
    return (
        coverage.member_rate if coverage.member_rate is not None else 100.0,
        coverage.organization_rate if coverage.organization_rate is not None else 100.0,
        node.org.name,
    )


def overview(org: Organization, campaign: Campaign, lagging: int = LAGGING) -> Overview:
    """The organisation's coverage and its `lagging` active children of lowest coverage (members'
    rate, then organisations'), leaving out those with nothing missing: selectors.branch_coverage,
    as the coverage page reads it."""
    coverage, children = selectors.branch_coverage(org, campaign)
    behind = [
        node
        for node in children
        if node.coverage.missing_members or node.coverage.missing_organizations
    ]
    return Overview(coverage, sorted(behind, key=_lag)[:lagging])


def _branch_url(org: Organization, **query) -> str:
    url = reverse("pledges:branch", args=[org.pk])
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def _tone(count: int, tone: str) -> str:
    return tone if count else "secondary"


def branch_card(org: Organization, campaign: Campaign, today: datetime.date) -> Card:
    todo = branch_todo(org, campaign, today)
    coverage = todo.coverage
    return Card(
        title=org.name,
        subtitle=campaign.name,
        url=_branch_url(org),
        summary=_("本支部 %(pledged)s/%(members)s 已公开")
        % {"pledged": coverage.pledged_members, "members": coverage.members},
        items=[
            Item(
                _("%(n)s 人未录入") % {"n": todo.unrecorded},
                reverse("pledges:missing", args=[org.pk]) + "?state=none",
                todo.unrecorded,
                _tone(todo.unrecorded, "warning"),
            ),
            Item(
                _("%(n)s 项待提交") % {"n": todo.drafts},
                _branch_url(org, state=PledgeState.DRAFT),
                todo.drafts,
                _tone(todo.drafts, "warning"),
            ),
            Item(
                _("%(n)s 项待审诺") % {"n": todo.submitted},
                _branch_url(org, state=PledgeState.SUBMITTED),
                todo.submitted,
                _tone(todo.submitted, "warning"),
            ),
            Item(
                _("%(n)s 项逾期") % {"n": todo.overdue},
                _branch_url(org, state="overdue"),
                todo.overdue,
                _tone(todo.overdue, "danger"),
            ),
        ],
        order=10,
    )


def overview_card(org: Organization, campaign: Campaign) -> Card:
    figures = overview(org, campaign)
    coverage = figures.coverage
    summary = _("党员 %(pm)s/%(m)s 已公开（%(mr)s） · 党组织 %(po)s/%(o)s 已公开（%(or)s）") % {
        "pm": coverage.pledged_members,
        "m": coverage.members,
        "mr": selectors.percent_text(coverage.member_rate),
        "po": coverage.pledged_organizations,
        "o": coverage.organizations,
        "or": selectors.percent_text(coverage.organization_rate),
    }
    missing = reverse("pledges:missing", args=[org.pk])
    rows = [
        Item(
            _("%(name)s · 党员 %(mr)s · 党组织 %(or)s")
            % {
                "name": node.org.name,
                "mr": selectors.percent_text(node.coverage.member_rate),
                "or": selectors.percent_text(node.coverage.organization_rate),
            },
            _branch_url(node.org),
            node.coverage.missing_members,
            "warning",
        )
        for node in figures.lagging
    ]
    return Card(
        title=org.name,
        subtitle=campaign.name,
        url=_branch_url(org),
        summary=summary,
        items=[
            Item(
                _("%(n)s 名党员未公开") % {"n": coverage.missing_members},
                missing,
                coverage.missing_members,
                _tone(coverage.missing_members, "warning"),
            ),
            Item(
                _("%(n)s 个党组织未公开") % {"n": coverage.missing_organizations},
                missing,
                coverage.missing_organizations,
                _tone(coverage.missing_organizations, "warning"),
            ),
            Item(_("查看覆盖情况"), _branch_url(org), 0, "primary"),
        ],
        list_title=_("进度靠后的单位") if rows else "",
        rows=rows,
        order=20,
    )


def is_branch(org: Organization) -> bool:
    """An organisation with members and nothing below it: its card is the branch's to-do."""
    return org.holds_members and org.numchild == 0


def cards(user) -> list[Card]:
    """A card per organisation at the top of the user's scope that takes part in a campaign."""
    today = timezone.localdate()
    result = []
    for org in org_access.roots_for(user)[:MAX_CARDS]:
        campaign = campaign_access.current_campaign(user, org)
        if campaign is None:
            continue
        if is_branch(org):
            result.append(branch_card(org, campaign, today))
        else:
            result.append(overview_card(org, campaign))
    return result
