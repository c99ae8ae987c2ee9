"""Mass evaluations (群众评议): questionnaires, rounds, one-time codes, anonymous answers, paper
tallies, and the online 意见箱 of the public boards."""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from campaign.models import Campaign
from core import audit
from core.models import ChoiceLabels
from orgs.models import Organization
from pledges.models import Pledge

from .reviewing import Rectification

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


class EvaluationRound(ChoiceLabels):
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
    # Kept with the results when the round closes, for the rollups (reviews/rollups.py):
    # answers 满意 or 基本满意 over all items and groups, and all answers; both 0 while the
    # round is open and when it had too few ballots to show a figure.
    satisfied_votes = models.PositiveIntegerField(_("满意票数"), default=0)
    rated_votes = models.PositiveIntegerField(_("评议票数"), default=0)
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


class BallotCode(ChoiceLabels):
    """A one-time code for one ballot (reviews/ballots.py): only its SHA-256 digest, its round and
    group, and whether it was withdrawn — no time, no link to the answer it gave. Spending never
    writes to this row (it deletes the code's UnusedCode), so the codes' rows stay in the order
    they were issued, whatever the order of use. Not in the audit trail (a record would date
    its use)."""

    round = models.ForeignKey(EvaluationRound, on_delete=models.CASCADE, related_name="codes")
    group = models.CharField(_("参评类别"), max_length=20, choices=ParticipantGroup.choices)
    digest = models.CharField(max_length=64, unique=True)
    withdrawn = models.BooleanField(_("已作废"), default=False)

    class Meta:
        verbose_name = _("评议码")
        verbose_name_plural = _("评议码")
        indexes = [models.Index(fields=["round", "group"], name="ballotcode_round_group")]

    def __str__(self):
        return f"{self.round_id} {self.group}"


class UnusedCode(models.Model):
    """The mark of a code that may still be spent: made with the code, deleted by the ballot
    that spends it (or by withdrawing it). A used code is one without its mark.

    Deleting, rather than updating a "used" column, is what keeps the order of use out of a
    copy of the database: an UPDATE writes a new version of the row, which PostgreSQL places
    after the others (a dump would list the used codes in the order they were spent, beside
    the answers in the order they came in), while a deleted row leaves the others where they
    were. Which of two phones spends a code is decided by the DELETE's row lock: the second
    finds nothing to delete."""

    code = models.OneToOneField(
        BallotCode, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("未用评议码")
        verbose_name_plural = _("未用评议码")

    def __str__(self):
        return str(self.code_id)


def _random_id() -> uuid.UUID:
    return uuid.uuid4()


class Answer(ChoiceLabels):
    """One anonymous ballot (群众评议表) answered online.

    The adversary: anyone holding the application, its pages and exports, and a copy of its
    database or its backups — but not the live server's memory. Against them an answer keeps
    nothing that leads back to the code that gave it, hence to the slip and the person it was
    handed to:
    - no foreign key, hash or id of the code; a random primary key (uuid4) instead of a
      sequence, and no ordering by it that would follow insertion;
    - the day only, never the time; codes keep no time either;
    - not in the audit trail;
    - the order of use is nowhere: spending deletes the code's UnusedCode mark and writes
      nothing to the code's row, so the codes stay where and as they were issued, whatever the
      order in which they were used (a copy lists the answers in the order they came in, and
      the codes in the order they were printed: nothing pairs the two);
    - the spend and the answer are two transactions, so they share no transaction id
      (PostgreSQL's xmin);
    - closing deletes the round's codes (their counts kept with the results) and writes its
      answers again in random order with new keys (reviews.ballots.forget);
    - deleted rows leave nothing behind: SQLite overwrites them with zeros (secure_delete in
      settings.DATABASES), and a nightly task rewrites the tables on PostgreSQL (VACUUM FULL,
      reviews.ballots.compact), where a plain VACUUM would leave the bytes in free space.
    What remains is the round, the participant group and the answers themselves, which the
    results aggregate (a group under 5 answers is never shown on its own:
    reviews.evaluations.suppressed; a round under 5, not at all).

    What the design does not defeat, said plainly: a copy of the write-ahead log (PostgreSQL's
    WAL and its archives, SQLite's -wal file) or of PostgreSQL's data files taken while a round
    is open, or after it closed but before the night's rewrite. There the deleted mark of a
    spent code sits beside its answer in the log's order, and PostgreSQL's deleted mark carries
    the id of the transaction just before the answer's. Defeating that would mean holding
    answers back and writing them in shuffled batches, in memory the adversary has not got —
    at the price of losing them if the process dies. Keep such copies as you keep the live
    server."""

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


class Tally(ChoiceLabels):
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
    exclude=("created_at", "version", "results", "satisfied_votes", "rated_votes"),
    parent="organization",
)
audit.track(Questionnaire, describe=("name",), exclude=("updated_at",), parent="organization")
audit.track(Tally, describe=("group", "item"), parent="round")


class SuggestionState(models.TextChoices):
    NEW = "new", _("待处理")
    HANDLED = "handled", _("已处理")
    RECTIFYING = "rectifying", _("已转整改")


class Suggestion(ChoiceLabels):
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
