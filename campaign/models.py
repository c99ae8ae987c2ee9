from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core import audit, generations
from core.models import ChoiceLabels
from orgs.models import Organization


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
audit.track(Campaign, describe=("name",), exclude=("created_at",), parent="organization")
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

    class Meta:
        verbose_name = _("活动要求")
        verbose_name_plural = _("活动要求")

    def __str__(self):
        return str(self.campaign_id)


# Changes to what a campaign asks are kept with the campaign's own (its page shows both).
audit.track(Requirements, parent="campaign")
