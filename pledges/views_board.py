"""The public pledge board (公开栏): readable by anyone, on a phone, without an account.

It shows only what the public may know: names and pledges. No phone numbers, birth dates,
categories or drafts; an organisation that does not exist, is inactive or is covered by no active
campaign answers 404 (access.get_public_board).
"""

from csp.decorators import csp_exempt
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from core import fragments, ratelimits, slots
from core.params import id_param

from . import access, selectors
from .qr import qr_svg


@require_safe
@ratelimits.limit("board", "BOARD_RATE_LIMIT")
@cache_control(public=True, max_age=60)
def board(request, pk):
    """The board's page, rendered once per state of what it shows (core/fragments.py) and per
    search (?q=, a part of a name): the same for every visitor who asks the same."""
    org, campaign = access.get_public_board(pk, id_param(request.GET, "campaign"))
    query = selectors.board_query(request.GET.get("q", ""))
    # The board's short address, for its QR code; the host is one ALLOWED_HOSTS let through.
    link = request.build_absolute_uri(reverse("board:board", args=[org.pk]))

    def page():
        board = selectors.public_board(org, campaign, name=query)
        # No request: nothing of the visitor's may end up in what every visitor is served.
        context = {
            "board": board,
            "query": query,
            "link": link,
            # Higher apps' ways from the board (the online 意见箱, reviews), as plain links.
            "extras": slots.links("pledges.board", pk=org.pk),
            # segno's SVG of our own link: markup made here, no user text in it.
            "qr": mark_safe(  # nosec B308 B703
                qr_svg(link, label=_("%(name)s公开承诺栏的二维码") % {"name": org.name})
            ),
        }
        return render_to_string("pledges/board.html", context)

    version = selectors.board_version(org, campaign)
    html = fragments.cached("board", version, query, link, render=page)
    return HttpResponse(html)


# A PDF, not a page: Chrome shows it in its own viewer, which a Content-Security-Policy
# (object-src 'none', no inline style) leaves blank.
@csp_exempt()
@require_safe
@ratelimits.limit("board-poster", "POSTER_RATE_LIMIT")
def poster(request, pk):
    # ReportLab and the font load only when someone asks for a poster, not in every process.
    from .poster import board_poster_pdf

    org, campaign = access.get_public_board(pk, id_param(request.GET, "campaign"))
    board = selectors.public_board(org, campaign)
    url = request.build_absolute_uri(reverse("board:board", args=[org.pk]))
    data = board_poster_pdf(
        org_name=org.name,
        campaign_name=board.campaign.name,
        board_url=url,
        pledges=[
            {
                "owner": entry.pledge.owner_name,
                "title": entry.pledge.title,
                "content": entry.pledge.content,
                "deadline": entry.pledge.deadline,
                "state_label": entry.pledge.get_state_display(),
                "latest_progress": entry.pledge.latest_progress or "",
                "overdue": entry.overdue,
                "organization": entry.pledge.organization_id is not None,
            }
            for entry in board.entries
        ],
        generated_on=timezone.localdate(),
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="board-{org.pk}.pdf"'
    return response
