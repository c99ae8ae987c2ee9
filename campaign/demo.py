"""The demo campaign on the demo district, run by its office (see core/demo.py)."""

import datetime

from django.utils import timezone

from core.demo import DemoContext

from .models import Campaign

DEMO_CAMPAIGN = "2026年度创先争优活动"


def build(ctx: DemoContext) -> None:
    """The demo campaign on the district, from January to the middle of next year; idempotent.
    The large synthetic district of the benchmarks gets none (its benchmarks make their own)."""
    if ctx.large:
        return
    today = timezone.localdate()
    campaign, _created = Campaign.objects.get_or_create(
        name=DEMO_CAMPAIGN,
        organization=ctx.root,
        defaults={
            "theme": "重温党史，实践宗旨，创先争优",
            "starts_on": datetime.date(today.year, 1, 1),
            "ends_on": datetime.date(today.year + 1, 6, 30),
        },
    )
    ctx.shared["campaign"] = campaign


def wipe() -> None:
    Campaign.objects.all().delete()
