import datetime
import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaign.models import Campaign
from core import audit
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


class LeaderReview(models.Model):
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


class RectificationState(models.TextChoices):
    REGISTERED = "registered", _("已登记")
    IN_PROGRESS = "in_progress", _("整改中")
    REPORTED = "reported", _("待销号")
    CLOSED = "closed", _("已销号")


OPEN_RECTIFICATION_STATES = (
    RectificationState.REGISTERED,
    RectificationState.IN_PROGRESS,
    RectificationState.REPORTED,
)


class RectificationQuerySet(models.QuerySet):
    def open(self) -> "RectificationQuerySet":
        return self.exclude(state=RectificationState.CLOSED)

    def overdue(self, today: datetime.date) -> "RectificationQuerySet":
        """Past their deadline and not reported done or closed."""
        return self.filter(
            deadline__lt=today,
            state__in=(RectificationState.REGISTERED, RectificationState.IN_PROGRESS),
        )


def evidence_path(rectification: "Rectification", filename: str) -> str:
    extension = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
    suffix = extension.get(rectification.evidence_type, "bin")
    return f"rectifications/{rectification.pk}/evidence.{suffix}"


class Rectification(models.Model):
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
        return self.deadline < today and self.state in (
            RectificationState.REGISTERED,
            RectificationState.IN_PROGRESS,
        )


class RectificationEvent(models.Model):
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


class Verdict(models.Model):
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


class FinalVerdict(models.Model):
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


# --- 群众评议 ------------------------------------------------------------------------------------


class EvaluationMethod(models.TextChoices):
    # Seed 000: 问卷调查、设置意见箱、召开座谈会、聘请活动监督员.
    QUESTIONNAIRE = "questionnaire", _("问卷调查")
    BOX = "box", _("意见箱")
    FORUM = "forum", _("座谈会")
    MONITOR = "monitor", _("活动监督员")


class RoundState(models.TextChoices):
    PREPARING = "preparing", _("准备")
    OPEN = "open", _("进行中")
    CLOSED = "closed", _("已结束")
    PUBLISHED = "published", _("已公示")


class ParticipantGroup(models.TextChoices):
    # Seed 000: 党代表、人大代表、政协委员、服务对象和普通群众代表; and members.
    PARTY_DEPUTY = "party_deputy", _("党代表")
    NPC_DEPUTY = "npc_deputy", _("人大代表")
    CPPCC_MEMBER = "cppcc_member", _("政协委员")
    SERVED = "served", _("服务对象")
    PUBLIC = "public", _("群众代表")
    MEMBER = "member", _("党员")


class MemberGrade(models.TextChoices):
    # 党员民主评议, best first.
    EXCELLENT = "excellent", _("优秀")
    QUALIFIED = "qualified", _("合格")
    BASIC = "basic", _("基本合格")
    UNQUALIFIED = "unqualified", _("不合格")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


# The items of the default questionnaire (群众评议表), each answered 满意 / 基本满意 / 不满意.
DEFAULT_ITEMS = ["服务群众", "履行承诺", "工作作风", "廉洁自律", "总体评价"]
# The item whose satisfaction gives the 群众评 of an organisation's own pledge (评诺).
PLEDGE_ITEM = "履行承诺"


class Questionnaire(models.Model):
    """A template of the 群众评议表, kept by an office for the rounds below it. A round copies its
    items when it opens, so a later edit never changes a running round."""

    name = models.CharField(_("名称"), max_length=100)
    organization = models.ForeignKey(
        Organization, verbose_name=_("所属组织"), on_delete=models.PROTECT, related_name="+"
    )
    items = models.JSONField(_("评议项目"), default=list)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("评议表模板")
        verbose_name_plural = _("评议表模板")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class EvaluationRound(models.Model):
    """A 群众评议 of one basic organisation, run by the level above (seed 000: 上级党组织对基层
    党组织开展群众评议): it issues the codes and keys in the paper tallies, so the organisation
    never handles its own ballots. `items` are the questionnaire's, copied when it opens;
    `results` what closing computed (reviews.evaluations.results_of), shown from then on."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("活动"), on_delete=models.PROTECT, related_name="+"
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("被评议组织"),
        on_delete=models.PROTECT,
        related_name="evaluation_rounds",
    )
    run_by = models.ForeignKey(
        Organization, verbose_name=_("组织评议的上级"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("名称"), max_length=100)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    methods = models.JSONField(_("评议方式"), default=list)
    questionnaire = models.ForeignKey(
        Questionnaire,
        verbose_name=_("评议表模板"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    items = models.JSONField(_("评议项目"), default=list)
    # 党员民主评议 on the same ballot: each active member of the organisation rated.
    appraise_members = models.BooleanField(_("同时开展党员民主评议"), default=False)
    # A branch's own 党员民主评议 of its members: no questionnaire items, run by the branch
    # itself, its results never published.
    members_only = models.BooleanField(_("仅党员民主评议"), default=False)
    state = models.CharField(
        _("状态"), max_length=20, choices=RoundState.choices, default=RoundState.PREPARING
    )
    results = models.JSONField(_("评议结果"), default=dict, blank=True)
    # The office holds publication (公示) for its review: the round cannot be published until
    # it releases it.
    held = models.BooleanField(_("暂缓公示"), default=False)
    rectification = models.ForeignKey(
        "Rectification",
        verbose_name=_("整改事项"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("群众评议")
        verbose_name_plural = _("群众评议")
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["organization", "state"], name="round_org_state")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="round_ends_after_start",
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("reviews:round", args=[self.pk])

    def method_labels(self) -> list[str]:
        labels = dict(EvaluationMethod.choices)
        return [str(labels.get(method, method)) for method in self.methods]


class BallotCode(models.Model):
    """A one-time code for one ballot (reviews/ballots.py): only its SHA-256 digest, its round and
    group, and whether it is used or withdrawn — no time, no link to the answer it gave. Not in
    the audit trail (a record would date its use)."""

    round = models.ForeignKey(EvaluationRound, on_delete=models.CASCADE, related_name="codes")
    group = models.CharField(_("参评类别"), max_length=20, choices=ParticipantGroup.choices)
    digest = models.CharField(max_length=64, unique=True)
    used = models.BooleanField(_("已使用"), default=False)
    withdrawn = models.BooleanField(_("已作废"), default=False)

    class Meta:
        verbose_name = _("评议码")
        verbose_name_plural = _("评议码")
        indexes = [models.Index(fields=["round", "group"], name="ballotcode_round_group")]

    def __str__(self):
        return f"{self.round_id} {self.group}"


def _random_id() -> uuid.UUID:
    return uuid.uuid4()


class Answer(models.Model):
    """One anonymous ballot (群众评议表) answered online.

    The adversary: anyone holding the application, its pages and exports, and a copy of its
    database or its backups — but not the live server's memory. Against them an answer keeps
    nothing that leads back to the code that gave it, hence to the slip and the person it was
    handed to: no foreign key, hash or id of the code; a random primary key (uuid4) instead of a
    sequence, and no ordering by it that would follow insertion; the day only, never the time
    (codes keep no time either, so the order of use cannot be matched with the order of
    answers); not in the audit trail; spent in a transaction of its own, so no answer shares a
    transaction id (PostgreSQL's xmin) with its code. What remains is the round, the participant
    group and the answers themselves, which the results aggregate (a group under 5 answers is
    never shown on its own: reviews.evaluations.suppressed; a round under 5, not at all).

    What the design does not yet defeat, said plainly:
    - a copy taken while a round is still open: the rows' physical order (SQLite's rowid,
      PostgreSQL's ctid) follows the order of answering, as the used codes' row versions follow
      the order of use, and on PostgreSQL a spend's transaction id is close to its answer's;
    - a copy of the database's files taken after closing (a PostgreSQL base backup before the
      next vacuum, a SQLite file or its page-level backup): deleted rows — the codes, the
      answers as first written — may still be in the pages.
    Closing deletes the round's codes (their counts kept with the results) and writes its answers
    again in random order with new keys (reviews.ballots.forget), so the live rows, and a
    logical dump (pg_dump) taken after it, hold neither. Removing the rest needs the answer rows
    written apart from the spending (pre-made anonymous slots, or answers held back and written
    in shuffled batches) and the freed pages cleared after closing (VACUUM; SQLite's
    secure_delete)."""

    id = models.UUIDField(primary_key=True, default=_random_id, editable=False)
    round = models.ForeignKey(EvaluationRound, on_delete=models.CASCADE, related_name="answers")
    group = models.CharField(_("参评类别"), max_length=20, choices=ParticipantGroup.choices)
    # {item label: Satisfaction value}
    choices = models.JSONField(_("评议"), default=dict)
    # {member id: MemberGrade value}: the members' democratic appraisal on the same ballot.
    ratings = models.JSONField(_("党员评议"), default=dict, blank=True)
    comment = models.TextField(_("意见建议"), blank=True)
    answered_on = models.DateField(_("日期"))

    class Meta:
        verbose_name = _("评议答卷")
        verbose_name_plural = _("评议答卷")
        # Random: the uuid, never the order in which they came in.
        ordering = ["id"]

    def __str__(self):
        return f"{self.round_id} {self.group}"


class TallySource(models.TextChoices):
    PAPER = "paper", _("纸质评议表")
    BOX = "box", _("意见箱")


class Tally(models.Model):
    """Counts from paper 评议表 or the 意见箱, keyed in per item and group by the level running
    the round; marked as such in the results, never mixed silently with the online answers."""

    round = models.ForeignKey(EvaluationRound, on_delete=models.CASCADE, related_name="tallies")
    source = models.CharField(_("来源"), max_length=10, choices=TallySource.choices)
    group = models.CharField(_("参评类别"), max_length=20, choices=ParticipantGroup.choices)
    item = models.CharField(_("评议项目"), max_length=50)
    satisfied = models.PositiveIntegerField(_("满意"), default=0)
    basic = models.PositiveIntegerField(_("基本满意"), default=0)
    dissatisfied = models.PositiveIntegerField(_("不满意"), default=0)

    class Meta:
        verbose_name = _("纸质评议汇总")
        verbose_name_plural = _("纸质评议汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "source", "group", "item"], name="tally_one_per_item_and_group"
            )
        ]

    def __str__(self):
        return f"{self.round_id} {self.source} {self.group} {self.item}"


audit.track(
    EvaluationRound,
    describe=("title",),
    exclude=("created_at", "version", "results"),
    parent="organization",
)
audit.track(Questionnaire, describe=("name",), exclude=("updated_at",), parent="organization")
audit.track(Tally, describe=("group", "item"), parent="round")


class SuggestionState(models.TextChoices):
    NEW = "new", _("待处理")
    HANDLED = "handled", _("已处理")
    RECTIFYING = "rectifying", _("已转整改")


class Suggestion(models.Model):
    """A suggestion or complaint left in the online 意见箱 of an organisation's public board,
    without login: seen by the organisation and the levels above, never published; the level
    above may turn it into a rectification. Kept by the day only and without the sender's
    address, as the ballots are."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("组织"), on_delete=models.CASCADE, related_name="suggestions"
    )
    pledge = models.ForeignKey(
        Pledge,
        verbose_name=_("关于承诺"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    text = models.TextField(_("意见建议"))
    received_on = models.DateField(_("日期"))
    state = models.CharField(
        _("处理情况"), max_length=20, choices=SuggestionState.choices, default=SuggestionState.NEW
    )
    note = models.TextField(_("处理说明"), blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rectification = models.ForeignKey(
        Rectification,
        verbose_name=_("整改事项"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("群众意见")
        verbose_name_plural = _("群众意见")
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["organization", "state"], name="suggestion_org_state")]

    def __str__(self):
        return f"{self.organization_id} {self.received_on}"


# Suggestion is not in the audit trail: a record would date it to the second (and with the
# server's access log, give away who sent it). Its handling is kept on the row (note, handler).
