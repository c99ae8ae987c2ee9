"""Writes to campaigns: set up and changed by the campaign office of the organisation running it."""

from core.audit import audited
from core.services import model_update, require

from . import access
from .models import Campaign

FIELDS = ("name", "theme", "organization", "starts_on", "ends_on", "active")


def create_campaign(*, by, **fields) -> Campaign:
    require(access.can_run(by, fields["organization"]))
    campaign = Campaign(**{key: fields[key] for key in FIELDS if key in fields})
    campaign.full_clean()
    with audited(by=by):
        campaign.save()
    return campaign


def update_campaign(campaign: Campaign, *, by, **fields) -> Campaign:
    target = fields.get("organization", campaign.organization)
    require(access.can_run(by, campaign.organization) and access.can_run(by, target))
    model_update(campaign, {key: fields[key] for key in FIELDS if key in fields}, by=by)
    return campaign
