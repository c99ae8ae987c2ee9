"""Grades, stars and commendations: organisations graded 一类/二类/三类 each year by the level
above (三分类), members' stars proposed by their branch and confirmed above (党员争星, seed 002),
and the commendations the office publishes (典型引路). Every row is kept: the history is the
rows."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from campaign.models import Campaign
from core import audit
from core.models import ChoiceLabels
from orgs.models import Grade, Member, Organization

MAX_STARS = 10  # 十星级 (seed 002)


class OrgGrading(ChoiceLabels):
    """One confirmation of an organisation's grade for a year by the level above: the grade
    suggested from its ranking score, the grade given, and the reason when they differ. The
    latest of a year is the organisation's grade (Organization.grade)."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("党组织"), on_delete=models.CASCADE, related_name="gradings"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    grade = models.CharField(_("定级"), max_length=1, choices=Grade.choices)
    suggested = models.CharField(_("建议定级"), max_length=1, choices=Grade.choices, blank=True)
    score = models.DecimalField(_("综合得分"), max_digits=4, decimal_places=1, null=True)
    reason = models.TextField(_("理由"), blank=True)
    by_org = models.ForeignKey(
        Organization, verbose_name=_("定级组织"), on_delete=models.PROTECT, related_name="+"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("确认时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("分类定级")
        verbose_name_plural = _("分类定级")
        ordering = ["-year", "-at", "-id"]
        indexes = [models.Index(fields=["organization", "year"], name="grading_org_year")]

    def __str__(self):
        return f"{self.organization_id} {self.year} {self.grade}"


class StarState(models.TextChoices):
    PROPOSED = "proposed", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    RETURNED = "returned", _("已退回")


class MemberStar(ChoiceLabels):
    """A member's stars for a year (党员争星): proposed by the branch, confirmed or sent back by
    the level above. One row per member and year; its changes are in the audit trail."""

    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="stars"
    )
    branch = models.ForeignKey(
        Organization, verbose_name=_("所在支部"), on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    stars = models.PositiveSmallIntegerField(
        _("星级"), validators=[MinValueValidator(1), MaxValueValidator(MAX_STARS)]
    )
    state = models.CharField(
        _("状态"), max_length=20, choices=StarState.choices, default=StarState.PROPOSED
    )
    note = models.TextField(_("说明"), blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评定人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("党员星级")
        verbose_name_plural = _("党员星级")
        ordering = ["-year", "member__name"]
        constraints = [
            models.UniqueConstraint(fields=["member", "year"], name="star_one_per_member_year"),
            models.CheckConstraint(
                condition=models.Q(stars__gte=1, stars__lte=MAX_STARS), name="star_one_to_ten"
            ),
        ]
        indexes = [models.Index(fields=["branch", "year"], name="star_branch_year")]

    def __str__(self):
        return f"{self.member_id} {self.year} {self.stars}"


class CommendationKind(models.TextChoices):
    ORGANIZATION = "organization", _("先进基层党组织")
    MEMBER = "member", _("优秀共产党员")
    WORKER = "worker", _("优秀党务工作者")
    CASE = "case", _("一人一事一例")


class Commendation(ChoiceLabels):
    """典型引路: a commendation the office records, with its citation, and publishes on its
    public page. An organisation is commended as such; a member or a best case names the member
    (a best case may name its organisation instead)."""

    kind = models.CharField(_("类别"), max_length=20, choices=CommendationKind.choices)
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("活动"), null=True, blank=True, on_delete=models.SET_NULL
    )
    awarded_by = models.ForeignKey(
        Organization, verbose_name=_("表彰单位"), on_delete=models.PROTECT, related_name="+"
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("受表彰组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commendations",
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("受表彰党员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commendations",
    )
    title = models.CharField(_("标题"), max_length=100)
    citation = models.TextField(_("事迹"))
    awarded_on = models.DateField(_("表彰日期"))
    published = models.BooleanField(_("已公开"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("表彰")
        verbose_name_plural = _("表彰")
        ordering = ["-awarded_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(organization__isnull=False) | models.Q(member__isnull=False),
                name="commendation_names_someone",
            )
        ]

    def __str__(self):
        return self.title


audit.track(OrgGrading, describe=("year", "grade"), exclude=("at",), parent="organization")
audit.track(MemberStar, describe=("year", "stars"), exclude=("updated_at",), parent="branch")
audit.track(Commendation, describe=("title",), exclude=("created_at",), parent="awarded_by")
