"""The exports of the remaining lists hold exactly what their pages list, in scope: an
organisation's reviews, the rounds with their aggregates only, the notifications log."""

import csv
import datetime
import io

from campaign.models import Notification
from orgs.models import RoleKind
from reviews import evaluations, services

from .conftest import _persona

TODAY = datetime.date.today()


def _csv(response):
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8")[1:]
    return list(csv.reader(io.StringIO(text)))


def test_an_organisations_reviews_and_the_rounds(client, district, campaign, alice, bob):
    tess = _persona("tess", district.east, RoleKind.SECRETARY)
    services.write_review(
        campaign,
        by=tess,
        organization=district.branch_a,
        held_on=TODAY,
        form="daily",
        rating="good",
        achievements="=成绩",
        direction="方向",
    )
    item = evaluations.create_round(
        district.branch_a, campaign, by=tess, title="评议", starts_on=TODAY, ends_on=TODAY
    )
    evaluations.open_round(item, by=tess)
    client.force_login(alice)
    rows = _csv(client.get(f"/reviews/org/{district.branch_a.pk}/export/?format=csv"))
    assert len(rows) == 3 and rows[2][6] == "'=成绩"
    rows = _csv(client.get("/reviews/evaluations/export/?format=csv"))
    assert rows[1][-2:] == ["收回评议表", "满意度%"] and [r[1] for r in rows[2:]] == ["评议"]
    client.force_login(bob)
    assert client.get(f"/reviews/org/{district.branch_a.pk}/export/").status_code == 404
    assert _csv(client.get("/reviews/evaluations/export/?format=csv"))[2:] == []


def test_the_notifications_log_is_the_users_own(client, district, alice, bob):
    Notification.objects.create(
        kind="supervision",
        organization=district.branch_a,
        role_kind=RoleKind.SECRETARY,
        title="请尽快完成承诺录入",
    )
    client.force_login(alice)
    rows = _csv(client.get("/inbox/export/?format=csv"))
    assert [r[3] for r in rows[2:]] == ["请尽快完成承诺录入"]
    client.force_login(bob)
    assert _csv(client.get("/inbox/export/?show=all&format=csv"))[2:] == []


def test_the_organisations_of_a_subtree(client, district, charlie, bob):
    client.force_login(charlie)
    rows = _csv(client.get(f"/orgs/{district.east.pk}/export/?format=csv"))
    names = [r[0].strip("　") for r in rows[2:]]
    assert names == ["东城街道党工委", "幸福社区党支部", "和平社区党支部"]
    assert rows[3][5] == "1"  # 幸福社区's member, from the counter rows
    client.force_login(bob)
    assert client.get(f"/orgs/{district.east.pk}/export/").status_code == 404


def test_the_progress_of_a_subtrees_pledges(client, district, campaign, alice, bob):
    from pledges.models import PledgeProgress

    from .factories import make_pledge

    pledge = make_pledge(campaign, member=district.member_a, state="fulfilling")
    PledgeProgress.objects.create(pledge=pledge, happened_on=TODAY, text="走访困难群众三户")
    other = make_pledge(campaign, member=district.member_b, state="fulfilling")
    PledgeProgress.objects.create(pledge=other, happened_on=TODAY, text="西山镇的")
    client.force_login(alice)
    url = f"/pledges/org/{district.branch_a.pk}/progress/export/?campaign={campaign.pk}&format=csv"
    rows = _csv(client.get(url))
    assert [r[4] for r in rows[2:]] == ["走访困难群众三户"]
    client.force_login(bob)
    assert client.get(url).status_code == 404
