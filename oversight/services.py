"""Writes that look across the apps: closing a campaign with its figures frozen."""

import dataclasses

from django.db.models import Count
from django.utils import timezone

from campaign import services as campaign_services
from campaign.models import Campaign
from campaign.requirements import requirements_of
from orgs.models import Organization, subtree_q
from pledges import selectors as pledge_selectors
from pledges.models import Pledge
from reviews import selectors as review_selectors
from reviews.models import EvaluationRound, Rectification, RoundState


def campaign_figures(campaign: Campaign) -> dict:
    """The campaign's headline figures over its whole organisation, as its end freezes them:
    coverage (两个100%), pledges by state, reviews held, evaluation rounds held, rectifications."""
    today = timezone.localdate()
    root = campaign.organization
    coverage = pledge_selectors.coverage(root, campaign)
    by_state = dict(
        Pledge.objects.filter(campaign=campaign)
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    reviews = review_selectors.counted_reviews(campaign, today, requirements_of(campaign))
    within = Organization.objects.filter(subtree_q(root.path))
    rectifications = review_selectors.rectification_counts(
        Rectification.objects.filter(organization__in=within), today
    )
    return {
        "on": today.isoformat(),
        "coverage": dataclasses.asdict(coverage),
        "pledges": by_state,
        "reviews": reviews.count(),
        "rounds": EvaluationRound.objects.filter(campaign=campaign, members_only=False)
        .exclude(state=RoundState.PREPARING)
        .count(),
        "rectifications_open": rectifications.open,
    }


def close_campaign(campaign: Campaign, *, by) -> Campaign:
    """结束验收: the campaign becomes read-only with its figures kept as they are today."""
    return campaign_services.close_campaign(campaign, by=by, figures=campaign_figures(campaign))
