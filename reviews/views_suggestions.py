"""The online 意见箱 as its organisation and the levels above read it: the suggestions in scope,
handled with a note, or turned into a rectification by the level above."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from core.forms import flash_errors
from core.params import id_param
from orgs import access as org_access
from orgs.models import subtree_q

from . import access, suggestions
from .forms import HandleForm, ToRectificationForm
from .models import SuggestionState

PAGE_SIZE = 50


@require_safe
@login_required
def suggestion_list(request):
    found = suggestions.suggestions_for(request.user).select_related("organization", "pledge")
    under = None
    if (org_id := id_param(request.GET, "org")) is not None:
        under = org_access.get_organization_for_user(request.user, org_id)
        found = found.filter(subtree_q(under.path, "organization__path"))
    if request.GET.get("state") in SuggestionState.values:
        found = found.filter(state=request.GET["state"])
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        (
            item,
            access.role_above(request.user, item.organization, access.REGISTERING_ROLES)
            is not None,
        )
        for item in page.object_list
    ]
    context = {
        "page": page,
        "rows": rows,
        "under": under,
        "handle_form": HandleForm(),
        "rectify_form": ToRectificationForm(),
        "querystring": "",
    }
    return render(request, "reviews/suggestions.html", context)


def _get(request, pk):
    return get_object_or_404(
        suggestions.suggestions_for(request.user).select_related("organization"), pk=pk
    )


@require_POST
@login_required
def handle(request, pk):
    item = _get(request, pk)
    form = HandleForm(request.POST)
    if form.is_valid():
        try:
            suggestions.handle(item, by=request.user, note=form.cleaned_data["note"])
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(request, _("已记录处理情况。"))
    else:
        flash_errors(request, form)
    return redirect("reviews:suggestions")


@require_POST
@login_required
def rectify(request, pk):
    item = _get(request, pk)
    form = ToRectificationForm(request.POST)
    if not form.is_valid():
        flash_errors(request, form)
        return redirect("reviews:suggestions")
    try:
        rectification = suggestions.to_rectification(item, by=request.user, **form.cleaned_data)
    except ValidationError as error:
        flash_errors(request, error)
        return redirect("reviews:suggestions")
    messages.success(request, _("已转为整改事项。"))
    return redirect(rectification)
