"""The reviews' cards on the home page (core/home.py), registered in ReviewsConfig.ready().

A responsible person above other organisations (a secretary, leader or office role with
organisations below it) sees how many of them are still owed a review this period, with the
button to their list, and how many have held no 群众评议; anyone whose scope holds open
rectifications sees them, overdue first; a branch is told to propose its members' stars, the
level above how many branches wait for its confirmation.
"""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign import access as campaign_access
from core.home import Card, Item
from orgs import access as org_access

from . import access, recognition, selectors
from .models import MemberStar, StarState


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
        # The organisations below the top (its children's subtrees; not the top itself).
        below = [
            sums
            for pk, sums in selectors.review_sums_by_node([top], campaign, today).items()
            if pk != top.pk
        ]
        unevaluated = sum(s.organizations - s.evaluated for s in below)
        rounds = reverse("reviews:rounds") + f"?org={top.pk}"
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
                    ),
                    Item(
                        _("%(n)s 个组织未开展群众评议") % {"n": unevaluated},
                        rounds,
                        unevaluated,
                        "warning" if unevaluated else "secondary",
                    ),
                ],
                order=50,
            )
        )
    found += _stars_cards(user, today.year)
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


def _stars_cards(user, year: int) -> list[Card]:
    """党员争星: the branch that has not proposed its stars of the year (or had them sent back)
    is told to; the level above, how many branches wait for its confirmation."""
    found = []
    roots = org_access.roots_for(user)
    branch = roots[0] if roots and roots[0].holds_members and not roots[0].numchild else None
    campaign = campaign_access.current_campaign(user, branch) if branch is not None else None
    if campaign is not None and access.can_propose_stars(user, branch):
        states = set(
            MemberStar.objects.filter(branch=branch, year=year).values_list("state", flat=True)
        )
        url = reverse("reviews:stars", args=[branch.pk])
        if not states or StarState.RETURNED in states:
            label = _("星级被退回，请重新评定") if states else _("本年度党员星级未评定")
            found.append(
                Card(
                    title=_("党员争星"),
                    summary=label,
                    url=url,
                    items=[Item(_("去评定"), url, 1, "warning")],
                    order=70,
                )
            )
    if access.reviews_anyone(user):
        waiting = recognition.waiting_below(user, year)
        if waiting:
            url = reverse("reviews:stars_waiting")
            found.append(
                Card(
                    title=_("党员争星"),
                    summary=_("%(n)s 个支部的党员星级待确认") % {"n": len(waiting)},
                    url=url,
                    items=[Item(_("去确认"), url, len(waiting), "warning")],
                    order=70,
                )
            )
    return found
