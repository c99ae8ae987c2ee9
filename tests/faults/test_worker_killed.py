"""A worker killed in the middle of a reminder sweep (SIGKILL: no clean-up, a transaction left
open): the sweep run again, as the next beat tick or Redis' redelivery of the unacknowledged
task will, completes it with exactly one notice per recipient and subject in all.

The sweep runs as `manage.py remind` in a process of its own against the test database (its
rows committed: a transactional test), slowed to one row per transaction with a pause inside
each, so that the kill lands after some notices are committed and while another is uncommitted.
"""

import datetime
import os
import signal
import subprocess
import sys
from urllib.parse import quote

import pytest
from django.db import connection
from django.utils import timezone

from campaign.models import NoticeKind, Notification, SweepRun

from ..factories import MemberFactory, add_org, make_campaign, make_pledge
from .conftest import ROOT, end, manage, wait_for

BRANCHES_EACH = 6  # under each of the two parents: 12 branches, 12 reminders, 12 escalations
SLOW_SWEEP = """
import time
from django.core.management import call_command
from campaign import notifications
from campaign.models import Notification
notifications.BATCH = 1
insert = Notification.objects.bulk_create
def slowly(rows, **options):
    done = insert(rows, **options)
    time.sleep(0.3)  # inside the row's transaction: a kill now loses it
    return done
Notification.objects.bulk_create = slowly
call_command("remind", "--kind", "overdue", "--today", "{day}")
"""


def _database_url() -> str:
    """The test database, for a process of its own."""
    conf = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{conf['NAME']}"
    credentials = f"{quote(conf['USER'])}:{quote(conf['PASSWORD'])}"
    address = f"{conf['HOST'] or 'localhost'}:{conf['PORT'] or 5432}"
    return f"postgres://{credentials}@{address}/{conf['NAME']}"


@pytest.fixture
def sweep_env() -> dict:
    # The email task's messages go nowhere: this is about the notices, not the shared broker.
    return {"DATABASE_URL": _database_url(), "CELERY_BROKER_URL": "memory://"}


@pytest.fixture
def late_branches(district):
    """Twelve branches, each with a member's pledge ten days late (past the campaign's seven
    days before the level above is told)."""
    campaign = make_campaign(district.root)
    late = timezone.localdate() - datetime.timedelta(days=10)
    branches = []
    for parent in (district.east, district.west):
        for n in range(BRANCHES_EACH):
            branch = add_org(parent, f"{parent.name[:2]}第{n + 1}党支部")
            member = MemberFactory(branch=branch)
            make_pledge(campaign, member=member, state="published", deadline=late)
            branches.append(branch)
    return branches


@pytest.mark.django_db(transaction=True)
def test_a_sweep_killed_part_way_and_run_again_sends_each_notice_once(
    district, late_branches, sweep_env
):
    day = timezone.localdate().isoformat()
    expected = 2 * len(late_branches)
    script = SLOW_SWEEP.replace("{day}", day)
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "shell", "--no-startup", "-c", script],
        cwd=ROOT,
        env={**os.environ, **sweep_env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(
            lambda: Notification.objects.count() >= 4 or worker.poll() is not None,
            seconds=60,
            what="the slowed sweep to commit its first notices",
        )
        assert worker.poll() is None, worker.stderr.read()[-2000:]
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        end(worker)
    assert worker.returncode == -signal.SIGKILL
    committed = Notification.objects.count()
    assert 0 < committed < expected  # killed part-way
    assert not SweepRun.objects.exists()  # the killed run never got to log itself

    again = manage("remind", "--kind", "overdue", "--today", day, env=sweep_env)
    assert again.returncode == 0, again.stderr[-2000:]
    assert f"应提醒 {expected} 条，新发出 {expected - committed} 条" in again.stdout
    third = manage("remind", "--kind", "overdue", "--today", day, env=sweep_env)
    assert f"应提醒 {expected} 条，新发出 0 条" in third.stdout, third.stderr[-2000:]

    rows = list(
        Notification.objects.values_list("kind", "organization", "role_kind", "subject", "period")
    )
    assert len(rows) == len(set(rows)) == expected
    reminded = Notification.objects.filter(kind=NoticeKind.PLEDGE_OVERDUE)
    assert sorted(reminded.values_list("organization", flat=True)) == sorted(
        branch.pk for branch in late_branches
    )
    escalated = Notification.objects.filter(kind=NoticeKind.ESCALATION)
    assert sorted(escalated.values_list("subject", flat=True)) == sorted(
        f"pledges:{branch.pk}" for branch in late_branches
    )
    assert set(escalated.values_list("organization", flat=True)) == {
        district.east.pk,
        district.west.pk,
    }
    assert sorted(SweepRun.objects.values_list("created", flat=True)) == sorted(
        [0, expected - committed]
    )
