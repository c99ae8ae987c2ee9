from copy import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core import exports, fragments
from core.audit import record_view
from core.audit.trail import of, trail, under
from core.forms import apply_errors, flash_errors
from core.services import require

from . import access, rollups, selectors, services
from .exports import organizations_table, roster_table
from .forms import (
    DeactivateMemberForm,
    MemberFilter,
    MemberForm,
    MergeForm,
    MoveMemberForm,
    MoveOrganizationForm,
    OrganizationForm,
    OrgSearchForm,
    TransferInForm,
    TransferOutForm,
)
from .models import Member, Organization, OrgKind, Role

ROSTER_PAGE_SIZE = 50


@require_safe
@login_required
def tree(request):
    """The user's part of the tree: their top organisations and one level below, the rest loaded
    as nodes are expanded. Other apps add to the nodes through the "orgs.tree" slot."""
    form = OrgSearchForm(request.GET)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    if query:
        result = selectors.search_organizations(request.user, query)
        context = {"form": form, "query": query, "result": result}
        return render(request, "orgs/search.html", context)
    user = request.user

    def nodes():
        context = {"nodes": selectors.tree_top(user)}
        return render_to_string("orgs/_tree_nodes.html", context)

    roots = [root.pk for root in access.roots_for(user)]
    nodes_html = fragments.cached("tree", roots, rollups.tree_version(), render=nodes)
    return render(request, "orgs/tree.html", {"form": form, "nodes_html": nodes_html})


@require_safe
@login_required
def children(request, pk):
    """The children of one node with their member counts: loaded when a node is expanded."""
    org = access.get_organization_for_user(request.user, pk)
    query = request.GET.urlencode()  # the slots below forward it

    def fragment():
        context = {"org": org, "nodes": selectors.child_nodes(org)}
        return render_to_string("orgs/_children.html", context, request)

    html = fragments.cached("children", org.pk, query, rollups.tree_version(), render=fragment)
    return HttpResponse(html)


@require_safe
@login_required
def detail(request, pk):
    org = access.get_organization_for_user(request.user, pk)
    summary = selectors.org_summary(org)
    context = {
        "summary": summary,
        "org": org,
        "breadcrumb": summary.breadcrumb,
        "can_manage": access.can_manage(request.user, org),
        "can_deactivate": access.can_manage_strictly_below(request.user, org),
        "can_add_children": access.can_add_children(request.user, org),
        "trail": trail(of(Organization, org.pk), under(Role, org.pk)),
        "nav_unit": org,  # the unit the navigation's 公开承诺 opens
        "roles": selectors.role_board(org),
        "export_url": reverse("orgs:organizations_export", args=[org.pk]),
    }
    return render(request, "orgs/detail.html", context)


@require_safe
@login_required
def organizations_export(request, pk):
    """The organisation and those below it, as XLSX or CSV."""
    org = access.get_organization_for_user(request.user, pk)
    params = {"org": org.pk, "dates": exports.date_style(request.GET)}
    table = organizations_table(params, request.user)
    return exports.respond(request, "orgs.organizations", table, scope=org.path, params=params)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def edit(request, pk):
    org = access.get_organization_for_user(request.user, pk, write=True)
    standing = access.can_change_standing(request.user, org)
    form = OrganizationForm(request.POST or None, instance=copy(org), standing=standing)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_organization(org, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已保存“%(name)s”。") % {"name": org.name})
            return redirect(org)
    context = {"org": org, "breadcrumb": org.ancestors(), "form": form}
    return render(request, "orgs/org_form.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def add_child(request, pk):
    parent = access.get_organization_for_user(request.user, pk, write=True)
    initial = {"sector": parent.sector, "kind": OrgKind.BRANCH}
    form = OrganizationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            org = services.create_organization(parent, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已新建“%(name)s”。") % {"name": org.name})
            return redirect(org)
    context = {"parent": parent, "breadcrumb": parent.lineage(), "form": form}
    return render(request, "orgs/org_form.html", context)


@require_POST
@login_required
def deactivate(request, pk):
    org = access.get_organization_for_user(request.user, pk, write=True)
    return _change_standing(request, org, services.deactivate_organization, _("已撤销“%(name)s”。"))


@require_POST
@login_required
def reactivate(request, pk):
    org = access.get_organization_for_user(request.user, pk, write=True)
    return _change_standing(request, org, services.reactivate_organization, _("已恢复“%(name)s”。"))


def _change_standing(request, obj, service, done):
    """Calls the service on obj; `done` is the success message, with %(name)s for obj's name."""
    try:
        service(obj, by=request.user)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, done % {"name": obj.name})
    return redirect(obj)


@require_safe
@login_required
def roster(request, pk):
    """Members of an organisation's subtree (or only its own with ?direct=1), filtered and paged."""
    org = access.get_organization_for_user(request.user, pk)
    direct = request.GET.get("direct") == "1"
    filterset = MemberFilter(request.GET, queryset=selectors.roster(org, direct=direct))
    page = Paginator(filterset.qs, ROSTER_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "org": org,
        "breadcrumb": org.ancestors(),
        "filter": filterset,
        "page": page,
        "direct": direct,
        # A branch without sub-organisations needs no branch column: it would repeat one name.
        "show_branch": org.numchild > 0 and not direct,
        "can_manage": access.can_manage(request.user, org),
        "can_transfer": access.can_manage_strictly_below(request.user, org),
        "querystring": _querystring_without_page(request),
        "export_url": _export_url(request, "orgs:roster_export", org.pk),
        "nav_unit": org,
    }
    return render(request, "orgs/roster.html", context)


def _export_url(request, name: str, pk: int) -> str:
    """The export of a list with the page's filters (without its page number or format)."""
    params = request.GET.copy()
    for key in ("page", "format", "dates"):
        params.pop(key, None)
    query = params.urlencode()
    return reverse(name, args=[pk]) + (f"?{query}" if query else "")


@require_safe
@login_required
def roster_export(request, pk):
    """The roster as the page lists it for the same filters, as XLSX or CSV (?format=)."""
    org = access.get_organization_for_user(request.user, pk)
    params = {
        "org": org.pk,
        "direct": request.GET.get("direct", ""),
        **{k: request.GET.get(k, "") for k in ("q", "category", "gender")},
        "status": request.GET.get("status", "1"),
        "dates": exports.date_style(request.GET),
    }
    table = roster_table(params, request.user)
    return exports.respond(request, "orgs.roster", table, scope=org.path, params=params)


def _querystring_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def add_member(request, pk):
    branch = access.get_organization_for_user(request.user, pk, write=True)
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.create_member(branch, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已添加党员“%(name)s”。") % {"name": member.name})
            if "another" in request.POST:
                return redirect("orgs:add_member", pk=branch.pk)
            return redirect("orgs:roster", pk=branch.pk)
    context = {"branch": branch, "breadcrumb": branch.lineage(), "form": form}
    return render(request, "orgs/member_form.html", context)


@require_safe
@login_required
def member(request, pk):
    member = access.get_member_for_user(request.user, pk)
    return _member_page(request, member, id_number=member.masked_id_number)


def _member_page(request, member, *, id_number: str):
    context = {
        "member": member,
        "breadcrumb": member.branch.lineage(),
        "can_manage": access.can_manage(request.user, member.branch),
        # 组织关系转接 is done from above the branch.
        "can_transfer": access.can_manage_strictly_below(request.user, member.branch),
        "id_number": id_number,
        "can_reveal": access.can_see_id_number(request.user, member),
        "trail": trail(of(Member, member.pk)),
        "nav_unit": member.branch,
    }
    return render(request, "orgs/member_detail.html", context)


@require_POST
@never_cache  # the whole number is not kept in the browser's cache or history
@login_required
def reveal_id_number(request, pk):
    """The member page with the whole 公民身份号码, for an admin who asked (显示); each reveal is
    recorded in the member's trail (查看身份证号). Not a redirect: the number is shown once."""
    member = access.get_member_for_user(request.user, pk)
    require(bool(member.id_number) and access.can_see_id_number(request.user, member))
    record_view(member, _("身份证号"), by=request.user)
    return _member_page(request, member, id_number=member.id_number)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def edit_member(request, pk):
    member = access.get_member_for_user(request.user, pk, write=True)
    form = MemberForm(request.POST or None, instance=copy(member))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_member(member, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已保存党员“%(name)s”的信息。") % {"name": member.name})
            return redirect(member)
    breadcrumb = member.branch.lineage()
    context = {"member": member, "breadcrumb": breadcrumb, "form": form}
    return render(request, "orgs/member_form.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def move_member(request, pk):
    member = access.get_member_for_user(request.user, pk, write=True)
    branches = access.branches_for(request.user).exclude(pk=member.branch_id)
    form = MoveMemberForm(request.POST or None, branches=branches)
    if request.method == "POST" and form.is_valid():
        try:
            services.move_member(member, form.cleaned_data["branch"], by=request.user)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("已将“%(name)s”转入“%(branch)s”。")
                % {"name": member.name, "branch": member.branch.name},
            )
            return redirect(member)
    breadcrumb = member.branch.lineage()
    context = {"member": member, "breadcrumb": breadcrumb, "form": form}
    return render(request, "orgs/member_move.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def deactivate_member(request, pk):
    member = access.get_member_for_user(request.user, pk, write=True)
    form = DeactivateMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.deactivate_member(member, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("已将“%(name)s”从在册党员中减少，历史记录保留。") % {"name": member.name},
            )
            return redirect(member)
    breadcrumb = member.branch.lineage()
    context = {"member": member, "breadcrumb": breadcrumb, "form": form}
    return render(request, "orgs/member_deactivate.html", context)


@require_POST
@login_required
def reactivate_member(request, pk):
    member = access.get_member_for_user(request.user, pk, write=True)
    return _change_standing(request, member, services.reactivate_member, _("已恢复“%(name)s”。"))


# --- Restructuring (撤并) and transfers (组织关系转接) --------------------------------------------


def _action_page(request, form, **context):
    return render(request, "orgs/action_form.html", {"form": form, **context})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def move(request, pk):
    """Moves the organisation with its whole subtree under another parent: from above only."""
    org = access.get_organization_for_user(request.user, pk)
    require(access.can_change_standing(request.user, org))
    parents = (
        access.organizations_for(request.user, write=True)
        .active()
        .exclude(kind=OrgKind.GROUP)
        .exclude(path__startswith=org.path)
        .order_by("path")
    )
    form = MoveOrganizationForm(request.POST or None, parents=parents)
    if request.method == "POST" and form.is_valid():
        try:
            services.move_organization(org, form.cleaned_data["parent"], by=request.user)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已将“%(name)s”连同下级组织移动。") % {"name": org.name})
            return redirect(org)
    return _action_page(
        request,
        form,
        title=_("移动组织"),
        heading=_("移动“%(name)s”") % {"name": org.name},
        note=_("下级组织、党员、承诺和统计数字随之移动。"),
        button=_("确认移动"),
        back_url=org.get_absolute_url(),
        breadcrumb=org.lineage(),
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def merge(request, pk):
    """撤并: this branch's members go to another branch and it is deactivated; from above."""
    org = access.get_organization_for_user(request.user, pk)
    require(access.can_change_standing(request.user, org) and org.holds_members)
    targets = access.branches_for(request.user).exclude(path__startswith=org.path).order_by("path")
    form = MergeForm(request.POST or None, targets=targets)
    if request.method == "POST" and form.is_valid():
        target = form.cleaned_data["target"]
        try:
            moved = services.merge_branches(org, target, by=request.user)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("已将“%(source)s”的 %(count)s 名党员并入“%(target)s”，原组织已撤销。")
                % {"source": org.name, "count": moved, "target": target.name},
            )
            return redirect(target)
    return _action_page(
        request,
        form,
        title=_("合并组织"),
        heading=_("将“%(name)s”并入其他党支部") % {"name": org.name},
        note=_(
            "在册党员连同承诺和历史记录转入目标组织；本组织的角色结束并记入历任记录，组织撤销但不删除。"
        ),
        button=_("确认合并"),
        confirm=_("合并后本组织将撤销，确定吗？"),
        danger=True,
        back_url=org.get_absolute_url(),
        breadcrumb=org.lineage(),
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def transfer_out(request, pk):
    member = access.get_member_for_user(request.user, pk, write=True)
    require(access.can_manage_strictly_below(request.user, member.branch))
    form = TransferOutForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.transfer_out(member, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已办理“%(name)s”的组织关系转出。") % {"name": member.name})
            return redirect(member)
    return _action_page(
        request,
        form,
        title=_("组织关系转出"),
        heading=_("“%(name)s”转出本区") % {"name": member.name},
        note=_("转出后该党员不再计入在册人数，记录、承诺和历史保留。"),
        button=_("确认转出"),
        back_url=member.get_absolute_url(),
        breadcrumb=member.branch.lineage(),
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def transfer_in(request, pk):
    branch = access.get_organization_for_user(request.user, pk, write=True)
    require(access.can_manage_strictly_below(request.user, branch))
    form = TransferInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        on, origin = fields.pop("on"), fields.pop("origin")
        try:
            member = services.transfer_in(branch, by=request.user, on=on, origin=origin, **fields)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已将“%(name)s”转入。") % {"name": member.name})
            return redirect(member)
    return _action_page(
        request,
        form,
        title=_("组织关系转入"),
        heading=_("转入“%(name)s”") % {"name": branch.name},
        button=_("确认转入"),
        back_url=branch.get_absolute_url(),
        breadcrumb=branch.lineage(),
    )
