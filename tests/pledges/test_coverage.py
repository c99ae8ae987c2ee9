import datetime

from orgs.models import OrgKind
from pledges.models import PledgeState
from pledges.selectors import coverage, coverage_by_node, missing_members, missing_organizations

from ..factories import MemberFactory, add_org, make_pledge

S = PledgeState


def test_coverage_counts_public_pledges_on_a_hand_built_tree(district, campaign):
    d = district
    # Basic organisations below the district (the campaign's own organisation is not counted):
    # 东城街道, 幸福, 和平, 西山镇, 红旗村 = 5; a group and an inactive branch are not counted.
    add_org(d.branch_a, "第一党小组", kind=OrgKind.GROUP)
    add_org(d.west, "已撤销党支部", active=False)
    make_pledge(campaign, organization=d.branch_a, state=S.PUBLISHED)
    make_pledge(campaign, organization=d.peace, state=S.SIGNED)  # not public yet
    make_pledge(campaign, organization=d.west, state=S.COMPLETED)
    # Members: 张三 (A), 李四 (B), plus one more active and one inactive in A.
    extra = MemberFactory(branch=d.branch_a)
    gone = MemberFactory(branch=d.branch_a, active=False, deactivated_on=datetime.date(2026, 1, 1))
    make_pledge(campaign, member=d.member_a, state=S.FULFILLING)
    make_pledge(campaign, member=gone, state=S.PUBLISHED)  # inactive: counts nowhere
    make_pledge(campaign, member=extra, state=S.DRAFT)

    whole = coverage(d.root, campaign)
    assert (whole.organizations, whole.pledged_organizations) == (5, 2)
    assert (whole.members, whole.pledged_members) == (3, 1)
    assert whole.organization_rate == 40.0 and whole.member_rate == 33.3

    east = coverage(d.east, campaign)
    assert (east.organizations, east.pledged_organizations) == (3, 1)
    assert (east.members, east.pledged_members) == (2, 1)

    assert set(missing_organizations(d.root, campaign)) == {d.east, d.peace, d.branch_b}
    assert set(missing_members(d.root, campaign)) == {extra, d.member_b}


def test_coverage_of_an_empty_subtree_has_no_rate(district, campaign):
    d = district
    lonely = add_org(d.west, "新建党支部")
    figures = coverage(lonely, campaign)
    assert figures.organizations == 1 and figures.members == 0
    assert figures.member_rate is None


def test_coverage_by_node_runs_one_query_whatever_the_size(
    district, campaign, django_assert_num_queries
):
    d = district
    with django_assert_num_queries(1):
        figures = coverage_by_node([d.root, d.east], campaign)
    assert figures[d.east.pk].members == 1
