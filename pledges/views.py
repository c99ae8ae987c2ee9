from copy import copy
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from campaign import access as campaign_access
from core import exports, fragments
from core.forms import apply_errors, flash_errors
from core.params import id_param
from core.services import require
from orgs import access as org_access
from orgs import selectors as org_selectors
from orgs.models import MemberCategory, Organization

from . import access, selectors, services, views_coverage, workflow
from .exports import progress_table
from .forms import BatchForm, CommentForm, CorrectionForm, PledgeForm, ProgressForm, SignForm
from .models import PledgeState, suggested_areas


def _campaign_or_none(request, org: Organization):
    wanted = id_param(request.GET, "campaign")
    return campaign_access.current_campaign(request.user, org, wanted)


# How many pledges a page of the list behind the dashboard's figures shows.
LIST_PAGE_SIZE = 50


@require_safe
@login_required
def pledge_list(request, pk):
    """The pledges behind a figure of the dashboard: the campaign's pledges of the subtree (the
    organisations' own and their active members'), of one state (?state=) or overdue
    (?overdue=1), as the figures count them."""
    org = org_access.get_organization_for_user(request.user, pk)
    campaign = _campaign_or_none(request, org)
    if campaign is None:
        raise Http404
    today = timezone.localdate()
    state = request.GET.get("state", "")
    state = state if state in PledgeState.values else ""
    overdue = request.GET.get("overdue") == "1"
    pledges = selectors.subtree_pledges(org, campaign) & access.pledges_for(request.user)
    if state:
        pledges = pledges.filter(state=state)
    if overdue:
        pledges = pledges.overdue(today)
    pledges = pledges.select_related("member", "member__branch", "organization").order_by(
        "deadline", "id"
    )
    page = Paginator(pledges, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    query = {"campaign": campaign.pk, **({"state": state} if state else {})}
    if overdue:
        query["overdue"] = 1
    context = {
        "org": org,
        "campaign": campaign,
        "breadcrumb": org.ancestors(),
        "nav_unit": org,
        "page": page,
        "rows": [(pledge, pledge.is_overdue(today)) for pledge in page.object_list],
        "state": state,
        "overdue": overdue,
        "chips": _list_chips(campaign, state, overdue),
        "progress_url": reverse("pledges:progress_export", args=[org.pk])
        + f"?campaign={campaign.pk}",
        "querystring": urlencode(query),
    }
    return render(request, "pledges/list.html", context)


@require_safe
@login_required
def progress_export(request, pk):
    """The progress records of the subtree's pledges, as XLSX or CSV."""
    org = org_access.get_organization_for_user(request.user, pk)
    campaign = _campaign_or_none(request, org)
    if campaign is None:
        raise Http404
    params = {"org": org.pk, "campaign": campaign.pk, "dates": exports.date_style(request.GET)}
    table = progress_table(params, request.user)
    return exports.respond(request, "pledges.progress", table, scope=org.path, params=params)


def _list_chips(campaign, state: str, overdue: bool) -> list[tuple[str, str, bool]]:
    """The list's filters: (query string, label, chosen)."""
    chips = [(f"campaign={campaign.pk}", _("全部"), not state and not overdue)]
    chips.append((f"campaign={campaign.pk}&overdue=1", _("已逾期"), overdue))
    for value, label in PledgeState.choices:
        chips.append((f"campaign={campaign.pk}&state={value}", str(label), state == value))
    return chips


@require_safe
@login_required
def branch(request, pk):
    """The secretary's page: every active member with their pledge, the organisation's own pledge,
    coverage, and batch steps. Its parts are rendered once per state of what they show
    (core/fragments.py): the coverage is the same for everyone who may see the page, the sheet
    for everyone who may do the same on it."""
    org = org_access.get_organization_for_user(request.user, pk)
    campaign = _campaign_or_none(request, org)
    context = {"org": org, "campaign": campaign, "breadcrumb": org.ancestors(), "nav_unit": org}
    # Members' draft links (views_links) are issued by a managing role over the branch only.
    context["may_issue_links"] = org_access.can_manage(request.user, org)
    if campaign is not None:
        versions = selectors.branch_versions(org, campaign)
        summary, table = _branch_coverage(org, campaign, versions.coverage, request.GET)
        context.update(
            sheet_html=_branch_sheet(request.user, org, campaign, versions.sheet),
            coverage_summary=summary,
            coverage_table=table,
        )
        # The toolbar's ways to pledges in bulk (views_bulk): for those who manage the branch.
        context["bulk_links"] = org.holds_members and org_access.can_manage(request.user, org)
    return render(request, "pledges/branch.html", context)


def _branch_sheet(user, org: Organization, campaign, version) -> str:
    powers = access.powers_on(user, org)  # what the sheet offers this user follows from them

    def render_sheet():
        context = {
            "org": org,
            "campaign": campaign,
            "sheet": selectors.branch_sheet(org, campaign, user=user),
            "batch_actions": workflow.batch_actions(),
            "can_manage": powers[0],
        }
        return render_to_string("pledges/_sheet.html", context)

    return fragments.cached("branch-sheet", org.pk, version, powers, render=render_sheet)


def _branch_coverage(org: Organization, campaign, version, query=None) -> tuple[str, str]:
    """The coverage cards and the children's table of the branch page, in the order and with
    the filters of `query` (a query string; pledges/views_coverage.py)."""
    return views_coverage.branch_coverage_parts(query or {}, org, campaign, version)


@require_POST
@login_required
def batch(request, pk):
    """A batch step (or 审诺、签约并公开) on the ticked pledges, each on its own, refusals named.

    From the page's htmx form the answer is the sheet again with the results above it, swapped in
    place, so the page stays where it was; without htmx, Post/Redirect/Get with messages."""
    org = org_access.get_organization_for_user(request.user, pk)
    pledges = access.pledges_for(request.user).select_related("member__branch", "organization")
    form = BatchForm(request.POST, pledges=pledges)
    campaign_id = id_param(request.POST, "campaign")
    back = reverse("pledges:branch", args=[org.pk])
    if campaign_id is not None:
        back += f"?campaign={campaign_id}"
    swap = request.headers.get("HX-Request") == "true"
    if not form.is_valid():
        if swap:
            errors = [e for field in form.errors.values() for e in field]
            return _batch_swap(request, org, campaign_id, done="", refused=[], errors=errors)
        flash_errors(request, form)
        return redirect(back)
    data = form.cleaned_data
    name = data["step"]
    if name in workflow.CONFIRMATIONS and not data["confirmed"]:
        if swap:
            errors = [_("请确认后再执行。")]
            return _batch_swap(request, org, campaign_id, done="", refused=[], errors=errors)
        return _confirm_page(request, org, name, back)
    on = data["signed_on"] or timezone.localdate()
    if name == workflow.REVIEW_SIGN_PUBLISH:
        done, refused = workflow.review_sign_publish(data["pledges"], by=request.user, on=on)
        label = workflow.REVIEW_SIGN_PUBLISH_LABEL
    else:
        fields = {"signed_by": data["signed_by"], "signed_on": on} if name == "sign" else {}
        done, refused = workflow.batch_step(data["pledges"], name, by=request.user, **fields)
        label = workflow.STEPS[name].label
    summary = _("已%(step)s %(n)s 项承诺。") % {"step": label, "n": len(done)} if done else ""
    refusals = [f"{pledge.owner_name}：{reason}" for pledge, reason in refused]
    if swap:
        return _batch_swap(request, org, campaign_id, done=summary, refused=refusals, errors=[])
    if summary:
        messages.success(request, summary)
    for refusal in refusals:
        messages.error(request, refusal)
    return redirect(back)


def _batch_swap(request, org, campaign_id, *, done: str, refused: list, errors: list):
    """The branch page's sheet as it is now, with the results of the batch above it, and the
    coverage cards out of band: what the page's form swaps in place."""
    campaign = campaign_access.current_campaign(request.user, org, campaign_id)
    context = {"org": org, "done": done, "refused": [*errors, *refused]}
    if campaign is not None:
        versions = selectors.branch_versions(org, campaign)
        context["sheet_html"] = _branch_sheet(request.user, org, campaign, versions.sheet)
        context["coverage_summary"] = _branch_coverage(org, campaign, versions.coverage)[0]
    return render(request, "pledges/_batch_swap.html", context)


def _confirm_page(request, org, name: str, back: str):
    """Asks before a batch step that cannot be undone, when the page could not ask (no script):
    the same POST again, with confirmed=1."""
    hidden = [(key, value) for key in request.POST for value in request.POST.getlist(key)]
    hidden = [(k, v) for k, v in hidden if k not in ("csrfmiddlewaretoken", "confirmed")]
    context = {
        "question": workflow.CONFIRMATIONS[name],
        "action": reverse("pledges:batch", args=[org.pk]),
        "hidden": hidden,
        "count": len(request.POST.getlist("pledges")),
        "back": back,
        "breadcrumb": org.lineage(),
    }
    return render(request, "pledges/confirm.html", context)


def _owner_for(request):
    """The member or organisation a new pledge is for, reached through the access module."""
    if (member_id := id_param(request.GET, "member")) is not None:
        return org_access.get_member_for_user(request.user, member_id, write=True), None
    if (org_id := id_param(request.GET, "org")) is not None:
        return None, org_access.get_organization_for_user(request.user, org_id, write=True)
    raise Http404


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def create(request):
    member, org = _owner_for(request)
    home = member.branch if member else org
    campaign = _campaign_or_none(request, home)
    if campaign is None:
        raise Http404
    form = _pledge_form(request, member, org)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            pledge = services.create_pledge(
                campaign, by=request.user, member=member, organization=org, **fields
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已录入“%(name)s”的承诺。") % {"name": pledge.owner_name})
            return redirect(branch_url(home, campaign))
    context = {"form": form, "member": member, "org": org, "home": home, "campaign": campaign}
    context["breadcrumb"] = home.lineage()
    return render(request, "pledges/form.html", context)


def _pledge_form(request, member, org, instance=None) -> PledgeForm:
    """The pledge form for one owner: areas suggested for them, "五个一" for members, the oral
    flag for retired members only."""
    return PledgeForm(
        request.POST or None,
        instance=instance,
        areas=suggested_areas(member=member, organization=org),
        for_member=member is not None,
        allow_oral=member is not None and member.category == MemberCategory.RETIRED,
    )


def branch_url(org, campaign) -> str:
    """The branch page of `org` on `campaign` (views_bulk's pages lead back to it too)."""
    return reverse("pledges:branch", args=[org.pk]) + f"?campaign={campaign.pk}"


@require_safe
@login_required
def detail(request, pk):
    pledge = access.get_pledge_for_user(request.user, pk)
    return _detail_page(request, pledge, ProgressForm())


def _detail_page(request, pledge, progress_form: ProgressForm):
    """The pledge's page; after a refused 践诺 record, with the form as it was typed and its
    errors next to their fields (nothing typed is lost to a redirect)."""
    context = {
        "sheet": selectors.pledge_sheet(pledge, user=request.user),
        "pledge": pledge,
        "home": pledge.home_org,
        "breadcrumb": pledge.home_org.lineage(),
        "progress_form": progress_form,
        "sign_form": SignForm(),
    }
    return render(request, "pledges/detail.html", context)


@require_POST
@login_required
def step(request, pk, name):
    pledge = access.get_pledge_for_user(request.user, pk)
    if name not in workflow.MANUAL_STEPS:
        raise Http404
    form = (SignForm if name == "sign" else CommentForm)(request.POST)
    if not form.is_valid():
        flash_errors(request, form)
        return redirect(pledge)
    if name in workflow.CONFIRMATIONS and request.POST.get("confirmed") != "1":
        # A step that cannot be undone, posted without the page's question answered (no
        # script): ask on a page of our own, which posts the same again with confirmed=1.
        context = {
            "question": workflow.CONFIRMATIONS[name],
            "action": reverse("pledges:step", args=[pledge.pk, name]),
            "hidden": [(k, v) for k, v in form.cleaned_data.items() if v not in (None, "")],
            "back": pledge.get_absolute_url(),
            "breadcrumb": pledge.home_org.lineage(),
        }
        return render(request, "pledges/confirm.html", context)
    try:
        workflow.act(pledge, name, by=request.user, **form.cleaned_data)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("已%(step)s。") % {"step": workflow.STEPS[name].label})
    return redirect(pledge)


def _save(form, save) -> tuple[bool, "services.StaleEdit | None"]:
    """Runs a service that saves the form's pledge; a refusal goes on the form.

    Returns (saved, the conflict when someone else saved in between), for the page to show.
    """
    try:
        save()
    except services.StaleEdit as conflict:
        form.add_error(None, conflict.messages[0])
        return False, conflict
    except ValidationError as error:
        apply_errors(form, error)
        return False, None
    return True, None


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def edit(request, pk):
    pledge = access.get_pledge_for_user(request.user, pk)
    require(access.is_owner_side(request.user, pledge))
    form = _pledge_form(request, pledge.member, pledge.organization, instance=copy(pledge))
    conflict = None
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        version = form.cleaned_data["version"] or pledge.version
        saved, conflict = _save(
            form, lambda: services.update_pledge(pledge, by=request.user, version=version, **fields)
        )
        if saved:
            messages.success(request, _("已保存。"))
            return redirect(pledge)
    context = {"form": form, "pledge": pledge, "conflict": conflict, "home": pledge.home_org}
    context["breadcrumb"] = pledge.home_org.lineage()
    return render(request, "pledges/form.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def correct(request, pk):
    pledge = access.get_pledge_for_user(request.user, pk)
    require(access.is_owner_side(request.user, pledge))
    form = CorrectionForm(
        request.POST or None,
        instance=copy(pledge),
        initial={"version": pledge.version},
    )
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved, conflict = _save(
            form, lambda: services.correct_pledge(pledge, by=request.user, **data)
        )
        if saved:
            messages.success(request, _("已提交更正，更正原因将公开显示。"))
            return redirect(pledge)
    context = {"form": form, "pledge": pledge, "conflict": conflict}
    context["breadcrumb"] = pledge.home_org.lineage()
    return render(request, "pledges/correct.html", context)


@require_POST
@login_required
def add_progress(request, pk):
    pledge = access.get_pledge_for_user(request.user, pk)
    form = ProgressForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_progress(pledge, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已记录践诺情况。"))
            return redirect(pledge)
    return _detail_page(request, pledge, form)


@require_safe
@login_required
def attachment(request, pk):
    progress = access.get_progress_for_user(request.user, pk)
    if not progress.attachment:
        raise Http404
    try:
        file = progress.attachment.open("rb")
    except FileNotFoundError:  # gone from disk (a restore without the media folder)
        raise Http404 from None
    return FileResponse(
        file,
        content_type=progress.attachment_type,
        as_attachment=progress.attachment_type == "application/pdf",
        filename=progress.attachment_name or None,
    )


# --- Parts of other apps' pages (slots, see core/slots.py) ----------------------------------------


@require_safe
@login_required
def tree_coverage(request):
    """The "orgs.tree" slot: a note naming the campaign, and the coverage of each top node of the
    tree page (out of band); nothing when no campaign covers the user's scope."""
    roots = org_access.roots_for(request.user)
    campaign = _campaign_or_none(request, roots[0]) if roots else None
    if campaign is None:
        return HttpResponse("")

    def fragment():
        roots, children = org_selectors.top_organizations(request.user)
        figures = selectors.nodes_coverage([*roots, *children], roots, campaign)
        context = {"campaign": campaign, "figures": figures, "note": True}
        return render_to_string("pledges/_node_coverage.html", context)

    version = selectors.coverage_version(campaign)
    roots_ids = [root.pk for root in roots]
    return HttpResponse(fragments.cached("tree-coverage", roots_ids, version, render=fragment))


@require_safe
@login_required
def children_coverage(request, pk):
    """The "orgs.children" slot: the coverage of an expanded node's children (out of band)."""
    org = org_access.get_organization_for_user(request.user, pk)
    campaign = _campaign_or_none(request, org)
    if campaign is None:
        return HttpResponse("")

    def fragment():
        figures = selectors.children_coverage(org, campaign)
        return render_to_string("pledges/_node_coverage.html", {"figures": figures})

    version = selectors.coverage_version(campaign)
    return HttpResponse(fragments.cached("children-coverage", org.pk, version, render=fragment))


@require_safe
@login_required
def campaign_link(request, pk):
    """The "campaign.detail" slot: the way from a campaign to its pledges."""
    campaign = campaign_access.get_campaign_for_user(request.user, pk)
    return render(request, "pledges/_campaign_link.html", {"campaign": campaign})
