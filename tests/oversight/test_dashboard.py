"""The dashboard (oversight.dashboard, /dashboard/): every figure equals a count over the rows
themselves after writes of every kind, the rollups cannot drift unseen, the page's queries do not
grow with the district, and a user reaches only the units of their scope."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaign.requirements import requirements_of, reviews_due, reviews_due_this_period
from core import rollups
from orgs import services as org_services
from orgs.models import Organization, RoleKind, subtree_q
from oversight import dashboard
from pledges import workflow
from pledges.models import DONE_STATES, Pledge, PledgeState
from pledges.selectors import counted_coverage_by_node, expected_to_pledge
from reviews import evaluations
from reviews import services as review_services
from reviews.models import DEFAULT_ITEMS, EvaluationRound, LeaderReview, Rectification, RoundState
from reviews.selectors import ReviewSums

from ..conftest import _persona
from ..factories import MemberFactory, add_org, make_pledge

TODAY = datetime.date.today()
DAY = datetime.timedelta(days=1)


# --- The reference: every figure counted from the rows themselves -----------------------------


def _home(pledge: Pledge) -> Organization | None:
    if pledge.organization_id:
        return pledge.organization
    return pledge.member.branch if pledge.member.active else None


def _within(org: Organization, node: Organization) -> bool:
    return org.path.startswith(node.path)


def brute_force(node: Organization, campaign, today) -> dashboard.Figures:
    """The figures of `node`'s subtree, counted one row at a time in Python."""
    node.refresh_from_db()
    coverage = counted_coverage_by_node([node], [node], campaign)[node.pk]
    by_state = dict.fromkeys(PledgeState.values, 0)
    overdue = 0
    for pledge in Pledge.objects.filter(campaign=campaign).select_related(
        "organization", "member__branch"
    ):
        home = _home(pledge)
        if home is None or not _within(home, node):
            continue
        by_state[pledge.state] += 1
        overdue += pledge.deadline < today and pledge.state not in DONE_STATES
    pledges = dashboard.PledgeCounts(by_state, overdue)

    requirements = requirements_of(campaign)
    expected = list(
        Organization.objects.filter(subtree_q(node.path)).filter(expected_to_pledge(campaign))
    )
    counted = LeaderReview.objects.filter(campaign=campaign, organization__active=True).counted(
        requirements
    )
    held = {}
    for review in counted.select_related("organization"):
        if _within(review.organization, node):
            held[review.organization_id] = held.get(review.organization_id, 0) + 1
    due = reviews_due(campaign, today, requirements)
    due_period = reviews_due_this_period(campaign, today, requirements)
    rounds = [
        r
        for r in EvaluationRound.objects.filter(campaign=campaign, members_only=False)
        .exclude(state=RoundState.PREPARING)
        .select_related("organization")
        if _within(r.organization, node)
    ]
    finished = [r for r in rounds if r.state in (RoundState.CLOSED, RoundState.PUBLISHED)]
    votes = [evaluations.satisfaction_votes(r.results) for r in finished]
    rectifications = [
        r
        for r in Rectification.objects.select_related("organization")
        if _within(r.organization, node)
    ]
    closed = [r for r in rectifications if r.state == "closed"]
    reviews = ReviewSums(
        organizations=len(expected),
        held=sum(held.values()),
        reviewed=sum(1 for org in expected if held.get(org.pk, 0) >= due),
        owed_this_period=sum(1 for org in expected if held.get(org.pk, 0) < due_period),
        rounds=len(rounds),
        evaluated=len({r.organization_id for r in rounds} & {org.pk for org in expected}),
        finished=len(finished),
        satisfied_votes=sum(v["satisfied_votes"] for v in votes),
        rated_votes=sum(v["rated_votes"] for v in votes),
        rectifications_open=sum(1 for r in rectifications if r.state != "closed"),
        rectifications_overdue=sum(1 for r in rectifications if r.is_overdue(today)),
        rectifications_closed=len(closed),
        rectifications_on_time=sum(
            1 for r in closed if r.reported_on is not None and r.reported_on <= r.deadline
        ),
    )
    return dashboard.Figures(coverage, pledges, reviews)


def _assert_agrees(node, campaign, today=TODAY):
    """The dashboard of `node` (its whole and each child) equals the brute-force counts."""
    board = dashboard.dashboard(node, campaign, today)
    assert board.whole == brute_force(node, campaign, today), node.name
    for unit in board.children:
        assert unit.figures == brute_force(unit.org, campaign, today), unit.org.name


# --- A district with work of every kind -------------------------------------------------------


@pytest.fixture
def tess(district):
    """Secretary of 东城街道党工委: reviews and evaluates the branches below it."""
    return _persona("tess", district.east, RoleKind.SECRETARY)


def _review(campaign, by, org, member=None, rating="good"):
    return review_services.write_review(
        campaign,
        by=by,
        organization=org,
        member=member,
        held_on=TODAY,
        form="daily",
        rating=rating,
        achievements="成绩",
        direction="方向",
    )


def _finished_round(org, campaign, by, satisfied: int, dissatisfied: int):
    item = evaluations.create_round(
        org, campaign, by=by, title=f"{org.name}群众评议", starts_on=TODAY, ends_on=TODAY + DAY
    )
    item = evaluations.open_round(item, by=by)
    for index, code in enumerate(evaluations.issue_codes(item, by=by, group="public", count=8)):
        choice = "satisfied" if index < satisfied else "dissatisfied"
        if index < satisfied + dissatisfied:
            evaluations.answer(code, choices={name: choice for name in DEFAULT_ITEMS})
    return evaluations.close_round(item, by=by)


def _rectification(org, by, deadline):
    return review_services.register_rectification(
        org, by=by, problem="台账不全", responsible_person="书记", deadline=deadline
    )


def test_every_figure_equals_a_count_of_the_rows_after_writes_of_every_kind(
    client, district, campaign, tess, alice, olivia, ada
):
    east, west = district.east, district.west
    a, peace = district.branch_a, district.peace
    members = [district.member_a, *(MemberFactory(branch=a) for _ in range(4))]
    peace_members = [MemberFactory(branch=peace) for _ in range(3)]
    # Pledges, stepped through the workflow and written directly; some overdue.
    submitted = make_pledge(campaign, member=members[0], state="submitted")
    workflow.approve_pledge(submitted, by=alice)
    make_pledge(campaign, member=members[1], state="published", deadline=TODAY - DAY)
    make_pledge(campaign, member=members[2], state="completed", deadline=TODAY - DAY)
    make_pledge(campaign, member=members[3], state="draft")
    make_pledge(campaign, organization=a, state="fulfilling", deadline=TODAY - 2 * DAY)
    make_pledge(campaign, member=peace_members[0], state="published")
    make_pledge(campaign, member=peace_members[1], state="assessed", deadline=TODAY - DAY)
    make_pledge(campaign, member=district.member_b, state="fulfilling", deadline=TODAY - DAY)
    for node in (district.root, east, a):
        _assert_agrees(node, campaign)

    # The roster moves: a member with an overdue pledge leaves, another moves branch, a new
    # branch comes under 东城 and 和平 moves to 西山 with its members' pledges.
    org_services.deactivate_member(members[1], by=alice, reason="death", on=TODAY)
    org_services.move_member(peace_members[0], a, by=ada)
    newcomer = add_org(east, "新风社区党支部")
    make_pledge(campaign, member=MemberFactory(branch=newcomer), state="published")
    org_services.move_organization(peace, west, by=ada)
    Pledge.objects.filter(member=members[3]).update(state="submitted")  # a bulk write

    # Reviews (of an organisation, of a member; by the secretary above and by the office).
    _review(campaign, tess, a)
    _review(campaign, tess, a, member=members[0])
    _review(campaign, olivia, newcomer)
    _review(campaign, tess, newcomer)
    # Rounds: one finished with answers, one open, one a branch's own appraisal.
    _finished_round(a, campaign, tess, satisfied=6, dissatisfied=2)
    evaluations.open_round(
        evaluations.create_round(
            newcomer, campaign, by=tess, title="评议", starts_on=TODAY, ends_on=TODAY + DAY
        ),
        by=tess,
    )
    # Rectifications: one reported on time and closed, one overdue, one returned.
    done = _rectification(a, tess, TODAY + 5 * DAY)
    review_services.report_rectification(done, by=alice, note="已整改")
    review_services.close_rectification(done, by=tess)
    late = _rectification(newcomer, tess, TODAY + DAY)
    Rectification.objects.filter(pk=late.pk).update(deadline=TODAY - DAY)
    _rectification(a, tess, TODAY + 3 * DAY)

    for node in (district.root, east, west, a, newcomer):
        _assert_agrees(node, campaign)
    whole = dashboard.figures(district.root, campaign, TODAY)
    assert whole.reviews.rectifications_overdue == 1
    assert whole.reviews.rectifications_on_time == 1
    assert whole.reviews.satisfaction == 75.0

    # What three users at three levels read on their dashboard is what was counted.
    charlie = _persona("charlie", east, RoleKind.LEADER)
    for user, node in ((olivia, district.root), (charlie, east), (alice, a)):
        client.force_login(user)
        page = client.get("/dashboard/").content.decode()
        figures = brute_force(node, campaign, TODAY)
        cov, reviews = figures.coverage, figures.reviews
        assert f"{cov.pledged_members}/{cov.members}" in page, user.username
        assert f'<div class="stat text-danger">{figures.pledges.overdue}</div>' in page
        assert f"{reviews.reviewed}/{reviews.organizations} 个组织" in page

    # Tomorrow, nothing written: what was due today is overdue, without a write to count it.
    tomorrow = TODAY + 2 * DAY
    for node in (district.root, east):
        _assert_agrees(node, campaign, tomorrow)


def test_the_page_shows_the_scope_and_drills_down_one_level(
    client, district, campaign, olivia, alice
):
    make_pledge(campaign, member=district.member_a, state="published")
    client.force_login(olivia)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"/dashboard/?org={district.east.pk}&amp;campaign={campaign.pk}" in html
    assert f"/pledges/org/{district.root.pk}/list/?campaign={campaign.pk}&amp;overdue=1" in html
    # Each unit's figures link to the lists behind them, with their counts below.
    east_missing = f'<a href="/pledges/org/{district.east.pk}/missing/?campaign={campaign.pk}">'
    assert east_missing in html and "<small>1/1</small>" in html
    response = client.get(f"/dashboard/?org={district.east.pk}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "上一级：某某区委" in html and district.branch_a.name in html
    client.force_login(alice)
    assert client.get(f"/dashboard/?org={district.east.pk}").status_code == 404
    assert client.get(f"/dashboard/?org={district.branch_b.pk}").status_code == 404
    assert client.get("/dashboard/").status_code == 200


def test_the_lists_behind_the_figures_hold_what_they_count(
    client, district, campaign, olivia, alice
):
    make_pledge(campaign, member=district.member_a, state="published", deadline=TODAY - DAY)
    make_pledge(campaign, organization=district.branch_a, state="completed", deadline=TODAY - DAY)
    make_pledge(campaign, member=district.member_b, state="draft", deadline=TODAY - DAY)
    client.force_login(olivia)
    url = f"/pledges/org/{district.east.pk}/list/?campaign={campaign.pk}"
    rows = client.get(url + "&overdue=1").context["page"].object_list
    figures = dashboard.figures(district.east, campaign, TODAY)
    assert len(rows) == figures.pledges.overdue == 1
    rows = client.get(url + "&state=completed").context["page"].object_list
    assert len(rows) == figures.pledges.by_state["completed"] == 1
    client.force_login(alice)
    other = f"/pledges/org/{district.branch_b.pk}/list/?campaign={campaign.pk}"
    assert client.get(other).status_code == 404
    assert client.get(f"/reviews/evaluations/?org={district.branch_b.pk}").status_code == 404
    assert client.get(f"/reviews/behind/?org={district.branch_b.pk}").status_code == 404


# --- The rollups cannot drift unseen ----------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("reviews_reviewtally", "own"),
        ("reviews_roundtally", "satisfied_votes"),
        ("reviews_rectificationtally", "open"),
    ],
)
def test_verify_finds_and_fix_repairs_a_drift_planted_by_raw_sql(
    district, campaign, tess, alice, table, column, capsys
):
    _review(campaign, tess, district.branch_a)
    _finished_round(district.branch_a, campaign, tess, satisfied=5, dissatisfied=1)
    _rectification(district.branch_a, tess, TODAY + DAY)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = {column} + 7")
    drifted = {d.rollup for r in rollups.registered() for d in rollups.verify(r)}
    assert len(drifted) == 1
    call_command("rollups", "--fix")
    assert not [d for r in rollups.registered() for d in rollups.verify(r)]
    _assert_agrees(district.east, campaign)


# --- Queries that do not grow with the district -----------------------------------------------


def _page_queries(client, org, cache) -> int:
    """The dashboard's statements once the process's copies are warm, its figures not cached."""
    assert client.get(f"/dashboard/?org={org.pk}").status_code == 200
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/dashboard/?org={org.pk}").status_code == 200
    return len(queries)


def test_the_page_costs_the_same_queries_for_10_and_200_units(
    client, district, campaign, olivia, local_cache
):
    client.force_login(olivia)
    for index in range(10):
        MemberFactory(branch=add_org(district.east, f"甲{index}支部"))
    small = _page_queries(client, district.east, local_cache)
    for index in range(190):
        MemberFactory(branch=add_org(district.east, f"乙{index}支部"))
    large = _page_queries(client, district.east, local_cache)
    assert small == large <= 10
    # The figures themselves: three statements over the counters, whatever the size (and the
    # campaign's requirements, when the caller has not read them).
    with CaptureQueriesContext(connection) as queries:
        dashboard.figures_by_node([district.root], campaign, TODAY)
    figures = [q for q in queries if "campaign_requirements" not in q["sql"]]
    assert len(figures) == 3


def test_a_name_with_markup_is_escaped_in_every_part_of_the_dashboard(
    client, district, campaign, olivia
):
    """The children's table is built in Python (views_dashboard.Cell) and the charts carry the
    names in an attribute: a stored payload shows as text everywhere."""
    payload = '<script>alert("x")</script>'
    district.east.name = payload
    district.east.save()
    client.force_login(olivia)
    for url in ("/dashboard/", f"/dashboard/ranking/?org={district.root.pk}"):
        html = client.get(url).content.decode()
        assert payload not in html, url
        assert "&lt;script&gt;alert(" in html, url
