"""The reviews' cards on the home page (core/home.py), registered in ReviewsConfig.ready().

A responsible person above other organisations (a secretary, leader or office role with
organisations below it) sees how many of them are still owed a review this period, with the
button to their list; anyone whose scope holds open rectifications sees them, overdue first.
"""

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign import access as campaign_access
from core.home import Card, Item
from orgs import access as org_access
from orgs.models import Organization, subtree_q

from . import access, selectors


def cards(user) -> list[Card]:
    found = []
    today = timezone.localdate()
    paths = org_access.scope_paths(user, kinds=access.REVIEWING_ROLES) or []
    top = (
        org_access.get_organization_for_user(user, _first_role_org(user, paths)) if paths else None
    )
    campaign = campaign_access.current_campaign(user, top) if top and top.numchild else None
    if campaign is not None:
        figures = selectors.review_figures(top, campaign, today)
        below = Q(pk__in=[])
        for path in paths:
            below |= subtree_q(path) & ~Q(path=path)
        owed = selectors.behind(
            Organization.objects.filter(below),
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


def _first_role_org(user, paths: list[str]) -> int:
    """The id of the organisation of the user's first reviewing role (the top of their scope)."""
    return next(org_id for path, _kind, org_id in org_access.user_roles(user) if path == paths[0])
