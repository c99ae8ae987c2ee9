"""Members draft their own pledges through personal links (pledges/links.py).

The secretary's pages (a managing role over the branch): the links of the branch with their
state, issuing, re-issuing and withdrawing them, and the printable slips of links just issued.

The member's page (no account): `/l/<token>/`. It reads nothing of the visitor's session, user
or messages, so a GET sets no session cookie and changes nothing (chat apps fetch a link to
preview it); only the member's POST writes, with Django's CSRF check (its cookie, not a session).
An unknown, withdrawn or expired token answers one page with 404, and the failures of a client
address are counted: past DRAFT_LINK_RATE_LIMIT it answers 429.
"""

from copy import copy

from csp.decorators import csp_exempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from campaign import access as campaign_access
from core import ratelimits, slots
from core.forms import apply_errors, flash_errors
from core.params import id_param
from orgs import access as org_access

from . import access, links
from .forms import IssueLinksForm, PledgeForm
from .models import DONE_STATES, suggested_areas

MAX_SLIPS = 500  # tokens read from one request for the slips


def _campaign(request, org, data):
    campaign = campaign_access.current_campaign(request.user, org, id_param(data, "campaign"))
    if campaign is None:
        raise Http404
    return campaign


def _links_url(org, campaign) -> str:
    return reverse("pledges:links", args=[org.pk]) + f"?campaign={campaign.pk}"


@require_safe
@login_required
def links_page(request, pk):
    """The branch's members without a pledge and their links, with the form to issue them."""
    org = org_access.get_organization_for_user(request.user, pk, write=True)
    campaign = campaign_access.current_campaign(
        request.user, org, id_param(request.GET, "campaign")
    )
    context = {"org": org, "campaign": campaign, "breadcrumb": org.lineage()}
    if campaign is not None:
        context["sheet"] = links.links_sheet(org, campaign, timezone.localdate())
        context["form"] = IssueLinksForm(initial={"expires_on": campaign.ends_on})
    return render(request, "pledges/links.html", context)


def _issued_page(request, org, campaign, issued: list[links.Issued]):
    """The tokens, shown this once (only their digests are kept): slips and the list to copy."""
    rows = [
        (item, request.build_absolute_uri(reverse("draftlink:form", args=[item.token])))
        for item in issued
    ]
    context = {
        "org": org,
        "campaign": campaign,
        "rows": rows,
        "lines": "\n".join(f"{item.member.name}：{url}" for item, url in rows),
        "breadcrumb": org.lineage(),
    }
    response = render(request, "pledges/links_issued.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def issue(request, pk):
    org = org_access.get_organization_for_user(request.user, pk, write=True)
    campaign = _campaign(request, org, request.POST)
    form = IssueLinksForm(request.POST)
    if not form.is_valid():
        flash_errors(request, form)
        return redirect(_links_url(org, campaign))
    try:
        issued = links.issue_links(org, campaign, by=request.user, **form.cleaned_data)
    except ValidationError as error:
        flash_errors(request, error)
        return redirect(_links_url(org, campaign))
    if not issued:
        messages.info(request, _("没有需要生成链接的党员：每人都已有承诺或有效链接。"))
        return redirect(_links_url(org, campaign))
    return _issued_page(request, org, campaign, issued)


@require_POST
@login_required
def reissue(request, pk):
    link = access.get_link_for_user(request.user, pk)
    org, campaign = link.member.branch, link.campaign
    try:
        issued = links.reissue_link(link, by=request.user)
    except ValidationError as error:
        flash_errors(request, error)
        return redirect(_links_url(org, campaign))
    return _issued_page(request, org, campaign, [issued])


@require_POST
@login_required
def withdraw(request, pk):
    link = access.get_link_for_user(request.user, pk)
    if links.withdraw_link(link, by=request.user):
        messages.success(request, _("已撤回“%(name)s”的链接。") % {"name": link.member.name})
    else:
        messages.info(request, _("“%(name)s”的链接已经撤回。") % {"name": link.member.name})
    return redirect(_links_url(link.member.branch, link.campaign))


@require_POST
@login_required
def withdraw_all(request, pk):
    org = org_access.get_organization_for_user(request.user, pk, write=True)
    campaign = _campaign(request, org, request.POST)
    count = links.withdraw_all(org, campaign, by=request.user)
    messages.success(request, _("已撤回 %(n)s 个链接。") % {"n": count})
    return redirect(_links_url(org, campaign))


# A PDF, not a page (see views_board.poster).
@csp_exempt()
@require_POST
@login_required
@never_cache
def slips(request, pk):
    """The slips of the links just issued, from their tokens (posted back by the issued page):
    only live links of this branch and campaign are printed."""
    from .slips import Slip, slips_pdf  # ReportLab loads only when someone prints

    org = org_access.get_organization_for_user(request.user, pk, write=True)
    campaign = _campaign(request, org, request.POST)
    tokens = request.POST.getlist("token")[:MAX_SLIPS]
    found = links.links_for_tokens(org, campaign, tokens, by=request.user)
    if not found:
        messages.error(request, _("这些链接已失效，请重新生成。"))
        return redirect(_links_url(org, campaign))
    data = slips_pdf(
        org.name,
        campaign.name,
        [
            Slip(
                name=item.member.name,
                url=request.build_absolute_uri(reverse("draftlink:form", args=[item.token])),
                expires_on=item.expires_on,
            )
            for item in found
        ],
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="links-{org.pk}.pdf"'
    return response


# --- The member's page (no account) --------------------------------------------------------------


def _public(template: str, context: dict, status: int = 200) -> HttpResponse:
    # Rendered without the request: no context processor reads the session, user or messages.
    response = HttpResponse(render_to_string(template, context), status=status)
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def _unavailable(request) -> HttpResponse:
    if ratelimits.exceeded(request, group="draft-link", rate=settings.DRAFT_LINK_RATE_LIMIT):
        return _public("pledges/link_unavailable.html", {"limited": True}, status=429)
    return _public("pledges/link_unavailable.html", {"limited": False}, status=404)


def _member_form(request, link, pledge=None) -> PledgeForm:
    form = PledgeForm(
        request.POST if request.method == "POST" else None,
        instance=copy(pledge) if pledge else None,
        initial=None if pledge else {"deadline": link.campaign.ends_on},
        areas=suggested_areas(member=link.member),
        for_member=False,
        allow_oral=False,
    )
    # The member reads the message without the label beside it on a narrow screen: name the field.
    for field in form.fields.values():
        field.error_messages["required"] = _("请填写%(label)s。") % {"label": field.label}
    return form


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def member_link(request, token):
    link = links.open_link(token, timezone.localdate())
    if link is None:
        return _unavailable(request)
    pledge = links.pledge_of(link)
    editable = pledge is None or links.may_edit(pledge)
    editing = editable and (pledge is None or request.method == "POST" or "edit" in request.GET)
    form, refusal = None, ""
    if editing:
        form = _member_form(request, link, pledge)
    if request.method == "POST":
        if not editable:
            refusal = _("承诺已经组织审核，不能再通过链接修改；如需更改请联系支部书记。")
        elif form.is_valid():
            fields = {k: v for k, v in form.cleaned_data.items() if k != "version"}
            try:
                if pledge is None:
                    links.submit_through_link(link, **fields)
                else:
                    version = form.cleaned_data["version"] or pledge.version
                    links.edit_through_link(link, pledge, version=version, **fields)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                return redirect(reverse("draftlink:form", args=[token]) + "?done=1")
    areas = suggested_areas(member=link.member)
    context = {
        "link": link,
        "member": link.member,
        "campaign": link.campaign,
        "pledge": pledge,
        "form": form,
        "editable": editable,
        "refusal": refusal,
        "done": "done" in request.GET and pledge is not None,
        "areas": areas,
        "examples": links.examples_for(areas),
        "returned_reason": links.return_reason(pledge) if form is not None else "",
        "csrf_token": get_token(request) if form is not None else "",
        "url": reverse("draftlink:form", args=[token]),
        # What higher apps offer the member once the pledge is done (their 自评, reviews).
        "done_links": slots.links("pledges.link", token=token)
        if pledge is not None and pledge.state in DONE_STATES
        else [],
    }
    return _public("pledges/link_form.html", context)
