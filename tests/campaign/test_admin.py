"""Campaigns in the admin: run by the same roles and changed through the same service as on the
site."""

import datetime

from campaign.models import Campaign
from orgs import services
from orgs.models import RoleKind

from ..factories import RoleFactory, UserFactory, make_campaign


def _data(campaign, **changes):
    data = {
        "name": campaign.name,
        "theme": campaign.theme,
        "organization": campaign.organization_id,
        "starts_on": campaign.starts_on.isoformat(),
        "ends_on": campaign.ends_on.isoformat(),
        "active": "on",
    }
    return {**data, **changes}


def test_the_admin_changes_a_campaign_it_runs(district, ada, client):
    campaign = make_campaign(district.east)
    client.force_login(ada)
    url = f"/admin/campaign/campaign/{campaign.pk}/change/"
    assert client.post(url, _data(campaign, name="东城街道创先争优")).status_code == 302
    assert Campaign.objects.get(pk=campaign.pk).name == "东城街道创先争优"


def test_an_end_before_the_start_is_refused_in_the_admin(district, ada, client):
    campaign = make_campaign(district.east)
    client.force_login(ada)
    url = f"/admin/campaign/campaign/{campaign.pk}/change/"
    before = (campaign.starts_on - datetime.timedelta(days=1)).isoformat()
    assert client.post(url, _data(campaign, ends_on=before)).status_code == 200
    assert Campaign.objects.get(pk=campaign.pk).ends_on == campaign.ends_on


def test_a_secretary_does_not_run_campaigns_through_the_admin(district, client):
    # An admin of 红旗村 who is also the secretary of 东城街道: the site lets her run no campaign
    # of 东城街道, nor does the admin.
    user = UserFactory(username="west-admin")
    services.assign_role(user, district.branch_b, RoleKind.ADMIN)
    RoleFactory(user=user, organization=district.east, kind=RoleKind.SECRETARY)
    campaign = make_campaign(district.east)
    client.force_login(user)
    url = f"/admin/campaign/campaign/{campaign.pk}/change/"
    assert client.get(url).status_code == 404
    assert client.post(url, _data(campaign, name="改掉")).status_code == 404
    assert Campaign.objects.get(pk=campaign.pk).name == campaign.name
