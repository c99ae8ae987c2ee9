from copy import copy

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from campaign import access as campaign_access
from campaign.requirements import (
    current_period,
    requirements_of,
    reviews_due,
    reviews_due_this_period,
)
from core import exports as core_exports
from core import ratelimits
from core.audit.trail import of, trail
from core.forms import apply_errors, flash_errors
from core.params import id_param
from core.services import require
from orgs import access as org_access
from orgs.models import Organization, subtree_q
from pledges import access as pledge_access
from pledges import links, quality

from . import access, exports, selectors, services
from .forms import (
    BehindFilterForm,
    CommentForm,
    LeaderReviewForm,
    RectificationForm,
    RegisterFilterForm,
    ReportForm,
    SendBackForm,
    StartForm,
    VerdictForm,
)
from .models import (
    FinalVerdict,
    LeaderReview,
    Rectification,
    RectificationState,
    Verdict,
    VerdictKind,
)
from .verdicts import RULE
from .views_ballot import public_page

PAGE_SIZE = 50


def _campaign(request, org: Organization):
    return campaign_access.current_campaign(request.user, org, id_param(request.GET, "campaign"))


def _querystring(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _with_reviewers(page, campaign):
    reviewers = selectors.possible_reviewers(page.object_list, requirements_of(campaign))
    return [(org, reviewers[org.pk]) for org in page.object_list]


# --- 领导点评 ------------------------------------------------------------------------------------


@require_safe
@login_required
def mine(request):
    """A leader's page: the organisations below their roles still owed a review this period,
    each with the button to write it, and the reviews they wrote lately."""
    top = access.first_reviewing_org(request.user)
    context = {"top": top}
    if top is not None:
        campaign = _campaign(request, top)
        context["campaign"] = campaign
        if campaign is not None:
            today = timezone.localdate()
            figures = selectors.review_figures(top, campaign, today)
            form = BehindFilterForm(request.GET or None)
            orgs = selectors.behind(
                access.reviewable_organizations(request.user),
                campaign,
                today,
                figures.due_this_period,
                form.wanted(),
            )
            page = Paginator(orgs, PAGE_SIZE).get_page(request.GET.get("page"))
            context.update(
                form=form,
                figures=figures,
                page=page,
                rows=_with_reviewers(page, campaign),
                querystring=_querystring(request),
                requirements=requirements_of(campaign),
            )
        context["recent"] = (
            access.reviews_for(request.user)
            .filter(author=request.user)
            .select_related("organization", "member")
            .order_by("-held_on", "-id")[:10]
        )
    return render(request, "reviews/mine.html", context)


@require_safe
@login_required
def behind_list(request):
    """Every organisation in the user's scope with fewer reviews than are due by today (or, asked
    with ?by=period, by the end of the current period), with the responsible people above it who
    may write them."""
    roots = org_access.roots_for(request.user)
    under = None
    if (org_id := id_param(request.GET, "org")) is not None:
        under = org_access.get_organization_for_user(request.user, org_id)
    top = under or (roots[0] if roots else None)
    campaign = _campaign(request, top) if top is not None else None
    context = {"campaign": campaign, "under": under}
    if campaign is not None:
        today = timezone.localdate()
        form = BehindFilterForm(request.GET or None)
        by_period = form.is_valid() and form.cleaned_data["by"] == "period"
        due = (reviews_due_this_period if by_period else reviews_due)(campaign, today)
        scope = org_access.organizations_for(request.user)
        if under is not None:
            scope = scope.filter(subtree_q(under.path))
        orgs = selectors.behind(scope, campaign, today, due, form.wanted())
        page = Paginator(orgs, PAGE_SIZE).get_page(request.GET.get("page"))
        context.update(
            form=form,
            due=due,
            by_period=by_period,
            period=current_period(campaign, today),
            today=today,
            page=page,
            rows=_with_reviewers(page, campaign),
            querystring=_querystring(request),
            requirements=requirements_of(campaign),
            supervises=access.supervises(request.user),
        )
    return render(request, "reviews/behind.html", context)


@require_POST
@login_required
def supervise(request):
    """督办 from the behind list: a notice about each organisation ticked to the level above it."""
    roots = org_access.roots_for(request.user)
    campaign = _campaign(request, roots[0]) if roots else None
    require(campaign is not None)
    ids = [value for value in request.POST.getlist("org") if value.isdigit()][:PAGE_SIZE]
    orgs = list(org_access.organizations_for(request.user).filter(pk__in=ids))
    if not orgs:
        messages.error(request, _("请先勾选要督办的组织。"))
    else:
        sent = services.supervise(
            orgs, by=request.user, campaign=campaign, note=request.POST.get("note", "")
        )
        messages.success(
            request,
            _("已就 %(n)s 个组织向其上级发出督办通知（新发出 %(sent)s 条）。")
            % {"n": len(orgs), "sent": sent},
        )
    back = request.GET.urlencode()  # the list's filters and page, which the form posts under
    return redirect(f"{reverse('reviews:behind')}?{back}" if back else reverse("reviews:behind"))


def _target(request):
    """The organisation (and member) a new review is about, through the access modules: 404
    outside the user's scope, 403 for a user with no role above it."""
    if (member_id := id_param(request.GET, "member")) is not None:
        member = org_access.get_member_for_user(request.user, member_id)
        org = member.branch
    elif (org_id := id_param(request.GET, "org")) is not None:
        member, org = None, org_access.get_organization_for_user(request.user, org_id)
    else:
        raise Http404
    require(access.can_review(request.user, org))
    return org, member


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def write(request):
    org, member = _target(request)
    campaign = _campaign(request, org)
    if campaign is None:
        raise Http404
    pledges = selectors.pledges_to_review(campaign, org, member)
    form = LeaderReviewForm(request.POST or None, pledges=pledges)
    if request.method == "POST" and form.is_valid():
        try:
            review = services.write_review(
                campaign, by=request.user, organization=org, member=member, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, _("已保存对“%(name)s”的点评。") % {"name": review.target_name}
            )
            return redirect(review)
    context = {
        "form": form,
        "org": org,
        "member": member,
        "campaign": campaign,
        "pledge_choices": _pledge_choices(form, campaign, org),
        "breadcrumb": org.lineage(),
        "back": reverse("reviews:org", args=[org.pk]),
    }
    return render(request, "reviews/form.html", context)


def _branch_hints(campaign, org) -> quality.Hints:
    """The quality hints (pledges.quality) of the branch's pledges, compared with one another
    across the branch, whichever of them a page shows."""
    return quality.hints_for(selectors.pledges_to_review(campaign, org))


def _pledge_choices(form, campaign, org) -> list:
    """Each pledge's checkbox with the hints the reviewer should see."""
    hints = _branch_hints(campaign, org)
    return [(choice, hints.of(choice.data["value"].value)) for choice in form["pledges"]]


@require_safe
@login_required
def detail(request, pk):
    review = access.get_review_for_user(request.user, pk)
    pledges = list(review.pledges.select_related("member", "organization"))
    hints = _branch_hints(review.campaign, review.organization)
    context = {
        "review": review,
        "pledges": [(pledge, hints.of(pledge.pk)) for pledge in pledges],
        "corrections": review.corrections.select_related("by"),
        "rectifications": review.rectifications.all(),
        "may_edit": access.may_edit_review(request.user, review),
        "editable": services.may_still_edit(review),
        "may_register": access.can_register(request.user, review.organization),
        "trail": trail(of(LeaderReview, review.pk)),
        "breadcrumb": review.organization.lineage(),
    }
    return render(request, "reviews/detail.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def edit(request, pk):
    review = access.get_review_for_user(request.user, pk)
    require(access.may_edit_review(request.user, review))
    correcting = not services.may_still_edit(review)
    pledges = selectors.pledges_to_review(
        review.campaign, review.organization, review.member, keep=review
    )
    form = LeaderReviewForm(
        request.POST or None, instance=copy(review), pledges=pledges, correcting=correcting
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_review(review, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已保存。"))
            return redirect(review)
    context = {
        "form": form,
        "review": review,
        "org": review.organization,
        "member": review.member,
        "campaign": review.campaign,
        "correcting": correcting,
        "pledge_choices": _pledge_choices(form, review.campaign, review.organization),
        "breadcrumb": review.organization.lineage(),
        "back": review.get_absolute_url(),
    }
    return render(request, "reviews/form.html", context)


@require_safe
@login_required
def org_reviews(request, pk):
    """An organisation's reviews (of it and of its members) and its rectifications."""
    org = org_access.get_organization_for_user(request.user, pk)
    campaign = _campaign(request, org)
    reviews = access.reviews_for(request.user).filter(organization=org)
    if campaign is not None:
        reviews = reviews.filter(campaign=campaign)
    page = Paginator(
        reviews.select_related("member", "author", "reviewer_org"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    context = {
        "org": org,
        "campaign": campaign,
        "page": page,
        "querystring": _querystring(request),
        "figures": selectors.review_figures(org, campaign, timezone.localdate())
        if campaign
        else None,
        "can_review": access.can_review(request.user, org),
        "can_run_round": access.can_run_round(request.user, org),
        "can_appraise": org.active
        and org.holds_members
        and org_access.can_manage(request.user, org),
        "rounds": access.rounds_for(request.user).filter(organization=org)[:10],
        "rectifications": access.rectifications_for(request.user)
        .filter(organization=org)
        .open()
        .order_by("deadline", "id"),
        "breadcrumb": org.ancestors(),
        "export_url": reverse("reviews:reviews_export", args=[org.pk])
        + (f"?campaign={campaign.pk}" if campaign else ""),
    }
    return render(request, "reviews/org.html", context)


@require_safe
@login_required
def org_summary(request, pk):
    """The "orgs.detail" slot: reviews held vs due so far on the organisation's page."""
    org = org_access.get_organization_for_user(request.user, pk)
    campaign = _campaign(request, org)
    if (
        campaign is None
        or not selectors.reviewed_organizations(campaign).filter(pk=org.pk).exists()
    ):
        return HttpResponse("")
    context = {
        "org": org,
        "campaign": campaign,
        "figures": selectors.review_figures(org, campaign, timezone.localdate()),
        "can_review": access.can_review(request.user, org),
    }
    return render(request, "reviews/_org_summary.html", context)


# --- 整改（挂号销号） ----------------------------------------------------------------------------


@require_safe
@login_required
def reviews_export(request, pk):
    """An organisation's reviews as its page lists them, as XLSX or CSV."""
    org = org_access.get_organization_for_user(request.user, pk)
    campaign = _campaign(request, org)
    params = {
        "org": org.pk,
        "campaign": campaign.pk if campaign else None,
        "dates": core_exports.date_style(request.GET),
    }
    table = exports.reviews_table(params, request.user)
    return core_exports.respond(request, "reviews.reviews", table, scope=org.path, params=params)


@require_safe
@login_required
def register_export(request):
    """The register as the page lists it for the same filters, as XLSX or CSV."""
    under = None
    if (org_id := id_param(request.GET, "org")) is not None:
        under = org_access.get_organization_for_user(request.user, org_id)
    params = {
        "org": under.pk if under else None,
        **{k: request.GET.get(k, "") for k in ("state", "source", "overdue", "q")},
        "dates": core_exports.date_style(request.GET),
    }
    table = exports.register_table(params, request.user)
    scope = under.path if under else ""
    return core_exports.respond(request, "reviews.register", table, scope=scope, params=params)


@require_safe
@login_required
def register_list(request):
    """The rectification register (挂号销号台账) of the user's scope, or of one subtree."""
    under = None
    if (org_id := id_param(request.GET, "org")) is not None:
        under = org_access.get_organization_for_user(request.user, org_id)
    today = timezone.localdate()
    form = RegisterFilterForm(request.GET or None)
    scope = access.rectifications_for(request.user)
    if under is not None:
        scope = scope.filter(subtree_q(under.path, "organization__path"))
    rows = selectors.register(scope, today, form.wanted())
    counts = selectors.rectification_counts(scope, today)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    export = reverse("reviews:register_export")
    query = _querystring(request)
    context = {
        "form": form,
        "page": page,
        "under": under,
        "export_url": f"{export}?{query}" if query else export,
        "counts": counts,
        "states": [(v, label, counts.by_state[v]) for v, label in RectificationState.choices],
        "querystring": _querystring(request),
    }
    return render(request, "reviews/register.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def register_new(request):
    """挂号: from a review (its problem filled in) or for an organisation below the user."""
    review = None
    if (review_id := id_param(request.GET, "review")) is not None:
        review = access.get_review_for_user(request.user, review_id)
        org = review.organization
    elif (org_id := id_param(request.GET, "org")) is not None:
        org = org_access.get_organization_for_user(request.user, org_id)
    else:
        raise Http404
    require(access.can_register(request.user, org))
    initial = {"problem": review.problems} if review else {}
    form = RectificationForm(request.POST or None, initial=initial, from_review=review is not None)
    if request.method == "POST" and form.is_valid():
        try:
            rectification = services.register_rectification(
                org, by=request.user, review=review, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已登记整改事项。"))
            return redirect(rectification)
    context = {
        "form": form,
        "org": org,
        "review": review,
        "breadcrumb": org.lineage(),
        "back": review.get_absolute_url() if review else reverse("reviews:org", args=[org.pk]),
    }
    return render(request, "reviews/rectification_form.html", context)


@require_safe
@login_required
def rectification(request, pk):
    item = access.get_rectification_for_user(request.user, pk)
    may_report, may_close = (
        access.can_report(request.user, item),
        access.can_close(request.user, item),
    )
    context = {
        "item": item,
        "events": item.events.select_related("actor"),
        "overdue": item.is_overdue(timezone.localdate()),
        "may_report": may_report,
        "may_close": may_close,
        "start_form": StartForm(initial={"measures": item.measures}),
        "report_form": ReportForm(),
        "trail": trail(of(Rectification, item.pk)),
        "breadcrumb": item.organization.lineage(),
    }
    return render(request, "reviews/rectification.html", context)


ACTIONS = {
    "start": (StartForm, _("已开始整改。")),
    "report": (ReportForm, _("已报告整改完成，等待上级销号。")),
    "close": (CommentForm, _("已销号。")),
    "return": (SendBackForm, _("已退回，继续整改。")),
    "reopen": (SendBackForm, _("已重新打开，继续整改。")),
}


@require_POST
@login_required
def rectification_action(request, pk, action):
    item = access.get_rectification_for_user(request.user, pk)
    if action not in ACTIONS:
        raise Http404
    form_class, done = ACTIONS[action]
    form = form_class(request.POST, request.FILES)
    if not form.is_valid():
        flash_errors(request, form)
        return redirect(item)
    data = form.cleaned_data
    try:
        if action == "start":
            services.start_rectification(item, by=request.user, measures=data["measures"])
        elif action == "report":
            services.report_rectification(
                item, by=request.user, note=data["note"], evidence=data["evidence"]
            )
        elif action == "close":
            services.close_rectification(item, by=request.user, comment=data["comment"])
        elif action == "reopen":
            services.reopen_rectification(
                item, by=request.user, reason=data["comment"], deadline=data["deadline"]
            )
        else:
            services.return_rectification(
                item, by=request.user, reason=data["comment"], deadline=data["deadline"]
            )
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, done)
    return redirect(item)


@require_safe
@login_required
def evidence(request, pk):
    item = access.get_rectification_for_user(request.user, pk)
    if not item.evidence:
        raise Http404
    try:
        file = item.evidence.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(
        file,
        content_type=item.evidence_type,
        as_attachment=item.evidence_type == "application/pdf",
        filename=item.evidence_name or None,
    )


# --- 评诺 ----------------------------------------------------------------------------------------


@require_safe
@login_required
def pledge_verdicts(request, pk):
    """The "pledges.detail" slot: the verdicts on a completed pledge, the final one and the rule,
    and a form for each verdict the user may still give."""
    pledge = pledge_access.get_pledge_for_user(request.user, pk)
    if pledge.state not in services.VERDICT_STATES:
        return HttpResponse("")
    return render(request, "reviews/_verdicts.html", _verdict_context(request, pledge))


def _verdict_context(request, pledge) -> dict:
    given = {v.kind: v for v in Verdict.objects.filter(pledge=pledge).select_related("by")}
    final = FinalVerdict.objects.filter(pledge=pledge).first()
    open_kinds = [
        kind
        for kind in (VerdictKind.SELF, VerdictKind.ORGANIZATION, VerdictKind.LEADER)
        if kind not in given
        and not (final and kind in services.BEFORE_FINAL)
        and access.may_give_verdict(request.user, pledge, kind)
    ]
    labels = dict(VerdictKind.choices)
    return {
        "pledge": pledge,
        "verdicts": [(labels[kind], given.get(kind)) for kind in VerdictKind.values],
        "final": final,
        "rule": RULE,
        "forms": [(kind, labels[kind], VerdictForm(prefix=kind)) for kind in open_kinds],
        "proxy_self": pledge.member_id is not None,
    }


@require_POST
@login_required
def give_verdict(request, pk, kind):
    pledge = pledge_access.get_pledge_for_user(request.user, pk)
    if kind not in (VerdictKind.SELF, VerdictKind.ORGANIZATION, VerdictKind.LEADER):
        raise Http404
    form = VerdictForm(request.POST, prefix=kind)
    if form.is_valid():
        try:
            services.give_verdict(pledge, kind, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(
                request, _("已录入%(kind)s。") % {"kind": dict(VerdictKind.choices)[kind]}
            )
    else:
        flash_errors(request, form)
    return redirect(pledge.get_absolute_url() + "#verdicts")


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def link_verdict(request, token):
    """The member's own 自评 of their completed pledge, through their draft link: a page of its
    own, without the site's frame, as the link's form is (no session, user or messages read)."""
    link = links.open_link(token, timezone.localdate())
    if link is None:
        limited = ratelimits.exceeded(
            request, group="draft-link", rate=settings.DRAFT_LINK_RATE_LIMIT
        )
        return public_page(
            "pledges/link_unavailable.html", {"limited": limited}, 429 if limited else 404
        )
    pledge = links.pledge_of(link)
    assessable = pledge is not None and pledge.state in services.VERDICT_STATES
    given = Verdict.objects.filter(pledge=pledge, kind=VerdictKind.SELF).first() if pledge else None
    final = FinalVerdict.objects.filter(pledge=pledge).first() if pledge else None
    form = None
    if assessable and given is None and final is None:
        form = VerdictForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                services.give_verdict(
                    pledge, VerdictKind.SELF, by=None, through=link, **form.cleaned_data
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                return redirect(reverse("reviews:link_verdict", args=[token]))
    context = {
        "member": link.member,
        "campaign": link.campaign,
        "pledge": pledge,
        "assessable": assessable,
        "given": given,
        "final": final,
        "form": form,
        "rule": RULE,
        "csrf_token": get_token(request) if form is not None else "",
        "url": reverse("reviews:link_verdict", args=[token]),
        "back": reverse("draftlink:form", args=[token]),
    }
    return public_page("reviews/link_verdict.html", context)
