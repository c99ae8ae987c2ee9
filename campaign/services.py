"""Writes to campaigns: set up and changed by the campaign office of the organisation running it."""

from core.audit import audited
from core.services import model_update, require

from . import access
from .models import Campaign, Requirements

FIELDS = ("name", "theme", "organization", "starts_on", "ends_on", "active")
REQUIREMENT_FIELDS = (
    "review_schedule",
    "count_member_reviews",
    "count_office_reviews",
    "satisfaction_threshold",
    "fulfilled_at",
    "mostly_at",
)


def create_campaign(*, by, requirements: dict | None = None, **fields) -> Campaign:
    """A new campaign with its requirements (the defaults, or those given)."""
    require(access.can_run(by, fields["organization"]))
    campaign = Campaign(**{key: fields[key] for key in FIELDS if key in fields})
    campaign.full_clean()
    asked = Requirements(
        **{k: v for k, v in (requirements or {}).items() if k in REQUIREMENT_FIELDS}
    )
    with audited(by=by):
        campaign.save()
        asked.campaign = campaign
        asked.save()
    return campaign


def update_campaign(campaign: Campaign, *, by, **fields) -> Campaign:
    target = fields.get("organization", campaign.organization)
    require(access.can_run(by, campaign.organization) and access.can_run(by, target))
    model_update(campaign, {key: fields[key] for key in FIELDS if key in fields}, by=by)
    return campaign


def update_requirements(campaign: Campaign, *, by, **fields) -> Requirements:
    """Changes what the campaign asks (a campaign from before requirements gets its row now)."""
    require(access.can_run(by, campaign.organization))
    asked, _created = Requirements.objects.get_or_create(campaign=campaign)
    model_update(asked, {key: fields[key] for key in REQUIREMENT_FIELDS if key in fields}, by=by)
    return asked
