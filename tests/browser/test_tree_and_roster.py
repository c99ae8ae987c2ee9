"""The pages in a real browser: login, the tree's expand and collapse, a roster on a phone."""

import pytest

from ..factories import MemberFactory

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
    # A secretary of one branch lands on it.
    assert "幸福社区党支部" in phone.locator("h1").inner_text()
    phone.locator("main a.btn", has_text="党员名册").click()
    phone.wait_for_load_state("networkidle")
    rows = phone.locator("table tbody tr")
    assert rows.count() == 4
    # Nothing overflows the phone's width.
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375


def test_the_tree_expands_and_collapses(desktop, live_server, district, ada):
    _login(desktop, live_server, "ada")
    desktop.goto(f"{live_server.url}/orgs/")
    east = desktop.locator("details", has_text="东城街道党工委").last
    assert not desktop.get_by_text("幸福社区党支部").is_visible()
    east.locator("summary").first.click()
    desktop.get_by_text("幸福社区党支部").wait_for(state="visible")
    east.locator("summary").first.click()
    assert not desktop.get_by_text("幸福社区党支部").is_visible()
