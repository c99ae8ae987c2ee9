"""The demo's reminders (see core/demo.py): the calendar's sweeps run as of the day the demo is
seeded, so each demo login's inbox holds what a careful office would have sent by then: overdue
pledges and rectifications, reviews owed and evaluations not held, deadlines a week or a day away.
A second seeding sends nothing twice (the notifications' constraint)."""

from core.demo import DemoContext

from . import sweeps


def build(ctx: DemoContext) -> None:
    if ctx.large:  # the benchmarks' district runs its own sweeps
        return
    sent = sum(sweeps.run(kind).created for kind in sweeps.PLANS)
    ctx.say(f"提醒：{sent} 条")


def wipe() -> None:
    # Notifications and sweep logs go with the campaign and organisations they belong to; the
    # logs of sweeps outright.
    from campaign.models import SweepRun

    SweepRun.objects.all().delete()
