"""The counter tables' stamps (core.rollups.stamps): one more for every committed statement that
writes a table they count, none for one rolled back, one more when a repair changes counts."""

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from core import rollups
from orgs.models import MemberTally
from pledges.models import Pledge, PledgeTally

from ..factories import MemberFactory, make_pledge


def test_every_committed_write_moves_the_stamp_and_a_rolled_back_one_does_not(district, campaign):
    before = rollups.stamps(PledgeTally, MemberTally)
    pledge = make_pledge(campaign, member=district.member_a)
    after_pledge = rollups.stamps(PledgeTally, MemberTally)
    assert after_pledge[0] > before[0] and after_pledge[1] == before[1]
    MemberFactory(branch=district.branch_a)
    assert rollups.stamps(MemberTally)[0] > after_pledge[1]
    now = rollups.stamps(PledgeTally)
    with pytest.raises(RuntimeError), transaction.atomic():
        Pledge.objects.filter(pk=pledge.pk).update(state="submitted")
        raise RuntimeError
    assert rollups.stamps(PledgeTally) == now


def test_a_repair_moves_the_stamp(district, campaign):
    make_pledge(campaign, member=district.member_a, state="published")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE pledges_pledgetally SET published = published + 3")
    now = rollups.stamps(PledgeTally)
    call_command("rollups", "--fix")
    assert rollups.stamps(PledgeTally)[0] > now[0]


def test_the_stamp_is_part_of_every_counter_trigger(db):
    """A trigger of a counter table without its stamp would leave a cached page unchanged after
    a write: the installed triggers are the stamped ones, and the check finds none amiss."""
    assert rollups.problems(connection) == {}
    statement = rollups.stamp_sql(PledgeTally._meta.db_table, connection.vendor)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'rollup_pledge_insert'")
        else:
            cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'rollup_pledge_insert'")
        (definition,) = cursor.fetchone()
    assert statement in definition
