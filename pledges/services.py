"""Writes to pledges outside the state machine: drafting, editing, corrections and progress."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign import services as campaign_services
from campaign.models import Campaign
from core.audit import audited
from core.services import require
from orgs.models import Member, MemberCategory, Organization

from . import access, workflow
from .attachments import check_attachment
from .models import (
    CONTENT_MAX_LENGTH,
    EDITABLE_STATES,
    FIVE_ITEMS,
    LINK_EDITABLE_STATES,
    THROUGH_LINK_NOTE,
    DraftLink,
    EventKind,
    Pledge,
    PledgeEvent,
    PledgeProgress,
    PledgeState,
)

TEXT_FIELDS = ("title", "content", "areas", "deadline", "five_items", "oral")
# What a correction of a signed or public pledge may change.
CORRECTABLE_FIELDS = ("title", "content", "deadline")


class StaleEdit(ValidationError):
    """The pledge changed since the editor read it; `current` is what is stored now and
    `changed` maps each differing field's name to (stored value, the editor's value)."""

    def __init__(self, current: Pledge, changed: dict):
        super().__init__(_("保存失败：在您编辑期间，该承诺已被他人修改。请核对后重新保存。"))
        self.current = current
        self.changed = changed

    @property
    def rows(self) -> list[tuple[str, object, object]]:
        """(field label, stored value, the editor's value) for the page."""
        return [
            (str(Pledge._meta.get_field(key).verbose_name), stored, typed)
            for key, (stored, typed) in self.changed.items()
        ]


def _check_fields(campaign: Campaign, fields: dict, *, member: Member | None, creating: bool):
    errors = {}
    deadline = fields.get("deadline")
    if deadline is not None:
        if deadline < campaign.starts_on or deadline > campaign.ends_on:
            errors["deadline"] = _("完成时限应在活动期间（%(start)s 至 %(end)s）内。") % {
                "start": campaign.starts_on,
                "end": campaign.ends_on,
            }
        elif creating and deadline < timezone.localdate():
            errors["deadline"] = _("完成时限不能早于今天。")
    content = fields.get("content")
    if content is not None and len(content) > CONTENT_MAX_LENGTH:
        errors["content"] = _("承诺内容不能超过 %(limit)s 个字（现有 %(count)s 个字）。") % {
            "limit": CONTENT_MAX_LENGTH,
            "count": len(content),
        }
    known = {key for key, _label in FIVE_ITEMS}
    if any(item not in known for item in fields.get("five_items", [])):
        errors["five_items"] = _("“五个一”中有无法识别的项目。")
    if fields.get("five_items") and member is None:
        errors["five_items"] = _("“五个一”只适用于党员的承诺。")
    if fields.get("oral") and (member is None or member.category != MemberCategory.RETIRED):
        errors["oral"] = _("口头承诺只适用于离退休党员，由书记代为录入。")
    if errors:
        raise ValidationError(errors)


def create_pledge(
    campaign: Campaign,
    *,
    by,
    member: Member | None = None,
    organization: Organization | None = None,
    through: DraftLink | None = None,
    **fields,
) -> Pledge:
    """Drafts the pledge of one member or one organisation (调研承诺).

    `through`: the member's own draft link (pledges/links.py), which stands for the authority
    of the secretary who issued it; the write then has no user (by=None) and its event says so."""
    if (member is None) == (organization is None):
        raise ValueError("a pledge has exactly one owner")
    pledge = Pledge(campaign=campaign, member=member, organization=organization, created_by=by)
    if through is None:
        require(access.is_owner_side(by, pledge))
    else:
        require(by is None and access.link_reaches(through, pledge))
    home = pledge.home_org
    if not campaign.active:
        raise ValidationError(_("活动“%(name)s”已结束，不能再录入承诺。") % {"name": campaign.name})
    if not home.path.startswith(campaign.organization.path):
        raise ValidationError(_("“%(org)s”不在该活动范围内。") % {"org": home.name})
    if member is not None and not member.active:
        raise ValidationError(_("“%(name)s”已不是在册党员。") % {"name": member.name})
    _check_fields(campaign, fields, member=member, creating=True)
    for key in TEXT_FIELDS:
        if key in fields:
            setattr(pledge, key, fields[key])
    # The field checks only: the owner and campaign are rows the caller holds, and one pledge per
    # owner and campaign is the database's constraint, caught below, not a query beforehand.
    pledge.clean_fields(exclude=["campaign", "member", "organization", "created_by"])
    try:
        with audited(by=by):
            pledge.save()
            PledgeEvent.objects.create(
                pledge=pledge, kind=EventKind.CREATED, actor=by, comment=_link_note(through)
            )
    except IntegrityError:
        if Pledge.objects.filter(campaign=campaign, **_owner(pledge)).exists():
            raise ValidationError(
                _("“%(name)s”在本次活动中已有承诺。") % {"name": pledge.owner_name}
            ) from None
        raise
    return pledge


def _link_note(link: DraftLink | None) -> str:
    return str(THROUGH_LINK_NOTE) if link is not None else ""


def _owner(pledge: Pledge) -> dict:
    if pledge.member_id:
        return {"member": pledge.member}
    return {"organization": pledge.organization}


def _changes(pledge: Pledge, fields: dict, keys) -> dict:
    return {
        key: [_plain(getattr(pledge, key)), _plain(fields[key])]
        for key in keys
        if key in fields and getattr(pledge, key) != fields[key]
    }


def _plain(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


def update_pledge(
    pledge: Pledge, *, by, version: int, through: DraftLink | None = None, **fields
) -> Pledge:
    """Edits a draft; refused with StaleEdit when someone saved in between (no lost updates).

    Through the member's own draft link (by=None) a submitted pledge may be edited too, until
    the organisation reviews it (LINK_EDITABLE_STATES)."""
    campaign_services.require_open_id(pledge.campaign_id)
    if through is None:
        require(access.is_owner_side(by, pledge))
        editable = EDITABLE_STATES
    else:
        require(by is None and access.link_reaches(through, pledge))
        editable = LINK_EDITABLE_STATES
    if pledge.state not in editable:
        raise ValidationError(
            _("承诺处于“%(state)s”状态，不能直接修改；已签约或公开的承诺请提交更正。")
            % {"state": pledge.get_state_display()}
        )
    _check_fields(pledge.campaign, fields, member=pledge.member, creating=False)
    changes = _changes(pledge, fields, TEXT_FIELDS)
    updated = Pledge.objects.filter(pk=pledge.pk, version=version, state__in=editable)
    with audited(by=by):
        if not updated.update(
            version=F("version") + 1,
            updated_at=timezone.now(),
            **{key: fields[key] for key in TEXT_FIELDS if key in fields},
        ):
            current = Pledge.objects.get(pk=pledge.pk)
            raise StaleEdit(current, _changes(current, fields, TEXT_FIELDS))
        if changes:
            PledgeEvent.objects.create(
                pledge=pledge,
                kind=EventKind.EDITED,
                actor=by,
                changes=changes,
                comment=_link_note(through),
            )
    pledge.refresh_from_db()
    return pledge


def correct_pledge(pledge: Pledge, *, by, version: int, reason: str, **fields) -> Pledge:
    """A signed or public pledge is not edited silently: a correction is an event with a reason,
    shown publicly next to the pledge."""
    campaign_services.require_open_id(pledge.campaign_id)
    require(access.is_owner_side(by, pledge))
    if pledge.state in EDITABLE_STATES or pledge.state == PledgeState.SUBMITTED:
        raise ValidationError(_("草稿或待审核的承诺请直接修改或退回修改，无需更正。"))
    if not reason.strip():
        raise ValidationError({"reason": _("请写明更正原因。")})
    fields = {key: fields[key] for key in CORRECTABLE_FIELDS if key in fields}
    _check_fields(pledge.campaign, fields, member=pledge.member, creating=False)
    changes = _changes(pledge, fields, CORRECTABLE_FIELDS)
    if not changes:
        raise ValidationError(_("内容没有变化，无需更正。"))
    with audited(by=by):
        if not Pledge.objects.filter(pk=pledge.pk, version=version).update(
            version=F("version") + 1, updated_at=timezone.now(), **fields
        ):
            current = Pledge.objects.get(pk=pledge.pk)
            raise StaleEdit(current, _changes(current, fields, CORRECTABLE_FIELDS))
        PledgeEvent.objects.create(
            pledge=pledge,
            kind=EventKind.CORRECTION,
            actor=by,
            comment=reason.strip(),
            changes=changes,
        )
    pledge.refresh_from_db()
    return pledge


def add_progress(
    pledge: Pledge, *, by, happened_on: datetime.date, text: str, attachment=None
) -> PledgeProgress:
    """Records a 践诺 step; the first one moves a published pledge to 践诺中."""
    campaign_services.require_open_id(pledge.campaign_id)
    require(access.is_owner_side(by, pledge))
    if pledge.state not in (PledgeState.PUBLISHED, PledgeState.FULFILLING):
        raise ValidationError(
            _("承诺公开后才能记录践诺情况；当前为“%(state)s”。")
            % {"state": pledge.get_state_display()}
        )
    if happened_on > timezone.localdate():
        raise ValidationError({"happened_on": _("践诺日期不能晚于今天。")})
    progress = PledgeProgress(pledge=pledge, happened_on=happened_on, text=text, created_by=by)
    if attachment is not None:
        progress.attachment_type = check_attachment(attachment)
        progress.attachment_name = attachment.name[:200]
    with audited(by=by):
        if pledge.state == PledgeState.PUBLISHED:
            workflow.take_step(pledge, "start", by=by)
        progress.save()
        if attachment is not None:
            # Saved after the row exists, so the stored name carries its id.
            progress.attachment.save("attachment", attachment, save=True)
        PledgeEvent.objects.create(
            pledge=pledge, kind=EventKind.PROGRESS, actor=by, comment=text[:200]
        )
    return progress
