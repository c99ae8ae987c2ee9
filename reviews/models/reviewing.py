"""Leader reviews (领导点评), the rectification register (整改, 挂号销号) and the verdicts on
pledges (评诺)."""

import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaign.models import Campaign
from core import audit
from core.models import ChoiceLabels
from orgs.models import Member, Organization, RoleKind
from pledges.models import Pledge

# --- 领导点评 ------------------------------------------------------------------------------------


class ReviewForm(models.TextChoices):
    # Seed 000: 点评可采取座谈会、情况通报会、组织生活会或日常了解等形式。
    FORUM = "forum", _("座谈会")
    BRIEFING = "briefing", _("情况通报会")
    MEETING = "meeting", _("组织生活会")
    DAILY = "daily", _("日常了解")


class Rating(models.TextChoices):
    GOOD = "good", _("好")
    FAIRLY_GOOD = "fairly_good", _("较好")
    AVERAGE = "average", _("一般")
    POOR = "poor", _("差")


# A review may be edited by its author for this many days after it was written; afterwards it is
# fixed, and a change is a correction with its reason, kept for everyone who may read it.
EDIT_DAYS = 7


class ReviewQuerySet(models.QuerySet):
    def counted(self, requirements) -> "ReviewQuerySet":
        """The reviews that count towards an organisation's figure under the campaign's
        requirements (campaign.Requirements): of the organisation itself, or of its members too
        when the campaign says so; by the office only when the campaign says so."""
        reviews = self
        if not requirements.count_member_reviews:
            reviews = reviews.filter(member__isnull=True)
        if not requirements.count_office_reviews:
            reviews = reviews.exclude(reviewer_role=RoleKind.OFFICE)
        return reviews


class LeaderReview(ChoiceLabels):
    """A superior's written review (领导点评) of a basic organisation or of one of its members.

    `organization` is the organisation reviewed, or the member's branch when a member is: pages,
    scope and counts read it alone. `reviewer_org` and `reviewer_role` keep the role above it in
    which the author wrote, as it was then."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("活动"), on_delete=models.PROTECT, related_name="+"
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("被点评组织"),
        on_delete=models.PROTECT,
        related_name="leader_reviews",
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("被点评党员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leader_reviews",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("点评人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewer_org = models.ForeignKey(
        Organization,
        verbose_name=_("点评人所在组织"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewer_role = models.CharField(_("点评人身份"), max_length=20, choices=RoleKind.choices)
    held_on = models.DateField(_("点评日期"))
    form = models.CharField(_("点评形式"), max_length=20, choices=ReviewForm.choices)
    achievements = models.TextField(_("主要成绩"))
    problems = models.TextField(_("存在问题"), blank=True)
    direction = models.TextField(_("努力方向"))
    rating = models.CharField(_("总体评价"), max_length=20, choices=Rating.choices)
    pledges = models.ManyToManyField(
        Pledge, verbose_name=_("点评的承诺"), blank=True, related_name="leader_reviews"
    )
    created_at = models.DateTimeField(_("填写时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        verbose_name = _("领导点评")
        verbose_name_plural = _("领导点评")
        ordering = ["-held_on", "-id"]
        indexes = [
            models.Index(fields=["campaign", "organization"], name="review_campaign_org"),
            models.Index(fields=["author", "held_on"], name="review_author_held"),
        ]

    def __str__(self):
        return f"{self.target_name} {self.held_on}"

    def get_absolute_url(self):
        return reverse("reviews:detail", args=[self.pk])

    @property
    def target_name(self) -> str:
        return self.member.name if self.member_id else self.organization.name

    def editable_until(self) -> datetime.date:
        """The last day (Asia/Shanghai) its author may still edit it."""
        return timezone.localdate(self.created_at) + datetime.timedelta(days=EDIT_DAYS)


class ReviewCorrection(models.Model):
    """A change to a review after its edit window: what changed and why, by whom."""

    review = models.ForeignKey(LeaderReview, on_delete=models.CASCADE, related_name="corrections")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("更正人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    reason = models.TextField(_("更正原因"))
    changes = models.JSONField(_("变更内容"), default=dict)

    class Meta:
        verbose_name = _("点评更正")
        verbose_name_plural = _("点评更正")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.review_id} {self.at:%Y-%m-%d}"


# --- 整改（挂号销号） ----------------------------------------------------------------------------


class RectificationSource(models.TextChoices):
    REVIEW = "review", _("领导点评")
    EVALUATION = "evaluation", _("群众评议")
    INSPECTION = "inspection", _("督查检查")
    SUGGESTION = "suggestion", _("群众意见箱")
    UPGRADE = "upgrade", _("三升级")


class RectificationState(models.TextChoices):
    REGISTERED = "registered", _("已登记")
    IN_PROGRESS = "in_progress", _("整改中")
    REPORTED = "reported", _("待销号")
    CLOSED = "closed", _("已销号")


# The states in which a passed deadline makes a problem overdue: not yet reported done.
OVERDUE_STATES = (RectificationState.REGISTERED, RectificationState.IN_PROGRESS)


class RectificationQuerySet(models.QuerySet):
    def open(self) -> "RectificationQuerySet":
        return self.exclude(state=RectificationState.CLOSED)

    def overdue(self, today: datetime.date) -> "RectificationQuerySet":
        """Past their deadline and not reported done or closed."""
        return self.filter(overdue_q(today))


def overdue_q(today: datetime.date) -> models.Q:
    """Rectifications past their deadline and not reported done (is_overdue, for many)."""
    return models.Q(deadline__lt=today, state__in=OVERDUE_STATES)


def evidence_path(rectification: "Rectification", filename: str) -> str:
    extension = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
    suffix = extension.get(rectification.evidence_type, "bin")
    return f"rectifications/{rectification.pk}/evidence.{suffix}"


class Rectification(ChoiceLabels):
    """A problem registered for correction (挂号), followed until the level that registered it
    closes it (销号)."""

    problem = models.TextField(_("存在问题"))
    source = models.CharField(_("问题来源"), max_length=20, choices=RectificationSource.choices)
    review = models.ForeignKey(
        LeaderReview,
        verbose_name=_("来源点评"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rectifications",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("责任组织"),
        on_delete=models.PROTECT,
        related_name="rectifications",
    )
    responsible_person = models.CharField(_("责任人"), max_length=50)
    measures = models.TextField(_("整改措施"), blank=True)
    deadline = models.DateField(_("整改时限"))
    state = models.CharField(
        _("状态"),
        max_length=20,
        choices=RectificationState.choices,
        default=RectificationState.REGISTERED,
    )
    # The level that registered it: it (or the level above the responsible organisation) closes.
    registered_by_org = models.ForeignKey(
        Organization, verbose_name=_("登记组织"), on_delete=models.PROTECT, related_name="+"
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    report_note = models.TextField(_("整改情况"), blank=True)
    evidence = models.FileField(_("佐证材料"), upload_to=evidence_path, blank=True)
    evidence_type = models.CharField(_("材料类型"), max_length=50, blank=True)
    evidence_name = models.CharField(_("材料原名"), max_length=200, blank=True)
    reported_at = models.DateTimeField(_("报告时间"), null=True, blank=True)
    # The local day of the last report: reported by the deadline is 按期整改 once closed.
    reported_on = models.DateField(_("报告日期"), null=True, blank=True)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = RectificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("整改事项")
        verbose_name_plural = _("整改事项")
        ordering = ["deadline", "id"]
        indexes = [
            models.Index(fields=["organization", "state"], name="rectification_org_state"),
            models.Index(fields=["state", "deadline"], name="rectification_state_deadline"),
        ]

    def __str__(self):
        return f"{self.organization.name}：{self.problem[:20]}"

    def get_absolute_url(self):
        return reverse("reviews:rectification", args=[self.pk])

    def is_overdue(self, today: datetime.date) -> bool:
        return self.deadline < today and self.state in OVERDUE_STATES


class RectificationEvent(ChoiceLabels):
    """One line of a rectification's history: registered, started, reported, sent back, closed."""

    rectification = models.ForeignKey(
        Rectification, on_delete=models.CASCADE, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    from_state = models.CharField(
        _("原状态"), max_length=20, choices=RectificationState.choices, blank=True
    )
    to_state = models.CharField(_("新状态"), max_length=20, choices=RectificationState.choices)
    comment = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("整改记录")
        verbose_name_plural = _("整改记录")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.rectification_id} {self.to_state}"


# --- 评诺 ----------------------------------------------------------------------------------------


class VerdictKind(models.TextChoices):
    SELF = "self", _("自评")
    ORGANIZATION = "organization", _("组织评")
    LEADER = "leader", _("领导评")
    PUBLIC = "public", _("群众评")


class Fulfilment(models.TextChoices):
    # Ordered from best to worst: the final verdict takes the lowest (reviews.verdicts).
    FULFILLED = "fulfilled", _("已兑现")
    MOSTLY = "mostly", _("基本兑现")
    UNFULFILLED = "unfulfilled", _("未兑现")


class Verdict(ChoiceLabels):
    """One of the four verdicts on a completed pledge (评诺)."""

    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="verdicts")
    kind = models.CharField(_("评价方"), max_length=20, choices=VerdictKind.choices)
    result = models.CharField(_("评价结果"), max_length=20, choices=Fulfilment.choices)
    comment = models.TextField(_("评价意见"), blank=True)
    # A self-assessment the secretary entered for the member (代录), not the member's own.
    proxy = models.BooleanField(_("代录"), default=False)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("评诺意见")
        verbose_name_plural = _("评诺意见")
        ordering = ["pledge", "id"]
        constraints = [
            models.UniqueConstraint(fields=["pledge", "kind"], name="verdict_one_per_kind")
        ]

    def __str__(self):
        return f"{self.pledge_id} {self.kind} {self.result}"


class FinalVerdict(ChoiceLabels):
    """The final verdict of a pledge (最终评价), given once 自评 and 组织评 exist and lowered,
    never raised, by a 领导评 or 群众评 that comes later (reviews.verdicts.final_result)."""

    pledge = models.OneToOneField(Pledge, on_delete=models.CASCADE, related_name="final_verdict")
    result = models.CharField(_("最终评价"), max_length=20, choices=Fulfilment.choices)
    decided_at = models.DateTimeField(_("评定时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("最终评价")
        verbose_name_plural = _("最终评价")

    def __str__(self):
        return f"{self.pledge_id} {self.result}"


# The audit trail (core.audit): reviews, their pledges, rectifications and verdicts, whoever
# writes them. The event and correction tables are themselves the user-facing logs.
audit.track(
    LeaderReview,
    describe=("held_on",),
    exclude=("created_at", "updated_at"),
    parent="organization",
)
audit.track(
    Rectification,
    describe=("problem",),
    exclude=("created_at", "version"),
    parent="organization",
)
audit.track(Verdict, describe=("kind", "result"), exclude=("at",), parent="pledge")
audit.track(
    FinalVerdict, describe=("result",), exclude=("decided_at", "updated_at"), parent="pledge"
)
