"""The sweeps through Celery: a real worker runs one sent through the broker (SQLite's locally,
Redis in CI), and a broker that is down loses no notification and doubles none."""

import datetime

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from kombu.exceptions import OperationalError

from campaign import notifications
from campaign.models import NoticeKind, Notification
from campaign.tasks import send_pending_task
from orgs.models import RoleKind
from oversight.tasks import overdue_sweep_task

from ..factories import make_campaign, make_pledge


@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_a_sweep_sent_through_the_broker(worker_app, district):
    campaign = make_campaign(district.root)
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    make_pledge(campaign, member=district.member_a, state="published", deadline=yesterday)
    worker_app.task(name=overdue_sweep_task.name)(overdue_sweep_task.run)
    with start_worker(worker_app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
        result = worker_app.tasks[overdue_sweep_task.name].delay()
        assert result.get(timeout=60) == 1
    notice = Notification.objects.get()
    assert (notice.kind, notice.organization, notice.role_kind) == (
        NoticeKind.PLEDGE_OVERDUE,
        district.branch_a,
        RoleKind.SECRETARY,
    )


def test_with_the_broker_down_the_notification_is_kept_and_mailed_once_later(
    district, alice, monkeypatch, django_capture_on_commit_callbacks
):
    alice.email = "alice@example.org"
    alice.save()

    def down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(send_pending_task, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify_on_commit(
            lambda: [
                Notification(
                    kind=NoticeKind.SUPERVISION,
                    organization=district.branch_a,
                    role_kind=RoleKind.SECRETARY,
                    title="请尽快完成公开承诺",
                )
            ]
        )
    notice = Notification.objects.get()  # saved though the mail could not be enqueued
    assert notice.emailed_at is None and not mail.outbox
    # Beat's run once the broker is back: sent once, and not again.
    assert send_pending_task.run() == 1
    assert send_pending_task.run() == 0
    assert len(mail.outbox) == 1
