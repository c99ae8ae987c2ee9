"""Pages for pledges in bulk: the grid of a branch's members without a pledge, the sheet import
and its template, and the printable 承诺书 of one pledge with its signed scan."""

import json

from csp.decorators import csp_exempt
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from campaign import access as campaign_access
from core.forms import apply_errors
from core.params import id_param, parse_id
from core.services import require
from orgs import access as org_access
from orgs.importing import ImportRejected
from orgs.views_import import result_context

from . import access, bulk, sheet
from .examples import EXAMPLES
from .forms_bulk import GridRowForm, LetterScanForm, PledgeImportForm
from .views import branch_url

GRID_PAGE_SIZE = 100
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _branch_and_campaign(request, pk):
    """The branch the user manages (404 outside scope, 403 for a read-only role) and the
    campaign asked for or current; 404 when none, or for an organisation without members."""
    org = org_access.get_organization_for_user(request.user, pk, write=True)
    campaign = campaign_access.current_campaign(
        request.user, org, id_param(request.GET, "campaign")
    )
    if campaign is None or not org.holds_members:
        raise Http404
    return org, campaign


def _posted_member_ids(post) -> list[int]:
    """The members whose rows were sent (fields named m<id>-title), at most a page's worth."""
    ids = []
    for key in post:
        if key.startswith("m") and key.endswith("-title"):
            member_id = parse_id(key[1 : -len("-title")])
            if member_id is not None:
                ids.append(member_id)
    return ids[:GRID_PAGE_SIZE]


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def grid(request, pk):
    """Every active member of the branch without a pledge, a row each, saved in one go: all rows
    or none (bulk.create_pledges); a refused row shows its errors and every row keeps its input."""
    org, campaign = _branch_and_campaign(request, pk)
    members = bulk.members_without_pledge(org, campaign)
    page = Paginator(members, GRID_PAGE_SIZE).get_page(request.GET.get("page"))
    gone = 0
    if request.method == "POST":
        wanted = _posted_member_ids(request.POST)
        shown = list(members.filter(pk__in=wanted))
        gone = len(set(wanted) - {m.pk for m in shown})  # given a pledge meanwhile
    else:
        shown = list(page.object_list)
    data = request.POST if request.method == "POST" else None
    rows = [GridRowForm(data, member=m, campaign=campaign) for m in shown]
    if request.method == "POST":
        valid = all([row.is_valid() for row in rows])
        # The service's field rules on every filled row, so all errors show at once.
        for row in rows:
            if row.is_valid() and not row.empty:
                try:
                    bulk.check_new_pledge(campaign, row.member, row.cleaned_data["pledge"])
                except ValidationError as error:
                    apply_errors(row, error)
                    valid = False
        filled = [row for row in rows if valid and not row.empty]
        if valid and filled:
            try:
                created = bulk.create_pledges(
                    campaign,
                    [(row.prefix, row.member, row.cleaned_data["pledge"]) for row in filled],
                    by=request.user,
                )
            except bulk.RowsRefused as refused:
                for row in filled:
                    if row.prefix in refused.by_row:
                        apply_errors(row, refused.by_row[row.prefix])
            else:
                messages.success(
                    request, _("已录入 %(count)s 项承诺（调研承诺）。") % {"count": len(created)}
                )
                if members.exists():  # more members left to enter: the grid again
                    return redirect(_grid_url(org, campaign))
                # Everyone has a pledge: on to the branch page, where they are moved on.
                return redirect(branch_url(org, campaign))
        elif valid:
            messages.info(request, _("没有填写任何一行，未保存。"))
        if gone:
            messages.warning(
                request,
                _("有 %(count)s 名党员在此期间已录入承诺，已从表中移除。") % {"count": gone},
            )
    context = {
        "org": org,
        "campaign": campaign,
        "breadcrumb": org.lineage(),
        "rows": rows,
        "page": page,
        "total": page.paginator.count,
        "has_errors": any(row.errors for row in rows),
        "examples_json": json.dumps(
            {key: [e.title, e.content] for key, e in EXAMPLES.items()}, ensure_ascii=False
        ),
        "querystring": f"campaign={campaign.pk}",
    }
    return render(request, "pledges/grid.html", context)


def _grid_url(org, campaign) -> str:
    return reverse("pledges:grid", args=[org.pk]) + f"?campaign={campaign.pk}"


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def import_sheet(request, pk):
    """Pledges from a sheet for the branch's members: checked first, then all or nothing."""
    org, campaign = _branch_and_campaign(request, pk)
    data = (request.POST, request.FILES) if request.method == "POST" else ()
    form = PledgeImportForm(*data)
    result = None
    if form.is_valid():
        try:
            result = sheet.import_pledges(
                form.cleaned_data["file"], org=org, campaign=campaign, by=request.user
            )
        except ImportRejected as error:
            form.add_error("file", error)
        else:
            if result.ok:
                messages.success(
                    request,
                    _("承诺导入完成：新增 %(created)s 项，已导入过而跳过 %(unchanged)s 项。")
                    % {"created": result.created, "unchanged": result.unchanged},
                )
                return redirect(branch_url(org, campaign))
    context = {
        "org": org,
        "campaign": campaign,
        "form": form,
        "breadcrumb": org.lineage(),
        **result_context(result),
        "template_url": reverse("pledges:import_template"),
        "back_url": branch_url(org, campaign),
        "back_label": _("返回支部承诺"),
    }
    return render(request, "pledges/import.html", context)


@require_safe
@login_required
def import_template(request):
    require(org_access.can_manage_anything(request.user))
    response = HttpResponse(sheet.template_xlsx(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, _("承诺导入模板.xlsx"))
    return response


def _letter_data(pledge):
    from .letter import LetterData

    return LetterData(
        campaign=pledge.campaign.name,
        owner=pledge.owner_name,
        organization=(
            pledge.member.branch.name
            if pledge.member_id
            else (pledge.organization.get_parent() or pledge.organization).name
        ),
        title=pledge.title,
        content=pledge.content,
        areas=list(pledge.areas or []),
        deadline=pledge.deadline,
        five_items=pledge.five_item_labels(),
        for_member=bool(pledge.member_id),
        signed_by=pledge.signed_by,
        signed_on=pledge.signed_on,
    )


# A PDF, not a page: Chrome's viewer is blank under the site's CSP (as the poster).
@csp_exempt()
@require_safe
@login_required
def letter(request, pk):
    """The printable 承诺书 of a pledge in the user's scope."""
    from .letter import letter_pdf  # ReportLab and the font load only when asked for

    pledge = access.get_pledge_for_user(request.user, pk)
    response = HttpResponse(letter_pdf(_letter_data(pledge)), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="pledge-letter-{pledge.pk}.pdf"'
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def letter_scan(request, pk):
    """The 承诺书 page: print it for 签约, then keep the signed scan with the pledge."""
    pledge = access.get_pledge_for_user(request.user, pk)
    require(access.is_owner_side(request.user, pledge))
    form = LetterScanForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            bulk.attach_signed_letter(
                pledge, by=request.user, upload=form.cleaned_data["attachment"]
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已保存签字的承诺书。"))
            return redirect(reverse("pledges:letter_scan", args=[pledge.pk]))
    context = {
        "pledge": pledge,
        "form": form,
        "letters": list(bulk.signed_letters(pledge)),
        "can_attach": pledge.state in bulk.LETTER_STATES,
        "breadcrumb": pledge.home_org.lineage(),
    }
    return render(request, "pledges/letter.html", context)
