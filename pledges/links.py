"""Members draft their own pledges (调研承诺) through personal links, without an account.

The secretary issues, for each active member of the branch without a pledge in the campaign, a
link holding a long random token (secrets.token_urlsafe(32): 256 bits). Only its SHA-256 digest
is stored (DraftLink.digest), so the tokens are shown once, to the secretary who issues them, on
the page that offers the printable slips and the list for a chat group; a lost token is replaced
by issuing the member's link again, which withdraws the old one.

What the member writes goes through the same services and workflow as a pledge typed by the
secretary (services.create_pledge, workflow.take_step "submit", services.update_pledge), with the
link standing for the issuing secretary's authority: the writes have no user (the member has no
account), and each event's comment says they came through the member's link. The pledge arrives
submitted (待审诺), ready for 组织审诺; the member may change it until the organisation reviews it,
and again after it is returned for revision.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaign.models import Campaign
from core.audit import audited
from core.services import one_at_a_time, require
from orgs import access as org_access
from orgs.models import Member, Organization

from . import services, workflow
from .models import LINK_EDITABLE_STATES, DraftLink, EventKind, Pledge, PledgeState

TOKEN_BYTES = 32  # secrets.token_urlsafe(32): 43 characters, 256 bits
TOKEN_LENGTH = 43
TOKEN_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

UNUSED, SUBMITTED, WITHDRAWN, EXPIRED = "unused", "submitted", "withdrawn", "expired"
STATE_LABELS = {
    UNUSED: gettext_lazy("未使用"),
    SUBMITTED: gettext_lazy("已提交"),
    WITHDRAWN: gettext_lazy("已撤回"),
    EXPIRED: gettext_lazy("已过期"),
}

# A few examples per suggested area (models.AREAS_BY_CATEGORY, AREAS_BY_SECTOR): concrete, with
# a measure and within reach ("不求多、讲究实、能做到").
EXAMPLES = {
    "服务群众": "每月走访一户困难群众，帮助解决一件实际困难",
    "居容整洁": "每周参加一次楼道和小区环境清洁",
    "乡风文明": "每季度在网格内宣传一次移风易俗",
    "社会稳定": "担任楼栋矛盾调解员，邻里纠纷当月调处",
    "带头致富": "带动两户农户发展特色种植，年底前增收",
    "优化环境": "承办事项一次告知，办结时间压缩三分之一",
    "服务发展": "每季度联系一家企业，帮助解决一个具体问题",
    "依法行政": "全年所办事项程序合规、零投诉",
    "心系群众": "每月接待群众来访一次，件件有回音",
    "和谐文明": "每季度参加一次社区志愿服务",
    "遵章守纪": "严守工作纪律，全年无迟到早退",
    "企业增效": "改进一项操作工艺，降低本岗位能耗5%",
    "爱岗敬业": "带好一名新同事，年内能独立上岗",
    "关爱员工": "每月与一名困难职工谈心，帮办一件实事",
    "诚信守法": "经手合同全部按期履约、零纠纷",
    "优质服务": "服务窗口首问负责，群众满意率达95%以上",
    "服务社会": "每季度组织一次面向社区的公益活动",
    "诚信自律": "财务收支按月公开，接受会员监督",
    "教书育人": "结对帮扶两名学习困难学生，期末有进步",
    "管理育人": "每学期开展一次师生座谈，解决一个问题",
    "服务育人": "每月为学生提供一次课后志愿辅导",
    "勤学成才": "每月读一本书，写一篇学习心得",
    "发挥余热": "每月为社区老人读报一次，讲好身边故事",
    "关心下一代": "寒暑假为社区孩子讲一次革命传统",
    "邻里互助": "与一户独居老人结对，每周上门看望",
}
EXAMPLES_SHOWN = 4


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token: str) -> bool:
    return len(token) == TOKEN_LENGTH and set(token) <= TOKEN_ALPHABET


def state_of(link: DraftLink, today: date) -> str:
    if link.withdrawn_at is not None:
        return WITHDRAWN
    if link.expires_on < today:
        return EXPIRED
    return SUBMITTED if link.used_at is not None else UNUSED


def open_link(token: str, today: date) -> DraftLink | None:
    """The live link a token opens, or None for an unknown, withdrawn or expired one, or one
    whose member has left the roll or whose campaign has ended (all answered alike)."""
    if not looks_like_token(token):
        return None
    link = (
        DraftLink.objects.live(today)
        .filter(digest=token_digest(token), member__active=True, campaign__active=True)
        .select_related("member__branch", "campaign")
        .first()
    )
    return link


def pledge_of(link: DraftLink) -> Pledge | None:
    """The member's pledge in the link's campaign (whoever entered it), or None."""
    return Pledge.objects.filter(campaign=link.campaign, member=link.member).first()


def may_edit(pledge: Pledge) -> bool:
    """Through the link the member changes the pledge until the organisation reviews it."""
    return pledge.state in LINK_EDITABLE_STATES


def return_reason(pledge: Pledge | None) -> str:
    """Why the organisation returned the pledge for revision, while it is a draft again."""
    if pledge is None or pledge.state != PledgeState.DRAFT:
        return ""
    returned = pledge.events.filter(kind=EventKind.TRANSITION, to_state=PledgeState.DRAFT)
    return returned.values_list("comment", flat=True).last() or ""


def examples_for(areas: list[str]) -> list[tuple[str, str]]:
    return [(area, EXAMPLES[area]) for area in areas if area in EXAMPLES][:EXAMPLES_SHOWN]


# --- The secretary's side ------------------------------------------------------------------------


@dataclass(frozen=True)
class Issued:
    member: Member
    token: str
    expires_on: date


def _check_issue(org: Organization, campaign: Campaign, expires_on: date, *, by) -> None:
    require(org_access.can_manage(by, org))
    if not campaign.active:
        raise ValidationError(_("活动“%(name)s”已结束，不能再发放链接。") % {"name": campaign.name})
    if not org.path.startswith(campaign.organization.path):
        raise ValidationError(_("“%(org)s”不在该活动范围内。") % {"org": org.name})
    today = timezone.localdate()
    if expires_on < today:
        raise ValidationError({"expires_on": _("有效期至不能早于今天。")})
    if expires_on > campaign.ends_on:
        raise ValidationError(
            {
                "expires_on": _("有效期至不能晚于活动结束日期（%(end)s）。")
                % {"end": campaign.ends_on}
            }
        )


def _new_link(member: Member, campaign: Campaign, expires_on: date, *, by) -> Issued:
    """Withdraws the member's open link in the campaign, if any, and makes a new one."""
    now = timezone.now()
    DraftLink.objects.filter(member=member, campaign=campaign, withdrawn_at__isnull=True).update(
        withdrawn_at=now
    )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    DraftLink.objects.create(
        member=member,
        campaign=campaign,
        digest=token_digest(token),
        expires_on=expires_on,
        created_by=by,
    )
    return Issued(member=member, token=token, expires_on=expires_on)


def members_to_invite(org: Organization, campaign: Campaign):
    """Active members of the branch without a pledge in the campaign."""
    pledged = Pledge.objects.filter(campaign=campaign, member__isnull=False).values("member_id")
    return Member.objects.filter(branch=org, active=True).exclude(pk__in=pledged)


def issue_links(
    org: Organization, campaign: Campaign, *, by, expires_on: date, reissue: bool = False
) -> list[Issued]:
    """A link for every active member of the branch without a pledge in the campaign who has no
    live link yet (with `reissue`, for those who have one too, whose old link stops working)."""
    _check_issue(org, campaign, expires_on, by=by)
    with audited(by=by):
        one_at_a_time(f"draft-links-{org.pk}-{campaign.pk}")
        members = members_to_invite(org, campaign).order_by("name", "pk")
        if not reissue:
            live = DraftLink.objects.live(timezone.localdate()).filter(campaign=campaign)
            members = members.exclude(pk__in=live.values("member_id"))
        return [_new_link(member, campaign, expires_on, by=by) for member in members]


def reissue_link(link: DraftLink, *, by, expires_on: date | None = None) -> Issued:
    """A new link for the link's member, whose old one (this or a later one) stops working. It
    keeps the old link's last day when that has not passed, else the campaign's end."""
    member, campaign = link.member, link.campaign
    if expires_on is None:
        today = timezone.localdate()
        expires_on = link.expires_on if link.expires_on >= today else campaign.ends_on
    _check_issue(member.branch, campaign, expires_on, by=by)
    if not member.active:
        raise ValidationError(_("“%(name)s”已不是在册党员。") % {"name": member.name})
    with audited(by=by):
        one_at_a_time(f"draft-links-{member.branch_id}-{campaign.pk}")
        return _new_link(member, campaign, expires_on, by=by)


def withdraw_link(link: DraftLink, *, by) -> bool:
    """Stops the link; False when it was withdrawn already."""
    require(org_access.can_manage(by, link.member.branch))
    with audited(by=by):
        return bool(
            DraftLink.objects.filter(pk=link.pk, withdrawn_at__isnull=True).update(
                withdrawn_at=timezone.now()
            )
        )


def withdraw_all(org: Organization, campaign: Campaign, *, by) -> int:
    """Stops every open link of the branch's members in the campaign; returns how many."""
    require(org_access.can_manage(by, org))
    with audited(by=by):
        return DraftLink.objects.filter(
            member__branch=org, campaign=campaign, withdrawn_at__isnull=True
        ).update(withdrawn_at=timezone.now())


def links_for_tokens(org: Organization, campaign: Campaign, tokens: list[str], *, by) -> list:
    """The live links of the branch and campaign that the given tokens open, in the order of the
    tokens (for printing slips of the links just issued); others are left out."""
    require(org_access.can_manage(by, org))
    wanted = {token_digest(t): t for t in tokens if looks_like_token(t)}
    found = (
        DraftLink.objects.live(timezone.localdate())
        .filter(digest__in=wanted, member__branch=org, campaign=campaign, member__active=True)
        .select_related("member")
    )
    by_digest = {link.digest: link for link in found}
    return [
        Issued(member=by_digest[d].member, token=t, expires_on=by_digest[d].expires_on)
        for d, t in wanted.items()
        if d in by_digest
    ]


# --- The member's side ---------------------------------------------------------------------------


def _check_open(link: DraftLink) -> None:
    if state_of(link, timezone.localdate()) in (WITHDRAWN, EXPIRED):
        raise ValidationError(_("该链接已失效，请联系支部书记。"))


def submit_through_link(link: DraftLink, **fields) -> Pledge:
    """The member's pledge, drafted and submitted (待审诺) through their link."""
    _check_open(link)
    with audited(by=None):
        pledge = services.create_pledge(
            link.campaign, by=None, member=link.member, through=link, **fields
        )
        workflow.take_step(pledge, "submit", by=None, through=link)
        DraftLink.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=timezone.now())
    return pledge


def edit_through_link(link: DraftLink, pledge: Pledge, *, version: int, **fields) -> Pledge:
    """The member's changes to their pledge before the organisation reviews it; a pledge
    returned for revision (a draft again) is submitted again with them."""
    _check_open(link)
    if not may_edit(pledge):
        raise ValidationError(
            _("承诺已经组织审核（当前为“%(state)s”），不能再通过链接修改；如需更改请联系支部书记。")
            % {"state": pledge.get_state_display()}
        )
    with audited(by=None):
        pledge = services.update_pledge(pledge, by=None, version=version, through=link, **fields)
        if pledge.state == PledgeState.DRAFT:
            workflow.take_step(pledge, "submit", by=None, through=link)
        DraftLink.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=timezone.now())
    return pledge


# --- The secretary's page ------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkRow:
    member: Member
    link: DraftLink | None
    state: str  # one of STATE_LABELS, or "" for no link
    pledge: Pledge | None

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS.get(self.state, _("未发放")))


@dataclass(frozen=True)
class LinksSheet:
    rows: list[LinkRow]
    to_issue: int  # members without a pledge and without a live link
    open_links: int  # links not withdrawn (live or expired)


def links_sheet(org: Organization, campaign: Campaign, today: date) -> LinksSheet:
    """Each active member of the branch who has no pledge or has had a link, with their latest
    link and its state; three queries whatever the branch's size."""
    members = list(Member.objects.filter(branch=org, active=True).order_by("name", "pk"))
    pledges = {
        p.member_id: p
        for p in Pledge.objects.filter(campaign=campaign, member__in=[m.pk for m in members])
    }
    latest: dict[int, DraftLink] = {}
    for link in DraftLink.objects.filter(campaign=campaign, member__branch=org).order_by(
        "created_at", "pk"
    ):
        latest[link.member_id] = link
    rows, to_issue, open_links = [], 0, 0
    for member in members:
        link, pledge = latest.get(member.pk), pledges.get(member.pk)
        if link is None and pledge is not None:
            continue
        state = state_of(link, today) if link else ""
        if pledge is None and state not in (UNUSED, SUBMITTED):
            to_issue += 1
        if link is not None and link.withdrawn_at is None:
            open_links += 1
        rows.append(LinkRow(member=member, link=link, state=state, pledge=pledge))
    return LinksSheet(rows=rows, to_issue=to_issue, open_links=open_links)
