"""The pages of stars (党员争星) and commendations (典型引路); grades are confirmed from the
ranking (oversight)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.forms import apply_errors, flash_errors
from core.params import id_param
from core.services import require
from orgs import access as org_access
from orgs.models import Organization, subtree_q

from . import access, recognition
from .forms_recognition import STAR_CHOICES, CommendationForm, ReturnStarsForm
from .models import Commendation, StarState

PAGE_SIZE = 50


# --- 党员争星 -------------------------------------------------------------------------------


def _year(request) -> int:
    year = id_param(request.GET, "year")
    this_year = timezone.localdate().year
    return year if year is not None and this_year - 10 <= year <= this_year + 1 else this_year


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def stars(request, pk):
    """A branch's stars of a year: the grid its managers propose in (one select per member, the
    earlier years beside it), and, for the level above, confirmation or return."""
    branch = org_access.get_organization_for_user(request.user, pk)
    if not branch.holds_members:
        raise Http404
    year = _year(request)
    may_propose = access.can_propose_stars(request.user, branch)
    may_confirm = access.can_confirm_stars(request.user, branch)
    sheet = recognition.star_sheet(branch, year)
    if request.method == "POST":
        require(may_propose)
        wanted = {}
        for member, _years in sheet:
            value = request.POST.get(f"stars_{member.pk}", "")
            wanted[member.pk] = int(value) if value.isdigit() else None
        try:
            count = recognition.propose_stars(branch, by=request.user, year=year, stars=wanted)
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(request, _("已评定 %(n)s 名党员的星级，待上级确认。") % {"n": count})
            return redirect(f"{reverse('reviews:stars', args=[branch.pk])}?year={year}")
    years = sorted({y for _member, by_year in sheet for y in by_year if y < year}, reverse=True)
    rows = [
        (
            member,
            by_year.get(year),
            request.POST.get(f"stars_{member.pk}", "")
            if request.method == "POST"
            else str(by_year[year].stars)
            if year in by_year
            else "",
            [by_year.get(y) for y in years[:3]],
        )
        for member, by_year in sheet
    ]
    context = {
        "org": branch,
        "year": year,
        "rows": rows,
        "history_years": years[:3],
        "choices": STAR_CHOICES,
        "may_propose": may_propose,
        "may_confirm": may_confirm,
        "waiting": sum(1 for _m, row, _v, _h in rows if row and row.state == StarState.PROPOSED),
        "return_form": ReturnStarsForm(),
        "breadcrumb": branch.ancestors(),
        "nav_unit": branch,
    }
    return render(request, "reviews/stars.html", context)


@require_POST
@login_required
def confirm_stars(request, pk):
    branch = org_access.get_organization_for_user(request.user, pk)
    year = _year(request)
    count = recognition.confirm_stars(branch, by=request.user, year=year)
    messages.success(request, _("已确认 %(n)s 名党员的星级。") % {"n": count})
    return redirect(f"{reverse('reviews:stars', args=[branch.pk])}?year={year}")


@require_POST
@login_required
def return_stars(request, pk):
    branch = org_access.get_organization_for_user(request.user, pk)
    year = _year(request)
    form = ReturnStarsForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors["reason"])
        count = recognition.return_stars(
            branch, by=request.user, year=year, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("已退回 %(n)s 名党员的星级评定。") % {"n": count})
    return redirect(f"{reverse('reviews:stars', args=[branch.pk])}?year={year}")


@require_safe
@login_required
def stars_waiting(request):
    """The branches below the user whose stars wait for their confirmation."""
    year = timezone.localdate().year
    context = {"year": year, "branches": recognition.waiting_below(request.user, year)}
    return render(request, "reviews/stars_waiting.html", context)


# --- 典型引路 -------------------------------------------------------------------------------


@require_safe
@login_required
def commendations(request):
    rows = access.commendations_for(request.user).select_related(
        "organization", "member__branch", "awarded_by"
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    awarding = access.awarding_organization(request.user)
    context = {"page": page, "awarding": awarding, "querystring": ""}
    return render(request, "reviews/commendations.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def new_commendation(request):
    """Records a commendation of the member (?member=) or organisation (?org=) the candidates'
    page chose: nobody is commended without being picked from the evidence or the roster."""
    awarding = access.awarding_organization(request.user)
    if awarding is None:
        raise Http404
    member = organization = None
    if (member_id := id_param(request.GET, "member")) is not None:
        member = org_access.get_member_for_user(request.user, member_id)
    elif (org_id := id_param(request.GET, "org")) is not None:
        organization = org_access.get_organization_for_user(request.user, org_id)
    else:
        raise Http404
    campaign_id = id_param(request.GET, "campaign")
    form = CommendationForm(
        request.POST or None,
        subject_is_member=member is not None,
        initial={"awarded_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            item = recognition.record_commendation(
                awarding,
                by=request.user,
                member=member,
                organization=organization,
                campaign_id=campaign_id if campaign_id else None,
                **form.cleaned_data,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, _("已录入表彰“%(t)s”，公开后显示在表彰栏。") % {"t": item.title}
            )
            return redirect("reviews:commendations")
    context = {"form": form, "member": member, "subject": organization, "awarding": awarding}
    return render(request, "reviews/commendation_form.html", context)


@require_POST
@login_required
def publish_commendation(request, pk):
    item = access.get_commendation_for_user(request.user, pk)
    published = request.POST.get("published") == "1"
    recognition.publish_commendation(item, by=request.user, published=published)
    messages.success(request, _("已公开。") if published else _("已撤回公开。"))
    return redirect("reviews:commendations")


@require_safe
def honours(request, pk):
    """The public page of an organisation's commendations (表彰栏): those it or an organisation
    below it awarded and published. No account, no cookie."""
    org = get_object_or_404(Organization, pk=pk, active=True)
    rows = (
        Commendation.objects.filter(published=True)
        .filter(subtree_q(org.path, "awarded_by__path") | Q(awarded_by=org))
        .select_related("organization", "member__branch", "awarded_by")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reviews/honours.html", {"org": org, "page": page, "querystring": ""})
