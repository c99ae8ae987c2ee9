"""The reviews' cards on the home page: reviews owed this period, open rectifications."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from reviews import selectors, services

from ..factories import add_org, make_campaign

TODAY = datetime.date.today()


def _cards(client, user):
    client.force_login(user)
    return {card.title: card for card in client.get("/").context["cards"]}


def test_a_leader_is_told_how_many_organisations_still_need_a_review(client, district, charlie):
    campaign = make_campaign(district.root, starts_on=TODAY - datetime.timedelta(days=400))
    card = _cards(client, charlie)["领导点评"]
    assert card.summary.endswith("还有 2 个组织待点评")  # 幸福社区, 和平社区
    assert card.items[0].url == "/reviews/" and card.items[0].count == 2
    # Nobody below 东城 has held a 群众评议 yet: both branches are counted, with their list.
    assert card.items[1].label == "2 个组织未开展群众评议"
    assert card.items[1].url == f"/reviews/evaluations/?org={district.east.pk}"
    due = selectors.review_figures(district.peace, campaign, TODAY).due_this_period
    for _ in range(due):
        services.write_review(
            campaign,
            by=charlie,
            organization=district.peace,
            held_on=TODAY,
            form="daily",
            rating="good",
            achievements="成绩",
            direction="方向",
        )
    assert _cards(client, charlie)["领导点评"].items[0].count == 1


def test_a_branch_secretary_gets_no_review_card_but_sees_open_rectifications(
    client, district, campaign, alice, charlie
):
    assert "领导点评" not in _cards(client, alice)
    assert "整改事项" not in _cards(client, alice)
    services.register_rectification(
        district.branch_a,
        by=charlie,
        problem="践诺记录不全",
        responsible_person="书记",
        deadline=TODAY + datetime.timedelta(days=5),
    )
    card = _cards(client, alice)["整改事项"]
    assert card.summary == "1 项未销号"
    assert client.get(card.url).status_code == 200


def test_the_leaders_home_reads_a_fixed_number_of_queries(client, district, charlie):
    make_campaign(district.root, starts_on=TODAY - datetime.timedelta(days=400))
    client.force_login(charlie)
    client.get("/")
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for n in range(20):
        add_org(district.east, f"新支部{n}")
    client.get("/")  # the organisations changed: each process reads its copies afresh once
    with CaptureQueriesContext(connection) as many:
        client.get("/")
    assert len(many) == len(few) <= 14, [q["sql"] for q in many.captured_queries]


def test_the_menu_offers_reviews_to_those_above_others_only(
    client, district, campaign, alice, charlie
):
    client.force_login(charlie)
    assert 'href="/reviews/"' in client.get("/").content.decode()
    client.force_login(alice)  # her branch has nothing below it
    assert 'href="/reviews/"' not in client.get("/").content.decode()
    page = client.get("/reviews/").content.decode()
    assert "您目前没有可点评下级组织的角色" in page


def test_the_branch_is_told_to_propose_stars_and_the_level_above_to_confirm_them(
    client, district, alice, tess
):
    from reviews import recognition

    make_campaign(district.root)
    card = _cards(client, alice)["党员争星"]
    assert card.summary == "本年度党员星级未评定"
    assert card.url == f"/reviews/stars/org/{district.branch_a.pk}/"
    assert "党员争星" not in _cards(client, tess)
    recognition.propose_stars(
        district.branch_a, by=alice, year=TODAY.year, stars={district.member_a.pk: 6}
    )
    assert "党员争星" not in _cards(client, alice)
    card = _cards(client, tess)["党员争星"]
    assert card.summary == "1 个支部的党员星级待确认"
    assert client.get(card.url).status_code == 200
    recognition.return_stars(district.branch_a, by=tess, year=TODAY.year, reason="请按标准评定")
    assert _cards(client, alice)["党员争星"].summary == "星级被退回，请重新评定"
