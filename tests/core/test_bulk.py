"""core.bulk writes rows exactly as given, in VALUES batches or (PostgreSQL, many rows) by COPY."""

import datetime

from django.utils import timezone

from core.audit import audited
from core.bulk import BATCH_SIZE, insert_rows
from core.models import AuditRecord
from orgs.importing.members import MEMBER_INSERT_COLUMNS
from orgs.models import Member, MemberTally

ODD_NAMES = ["王\\五", "李\t四", "赵\n六", "钱\r七", "孙'八", '周"九', "\\N", "吴 十"]


def _row(name, branch, now, birth=None, id_number=None):
    return (
        name, "M", birth, "day", None, "day", "other", "", id_number, branch.pk,
        True, None, "", "", "", None, now, now,
    )  # fmt: skip


def test_many_rows_arrive_exactly_with_their_audit_records_and_counts(district, alice):
    now = timezone.now()
    count = BATCH_SIZE + 500  # past one batch: PostgreSQL sends them by COPY
    rows = [
        _row(ODD_NAMES[i % len(ODD_NAMES)] + str(i), district.branch_a, now,
             birth=datetime.date(1980, 1, 1) + datetime.timedelta(days=i))
        for i in range(count)
    ]  # fmt: skip
    before = Member.objects.filter(branch=district.branch_a).count()
    with audited(by=alice):
        insert_rows(Member, MEMBER_INSERT_COLUMNS, rows)
    stored = {
        m.name: m for m in Member.objects.filter(branch=district.branch_a, name__regex=r"\d$")
    }
    assert len(stored) == count
    for i, name in enumerate(ODD_NAMES):
        member = stored[name + str(i)]
        assert member.birth_date == datetime.date(1980, 1, 1) + datetime.timedelta(days=i)
        assert member.join_date is None and member.id_number is None and member.active is True
        assert member.deactivation_reason == "" and member.created_at == now
    inserted = AuditRecord.objects.filter(model="orgs.member", operation="insert")
    assert inserted.filter(actor=alice).count() == count
    tally = MemberTally.objects.get(organization=district.branch_a)
    assert tally.members == before + count
