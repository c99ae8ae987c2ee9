import datetime

from campaign.models import Campaign

from ..factories import make_campaign

TODAY = datetime.date.today()


def _data(district, **extra):
    return {
        "name": "2027年度创先争优活动",
        "theme": "争创先进",
        "organization": district.root.pk,
        "starts_on": TODAY.isoformat(),
        "ends_on": (TODAY + datetime.timedelta(days=300)).isoformat(),
        "active": "on",
        **extra,
    }


def test_the_office_creates_a_campaign(district, olivia, client):
    client.force_login(olivia)
    response = client.post("/campaigns/new/", _data(district))

    campaign = Campaign.objects.get(name="2027年度创先争优活动")
    assert response["Location"] == f"/campaigns/{campaign.pk}/"


def test_an_end_before_the_start_is_refused_and_the_input_kept(district, olivia, client):
    client.force_login(olivia)
    yesterday = (TODAY - datetime.timedelta(days=1)).isoformat()
    response = client.post("/campaigns/new/", _data(district, ends_on=yesterday))

    body = response.content.decode()
    assert response.status_code == 200
    assert "结束日期不能早于开始日期" in body and "2027年度创先争优活动" in body
    assert not Campaign.objects.filter(name="2027年度创先争优活动").exists()


def test_an_edit_is_saved_and_kept_in_the_history(district, olivia, client):
    campaign = make_campaign(district.root, theme="旧主题")
    client.force_login(olivia)
    data = _data(district, name=campaign.name, theme="新主题")
    data["starts_on"], data["ends_on"] = campaign.starts_on, campaign.ends_on

    response = client.post(f"/campaigns/{campaign.pk}/edit/", data)

    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.theme == "新主题"
    page = client.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "主题：旧主题 → 新主题" in page and "olivia" in page


def test_a_secretary_may_not_create_or_edit(district, alice_client, campaign):
    assert alice_client.get("/campaigns/new/").status_code == 403
    assert alice_client.get(f"/campaigns/{campaign.pk}/edit/").status_code == 403


def test_a_campaign_elsewhere_is_404(district, bob, client):
    other = make_campaign(district.east, name="东城活动")
    client.force_login(bob)
    assert client.get(f"/campaigns/{other.pk}/").status_code == 404
    assert client.get(f"/pledges/campaign/{other.pk}/link/").status_code == 404


def test_the_campaign_page_offers_its_pledges_through_the_pledges_app(
    district, campaign, client, olivia
):
    client.force_login(olivia)
    page = client.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert f'hx-get="/pledges/campaign/{campaign.pk}/link/"' in page

    link = client.get(f"/pledges/campaign/{campaign.pk}/link/").content.decode()
    assert f'href="/pledges/org/{district.root.pk}/?campaign={campaign.pk}"' in link


def test_the_office_sets_what_the_campaign_asks(district, olivia, client):
    from campaign.models import Requirements

    client.force_login(olivia)
    data = {**_data(district), "req-review_schedule": "quarterly", "req-count_member_reviews": "on"}
    client.post("/campaigns/new/", data)
    campaign = Campaign.objects.get(name="2027年度创先争优活动")
    asked = Requirements.objects.get(campaign=campaign)
    assert (asked.review_schedule, asked.count_member_reviews) == ("quarterly", True)
    assert not asked.count_office_reviews
    assert "每季度1次" in client.get(f"/campaigns/{campaign.pk}/").content.decode()
    # Edited with the campaign, and kept in its history.
    data = {**_data(district), "req-review_schedule": "thrice_yearly"}
    data["starts_on"], data["ends_on"] = campaign.starts_on, campaign.ends_on
    assert client.post(f"/campaigns/{campaign.pk}/edit/", data).status_code == 302
    asked.refresh_from_db()
    assert (asked.review_schedule, asked.count_member_reviews) == ("thrice_yearly", False)
    page = client.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "领导点评频次" in page  # the change, in the history
