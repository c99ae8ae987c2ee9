"""Writes to campaigns: set up and changed by the campaign office of the organisation running it."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from . import access
from .models import Campaign

FIELDS = ("name", "theme", "organization", "starts_on", "ends_on", "active")


@transaction.atomic
def create_campaign(*, by, **fields) -> Campaign:
    if not access.can_run(by, fields["organization"]):
        raise PermissionDenied
    campaign = Campaign(**{key: fields[key] for key in FIELDS if key in fields})
    campaign.full_clean()
    campaign.save()
    return campaign


@transaction.atomic
def update_campaign(campaign: Campaign, *, by, **fields) -> Campaign:
    target = fields.get("organization", campaign.organization)
    if not (access.can_run(by, campaign.organization) and access.can_run(by, target)):
        raise PermissionDenied
    for key in FIELDS:
        if key in fields:
            setattr(campaign, key, fields[key])
    campaign.full_clean()
    campaign.save()
    return campaign
