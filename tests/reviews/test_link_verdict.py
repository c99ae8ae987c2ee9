"""A member gives their own 自评 through their draft link (no account): not 代录, once, only on a
completed pledge; the link's page offers it once the pledge is done."""

import datetime

import pytest

from pledges.links import token_digest
from pledges.models import DraftLink
from reviews.models import FinalVerdict, Verdict

from ..factories import make_pledge

TOKEN = "m" * 43


@pytest.fixture
def link(district, campaign):
    return DraftLink.objects.create(
        member=district.member_a,
        campaign=campaign,
        digest=token_digest(TOKEN),
        expires_on=campaign.ends_on,
    )


def test_the_member_gives_their_own_self_assessment(client, district, campaign, link, alice):
    pledge = make_pledge(campaign, member=district.member_a, state="completed")
    page = client.get(f"/l/{TOKEN}/").content.decode()
    assert f"/reviews/self/{TOKEN}/" in page and "我的自评（评诺）" in page
    form = client.get(f"/reviews/self/{TOKEN}/")
    assert form.status_code == 200 and "提交我的自评" in form.content.decode()
    assert "no-store" in form["Cache-Control"]
    response = client.post(f"/reviews/self/{TOKEN}/", {"result": "mostly", "comment": "基本做到"})
    assert response.status_code == 302
    verdict = Verdict.objects.get(pledge=pledge, kind="self")
    assert (verdict.result, verdict.proxy, verdict.by) == ("mostly", False, None)
    after = client.get(f"/reviews/self/{TOKEN}/").content.decode()
    assert "提交我的自评" not in after and "基本兑现" in after
    # A second one through the link is not offered, and refused if posted.
    client.post(f"/reviews/self/{TOKEN}/", {"result": "fulfilled"})
    assert Verdict.objects.filter(pledge=pledge, kind="self").count() == 1
    # The branch's 组织评 then gives the final verdict.
    from reviews import services

    services.give_verdict(pledge, "organization", by=alice, result="fulfilled")
    assert FinalVerdict.objects.get(pledge=pledge).result == "mostly"


def test_bad_input_is_refused_in_chinese(client, district, campaign, link):
    make_pledge(campaign, member=district.member_a, state="completed")
    response = client.post(f"/reviews/self/{TOKEN}/", {"result": "perfect"})
    assert response.status_code == 200
    assert "请选择已兑现、基本兑现或未兑现" in response.content.decode()
    assert not Verdict.objects.exists()


def test_nothing_to_assess_before_the_pledge_is_done(client, district, campaign, link):
    make_pledge(campaign, member=district.member_a, state="fulfilling")
    assert "/reviews/self/" not in client.get(f"/l/{TOKEN}/").content.decode()
    page = client.get(f"/reviews/self/{TOKEN}/").content.decode()
    assert "承诺完成后才能自评" in page
    client.post(f"/reviews/self/{TOKEN}/", {"result": "fulfilled"})
    assert not Verdict.objects.exists()


def test_a_proxy_entry_shows_and_closes_the_form(client, district, campaign, link, alice):
    from reviews import services

    pledge = make_pledge(campaign, member=district.member_a, state="completed")
    services.give_verdict(pledge, "self", by=alice, result="fulfilled")
    page = client.get(f"/reviews/self/{TOKEN}/").content.decode()
    assert "由书记代录" in page and "提交我的自评" not in page


def test_an_unknown_expired_or_withdrawn_link_opens_nothing(client, district, campaign, link):
    make_pledge(campaign, member=district.member_a, state="completed")
    assert client.get(f"/reviews/self/{'x' * 43}/").status_code == 404
    link.expires_on = datetime.date.today() - datetime.timedelta(days=1)
    link.save()
    assert client.get(f"/reviews/self/{TOKEN}/").status_code == 404
    assert client.post(f"/reviews/self/{TOKEN}/", {"result": "fulfilled"}).status_code == 404
    assert not Verdict.objects.exists()
