"""Retention of personal data: what is erased from members who left, and when.

A member who left (active=False, deactivated_on set) stays on record for the history of their
branch, their pledges and reviews, but their contact and identity data is erased once
settings.PERSONAL_DATA_RETENTION_DAYS have passed since the day they left. The erasure is an
update like any other: the audit trail records it (masked, as the fields always are), without an
acting user, since the nightly task runs it (orgs.tasks.erase_departed_personal_data_task).
"""

import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from core.audit import audited

from .models import Member

# The fields erased. A new personal field of Member (an ID number) is appended here.
PERSONAL_FIELDS = ["phone", "id_number"]


def retention_cutoff(today: datetime.date) -> datetime.date:
    """Members who left on or before this day have their personal data erased."""
    return today - datetime.timedelta(days=settings.PERSONAL_DATA_RETENTION_DAYS)


def erase_departed_personal_data(today: datetime.date) -> int:
    """Erases PERSONAL_FIELDS of the members who left at least the retention period before
    `today`; returns how many members were changed (none the second time)."""
    empty = {name: _empty(name) for name in PERSONAL_FIELDS}
    kept = Q()
    for name, value in empty.items():
        kept |= ~Q(**{name: value}) & Q(**{f"{name}__isnull": False})
    departed = Member.objects.filter(
        kept, active=False, deactivated_on__lte=retention_cutoff(today)
    )
    with audited(by=None):
        return departed.update(**empty, updated_at=timezone.now())


def _empty(name: str):
    field = Member._meta.get_field(name)
    return None if field.null else ""
