"""The rollups (core.rollups, orgs/rollups.py, pledges/rollups.py) against brute-force counts.

After every kind of write — an import, pledges created and taken through every step, a correction,
progress, a member moved between towns, deactivated and reactivated, renamed, an organisation
moved and one deactivated, a pledge deleted — every counter row equals a recount, and the
figures the pages read equal those counted from the rows themselves.
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from core import rollups
from core.tasks import verify_rollups_task
from orgs import services as org_services
from orgs.importing import import_members
from orgs.models import MemberTally, Organization, counted_subtree_members
from orgs.rollups import subtree_member_counts
from pledges import services, workflow
from pledges.models import Pledge, PledgeState, PledgeTally
from pledges.selectors import counted_coverage_by_node, coverage_by_node

from ..factories import MemberFactory, UserFactory, make_campaign, make_pledge


@pytest.fixture
def boss(district):
    return UserFactory(username="boss", is_superuser=True, is_staff=True)


def assert_counts_agree(campaigns):
    """Every rollup equals its recount, and every node's figures equal the brute-force ones."""
    for rollup in rollups.registered():
        assert rollups.verify(rollup) == [], rollup.name
    nodes = list(Organization.objects.all())
    roots = [node for node in nodes if node.depth == 1]
    for parent in nodes:
        family = [parent, *Organization.objects.get_children(parent)]
        assert subtree_member_counts([parent]) == counted_subtree_members(family, roots)
        for campaign in campaigns:
            assert coverage_by_node([parent], campaign) == counted_coverage_by_node(
                family, roots, campaign
            )


def roster_csv(*rows):
    header = "姓名,性别,出生日期,入党时间,所在党支部,岗位类别,联系电话\n"
    body = "".join(",".join(row) + "\n" for row in rows)
    return SimpleUploadedFile("roster.csv", (header + body).encode("utf-8"))


def test_the_counters_follow_every_kind_of_write(district, boss):
    d = district
    campaign = make_campaign(d.root)
    town_campaign = make_campaign(d.east, name="街道活动")
    campaigns = [campaign, town_campaign]
    assert_counts_agree(campaigns)

    a_path = "某某区委/东城街道党工委/幸福社区党支部"
    b_path = "某某区委/西山镇党委/红旗村党支部"
    import_members(
        roster_csv(
            ("王五", "男", "1980-01-01", "2001-07-01", a_path, "社区党员", "13900000001"),
            ("赵六", "女", "1985-03-01", "2008-07-01", a_path, "社区党员", ""),
            ("钱七", "男", "1975-05-01", "1999-07-01", b_path, "其他", ""),
        ),
        by=boss,
    )
    assert_counts_agree(campaigns)

    # A pledge through every step, corrected and with progress.
    pledge = services.create_pledge(
        campaign,
        by=boss,
        member=d.member_a,
        title="办一件实事",
        content="走访困难群众",
        deadline=timezone.localdate() + datetime.timedelta(days=60),
    )
    for name in ("submit", "approve"):
        workflow.take_step(pledge, name, by=boss)
        assert_counts_agree(campaigns)
    workflow.sign_pledge(pledge, by=boss, signed_by="张三", signed_on=timezone.localdate())
    workflow.publish_pledge(pledge, by=boss)
    assert_counts_agree(campaigns)
    pledge.refresh_from_db()
    services.correct_pledge(pledge, by=boss, version=pledge.version, reason="错字", title="新标题")
    services.add_progress(pledge, by=boss, happened_on=timezone.localdate(), text="已走访")
    assert_counts_agree(campaigns)
    workflow.complete_pledge(pledge, by=boss)
    workflow.assess_pledge(pledge, by=boss, comment="好")
    assert_counts_agree(campaigns)

    # Pledges of organisations and other members, in both campaigns and several states.
    make_pledge(campaign, organization=d.branch_a, state=PledgeState.PUBLISHED)
    make_pledge(campaign, organization=d.east, state=PledgeState.DRAFT)
    make_pledge(town_campaign, organization=d.peace, state=PledgeState.FULFILLING)
    make_pledge(campaign, member=d.member_b, state=PledgeState.PUBLISHED)
    doomed = make_pledge(town_campaign, member=d.member_a, state=PledgeState.SIGNED)
    assert_counts_agree(campaigns)

    # A member with a public pledge moves between towns, leaves, comes back, is renamed.
    org_services.move_member(d.member_a, d.branch_b, by=boss)
    assert_counts_agree(campaigns)
    org_services.deactivate_member(d.member_b, by=boss, reason="迁出")
    assert_counts_agree(campaigns)
    org_services.reactivate_member(d.member_b, by=boss)
    org_services.update_member(d.member_a, by=boss, name="张三丰")
    assert_counts_agree(campaigns)

    # An organisation moves with its subtree; one without members is deactivated.
    carried = MemberFactory(branch=d.branch_a)
    make_pledge(campaign, member=carried, state=PledgeState.COMPLETED)
    org_services.move_organization(d.branch_a, d.west, by=boss)
    assert_counts_agree(campaigns)
    org_services.deactivate_organization(d.peace, by=boss)
    assert_counts_agree(campaigns)

    # A bulk update and a delete, as the admin or a hand-typed statement would make them.
    Pledge.objects.filter(campaign=campaign, state=PledgeState.PUBLISHED).update(
        state=PledgeState.FULFILLING
    )
    doomed.delete()
    assert_counts_agree(campaigns)
    assert PledgeTally.objects.filter(campaign=campaign).exists()


def test_a_rename_moves_no_counter_but_the_version(district):
    tally = MemberTally.objects.get(organization=district.branch_a)
    org_services.update_organization(
        district.branch_a, by=UserFactory(is_superuser=True), name="幸福社区第一党支部"
    )
    again = MemberTally.objects.get(organization=district.branch_a)
    assert (again.members, again.version) == (tally.members, tally.version + 1)


def test_verify_finds_planted_drift_and_fix_repairs_it(district, campaign, capsys):
    make_pledge(campaign, member=district.member_a, state=PledgeState.PUBLISHED)
    call_command("rollups", "--verify")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE pledges_pledgetally SET members_pledged = members_pledged + 5, draft = 2"
        )
        cursor.execute(
            "DELETE FROM orgs_membertally WHERE organization_id = %s", [district.branch_b.pk]
        )
    with pytest.raises(CommandError, match="differ from a recount"):
        call_command("rollups", "--verify")
    out = capsys.readouterr().out
    assert f"orgs.MemberTally ({district.branch_b.pk},): stored (0,), expected (1,)" in out
    assert "pledges.PledgeTally" in out

    call_command("rollups", "--fix")
    assert "repaired" in capsys.readouterr().out
    call_command("rollups", "--verify")
    assert coverage_by_node([district.root], campaign)[district.root.pk].pledged_members == 1


def test_missing_triggers_fail_the_check_and_install_recounts(district):
    with connection.cursor() as cursor:
        on = ' ON "orgs_member"' if connection.vendor == "postgresql" else ""
        cursor.execute(f"DROP TRIGGER rollup_member_insert{on}")
    assert (
        "trigger rollup_member_insert is missing"
        in rollups.problems(connection)["orgs.MemberTally"]
    )
    MemberFactory(branch=district.branch_a)  # not counted: the trigger is gone
    (members,) = [r for r in rollups.registered() if r.name == "orgs.MemberTally"]
    assert rollups.verify(members) != []

    call_command("rollups", "--install")
    assert rollups.problems(connection) == {}
    assert all(rollups.verify(rollup) == [] for rollup in rollups.registered())


def test_the_nightly_task_logs_drift(district, caplog):
    assert verify_rollups_task() == 0
    MemberTally.objects.filter(organization=district.branch_a).update(members=7)
    assert verify_rollups_task() == 1
    assert "rollup drift: orgs.MemberTally" in caplog.text
