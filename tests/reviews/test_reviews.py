"""Leader reviews (领导点评): who may write them, what they hold, the 7-day edit window, and the
figures they feed (held vs due, the behind list)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaign.models import Requirements
from campaign.requirements import reviews_due
from orgs.models import OrgKind, RoleKind
from reviews import selectors, services
from reviews.models import LeaderReview, ReviewCorrection

from ..conftest import _persona
from ..factories import add_org, make_campaign, make_pledge
from .conftest import TODAY


def _write(client, data, **target):
    query = "&".join(f"{key}={value}" for key, value in target.items())
    return client.post(f"/reviews/new/?{query}", data)


def test_a_towns_secretary_reviews_its_branch(client, district, campaign, tess, review_data):
    pledge = make_pledge(campaign, member=district.member_a, state="published")
    client.force_login(tess)
    page = client.get(f"/reviews/new/?org={district.branch_a.pk}")
    assert page.status_code == 200
    assert pledge.title in page.content.decode()
    response = _write(client, {**review_data, "pledges": [pledge.pk]}, org=district.branch_a.pk)
    review = LeaderReview.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reviews/{review.pk}/"
    assert review.organization == district.branch_a and review.member is None
    assert (review.reviewer_org, review.reviewer_role) == (district.east, RoleKind.SECRETARY)
    assert list(review.pledges.all()) == [pledge]
    assert review.campaign == campaign
    # The branch's secretary reads it; the detail page names the reviewer.
    client.force_login(_persona("alice", district.branch_a, RoleKind.SECRETARY))
    page = client.get(f"/reviews/{review.pk}/").content.decode()
    assert "党员承诺内容空泛" in page and "东城街道党工委" in page


def test_a_leader_above_reviews_a_member(client, district, campaign, charlie, review_data):
    client.force_login(charlie)
    response = _write(client, review_data, member=district.member_a.pk)
    assert response.status_code == 302
    review = LeaderReview.objects.get()
    assert (review.organization, review.member) == (district.branch_a, district.member_a)
    assert review.reviewer_role == RoleKind.LEADER


@pytest.mark.parametrize("kind", [RoleKind.SECRETARY, RoleKind.LEADER])
def test_nobody_reviews_their_own_branch(client, district, campaign, review_data, kind):
    own = _persona("own", district.branch_a, kind)
    client.force_login(own)
    assert client.get(f"/reviews/new/?org={district.branch_a.pk}").status_code == 403
    assert _write(client, review_data, org=district.branch_a.pk).status_code == 403
    assert _write(client, review_data, member=district.member_a.pk).status_code == 403
    assert not LeaderReview.objects.exists()


def test_a_reviewer_outside_the_ancestors_gets_404(client, district, campaign, bob, review_data):
    west_secretary = _persona("wes", district.west, RoleKind.SECRETARY)
    for user in (bob, west_secretary):
        client.force_login(user)
        assert client.get(f"/reviews/new/?org={district.branch_a.pk}").status_code == 404
        assert _write(client, review_data, member=district.member_a.pk).status_code == 404
    assert not LeaderReview.objects.exists()


def test_bad_input_is_refused_in_chinese_and_keeps_what_was_typed(
    client, district, campaign, tess, review_data
):
    client.force_login(tess)
    tomorrow = (TODAY + datetime.timedelta(days=1)).isoformat()
    response = _write(client, {**review_data, "held_on": tomorrow}, org=district.branch_a.pk)
    page = response.content.decode()
    assert response.status_code == 200
    assert "点评日期不能晚于今天" in page
    assert "下一步细化承诺" in page  # what was typed is still there
    response = _write(
        client, {**review_data, "achievements": "", "rating": ""}, org=district.branch_a.pk
    )
    assert "请写明主要成绩" in response.content.decode()
    assert "请选择总体评价" in response.content.decode()
    assert not LeaderReview.objects.exists()


def test_only_the_targets_pledges_may_be_chosen(district, campaign, tess, review_data):
    other = make_pledge(campaign, member=district.member_b, state="published")
    data = {**review_data, "held_on": TODAY}
    with pytest.raises(Exception) as refused:
        services.write_review(
            campaign, by=tess, organization=district.branch_a, pledges=[other], **data
        )
    assert "只能选择被点评对象" in str(refused.value)


def _review(campaign, by, org, **fields):
    data = {
        "held_on": TODAY,
        "form": "daily",
        "rating": "good",
        "achievements": "成绩",
        "direction": "方向",
        **fields,
    }
    return services.write_review(campaign, by=by, organization=org, **data)


def test_the_author_edits_for_seven_days_then_only_corrects_with_a_reason(
    client, district, campaign, tess, charlie, review_data
):
    review = _review(campaign, tess, district.branch_a)
    client.force_login(tess)
    response = client.post(f"/reviews/{review.pk}/edit/", {**review_data, "rating": "average"})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.rating == "average" and not ReviewCorrection.objects.exists()
    # Eight days later the review is fixed: a change needs a reason and is kept as a correction.
    LeaderReview.objects.filter(pk=review.pk).update(
        created_at=review.created_at - datetime.timedelta(days=8)
    )
    response = client.post(f"/reviews/{review.pk}/edit/", {**review_data, "rating": "poor"})
    assert "须写明更正原因" in response.content.decode()
    assert LeaderReview.objects.get(pk=review.pk).rating == "average"
    data = {**review_data, "rating": "poor", "reason": "补充了座谈会后的情况"}
    assert client.post(f"/reviews/{review.pk}/edit/", data).status_code == 302
    correction = ReviewCorrection.objects.get()
    assert correction.changes["rating"] == ["average", "poor"]
    assert "补充了座谈会后的情况" in client.get(f"/reviews/{review.pk}/").content.decode()
    # Nobody else edits it, not even a leader above the same branch.
    client.force_login(charlie)
    assert client.get(f"/reviews/{review.pk}/edit/").status_code == 403


def test_the_public_never_sees_a_review(client, district, campaign, tess):
    review = _review(campaign, tess, district.branch_a)
    response = client.get(f"/reviews/{review.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    board = client.get(f"/board/{district.branch_a.pk}/").content.decode()
    assert "方向" not in board


def test_what_counts_follows_the_campaign(district, campaign, tess, olivia):
    _review(campaign, tess, district.branch_a)
    _review(campaign, olivia, district.branch_a)  # by the office
    services.write_review(
        campaign,
        by=tess,
        organization=district.branch_a,
        member=district.member_a,
        held_on=TODAY,
        form="daily",
        rating="good",
        achievements="成绩",
        direction="方向",
    )
    assert selectors.review_figures(district.branch_a, campaign, TODAY).held == 1
    Requirements.objects.create(campaign=campaign, count_office_reviews=True)
    campaign.refresh_from_db()
    assert selectors.review_figures(district.branch_a, campaign, TODAY).held == 2
    Requirements.objects.filter(campaign=campaign).update(count_member_reviews=True)
    campaign.refresh_from_db()
    assert selectors.review_figures(district.branch_a, campaign, TODAY).held == 3


def test_the_organisation_page_shows_held_vs_due(client, district, campaign, tess):
    _review(campaign, tess, district.branch_a)
    client.force_login(tess)
    part = client.get(f"/reviews/org/{district.branch_a.pk}/summary/").content.decode()
    due = reviews_due(campaign, TODAY)
    assert f"<strong>1</strong>/{due}" in part
    assert "写点评" in part
    page = client.get(f"/orgs/{district.branch_a.pk}/").content.decode()
    assert f"/reviews/org/{district.branch_a.pk}/summary/" in page  # the slot


# --- The behind list -----------------------------------------------------------------------------


@pytest.fixture
def long_campaign(campaign):
    """The campaign running for more than a year: at least three reviews are due by today."""
    campaign.starts_on = TODAY - datetime.timedelta(days=400)
    campaign.save()
    return campaign


@pytest.fixture
def town_tree(district, long_campaign):
    """Two more branches under each town, reviewed from none to more than due, an inactive branch
    and a group (neither is owed anything)."""
    due = reviews_due(long_campaign, TODAY)
    extra = [
        add_org(town, f"{town.name}{n}号支部")
        for town in (district.east, district.west)
        for n in range(2)
    ]
    gone = add_org(district.west, "已撤销支部")
    gone.active = False
    gone.save()
    add_org(district.branch_a, "第一党小组", kind=OrgKind.GROUP)
    reviewer = _persona("boss", district.root, RoleKind.SECRETARY)
    orgs = [
        district.branch_a,
        district.peace,
        district.branch_b,
        district.east,
        district.west,
        *extra,
    ]
    for index, org in enumerate(orgs):
        for _ in range(index % (due + 2)):
            _review(long_campaign, reviewer, org)
    _review(long_campaign, _persona("office2", district.root, RoleKind.OFFICE), district.peace)
    return due


def _brute_behind(user, campaign, on):
    """Every basic organisation of the campaign in the user's scope, its reviews counted one by
    one as the defaults say (not of members, not by the office)."""
    from orgs.access import organizations_for
    from orgs.models import Organization

    due = reviews_due(campaign, on)
    in_scope = set(organizations_for(user).values_list("pk", flat=True))
    found = set()
    for org in Organization.objects.exclude(pk=campaign.organization_id):
        if not org.active or org.kind == OrgKind.GROUP or org.pk not in in_scope:
            continue
        held = sum(
            1
            for r in LeaderReview.objects.filter(campaign=campaign, organization=org)
            if r.held_on <= on and r.member_id is None and r.reviewer_role != RoleKind.OFFICE
        )
        if held < due:
            found.add(org.pk)
    return found


@pytest.mark.parametrize("persona", ["olivia", "charlie", "alice"])
def test_the_behind_list_equals_a_brute_force_count(
    request, client, district, long_campaign, town_tree, persona
):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    response = client.get("/reviews/behind/")
    shown = {org.pk for org, _reviewers in response.context["rows"]}
    expected = _brute_behind(user, long_campaign, TODAY)
    assert shown == expected
    assert response.context["due"] == town_tree


def test_the_behind_list_names_the_reviewers_above_and_filters(
    client, district, long_campaign, tess, charlie, olivia
):
    client.force_login(olivia)
    response = client.get("/reviews/behind/?sector=rural")
    names = {org.name for org, _ in response.context["rows"]}
    assert names == {"西山镇党委", "红旗村党支部"}
    response = client.get("/reviews/behind/?kind=working_committee")
    assert [org.name for org, _ in response.context["rows"]] == ["东城街道党工委"]
    response = client.get("/reviews/behind/?sort=name")
    by_name = {org.name: reviewers for org, reviewers in response.context["rows"]}
    # The nearest level above with responsible people: the town's secretary and leader; the
    # office's reviews do not count by default, so the office is not named.
    assert {r.name for r in by_name["幸福社区党支部"]} == {"tess", "charlie"}
    assert by_name["红旗村党支部"] == []  # nobody above it has an account
    assert "上级组织暂无书记或领导账号" in response.content.decode()


def test_the_behind_list_and_the_register_cost_the_same_for_10_and_100_organisations(
    client, district, long_campaign, olivia
):
    client.force_login(olivia)

    def counts():
        client.get("/reviews/behind/")
        with CaptureQueriesContext(connection) as behind:
            client.get("/reviews/behind/")
        with CaptureQueriesContext(connection) as register:
            client.get("/reviews/rectifications/")
        return len(behind), len(register)

    def add(orgs):
        for n in range(orgs):
            org = add_org(district.east if n % 2 else district.west, f"新增支部{len(added)}")
            added.append(org)
            services.register_rectification(
                org, by=boss, problem="台账不全", responsible_person="书记", deadline=TODAY
            )

    boss = _persona("boss", district.root, RoleKind.SECRETARY)
    added = []
    add(4)
    few = counts()
    add(90)
    client.get("/reviews/behind/")  # the organisations changed: the copies are read afresh once
    assert counts() == few


def test_the_behind_list_can_count_to_the_end_of_the_period(client, district, olivia):
    from campaign.requirements import reviews_due_this_period

    campaign = make_campaign(district.root, starts_on=TODAY - datetime.timedelta(days=400))
    client.force_login(olivia)
    response = client.get("/reviews/behind/?by=period")
    assert response.context["due"] == reviews_due_this_period(campaign, TODAY)
    assert {org.name for org, _ in response.context["rows"]} >= {"幸福社区党支部", "红旗村党支部"}
