"""The six steps of a public pledge (seed 003, 第一篇) as an explicit state machine.

调研承诺 draft → submitted → 组织审诺 approved (or returned to draft with a reason) →
签约承诺 signed → 公开承诺 published → 践诺 fulfilling → completed → 评诺 assessed.

Every step is one function here. Each checks the actor's side (see pledges/access.py) and the
current state, moves the state with a conditional UPDATE (so of two people approving the same pledge
at once exactly one wins), and writes a PledgeEvent in the same transaction. Nothing else changes a
pledge's state.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaign import notifications
from campaign import services as campaign_services
from campaign.models import NoticeKind
from core.audit import audited
from core.services import require

from . import access
from .models import THROUGH_LINK_NOTE, EventKind, Pledge, PledgeEvent, PledgeState

OWNER, REVIEWER = "owner", "reviewer"


@dataclass(frozen=True)
class Step:
    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    side: str

    @property
    def confirm(self) -> str:
        """The question asked before the step, "" when it may be taken without asking."""
        return str(CONFIRMATIONS.get(self.name, ""))


S = PledgeState
STEPS = {
    step.name: step
    for step in [
        Step("submit", gettext_lazy("提交审核"), (S.DRAFT,), S.SUBMITTED, OWNER),
        Step("approve", gettext_lazy("审核通过"), (S.SUBMITTED,), S.APPROVED, REVIEWER),
        Step("return", gettext_lazy("退回修改"), (S.SUBMITTED,), S.DRAFT, REVIEWER),
        Step("sign", gettext_lazy("签约"), (S.APPROVED,), S.SIGNED, REVIEWER),
        Step("publish", gettext_lazy("公开"), (S.SIGNED,), S.PUBLISHED, OWNER),
        Step("start", gettext_lazy("开始践诺"), (S.PUBLISHED,), S.FULFILLING, OWNER),
        Step("complete", gettext_lazy("完成"), (S.FULFILLING,), S.COMPLETED, OWNER),
        Step("assess", gettext_lazy("评诺"), (S.COMPLETED,), S.ASSESSED, REVIEWER),
    ]
}
# Steps a person takes with the step's button; "start" happens by itself with the first progress
# record (services.add_progress), "assess" when the final verdict is recorded (reviews.services:
# 自评 and 组织评 first, see reviews/verdicts.py).
MANUAL_STEPS = {name: step for name, step in STEPS.items() if name not in ("start", "assess")}
# Steps offered as batch actions on the branch page.
BATCH_STEPS = ("submit", "approve", "sign", "publish")
# The batch action that takes a member's submitted pledge through 组织审诺, 签约 and 公开 at once
# (review_sign_publish), offered after the single steps.
REVIEW_SIGN_PUBLISH = "review_sign_publish"
REVIEW_SIGN_PUBLISH_LABEL = gettext_lazy("审诺、签约并公开")
# Steps that cannot be undone, and the question asked before each (pages ask it in the browser,
# data-confirm-step in static/js/pledge-sheet.js, and the views again without it).
CONFIRMATIONS = {
    "sign": gettext_lazy("签约后承诺内容即固定，不能撤回。确认签约？"),
    "publish": gettext_lazy("公开后承诺将显示在公开栏，不能撤回。确认公开？"),
    "complete": gettext_lazy(
        "标记为已完成践诺后不能再记录践诺情况，也不能撤回。确认标记为已完成践诺？"
    ),
    "assess": gettext_lazy("评诺后不能撤回。确认评诺？"),
    REVIEW_SIGN_PUBLISH: gettext_lazy(
        "将对所选承诺依次审诺、签约（书记与党员本人）并公开到公开栏，不能撤回。确认执行？"
    ),
}


@dataclass(frozen=True)
class BatchAction:
    name: str
    label: str
    confirm: str  # the question asked first, "" for none


def batch_actions() -> list[BatchAction]:
    """The branch page's batch actions: the single steps, then 审诺、签约并公开."""
    names = [*BATCH_STEPS, REVIEW_SIGN_PUBLISH]
    labels = {
        **{n: STEPS[n].label for n in BATCH_STEPS},
        REVIEW_SIGN_PUBLISH: REVIEW_SIGN_PUBLISH_LABEL,
    }
    return [BatchAction(n, str(labels[n]), str(CONFIRMATIONS.get(n, ""))) for n in names]


def may_take(user, pledge: Pledge, step: Step) -> bool:
    """Whether the user's role and scope allow the step (the state is checked separately)."""
    if step.side == OWNER:
        return access.is_owner_side(user, pledge)
    return access.is_reviewer_side(user, pledge)


def available_steps(user, pledge: Pledge) -> list[Step]:
    """Steps the user may take now, for the buttons on a page."""
    return [
        step
        for step in MANUAL_STEPS.values()
        if pledge.state in step.sources and may_take(user, pledge, step)
    ]


def batchable(user, pledge: Pledge) -> bool:
    """Whether the branch page offers the pledge for a batch step (one of BATCH_STEPS is open)."""
    return any(step.name in BATCH_STEPS for step in available_steps(user, pledge))


def take_step(
    pledge: Pledge,
    name: str,
    *,
    by,
    comment: str = "",
    through=None,
    checked: bool = False,
    **fields,
) -> Pledge:
    """Moves the pledge one step, or raises PermissionDenied / ValidationError.

    `through`: a member's own draft link (pledges/links.py), which may only submit its member's
    pledge; the step then has no user (by=None) and its event says it came through the link.
    `checked`: the caller has decided who may cause the step (评诺 follows the verdicts, whose
    givers reviews.access checks), so the side of `by` is not asked again."""
    step = STEPS[name]
    campaign_services.require_open_id(pledge.campaign_id)
    if through is not None:
        require(by is None and name == "submit" and access.link_reaches(through, pledge))
        comment = comment or str(THROUGH_LINK_NOTE)
    elif not checked:
        require(may_take(by, pledge, step))
    if pledge.state not in step.sources:
        raise ValidationError(
            _("该承诺当前为“%(state)s”，不能%(step)s。")
            % {"state": pledge.get_state_display(), "step": step.label}
        )
    if step.target == PledgeState.PUBLISHED:
        # Whichever way a pledge is published (page, batch), the board knows since when.
        fields.setdefault("published_at", timezone.now())
    now = timezone.now()
    with audited(by=by):
        moved = Pledge.objects.filter(pk=pledge.pk, state=pledge.state).update(
            state=step.target, version=F("version") + 1, updated_at=now, **fields
        )
        if not moved:
            # Someone else moved it between our read and this write: theirs stands.
            current = Pledge.objects.get(pk=pledge.pk)
            raise ValidationError(
                _("该承诺已被他人处理，当前为“%(state)s”，请刷新后再操作。")
                % {"state": current.get_state_display()}
            )
        event = PledgeEvent.objects.create(
            pledge=pledge,
            kind=EventKind.TRANSITION,
            actor=by,
            from_state=pledge.state,
            to_state=step.target,
            comment=comment,
        )
    if name in TOLD:
        _tell(pledge, event, TOLD[name])
    # What the UPDATE wrote, without reading the row back. The version is one above the one read:
    # if an edit came in between, a later save with it is refused as stale, never lost.
    pledge.state, pledge.version, pledge.updated_at = step.target, pledge.version + 1, now
    for key, value in fields.items():
        setattr(pledge, key, value)
    return pledge


# The steps the pledge's branch (or organisation) hears of: its secretary acts on them next.
TOLD = {
    "approve": (NoticeKind.PLEDGE_APPROVED, gettext_lazy("承诺审核通过：%(title)s")),
    "return": (NoticeKind.PLEDGE_RETURNED, gettext_lazy("承诺被退回修改：%(title)s")),
}


def _tell(pledge: Pledge, event: PledgeEvent, told) -> None:
    kind, title = told
    owner = pledge.organization_id or pledge.member.branch_id
    notifications.tell(
        kind,
        owner,
        title=str(title) % {"title": pledge.title},
        body=event.comment,
        subject=f"pledge:{pledge.pk}",
        period=f"event:{event.pk}",
        url=pledge.get_absolute_url(),
        campaign_id=pledge.campaign_id,
    )


def submit_pledge(pledge: Pledge, *, by, comment: str = "") -> Pledge:
    return take_step(pledge, "submit", by=by, comment=comment)


def approve_pledge(pledge: Pledge, *, by, comment: str = "") -> Pledge:
    return take_step(pledge, "approve", by=by, comment=comment)


def return_pledge(pledge: Pledge, *, by, reason: str) -> Pledge:
    """Sends a submitted pledge back to its drafter; the reason is required and kept."""
    if not reason.strip():
        raise ValidationError({"comment": _("退回时请写明退回原因。")})
    return take_step(pledge, "return", by=by, comment=reason.strip())


def sign_pledge(
    pledge: Pledge, *, by, signed_by: str, signed_on: datetime.date, comment: str = ""
) -> Pledge:
    """签约承诺: records who signed (secretary and member, or the two organisations) and when."""
    errors = {}
    if not signed_by.strip():
        errors["signed_by"] = _("请填写签约人。")
    if signed_on > timezone.localdate():
        errors["signed_on"] = _("签约日期不能晚于今天。")
    if errors:
        raise ValidationError(errors)
    return take_step(
        pledge, "sign", by=by, comment=comment, signed_by=signed_by.strip(), signed_on=signed_on
    )


def publish_pledge(pledge: Pledge, *, by, comment: str = "") -> Pledge:
    return take_step(pledge, "publish", by=by, comment=comment)


def complete_pledge(pledge: Pledge, *, by, comment: str = "") -> Pledge:
    return take_step(pledge, "complete", by=by, comment=comment)


def assess_pledge(pledge: Pledge, *, by, comment: str, checked: bool = False) -> Pledge:
    """评诺: the pledge's final verdict, kept as the event's comment. reviews.services takes it
    (checked) when 自评 and 组织评 are both recorded; without `checked`, the reviewer side may."""
    if not comment.strip():
        raise ValidationError({"comment": _("评诺时请写明评价意见。")})
    return take_step(pledge, "assess", by=by, comment=comment.strip(), checked=checked)


def act(pledge: Pledge, name: str, *, by, comment: str = "", **fields) -> Pledge:
    """Takes the manual step `name` with what it needs: signers for signing, the comment as the
    reason for returning."""
    if name == "sign":
        return sign_pledge(pledge, by=by, comment=comment, **fields)
    if name == "return":
        return return_pledge(pledge, by=by, reason=comment)
    return take_step(pledge, name, by=by, comment=comment)


def _refusal(error: Exception) -> str:
    if isinstance(error, PermissionDenied):
        return _("无权操作")
    return " ".join(error.messages)


def batch_step(
    pledges, name: str, *, by, **fields
) -> tuple[list[Pledge], list[tuple[Pledge, str]]]:
    """Takes one step on several pledges, each in its own transaction.

    Returns (done, refused with the reason); one refusal does not undo the others, so a secretary
    sees exactly which pledges still need attention.
    """
    done, refused = [], []
    for pledge in pledges:
        try:
            act(pledge, name, by=by, **fields)
        except (PermissionDenied, ValidationError) as error:
            refused.append((pledge, _refusal(error)))
        else:
            done.append(pledge)
    return done, refused


# What the steps of review_sign_publish write on the object, put back when they are rolled back.
_MOVED_FIELDS = ("state", "version", "updated_at", "signed_by", "signed_on", "published_at")


def review_sign_publish(
    pledges, *, by, on: datetime.date
) -> tuple[list[Pledge], list[tuple[Pledge, str]]]:
    """审诺、签约并公开: takes each member's submitted pledge through approve, sign and publish.

    签约 is done by the secretary and the member together (seed 003), so the member is recorded
    as the signer, on `on`. Each step stays its own event with `by` as its actor; each pledge has
    its own transaction, so a refusal at any step leaves that pledge as it was and the others done.
    An organisation's own pledge is refused: its members review it, not the level that signs.
    Returns (done, refused with the reason), as batch_step.
    """
    done, refused = [], []
    for pledge in pledges:
        if not pledge.member_id:
            refused.append((pledge, _("本组织的承诺由其党员审诺，不能一并审诺、签约并公开。")))
            continue
        before = {name: getattr(pledge, name) for name in _MOVED_FIELDS}
        try:
            with audited(by=by):
                approve_pledge(pledge, by=by)
                sign_pledge(pledge, by=by, signed_by=pledge.member.name, signed_on=on)
                publish_pledge(pledge, by=by)
        except (PermissionDenied, ValidationError) as error:
            # Rolled back: the object says again what is stored.
            for name, value in before.items():
                setattr(pledge, name, value)
            refused.append((pledge, _refusal(error)))
        else:
            done.append(pledge)
    return done, refused
