"""The Content-Security-Policy in a real browser: the main pages, htmx's parts and the admin run
without a single violation (Chromium reports each one on the console), and what moved out of
inline styles still draws (the job's progress bar, htmx's indicators)."""

import pytest
from playwright.sync_api import expect

from core.models import Job
from orgs.models import RoleKind

from ..factories import RoleFactory, UserFactory, make_campaign, make_pledge

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def console(desktop):
    """What the page reports: console errors and warnings, and uncaught exceptions."""
    messages = []
    desktop.on(
        "console",
        lambda m: (
            messages.append(f"{m.text} ({m.location['url']})")
            if m.type in ("error", "warning")
            else None
        ),
    )
    desktop.on("pageerror", lambda error: messages.append(str(error)))
    return messages


def _login(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "password")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def _violations(messages):
    """Refusals of the CSP, and features of the Permissions-Policy the browser does not know."""
    signs = ("Content Security Policy", "Refused to", "Permissions-Policy")
    return [m for m in messages if any(sign in m for sign in signs)]


def test_the_main_pages_run_without_a_violation(desktop, console, live_server, district):
    campaign = make_campaign(district.root)
    pledge = make_pledge(campaign, member=district.member_a, state="published")
    make_pledge(campaign, member=district.member_b, state="draft")
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    RoleFactory(user=root, organization=district.root, kind=RoleKind.OFFICE)
    _login(desktop, live_server, "root")
    url = live_server.url
    pages = [
        f"/orgs/{district.branch_b.pk}/",
        f"/pledges/org/{district.branch_b.pk}/",
        f"/pledges/new/?member={district.member_a.pk}",
        f"/pledges/{pledge.pk}/",
        f"/board/{district.branch_a.pk}/",
        f"/orgs/{district.branch_a.pk}/members/",
        "/admin/",
        f"/admin/orgs/member/{district.member_a.pk}/change/",
    ]
    for path in pages:
        desktop.goto(url + path)
        desktop.wait_for_load_state("networkidle")
        assert not _violations(console), f"{path}: {_violations(console)}"

    # The tree: coverage and children arrive through htmx.
    desktop.goto(f"{url}/orgs/")
    expect(desktop.locator(f"#node-extra-{district.root.pk}")).to_contain_text("%")
    desktop.locator("details", has_text="东城街道党工委").last.locator("summary").first.click()
    desktop.get_by_text("幸福社区党支部").wait_for(state="visible")
    # The branch page's batch actions: a step on a checked pledge, through the form, whose
    # answer htmx swaps into the page.
    desktop.goto(f"{url}/pledges/org/{district.branch_b.pk}/")
    desktop.locator("input[name=pledges]").first.check()
    desktop.select_option("select[name=step]", "submit")
    with desktop.expect_response(lambda r: r.url.endswith("/batch/")):
        desktop.get_by_role("button", name="执行", exact=True).click()
    desktop.wait_for_selector("#batch-results .alert-success")
    assert not _violations(console), _violations(console)
    # htmx's indicators are hidden by the site's stylesheet, not by styles htmx injects.
    hidden = desktop.evaluate(
        "() => { const e = document.createElement('span'); e.className = 'htmx-indicator';"
        " document.body.append(e); return getComputedStyle(e).opacity; }"
    )
    assert hidden == "0"


def test_the_job_progress_bar_is_drawn_and_kept_while_it_polls(desktop, console, live_server, db):
    owner = UserFactory(username="root", is_superuser=True)
    job = Job.objects.create(
        kind="orgs.import_members", title="导入", owner=owner, state="running", progress=40
    )
    _login(desktop, live_server, "root")
    desktop.goto(f"{live_server.url}/jobs/{job.pk}/")
    bar = desktop.locator("#job-progress")
    track = desktop.locator(".progress")
    expect(bar).to_have_text("40%")

    def ratio():
        # Measured in the page in one go: a poll may swap the bar between two reads from here.
        return bar.evaluate(
            "el => el.getBoundingClientRect().width"
            " / el.closest('.progress').getBoundingClientRect().width"
        )

    desktop.wait_for_timeout(700)  # Bootstrap's width transition
    assert ratio() == pytest.approx(0.4, abs=0.02)
    height = track.evaluate("el => el.getBoundingClientRect().height")
    assert height == pytest.approx(24, abs=1)  # 1.5rem
    Job.objects.filter(pk=job.pk).update(progress=75)
    expect(bar).to_have_text("75%", timeout=5000)
    desktop.wait_for_timeout(900)
    assert ratio() == pytest.approx(0.75, abs=0.02)
    assert not _violations(console), _violations(console)
