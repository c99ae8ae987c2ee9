"""Reads from a read replica (core/replica.py): inside `reads()` the router sends reads to the
`replica` alias when one is configured, and never a write; the dashboard, the ranking and export
jobs read their figures and rows there while scope checks, job progress and records stay on the
primary. The replica here is the test database itself, as Django's TEST MIRROR makes it."""

import pytest
from django.db import connections
from django.db.utils import ConnectionRouter

from core import exports, replica
from core.models import Job, JobState
from orgs.models import Member
from pledges.models import Pledge

from ..factories import MemberFactory, make_pledge


@pytest.fixture
def mirrored_replica(monkeypatch):
    """A `replica` alias that is the default connection, and the alias each read went to as
    (model label, alias) pairs (a raw SQL read, as ("raw SQL", alias))."""
    monkeypatch.setitem(connections.settings, replica.REPLICA, connections.settings["default"])
    connections[replica.REPLICA] = connections["default"]
    routed = []
    original = replica.ReplicaRouter.db_for_read

    def spy(self, model, **hints):
        alias = original(self, model, **hints)
        routed.append((model._meta.label, alias))
        return alias

    monkeypatch.setattr(replica.ReplicaRouter, "db_for_read", spy)
    original_reader = replica.reader

    def reader():
        chosen = original_reader()
        routed.append(("raw SQL", replica.REPLICA if replica.reading() else None))
        return chosen

    monkeypatch.setattr(replica, "reader", reader)
    yield routed
    del connections[replica.REPLICA]


def test_without_a_replica_the_block_changes_nothing():
    router = ConnectionRouter()
    with replica.reads():
        assert router.db_for_read(Member) == "default"
        assert router.db_for_write(Member) == "default"


def test_reads_go_to_the_replica_only_inside_the_block_and_writes_never(mirrored_replica):
    router = ConnectionRouter()
    assert router.db_for_read(Member) == "default"
    with replica.reads():
        assert router.db_for_read(Member) == replica.REPLICA
        assert router.db_for_write(Member) == "default"
        with replica.primary():
            assert router.db_for_read(Member) == "default"
        assert router.db_for_read(Member) == replica.REPLICA
    assert router.db_for_read(Member) == "default"
    assert router.allow_migrate(replica.REPLICA, "orgs") is False
    assert router.allow_migrate("default", "orgs") is True


@pytest.mark.django_db
def test_the_dashboard_reads_its_figures_from_the_replica_and_the_scope_from_the_primary(
    client, district, campaign, olivia, local_cache, mirrored_replica
):
    make_pledge(campaign, member=district.member_a, state="published")
    client.force_login(olivia)
    response = client.get(f"/dashboard/?org={district.root.pk}&campaign={campaign.pk}")
    assert response.status_code == 200 and district.east.name in response.content.decode()
    to_replica = {label for label, alias in mirrored_replica if alias == replica.REPLICA}
    to_primary = {label for label, alias in mirrored_replica if alias is None}
    assert "raw SQL" in to_replica  # the figures over the counters, and the stamps of their key
    assert "raw SQL" not in to_primary
    assert "orgs.Organization" in to_primary  # the organisation in the URL, checked for scope
    mirrored_replica.clear()
    assert client.get(f"/dashboard/ranking/?org={district.root.pk}").status_code == 200
    assert any(alias == replica.REPLICA for _label, alias in mirrored_replica)


@pytest.mark.django_db
def test_an_export_job_reads_its_rows_from_the_replica_and_records_on_the_primary(
    client, settings, district, alice, mirrored_replica
):
    settings.EXPORT_INLINE_ROWS = 5
    for _ in range(11):
        MemberFactory(branch=district.branch_a)
    client.force_login(alice)
    response = client.get(f"/orgs/{district.branch_a.pk}/members/export/?format=csv")
    job = Job.objects.get()
    assert response.status_code == 302
    mirrored_replica.clear()
    exports.run_export_job(job.pk)
    job.refresh_from_db()
    assert (job.state, job.result["rows"]) == (JobState.DONE, 12)
    assert ("orgs.Member", replica.REPLICA) in mirrored_replica
    # The job's row is locked and its progress read on the primary, never on the replica.
    assert ("core.Job", replica.REPLICA) not in mirrored_replica
    assert ("core.Job", None) in mirrored_replica
    assert Pledge.objects.count() == 0
