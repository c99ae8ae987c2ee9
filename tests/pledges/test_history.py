import datetime
import threading
from collections import Counter
from unittest.mock import ANY

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction

from pledges import services, workflow
from pledges.history import PledgeHistory, PledgeProgressHistory, history_for, set_actor
from pledges.models import Pledge, PledgeProgress, PledgeState

from ..factories import MemberFactory, make_pledge

S = PledgeState
TODAY = datetime.date.today()


def _latest(pledge):
    return PledgeHistory.objects.filter(row_id=pledge.pk).latest("id")


def test_it_records_a_service_edit_with_the_actor_and_the_changed_fields(district, campaign, alice):
    pledge = make_pledge(campaign, member=district.member_a, title="旧标题")
    services.update_pledge(pledge, by=alice, version=1, title="新标题")

    edit, created = history_for(pledge)
    assert (edit.operation, edit.actor, edit.label) == ("update", alice, "修改承诺")
    assert edit.changes == {"title": ("旧标题", "新标题")}
    assert edit.snapshot["version"] == 2
    assert (created.operation, created.actor) == ("insert", None)
    assert created.snapshot["title"] == "旧标题"


def test_it_snapshots_every_field_the_page_shows(district, campaign, alice):
    pledge = make_pledge(
        campaign, member=district.member_a, areas=["服务群众"], five_items=["deed"], oral=False
    )
    assert _latest(pledge).snapshot == {
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
        "campaign_id": campaign.pk,
        "member_id": district.member_a.pk,
        "organization_id": None,
        "version": 1,
    }


def test_it_records_a_workflow_step(district, campaign, alice):
    pledge = make_pledge(campaign, member=district.member_a, state=S.APPROVED)
    workflow.sign_pledge(pledge, by=alice, signed_by="支部书记王某、党员张三", signed_on=TODAY)

    step = history_for(pledge)[0]
    assert (step.operation, step.actor) == ("update", alice)
    assert step.changes == {
        "state": ("approved", "signed"),
        "signed_by": ("", "支部书记王某、党员张三"),
        "signed_on": (None, TODAY.isoformat()),
    }


def test_it_records_every_row_of_a_bulk_update_outside_the_services(district, campaign):
    pledges = [make_pledge(campaign, member=MemberFactory(branch=district.branch_a)) for _ in "abc"]
    Pledge.objects.filter(pk__in=[p.pk for p in pledges]).update(title="批量修改")

    for pledge in pledges:
        record = history_for(pledge)[0]
        assert (record.operation, record.actor_id) == ("update", None)
        assert record.changes == {"title": ("为群众办一件实事", "批量修改")}


def test_it_records_a_raw_sql_update(district, campaign):
    pledge = make_pledge(campaign, member=district.member_a)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE pledges_pledge SET state = %s, version = version + 1 WHERE id = %s",
            ["published", pledge.pk],
        )

    record = history_for(pledge)[0]
    assert (record.operation, record.actor_id) == ("update", None)
    assert record.changes == {"state": ("draft", "published")}
    assert record.snapshot["version"] == 2


def test_it_records_a_progress_record_and_the_step_it_takes(district, campaign, alice):
    pledge = make_pledge(campaign, member=district.member_a, state=S.PUBLISHED)
    progress = services.add_progress(pledge, by=alice, happened_on=TODAY, text="走访困难群众")

    added = PledgeProgressHistory.objects.get(row_id=progress.pk)
    assert (added.operation, added.actor_id, added.pledge_id) == ("insert", alice.pk, pledge.pk)
    assert added.snapshot == {
        "pledge_id": pledge.pk,
        "happened_on": TODAY.isoformat(),
        "text": "走访困难群众",
        "attachment": "",
        "attachment_type": "",
        "attachment_name": "",
    }
    trail = history_for(pledge)
    assert added in trail
    started = next(r for r in trail if isinstance(r, PledgeHistory) and r.operation == "update")
    assert started.changes == {"state": ("published", "fulfilling")}
    assert started.actor == alice


def test_it_keeps_the_trail_of_a_deleted_pledge_and_its_progress(district, campaign):
    pledge = make_pledge(campaign, member=district.member_a, state=S.FULFILLING, title="将删除")
    progress = PledgeProgress.objects.create(pledge=pledge, happened_on=TODAY, text="走访")
    pledge_id, progress_id = pledge.pk, progress.pk
    pledge.delete()

    deleted = PledgeHistory.objects.filter(row_id=pledge_id).latest("id")
    assert (deleted.operation, deleted.snapshot["title"]) == ("delete", "将删除")
    deleted = PledgeProgressHistory.objects.filter(row_id=progress_id).latest("id")
    assert (deleted.operation, deleted.snapshot["text"]) == ("delete", "走访")


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

    edit = history_for(pledge)[0]
    assert (edit.actor_id, edit.actor, edit.changes) == (alice_id, None, {"title": ANY})


@pytest.mark.django_db(transaction=True)
def test_set_actor_is_refused_outside_a_transaction(alice):
    with pytest.raises(transaction.TransactionManagementError):
        set_actor(alice)


@pytest.mark.parametrize("size", [1, 10])
def test_history_for_takes_two_queries_however_long_the_trail(
    size, district, campaign, alice, bob, django_assert_num_queries
):
    pledge = make_pledge(campaign, member=district.member_a, state=S.FULFILLING)
    for number in range(size):
        with transaction.atomic():
            set_actor(alice if number % 2 else bob)
            Pledge.objects.filter(pk=pledge.pk).update(title=f"第{number}次修改")
            PledgeProgress.objects.create(pledge=pledge, happened_on=TODAY, text=f"第{number}次")

    with django_assert_num_queries(2):
        trail = history_for(pledge)
    # None: the factory's insert.
    expected = Counter({None: 1, bob: 2 * ((size + 1) // 2), alice: 2 * (size // 2)})
    assert Counter(record.actor for record in trail) == expected


def test_the_triggers_survive_all_migrations(db):
    # On SQLite a later migration that alters a tracked table drops its triggers with it.
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        names = {name for (name,) in cursor.fetchall()}
    expected = {
        "sqlite": {
            f"{table}_history_{operation}"
            for table in ("pledges_pledge", "pledges_pledgeprogress")
            for operation in ("insert", "update", "delete")
        },
        "postgresql": {"pledges_pledge_history", "pledges_pledgeprogress_history"},
    }[connection.vendor]
    assert expected <= names


@pytest.mark.django_db(transaction=True)
def test_the_actor_ends_with_its_transaction(district, campaign, alice):
    pledge = make_pledge(campaign, member=district.member_a)
    services.update_pledge(pledge, by=alice, version=1, title="书记修改")
    assert _latest(pledge).actor_id == alice.pk

    # The same connection, after the commit.
    Pledge.objects.filter(pk=pledge.pk).update(title="随后的批量修改")
    assert _latest(pledge).actor_id is None


@pytest.mark.django_db(transaction=True)
def test_another_connections_write_never_takes_the_actor(district, campaign, alice):
    mine = make_pledge(campaign, member=district.member_a)
    theirs = make_pledge(campaign, member=MemberFactory(branch=district.branch_a))
    in_transaction, done = threading.Event(), threading.Event()

    def bulk_update_elsewhere():
        try:
            in_transaction.wait(5)
            # PostgreSQL runs this at once; SQLite queues it on the write lock until the
            # transaction below commits, and it then runs before or after the actor is cleared.
            Pledge.objects.filter(pk=theirs.pk).update(title="另一连接的批量修改")
        finally:
            done.set()
            connection.close()

    thread = threading.Thread(target=bulk_update_elsewhere)
    thread.start()
    with transaction.atomic():
        set_actor(alice)
        Pledge.objects.filter(pk=mine.pk).update(title="书记修改")
        in_transaction.set()
        done.wait(0.5 if connection.vendor == "sqlite" else 5)
    thread.join()

    assert _latest(mine).actor_id == alice.pk
    assert _latest(theirs).actor_id is None
    assert _latest(theirs).snapshot["title"] == "另一连接的批量修改"
