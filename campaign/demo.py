"""The demo campaign on the demo district, run by its office (see core/demo.py)."""

import datetime

from django.utils import timezone

from core.demo import DemoContext

from . import calendar
from .models import Campaign, Phase, Work

DEMO_CAMPAIGN = "2026年度创先争优活动"

# The demo campaign runs around the day the demo is seeded, so `make run` always shows a live
# campaign: started some weeks ago, months still to go.
STARTED_DAYS_AGO = 56
ENDS_IN_DAYS = 210


def demo_dates(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    return (
        today - datetime.timedelta(days=STARTED_DAYS_AGO),
        today + datetime.timedelta(days=ENDS_IN_DAYS),
    )


def build(ctx: DemoContext) -> None:
    """The demo campaign on the district, running today; idempotent. A demo campaign seeded on an
    earlier day is moved to run around today (ctx.shared["campaign_shift"] tells the apps above
    by how much to move their own dates). The large synthetic district of the benchmarks gets
    none (its benchmarks make their own)."""
    if ctx.large:
        return
    starts_on, ends_on = demo_dates(timezone.localdate())
    campaign, created = Campaign.objects.get_or_create(
        name=DEMO_CAMPAIGN,
        organization=ctx.root,
        defaults={
            "theme": "重温党史，实践宗旨，创先争优",
            "starts_on": starts_on,
            "ends_on": ends_on,
        },
    )
    shift = starts_on - campaign.starts_on
    if not created and shift:
        campaign.starts_on += shift
        campaign.ends_on += shift
        campaign.save(update_fields=["starts_on", "ends_on"])
    if not Phase.objects.filter(campaign=campaign).exists():
        # The standard phases and every stage, laid over the campaign's dates.
        Phase.objects.bulk_create(calendar.standard_phases(campaign, list(Work.values)))
    elif shift:
        for phase in Phase.objects.filter(campaign=campaign):
            phase.starts_on += shift
            phase.ends_on += shift
            phase.save(update_fields=["starts_on", "ends_on"])
    ctx.shared["campaign"] = campaign
    ctx.shared["campaign_shift"] = shift


def wipe() -> None:
    Campaign.objects.all().delete()
