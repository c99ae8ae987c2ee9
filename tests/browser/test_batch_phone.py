"""Issue 9a on a 375×812 phone: a secretary takes a branch whose members have submitted their
pledges to all published with the 待审诺 chip and 审诺、签约并公开, in a few taps, one page load,
and the page stays where it was."""

import pytest

from pledges.models import Pledge, PledgeState

from ..factories import MemberFactory, make_campaign, make_pledge

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
S = PledgeState


@pytest.fixture
def phone_812(browser):
    context = browser.new_context(
        viewport={"width": 375, "height": 812}, locale="zh-CN", has_touch=True, is_mobile=True
    )
    page = context.new_page()
    yield page
    context.close()


def _branch_with_submitted_pledges(district, n=10):
    campaign = make_campaign(district.root, name="二〇二六年创先争优活动")
    members = [district.member_a] + [
        MemberFactory(branch=district.branch_a, name=f"党员{i:02d}") for i in range(1, n)
    ]
    for member in members:
        make_pledge(campaign, member=member, state=S.SUBMITTED, title=f"{member.name}的承诺")
    return campaign


def _log_in(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", "password")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_the_submitted_pledges_are_published_in_a_few_taps(phone_812, live_server, district, alice):
    page = phone_812
    _branch_with_submitted_pledges(district)
    _log_in(page, live_server)
    loads, taps = [], 0
    page.on("load", lambda _page: loads.append(page.url))
    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.message)
        dialog.accept()  # the question is one more tap

    page.on("dialog", answer)

    page.goto(f"{live_server.url}/pledges/org/{district.branch_a.pk}/")
    page.locator('.sheet-chip[data-chip="submitted"]').tap()
    taps += 1
    assert page.locator("input.sheet-pick:checked").count() == 10
    assert page.input_value("select[name=step]") == "review_sign_publish"
    assert page.locator("[data-selected-count]").inner_text() == "10"
    assert not page.locator(".batch-signer").is_visible()  # only for 签约

    # A tap on a row (not on its link) unticks it, another ticks it again.
    row = page.locator(".sheet-row", has_text="党员05")
    row.locator(".badge").first.tap()
    taps += 1
    assert page.locator("[data-selected-count]").inner_text() == "9"
    row.locator(".badge").first.tap()
    taps += 1
    assert page.locator("[data-selected-count]").inner_text() == "10"

    # The bar sticks to the bottom of the screen; scroll the sheet a little before acting.
    page.evaluate("window.scrollTo(0, 400)")
    bar = page.locator(".batch-bar").bounding_box()
    assert bar["y"] + bar["height"] <= 812 + 1 and bar["y"] > 812 - 200
    before = page.evaluate("window.scrollY")
    assert before > 300

    with page.expect_response(lambda r: r.url.endswith("/batch/")):
        page.get_by_role("button", name="执行", exact=True).tap()
    taps += 2  # the button and the question's OK
    page.wait_for_selector("#batch-results .alert-success")

    assert len(dialogs) == 1 and "不能撤回" in dialogs[0]
    assert set(Pledge.objects.values_list("state", flat=True)) == {S.PUBLISHED}
    assert all(p.events.count() == 3 for p in Pledge.objects.all())
    results = page.locator("#batch-results")
    assert "已审诺、签约并公开 10 项承诺。" in results.inner_text()
    box = results.bounding_box()
    assert 0 <= box["y"] < 812  # in sight without scrolling
    after = page.evaluate("window.scrollY")
    assert after > 300 and abs(after - before) < 50  # did not jump to the top
    assert len(loads) <= 3 and taps <= 6, (loads, taps)
    assert len(loads) == 1  # the branch page itself; the action swapped the sheet in place
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_the_signer_fields_show_only_for_signing(phone_812, live_server, district, alice):
    campaign = make_campaign(district.root)
    make_pledge(campaign, member=district.member_a, state=S.APPROVED)
    _log_in(phone_812, live_server)
    page = phone_812
    page.goto(f"{live_server.url}/pledges/org/{district.branch_a.pk}/")
    assert not page.locator(".batch-signer").is_visible()
    page.locator('.sheet-chip[data-chip="approved"]').tap()  # chooses 签约
    assert page.input_value("select[name=step]") == "sign"
    assert page.locator("input[name=signed_by]").is_visible()
    page.select_option("select[name=step]", "publish")
    assert not page.locator("input[name=signed_by]").is_visible()
