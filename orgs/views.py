from copy import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import access, services
from .forms import (
    DeactivateMemberForm,
    MemberFilter,
    MemberForm,
    MoveMemberForm,
    OrganizationForm,
    OrgSearchForm,
    apply_errors,
)
from .models import Member, Organization, OrgKind, subtree_member_counts

ROSTER_PAGE_SIZE = 50
SEARCH_LIMIT = 100


@login_required
def home(request):
    roots = access.roots_for(request.user)
    if not roots:
        return render(request, "orgs/no_role.html")
    if len(roots) == 1 and roots[0].holds_members and roots[0].numchild == 0:
        return redirect(roots[0])
    return redirect("orgs:tree")


@login_required
def tree(request):
    form = OrgSearchForm(request.GET)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    if query:
        return _search(request, form, query)
    roots = access.roots_for(request.user)
    children = _children_of(roots)
    for root in roots:
        root.loaded_children = [c for c in children if c.path.startswith(root.path)]
    _add_member_counts([*roots, *children], roots)
    context = {
        "form": form,
        "roots": roots,
        "campaign": _campaign(request, roots),
        "coverage_url": reverse("orgs:coverage"),
    }
    return render(request, "orgs/tree.html", context)


def _children_of(roots) -> list[Organization]:
    """The children of every root, in one query."""
    children = Organization.objects.none()
    for root in roots:
        children |= Organization.objects.within(root).filter(depth=root.depth + 1)
    return list(children)


def _add_member_counts(nodes, roots) -> None:
    counts = subtree_member_counts(nodes, roots)
    for node in nodes:
        node.member_count = counts[node.pk]


def _campaign(request, roots):
    """The campaign whose pledge coverage the tree shows: the one asked for, else the current."""
    # Imported here: the tree is the foundation and must not need the campaign app to load.
    from campaign.access import current_campaign

    wanted = request.GET.get("campaign")
    return current_campaign(request.user, roots[0], wanted) if roots else None


@login_required
def coverage(request):
    """Pledge coverage (两个100%) of the top of the tree page, as out-of-band fragments that fill
    each node's placeholder: loaded after the tree, so the district-wide count does not hold the
    tree up."""
    roots = access.roots_for(request.user)
    nodes = [*roots, *_children_of(roots)]
    campaign = _campaign(request, roots)
    if campaign is None:
        return HttpResponse("")
    _add_coverage(nodes, roots, campaign)
    return render(request, "orgs/_coverage_oob.html", {"nodes": nodes})


def _add_coverage(nodes, roots, campaign) -> None:
    from pledges.coverage import coverage_by_node

    figures = coverage_by_node(nodes, roots, campaign)
    for node in nodes:
        node.coverage = figures[node.pk]


def _search(request, form, query):
    results = list(
        access.organizations_for(request.user).filter(name__contains=query)[: SEARCH_LIMIT + 1]
    )
    truncated = len(results) > SEARCH_LIMIT
    results = results[:SEARCH_LIMIT]
    ancestor_paths = {path for org in results for path in org.ancestor_paths()}
    names = dict(Organization.objects.filter(path__in=ancestor_paths).values_list("path", "name"))
    for org in results:
        org.trail = [names[p] for p in org.ancestor_paths() if p in names]
    context = {"form": form, "query": query, "results": results, "truncated": truncated}
    return render(request, "orgs/search.html", context)


@login_required
def children(request, pk):
    """The children of one node with their member counts: loaded when a node is expanded."""
    org = access.get_organization_for_user(request.user, pk)
    nodes = list(Organization.objects.get_children(org))
    _add_member_counts(nodes, [org])
    campaign = _campaign(request, [org])
    if campaign is not None:
        # One subtree's coverage is quick to count, so it comes with the children.
        _add_coverage(nodes, [org], campaign)
    return render(request, "orgs/_children.html", {"nodes": nodes, "campaign": campaign})


@login_required
def detail(request, pk):
    org = access.get_organization_for_user(request.user, pk)
    nodes = list(Organization.objects.get_children(org))
    counts = subtree_member_counts([org, *nodes], [org])
    for node in nodes:
        node.member_count = counts[node.pk]
    context = {
        "org": org,
        "breadcrumb": org.ancestors(),
        "nodes": nodes,
        "member_count": counts[org.pk],
        "direct_count": org.members.active().count(),
        "can_manage": access.can_manage(request.user, org),
        "can_deactivate": access.can_manage_strictly_below(request.user, org),
    }
    return render(request, "orgs/detail.html", context)


@login_required
def edit(request, pk):
    org = access.get_organization_for_user(request.user, pk, write=True)
    form = OrganizationForm(request.POST or None, instance=copy(org))
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
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done % {"name": obj.name})
    return redirect(obj)


@login_required
def roster(request, pk):
    """Members of an organisation's subtree (or only its own with ?direct=1), filtered and paged."""
    org = access.get_organization_for_user(request.user, pk)
    direct = request.GET.get("direct") == "1"
    members = org.members.all() if direct else Member.objects.within(org)
    members = members.select_related("branch").order_by("branch__path", "name", "id")
    filterset = MemberFilter(request.GET, queryset=members)
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
        "querystring": _querystring_without_page(request),
    }
    return render(request, "orgs/roster.html", context)


def _querystring_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


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


@login_required
def member(request, pk):
    member = access.get_member_for_user(request.user, pk)
    context = {
        "member": member,
        "breadcrumb": member.branch.lineage(),
        "can_manage": access.can_manage(request.user, member.branch),
    }
    return render(request, "orgs/member_detail.html", context)


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
