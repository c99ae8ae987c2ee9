"""Coverage at a glance (issue 9, point 5): both rates and the 达标 marker, the members' split
bar against the brute-force counts, the children's table sorted and filtered in the URL, and
the navigation's 公开承诺 following the unit looked at."""

import html
import re

import pytest

from orgs.models import Organization, RoleKind, Sector
from pledges.models import Pledge, PledgeState
from pledges.selectors import COVERAGE_SORTS, counted_coverage_by_node, coverage_by_node

from ..factories import MemberFactory, RoleFactory, UserFactory, add_org, make_pledge

S = PledgeState


@pytest.fixture
def towns(district, campaign):
    """Three towns under the district with different figures:
    东城 (2 branches): 张三 public, 2 more members in A (one signed, one without), peace empty;
    西山 (1 branch): 李四 submitted, 2 more without a pledge;
    南湖 (1 branch): its 2 members public, every organisation public (两个100%)."""
    d = district
    south = add_org(d.root, "南湖镇党委", sector=Sector.RURAL)
    lake = add_org(south, "湖滨村党支部", sector=Sector.RURAL)
    make_pledge(campaign, member=d.member_a, state=S.PUBLISHED)
    make_pledge(campaign, member=MemberFactory(branch=d.branch_a, name="王五"), state=S.SIGNED)
    MemberFactory(branch=d.branch_a, name="赵六")
    make_pledge(campaign, member=d.member_b, state=S.SUBMITTED)
    MemberFactory.create_batch(2, branch=d.branch_b)
    for member in MemberFactory.create_batch(2, branch=lake):
        make_pledge(campaign, member=member, state=S.FULFILLING)
    make_pledge(campaign, organization=south, state=S.PUBLISHED)
    make_pledge(campaign, organization=lake, state=S.PUBLISHED)
    make_pledge(campaign, organization=d.branch_a, state=S.APPROVED)  # not public, not a member's
    d.south, d.lake = south, lake
    return d


@pytest.fixture
def office_client(client, district):
    user = UserFactory(username="olivia")
    RoleFactory(user=user, organization=district.root, kind=RoleKind.OFFICE)
    client.force_login(user)
    return client


def _rows(body: str) -> list[str]:
    """The body rows of the children's table, as HTML."""
    table = body.split('id="children"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1], re.S)


def _names(body: str) -> list[str]:
    links = [re.search(r'<a href="[^"]+">([^<]+)</a>', row) for row in _rows(body)]
    return [link.group(1) for link in links if link]


def _row_of(body: str, name: str) -> str:
    return next(row for row in _rows(body) if f">{name}</a>" in row)


def _bar(html: str) -> dict[str, int]:
    return {p: int(n) for p, n in re.findall(r'data-part="(\w+)" data-count="(\d+)"', html)}


def test_it_shows_both_rates_and_the_marker(towns, campaign, office_client):
    body = office_client.get(f"/pledges/org/{towns.root.pk}/").content.decode()
    south = _row_of(body, "南湖镇党委")
    assert "100.0%" in south and "2/2" in south and "达标" in south
    east = _row_of(body, "东城街道党工委")
    # Organisations: none of 东城, 幸福, 和平 public; members 1 of 3.
    assert "0.0%" in east and "0/3" in east and "33.3%" in east and "1/3" in east
    assert "达标" not in east
    tree = office_client.get(f"/pledges/tree/{towns.root.pk}/coverage/").content.decode()
    south_node = tree.split(f'id="node-extra-{towns.south.pk}"', 1)[1].split("</span></span>")[0]
    assert "组织 100.0%" in south_node and "党员 100.0%" in south_node
    assert "达标" in tree.split(f'id="node-extra-{towns.south.pk}"', 1)[1].split("\n")[0]
    east_node = tree.split(f'id="node-extra-{towns.east.pk}"', 1)[1].split("\n")[0]
    assert "党员 33.3%" in east_node and "达标" not in east_node


def test_a_rate_short_of_everyone_never_reads_100(district, campaign):
    members = MemberFactory.create_batch(1000, branch=district.branch_a)
    Pledge.objects.bulk_create(
        [
            Pledge(
                campaign=campaign,
                member=m,
                title="t",
                content="c",
                state=S.PUBLISHED,
                deadline=campaign.ends_on,
            )
            for m in members[:999]
        ]
    )
    figures = coverage_by_node([district.branch_a], campaign)[district.branch_a.pk]
    assert figures.pledged_members == 999 and figures.members == 1001
    assert figures.member_rate == 99.8
    figures.members = 1000
    assert figures.member_rate == 99.9 and not figures.complete


def test_the_split_bar_equals_the_brute_force_counts(towns, campaign, office_client):
    body = office_client.get(f"/pledges/org/{towns.root.pk}/").content.decode()
    nodes = [towns.root, *Organization.objects.get_children(towns.root)]
    counted = counted_coverage_by_node(nodes, [towns.root], campaign)
    assert coverage_by_node([towns.root], campaign) == counted
    for node in nodes[1:]:
        figures = counted[node.pk]
        parts = {
            "published": figures.pledged_members,
            "recorded": figures.recorded_members,
            "unrecorded": figures.members - figures.pledged_members - figures.recorded_members,
        }
        assert _bar(_row_of(body, node.name)) == {k: v for k, v in parts.items() if v}
    # 东城: 张三 public, 王五 signed, 赵六 nothing (the branch's own approved pledge: no member's).
    assert _bar(_row_of(body, "东城街道党工委")) == {"published": 1, "recorded": 1, "unrecorded": 1}
    summary = _bar(body.split('id="children"')[0])
    whole = counted[towns.root.pk]
    assert summary["published"] == whole.pledged_members == 3
    assert summary["recorded"] == whole.recorded_members == 2


def _figure(counted, sort):
    return lambda node: COVERAGE_SORTS[sort](counted[node.pk])


@pytest.mark.parametrize("sort", ["orgs_rate", "members_rate", "unrecorded", "missing_members"])
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_each_column_sorts_both_ways(sort, direction, towns, campaign, office_client):
    url = f"/pledges/org/{towns.root.pk}/?campaign={campaign.pk}&sort={sort}&dir={direction}"
    names = _names(office_client.get(url).content.decode())
    children = list(Organization.objects.get_children(towns.root))
    counted = counted_coverage_by_node([towns.root, *children], [towns.root], campaign)
    figures = [_figure(counted, sort)(child) for child in children]
    by_name = dict(zip([c.name for c in children], figures, strict=True))
    shown = [by_name[name] for name in names]
    assert sorted(names) == sorted(by_name)
    assert shown == sorted(figures, reverse=direction == "desc")


def test_the_weakest_towns_are_one_click_away(towns, campaign, office_client):
    body = office_client.get(f"/pledges/org/{towns.root.pk}/?campaign={campaign.pk}").content
    link = re.search(r'href="(\?[^"]*sort=members_rate[^"]*)#children"', body.decode()).group(1)
    link = html.unescape(link)
    assert "dir=asc" in link
    names = _names(office_client.get(f"/pledges/org/{towns.root.pk}/{link}").content.decode())
    assert names == ["西山镇党委", "东城街道党工委", "南湖镇党委"]  # 0%, 33.3%, 100%


def test_the_order_holds_across_the_cached_fragment_and_follows_writes(
    towns, campaign, office_client, local_cache
):
    base = f"/pledges/org/{towns.root.pk}/?campaign={campaign.pk}&sort=members_rate"
    up = _names(office_client.get(base + "&dir=asc").content.decode())
    down = _names(office_client.get(base + "&dir=desc").content.decode())
    assert up == ["西山镇党委", "东城街道党工委", "南湖镇党委"] and down == up[::-1]
    # Read again, from the cache: each order is its own.
    assert _names(office_client.get(base + "&dir=asc").content.decode()) == up
    assert _names(office_client.get(base + "&dir=desc").content.decode()) == down
    # A write changes the figures and the order at once.
    for member in towns.branch_b.members.all():
        Pledge.objects.filter(member=member).delete()
        make_pledge(campaign, member=member, state=S.PUBLISHED)
    body = office_client.get(base + "&dir=asc").content.decode()
    assert _names(body) == ["东城街道党工委", "西山镇党委", "南湖镇党委"]  # ties: the tree's order
    assert "3/3" in _row_of(body, "西山镇党委")


@pytest.mark.parametrize(
    "query",
    [
        "sort=bogus&dir=sideways",
        "sort=members_rate&dir=%00",
        "sort=__class__",
        "sector=moon&kind=<script>",
        "sort=&dir=&sector=&kind=",
        "sort=members_rate&sort=x&sector=rural&sector=%FF",
        "campaign=²&sort=name",
    ],
)
def test_bad_sorts_and_filters_are_ignored(query, towns, campaign, office_client):
    response = office_client.get(f"/pledges/org/{towns.root.pk}/?{query}")
    assert response.status_code == 200
    assert len(_names(response.content.decode())) in (1, 3)


def test_filters_by_sector_and_kind(towns, campaign, office_client):
    url = f"/pledges/org/{towns.root.pk}/?campaign={campaign.pk}"
    assert _names(office_client.get(url + "&sector=rural").content.decode()) == [
        "西山镇党委",
        "南湖镇党委",
    ]
    assert _names(office_client.get(url + "&kind=working_committee").content.decode()) == [
        "东城街道党工委"
    ]
    body = office_client.get(url + "&sector=school").content.decode()
    assert _names(body) == [] and "没有符合筛选条件的下级组织" in body
    # The sort links keep the filter, the filter form keeps the sort.
    body = office_client.get(url + "&sector=rural&sort=members_rate&dir=desc").content.decode()
    assert _names(body) == ["南湖镇党委", "西山镇党委"]
    assert "sector=rural" in re.search(r'href="(\?[^"]*sort=orgs_rate[^"]*)"', body).group(1)
    assert '<input type="hidden" name="sort" value="members_rate">' in body


def test_sorted_coverage_keeps_scope(towns, campaign, client):
    town_office = UserFactory(username="east-office")
    RoleFactory(user=town_office, organization=towns.east, kind=RoleKind.OFFICE)
    client.force_login(town_office)
    query = f"?campaign={campaign.pk}&sort=members_rate&dir=asc"
    assert client.get(f"/pledges/org/{towns.root.pk}/{query}").status_code == 404
    assert client.get(f"/pledges/org/{towns.west.pk}/{query}").status_code == 404
    body = client.get(f"/pledges/org/{towns.east.pk}/{query}").content.decode()
    assert _names(body) == ["幸福社区党支部", "和平社区党支部"]  # no members (no rate): last
    assert "西山" not in body and "南湖" not in body


def test_the_menu_opens_the_pledges_of_the_unit_looked_at(towns, campaign, client):
    town_office = UserFactory(username="east-office")
    RoleFactory(user=town_office, organization=towns.east, kind=RoleKind.OFFICE)
    client.force_login(town_office)
    for url, unit in [
        (f"/orgs/{towns.branch_a.pk}/", towns.branch_a),
        (f"/orgs/{towns.peace.pk}/members/", towns.peace),
        (f"/orgs/members/{towns.member_a.pk}/", towns.branch_a),
        (f"/pledges/org/{towns.branch_a.pk}/", towns.branch_a),
        ("/orgs/", towns.east),  # nothing looked at: the user's own
    ]:
        body = client.get(url).content.decode()
        nav = body.split('id="mainnav"', 1)[1].split("</ul>", 1)[0]
        assert f'href="/pledges/org/{unit.pk}/">公开承诺' in nav, url
