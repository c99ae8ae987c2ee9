"""The reviews' rollups (core.rollups), kept by the triggers of reviews/rollups.py: per
organisation, the leader reviews of it, its evaluation rounds with their satisfaction, and its
rectifications. Each row's `version` grows with every change to what it counts."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from campaign.models import Campaign
from orgs.models import Organization


class ReviewTally(models.Model):
    """Per campaign and organisation: the leader reviews held of it, split as the campaign's
    requirements may count them (of the organisation itself or of its members; by the office or
    by the other reviewing roles), so that every campaign adds the columns it counts."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    own = models.IntegerField(default=0)  # of the organisation, not by the office
    own_office = models.IntegerField(default=0)  # of the organisation, by the office
    of_members = models.IntegerField(default=0)  # of its members, not by the office
    of_members_office = models.IntegerField(default=0)  # of its members, by the office
    version = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("点评汇总")
        verbose_name_plural = _("点评汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "organization"], name="reviewtally_one_per_campaign_and_org"
            )
        ]

    def __str__(self):
        return f"{self.campaign_id}/{self.organization_id}"


class RoundTally(models.Model):
    """Per campaign and organisation: its 群众评议 rounds held (opened, not a branch's own
    党员民主评议), those finished, and their satisfaction as a numerator and a denominator
    (answers 满意 or 基本满意, and all answers), so that a subtree's rate is a sum of sums."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    rounds = models.IntegerField(default=0)
    finished = models.IntegerField(default=0)
    satisfied_votes = models.BigIntegerField(default=0)
    rated_votes = models.BigIntegerField(default=0)
    version = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("评议汇总")
        verbose_name_plural = _("评议汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "organization"], name="roundtally_one_per_campaign_and_org"
            )
        ]

    def __str__(self):
        return f"{self.campaign_id}/{self.organization_id}"


class RectificationTally(models.Model):
    """Per organisation: its rectifications still open, those closed, and of those the ones
    reported done by their deadline (按期整改). Overdue ones change with the clock and are
    counted by an indexed query instead (reviews.selectors)."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="+")
    open = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)
    version = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("整改汇总")
        verbose_name_plural = _("整改汇总")

    def __str__(self):
        return str(self.organization_id)
