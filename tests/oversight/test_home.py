"""The home page per role (oversight.views.home, core/home.py, pledges/home.py)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import home
from orgs.models import RoleKind

from ..factories import MemberFactory, RoleFactory, UserFactory, make_pledge

TODAY = datetime.date.today()


@pytest.fixture
def branch_a_work(district, campaign):
    """幸福社区: 张三 and five more members; two published (one overdue), two drafts, one
    submitted, one member with nothing (未录入); the branch's own pledge published and overdue."""
    a = district.branch_a
    members = [district.member_a, *(MemberFactory(branch=a) for _ in range(5))]
    make_pledge(campaign, member=members[0], state="published")
    make_pledge(
        campaign,
        member=members[1],
        state="fulfilling",
        deadline=TODAY - datetime.timedelta(days=3),
    )
    make_pledge(campaign, member=members[2], state="draft")
    make_pledge(campaign, member=members[3], state="submitted")
    make_pledge(
        campaign, organization=a, state="published", deadline=TODAY - datetime.timedelta(days=1)
    )
    make_pledge(campaign, member=members[4], state="draft")
    return members


def _home(client, user):
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response


def _work(response):
    """The apps' to-do cards, without the calendar's (tests/campaign/test_home.py) and the
    stars' (tests/reviews/test_home.py)."""
    return [
        card for card in response.context["cards"] if card.title not in ("活动日历", "党员争星")
    ]


def _items(response):
    return {item.label: item.url for card in _work(response) for item in card.items}


def test_it_shows_a_secretary_what_is_left_on_the_branch(client, district, alice, branch_a_work):
    response = _home(client, alice)
    (card,) = _work(response)
    assert card.summary == "本支部 2/6 已公开"
    a = district.branch_a.pk
    assert _items(response) == {
        "1 人未录入": f"/pledges/org/{a}/missing/?state=none",
        "2 项待提交": f"/pledges/org/{a}/?state=draft",
        "1 项待审诺": f"/pledges/org/{a}/?state=submitted",
        "2 项逾期": f"/pledges/org/{a}/?state=overdue",
    }
    page = response.content.decode()
    assert "本支部 2/6 已公开" in page and f'href="/pledges/org/{a}/?state=draft"' in page
    # Every button opens a page the secretary may see.
    for url in _items(response).values():
        assert client.get(url).status_code == 200


def test_the_phone_header_has_the_branch_one_tap_away(client, alice, district, campaign):
    client.force_login(alice)
    page = client.get("/").content.decode()
    assert "nav-branch-button" in page
    assert f'href="/pledges/org/{district.branch_a.pk}/"' in page


@pytest.mark.parametrize("persona", ["olivia", "ada"])
def test_the_office_and_the_admin_land_on_the_dashboard(request, client, district, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/dashboard/"


def test_a_secretary_who_is_also_in_the_office_keeps_her_to_do(client, district, alice):
    RoleFactory(user=alice, organization=district.branch_a, kind=RoleKind.OFFICE)
    assert _home(client, alice).status_code == 200


@pytest.mark.parametrize("persona", ["charlie"])
def test_it_shows_a_leader_their_coverage_and_the_units_that_lag(
    request, client, district, campaign, branch_a_work, persona
):
    user = request.getfixturevalue(persona)
    response = _home(client, user)
    top = district.east if persona == "charlie" else district.root
    # The pledges' card; reviews add their own (tests/reviews/test_home.py).
    (card,) = [card for card in response.context["cards"] if card.title == top.name]
    assert card.title == top.name
    assert card.url == f"/pledges/org/{top.pk}/"
    assert "党员" in card.summary and "已公开" in card.summary
    assert "nav-branch-button" not in response.content.decode()
    lagging = [row.label.split(" · ")[0] for row in card.rows]
    assert lagging, "the units below lag: nobody there is complete"
    assert 1 <= len(lagging) <= 5
    for row in card.rows:
        assert client.get(row.url).status_code == 200
    for url in _items(response).values():
        assert client.get(url).status_code == 200


def test_the_units_that_lag_come_lowest_coverage_first(client, district, campaign, olivia):
    # 和平社区: its one member has published; 幸福社区 and 红旗村 have nothing.
    peace_member = MemberFactory(branch=district.peace)
    make_pledge(campaign, member=peace_member, state="published")
    make_pledge(campaign, organization=district.peace, state="published")
    olivia_card = home.cards_for(olivia)[0]  # her home is the dashboard; a leader's has it
    names = [row.label.split(" · ")[0] for row in olivia_card.rows]
    # The district's children: 东城街道 (half its members) and 西山镇 (none).
    assert names == ["西山镇党委", "东城街道党工委"]


def test_a_superuser_sees_every_root(client, district, campaign, branch_a_work):
    root_user = UserFactory(username="root", is_superuser=True, is_staff=True)
    (card,) = _work(_home(client, root_user))
    assert card.title == district.root.name


def test_a_user_without_a_role_is_told_so(client, db):
    client.force_login(UserFactory(username="nobody"))
    assert "尚未分配角色" in client.get("/").content.decode()


def test_without_a_campaign_it_says_so_and_links_the_organisations(client, alice):
    page = _home(client, alice).content.decode()
    assert "目前没有覆盖您所在组织的进行中活动" in page
    assert "幸福社区党支部" in page


@pytest.mark.parametrize("persona", ["alice", "olivia"])
def test_the_home_reads_a_fixed_number_of_queries(
    request, client, district, campaign, branch_a_work, persona
):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    client.get("/")
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    # More members and branches cost nothing more: the figures come from the counter rows.
    for branch in (district.branch_a, district.peace, district.branch_b):
        for _ in range(10):
            MemberFactory(branch=branch)
    with CaptureQueriesContext(connection) as many:
        client.get("/")
    assert len(many) == len(few) <= 12, [q["sql"] for q in many.captured_queries]


def test_apps_register_their_cards_once(db):
    from pledges.home import cards

    assert home.providers().count(cards) == 1
    home.register(cards)
    assert home.providers().count(cards) == 1


def test_a_leader_of_a_branch_gets_its_to_do_read_only(client, district, campaign):
    user = UserFactory(username="lu")
    RoleFactory(user=user, organization=district.branch_b, kind=RoleKind.LEADER)
    (card,) = _work(_home(client, user))
    assert card.summary == "本支部 0/1 已公开"
