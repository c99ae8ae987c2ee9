"""群众评议 pages of the level that runs a round, and of the organisation evaluated: the rounds in
scope, a new round, a round's page (open, issue codes as slips, key in paper tallies, close,
公示) and its results."""

import datetime
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from campaign import access as campaign_access
from core import exports as core_exports
from core.audit.trail import of, trail, under
from core.forms import apply_errors, flash_errors
from core.params import id_param
from core.services import require
from orgs import access as org_access
from orgs.models import subtree_q

from . import access, evaluations, exports
from .ballot_slips import BallotSlip, slips_pdf
from .forms import (
    IssueForm,
    MembersRoundForm,
    QuestionnaireForm,
    RoundForm,
    TallyForm,
    WithdrawForm,
)
from .models import Answer, EvaluationRound, ParticipantGroup, Questionnaire, Tally

PAGE_SIZE = 50


@require_safe
@login_required
def rounds(request):
    """The rounds in the user's scope, or (?org=, from the dashboard) in one subtree."""
    found = access.rounds_for(request.user).select_related("organization", "run_by")
    under, querystring = None, ""
    if (org_id := id_param(request.GET, "org")) is not None:
        under = org_access.get_organization_for_user(request.user, org_id)
        found = found.filter(subtree_q(under.path, "organization__path"))
        querystring = f"org={under.pk}"
    page = Paginator(found.order_by("-starts_on", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    export = reverse("reviews:rounds_export")
    context = {
        "page": page,
        "querystring": querystring,
        "under": under,
        "export_url": f"{export}?{querystring}" if querystring else export,
    }
    return render(request, "reviews/rounds.html", context)


@require_safe
@login_required
def rounds_export(request):
    """The rounds as their page lists them, with their aggregate results only."""
    under = None
    if (org_id := id_param(request.GET, "org")) is not None:
        under = org_access.get_organization_for_user(request.user, org_id)
    params = {"org": under.pk if under else None, "dates": core_exports.date_style(request.GET)}
    table = exports.rounds_table(params, request.user)
    scope = under.path if under else ""
    return core_exports.respond(request, "reviews.rounds", table, scope=scope, params=params)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def new_round(request):
    org_id = id_param(request.GET, "org")
    if org_id is None:
        raise Http404
    org = org_access.get_organization_for_user(request.user, org_id)
    require(access.can_run_round(request.user, org))
    campaign = campaign_access.current_campaign(
        request.user, org, id_param(request.GET, "campaign")
    )
    if campaign is None:
        raise Http404
    templates = Questionnaire.objects.filter(
        organization__path__in=[*org.ancestor_paths(), org.path]
    )
    today = timezone.localdate()
    form = RoundForm(
        request.POST or None,
        questionnaires=templates,
        initial={
            "title": _("%(year)s年度%(name)s群众评议") % {"year": today.year, "name": org.name},
            "starts_on": today,
            "ends_on": min(campaign.ends_on, today + datetime.timedelta(days=14)),
            "methods": ["questionnaire"],
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            round_ = evaluations.create_round(org, campaign, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已创建评议，发放评议码后即可开始。"))
            return redirect(round_)
    context = {"form": form, "org": org, "campaign": campaign, "breadcrumb": org.lineage()}
    return render(request, "reviews/round_form.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def new_members_round(request):
    """A branch's own 党员民主评议 of its members (run by the branch itself)."""
    org_id = id_param(request.GET, "org")
    if org_id is None:
        raise Http404
    org = org_access.get_organization_for_user(request.user, org_id)
    require(org.active and org_access.can_manage(request.user, org))
    campaign = campaign_access.current_campaign(
        request.user, org, id_param(request.GET, "campaign")
    )
    if campaign is None:
        raise Http404
    today = timezone.localdate()
    form = MembersRoundForm(
        request.POST or None,
        initial={
            "title": _("%(year)s年度%(name)s党员民主评议") % {"year": today.year, "name": org.name},
            "starts_on": today,
            "ends_on": min(campaign.ends_on, today + datetime.timedelta(days=14)),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            round_ = evaluations.create_members_round(
                org, campaign, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已创建党员民主评议，发放评议码后即可开始。"))
            return redirect(round_)
    context = {
        "form": form,
        "org": org,
        "campaign": campaign,
        "members_only": True,
        "breadcrumb": org.lineage(),
    }
    return render(request, "reviews/round_form.html", context)


@require_safe
@login_required
def round_page(request, pk):
    round_ = access.get_round_for_user(request.user, pk)
    runs = access.can_run(request.user, round_)
    results = round_.results or None
    previous = evaluations.previous_round(round_) if results else None
    labels, series = evaluations.chart_data(results or {})
    context = {
        "chart_labels": json.dumps(labels, ensure_ascii=False),
        "chart_series": json.dumps(series, ensure_ascii=False),
        "round": round_,
        "runs": runs,
        "may_hold": access.can_hold(request.user, round_),
        "results": results,
        "previous": previous,
        "codes": _code_counts(round_) if runs else [],
        "issue_form": IssueForm(),
        "withdraw_form": WithdrawForm(),
        "tally_form": TallyForm(items=round_.items),
        "tallies": Tally.objects.filter(round=round_).order_by("source", "group", "item"),
        "public_url": request.build_absolute_uri(reverse("ballot:results", args=[round_.pk])),
        # The tallies' history (counts per group) only to those who run the round: the
        # organisation evaluated never sees its ballots, not even as keyed-in counts.
        "trail": trail(of(EvaluationRound, round_.pk), under(Tally, round_.pk)) if runs else [],
        "comments": _comments(round_) if results else [],
        "breadcrumb": round_.organization.lineage(),
    }
    return render(request, "reviews/round.html", context)


def _comments(round_) -> list[str]:
    """The ballots' 意见建议, for the organisation and the levels above (never public), in the
    answers' random order and never with anything else of the ballot."""
    if round_.results.get("too_few"):
        return []
    return [
        comment
        for comment in Answer.objects.filter(round=round_).values_list("comment", flat=True)
        if comment
    ]


def _code_counts(round_) -> list[tuple[str, int, int, int]]:
    """(group label, issued, used, withdrawn) for each group with codes: counts, never which;
    from the results once closing has deleted the codes."""
    labels = dict(ParticipantGroup.choices)
    totals = round_.results.get("codes")
    if totals is None:
        totals = evaluations.code_totals(round_)
    return [
        (labels[group], row["issued"], row["used"], row["withdrawn"])
        for group, row in sorted(totals.items())
    ]


def _hold(round_, *, by):
    return evaluations.hold_round(round_, by=by, held=True)


def _release(round_, *, by):
    return evaluations.hold_round(round_, by=by, held=False)


ACTIONS = {
    "hold": (_hold, _("已暂缓公示，审核后请解除。")),
    "release": (_release, _("已解除暂缓，可以公示。")),
    "open": (evaluations.open_round, _("评议已开始。")),
    "close": (evaluations.close_round, _("评议已结束，结果已生成。")),
    "publish": (evaluations.publish_round, _("评议结果已公示。")),
}


@require_POST
@login_required
def round_action(request, pk, action):
    round_ = access.get_round_for_user(request.user, pk)
    if action not in ACTIONS:
        raise Http404
    step, done = ACTIONS[action]
    try:
        round_ = step(round_, by=request.user)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, done)
        if action == "close" and round_.rectification_id:
            messages.warning(request, _("满意度低于整改线，已登记整改事项。"))
    return redirect(round_)


@require_POST
@login_required
@never_cache
def issue(request, pk):
    """Issues codes and answers with their slips (PDF): the codes are never shown again."""
    round_ = access.get_round_for_user(request.user, pk)
    form = IssueForm(request.POST)
    if not form.is_valid():
        flash_errors(request, form)
        return redirect(round_)
    group = form.cleaned_data["group"]
    try:
        codes = evaluations.issue_codes(
            round_, by=request.user, group=group, count=form.cleaned_data["count"]
        )
    except ValidationError as error:
        flash_errors(request, error)
        return redirect(round_)
    label = str(dict(ParticipantGroup.choices)[group])
    url = request.build_absolute_uri(reverse("ballot:form"))
    data = slips_pdf(
        round_.organization.name, round_.title, url, [BallotSlip(code, label) for code in codes]
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="ballot-codes-{round_.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@login_required
def withdraw(request, pk):
    round_ = access.get_round_for_user(request.user, pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        flash_errors(request, form)
        return redirect(round_)
    try:
        n = evaluations.withdraw_codes(round_, by=request.user, group=form.cleaned_data["group"])
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("已作废 %(n)s 个未使用的评议码。") % {"n": n})
    return redirect(round_)


@require_POST
@login_required
def tally(request, pk):
    round_ = access.get_round_for_user(request.user, pk)
    form = TallyForm(request.POST, items=round_.items)
    if not form.is_valid():
        flash_errors(request, form)
        return redirect(round_)
    try:
        evaluations.set_tally(round_, by=request.user, **form.cleaned_data)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("已录入纸质评议结果。"))
    return redirect(reverse("reviews:round", args=[round_.pk]) + "#tallies")


# --- Questionnaire templates (the office's) ------------------------------------------------------


@require_safe
@login_required
def questionnaires(request):
    items = access.questionnaires_for(request.user).select_related("organization")
    context = {
        "questionnaires": items,
        "can_add": access.template_organizations(request.user).exists(),
    }
    return render(request, "reviews/questionnaires.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def questionnaire(request, pk=None):
    """A new template, or one to change (rounds already opened keep their copy)."""
    current = access.get_questionnaire_for_user(request.user, pk) if pk is not None else None
    organizations = access.template_organizations(request.user)
    require(organizations.exists())
    initial = (
        {
            "name": current.name,
            "organization": current.organization,
            "items": "\n".join(current.items),
        }
        if current
        else {"organization": organizations.order_by("path").first()}
    )
    form = QuestionnaireForm(request.POST or None, initial=initial, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        try:
            evaluations.save_questionnaire(current, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已保存评议表模板。"))
            return redirect("reviews:questionnaires")
    return render(request, "reviews/questionnaire_form.html", {"form": form, "current": current})
