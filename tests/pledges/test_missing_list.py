"""The missing list (issue 9, point 6): everyone without a public pledge with their pledge's
state, grouped by branch with subtotals, 100 a page, 查看 for read-only roles."""

import re

import pytest

from orgs.models import Member, RoleKind
from pledges.models import Pledge, PledgeState

from ..factories import MemberFactory, RoleFactory, UserFactory, make_pledge

S = PledgeState


@pytest.fixture
def waiting(district, campaign):
    """幸福: 张三 public, 王五 submitted, 赵六 signed, 孙七 nothing; 红旗: 李四 draft; the branch
    红旗's own pledge approved."""
    d = district
    make_pledge(campaign, member=d.member_a, state=S.PUBLISHED)
    make_pledge(campaign, member=MemberFactory(branch=d.branch_a, name="王五"), state=S.SUBMITTED)
    make_pledge(campaign, member=MemberFactory(branch=d.branch_a, name="赵六"), state=S.SIGNED)
    MemberFactory(branch=d.branch_a, name="孙七")
    make_pledge(campaign, member=d.member_b, state=S.DRAFT)
    make_pledge(campaign, organization=d.branch_b, state=S.APPROVED)
    return d


def _client_as(client, org, kind, username):
    user = UserFactory(username=username)
    RoleFactory(user=user, organization=org, kind=kind)
    client.force_login(user)
    return client


def _groups(body: str) -> list[str]:
    return re.findall(r'<section class="card mb-3 missing-group">(.*?)</section>', body, re.S)


def _row(body: str, name: str) -> str:
    items = re.findall(r'<li class="list-group-item[^"]*">(.*?)</li>', body, re.S)
    return next(item for item in items if f'<span class="me-auto">{name}</span>' in item)


def test_it_shows_each_persons_state_grouped_by_branch(waiting, campaign, client):
    _client_as(client, waiting.root, RoleKind.OFFICE, "olivia")
    response = client.get(f"/pledges/org/{waiting.root.pk}/missing/?campaign={campaign.pk}")
    body = response.content.decode()
    assert response.status_code == 200
    assert "张三" not in body  # public
    assert "待审诺" in _row(body, "王五") and "已签约" in _row(body, "赵六")
    assert "未录入" in _row(body, "孙七") and "调研承诺" in _row(body, "李四")
    happy, red = _groups(body)
    assert "幸福社区党支部" in happy and "小计 3 人" in happy
    assert "未录入 1" in happy and "待审诺 1" in happy and "已签约 1" in happy
    assert "红旗村党支部" in red and "小计 1 人" in red and "李四" in red
    # Organisations without a public pledge, with their own pledge's state.
    assert "已审诺" in _row(body, "红旗村党支部")
    assert "未录入" in _row(body, "东城街道党工委")


def test_read_only_roles_see_view_links(waiting, campaign, client):
    _client_as(client, waiting.east, RoleKind.LEADER, "charlie")
    body = client.get(f"/pledges/org/{waiting.east.pk}/missing/").content.decode()
    assert "去录入" not in body and "去办理" not in body
    wang = Pledge.objects.get(member__name="王五")
    assert f'href="/pledges/{wang.pk}/">查看' in _row(body, "王五")
    sun = Member.objects.get(name="孙七")
    assert f'href="/orgs/members/{sun.pk}/">查看' in _row(body, "孙七")
    # Each link opens for the leader.
    assert client.get(f"/pledges/{wang.pk}/").status_code == 200
    assert client.get(f"/orgs/members/{sun.pk}/").status_code == 200


def test_the_secretary_is_offered_to_enter_or_to_act(waiting, campaign, alice_client):
    body = alice_client.get(f"/pledges/org/{waiting.branch_a.pk}/missing/").content.decode()
    sun = Member.objects.get(name="孙七")
    assert f"/pledges/new/?member={sun.pk}&amp;campaign={campaign.pk}" in _row(body, "孙七")
    assert "去录入" in _row(body, "孙七") and "去办理" in _row(body, "王五")
    assert "查看" not in body.split("<h2", 2)[2]


def test_it_narrows_to_a_state_and_ignores_others(waiting, campaign, alice_client):
    url = f"/pledges/org/{waiting.branch_a.pk}/missing/?campaign={campaign.pk}"
    body = alice_client.get(url + "&state=none").content.decode()
    assert "孙七" in body and "王五" not in body and "小计 1 人" in body
    body = alice_client.get(url + "&state=submitted").content.decode()
    assert "王五" in body and "孙七" not in body
    for bad in ("published", "bogus", "%00", "none&state=x"):
        response = alice_client.get(url + f"&state={bad}&page=%C2%B2")
        assert response.status_code == 200
    assert {m.name for m in response.context["members"]} == {"王五", "赵六", "孙七"}


def test_it_pages_by_100_and_keeps_the_groups_whole_in_their_subtotals(
    district, campaign, alice_client
):
    MemberFactory.create_batch(150, branch=district.branch_a)
    url = f"/pledges/org/{district.branch_a.pk}/missing/?campaign={campaign.pk}"
    first = alice_client.get(url)
    assert len(first.context["members"]) == 100
    body = first.content.decode()
    assert "小计 151 人" in body and "接上页" not in body
    second = alice_client.get(url + "&page=2")
    assert len(second.context["members"]) == 51
    body = second.content.decode()
    assert "小计 151 人" in body and "接上页" in body
    assert f"?campaign={campaign.pk}&amp;page=1" in body


@pytest.mark.parametrize("size", [10, 100])
def test_the_missing_list_queries_do_not_grow(
    size, district, campaign, alice_client, local_cache, django_assert_num_queries
):
    for member in MemberFactory.create_batch(size, branch=district.branch_a):
        make_pledge(campaign, member=member, state=S.SUBMITTED)
    url = f"/pledges/org/{district.branch_a.pk}/missing/"
    # session, generation (core.generations), user, roles, org, campaign, coverage,
    # organisations (count, page), members (count, page), subtotals, ancestors, and the
    # navigation's roots and unread count
    with django_assert_num_queries(16):
        response = alice_client.get(url)
    assert response.content.decode().count("去办理") == size
