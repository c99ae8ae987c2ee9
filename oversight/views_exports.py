"""The exports of the pages oversight serves or completes (oversight/exports.py): the pledges
list with its verdicts, the ranking and the statistics sheet; and the pledges list's export menu,
which its page (pledges, below) gets through the "pledges.list" slot."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from campaign import access as campaign_access
from core import exports as core_exports
from core.params import id_param
from orgs import access

from . import exports, services
from .pdf import table_pdf


def _campaign(request, org):
    campaign = campaign_access.current_campaign(
        request.user, org, id_param(request.GET, "campaign")
    )
    if campaign is None:
        raise Http404
    return campaign


def _pledge_params(request, org, campaign) -> dict:
    return {
        "org": org.pk,
        "campaign": campaign.pk,
        "state": request.GET.get("state", ""),
        "overdue": "1" if request.GET.get("overdue") == "1" else "",
        "dates": core_exports.date_style(request.GET),
    }


@require_safe
@login_required
def pledges(request, pk):
    org = access.get_organization_for_user(request.user, pk)
    campaign = _campaign(request, org)
    params = _pledge_params(request, org, campaign)
    table = exports.pledges_table(params, request.user)
    return core_exports.respond(request, "oversight.pledges", table, scope=org.path, params=params)


@require_safe
@login_required
def pledges_menu(request, pk):
    """The "pledges.list" slot: the export of the list as its page filters it."""
    org = access.get_organization_for_user(request.user, pk)
    campaign = _campaign(request, org)
    params = {k: v for k, v in _pledge_params(request, org, campaign).items() if v}
    params.pop("org")
    params.pop("dates", None)
    url = reverse("export_pledges", args=[org.pk]) + "?" + urlencode(params)
    return render(request, "core/_export_menu.html", {"export_url": url})


def _org_and_campaign(request):
    org_id = id_param(request.GET, "org")
    if org_id is None:
        raise Http404
    org = access.get_organization_for_user(request.user, org_id)
    return org, _campaign(request, org)


@require_safe
@login_required
def ranking(request):
    org, campaign = _org_and_campaign(request)
    params = {
        "org": org.pk,
        "campaign": campaign.pk,
        "dates": core_exports.date_style(request.GET),
    }
    table = exports.ranking_table(params, request.user)
    return core_exports.respond(request, "oversight.ranking", table, scope=org.path, params=params)


@require_safe
@login_required
def statistics(request):
    """创先争优活动情况统计表: one row per child unit, the 本级 row and the total; XLSX, CSV or
    a printable PDF (?format=pdf)."""
    org, campaign = _org_and_campaign(request)
    params = {"org": org.pk, "campaign": campaign.pk}
    table = exports.statistics_table(params, request.user)
    if request.GET.get("format") == "pdf":
        content = table_pdf(table)
        core_exports.record(
            "oversight.statistics",
            table,
            owner=request.user,
            scope=org.path,
            params=params,
            fmt="pdf",
            rows=table.count,
        )
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = core_exports.attachment(
            core_exports.file_name(table, "pdf")
        )
        return response
    return core_exports.respond(
        request, "oversight.statistics", table, scope=org.path, params=params
    )


@require_POST
@login_required
def report(request):
    """总结验收: starts the subtree's campaign report as a job and shows its page."""
    org, campaign = _org_and_campaign(request)
    return redirect(services.start_report(org, campaign, by=request.user))
