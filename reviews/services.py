"""Writes of leader reviews, rectifications (挂号销号) and verdicts (评诺).

Every write checks who may make it with reviews.access, refuses bad input with a message in
Chinese and is audited. State changes of a rectification are conditional updates, as the
pledges' steps are: of two people closing the same problem at once exactly one wins.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign import notifications
from campaign import services as campaign_services
from campaign.models import Campaign, NoticeKind, Notification
from core.audit import audited
from core.services import require
from orgs.models import Member, Organization, RoleKind
from orgs.selectors import parents_by_path
from pledges import workflow
from pledges.attachments import check_attachment
from pledges.models import EventKind, Pledge, PledgeEvent, PledgeState

from . import access, selectors
from .models import (
    FinalVerdict,
    Fulfilment,
    LeaderReview,
    Rectification,
    RectificationEvent,
    RectificationSource,
    RectificationState,
    ReviewCorrection,
    Verdict,
    VerdictKind,
)
from .verdicts import final_result, lower

REVIEW_FIELDS = ("held_on", "form", "achievements", "problems", "direction", "rating")
TEXT_LIMIT = 2000

# --- 领导点评 ------------------------------------------------------------------------------------


def _check_review(campaign: Campaign, fields: dict, pledges, allowed) -> None:
    errors = {}
    held_on = fields.get("held_on")
    if held_on is not None:
        if held_on > timezone.localdate():
            errors["held_on"] = _("点评日期不能晚于今天。")
        elif not campaign.starts_on <= held_on <= campaign.ends_on:
            errors["held_on"] = _("点评日期应在活动期间（%(start)s 至 %(end)s）内。") % {
                "start": campaign.starts_on,
                "end": campaign.ends_on,
            }
    for key in ("achievements", "direction"):
        if key in fields and not fields[key].strip():
            errors[key] = _("请填写此项。")
    for key in ("achievements", "problems", "direction"):
        if len(fields.get(key, "")) > TEXT_LIMIT:
            errors[key] = _("不能超过 %(limit)s 个字。") % {"limit": TEXT_LIMIT}
    allowed_ids = set(allowed.values_list("pk", flat=True))
    if any(pledge.pk not in allowed_ids for pledge in pledges):
        errors["pledges"] = _("只能选择被点评对象在本次活动中的承诺。")
    if errors:
        raise ValidationError(errors)


def write_review(
    campaign: Campaign,
    *,
    by,
    organization: Organization,
    member: Member | None = None,
    pledges=(),
    **fields,
) -> LeaderReview:
    """领导点评 of an organisation, or of a member of it (organization = the member's branch),
    by a responsible person above it."""
    if member is not None and member.branch_id != organization.pk:
        raise ValueError("a member is reviewed with their own branch")
    above = access.role_above(by, organization)
    require(above is not None and organization.active)
    campaign_services.require_open(campaign)
    if member is not None and not member.active:
        raise ValidationError(_("“%(name)s”已不是在册党员。") % {"name": member.name})
    if not organization.path.startswith(campaign.organization.path):
        raise ValidationError(_("“%(org)s”不在该活动范围内。") % {"org": organization.name})
    pledges = list(pledges)
    allowed = selectors.pledges_to_review(campaign, organization, member)
    _check_review(campaign, fields, pledges, allowed)
    review = LeaderReview(
        campaign=campaign,
        organization=organization,
        member=member,
        author=by,
        reviewer_org_id=above[0],
        reviewer_role=above[1],
        **{key: _clean(fields[key]) for key in REVIEW_FIELDS if key in fields},
    )
    review.full_clean(exclude=["campaign", "organization", "member", "author", "reviewer_org"])
    with audited(by=by):
        review.save()
        review.pledges.set(pledges)
    notifications.tell(
        NoticeKind.REVIEW_WRITTEN,
        organization.pk,
        title=_("收到领导点评：%(who)s") % {"who": member.name if member else organization.name},
        subject=f"review:{review.pk}",
        period="written",
        url=review.get_absolute_url(),
        campaign_id=campaign.pk,
    )
    return review


def _clean(value):
    return value.strip() if isinstance(value, str) else value


def _review_changes(review: LeaderReview, fields: dict, pledges) -> dict:
    changes = {
        key: [_plain(getattr(review, key)), _plain(_clean(fields[key]))]
        for key in REVIEW_FIELDS
        if key in fields and getattr(review, key) != _clean(fields[key])
    }
    before = sorted(review.pledges.values_list("pk", flat=True))
    after = sorted(pledge.pk for pledge in pledges)
    if before != after:
        changes["pledges"] = [before, after]
    return changes


def _plain(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


def may_still_edit(review: LeaderReview, today: datetime.date | None = None) -> bool:
    """Within its edit window (models.EDIT_DAYS after it was written)."""
    today = today or timezone.localdate()
    return today <= review.editable_until()


def update_review(review: LeaderReview, *, by, pledges=(), reason: str = "", **fields):
    """Its author changes a review: freely for EDIT_DAYS days, afterwards only as a correction
    with its reason, kept on the review for everyone who reads it."""
    require(access.may_edit_review(by, review))
    campaign_services.require_open_id(review.campaign_id)
    pledges = list(pledges)
    allowed = selectors.pledges_to_review(
        review.campaign, review.organization, review.member, keep=review
    )
    _check_review(review.campaign, fields, pledges, allowed)
    changes = _review_changes(review, fields, pledges)
    if not changes:
        raise ValidationError(_("内容没有变化。"))
    correcting = not may_still_edit(review)
    if correcting and not reason.strip():
        raise ValidationError({"reason": _("点评填写已超过 7 天，修改须写明更正原因。")})
    for key in REVIEW_FIELDS:
        if key in fields:
            setattr(review, key, _clean(fields[key]))
    review.full_clean(exclude=["campaign", "organization", "member", "author", "reviewer_org"])
    with audited(by=by):
        review.save()
        review.pledges.set(pledges)
        if correcting:
            ReviewCorrection.objects.create(
                review=review, by=by, reason=reason.strip(), changes=changes
            )
    return review


# --- 整改（挂号销号） ----------------------------------------------------------------------------


def register_rectification(
    organization: Organization,
    *,
    by,
    problem: str,
    deadline: datetime.date,
    responsible_person: str,
    measures: str = "",
    source: str = RectificationSource.INSPECTION,
    review: LeaderReview | None = None,
) -> Rectification:
    """挂号: registers a problem for the organisation to correct, from above."""
    above = access.role_above(by, organization, access.REGISTERING_ROLES)
    require(above is not None and organization.active)
    errors = {}
    if review is not None:
        if review.organization_id != organization.pk:
            raise ValueError("a review's rectification is its organisation's")
        source = RectificationSource.REVIEW
    elif source == RectificationSource.REVIEW:
        errors["source"] = _("来源为领导点评的整改事项请从该点评登记。")
    if not problem.strip():
        errors["problem"] = _("请写明存在的问题。")
    if not responsible_person.strip():
        errors["responsible_person"] = _("请填写责任人。")
    if deadline < timezone.localdate():
        errors["deadline"] = _("整改时限不能早于今天。")
    if errors:
        raise ValidationError(errors)
    rectification = Rectification(
        problem=problem.strip(),
        source=source,
        review=review,
        organization=organization,
        responsible_person=responsible_person.strip(),
        measures=measures.strip(),
        deadline=deadline,
        registered_by_org_id=above[0],
        registered_by=by,
    )
    rectification.full_clean(exclude=["organization", "registered_by_org", "registered_by"])
    with audited(by=by):
        rectification.save()
        RectificationEvent.objects.create(
            rectification=rectification,
            actor=by,
            to_state=RectificationState.REGISTERED,
            comment=_("登记"),
        )
    notifications.tell(
        NoticeKind.RECTIFICATION,
        organization.pk,
        title=_("登记了整改事项：%(p)s") % {"p": rectification.problem[:40]},
        body=_("整改时限 %(day)s。") % {"day": rectification.deadline},
        subject=f"rectification:{rectification.pk}",
        period="registered",
        url=rectification.get_absolute_url(),
    )
    return rectification


def _move(rectification: Rectification, to: str, sources, *, by, comment: str = "", **fields):
    """Moves the rectification from one of `sources` to `to` with a conditional update."""
    if rectification.state not in sources:
        raise ValidationError(
            _("该整改事项当前为“%(state)s”，不能执行此操作。")
            % {"state": rectification.get_state_display()}
        )
    with audited(by=by):
        moved = Rectification.objects.filter(pk=rectification.pk, state=rectification.state).update(
            state=to, version=F("version") + 1, **fields
        )
        if not moved:
            current = Rectification.objects.get(pk=rectification.pk)
            raise ValidationError(
                _("该整改事项已被他人处理，当前为“%(state)s”，请刷新后再操作。")
                % {"state": current.get_state_display()}
            )
        event = RectificationEvent.objects.create(
            rectification=rectification,
            actor=by,
            from_state=rectification.state,
            to_state=to,
            comment=comment,
        )
    _tell_rectification(rectification, event)
    rectification.refresh_from_db()
    return rectification


def _tell_rectification(rectification: Rectification, event: RectificationEvent) -> None:
    """Who must act next hears of the step: the level that registered it when it is reported
    done (it closes it), the organisation when it is closed, sent back or reopened."""
    problem = rectification.problem[:40]
    if event.to_state == S.REPORTED:
        to, title = rectification.registered_by_org_id, _("整改已报告完成，待销号：%(p)s")
    elif event.to_state == S.CLOSED:
        to, title = rectification.organization_id, _("整改事项已销号：%(p)s")
    elif event.from_state in (S.REPORTED, S.CLOSED):
        to, title = rectification.organization_id, _("整改事项被退回或重新打开：%(p)s")
    else:
        return
    notifications.tell(
        NoticeKind.RECTIFICATION,
        to,
        title=title % {"p": problem},
        body=event.comment,
        subject=f"rectification:{rectification.pk}",
        period=f"event:{event.pk}",
        url=rectification.get_absolute_url(),
    )


S = RectificationState


def start_rectification(rectification: Rectification, *, by, measures: str = "") -> Rectification:
    """整改中: the responsible organisation starts, with its measures when it has them."""
    require(access.can_report(by, rectification))
    fields = {"measures": measures.strip()} if measures.strip() else {}
    return _move(rectification, S.IN_PROGRESS, (S.REGISTERED,), by=by, **fields)


def report_rectification(
    rectification: Rectification, *, by, note: str, evidence=None
) -> Rectification:
    """整改完成: the responsible organisation reports what it did, with optional evidence judged
    by its content (as a pledge's)."""
    require(access.can_report(by, rectification))
    if not note.strip():
        raise ValidationError({"note": _("请写明整改情况。")})
    fields = {
        "report_note": note.strip(),
        "reported_at": timezone.now(),
        "reported_on": timezone.localdate(),
    }
    evidence = evidence or None  # a form's cleared file comes as False
    if evidence is not None:
        try:
            fields["evidence_type"] = check_attachment(evidence)
        except ValidationError as error:
            raise ValidationError({"evidence": error.message_dict["attachment"]}) from None
        fields["evidence_name"] = evidence.name[:200]
    with audited(by=by):
        _move(rectification, S.REPORTED, (S.REGISTERED, S.IN_PROGRESS), by=by, **fields)
        if evidence is not None:
            rectification.evidence.save("evidence", evidence, save=True)
    return rectification


def _reporter_id(rectification: Rectification) -> int | None:
    events = RectificationEvent.objects.filter(
        rectification=rectification, to_state=RectificationState.REPORTED
    )
    return events.order_by("-at", "-id").values_list("actor_id", flat=True).first()


def _check_judge(rectification: Rectification, by) -> None:
    """The report is judged by someone else than its reporter (挂号销号 takes two)."""
    require(access.can_close(by, rectification))
    if rectification.state == S.REPORTED and _reporter_id(rectification) == by.pk:
        raise ValidationError(_("整改完成由您报告，须由上级其他负责人销号或退回。"))


def _new_deadline(deadline: datetime.date | None) -> dict:
    if deadline is None:
        return {}
    if deadline < timezone.localdate():
        raise ValidationError({"deadline": _("新的整改时限不能早于今天。")})
    return {"deadline": deadline}


def close_rectification(rectification: Rectification, *, by, comment: str = "") -> Rectification:
    """销号: the level above accepts the report (not the one who made it)."""
    _check_judge(rectification, by)
    return _move(
        rectification,
        S.CLOSED,
        (S.REPORTED,),
        by=by,
        comment=comment.strip(),
        closed_at=timezone.now(),
    )


def reopen_rectification(
    rectification: Rectification, *, by, reason: str, deadline: datetime.date | None = None
) -> Rectification:
    """Reopens a closed problem that came back (销号后反弹): 整改中 again, with the reason kept
    and, when given, a new deadline."""
    require(access.can_close(by, rectification))
    if not reason.strip():
        raise ValidationError({"comment": _("重新打开时请写明原因。")})
    fields = _new_deadline(deadline)
    return _move(
        rectification,
        S.IN_PROGRESS,
        (S.CLOSED,),
        by=by,
        comment=reason.strip(),
        closed_at=None,
        **fields,
    )


def return_rectification(
    rectification: Rectification, *, by, reason: str, deadline: datetime.date | None = None
) -> Rectification:
    """Sends a report back: the problem is not solved yet; the reason is required and kept, and
    a new deadline may be set."""
    _check_judge(rectification, by)
    if not reason.strip():
        raise ValidationError({"comment": _("退回时请写明原因。")})
    fields = _new_deadline(deadline)
    return _move(
        rectification, S.IN_PROGRESS, (S.REPORTED,), by=by, comment=reason.strip(), **fields
    )


# --- 评诺 ----------------------------------------------------------------------------------------

VERDICT_STATES = (PledgeState.COMPLETED, PledgeState.ASSESSED)
# 自评 and 组织评 make the final verdict; they are given before it, once each.
BEFORE_FINAL = (VerdictKind.SELF, VerdictKind.ORGANIZATION)


def give_verdict(
    pledge: Pledge,
    kind: str,
    *,
    by,
    result: str,
    comment: str = "",
    through=None,
) -> Verdict:
    """One verdict on a completed pledge. When 自评 and 组织评 both exist the final verdict is
    recorded and the pledge moves to 已评诺; a verdict after it may only lower it (a correction
    on the pledge's history). `through`: the member's own link, for their 自评 (no user)."""
    if through is not None:
        require(
            by is None
            and kind == VerdictKind.SELF
            and through.member_id == pledge.member_id
            and through.campaign_id == pledge.campaign_id
        )
    elif kind == VerdictKind.PUBLIC:
        raise ValueError("群众评 comes from a mass evaluation: record_public_verdict")
    else:
        require(access.may_give_verdict(by, pledge, kind))
    campaign_services.require_open_id(pledge.campaign_id)
    return _record_verdict(pledge, kind, by=by, result=result, comment=comment, through=through)


def record_public_verdict(pledge: Pledge, *, result: str, comment: str = "") -> Verdict:
    """群众评, from a mass evaluation that asked about the pledge (its service calls this)."""
    return _record_verdict(pledge, VerdictKind.PUBLIC, by=None, result=result, comment=comment)


def _record_verdict(pledge: Pledge, kind: str, *, by, result, comment, through=None) -> Verdict:
    if result not in Fulfilment.values:
        raise ValidationError({"result": _("请选择评价结果。")})
    proxy = kind == VerdictKind.SELF and pledge.member_id is not None and through is None
    verdict = Verdict(
        pledge=pledge,
        kind=kind,
        result=result,
        comment=comment.strip()[:TEXT_LIMIT],
        proxy=proxy,
        by=by,
    )
    try:
        with audited(by=by):
            # The pledge's row is locked, so two verdicts given at once settle one after the
            # other: the second one sees the first and gives (or lowers) the final verdict.
            state = Pledge.objects.select_for_update().values_list("state", flat=True)
            pledge.state = state.get(pk=pledge.pk)
            if pledge.state not in VERDICT_STATES:
                raise ValidationError(
                    _("承诺完成后才能评诺；当前为“%(state)s”。")
                    % {"state": pledge.get_state_display()}
                )
            final = FinalVerdict.objects.filter(pledge=pledge).first()
            if final is not None and kind in BEFORE_FINAL:
                raise ValidationError(_("已给出最终评价，不能再录入自评或组织评。"))
            verdict.save()
            _settle(pledge, verdict, final, by=by)
    except IntegrityError:
        raise ValidationError(
            _("该承诺已有%(kind)s。") % {"kind": verdict.get_kind_display()}
        ) from None
    return verdict


def _settle(pledge: Pledge, verdict: Verdict, final: FinalVerdict | None, *, by) -> None:
    """Records the final verdict when this one completes it, or lowers it when this one is
    below it (never raises it)."""
    labels = dict(Fulfilment.choices)
    if final is None:
        results = dict(Verdict.objects.filter(pledge=pledge).values_list("kind", "result"))
        decided = final_result(results)
        if decided is None:
            return
        FinalVerdict.objects.create(pledge=pledge, result=decided)
        comment = _("最终评价：%(result)s") % {"result": labels[decided]}
        if pledge.state == PledgeState.ASSESSED:
            # Assessed by the step before verdicts existed: the final verdict is recorded on
            # its history, the state stays.
            PledgeEvent.objects.create(
                pledge=pledge, kind=EventKind.CORRECTION, actor=by, comment=comment
            )
        else:
            workflow.assess_pledge(pledge, by=by, comment=comment, checked=True)
        return
    lowered = lower(final.result, verdict.result)
    if lowered == final.result:
        return
    comment = _("%(kind)s为“%(new)s”，最终评价由“%(old)s”调整为“%(lowered)s”。") % {
        "kind": verdict.get_kind_display(),
        "new": labels[verdict.result],
        "old": labels[final.result],
        "lowered": labels[lowered],
    }
    FinalVerdict.objects.filter(pledge=pledge).update(result=lowered, updated_at=timezone.now())
    PledgeEvent.objects.create(
        pledge=pledge,
        kind=EventKind.CORRECTION,
        actor=by,
        comment=comment,
        changes={"final_verdict": [final.result, lowered]},
    )


# --- 督办 ----------------------------------------------------------------------------------------

SUPERVISED_ROLES = (RoleKind.SECRETARY, RoleKind.LEADER)


def supervise(organizations, *, by, campaign: Campaign, note: str = "") -> int:
    """A one-off 督办 notice from the office about organisations short of reviews, to the
    secretary and leaders of the level above each (those who write its reviews); once a day per
    organisation, however often it is sent. Returns how many notices went out."""
    organizations = list(organizations)
    require(organizations and all(access.can_supervise(by, org) for org in organizations))
    step = Organization.steplen
    parents = parents_by_path(org.path for org in organizations)
    today = timezone.localdate().isoformat()
    notices = []
    for org in organizations:
        parent = parents.get(org.path[:-step])
        if parent is None:
            continue
        for kind in SUPERVISED_ROLES:
            notices.append(
                Notification(
                    kind=NoticeKind.SUPERVISION,
                    campaign=campaign,
                    organization=parent,
                    role_kind=kind,
                    subject=f"reviews:{org.pk}",
                    period=today,
                    title=_("督办：请尽快对%(org)s开展领导点评") % {"org": org.name},
                    body=note.strip()[:500],
                    url=f"{reverse('reviews:write')}?org={org.pk}&campaign={campaign.pk}",
                )
            )
    return notifications.deliver(notices).created
