"""The progress records (践诺情况) of a subtree's pledges as an export (core.exports)."""

from django.utils.translation import gettext as _

from campaign.models import Campaign
from core.exports import Column, Table, exported_at, queryset_table, register
from orgs import access as org_access
from orgs.models import Organization

from .models import PledgeProgress
from .selectors import subtree_pledges


def progress_table(params: dict, user) -> Table:
    """params: org, campaign, dates: every progress record of the pledges pledges:list shows
    (the organisations' own and their active members'), by pledge and date."""
    org = Organization.objects.get(pk=params["org"])
    if not org_access.in_scope(user, org):
        raise PermissionError("out of scope")
    campaign = Campaign.objects.get(pk=params["campaign"])
    rows = (
        PledgeProgress.objects.filter(pledge__in=subtree_pledges(org, campaign).values("pk"))
        .select_related("pledge__member__branch", "pledge__organization")
        .order_by("pledge_id", "happened_on", "id")
    )

    def owner(p):
        pledge = p.pledge
        return pledge.member.name if pledge.member_id else pledge.organization.name

    def place(p):
        pledge = p.pledge
        return pledge.member.branch.name if pledge.member_id else pledge.organization.name

    columns = [
        Column(_("承诺人"), owner, 14),
        Column(_("所在党组织"), place, 24),
        Column(_("承诺事项"), lambda p: p.pledge.title, 24),
        Column(_("日期"), lambda p: p.happened_on, 14, "date"),
        Column(_("践诺情况"), lambda p: p.text, 50),
        Column(_("附件"), lambda p: p.attachment_name, 20),
    ]
    title = _("%(org)s践诺情况（%(campaign)s）导出于 %(time)s") % {
        "org": org.name,
        "campaign": campaign.name,
        "time": exported_at(),
    }
    return queryset_table(_("践诺情况"), title, columns, rows, params)


register("pledges.progress", progress_table)
