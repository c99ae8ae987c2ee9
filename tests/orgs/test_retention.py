"""Members who left keep their record, but their phone is erased after the retention period."""

import datetime

import pytest

from core.models import AuditRecord
from orgs import retention
from orgs.models import Member
from orgs.tasks import erase_departed_personal_data_task

from ..factories import MemberFactory

TODAY = datetime.date(2026, 12, 5)


def _left(d, name, days_ago, phone):
    return MemberFactory(
        branch=d.branch_a,
        name=name,
        phone=phone,
        active=False,
        deactivated_on=TODAY - datetime.timedelta(days=days_ago),
        deactivation_reason="转出",
    )


@pytest.fixture
def members(district, settings):
    settings.PERSONAL_DATA_RETENTION_DAYS = 1095
    return {
        "long_gone": _left(district, "张老", 4 * 365, "13900001111"),
        "recent": _left(district, "李新", 365, "13900002222"),
        "active": MemberFactory(branch=district.branch_a, name="王在", phone="13900003333"),
    }


def _phone(member):
    return Member.objects.get(pk=member.pk).phone


def test_it_erases_the_phone_of_a_member_who_left_four_years_ago(members):
    assert retention.erase_departed_personal_data(TODAY) == 1
    assert _phone(members["long_gone"]) == ""
    assert Member.objects.get(pk=members["long_gone"].pk).name == "张老"  # the record stays


def test_it_keeps_the_phone_of_a_member_who_left_a_year_ago_and_of_active_members(members):
    retention.erase_departed_personal_data(TODAY)
    assert _phone(members["recent"]) == "13900002222"
    assert _phone(members["active"]) == "13900003333"


def test_the_period_is_a_setting(members, settings):
    settings.PERSONAL_DATA_RETENTION_DAYS = 300
    assert retention.erase_departed_personal_data(TODAY) == 2
    assert _phone(members["recent"]) == ""
    assert _phone(members["active"]) == "13900003333"


def test_the_trail_records_the_erasure_masked_and_by_nobody(members):
    retention.erase_departed_personal_data(TODAY)
    record = AuditRecord.objects.filter(
        model="orgs.member", row_id=members["long_gone"].pk, operation="update"
    ).get()
    assert record.actor_id is None
    assert record.snapshot["phone"] == ""
    assert record.before["phone"] == "*******1111"
    assert "13900001111" not in str(record.before)


def test_running_twice_changes_nothing_more(members):
    retention.erase_departed_personal_data(TODAY)
    records = AuditRecord.objects.count()
    assert retention.erase_departed_personal_data(TODAY) == 0
    assert AuditRecord.objects.count() == records


def test_the_task_erases_as_of_the_given_day(members):
    assert erase_departed_personal_data_task(TODAY.isoformat()) == 1
    assert erase_departed_personal_data_task(TODAY.isoformat()) == 0
    assert _phone(members["long_gone"]) == ""


def test_every_personal_field_is_a_field_of_member():
    for name in retention.PERSONAL_FIELDS:
        assert Member._meta.get_field(name).concrete
