"""The reviews' cards on the home page (core/home.py), registered in ReviewsConfig.ready().

A responsible person above other organisations (a secretary, leader or office role with
organisations below it) sees how many of them are still owed a review this period, with the
button to their list; anyone whose scope holds open rectifications sees them, overdue first.
"""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign import access as campaign_access
from core.home import Card, Item

from . import access, selectors


def cards(user) -> list[Card]:
    found = []
    today = timezone.localdate()
    top = access.first_reviewing_org(user)
    campaign = campaign_access.current_campaign(user, top) if top is not None else None
    if campaign is not None:
        figures = selectors.review_figures(top, campaign, today)
        owed = selectors.behind(
            access.reviewable_organizations(user),
            campaign,
            today,
            figures.due_this_period,
            selectors.BehindFilter(),
        ).count()
        period = figures.period
        found.append(
            Card(
                title=_("领导点评"),
                subtitle=campaign.name,
                url=reverse("reviews:mine"),
                summary=_("本期（%(end)s 前）还有 %(n)s 个组织待点评")
                % {"end": period.ends_on if period else today, "n": owed}
                if owed
                else _("本期应点评的组织都已点评"),
                items=[
                    Item(
                        _("%(n)s 个待点评") % {"n": owed},
                        reverse("reviews:mine"),
                        owed,
                        "warning" if owed else "secondary",
                    )
                ],
                order=50,
            )
        )
    counts = selectors.rectification_counts(access.rectifications_for(user), today)
    if counts.open:
        register = reverse("reviews:register")
        found.append(
            Card(
                title=_("整改事项"),
                summary=_("%(n)s 项未销号") % {"n": counts.open},
                url=register,
                items=[
                    Item(
                        _("%(n)s 项逾期") % {"n": counts.overdue},
                        register + "?overdue=on",
                        counts.overdue,
                        "danger" if counts.overdue else "secondary",
                    ),
                    Item(
                        _("%(n)s 项待销号") % {"n": counts.by_state["reported"]},
                        register + "?state=reported",
                        counts.by_state["reported"],
                        "warning" if counts.by_state["reported"] else "secondary",
                    ),
                ],
                order=60,
            )
        )
    return found
