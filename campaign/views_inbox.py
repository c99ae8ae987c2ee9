"""The inbox (通知): what was sent to the user and to the roles they hold; the log of the sweeps
that send reminders."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from core import exports as core_exports
from core.services import require

from . import access, exports, notifications
from .models import SweepRun

PAGE_SIZE = 20


@require_safe
@login_required
def inbox(request):
    unread_only = request.GET.get("show") != "all"
    rows = access.notifications_for(request.user)
    if unread_only:
        rows = rows.unread()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    export = reverse("inbox_export")
    context = {
        "page": page,
        "unread_only": unread_only,
        "querystring": "" if unread_only else "show=all",
        "export_url": export if unread_only else f"{export}?show=all",
        "can_see_sweeps": access.can_see_sweeps(request.user),
    }
    return render(request, "campaign/inbox.html", context)


@require_safe
@login_required
def inbox_export(request):
    """The inbox as its page lists it (unread, or ?show=all), as XLSX or CSV: the user's own."""
    params = {"show": request.GET.get("show", ""), "dates": core_exports.date_style(request.GET)}
    table = exports.notifications_table(params, request.user)
    return core_exports.respond(request, "campaign.notifications", table, scope="", params=params)


@require_safe
@login_required
def open_notification(request, pk):
    """Marks it read and goes where it asks the user to act."""
    notification = get_object_or_404(access.notifications_for(request.user), pk=pk)
    notifications.mark_read(request.user, access.notifications_for(request.user).filter(pk=pk))
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("inbox")


@require_POST
@login_required
def mark_all_read(request):
    count = notifications.mark_read(request.user, access.notifications_for(request.user))
    messages.success(request, _("已将 %(n)s 条通知标为已读。") % {"n": count})
    return redirect("inbox")


@require_safe
@login_required
def sweeps(request):
    """The office's log of reminder sweeps: when each ran, as of which day, how many it sent."""
    require(access.can_see_sweeps(request.user))
    page = Paginator(SweepRun.objects.all(), 50).get_page(request.GET.get("page"))
    return render(request, "campaign/sweeps.html", {"page": page})
