"""reviews 0007: a code's "used" column becomes the absence of its UnusedCode mark, and back."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from core import migrating, rollups
from core.audit import triggers

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("reviews", "0006_members_only")]
AFTER = [("reviews", "0007_unused_codes")]


def _migrate(targets):
    """Migrates to `targets` with our triggers dropped and put back as `migrate` does
    (core/migrating.py): a step back drops counter tables that the rollups' triggers name."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    migrating.drop_sqlite_triggers(None, plan=executor.migration_plan(targets))
    executor.migrate(targets)
    triggers.install_after_migrate(None)
    rollups.install_after_migrate(None)
    return executor.loader.project_state(targets).apps


def test_codes_keep_their_state_across_the_migration(district, campaign, tess):
    old = _migrate(BEFORE)
    Round = old.get_model("reviews", "EvaluationRound")
    Code = old.get_model("reviews", "BallotCode")
    today = datetime.date(2026, 5, 1)
    round_ = Round.objects.create(
        campaign_id=campaign.pk,
        organization_id=district.branch_a.pk,
        run_by_id=district.east.pk,
        title="评议",
        starts_on=today,
        ends_on=today,
    )
    states = {"fresh": (False, False), "spent": (True, False), "void": (False, True)}
    for digest, (used, withdrawn) in states.items():
        Code.objects.create(
            round=round_, group="public", digest=digest, used=used, withdrawn=withdrawn
        )

    new = _migrate(AFTER)
    marked = set(
        new.get_model("reviews", "UnusedCode").objects.values_list("code__digest", flat=True)
    )
    assert marked == {"fresh"}

    old = _migrate(BEFORE)
    rows = old.get_model("reviews", "BallotCode").objects.values_list("digest", "used", "withdrawn")
    assert {digest: (used, withdrawn) for digest, used, withdrawn in rows} == states
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())  # back to the present
