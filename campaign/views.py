from copy import copy

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
        "timeline": calendar.timeline(campaign, phases, timezone.localdate()),
        "report_due": calendar.report_due(campaign, phases, requirements),
        "lead_days": calendar.lead_days(campaign, requirements),
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
    context = {"campaign": campaign, "formset": formset, "errors": error}
    return render(request, "campaign/phases.html", context)
