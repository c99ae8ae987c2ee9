"""The pages in a real browser: login, the tree's expand and collapse, a roster on a phone."""

import pytest
from playwright.sync_api import expect

from ..factories import MemberFactory, make_campaign, make_pledge

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "password")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_a_secretary_reads_the_roster_on_a_phone(phone, live_server, district, alice):
    MemberFactory.create_batch(3, branch=district.branch_a)
    _login(phone, live_server, "alice")
    # A secretary of one branch lands on the home, which links the branch's page.
    phone.locator("main a", has_text="幸福社区党支部").first.click()
    phone.wait_for_load_state("networkidle")
    assert "幸福社区党支部" in phone.locator("h1").inner_text()
    phone.locator("main a.btn", has_text="党员名册").click()
    phone.wait_for_load_state("networkidle")
    rows = phone.locator("table tbody tr")
    assert rows.count() == 4
    # Nothing overflows the phone's width.
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375


def test_the_tree_expands_and_collapses_with_coverage(desktop, live_server, district, ada):
    campaign = make_campaign(district.root)
    make_pledge(campaign, member=district.member_a, state="published")
    _login(desktop, live_server, "ada")
    desktop.goto(f"{live_server.url}/orgs/")
    # Coverage arrives after the tree: 1 of the 2 active members has a public pledge.
    expect(desktop.locator(f"#node-extra-{district.root.pk}")).to_contain_text("50.0%")
    expect(desktop.locator("main p").first).to_contain_text(f"“{campaign.name}”公开承诺率")
    east = desktop.locator("details", has_text="东城街道党工委").last
    assert not desktop.get_by_text("幸福社区党支部").is_visible()
    east.locator("summary").first.click()
    desktop.get_by_text("幸福社区党支部").wait_for(state="visible")
    expect(desktop.locator(f"#node-extra-{district.branch_a.pk}")).to_contain_text("100.0%")
    east.locator("summary").first.click()
    assert not desktop.get_by_text("幸福社区党支部").is_visible()
