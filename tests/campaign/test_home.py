"""The calendar's card on the home page: the current phase, the next deadlines that apply to
the user's organisation, the unread notifications."""

import datetime

from campaign import calendar, notifications, services
from campaign.models import NoticeKind, Notification, Phase, Work
from core import home
from orgs.models import RoleKind

from ..factories import make_campaign


def _calendar_card(client, user):
    """The calendar's card among the user's home cards (an office's home is the dashboard, so
    its cards are read from the providers)."""
    client.force_login(user)
    response = client.get("/")
    cards = response.context["cards"] if response.status_code == 200 else home.cards_for(user)
    (card,) = [c for c in cards if c.title == "活动日历"]
    return card


def test_the_home_shows_the_phase_the_next_deadlines_and_the_unread(
    client, district, alice, olivia
):
    today = datetime.date.today()
    campaign = make_campaign(
        district.root,
        starts_on=today - datetime.timedelta(days=30),
        ends_on=today + datetime.timedelta(days=300),
    )
    Phase.objects.bulk_create(calendar.standard_phases(campaign, [Work.PLEDGES, Work.REVIEWS]))
    pledging = Phase.objects.get(campaign=campaign, work=Work.PLEDGES)
    earlier = today + datetime.timedelta(days=5)
    services.set_deadline(
        campaign, by=olivia, organization=district.root, phase=pledging, due_on=earlier
    )
    Notification.objects.create(
        kind=NoticeKind.SUPERVISION,
        organization=district.branch_a,
        role_kind=RoleKind.SECRETARY,
        title="请尽快完成公开承诺",
    )
    card = _calendar_card(client, alice)
    assert card.summary.startswith("当前：") and "公开承诺" in card.summary
    assert [(i.label, i.url) for i in card.items] == [("1 条未读通知", "/inbox/")]
    first = card.rows[0]
    # The earlier deadline the district set applies to the branch, and it is close.
    assert first.label.startswith("公开承诺：") and "还有 5 天" in first.label
    assert first.tone == "danger"
    # For the district itself, its own (the stage's end) applies.
    office_rows = _calendar_card(client, olivia).rows
    assert office_rows[0].label.startswith("公开承诺：")
    assert f"还有 {(pledging.ends_on - today).days} 天" in office_rows[0].label


def test_without_a_campaign_only_unread_notifications_make_a_card(client, district, alice):
    client.force_login(alice)
    assert not [c for c in client.get("/").context["cards"] if c.title in ("活动日历", "通知")]
    # Delivered as the writers do, which makes every badge count again.
    notifications.deliver(
        [Notification(kind=NoticeKind.ROLE, organization=district.branch_a, user=alice, title="x")]
    )
    titles = [c.title for c in client.get("/").context["cards"]]
    assert "通知" in titles
