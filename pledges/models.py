import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from campaign.models import Campaign
from core import audit
from core.models import ChoiceLabels
from orgs.models import Member, MemberCategory, Organization, Sector


class PledgeState(models.TextChoices):
    DRAFT = "draft", _("调研承诺")
    SUBMITTED = "submitted", _("待审诺")
    APPROVED = "approved", _("已审诺")
    SIGNED = "signed", _("已签约")
    PUBLISHED = "published", _("已公开")
    FULFILLING = "fulfilling", _("践诺中")
    COMPLETED = "completed", _("已完成")
    ASSESSED = "assessed", _("已评诺")


# States in which a pledge stands on the public board and counts for coverage (两个100%).
PUBLIC_STATES = (
    PledgeState.PUBLISHED,
    PledgeState.FULFILLING,
    PledgeState.COMPLETED,
    PledgeState.ASSESSED,
)
# States in which the text may still be edited; after signing it is fixed, corrections are events.
EDITABLE_STATES = (PledgeState.DRAFT,)
# Through a member's own draft link the member may still change a pledge they submitted, until
# the organisation reviews it (组织审诺).
LINK_EDITABLE_STATES = (PledgeState.DRAFT, PledgeState.SUBMITTED)
# The comment of every event a member's draft link makes (its actor is nobody: no account).
THROUGH_LINK_NOTE = _("党员本人通过自拟承诺链接填写")
DONE_STATES = (PledgeState.COMPLETED, PledgeState.ASSESSED)

# "五个一" for members (seed 003, 第四篇).
FIVE_ITEMS = [
    ("pledge", _("作出一次创先争优承诺")),
    ("contact", _("联系一名困难党员或群众")),
    ("talk", _("进行一次谈心谈话")),
    ("deed", _("办一件力所能及的实事")),
    ("suggestion", _("提一条切实可行的合理化建议")),
    ("image", _("始终树立一个良好的党员形象")),
]

# Suggested areas (seed 002 for the three member categories, the sector for the rest).
AREAS_BY_CATEGORY = {
    MemberCategory.GOVERNMENT: [
        "优化环境",
        "服务发展",
        "依法行政",
        "心系群众",
        "和谐文明",
        "遵章守纪",
    ],
    MemberCategory.COMMUNITY: ["服务群众", "居容整洁", "乡风文明", "社会稳定"],
    MemberCategory.ENTERPRISE: ["企业增效", "爱岗敬业", "关爱员工", "诚信守法"],
}
AREAS_BY_SECTOR = {
    Sector.RURAL: ["带头致富", "服务群众", "乡风文明", "社会稳定"],
    Sector.COMMUNITY: ["服务群众", "居容整洁", "乡风文明", "社会稳定"],
    Sector.GOVERNMENT: ["优化环境", "服务发展", "依法行政", "心系群众", "和谐文明", "遵章守纪"],
    Sector.PUBLIC_INSTITUTION: ["优质服务", "爱岗敬业", "心系群众", "遵章守纪"],
    Sector.STATE_ENTERPRISE: ["企业增效", "爱岗敬业", "关爱员工", "诚信守法"],
    Sector.PRIVATE_ENTERPRISE: ["企业增效", "爱岗敬业", "关爱员工", "诚信守法"],
    Sector.SOCIAL_ORGANIZATION: ["服务社会", "诚信自律", "爱岗敬业", "心系群众"],
    Sector.SCHOOL: ["教书育人", "管理育人", "服务育人", "勤学成才"],
    Sector.RETIRED: ["发挥余热", "关心下一代", "邻里互助", "乡风文明"],
}
DEFAULT_AREAS = ["服务群众", "爱岗敬业", "遵章守纪"]


# The sectors where each category's areas (seed 002) make sense: a 社区党员 on a village roster
# is offered the village's areas (带头致富), not the community's (居容整洁).
CATEGORY_SECTORS = {
    MemberCategory.GOVERNMENT: {Sector.GOVERNMENT, Sector.PUBLIC_INSTITUTION},
    MemberCategory.COMMUNITY: {Sector.COMMUNITY},
    MemberCategory.ENTERPRISE: {Sector.STATE_ENTERPRISE, Sector.PRIVATE_ENTERPRISE},
}


def suggested_areas(*, member: Member | None = None, organization: Organization | None = None):
    """Areas to offer for a pledge: by the member's category where it fits the sector of the
    member's branch (or the branch has none), else by the sector."""
    org = member.branch if member is not None else organization
    sector = org.sector if org is not None else ""
    category = member.category if member is not None else ""
    if category in AREAS_BY_CATEGORY and (not sector or sector in CATEGORY_SECTORS[category]):
        return AREAS_BY_CATEGORY[category]
    return AREAS_BY_SECTOR.get(sector, DEFAULT_AREAS)


# 承诺内容 is held to this many characters by the forms and the services (the column itself is
# unbounded: "不求多、讲究实", and the board and poster stay readable).
CONTENT_MAX_LENGTH = 300
# A progress record holding the signed 承诺书 (签约 evidence), not a 践诺 step: its text starts
# with this mark, and the public board never shows it as the latest progress.
SIGNED_LETTER_MARK = "【签约承诺书】"


class PledgeQuerySet(models.QuerySet):
    def public(self) -> "PledgeQuerySet":
        return self.filter(state__in=PUBLIC_STATES)

    def overdue(self, today: datetime.date) -> "PledgeQuerySet":
        """Past their deadline and not done (Pledge.is_overdue for many)."""
        return self.filter(deadline__lt=today).exclude(state__in=DONE_STATES)


# The fields every constraint of a pledge names (Pledge.validate_constraints).
OWNER_FIELDS = {"campaign", "member", "organization"}


class Pledge(ChoiceLabels):
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("活动"), on_delete=models.PROTECT, related_name="pledges"
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("承诺组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pledges",
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("承诺党员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pledges",
    )
    title = models.CharField(_("承诺事项"), max_length=100)
    content = models.TextField(_("承诺内容"))
    areas = models.JSONField(_("承诺方面"), default=list, blank=True)
    deadline = models.DateField(_("完成时限"))
    five_items = models.JSONField(_("“五个一”"), default=list, blank=True)
    oral = models.BooleanField(
        _("口头承诺"), default=False, help_text=_("离退休党员可口头承诺，由书记代为录入。")
    )
    state = models.CharField(
        _("状态"), max_length=20, choices=PledgeState.choices, default=PledgeState.DRAFT
    )
    signed_by = models.CharField(_("签约人"), max_length=100, blank=True)
    signed_on = models.DateField(_("签约日期"), null=True, blank=True)
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True)
    # Bumped by every write, so a save based on an older read is refused instead of overwriting.
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = PledgeQuerySet.as_manager()

    class Meta:
        verbose_name = _("公开承诺")
        verbose_name_plural = _("公开承诺")
        ordering = ["deadline", "id"]
        indexes = [
            models.Index(fields=["campaign", "state"], name="pledge_campaign_state"),
            # Overdue pledges (PledgeQuerySet.overdue): those not done, by deadline. With their
            # owners included, the dashboard's overdue count reads the index alone: without them
            # PostgreSQL guessed (campaign and deadline taken as independent) thousands of heap
            # fetches and filtered the campaign's every pledge instead, 15 ms on the bench
            # district once its pledges table held earlier years (PostgreSQL; SQLite ignores it).
            models.Index(
                fields=["campaign", "deadline"],
                name="pledge_campaign_deadline",
                condition=~models.Q(state__in=DONE_STATES),
                include=["organization", "member"],
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(organization__isnull=False, member__isnull=True)
                    | Q(organization__isnull=True, member__isnull=False)
                ),
                name="pledge_exactly_one_owner",
            ),
            models.UniqueConstraint(
                fields=["campaign", "member"],
                condition=Q(member__isnull=False),
                name="pledge_one_per_member_and_campaign",
            ),
            models.UniqueConstraint(
                fields=["campaign", "organization"],
                condition=Q(organization__isnull=False),
                name="pledge_one_per_org_and_campaign",
            ),
        ]

    def __str__(self):
        return f"{self.owner_name}：{self.title}"

    def get_absolute_url(self):
        return reverse("pledges:detail", args=[self.pk])

    def validate_constraints(self, exclude=None):
        """Every constraint above names the owner and the campaign, which no pledge form carries:
        a form's check (full_clean) would only build each condition to find it excluded. The
        database enforces them, and create_pledge turns its refusal into a message."""
        if exclude and OWNER_FIELDS.issubset(exclude):
            return
        super().validate_constraints(exclude=exclude)

    @property
    def owner_name(self) -> str:
        return self.member.name if self.member_id else self.organization.name

    @property
    def home_org(self) -> Organization:
        """The organisation the pledge belongs to: its own, or the member's branch."""
        return self.member.branch if self.member_id else self.organization

    def is_overdue(self, today: datetime.date) -> bool:
        return self.deadline < today and self.state not in DONE_STATES

    def five_item_labels(self) -> list[str]:
        labels = dict(FIVE_ITEMS)
        return [str(labels[key]) for key in self.five_items if key in labels]


class EventKind(models.TextChoices):
    CREATED = "created", _("录入")
    EDITED = "edited", _("修改")
    TRANSITION = "transition", _("流转")
    CORRECTION = "correction", _("更正")
    PROGRESS = "progress", _("践诺记录")


class PledgeEvent(ChoiceLabels):
    """One line of a pledge's history: who did what, when, from which state to which."""

    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("类型"), max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    from_state = models.CharField(
        _("原状态"), max_length=20, choices=PledgeState.choices, blank=True
    )
    to_state = models.CharField(_("新状态"), max_length=20, choices=PledgeState.choices, blank=True)
    comment = models.TextField(_("说明"), blank=True)
    # What an edit or correction changed: {field: [before, after]}.
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)

    class Meta:
        verbose_name = _("承诺记录")
        verbose_name_plural = _("承诺记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["pledge", "at"], name="pledgeevent_pledge_at")]

    def __str__(self):
        return f"{self.pledge_id} {self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


def attachment_path(progress: "PledgeProgress", filename: str) -> str:
    # The stored name is ours: the uploaded name is neither trusted nor kept in the path.
    extension = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
    suffix = extension.get(progress.attachment_type, "bin")
    return (
        f"pledges/{progress.pledge_id}/{progress.happened_on:%Y%m}-{progress.pk or 'new'}.{suffix}"
    )


class PledgeProgress(models.Model):
    """A 践诺 record: what was done, when, with optional evidence."""

    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="progress")
    happened_on = models.DateField(_("日期"))
    text = models.TextField(_("践诺情况"))
    attachment = models.FileField(_("附件"), upload_to=attachment_path, blank=True)
    attachment_type = models.CharField(_("附件类型"), max_length=50, blank=True)
    attachment_name = models.CharField(_("附件原名"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("践诺记录")
        verbose_name_plural = _("践诺记录")
        ordering = ["-happened_on", "-id"]

    def __str__(self):
        return f"{self.pledge_id} {self.happened_on}"


class PledgeTally(models.Model):
    """Per campaign and organisation, kept by the triggers of pledges/rollups.py: its own pledge
    and its active members' pledges by state, whether its own pledge is public, and how many of
    its active members have a public one. `version` grows with every change to any of those
    pledges or their progress records, so that pages can cache what they render from them."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    draft = models.IntegerField(default=0)
    submitted = models.IntegerField(default=0)
    approved = models.IntegerField(default=0)
    signed = models.IntegerField(default=0)
    published = models.IntegerField(default=0)
    fulfilling = models.IntegerField(default=0)
    completed = models.IntegerField(default=0)
    assessed = models.IntegerField(default=0)
    organization_pledged = models.IntegerField(default=0)  # 1: its own pledge is public
    members_pledged = models.IntegerField(default=0)  # active members with a public pledge
    version = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("承诺汇总")
        verbose_name_plural = _("承诺汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "organization"], name="pledgetally_one_per_campaign_and_org"
            )
        ]

    def __str__(self):
        return f"{self.campaign_id}/{self.organization_id}"


# The audit trail (core.audit): every change to pledges and progress records is kept, whoever
# makes it. PledgeEvent is not tracked: it is itself the log of the workflow's steps.
audit.track(
    Pledge,
    describe=("title",),
    exclude=("created_at", "updated_at", "version"),
    choices={"five_items": FIVE_ITEMS},
)
audit.track(
    PledgeProgress, describe=("happened_on", "text"), exclude=("created_at",), parent="pledge"
)


class DraftLinkQuerySet(models.QuerySet):
    def live(self, today: datetime.date) -> "DraftLinkQuerySet":
        """Links that still open: not withdrawn, not past their last day."""
        return self.filter(withdrawn_at__isnull=True, expires_on__gte=today)


class DraftLink(models.Model):
    """A member's personal link to draft their own pledge (调研承诺) without an account.

    Only the SHA-256 digest of the link's random token is stored: the token itself is shown once,
    to the secretary who issues it (pledges/links.py). One link per member and campaign is live
    at a time; issuing again withdraws the one before."""

    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="draft_links"
    )
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="+"
    )
    digest = models.CharField(_("摘要"), max_length=64, unique=True)
    expires_on = models.DateField(_("有效期至"))
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发放人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("发放时间"), auto_now_add=True)
    # The member's first submission through the link.
    used_at = models.DateTimeField(_("提交时间"), null=True, blank=True)

    objects = DraftLinkQuerySet.as_manager()

    class Meta:
        verbose_name = _("自拟承诺链接")
        verbose_name_plural = _("自拟承诺链接")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "member"],
                condition=Q(withdrawn_at__isnull=True),
                name="draftlink_one_open_per_member_and_campaign",
            )
        ]

    def __str__(self):
        return f"{self.member_id}/{self.campaign_id} {self.created_at:%Y-%m-%d}"
