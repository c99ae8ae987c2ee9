"""Issue 11's journey in a real browser: a leader sees on a phone which organisations still need a
review, writes one, opens a rectification from its problem; the branch's secretary reports it
done and the leader closes it (销号); a completed pledge gets its 自评 and 组织评 and with them its
final verdict."""

import datetime

import pytest
from playwright.sync_api import expect

from orgs.models import RoleKind
from pledges.models import Pledge
from reviews.models import FinalVerdict, LeaderReview, Rectification

from ..conftest import _persona
from ..factories import make_campaign, make_pledge

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(browser, live_server, username):
    page = browser.new_context(
        viewport={"width": 375, "height": 812}, locale="zh-CN", has_touch=True, is_mobile=True
    ).new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "password")
    page.click("main button[type=submit]")
    return page


def test_review_rectify_close_and_assess(browser, live_server, district):
    today = datetime.date.today()
    # Running for more than a year: reviews are due in every period.
    campaign = make_campaign(district.root, starts_on=today - datetime.timedelta(days=400))
    _persona("leader", district.east, RoleKind.LEADER, first_name="王志强")
    _persona("secretary", district.branch_a, RoleKind.SECRETARY, first_name="陈红梅")
    pledge = make_pledge(campaign, member=district.member_a, state="completed")

    leader = _login(browser, live_server, "leader")
    leader.goto(f"{live_server.url}/reviews/")
    row = leader.locator("li", has_text="幸福社区党支部")
    expect(row).to_be_visible()
    expect(leader.locator("li", has_text="和平社区党支部")).to_be_visible()
    row.get_by_role("link", name="写点评").click()
    leader.get_by_label("座谈会").check()
    leader.get_by_label("较好").check()
    leader.fill("textarea[name=achievements]", "走访困难群众，兑现承诺两项。")
    leader.fill("textarea[name=problems]", "践诺记录更新不及时。")
    leader.fill("textarea[name=direction]", "每月公开践诺进展。")
    leader.locator("input[name=pledges]").first.check()
    leader.get_by_role("button", name="保存点评").click()
    expect(leader.get_by_text("已保存对“幸福社区党支部”的点评")).to_be_visible()
    # Nothing wider than the phone.
    assert leader.evaluate("document.documentElement.scrollWidth") <= 375
    review = LeaderReview.objects.get()
    assert list(review.pledges.all()) == [pledge]

    leader.get_by_role("link", name="据此登记整改").click()
    expect(leader.locator("textarea[name=problem]")).to_have_value("践诺记录更新不及时。")
    leader.fill("input[name=responsible_person]", "支部书记陈红梅")
    deadline = (today + datetime.timedelta(days=20)).isoformat()
    leader.fill("input[name=deadline]", deadline)
    leader.get_by_role("button", name="登记").click()
    expect(leader.get_by_text("已登记整改事项")).to_be_visible()
    item = Rectification.objects.get()

    secretary = _login(browser, live_server, "secretary")
    secretary.goto(f"{live_server.url}/")
    expect(secretary.get_by_text("1 项未销号")).to_be_visible()
    secretary.get_by_role("link", name="整改事项").click()
    secretary.get_by_role("link", name="践诺记录更新不及时").click()
    secretary.fill("textarea[name=note]", "已补齐全部践诺记录，今后每月更新。")
    secretary.get_by_role("button", name="报告整改完成").click()
    expect(secretary.get_by_text("已报告整改完成，等待上级销号")).to_be_visible()
    expect(secretary.get_by_role("button", name="销号")).to_have_count(0)

    leader.goto(f"{live_server.url}/reviews/rectifications/{item.pk}/")
    leader.once("dialog", lambda dialog: dialog.accept())
    leader.get_by_role("button", name="销号", exact=True).click()
    expect(leader.get_by_text("已销号。")).to_be_visible()
    item.refresh_from_db()
    assert item.state == "closed"

    # 评诺: the secretary records 自评 (for the member, 代录) and 组织评 on the pledge's page.
    secretary.goto(f"{live_server.url}/pledges/{pledge.pk}/")
    for kind, result in (("self", "已兑现"), ("organization", "基本兑现")):
        form = secretary.locator(f"form[action$='/verdicts/{kind}/']")
        form.get_by_label(result).check()
        form.get_by_role("button").click()
        expect(secretary.locator("#verdicts")).to_be_visible()
    expect(secretary.locator("#verdicts").get_by_text("代录")).to_be_visible()
    assert FinalVerdict.objects.get(pledge=pledge).result == "mostly"
    assert Pledge.objects.get(pk=pledge.pk).state == "assessed"
    expect(secretary.get_by_text("已评诺").first).to_be_visible()


def test_the_office_ticks_the_whole_page_and_sends_a_supervision_notice(
    browser, live_server, district
):
    from campaign.models import NoticeKind, Notification

    today = datetime.date.today()
    make_campaign(district.root, starts_on=today - datetime.timedelta(days=400))
    _persona("office", district.root, RoleKind.OFFICE, first_name="李秀英")
    office = _login(browser, live_server, "office")
    office.goto(f"{live_server.url}/reviews/behind/")
    boxes = office.locator("input[name=org]")
    count = boxes.count()
    assert count >= 3
    office.get_by_role("button", name="全选本页").click()
    for index in range(count):
        expect(boxes.nth(index)).to_be_checked()
    office.get_by_role("button", name="向勾选组织的上级发督办通知").click()
    expect(office.locator(".alert-success")).to_contain_text(f"已就 {count} 个组织")
    assert Notification.objects.filter(kind=NoticeKind.SUPERVISION).exists()
