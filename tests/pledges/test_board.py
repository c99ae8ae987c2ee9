"""The public board (公开栏) exists only while an active campaign covers the organisation."""

import pytest

from pledges.models import PledgeState as S

from ..factories import make_campaign, make_pledge

ROUTES = ["/board/{pk}/", "/board/{pk}/poster.pdf"]


@pytest.mark.parametrize("route", ROUTES)
def test_it_is_404_without_a_campaign(route, district, client):
    assert client.get(route.format(pk=district.branch_a.pk)).status_code == 404


@pytest.mark.parametrize("route", ROUTES)
def test_it_is_404_when_the_covering_campaign_is_inactive(route, district, client):
    make_campaign(district.root, active=False)
    assert client.get(route.format(pk=district.branch_a.pk)).status_code == 404


@pytest.mark.parametrize("route", ROUTES)
def test_it_is_404_when_the_active_campaign_runs_elsewhere(route, district, client):
    make_campaign(district.west, name="西山镇活动")
    assert client.get(route.format(pk=district.branch_a.pk)).status_code == 404


@pytest.mark.parametrize("route", ROUTES)
def test_it_answers_under_an_active_campaign_of_an_ancestor(route, district, client):
    make_campaign(district.root, name="区委创先争优活动")
    response = client.get(route.format(pk=district.branch_a.pk))
    assert response.status_code == 200


def test_it_shows_the_active_campaign_when_an_inactive_one_is_asked_for(district, client):
    old = make_campaign(district.root, name="去年的活动", active=False)
    make_campaign(district.east, name="街道活动")
    response = client.get(f"/board/{district.branch_a.pk}/?campaign={old.pk}")
    body = response.content.decode()
    assert response.status_code == 200
    assert "街道活动" in body and "去年的活动" not in body


def test_a_cached_board_is_not_served_after_its_campaign_ends(district, client):
    campaign = make_campaign(district.root)
    make_pledge(campaign, member=district.member_a, state=S.PUBLISHED, title="公开的承诺")
    url = f"/board/{district.branch_a.pk}/"
    assert "公开的承诺" in client.get(url).content.decode()  # now in the cache
    campaign.active = False
    campaign.save()
    assert client.get(url).status_code == 404
    assert client.get(f"{url}?campaign={campaign.pk}").status_code == 404
    assert client.get(f"{url}poster.pdf?campaign={campaign.pk}").status_code == 404


def test_a_childs_board_answers_while_the_campaign_covers_it(district, client):
    make_campaign(district.east)
    response = client.get(f"/board/{district.east.pk}/")
    assert response.status_code == 200
    assert f'href="/board/{district.branch_a.pk}/"' in response.content.decode()
    assert client.get(f"/board/{district.branch_a.pk}/").status_code == 200
