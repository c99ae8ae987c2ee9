"""Query budgets of the writes secretaries make most: creating a pledge and taking a step.

At most 10 statements each, the session and the user's roles included. The tests run outside a
test transaction (transaction=True), so that the service's transaction is the outermost one, as
in production: no savepoints, and the audit's actor is not saved and restored around it. The
page that offers the write is opened first, as a secretary does: the web process then holds its
copies of the user, the roles and the campaign (core.generations), as it does all day.
"""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from pledges.models import Pledge, PledgeEvent, PledgeState

from ..factories import make_pledge

# SQLite logs the BEGIN IMMEDIATE of its transactions (settings.DATABASES); PostgreSQL's driver
# sends BEGIN unlogged. The budget is of the statements that do the work.
BUDGET = 10 + (connection.vendor == "sqlite")

pytestmark = pytest.mark.django_db(transaction=True)


def test_creating_a_pledge_stays_within_budget(
    district, campaign, alice_client, django_assert_max_num_queries
):
    deadline = timezone.localdate() + datetime.timedelta(days=30)
    assert alice_client.get(f"/pledges/new/?member={district.member_a.pk}").status_code == 200
    with django_assert_max_num_queries(BUDGET):
        response = alice_client.post(
            f"/pledges/new/?member={district.member_a.pk}",
            {"title": "办实事", "content": "走访困难群众", "deadline": deadline.isoformat()},
        )
    assert response.status_code == 302
    pledge = Pledge.objects.get(member=district.member_a)
    assert pledge.events.get().kind == "created"


def test_a_second_pledge_for_the_same_member_is_refused_by_the_constraint(
    district, campaign, alice_client
):
    make_pledge(campaign, member=district.member_a)
    deadline = timezone.localdate() + datetime.timedelta(days=30)
    response = alice_client.post(
        f"/pledges/new/?member={district.member_a.pk}",
        {"title": "又一项", "content": "重复录入", "deadline": deadline.isoformat()},
    )
    assert response.status_code == 200
    assert "在本次活动中已有承诺" in response.content.decode()
    assert Pledge.objects.filter(member=district.member_a).count() == 1


def test_taking_a_step_stays_within_budget(
    district, campaign, alice_client, django_assert_max_num_queries
):
    pledge = make_pledge(campaign, member=district.member_a)
    assert alice_client.get(f"/pledges/{pledge.pk}/").status_code == 200
    with django_assert_max_num_queries(BUDGET):
        response = alice_client.post(f"/pledges/{pledge.pk}/step/submit/", {"comment": ""})
    assert response.status_code == 302
    pledge.refresh_from_db()
    assert pledge.state == PledgeState.SUBMITTED and pledge.version == 2
    assert PledgeEvent.objects.get(pledge=pledge).to_state == PledgeState.SUBMITTED
