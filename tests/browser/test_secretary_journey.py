"""Issue 9's journey on a 375×812 phone: a secretary takes a 30-member branch from no pledges to
all published. Half the members draft their own pledges through their personal links (each in a
browser of their own, without an account); the secretary enters the other half in the grid, then
moves them all with the branch page's chips and batch bar. The secretary's page loads and taps
(besides typing) stay within the issue's budget; the members' work is not counted.

And the home page's 逾期 opens the branch sheet with the 逾期 chip applied."""

import datetime
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.utils import timezone

from pledges.models import THROUGH_LINK_NOTE, DraftLink, EventKind, Pledge, PledgeState
from pledges.selectors import pledge_trail

from ..factories import MemberFactory, make_campaign, make_pledge

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
S = PledgeState
PHONE = {
    "viewport": {"width": 375, "height": 812},
    "locale": "zh-CN",
    "has_touch": True,
    "is_mobile": True,
}
MEMBERS = 30
BUDGET_LOADS, BUDGET_TAPS = 8, 40


@pytest.fixture
def secretary_phone(browser):
    # The list of links is copied for the chat group; the clipboard needs the permission.
    context = browser.new_context(**PHONE, permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    yield page
    context.close()


class Counter:
    """The secretary's page loads (navigations, form posts that load a page; not htmx swaps)
    and taps. A choice from a <select> is two taps, as on a phone: open the picker, choose."""

    def __init__(self, page):
        self.page = page
        self.loads: list[str] = []
        self.taps = 0
        page.on("load", lambda loaded: self.loads.append(urlsplit(loaded.url).path))

    def tap(self, locator, times=1):
        locator.tap()
        self.taps += times

    def go(self, locator):
        """A tap that opens a page (a link, or a form's button)."""
        with self.page.expect_navigation():
            self.tap(locator)


def _branch_of_thirty(district):
    campaign = make_campaign(district.root, name="二〇二六年创先争优活动")
    for i in range(1, MEMBERS):
        MemberFactory(branch=district.branch_a, name=f"党员{i:02d}")
    return campaign


def _member_drafts_through_link(browser, url, name):
    """A member opens the link from the chat group on their own phone, without an account."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(url)
    assert page.locator("h1").inner_text() == name
    page.fill("input[name=title]", f"{name}：每月走访一户困难群众")
    page.fill("textarea[name=content]", "每月到结对户家中走访一次，帮助解决一件实际困难。")
    page.get_by_label("服务群众").check()
    with page.expect_navigation():
        page.get_by_role("button", name="提交我的承诺").tap()
    page.get_by_text("已提交，等待组织审诺").wait_for()
    assert settings.SESSION_COOKIE_NAME not in {c["name"] for c in context.cookies()}
    context.close()


def test_a_secretary_takes_thirty_members_to_published_within_the_budget(
    browser, secretary_phone, live_server, district, alice
):
    page = secretary_phone
    _branch_of_thirty(district)
    branch = district.branch_a
    page.on("dialog", lambda dialog: dialog.accept())  # counted as a tap where it is asked

    page.goto(f"{live_server.url}/accounts/login/")
    count = Counter(page)
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", "password")
    count.go(page.locator("button[type=submit]"))
    assert "本支部 0/30 已公开" in page.content()

    # The members' links: issued on the links page, shown once, copied for the chat group.
    count.go(page.locator(".nav-branch-button"))
    count.go(page.get_by_role("link", name="成员自拟承诺链接"))
    count.go(page.get_by_role("button", name="生成链接和二维码"))
    assert page.locator("h1").inner_text() == f"已生成 {MEMBERS} 个链接"
    count.tap(page.get_by_role("button", name="复制名单"))
    lines = page.input_value("#draft-link-lines").splitlines()
    assert len(lines) == MEMBERS
    assert page.evaluate("navigator.clipboard.readText()").splitlines() == lines

    link_members = []
    for line in lines[: MEMBERS // 2]:
        name, url = line.split("：", 1)
        _member_drafts_through_link(browser, url, name)
        link_members.append(name)
    assert Pledge.objects.filter(state=S.SUBMITTED).count() == MEMBERS // 2

    # The other half in the grid: most transcribed from what the members said (typing), a few
    # with a suggested pledge picked.
    count.go(page.locator(".nav-branch-button"))
    count.go(page.get_by_role("link", name="批量录入"))
    rows = page.locator("[data-grid-row]")
    assert rows.count() == MEMBERS // 2
    grid_members = []
    for i in range(rows.count()):
        row = rows.nth(i)
        name = row.locator(".fw-semibold").inner_text()
        grid_members.append(name)
        if i % 3 == 0:
            row.locator("select.js-pick").select_option(index=1)
            count.taps += 2
            assert row.locator("input[name$='-title']").input_value()  # filled from the pick
        else:
            row.locator("input[name$='-title']").fill(f"{name}：每周参加一次楼道清洁")
            row.locator("textarea[name$='-content']").fill("每周六上午参加楼道和小区环境清洁。")
    # Everyone has a pledge now: the save leads straight back to the branch page.
    count.go(page.get_by_role("button", name="保存本页"))
    assert f"已录入 {MEMBERS // 2} 项承诺" in page.content()
    assert urlsplit(page.url).path == f"/pledges/org/{branch.pk}/"

    # The batch: the grid's drafts submitted, then everything reviewed, signed and published.
    count.tap(page.locator('.sheet-chip[data-chip="draft"]'))
    assert page.locator("[data-selected-count]").inner_text() == str(MEMBERS // 2)
    assert page.input_value("select[name=step]") == "submit"
    with page.expect_response(lambda r: r.url.endswith("/batch/")):
        count.tap(page.get_by_role("button", name="执行", exact=True))
    page.locator("#batch-results", has_text=f"已提交审核 {MEMBERS // 2} 项承诺").wait_for()

    assert page.locator("[data-select-all]").inner_text() == f"全选可操作的 {MEMBERS} 项"
    count.tap(page.locator('.sheet-chip[data-chip="submitted"]'))
    assert page.locator("[data-selected-count]").inner_text() == str(MEMBERS)
    assert page.input_value("select[name=step]") == "review_sign_publish"
    with page.expect_response(lambda r: r.url.endswith("/batch/")):
        count.tap(page.get_by_role("button", name="执行", exact=True), times=2)  # and OK
    page.locator("#batch-results", has_text=f"已审诺、签约并公开 {MEMBERS} 项承诺").wait_for()
    coverage = page.locator("#branch-coverage").inner_text()
    assert "100.0%" in coverage and f"{MEMBERS}/{MEMBERS}" in coverage

    print(f"secretary: {len(count.loads)} page loads {count.loads}, {count.taps} taps")
    assert len(count.loads) <= BUDGET_LOADS and count.taps <= BUDGET_TAPS, (
        count.loads,
        count.taps,
    )

    # Every member's pledge published, and the history says who did what.
    pledges = {p.member.name: p for p in Pledge.objects.select_related("member")}
    assert len(pledges) == MEMBERS
    assert {p.member.branch_id for p in pledges.values()} == {branch.pk}
    assert {p.state for p in pledges.values()} == {S.PUBLISHED}
    assert set(pledges) == set(link_members) | set(grid_members)
    note = str(THROUGH_LINK_NOTE)
    secretary_steps = [(S.SUBMITTED, S.APPROVED), (S.APPROVED, S.SIGNED), (S.SIGNED, S.PUBLISHED)]
    for name, pledge in pledges.items():
        assert pledge.signed_by == name and pledge.signed_on == timezone.localdate()
        events = list(pledge.events.order_by("at", "pk"))
        kinds = [(e.kind, e.actor_id, e.from_state, e.to_state) for e in events]
        drafter = None if name in link_members else alice.pk
        assert kinds == [
            (EventKind.CREATED, drafter, "", ""),
            (EventKind.TRANSITION, drafter, S.DRAFT, S.SUBMITTED),
            *[(EventKind.TRANSITION, alice.pk, a, b) for a, b in secretary_steps],
        ], name
        through_link = [e.comment == note for e in events[:2]]
        assert through_link == [name in link_members] * 2, name
        # The audit trail: the row written without a user through the link, or by the
        # secretary in the grid; every step after it by the secretary.
        trail = pledge_trail(pledge)
        assert trail[-1].operation == "insert" and trail[-1].actor == (
            None if name in link_members else alice
        )
        assert {entry.actor for entry in trail[:3]} == {alice}
    used = DraftLink.objects.filter(used_at__isnull=False)
    assert sorted(used.values_list("member__name", flat=True)) == sorted(link_members)
    assert DraftLink.objects.count() == MEMBERS


def test_the_homes_overdue_button_opens_the_sheet_on_the_overdue_chip(
    secretary_phone, live_server, district, alice
):
    page = secretary_phone
    campaign = make_campaign(district.root)
    past = datetime.date.today() - datetime.timedelta(days=3)
    a = district.branch_a
    make_pledge(campaign, member=district.member_a, state=S.SUBMITTED, deadline=past)
    make_pledge(campaign, member=MemberFactory(branch=a, name="王五"), state=S.PUBLISHED)
    make_pledge(
        campaign, member=MemberFactory(branch=a, name="赵六"), state=S.FULFILLING, deadline=past
    )
    MemberFactory(branch=a, name="钱七")  # nothing recorded

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", "password")
    with page.expect_navigation():
        page.locator("button[type=submit]").tap()
    with page.expect_navigation():
        page.get_by_role("link", name="2 项逾期").tap()
    page.wait_for_load_state("networkidle")

    assert page.url.endswith("?state=overdue")
    chip = page.locator('.sheet-chip[data-chip="overdue"]')
    assert chip.get_attribute("aria-pressed") == "true"
    shown = page.locator(".sheet-row:visible")
    assert sorted(shown.locator(".fw-semibold").all_inner_texts()) == ["张三", "赵六"]
    assert page.locator("[data-selected-count]").inner_text() == "0"  # it filters, ticks nothing
    page.locator('.sheet-chip[data-chip="submitted"]').tap()  # 张三's, overdue or not
    assert page.locator(".sheet-row:visible .fw-semibold").all_inner_texts() == ["张三"]
    assert page.locator("[data-selected-count]").inner_text() == "1"
