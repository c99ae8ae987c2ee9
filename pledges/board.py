"""The public pledge board (公开栏): readable by anyone, on a phone, without an account.

It shows only what the public may know: names and pledges. No phone numbers, birth dates,
categories or drafts; an organisation that does not exist or is inactive answers 404.
"""

from django.db.models import OuterRef, Prefetch, Subquery, prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control

from campaign.models import Campaign
from orgs.models import Member, Organization

from .models import EventKind, Pledge, PledgeEvent, PledgeProgress


def _board(org_pk: int, wanted: str | None):
    org = get_object_or_404(Organization.objects.filter(active=True), pk=org_pk)
    # Only an active campaign has a public board.
    campaign = Campaign.objects.active().current_for(org, wanted)
    if campaign is None:
        return org, None, []
    latest = PledgeProgress.objects.filter(pledge=OuterRef("pk")).order_by("-happened_on", "-id")
    corrections = PledgeEvent.objects.filter(kind=EventKind.CORRECTION).only(
        "pledge_id", "at", "comment"
    )
    pledges = (
        Pledge.objects.filter(campaign=campaign)
        .public()
        .select_related("member", "organization")
        .annotate(
            latest_progress=Subquery(latest.values("text")[:1]),
            latest_on=Subquery(latest.values("happened_on")[:1]),
        )
        .order_by("deadline", "id")
    )
    # Two indexed lookups rather than one OR across both owners, which the planner can only
    # serve by scanning the campaign's pledges.
    members = Member.objects.filter(branch=org, active=True).values("pk")
    rows = [*pledges.filter(organization=org), *pledges.filter(member__in=members)]
    prefetch_related_objects(rows, Prefetch("events", queryset=corrections, to_attr="corrections"))
    return org, campaign, rows


@cache_control(public=True, max_age=60)
def board(request, pk):
    org, campaign, pledges = _board(pk, request.GET.get("campaign"))
    today = timezone.localdate()
    for pledge in pledges:
        pledge.overdue = pledge.is_overdue(today)
    children = Organization.objects.get_children(org).filter(active=True).only("name")
    context = {"org": org, "campaign": campaign, "pledges": pledges, "children": children}
    return render(request, "pledges/board.html", context)


def poster(request, pk):
    # ReportLab and the font load only when someone asks for a poster, not in every process.
    from .poster import board_poster_pdf

    org, campaign, pledges = _board(pk, request.GET.get("campaign"))
    if campaign is None:
        raise Http404
    today = timezone.localdate()
    url = request.build_absolute_uri(reverse("board:board", args=[org.pk]))
    data = board_poster_pdf(
        org_name=org.name,
        campaign_name=campaign.name,
        board_url=url,
        pledges=[
            {
                "owner": pledge.owner_name,
                "title": pledge.title,
                "content": pledge.content,
                "deadline": pledge.deadline,
                "state_label": pledge.get_state_display(),
                "latest_progress": pledge.latest_progress or "",
                "overdue": pledge.is_overdue(today),
            }
            for pledge in pledges
        ],
        generated_on=today,
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="board-{org.pk}.pdf"'
    return response
