"""A campaign's end (结束验收: read-only, figures frozen) and the next one made from it."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from campaign import calendar, services
from campaign.models import Campaign, Phase, Requirements, Work
from pledges import services as pledge_services
from pledges import workflow
from pledges.models import PledgeState

from ..factories import make_campaign, make_pledge

D = datetime.date


def test_closing_freezes_the_figures_and_refuses_every_write(client, district, olivia, alice):
    campaign = make_campaign(district.root)
    pledge = make_pledge(campaign, member=district.member_a, state=PledgeState.PUBLISHED)
    draft = make_pledge(campaign, organization=district.branch_a)
    client.force_login(olivia)
    # The button comes through the campaign page's slot, for those who run it.
    assert "结束验收" in client.get(f"/campaigns/{campaign.pk}/close/button/").content.decode()
    confirm = client.get(f"/campaigns/{campaign.pk}/close/").content.decode()
    assert "确认结束验收" in confirm and "不能撤销" in confirm
    assert client.post(f"/campaigns/{campaign.pk}/close/").status_code == 302
    campaign.refresh_from_db()
    assert campaign.closed_at is not None and not campaign.active
    assert campaign.figures["coverage"]["pledged_members"] == 1
    assert campaign.figures["pledges"] == {"published": 1, "draft": 1}
    page = client.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "已封存" in page
    assert "结束验收" not in client.get(f"/campaigns/{campaign.pk}/close/button/").content.decode()
    # Everything that belongs to it is read-only now.
    for write in (
        lambda: workflow.submit_pledge(draft, by=alice),
        lambda: pledge_services.add_progress(
            pledge, by=alice, happened_on=datetime.date.today(), text="走访"
        ),
        lambda: services.update_campaign(campaign, by=olivia, name="改名"),
        lambda: services.set_phases(campaign, by=olivia, rows=[]),
    ):
        with pytest.raises(ValidationError) as refused:
            write()
        assert "已结束验收" in refused.value.messages[0]
    # A second close is refused in words, not an error page.
    closed_again = client.post(f"/campaigns/{campaign.pk}/close/", follow=True)
    assert "已结束验收" in closed_again.content.decode()


def test_only_those_who_run_it_close_a_campaign(client, district, alice):
    campaign = make_campaign(district.root)
    client.force_login(alice)
    assert "结束验收" not in client.get(f"/campaigns/{campaign.pk}/close/button/").content.decode()
    assert client.post(f"/campaigns/{campaign.pk}/close/").status_code == 403
    assert Campaign.objects.get(pk=campaign.pk).closed_at is None


def test_the_next_campaign_is_made_a_year_later_with_phases_and_requirements(
    client, district, olivia
):
    leap = make_campaign(district.root, starts_on=D(2028, 2, 29), ends_on=D(2028, 12, 31))
    Requirements.objects.create(campaign=leap, lead_days=[10, 2], report_due_on=D(2028, 12, 10))
    Phase.objects.bulk_create(calendar.standard_phases(leap, [Work.PLEDGES]))
    client.force_login(olivia)
    assert "2029年度创先争优活动" in client.get(f"/campaigns/{leap.pk}/copy/").content.decode()
    assert "请填写" in client.post(f"/campaigns/{leap.pk}/copy/", {"name": " "}).content.decode()
    response = client.post(f"/campaigns/{leap.pk}/copy/", {"name": "2029年度创先争优活动"})
    new = Campaign.objects.get(name="2029年度创先争优活动")
    assert response["Location"] == new.get_absolute_url()
    assert (new.starts_on, new.ends_on) == (D(2029, 2, 28), D(2029, 12, 31))
    assert calendar.lead_days(new) == (10, 2)
    assert calendar.report_due(new) == D(2029, 12, 10)
    # Each phase a year later (29 February becomes 28 February).
    expected = [
        (
            p.name,
            D(2029, 2, 28) if p.starts_on == D(2028, 2, 29) else p.starts_on.replace(year=2029),
        )
        for p in calendar.phases_of(leap)
    ]
    assert [(p.name, p.starts_on) for p in calendar.phases_of(new)] == expected
