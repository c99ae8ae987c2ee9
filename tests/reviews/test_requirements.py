"""How many reviews are due by a day: three a year by 30 April, 31 August and 31 December, or one
a quarter; pro-rated when the campaign starts or ends mid-year (campaign/requirements.py)."""

import datetime

import pytest

from campaign.models import Campaign, Requirements, ReviewSchedule
from campaign.requirements import current_period, reviews_due, reviews_due_this_period

D = datetime.date
YEARLY = Requirements(review_schedule=ReviewSchedule.THRICE_YEARLY)
QUARTERLY = Requirements(review_schedule=ReviewSchedule.QUARTERLY)


def campaign(starts_on, ends_on):
    return Campaign(name="活动", starts_on=starts_on, ends_on=ends_on)


WHOLE_2026 = campaign(D(2026, 1, 1), D(2026, 12, 31))


@pytest.mark.parametrize(
    "on, due",
    [
        (D(2026, 1, 1), 0),
        (D(2026, 4, 29), 0),
        (D(2026, 4, 30), 1),
        (D(2026, 5, 1), 1),
        (D(2026, 8, 30), 1),
        (D(2026, 8, 31), 2),
        (D(2026, 12, 30), 2),
        (D(2026, 12, 31), 3),
        (D(2027, 3, 1), 3),  # after the campaign: all of them
    ],
)
def test_three_a_year_are_due_cumulatively(on, due):
    assert reviews_due(WHOLE_2026, on, YEARLY) == due


@pytest.mark.parametrize(
    "on, due",
    [
        (D(2026, 3, 30), 0),
        (D(2026, 3, 31), 1),
        (D(2026, 4, 1), 1),
        (D(2026, 6, 30), 2),
        (D(2026, 9, 30), 3),
        (D(2026, 12, 31), 4),
    ],
)
def test_one_a_quarter_is_due_at_each_quarter_end(on, due):
    assert reviews_due(WHOLE_2026, on, QUARTERLY) == due


def test_a_campaign_across_the_year_boundary_counts_on():
    two_years = campaign(D(2026, 1, 1), D(2027, 12, 31))
    assert reviews_due(two_years, D(2026, 12, 31), YEARLY) == 3
    assert reviews_due(two_years, D(2027, 1, 1), YEARLY) == 3
    assert reviews_due(two_years, D(2027, 4, 30), YEARLY) == 4
    assert reviews_due(two_years, D(2027, 3, 31), QUARTERLY) == 5


def test_a_campaign_starting_mid_year_asks_only_for_the_periods_it_runs_for():
    # From 1 June: May–August is run for 92 of 123 days (counted), January–April not at all.
    june = campaign(D(2026, 6, 1), D(2026, 12, 31))
    assert reviews_due(june, D(2026, 12, 31), YEARLY) == 2
    # From 1 July: May–August is run for 62 of 123 days, at least half: counted.
    july = campaign(D(2026, 7, 1), D(2026, 12, 31))
    assert reviews_due(july, D(2026, 8, 31), YEARLY) == 1
    # From 15 July: less than half of it: only September–December.
    late = campaign(D(2026, 7, 15), D(2026, 12, 31))
    assert reviews_due(late, D(2026, 8, 31), YEARLY) == 0
    assert reviews_due(late, D(2026, 12, 31), YEARLY) == 1
    # Quarterly from 1 August: Q3 is run for 61 of 92 days, Q4 wholly.
    august = campaign(D(2026, 8, 1), D(2026, 12, 31))
    assert reviews_due(august, D(2026, 12, 31), QUARTERLY) == 2


def test_a_campaign_ending_mid_year_asks_nothing_for_what_it_does_not_run():
    spring = campaign(D(2026, 1, 1), D(2026, 5, 31))
    assert reviews_due(spring, D(2026, 12, 31), YEARLY) == 1


def test_the_current_period_and_what_is_due_by_its_end():
    assert current_period(WHOLE_2026, D(2026, 6, 15), YEARLY).ends_on == D(2026, 8, 31)
    assert reviews_due_this_period(WHOLE_2026, D(2026, 6, 15), YEARLY) == 2
    assert reviews_due_this_period(WHOLE_2026, D(2026, 6, 15), QUARTERLY) == 2
    assert current_period(WHOLE_2026, D(2027, 1, 5), YEARLY) is None
    assert reviews_due_this_period(WHOLE_2026, D(2027, 1, 5), YEARLY) == 3


@pytest.mark.django_db
def test_a_campaign_without_a_row_asks_the_defaults(district):
    from campaign.requirements import requirements_of

    stored = Campaign.objects.create(
        organization=district.root, name="旧活动", starts_on=D(2026, 1, 1), ends_on=D(2026, 12, 31)
    )
    assert requirements_of(stored).review_schedule == ReviewSchedule.THRICE_YEARLY
    assert reviews_due(stored, D(2026, 9, 1)) == 2
