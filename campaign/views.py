import datetime
from copy import copy
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from core.audit.trail import of, trail, under
from core.forms import apply_errors
from core.services import require

from . import access, calendar, services
from .forms import CampaignForm, PhaseFormSet, RequirementsForm, StandardPhasesForm
from .models import Campaign, Phase, Requirements
from .requirements import requirements_of


@require_safe
@login_required
def campaign_list(request):
    campaigns = access.campaigns_for(request.user).select_related("organization")
    can_create = access.organizations_to_run(request.user).exists()
    context = {"campaigns": campaigns, "can_create": can_create}
    return render(request, "campaign/list.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def create(request):
    organizations = access.organizations_to_run(request.user)
    require(organizations.exists())
    form = CampaignForm(request.POST or None, organizations=organizations)
    asked = RequirementsForm(request.POST or None, prefix="req")
    standard = StandardPhasesForm(request.POST or None, prefix="cal")
    if request.method == "POST" and form.is_valid() & asked.is_valid() & standard.is_valid():
        try:
            campaign = services.create_campaign(
                by=request.user,
                requirements=asked.cleaned_data,
                phases=standard.cleaned_data["phases"],
                stages=standard.cleaned_data["stages"],
                **form.cleaned_data,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已创建活动“%(name)s”。") % {"name": campaign.name})
            return redirect(campaign)
    context = {"form": form, "requirements_form": asked, "standard_form": standard}
    return render(request, "campaign/form.html", context)


@require_safe
@login_required
def detail(request, pk):
    """A campaign's page; other apps add their way into it through the "campaign.detail" slot."""
    campaign = access.get_campaign_for_user(request.user, pk)
    requirements = requirements_of(campaign)
    phases = calendar.phases_of(campaign)
    context = {
        "campaign": campaign,
        "can_run": access.can_run(request.user, campaign.organization),
        "requirements": requirements,
        "timeline": _timeline(campaign, phases),
        "report_due": calendar.report_due(campaign, phases, requirements),
        "lead_days": calendar.lead_days(campaign, requirements),
        "can_set_deadlines": bool(access.deadline_setters(request.user, campaign)),
        "trail": trail(
            of(Campaign, campaign.pk), under(Requirements, campaign.pk), under(Phase, campaign.pk)
        ),
    }
    return render(request, "campaign/detail.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def edit(request, pk):
    campaign = access.get_campaign_for_user(request.user, pk, write=True)
    organizations = access.organizations_to_run(request.user)
    # The form edits a copy: the service compares the stored campaign with what was typed.
    form = CampaignForm(request.POST or None, instance=copy(campaign), organizations=organizations)
    asked = RequirementsForm(
        request.POST or None, instance=copy(requirements_of(campaign)), prefix="req"
    )
    if request.method == "POST" and form.is_valid() & asked.is_valid():
        try:
            with transaction.atomic():
                services.update_campaign(campaign, by=request.user, **form.cleaned_data)
                services.update_requirements(campaign, by=request.user, **asked.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已保存活动“%(name)s”。") % {"name": campaign.name})
            return redirect(campaign)
    context = {"form": form, "requirements_form": asked, "campaign": campaign}
    return render(request, "campaign/form.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def phases(request, pk):
    """The campaign's phases and stages, edited as one table (a row added, changed or deleted)."""
    campaign = access.get_campaign_for_user(request.user, pk, write=True)
    formset = PhaseFormSet(
        request.POST or None, queryset=Phase.objects.filter(campaign=campaign), prefix="phase"
    )
    error = None
    if request.method == "POST" and formset.is_valid():
        rows = [
            {**f.cleaned_data, "id": f.instance.pk}
            for f in formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        try:
            services.set_phases(campaign, by=request.user, rows=rows)
        except ValidationError as problems:
            error = problems.messages
        else:
            messages.success(request, _("已保存活动阶段。"))
            return redirect(campaign)
    context = {
        "campaign": campaign,
        "formset": formset,
        "errors": error,
        "timeline": _timeline(campaign),
    }
    return render(request, "campaign/phases.html", context)


def _timeline(campaign: Campaign, phases=None):
    """The campaign's phases over its span with today marked, as every campaign page shows."""
    phases = calendar.phases_of(campaign) if phases is None else phases
    return calendar.timeline(campaign, phases, timezone.localdate())


@dataclass
class DeadlineRow:
    phase: Phase | None  # None: the report
    label: str
    applies: object  # the day that applies to the organisation itself (from above)
    set_below: object  # the earlier one it gave those below, or None


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def deadlines(request, pk):
    """下级期限: an office gives the organisations below it earlier deadlines than its own, for
    each phase whose work is checked and for the report; never later than what applies to it."""
    campaign = access.get_campaign_for_user(request.user, pk)
    setters = access.deadline_setters(request.user, campaign)
    require(setters)
    # The works whose deadline is reminded or shown on the home, and (below) the report.
    every = calendar.phases_of(campaign)
    phases = [p for p in every if p.work in calendar.DEADLINE_WORK]
    if request.method == "POST":
        org = next((o for o in setters if str(o.pk) == request.POST.get("organization")), None)
        phase_id = request.POST.get("phase", "")
        phase = next((p for p in phases if str(p.pk) == phase_id), None)
        require(org is not None and (phase is not None or phase_id == "report"))
        try:
            due_on = _date(request.POST.get("due_on", ""))
            services.set_deadline(
                campaign, by=request.user, organization=org, phase=phase, due_on=due_on
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("已保存下级期限。") if due_on else _("已取消下级期限。"))
        return redirect("campaign:deadlines", campaign.pk)
    below = calendar.deadlines_by_phase(campaign)
    works = [(p, p.pk, p.name, p.ends_on) for p in phases]
    works.append((None, None, _("总结报告"), calendar.report_due(campaign, every)))
    cards = []
    for org in setters:
        rows = [
            DeadlineRow(
                phase,
                name,
                calendar.applying(org.path, own, below.get(key, {})),
                below.get(key, {}).get(org.path),
            )
            for phase, key, name, own in works
        ]
        cards.append((org, rows))
    context = {"campaign": campaign, "cards": cards, "timeline": _timeline(campaign, every)}
    return render(request, "campaign/deadlines.html", context)


def _date(text: str):
    """A day typed as YYYY-MM-DD, None when empty; else a ValidationError in plain words."""
    if not text.strip():
        return None
    try:
        return datetime.date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(_("请按“年-月-日”填写日期，如 2026-04-30。")) from None


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def copy_campaign(request, pk):
    """The next campaign from this one: dates, phases and report day a year later, requirements
    copied; the office then adjusts what changed."""
    campaign = access.get_campaign_for_user(request.user, pk, write=True)
    suggested = f"{campaign.starts_on.year + 1}年度创先争优活动"
    name = request.POST.get("name", suggested)
    error = None
    if request.method == "POST":
        try:
            new = services.copy_campaign(campaign, by=request.user, name=name)
        except ValidationError as problem:
            error = " ".join(problem.messages)
        else:
            messages.success(request, _("已按“%(old)s”新建活动。") % {"old": campaign.name})
            return redirect(new)
    context = {"campaign": campaign, "name": name, "error": error}
    return render(request, "campaign/copy.html", context)
