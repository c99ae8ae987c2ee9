"""The audit trail catches every write to every tracked model, whoever makes it: the ORM, a bulk
update, a delete, raw SQL; with the actor named by audited(), and nobody else's."""

import datetime
import io
import threading

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.db import connection, transaction

from accounts.models import AccessCode, Profile, Purpose
from campaign.models import Campaign, Deadline, Phase, Requirements
from core.audit import audited, tracked, tracked_model
from core.audit.trail import of, trail, under
from core.models import AuditRecord
from orgs.models import Member, Organization, Role, RoleKind, RoleTerm
from pledges.models import Pledge, PledgeProgress
from reviews.models import (
    Commendation,
    EvaluationRound,
    FinalVerdict,
    LeaderReview,
    MemberStar,
    OrgGrading,
    Questionnaire,
    Rectification,
    Tally,
    Verdict,
)

from ..factories import MemberFactory, UserFactory, add_org, make_campaign, make_pledge

TODAY = datetime.date.today()


def _new_org(d):
    return add_org(d.branch_a, "第一党小组", kind="group")


def _new_member(d):
    return MemberFactory(branch=d.branch_a, name="王五", phone="13912345678")


def _new_role(d):
    return Role.objects.create(
        user=UserFactory(username="someone"), organization=d.peace, kind=RoleKind.SECRETARY
    )


def _new_term(d):
    return RoleTerm.objects.create(
        user=UserFactory(username="former"),
        organization=d.peace,
        kind=RoleKind.SECRETARY,
        started_on=TODAY - datetime.timedelta(days=400),
        ended_on=TODAY,
        reason="换届",
    )


def _new_user(d):
    return UserFactory(username="someone", first_name="某人")


def _new_profile(d):
    return Profile.objects.create(user=UserFactory(username="someone"), phone="13912345678")


def _new_code(d):
    return AccessCode.objects.create(
        user=UserFactory(username="someone"),
        purpose=Purpose.RESET,
        digest="0" * 64,
        expires_at=datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC),
    )


def _new_campaign(d):
    return make_campaign(d.east, name="街道活动")


def _new_pledge(d):
    return make_pledge(make_campaign(d.east, name="街道活动"), member=d.member_a)


def _new_progress(d):
    pledge = make_pledge(make_campaign(d.east), member=d.member_a, state="fulfilling")
    return PledgeProgress.objects.create(pledge=pledge, happened_on=TODAY, text="走访")


def _new_requirements(d):
    return Requirements.objects.create(campaign=make_campaign(d.east))


def _new_phase(d):
    campaign = make_campaign(d.east)
    return Phase.objects.create(
        campaign=campaign,
        name="组织实施",
        kind="phase",
        starts_on=campaign.starts_on,
        ends_on=campaign.ends_on,
    )


def _new_deadline(d):
    campaign = make_campaign(d.root)
    return Deadline.objects.create(campaign=campaign, organization=d.east, due_on=campaign.ends_on)


def _new_review(d):
    return LeaderReview.objects.create(
        campaign=make_campaign(d.east),
        organization=d.branch_a,
        reviewer_org=d.east,
        reviewer_role=RoleKind.LEADER,
        held_on=TODAY,
        form="forum",
        achievements="成绩",
        direction="方向",
        rating="good",
    )


def _new_rectification(d):
    return Rectification.objects.create(
        problem="问题",
        source="inspection",
        organization=d.branch_a,
        responsible_person="书记",
        deadline=TODAY,
        registered_by_org=d.east,
    )


def _completed(d):
    return make_pledge(make_campaign(d.east), member=d.member_a, state="completed")


def _new_verdict(d):
    return Verdict.objects.create(pledge=_completed(d), kind="self", result="fulfilled")


def _new_final(d):
    return FinalVerdict.objects.create(pledge=_completed(d), result="fulfilled")


def _new_round(d):
    return EvaluationRound.objects.create(
        campaign=make_campaign(d.east),
        organization=d.branch_a,
        run_by=d.east,
        title="评议",
        starts_on=TODAY,
        ends_on=TODAY,
    )


def _new_questionnaire(d):
    return Questionnaire.objects.create(name="评议表", organization=d.east, items=["总体评价"])


def _new_tally(d):
    return Tally.objects.create(
        round=_new_round(d), source="paper", group="public", item="总体评价"
    )


def _new_grading(d):
    return OrgGrading.objects.create(organization=d.branch_a, year=2026, grade="2", by_org=d.east)


def _new_star(d):
    return MemberStar.objects.create(member=d.member_a, branch=d.branch_a, year=2026, stars=3)


def _new_commendation(d):
    return Commendation.objects.create(
        kind="member",
        awarded_by=d.root,
        member=d.member_a,
        title="优秀共产党员",
        citation="事迹",
        awarded_on=TODAY,
    )


# label → (make a row, a field to change and its new value, its column, the parent's id or None)
CASES = {
    "orgs.organization": (_new_org, "name", "第二党小组", "name", None),
    "orgs.member": (_new_member, "name", "王六", "name", lambda row: row.branch_id),
    "orgs.role": (_new_role, "kind", RoleKind.LEADER, "kind", lambda row: row.organization_id),
    "orgs.roleterm": (_new_term, "reason", "撤销", "reason", lambda row: row.organization_id),
    "auth.user": (_new_user, "first_name", "新名", "first_name", None),
    "accounts.profile": (_new_profile, "phone", "1390000000", "phone", None),
    "accounts.accesscode": (_new_code, "purpose", Purpose.ACTIVATE, "purpose", lambda r: r.user_id),
    "campaign.campaign": (_new_campaign, "theme", "新主题", "theme", lambda r: r.organization_id),
    "pledges.pledge": (_new_pledge, "title", "新标题", "title", None),
    "pledges.pledgeprogress": (_new_progress, "text", "又走访", "text", lambda r: r.pledge_id),
    "campaign.requirements": (
        _new_requirements,
        "review_schedule",
        "quarterly",
        "review_schedule",
        lambda r: r.campaign_id,
    ),
    "campaign.phase": (_new_phase, "name", "深入实施", "name", lambda r: r.campaign_id),
    "campaign.deadline": (
        _new_deadline,
        "due_on",
        ("2026-01-01", "2026-01-02", "2026-01-03"),
        "due_on",
        lambda r: r.campaign_id,
    ),
    "reviews.leaderreview": (
        _new_review,
        "direction",
        "新方向",
        "direction",
        lambda r: r.organization_id,
    ),
    "reviews.rectification": (
        _new_rectification,
        "problem",
        "新问题",
        "problem",
        lambda r: r.organization_id,
    ),
    "reviews.verdict": (_new_verdict, "comment", "意见", "comment", lambda r: r.pledge_id),
    "reviews.evaluationround": (
        _new_round,
        "title",
        "新评议",
        "title",
        lambda r: r.organization_id,
    ),
    "reviews.questionnaire": (
        _new_questionnaire,
        "name",
        "新表",
        "name",
        lambda r: r.organization_id,
    ),
    "reviews.tally": (_new_tally, "item", "服务群众", "item", lambda r: r.round_id),
    "reviews.finalverdict": (_new_final, "result", "mostly", "result", lambda r: r.pledge_id),
    "reviews.orggrading": (_new_grading, "reason", "改定", "reason", lambda r: r.organization_id),
    "reviews.memberstar": (_new_star, "note", "退回重评", "note", lambda r: r.branch_id),
    "reviews.commendation": (
        _new_commendation,
        "title",
        "优秀党务工作者",
        "title",
        lambda r: r.awarded_by_id,
    ),
}


def _kept(label, field, value):
    """The value as the trail keeps it: a masked field starred but for its last four."""
    if field in tracked_model(label).mask:
        return "*" * (len(value) - 4) + value[-4:]
    return value


def _records(row):
    return AuditRecord.objects.filter(model=row._meta.label_lower, row_id=row.pk).order_by("id")


def test_every_tracked_model_has_a_case():
    assert {item.label for item in tracked()} == set(CASES)


# Committed transactions, as in production: an actor named in a test's own transaction would
# otherwise hold for the whole test.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("label", CASES)
def test_it_catches_create_update_bulk_update_raw_sql_and_delete(label, district, alice):
    make, field, value, column, parent = CASES[label]
    # The values of the bulk and the raw update: the first with "2" and "3" after it, or given
    # (a date).
    value, again, raw_value = (
        value if isinstance(value, tuple) else (value, f"{value}2", f"{value}3")
    )
    with audited(by=alice):
        row = make(district)
    created = _records(row).get()
    assert (created.operation, created.actor_id) == ("insert", alice.pk)
    assert created.parent_id == (parent(row) if parent else None)

    setattr(row, field, value)
    with audited(by=alice):
        row.save()
    updated = _records(row).last()
    assert (updated.operation, updated.actor_id) == ("update", alice.pk)
    assert updated.snapshot[field] == _kept(label, field, value)

    type(row).objects.filter(pk=row.pk).update(**{field: again})
    bulk = _records(row).last()
    assert (bulk.operation, bulk.actor_id) == ("update", None)
    assert bulk.snapshot[field] == _kept(label, field, again)

    table = connection.ops.quote_name(row._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {connection.ops.quote_name(column)} = %s WHERE id = %s",
            [raw_value, row.pk],
        )
    raw = _records(row).last()
    assert (raw.operation, raw.actor_id) == ("update", None)
    assert raw.snapshot[field] == _kept(label, field, raw_value)

    pk = row.pk
    with audited(by=alice):
        type(row).objects.filter(pk=pk).delete()
    deleted = AuditRecord.objects.filter(model=label, row_id=pk).order_by("id").last()
    assert (deleted.operation, deleted.actor_id) == ("delete", alice.pk)
    assert deleted.snapshot[field] == _kept(label, field, raw_value)  # the row as it was


def test_a_bulk_update_leaves_one_record_per_row(district):
    members = MemberFactory.create_batch(3, branch=district.branch_a)
    Member.objects.filter(pk__in=[m.pk for m in members]).update(category="retired")

    for member in members:
        assert _records(member).last().snapshot["category"] == "retired"


def test_a_masked_field_keeps_only_its_last_four_characters(district):
    member = MemberFactory(branch=district.branch_a, phone="13912345678")
    Member.objects.filter(pk=member.pk).update(phone="1234567")

    first, second = _records(member)
    assert first.snapshot["phone"] == "*******5678"
    assert (second.before["phone"], second.snapshot["phone"]) == ("*******5678", "*******")


def test_a_masked_field_that_changes_is_recorded_even_when_it_looks_the_same(district):
    member = MemberFactory(branch=district.branch_a, phone="13812345678")
    Member.objects.filter(pk=member.pk).update(phone="13912345678")

    change = _records(member).last()
    assert (change.operation, change.snapshot["phone"]) == ("update", "*******5678")
    assert trail(of(Member, member.pk))[0].changes[0].label == "联系电话"


def test_excluded_fields_are_not_kept_and_do_not_make_records(district):
    member = MemberFactory(branch=district.branch_a)
    assert "updated_at" not in _records(member).get().snapshot
    Member.objects.filter(pk=member.pk).update(updated_at="2026-01-01T00:00:00Z")
    assert _records(member).count() == 1


def test_the_trail_names_a_move_by_the_branches(district, alice):
    member = district.member_a
    with audited(by=alice):
        Member.objects.filter(pk=member.pk).update(branch=district.peace)

    move = trail(of(Member, member.pk))[0]
    assert move.actor_name == "alice"
    assert [(c.label, c.before, c.after) for c in move.changes] == [
        ("所在党组织", "幸福社区党支部", "和平社区党支部")
    ]


def test_the_trail_of_an_organisation_holds_its_role_grants(district, alice):
    role = _new_role(district)
    entries = trail(of(Organization, district.peace.pk), under(Role, district.peace.pk))
    assert [entry.label for entry in entries] == ["新增角色", "新增党组织"]
    assert entries[0].record.row_id == role.pk
    # An added row is told by the fields that say which it is: here, who got which role.
    assert [(c.label, c.before, c.after) for c in entries[0].changes] == [
        ("用户", "—", "someone"),
        ("角色", "—", "书记/党务工作者"),
    ]
    assert [(c.label, c.after) for c in entries[1].changes] == [("名称", "和平社区党支部")]


def test_the_actor_names_the_writes_of_the_block_only(district, alice, bob):
    member = district.member_a
    with transaction.atomic():
        with audited(by=alice):
            Member.objects.filter(pk=member.pk).update(name="书记修改")
            with audited(by=bob):
                Member.objects.filter(pk=member.pk).update(name="另一人修改")
            Member.objects.filter(pk=member.pk).update(name="书记再改")
        Member.objects.filter(pk=member.pk).update(name="块外的修改")

        with audited(by=alice), audited(by=None):
            Member.objects.filter(pk=member.pk).update(name="无人名下的修改")
        with audited(by=None):
            Member.objects.filter(pk=member.pk).update(name="谁也不是")

    names = [(r.snapshot["name"], r.actor_id) for r in _records(member)][1:]
    assert names == [
        ("书记修改", alice.pk),
        ("另一人修改", bob.pk),
        ("书记再改", alice.pk),
        ("块外的修改", None),
        ("无人名下的修改", alice.pk),  # a block by nobody inside alice's: hers
        ("谁也不是", None),
    ]


@pytest.mark.django_db(transaction=True)
def test_the_actor_ends_with_its_transaction(district, alice):
    member = district.member_a
    with audited(by=alice):
        Member.objects.filter(pk=member.pk).update(name="书记修改")
    assert _records(member).last().actor_id == alice.pk

    # The same connection, after the commit.
    Member.objects.filter(pk=member.pk).update(name="随后的批量修改")
    assert _records(member).last().actor_id is None


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_takes_its_actor_with_it(district, alice):
    member = district.member_a
    with pytest.raises(RuntimeError), audited(by=alice):
        raise RuntimeError
    Member.objects.filter(pk=member.pk).update(name="之后的修改")
    assert _records(member).last().actor_id is None


@pytest.mark.django_db(transaction=True)
def test_another_connections_write_never_takes_the_actor(district, alice):
    mine = district.member_a
    theirs = MemberFactory(branch=district.branch_a)
    in_transaction, done = threading.Event(), threading.Event()

    def bulk_update_elsewhere():
        try:
            in_transaction.wait(5)
            # PostgreSQL runs this at once; SQLite queues it on the write lock until the
            # transaction below commits, and it then runs before or after the actor is cleared.
            Member.objects.filter(pk=theirs.pk).update(name="另一连接的批量修改")
        finally:
            done.set()
            connection.close()

    thread = threading.Thread(target=bulk_update_elsewhere)
    thread.start()
    with audited(by=alice):
        Member.objects.filter(pk=mine.pk).update(name="书记修改")
        in_transaction.set()
        done.wait(0.5 if connection.vendor == "sqlite" else 5)
    thread.join()

    assert _records(mine).last().actor_id == alice.pk
    assert _records(theirs).last().actor_id is None
    assert _records(theirs).last().snapshot["name"] == "另一连接的批量修改"


# --- The triggers and the system check ------------------------------------------------------------


def _audit_errors():
    return [e for e in run_checks(databases=["default"]) if e.id == "core.E001"]


def test_the_check_passes_when_every_tracked_table_has_its_triggers(db):
    assert _audit_errors() == []
    call_command("check", "--database", "default")


def test_the_check_fails_on_a_table_whose_trigger_was_dropped(db):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER audit_orgs_member_update")
        else:
            cursor.execute("DROP TRIGGER audit_orgs_member_update ON orgs_member")
    errors = _audit_errors()
    assert [e.msg for e in errors] == ["orgs_member: trigger audit_orgs_member_update is missing"]

    call_command("install_audit_triggers", stdout=io.StringIO())
    assert _audit_errors() == []


def test_the_check_fails_on_a_trigger_of_a_table_no_longer_tracked(db):
    from core import audit
    from core.audit import triggers

    kept = audit._registry.pop("orgs.role")
    try:
        assert [e.msg for e in _audit_errors()] == [
            f"trigger audit_orgs_role_{op} is of a table no longer tracked"
            for op in sorted(["insert", "update", "delete"])
        ] + (
            ["function audit_orgs_role() is of a table no longer tracked"]
            if connection.vendor == "postgresql"
            else []
        )
        triggers.install(connection)
        assert _audit_errors() == []
    finally:
        audit._registry["orgs.role"] = kept
        triggers.install(connection)
    assert _audit_errors() == []


def test_the_check_fails_on_a_stale_or_disabled_trigger(district):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER audit_campaign_campaign_insert")
            cursor.execute(
                "CREATE TRIGGER audit_campaign_campaign_insert AFTER INSERT ON campaign_campaign "
                "BEGIN SELECT 1; END"
            )
            expected = "campaign_campaign: trigger audit_campaign_campaign_insert is out of date"
        else:
            cursor.execute(
                "ALTER TABLE campaign_campaign DISABLE TRIGGER audit_campaign_campaign_insert"
            )
            expected = "campaign_campaign: trigger audit_campaign_campaign_insert is disabled"
    assert [e.msg for e in _audit_errors()] == [expected]
    Campaign.objects.create(
        name="无人记录", organization=district.root, starts_on=TODAY, ends_on=TODAY
    )
    assert not AuditRecord.objects.filter(model="campaign.campaign").exists()


def test_pledges_keep_their_trail_through_the_workflow(district, campaign, alice):
    pledge = make_pledge(campaign, member=district.member_a, state="submitted")
    from pledges import workflow

    workflow.approve_pledge(pledge, by=alice)
    assert _records(Pledge.objects.get(pk=pledge.pk)).last().actor_id == alice.pk
