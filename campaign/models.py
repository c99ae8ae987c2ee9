from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core import audit, generations
from core.models import ChoiceLabels
from orgs.models import Organization, RoleKind


class CampaignQuerySet(models.QuerySet):
    def active(self) -> "CampaignQuerySet":
        return self.filter(active=True)

    def covering(self, org: Organization) -> "CampaignQuerySet":
        """Campaigns run by the organisation or an ancestor of it: the ones it takes part in."""
        return self.filter(organization__path__in=[*org.ancestor_paths(), org.path])

    def current_for(self, org: Organization, wanted: int | None = None) -> "Campaign | None":
        """The campaign a page about `org` shows: the one asked for (?campaign=, read with
        core.params.id_param) if it covers the organisation, else the latest active one
        covering it."""

        if self.query.has_filters():  # a caller's filter: asked of the database
            campaigns = self.covering(org).select_related("organization")
            if wanted is not None:
                chosen = campaigns.filter(pk=wanted).first()
                if chosen is not None:
                    return chosen
            return campaigns.active().order_by("-starts_on", "-id").first()
        # Every campaign, newest first, as the web process keeps them while no campaign or
        # organisation changed (core.generations): a district runs a few a year, and pages about
        # thousands of organisations then choose among them without a query.
        every = generations.kept(
            "campaigns",
            None,
            lambda: list(self.select_related("organization").order_by("-starts_on", "-id")),
        )
        paths = {*org.ancestor_paths(), org.path}
        covering = [c for c in every if c.organization.path in paths]
        chosen = next((c for c in covering if c.pk == wanted), None)
        chosen = chosen or next((c for c in covering if c.active), None)
        return generations.copied(chosen)


class Campaign(models.Model):
    name = models.CharField(_("活动名称"), max_length=100)
    theme = models.CharField(_("主题"), max_length=200, blank=True)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("组织单位"),
        help_text=_("活动覆盖该组织及其全部下级组织。"),
        on_delete=models.PROTECT,
        related_name="campaigns",
    )
    active = models.BooleanField(_("进行中"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    # 总结验收 done: closed for good, read-only, its headline figures kept as they were then.
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    figures = models.JSONField(_("结束时的数据"), default=dict, blank=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("创先争优活动")
        verbose_name_plural = _("创先争优活动")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="campaign_ends_after_start"
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("campaign:detail", args=[self.pk])


# The audit trail (core.audit): every change to a campaign is kept, whoever makes it.
audit.track(Campaign, describe=("name",), exclude=("created_at", "figures"), parent="organization")
# The campaign a page shows is read from the web process's copy while no campaign has changed.
generations.watch(Campaign._meta.db_table)


class ReviewSchedule(models.TextChoices):
    # Seed 000: at least three a year; seed 002: quarterly where the local plan says so.
    THRICE_YEARLY = "thrice_yearly", _("每年3次（4月30日、8月31日、12月31日前各1次）")
    QUARTERLY = "quarterly", _("每季度1次")


class Requirements(ChoiceLabels):
    """What a campaign asks of the organisations it covers, one row per campaign (the evaluation
    and calendar issues add their own fields here). A campaign without a row asks the defaults
    (`campaign.requirements.requirements_of`)."""

    campaign = models.OneToOneField(
        Campaign, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="requirements"
    )
    review_schedule = models.CharField(
        _("领导点评频次"),
        max_length=20,
        choices=ReviewSchedule.choices,
        default=ReviewSchedule.THRICE_YEARLY,
    )
    count_member_reviews = models.BooleanField(
        _("点评党员计入支部次数"),
        default=False,
        help_text=_("勾选后，对党员个人的点评也计入其所在支部的点评次数。"),
    )
    count_office_reviews = models.BooleanField(
        _("活动办公室的点评计入次数"),
        default=False,
        help_text=_("默认只计上级党组织书记、领导的点评。"),
    )
    # 群众评议: below this satisfaction (percent) a closed round opens a rectification.
    satisfaction_threshold = models.PositiveSmallIntegerField(
        _("群众满意度整改线（%）"),
        default=70,
        validators=[MaxValueValidator(100)],
        help_text=_("群众评议满意度低于此值时，自动登记整改事项。"),
    )
    # 群众评 of an organisation's pledge from the 履行承诺 item's satisfaction (percent).
    fulfilled_at = models.PositiveSmallIntegerField(
        _("群众评“已兑现”线（%）"), default=90, validators=[MaxValueValidator(100)]
    )
    mostly_at = models.PositiveSmallIntegerField(
        _("群众评“基本兑现”线（%）"), default=70, validators=[MaxValueValidator(100)]
    )
    # The calendar (campaign.calendar): reminders this many days before a deadline, each once.
    lead_days = models.JSONField(
        _("提前提醒天数"),
        default=list,
        blank=True,
        help_text=_("在期限前几天提醒，用逗号分隔，如“7,1”；留空则按 7 天和 1 天。"),
    )
    escalate_after_days = models.PositiveSmallIntegerField(
        _("逾期几天后报上级"),
        default=7,
        validators=[MaxValueValidator(365)],
        help_text=_("承诺或整改逾期超过此天数，同时提醒上级组织书记督办。"),
    )
    report_due_on = models.DateField(
        _("总结报告上报期限"),
        null=True,
        blank=True,
        help_text=_("各组织上报活动总结的期限；留空则为“总结验收”阶段的结束日期。"),
    )

    # 督查评促: the weights of the ranking's composite score (each figure a percentage), and the
    # scores from which a unit is suggested 一类 and below which 三类 (三分类).
    weight_coverage = models.PositiveSmallIntegerField(
        _("权重：承诺覆盖"), default=30, validators=[MaxValueValidator(100)]
    )
    weight_fulfilment = models.PositiveSmallIntegerField(
        _("权重：践诺"), default=20, validators=[MaxValueValidator(100)]
    )
    weight_reviews = models.PositiveSmallIntegerField(
        _("权重：领导点评"), default=15, validators=[MaxValueValidator(100)]
    )
    weight_evaluations = models.PositiveSmallIntegerField(
        _("权重：群众评议开展"), default=10, validators=[MaxValueValidator(100)]
    )
    weight_satisfaction = models.PositiveSmallIntegerField(
        _("权重：群众满意度"), default=15, validators=[MaxValueValidator(100)]
    )
    weight_rectification = models.PositiveSmallIntegerField(
        _("权重：按期整改"), default=10, validators=[MaxValueValidator(100)]
    )
    first_grade_at = models.PositiveSmallIntegerField(
        _("建议评为一类的得分线"), default=85, validators=[MaxValueValidator(100)]
    )
    third_grade_below = models.PositiveSmallIntegerField(
        _("建议评为三类的得分线"),
        default=60,
        validators=[MaxValueValidator(100)],
        help_text=_("综合得分低于此值建议评为三类，介于两条线之间建议评为二类。"),
    )

    class Meta:
        verbose_name = _("活动要求")
        verbose_name_plural = _("活动要求")

    def __str__(self):
        return str(self.campaign_id)


# Changes to what a campaign asks are kept with the campaign's own (its page shows both).
audit.track(Requirements, parent="campaign")
generations.watch(Requirements._meta.db_table)


DEFAULT_LEAD_DAYS = (7, 1)


class PhaseKind(models.TextChoices):
    # Seed 004: the campaign's consecutive phases.
    PHASE = "phase", _("阶段")
    # Seed 000: the stages of the work, which may overlap the phases and each other.
    STAGE = "stage", _("环节")


class Work(models.TextChoices):
    """What a stage asks of the organisations, which the reminders check (oversight.sweeps)."""

    NONE = "", _("—")
    PLEDGES = "pledges", _("公开承诺")
    REVIEWS = "reviews", _("领导点评")
    EVALUATIONS = "evaluations", _("群众评议")
    EXEMPLARS = "exemplars", _("典型引路")
    # The closing phase: the report is due at its end unless the requirements name a day.
    REPORT = "report", _("总结验收")


class Phase(ChoiceLabels):
    """A dated phase (动员部署 … 总结验收, one at a time) or stage (公开承诺, 领导点评, 群众评议,
    典型引路, overlapping) of a campaign. Its end is the deadline of its work, which an office may
    bring forward for the organisations below it (Deadline)."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="phases"
    )
    name = models.CharField(_("名称"), max_length=50)
    kind = models.CharField(_("类型"), max_length=10, choices=PhaseKind.choices)
    work = models.CharField(
        _("对应工作"), max_length=20, choices=Work.choices, blank=True, default=Work.NONE
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))

    class Meta:
        verbose_name = _("活动阶段")
        verbose_name_plural = _("活动阶段")
        ordering = ["starts_on", "kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="phase_ends_after_start"
            )
        ]

    def __str__(self):
        return self.name


audit.track(Phase, describe=("name",), parent="campaign")
generations.watch(Phase._meta.db_table)


class Deadline(models.Model):
    """An earlier deadline an organisation gives the organisations below it, for a phase's work
    or (phase empty) for the campaign's report: a town's a week before the district's. What
    applies to an organisation is the one set on its nearest ancestor, else the phase's end
    (campaign.calendar.deadline_for); none may be later than what applies to the organisation
    that sets it."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="deadlines"
    )
    phase = models.ForeignKey(
        Phase,
        verbose_name=_("阶段"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deadlines",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("设定组织"),
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("期限适用于该组织的全部下级组织。"),
    )
    due_on = models.DateField(_("期限"))

    class Meta:
        verbose_name = _("下级期限")
        verbose_name_plural = _("下级期限")
        constraints = [
            models.UniqueConstraint(
                fields=["phase", "organization"],
                condition=Q(phase__isnull=False),
                name="deadline_once_per_phase_and_org",
            ),
            models.UniqueConstraint(
                fields=["campaign", "organization"],
                condition=Q(phase__isnull=True),
                name="report_deadline_once_per_org",
            ),
        ]

    def __str__(self):
        return f"{self.organization_id} {self.due_on}"


audit.track(Deadline, parent="campaign")
# What a home page shows of the calendar is read from the process's copies while none changed.
generations.watch(Deadline._meta.db_table)


class NoticeKind(models.TextChoices):
    # Reminders of the calendar's sweeps (oversight.sweeps).
    DEADLINE = "deadline", _("期限提醒")
    REVIEWS_DUE = "reviews_due", _("点评提醒")
    EVALUATION_DUE = "evaluation_due", _("评议提醒")
    PLEDGE_OVERDUE = "pledge_overdue", _("承诺逾期")
    RECTIFICATION_OVERDUE = "rectification_overdue", _("整改逾期")
    ESCALATION = "escalation", _("逾期督办")
    SUPERVISION = "supervision", _("督办通知")
    # What happened, sent when it happens.
    PLEDGE_RETURNED = "pledge_returned", _("承诺退回修改")
    PLEDGE_APPROVED = "pledge_approved", _("承诺审核通过")
    REVIEW_WRITTEN = "review_written", _("收到领导点评")
    RECTIFICATION = "rectification", _("整改事项")
    RESULTS_PUBLISHED = "results_published", _("评议结果公示")
    ROLE = "role", _("角色变动")
    JOB = "job", _("后台任务")


class NotificationQuerySet(models.QuerySet):
    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)

    def unsent(self) -> "NotificationQuerySet":
        return self.filter(emailed_at__isnull=True)


class Notification(ChoiceLabels):
    """A reminder or a notice, addressed to a role on an organisation — shown to whoever holds it
    now, so a hand-over passes it on — or, for what concerns one person (a role given), to a user.

    Never twice: unique per (kind, organisation, role, subject, period) by a database constraint,
    so a sweep run twice, a retried task or two beat processes at once add nothing (the writers
    insert with ignore_conflicts). `subject` names what it is about ("pledge:12", "phase:3",
    "user:7"), `period` which occurrence ("2026-04-23", "2026Q2", an event's id). Read by one
    holder, read for all: a role's inbox is shared, as a desk's tray is. Email goes out after the
    row is saved (campaign.notifications), at least once: `emailed_at` is set only once sent."""

    kind = models.CharField(_("类型"), max_length=30, choices=NoticeKind.choices)
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("活动"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("党组织"), on_delete=models.CASCADE, related_name="+"
    )
    role_kind = models.CharField(
        _("角色"), max_length=20, choices=RoleKind.choices, blank=True, default=""
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("收件人"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    subject = models.CharField(max_length=60, blank=True, default="")
    period = models.CharField(max_length=40, blank=True, default="")
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "organization", "role_kind", "subject", "period"],
                name="notification_once",
            ),
            models.CheckConstraint(
                condition=~Q(role_kind="") | Q(user__isnull=False),
                name="notification_has_an_addressee",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "role_kind", "read_at"], name="notice_inbox"),
            models.Index(fields=["user", "read_at"], name="notice_personal"),
            models.Index(
                fields=["created_at"],
                condition=Q(emailed_at__isnull=True),
                name="notice_unsent",
            ),
        ]

    def __str__(self):
        return self.title


class SweepKind(models.TextChoices):
    DEADLINES = "deadlines", _("期限提醒")
    QUARTERLY = "quarterly", _("季度提醒（点评、评议）")
    OVERDUE = "overdue", _("逾期提醒与督办")


class SweepRun(ChoiceLabels):
    """One run of a reminder sweep (oversight.sweeps), for the office's log: when, as of which
    day, how many reminders it wrote and which organisations failed."""

    kind = models.CharField(_("提醒类别"), max_length=40, choices=SweepKind.choices)
    as_of = models.DateField(_("日期"))
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    candidates = models.PositiveIntegerField(_("应提醒"), default=0)
    created = models.PositiveIntegerField(_("新发出"), default=0)
    failures = models.JSONField(_("失败"), default=list, blank=True)

    class Meta:
        verbose_name = _("提醒记录")
        verbose_name_plural = _("提醒记录")
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"{self.kind} {self.as_of}"
