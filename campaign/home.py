"""The calendar's card on the home page (core/home.py), registered in CampaignConfig.ready():
the current phase of the user's campaign, the next deadlines that apply to their organisation,
and the unread notifications, each with the link that opens it. Read from the process's copies
and the cached unread count: the home's query budget does not move."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.home import Card, Item
from orgs import access as org_access

from . import calendar, notifications

# After the apps' to-do cards: the calendar frames them, it is not the work itself.
ORDER = 150
SOON = 7  # days: a deadline this close reads as urgent


def cards(user) -> list[Card]:
    roots = org_access.roots_for(user)
    if not roots:
        return []
    today = timezone.localdate()
    org = roots[0]
    unread = notifications.unread_count(user)
    inbox = Item(
        _("%(n)s 条未读通知") % {"n": unread} if unread else _("没有未读通知"),
        reverse("inbox"),
        unread,
        "warning" if unread else "secondary",
    )
    campaign, now = calendar.now_for(org, today)
    if campaign is None:
        if not unread:
            return []
        return [Card(title=_("通知"), summary="", url=reverse("inbox"), items=[inbox], order=ORDER)]
    rows = [
        Item(
            _("%(name)s：%(due)s 截止（还有 %(days)s 天）")
            % {"name": u.name, "due": u.due.isoformat(), "days": u.days},
            campaign.get_absolute_url(),
            u.days,
            "danger" if u.days <= SOON else "secondary",
        )
        for u in calendar.upcoming(org, campaign, today)
    ]
    names = [p.name for p in [now.phase, *now.stages] if p is not None]
    return [
        Card(
            title=_("活动日历"),
            subtitle=campaign.name,
            url=campaign.get_absolute_url(),
            summary=_("当前：%(names)s") % {"names": "、".join(names)} if names else "",
            items=[inbox],
            list_title=_("%(org)s即将到来的期限") % {"org": org.name} if rows else "",
            rows=rows,
            order=ORDER,
        )
    ]
