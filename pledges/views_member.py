"""The member page's way to the member's pledge (the "orgs.member" slot, filled in apps.py)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from campaign import access as campaign_access
from orgs import access as org_access

from .models import Pledge


@require_safe
@login_required
def member_link(request, pk):
    """A link to the member's pledge in the current campaign of their branch; 录入承诺 for those
    who may enter it when there is none yet; nothing outside a campaign."""
    member = org_access.get_member_for_user(request.user, pk)
    campaign = campaign_access.current_campaign(request.user, member.branch)
    pledge = None
    if campaign is not None:
        pledge = Pledge.objects.filter(campaign=campaign, member=member).only("pk").first()
    context = {
        "member": member,
        "campaign": campaign,
        "pledge": pledge,
        "can_enter": member.active and org_access.can_manage(request.user, member.branch),
    }
    return render(request, "pledges/_member_link.html", context)
