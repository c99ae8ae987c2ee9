"""Redis stopped while pledges are saved and reminders run (a crash: SIGKILL, nothing kept), on a
redis-server of the test's own holding the cache, the sessions' cached copies and the broker.

The cache is no store of record: while it is down, pledges are saved through the pages and the
sweep writes its reminders; once it is back, the sweep run again and the outbox drained as beat
will leave exactly one of each in the database, and one email per reminder."""

import datetime
import os
import signal
import time

import pytest
from celery import Celery
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from campaign.models import Notification
from campaign.tasks import send_pending_task
from oversight import sweeps
from pledges.models import EventKind, Pledge, PledgeEvent

from ..factories import MemberFactory, make_pledge

TODAY = datetime.date.today()


def _pledge_data(title: str) -> dict:
    return {
        "title": title,
        "content": f"{title}，年底前帮助群众解决一件实际困难。",
        "areas": ["服务群众"],
        "deadline": (TODAY + datetime.timedelta(days=60)).isoformat(),
    }


@pytest.fixture
def on_private_redis(private_redis, monkeypatch):
    """The cache, the sessions' cached copies and the email task's broker on the private Redis,
    as production has them on one Redis (config/settings.py with CACHE_URL, README Production).
    Put back before the suite's own fixtures empty the shared cache."""
    cache = {
        "BACKEND": "core.cache.RedisCache",
        "LOCATION": private_redis.url(1),
        "KEY_PREFIX": "ccz",
    }
    broker = Celery("ccz-fault", set_as_current=False)
    broker.conf.update(broker_url=private_redis.url(0))
    monkeypatch.setattr(
        send_pending_task, "delay", lambda: broker.send_task(send_pending_task.name)
    )
    try:
        with override_settings(CACHES={"default": cache}, SESSION_ENGINE="core.sessions"):
            yield private_redis
    finally:
        broker.close()


def test_with_redis_down_nothing_is_lost_and_nothing_doubled(
    district, campaign, alice, bob, client, on_private_redis, django_capture_on_commit_callbacks
):
    redis = on_private_redis
    for user in (alice, bob):
        user.email = f"{user.username}@example.org"
        user.save()
    members = [MemberFactory(branch=district.branch_a, name=f"党员{i}") for i in range(1, 5)]
    # Late already: one pledge in each branch, so the overdue sweep has one reminder for each.
    late = TODAY - datetime.timedelta(days=2)
    make_pledge(campaign, member=district.member_a, state="published", deadline=late)
    make_pledge(campaign, member=district.member_b, state="published", deadline=late)
    client.force_login(alice)
    branch_page = f"/pledges/org/{district.branch_a.pk}/?campaign={campaign.pk}"

    def save(member, title):
        url = f"/pledges/new/?member={member.pk}&campaign={campaign.pk}"
        return client.post(url, _pledge_data(title))

    def sweep():
        with django_capture_on_commit_callbacks(execute=True):
            return sweeps.run("overdue", TODAY).created

    assert save(members[0], "上门走访").status_code == 302
    assert client.get(branch_page).status_code == 200  # the sheet is cached now

    redis.kill()
    for member, title in ((members[1], "结对帮扶"), (members[2], "义务讲解")):
        response = save(member, title)
        assert response.status_code == 302, response.content.decode()[:500]
        assert response["Location"].startswith(f"/pledges/org/{district.branch_a.pk}/")
    page = client.get(branch_page)
    assert page.status_code == 200
    assert "党员2" in page.content.decode() and "党员3" in page.content.decode()
    # Both reminders written; their email could not be enqueued and waits for beat.
    assert sweep() == 2
    assert client.get("/inbox/").status_code == 200
    # Signing in and out goes on too: the session is the database's.
    other = Client()
    signed_in = other.post(reverse("login"), {"username": "bob", "password": "password"})
    assert signed_in.status_code == 302
    assert other.get("/inbox/").status_code == 200
    assert other.post(reverse("logout")).status_code == 302
    assert other.get("/inbox/").status_code == 302  # to the login page

    redis.start()
    assert save(members[3], "清洁家园").status_code == 302
    assert sweep() == 0  # the next run, or a redelivered one, adds nothing
    assert send_pending_task.run() == 2  # beat drains the outbox
    assert send_pending_task.run() == 0

    assert Pledge.objects.filter(member__in=members).count() == 4
    assert Pledge.objects.count() == 6
    assert (
        PledgeEvent.objects.filter(kind=EventKind.CREATED, pledge__member__in=members).count() == 4
    )
    keys = list(
        Notification.objects.values_list("kind", "organization", "role_kind", "subject", "period")
    )
    assert sorted(org for _kind, org, *_rest in keys) == sorted(
        [district.branch_a.pk, district.branch_b.pk]
    )
    assert len(set(keys)) == len(keys) == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "bob@example.org"]
    # The cache is used again, and the sheet shows every pledge, those of the outage too.
    page = client.get(branch_page).content.decode()
    assert all(member.name in page for member in members)
    assert redis.client(1).dbsize() > 0


def test_a_hung_redis_slows_a_save_but_never_hangs_it(
    district, campaign, alice, client, on_private_redis
):
    """Redis alive but answering nothing (SIGSTOP: the port open, no reply): each cache call
    gives up at the client's socket timeout (redis-py's 5 s), the save goes on, well inside
    gunicorn's 30 s limit (gunicorn.conf.py)."""
    redis = on_private_redis
    client.force_login(alice)
    url = f"/pledges/new/?member={district.member_a.pk}&campaign={campaign.pk}"

    def hung(signum, frame):
        raise TimeoutError("the save hung on a Redis that does not answer")

    os.kill(redis.process.pid, signal.SIGSTOP)
    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(25)
    started = time.monotonic()
    try:
        response = client.post(url, _pledge_data("上门走访"))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        os.kill(redis.process.pid, signal.SIGCONT)
    assert response.status_code == 302 and time.monotonic() - started < 25
    assert Pledge.objects.filter(member=district.member_a).count() == 1
