"""Pledges in bulk (the grid and the sheet import) and the signed 承诺书: writes through the same
service as one pledge typed in the form (services.create_pledge), so the same rules, workflow,
events and audit trail apply.

Bulk creation is all or nothing: every row is tried inside one transaction, and when any row is
refused the transaction is rolled back and every refusal is reported by row, so the user fixes
them and saves again with nothing half-done to reason about.
"""

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.models import Campaign
from core.audit import audited
from core.services import require
from orgs.models import Member, Organization

from . import access
from .attachments import check_attachment
from .models import SIGNED_LETTER_MARK, EventKind, Pledge, PledgeEvent, PledgeProgress, PledgeState
from .services import _check_fields, create_pledge


class RowsRefused(ValidationError):
    """Some rows were refused and nothing was written; `by_row` maps each row's key to its
    ValidationError."""

    def __init__(self, by_row: dict):
        super().__init__(_("有 %(count)s 行未能保存，全部未保存。") % {"count": len(by_row)})
        self.by_row = by_row


def members_without_pledge(org: Organization, campaign: Campaign) -> QuerySet[Member]:
    """The branch's active members with no pledge in the campaign, by name."""
    pledged = Pledge.objects.filter(campaign=campaign, member__isnull=False).values("member_id")
    return (
        Member.objects.filter(branch=org, active=True)
        .exclude(pk__in=pledged)
        .select_related("branch")
        .order_by("name", "pk")
    )


def check_new_pledge(campaign: Campaign, member: Member, fields: dict) -> None:
    """The field rules create_pledge applies (deadline in the campaign, content length, …), for
    checking rows before anything is written."""
    _check_fields(campaign, fields, member=member, creating=True)


def create_pledges(campaign: Campaign, rows: list[tuple], *, by) -> list[Pledge]:
    """Drafts one pledge per (key, member, fields) row, all or none (raises RowsRefused)."""
    refused = {}
    created = []
    with audited(by=by):
        for key, member, fields in rows:
            try:
                created.append(create_pledge(campaign, by=by, member=member, **fields))
            except ValidationError as error:
                refused[key] = error
        if refused:
            raise RowsRefused(refused)  # leaving the block rolls back every row
    return created


# The signed 承诺书 is evidence of 签约: accepted once the organisation has reviewed the pledge.
LETTER_STATES = (
    PledgeState.APPROVED,
    PledgeState.SIGNED,
    PledgeState.PUBLISHED,
    PledgeState.FULFILLING,
    PledgeState.COMPLETED,
    PledgeState.ASSESSED,
)


def attach_signed_letter(pledge: Pledge, *, by, upload, note: str = "") -> PledgeProgress:
    """Keeps the scan of the signed 承诺书 with the pledge, content-checked like any attachment.

    Stored as a progress record marked SIGNED_LETTER_MARK (no column for it on the pledge): it
    takes no workflow step and the public board does not show it.
    """
    require(access.is_owner_side(by, pledge))
    if pledge.state not in LETTER_STATES:
        raise ValidationError(
            _("承诺经组织审诺后才能上传签字的承诺书；当前为“%(state)s”。")
            % {"state": pledge.get_state_display()}
        )
    content_type = check_attachment(upload)
    text = SIGNED_LETTER_MARK + (note.strip() or _("签字的承诺书扫描件"))
    record = PledgeProgress(
        pledge=pledge,
        happened_on=pledge.signed_on or timezone.localdate(),
        text=text,
        created_by=by,
        attachment_type=content_type,
        attachment_name=upload.name[:200],
    )
    with audited(by=by):
        record.save()
        record.attachment.save("attachment", upload, save=True)
        PledgeEvent.objects.create(
            pledge=pledge, kind=EventKind.PROGRESS, actor=by, comment=text[:200]
        )
    return record


def signed_letters(pledge: Pledge) -> QuerySet[PledgeProgress]:
    return pledge.progress.filter(text__startswith=SIGNED_LETTER_MARK)
