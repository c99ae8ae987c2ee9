"""How many leader reviews (领导点评) a campaign asks of each basic organisation by a given day.

Seed 000 asks for at least three reviews a year; the default plan has them due cumulatively by
30 April, 31 August and 31 December. Seed 002 asks for one a quarter where the local plan says
so. Each review is due at the end of its period (or at the campaign's end, when that comes
first); a period counts only when the campaign runs for at least half of its days, so a campaign
that starts in June asks for two reviews in its first year (August and December), not three, and
one that ends in May asks for none in May–August.
`reviews_due` is the one function that says it; pages, lists and (later) reminders all use it.
"""

import datetime
from dataclasses import dataclass

from .models import Campaign, Requirements, ReviewSchedule

# The periods of a year for each schedule, as (first month, last month), both inclusive.
PERIODS = {
    ReviewSchedule.THRICE_YEARLY: ((1, 4), (5, 8), (9, 12)),
    ReviewSchedule.QUARTERLY: ((1, 3), (4, 6), (7, 9), (10, 12)),
}


@dataclass(frozen=True)
class Period:
    starts_on: datetime.date
    ends_on: datetime.date  # the day its review is due by

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1


def requirements_of(campaign: Campaign) -> Requirements:
    """The campaign's requirements: its stored row, else the defaults (unsaved)."""
    try:
        return campaign.requirements
    except Requirements.DoesNotExist:
        return Requirements(campaign=campaign)


def _last_day(year: int, month: int) -> datetime.date:
    if month == 12:
        return datetime.date(year, 12, 31)
    return datetime.date(year, month + 1, 1) - datetime.timedelta(days=1)


def periods(campaign: Campaign, schedule: str) -> list[Period]:
    """The campaign's review periods in order: those it runs for at least half of. The last one
    is due by the campaign's end when the campaign ends first (a review after it cannot count)."""
    found = []
    for year in range(campaign.starts_on.year, campaign.ends_on.year + 1):
        for first, last in PERIODS[schedule]:
            period = Period(datetime.date(year, first, 1), _last_day(year, last))
            start = max(period.starts_on, campaign.starts_on)
            end = min(period.ends_on, campaign.ends_on)
            if end >= start and ((end - start).days + 1) * 2 >= period.days:
                found.append(Period(period.starts_on, end))
    return found


def reviews_due(campaign: Campaign, on: datetime.date, requirements=None) -> int:
    """How many reviews each basic organisation should have had by the end of `on`."""
    schedule = (requirements or requirements_of(campaign)).review_schedule
    return sum(1 for period in periods(campaign, schedule) if period.ends_on <= on)


def current_period(campaign: Campaign, on: datetime.date, requirements=None) -> Period | None:
    """The period `on` falls in (its review is due at its end), None outside every period."""
    schedule = (requirements or requirements_of(campaign)).review_schedule
    return next((p for p in periods(campaign, schedule) if p.starts_on <= on <= p.ends_on), None)


def reviews_due_this_period(campaign: Campaign, on: datetime.date, requirements=None) -> int:
    """Reviews due by the end of the current period (what a leader must reach now); after the
    last period, all of them."""
    period = current_period(campaign, on, requirements)
    return reviews_due(campaign, period.ends_on if period else on, requirements)
