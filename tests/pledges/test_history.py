"""The audit trail of pledges and their progress records as the pledge page shows it."""

import datetime
from collections import Counter

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from core.audit import audited
from core.models import AuditRecord
from pledges import services, workflow
from pledges.models import Pledge, PledgeProgress, PledgeState
from pledges.selectors import pledge_trail

from ..factories import MemberFactory, make_pledge

S = PledgeState
TODAY = datetime.date.today()


def _latest(pledge):
    return AuditRecord.objects.filter(model="pledges.pledge", row_id=pledge.pk).latest("id")


def test_it_records_a_service_edit_with_the_actor_and_the_changed_fields(district, campaign, alice):
    pledge = make_pledge(campaign, member=district.member_a, title="旧标题")
    services.update_pledge(pledge, by=alice, version=1, title="新标题")

    edit, created = pledge_trail(pledge)
    assert (edit.operation, edit.actor, edit.label) == ("update", alice, "修改公开承诺")
    assert [(c.label, c.before, c.after) for c in edit.changes] == [
        ("承诺事项", "旧标题", "新标题")
    ]
    assert (created.operation, created.actor) == ("insert", None)
    assert created.snapshot["title"] == "旧标题"


def test_it_snapshots_every_field_the_page_shows(district, campaign, alice):
    pledge = make_pledge(
        campaign, member=district.member_a, areas=["服务群众"], five_items=["deed"], oral=False
    )
    assert _latest(pledge).snapshot == {
        "campaign_id": campaign.pk,
        "organization_id": None,
        "member_id": district.member_a.pk,
        "title": pledge.title,
        "content": pledge.content,
        "areas": ["服务群众"],
        "deadline": pledge.deadline.isoformat(),
        "five_items": ["deed"],
        "oral": False,
        "state": "draft",
        "signed_by": "",
        "signed_on": None,
        "published_at": None,
        "created_by_id": None,
    }


def test_it_shows_a_workflow_step_with_labels_and_dates(district, campaign, alice):
    pledge = make_pledge(campaign, member=district.member_a, state=S.APPROVED)
    workflow.sign_pledge(pledge, by=alice, signed_by="支部书记王某、党员张三", signed_on=TODAY)

    step = pledge_trail(pledge)[0]
    assert (step.operation, step.actor) == ("update", alice)
    assert [(c.label, c.before, c.after) for c in step.changes] == [
        ("状态", "已审诺", "已签约"),
        ("签约人", "—", "支部书记王某、党员张三"),
        ("签约日期", "—", TODAY.isoformat()),
    ]


def test_it_shows_the_publication_time_in_local_time_to_the_minute(district, campaign, alice):
    pledge = make_pledge(campaign, member=district.member_a, state=S.SIGNED)
    workflow.publish_pledge(pledge, by=alice)

    pledge.refresh_from_db()
    change = {c.label: c for c in pledge_trail(pledge)[0].changes}["公开时间"]
    local = pledge.published_at.astimezone(datetime.timezone(datetime.timedelta(hours=8)))
    assert change.after == local.strftime("%Y-%m-%d %H:%M")


def test_it_shows_five_items_by_their_labels(district, campaign, alice):
    pledge = make_pledge(campaign, member=district.member_a)
    services.update_pledge(pledge, by=alice, version=1, five_items=["deed", "talk"])

    change = pledge_trail(pledge)[0].changes[0]
    assert (change.label, change.before, change.after) == (
        "“五个一”",
        "—",
        "办一件力所能及的实事、进行一次谈心谈话",
    )


def test_it_records_every_row_of_a_bulk_update_outside_the_services(district, campaign):
    pledges = [make_pledge(campaign, member=MemberFactory(branch=district.branch_a)) for _ in "abc"]
    Pledge.objects.filter(pk__in=[p.pk for p in pledges]).update(title="批量修改")

    for pledge in pledges:
        record = pledge_trail(pledge)[0]
        assert (record.operation, record.actor, record.actor_name) == ("update", None, "")
        assert [(c.before, c.after) for c in record.changes] == [("为群众办一件实事", "批量修改")]


def test_it_records_a_raw_sql_update(district, campaign):
    pledge = make_pledge(campaign, member=district.member_a)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE pledges_pledge SET state = %s, version = version + 1 WHERE id = %s",
            ["published", pledge.pk],
        )

    record = pledge_trail(pledge)[0]
    assert (record.operation, record.actor) == ("update", None)
    assert [(c.label, c.before, c.after) for c in record.changes] == [
        ("状态", "调研承诺", "已公开")
    ]


def test_a_write_that_changes_nothing_tracked_leaves_no_record(district, campaign):
    pledge = make_pledge(campaign, member=district.member_a)
    before = AuditRecord.objects.count()
    Pledge.objects.filter(pk=pledge.pk).update(version=7)

    assert AuditRecord.objects.count() == before


def test_it_records_a_progress_record_and_the_step_it_takes(district, campaign, alice):
    pledge = make_pledge(campaign, member=district.member_a, state=S.PUBLISHED)
    progress = services.add_progress(pledge, by=alice, happened_on=TODAY, text="走访困难群众")

    added = AuditRecord.objects.get(model="pledges.pledgeprogress", row_id=progress.pk)
    assert (added.operation, added.actor_id, added.parent_id) == ("insert", alice.pk, pledge.pk)
    assert added.snapshot == {
        "pledge_id": pledge.pk,
        "happened_on": TODAY.isoformat(),
        "text": "走访困难群众",
        "attachment": "",
        "attachment_type": "",
        "attachment_name": "",
        "created_by_id": alice.pk,
    }
    trail = pledge_trail(pledge)
    assert added in [entry.record for entry in trail]
    started = next(
        e for e in trail if e.record.model == "pledges.pledge" and e.operation == "update"
    )
    assert [(c.before, c.after) for c in started.changes] == [("已公开", "践诺中")]
    assert started.actor == alice


def test_it_shows_an_attachment_by_its_file_name(district, campaign, alice):
    pledge = make_pledge(campaign, member=district.member_a, state=S.FULFILLING)
    progress = PledgeProgress.objects.create(pledge=pledge, happened_on=TODAY, text="走访")
    PledgeProgress.objects.filter(pk=progress.pk).update(attachment="pledges/9/202611-3.pdf")

    change = {c.label: c for c in pledge_trail(pledge)[0].changes}["附件"]
    assert (change.before, change.after) == ("—", "202611-3.pdf")


def test_it_keeps_the_trail_of_a_deleted_pledge_and_its_progress(district, campaign):
    pledge = make_pledge(campaign, member=district.member_a, state=S.FULFILLING, title="将删除")
    progress = PledgeProgress.objects.create(pledge=pledge, happened_on=TODAY, text="走访")
    pledge_id, progress_id = pledge.pk, progress.pk
    pledge.delete()

    deleted = AuditRecord.objects.filter(model="pledges.pledge", row_id=pledge_id).latest("id")
    assert (deleted.operation, deleted.snapshot["title"]) == ("delete", "将删除")
    deleted = AuditRecord.objects.filter(model="pledges.pledgeprogress", row_id=progress_id)
    assert (deleted.latest("id").operation, deleted.latest("id").snapshot["text"]) == (
        "delete",
        "走访",
    )


def test_a_refused_service_call_leaves_no_actor_behind(district, campaign, bob):
    pledge = make_pledge(campaign, member=district.member_a)
    with pytest.raises(PermissionDenied):
        services.update_pledge(pledge, by=bob, version=1, title="越权修改")
    Pledge.objects.filter(pk=pledge.pk).update(title="之后的批量修改")

    assert _latest(pledge).actor_id is None


def test_the_trail_outlives_the_user_who_made_it(district, campaign, alice):
    pledge = make_pledge(campaign, member=district.member_a)
    services.update_pledge(pledge, by=alice, version=1, title="新标题")
    alice_id = alice.pk
    alice.delete()

    edit = pledge_trail(pledge)[0]
    assert (edit.record.actor_id, edit.actor, len(edit.changes)) == (alice_id, None, 1)


@pytest.mark.parametrize("size", [1, 10])
def test_the_trail_takes_one_query_however_long(
    size, district, campaign, alice, bob, django_assert_num_queries
):
    pledge = make_pledge(campaign, member=district.member_a, state=S.FULFILLING)
    for number in range(size):
        with audited(by=alice if number % 2 else bob):
            Pledge.objects.filter(pk=pledge.pk).update(title=f"第{number}次修改")
            PledgeProgress.objects.create(pledge=pledge, happened_on=TODAY, text=f"第{number}次")

    with django_assert_num_queries(1):
        trail = pledge_trail(pledge)
    # None: the factory's insert.
    expected = Counter({None: 1, bob: 2 * ((size + 1) // 2), alice: 2 * (size // 2)})
    assert Counter(entry.actor for entry in trail) == expected
