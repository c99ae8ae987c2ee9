import pytest

from orgs.models import Member, Organization, OrgKind
from orgs.rollups import subtree_member_counts

from ..factories import MemberFactory, add_org, make_campaign


def test_it_selects_a_subtree_by_path_prefix(district):
    names = set(Organization.objects.within(district.east).values_list("name", flat=True))
    assert names == {"东城街道党工委", "幸福社区党支部", "和平社区党支部"}


def test_it_lists_ancestors_root_first_without_walking(district, django_assert_num_queries):
    with django_assert_num_queries(1):
        ancestors = district.branch_a.ancestors()
    assert [org.name for org in ancestors] == ["某某区委", "东城街道党工委"]


def test_it_selects_members_of_a_subtree(district):
    MemberFactory(branch=district.peace, name="王五")
    names = set(Member.objects.within(district.east).values_list("name", flat=True))
    assert names == {"张三", "王五"}


def test_it_counts_active_members_per_subtree(district):
    MemberFactory(branch=district.peace)
    MemberFactory(branch=district.peace, active=False, deactivated_on="2026-01-01")
    MemberFactory(branch=district.east)  # a member directly in the working committee
    assert subtree_member_counts([district.root, district.east]) == {
        district.root.pk: 4,
        district.east.pk: 3,
        district.west.pk: 1,
        district.branch_a.pk: 1,
        district.peace.pk: 1,
    }


def _wide_tree(root, branches: int):
    town = add_org(root, "测试镇党委", kind=OrgKind.COMMITTEE)
    for i in range(branches):
        branch = add_org(town, f"第{i}党支部")
        MemberFactory(branch=branch)
    return town


@pytest.mark.parametrize("size", [10, 100])
def test_tree_page_queries_do_not_grow_with_the_tree(
    size, district, ada, client, local_cache, django_assert_num_queries
):
    town = _wide_tree(district.root, size)
    client.force_login(ada)
    make_campaign(district.root)
    # session, generation (core.generations), user, roles, roots, tree version, children,
    # counts, the bar's unread count and campaigns; then the tables from the cache and the user
    # and roles from the process's copies
    with django_assert_num_queries(11):
        response = client.get("/orgs/")
    assert response.status_code == 200
    nodes = response.content.count(b'class="node"')
    with django_assert_num_queries(4):
        assert client.get("/orgs/").content.count(b'class="node"') == nodes == 4
    # From here the user and roles come from the process's copies (core.generations).
    # What the pledges app fills in after it: session, generation, roots, coverage version, then
    # children and coverage (the campaign is a copy: the bar read it); from the cache, the first
    # four only.
    with django_assert_num_queries(6):
        first = client.get("/pledges/tree/coverage/")
    assert first.status_code == 200
    with django_assert_num_queries(4):
        assert client.get("/pledges/tree/coverage/").content == first.content
    # session, generation, org, tree version, children, counts
    with django_assert_num_queries(6):
        response = client.get(f"/orgs/{town.pk}/children/")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('class="node"') == size
    assert body.count('id="node-extra-') == size
    assert f'hx-get="/pledges/tree/{town.pk}/coverage/"' in body
    with django_assert_num_queries(3):
        assert client.get(f"/orgs/{town.pk}/children/").content.decode() == body
    # session, generation, coverage version, children, coverage (the organisation and the
    # campaigns are copies now)
    with django_assert_num_queries(5):
        response = client.get(f"/pledges/tree/{town.pk}/coverage/")
    assert response.content.decode().count('id="node-extra-') == size
    with django_assert_num_queries(3):
        client.get(f"/pledges/tree/{town.pk}/coverage/")


def test_tree_page_shows_counts_including_subtrees(district, ada, client):
    MemberFactory(branch=district.peace)
    client.force_login(ada)
    body = client.get("/orgs/").content.decode()
    assert "某某区委" in body and "东城街道党工委" in body
    root_row = body[body.index("某某区委") :]
    assert '<i class="bi bi-people"></i> 3' in root_row.split("</summary>")[0]


def test_children_fragment_lists_children_with_counts(district, ada, client):
    MemberFactory(branch=district.branch_a)
    client.force_login(ada)
    body = client.get(f"/orgs/{district.east.pk}/children/").content.decode()
    assert "幸福社区党支部" in body and "和平社区党支部" in body
    assert "西山镇" not in body
    assert '<i class="bi bi-people"></i> 2' in body


def test_search_finds_by_name_with_its_trail(district, ada, client):
    client.force_login(ada)
    body = client.get("/orgs/", {"q": "幸福"}).content.decode()
    assert "幸福社区党支部" in body
    assert "某某区委 / 东城街道党工委" in body
    assert "和平社区党支部" not in body


def test_search_stays_inside_the_users_scope(district, alice_client):
    body = alice_client.get("/orgs/", {"q": "党支部"}).content.decode()
    assert "幸福社区党支部" in body
    assert "红旗村党支部" not in body and "和平社区党支部" not in body


def test_search_says_when_nothing_matches(district, alice_client):
    body = alice_client.get("/orgs/", {"q": "不存在的组织"}).content.decode()
    assert "没有找到" in body


def test_tree_shows_only_the_users_subtree(district, alice_client):
    body = alice_client.get("/orgs/").content.decode()
    assert "幸福社区党支部" in body
    assert "某某区委" not in body and "红旗村党支部" not in body


@pytest.mark.parametrize("size", [10, 100])
def test_detail_page_queries_do_not_grow_with_children(
    size, district, ada, client, local_cache, django_assert_num_queries
):
    town = _wide_tree(district.root, size)
    client.force_login(ada)
    # session, generation (core.generations), user, roles, org, ancestors, children, counts,
    # direct count, trail, nav roots, the role holders and their past terms, the bar's unread
    # count and campaigns
    with django_assert_num_queries(15):
        response = client.get(f"/orgs/{town.pk}/")
    assert response.status_code == 200
    assert response.context["summary"].member_count == size
    # Again: the user, roles, organisation and ancestors from the process's copies.
    with django_assert_num_queries(9):
        response = client.get(f"/orgs/{town.pk}/")
    assert response.context["summary"].member_count == size


def test_tree_page_loads_pledge_coverage_after_the_tree(district, ada, client):
    from pledges.models import PledgeState

    from ..factories import make_pledge

    campaign = make_campaign(district.root, name="二〇二六年活动")
    make_pledge(campaign, member=district.member_a, state=PledgeState.PUBLISHED)
    client.force_login(ada)
    body = client.get("/orgs/", {"campaign": campaign.pk}).content.decode()
    assert f'id="node-extra-{district.root.pk}"' in body
    assert f'hx-get="/pledges/tree/coverage/?campaign={campaign.pk}"' in body
    fragments = client.get("/pledges/tree/coverage/", {"campaign": campaign.pk}).content.decode()
    assert "二〇二六年活动" in fragments.split("<span id=")[0]  # the note, swapped in place
    root_fragment = fragments.split(f'id="node-extra-{district.root.pk}"')[1].split("</span>")[0]
    assert "50.0%" in root_fragment  # 1 of the 2 active members


def test_coverage_fragments_stay_in_scope(district, campaign, alice_client):
    body = alice_client.get("/pledges/tree/coverage/").content.decode()
    assert f'id="node-extra-{district.branch_a.pk}"' in body
    assert f'id="node-extra-{district.branch_b.pk}"' not in body


def test_an_expanded_nodes_coverage_stays_in_scope(district, campaign, alice_client):
    assert alice_client.get(f"/pledges/tree/{district.west.pk}/coverage/").status_code == 404


def test_no_campaign_no_coverage(district, alice_client):
    assert alice_client.get("/pledges/tree/coverage/").content == b""
