"""The public side of 群众评议, without login: the ballot answered with a one-time code on a
phone, and the published results.

The code arrives in the page's URL fragment (QR) and goes to the server only in POST bodies: the
first POST checks it without spending it and shows the ballot; the second saves the answer and
spends it. Pages are drawn without the request's session, user or messages (no cookie is set),
and failed codes are counted per client address (core.ratelimits), not successes, so a meeting
room behind one address answers freely while guessing stays infeasible; every request of the
ballot counts too, against a far higher limit (BALLOT_RATE_LIMIT) that bounds flooding.
"""

import json

from csp.decorators import csp_exempt
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from core import ratelimits
from core.forms import apply_errors
from core.params import id_param
from pledges import access as pledge_access
from pledges import selectors as pledge_selectors

from . import ballots, evaluations, suggestions
from .forms import BallotForm, CodeForm, SuggestionForm
from .models import EvaluationRound, RoundState
from .results_pdf import results_pdf as printable


def public_page(template: str, context: dict, status: int = 200) -> HttpResponse:
    """A page for someone without an account: drawn without the request (no session, user or
    messages read, no cookie set but the form's), never cached, never indexed."""
    response = HttpResponse(render_to_string(template, context), status=status)
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def _limited(request) -> bool:
    return ratelimits.exceeded(
        request, group="ballot-code", rate=settings.BALLOT_CODE_RATE_LIMIT, count=False
    )


def _failed(request) -> None:
    ratelimits.exceeded(request, group="ballot-code", rate=settings.BALLOT_CODE_RATE_LIMIT)


@require_http_methods(["GET", "HEAD", "POST"])
@ratelimits.limit("ballot", "BALLOT_RATE_LIMIT")
@never_cache
def ballot(request):
    """Step 1 (no `step`): the code typed or filled in from the fragment; step 2 (`step=answer`):
    the ballot, saved with the code."""
    today = timezone.localdate()
    context = {"url": reverse("ballot:form")}
    if request.method != "POST":
        context.update(form=CodeForm(), csrf_token=get_token(request))
        return public_page("reviews/ballot_code.html", context)
    # Only a code being tried is held back: a ballot being answered (its code checked a moment
    # ago) is never thrown away because others at the same address mistyped theirs.
    if request.POST.get("step") != "answer" and _limited(request):
        context.update(form=CodeForm(request.POST), csrf_token=get_token(request), limited=True)
        return public_page("reviews/ballot_code.html", context, status=429)
    code_form = CodeForm(request.POST)
    code = None
    if code_form.is_valid():
        try:
            code = ballots.open_code(code_form.cleaned_data["code"], today)
        except ballots.CodeRefused as refusal:
            _failed(request)
            code_form.add_error("code", refusal.messages[0])
    if code is None:
        context.update(form=code_form, csrf_token=get_token(request))
        return public_page("reviews/ballot_code.html", context, status=200)
    round_ = code.round
    answering = request.POST.get("step") == "answer"
    form = BallotForm(
        request.POST if answering else None,
        items=round_.items,
        members=evaluations.appraised_members(round_),
        initial={"code": code_form.cleaned_data["code"]},
    )
    if answering and form.is_valid():
        try:
            evaluations.answer(
                form.cleaned_data["code"],
                choices=form.choices(),
                ratings=form.ratings(),
                comment=form.cleaned_data["comment"],
                today=today,
            )
        except ballots.CodeRefused as refusal:
            form.add_error(None, refusal.messages[0])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return redirect(reverse("ballot:thanks"))
    context.update(form=form, round=round_, csrf_token=get_token(request))
    return public_page("reviews/ballot.html", context)


@require_safe
def thanks(request):
    """Says nothing about anyone else's answer, nor how many came in."""
    return public_page("reviews/ballot_thanks.html", {})


@require_safe
def results(request, pk):
    """The published results (公示): figures only, never a comment, a name or a phone."""
    round_ = get_object_or_404(
        EvaluationRound.objects.select_related("organization"),
        pk=pk,
        state=RoundState.PUBLISHED,
    )
    results = evaluations.shown_results(round_)
    labels, series = evaluations.chart_data(results)
    context = {
        "round": round_,
        "results": results,
        "chart_labels": json.dumps(labels, ensure_ascii=False),
        "chart_series": json.dumps(series, ensure_ascii=False),
    }
    return public_page("reviews/results_public.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def box(request, pk):
    """The online 意见箱 of an organisation's public board (no login): seen by the organisation
    and the levels above, never published. Limited per client address."""
    org, campaign = pledge_access.get_public_board(pk, id_param(request.GET, "campaign"))
    pledges = (
        pledge_selectors.public_pledges(campaign)
        .filter(Q(organization=org) | Q(member__branch=org))
        .select_related("member", "organization")
    )
    form = SuggestionForm(request.POST or None, pledges=pledges)
    context = {
        "org": org,
        "url": request.get_full_path(),
        "board": reverse("board:board", args=[org.pk]),
    }
    if request.method == "POST":
        if ratelimits.exceeded(
            request, group="suggestion-box", rate=settings.SUGGESTION_RATE_LIMIT
        ):
            context.update(form=form, limited=True, csrf_token=get_token(request))
            return public_page("reviews/box.html", context, status=429)
        if form.is_valid():
            try:
                suggestions.leave(
                    org, text=form.cleaned_data["text"], pledge=form.cleaned_data["pledge"]
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                context["done"] = True
                return public_page("reviews/box.html", context)
    context.update(form=form, csrf_token=get_token(request))
    return public_page("reviews/box.html", context)


@csp_exempt()
@require_safe
def results_pdf(request, pk):
    """The published results as a printable A4 (PDF)."""
    round_ = get_object_or_404(
        EvaluationRound.objects.select_related("organization", "run_by"),
        pk=pk,
        state=RoundState.PUBLISHED,
    )
    response = HttpResponse(
        printable(round_, evaluations.shown_results(round_)), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="results-{round_.pk}.pdf"'
    return response
