"""The dashboard's pages (oversight.dashboard): the figures of a scope and of each child unit,
drilling down one level at a click."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from campaign import access as campaign_access
from campaign import calendar
from campaign.requirements import requirements_of
from core import fragments, generations, replica
from core.forms import apply_errors
from core.params import id_param
from core.services import require
from orgs import access
from orgs.models import Grade
from pledges.selectors import percent_text
from reviews import access as review_access
from reviews import recognition
from reviews.forms_recognition import GradeForm

from . import dashboard as dashboards
from . import ranking as rankings


@require_safe
@login_required
def dashboard(request):
    """The state of the campaign in the user's scope (or in `?org=`, one of its organisations):
    the timeline, the figures of the whole and of each child unit, a click on a unit drilling
    down one level. The figures are rendered once per state of the counters they read."""
    roots = access.roots_for(request.user)
    if not roots:
        return render(request, "oversight/no_role.html")
    org_id = id_param(request.GET, "org")
    org = roots[0] if org_id is None else access.get_organization_for_user(request.user, org_id)
    campaign = campaign_access.current_campaign(
        request.user, org, id_param(request.GET, "campaign")
    )
    parent = None
    if org.depth > 1 and not any(root.pk == org.pk for root in roots):
        parent = org.ancestors()[-1]
    context = {"org": org, "campaign": campaign, "parent": parent, "nav_unit": org}
    if campaign is not None:
        today = timezone.localdate()
        context["timeline_html"] = _timeline(campaign, today)
        context["figures_html"] = _dashboard_figures(org, campaign, today)
    return render(request, "oversight/dashboard.html", context)


def _timeline(campaign, today) -> str:
    """The campaign's timeline, rendered once per process while its phases and the day stay
    (core.generations: phases are a watched table)."""

    def render_timeline():
        phases = calendar.phases_of(campaign)
        timeline = calendar.timeline(campaign, phases, today)
        return render_to_string("oversight/_dashboard_timeline.html", {"timeline": timeline})

    return generations.kept("dashboard-timeline", (campaign.pk, today), render_timeline)


def _dashboard_figures(org, campaign, today) -> str:
    requirements = generations.kept("requirements", campaign.pk, lambda: requirements_of(campaign))
    rules = (
        requirements.review_schedule,
        requirements.count_member_reviews,
        requirements.count_office_reviews,
    )

    def render_figures():
        board = dashboards.dashboard(org, campaign, today)
        context = {
            "board": board,
            "org": org,
            "campaign": campaign,
            "rows": _unit_rows(board),
            "columns": UNIT_COLUMNS,
            **dashboards.charts(board),
        }
        return render_to_string("oversight/_dashboard_figures.html", context)

    state = (org.pk, org.name, campaign.pk, campaign.name, today, rules)
    # The stamps of the key and the figures behind it from the same database (core/replica.py).
    with replica.reads():
        return fragments.cached(
            "dashboard", *state, dashboards.version(campaign), render=render_figures
        )


@dataclass
class Cell:
    """One figure of the children's table, with the list behind it; rendered by `html`, once
    per figure of a district's hundred towns, faster than a template's tags."""

    text: str
    url: str = ""
    note: str = ""  # a second line, e.g. "6/9"
    tone: str = ""  # "danger" for a figure that calls for action
    label: str = ""  # its column's, shown beside it on a phone

    @property
    def html(self) -> SafeString:
        """The cell's content, its looks in app.css (.unit-figures): a hundred rows of seven
        cells each are kept lean."""
        text = escape(self.text)
        if self.url:
            tone = f' class="link-{self.tone}"' if self.tone else ""
            text = f'<a{tone} href="{escape(self.url)}">{text}</a>'
        html = text + (f"<small>{escape(self.note)}</small>" if self.note else "")
        # Every part escaped above.
        return mark_safe(html)  # nosec B308 B703


# The figures of the children's table, in the order of _unit_rows's cells.
UNIT_COLUMNS = (
    gettext_lazy("党组织承诺率"),
    gettext_lazy("党员承诺率"),
    gettext_lazy("逾期承诺"),
    gettext_lazy("点评达标"),
    gettext_lazy("评议开展"),
    gettext_lazy("满意度"),
    gettext_lazy("整改未销号/逾期"),
)


def _url_of(name: str):
    """pk → the URL of the pattern `name` for that id, reversed once (a hundred units, two links
    each to an organisation's page)."""
    before, after = reverse(name, args=[PLACEHOLDER]).split(str(PLACEHOLDER))
    return lambda pk: f"{before}{pk}{after}"


PLACEHOLDER = 987654321


def _unit_rows(board: dashboards.Dashboard) -> list[tuple[Cell, list[Cell]]]:
    """The children's table, each unit's name (drilling down) and its figures' cells with the
    lists behind them: built here once per unit, for a district's hundred towns."""
    campaign = board.campaign.pk
    dashboard_url = reverse("dashboard")
    missing_url, list_url = _url_of("pledges:missing"), _url_of("pledges:list")
    behind, rounds, register = (
        reverse(name) for name in ("reviews:behind", "reviews:rounds", "reviews:register")
    )
    labels = [str(label) for label in UNIT_COLUMNS]
    rows = []
    for unit in board.children:
        pk, c, p, r = unit.org.pk, *vars(unit.figures).values()
        missing = missing_url(pk) + f"?campaign={campaign}"
        pledges = list_url(pk) + f"?campaign={campaign}&overdue=1"
        name = Cell(unit.org.name, f"{dashboard_url}?org={pk}&campaign={campaign}")
        late = "danger" if r.rectifications_overdue else ""
        rows.append(
            (
                name,
                [
                    Cell(
                        percent_text(c.organization_rate),
                        missing,
                        f"{c.pledged_organizations}/{c.organizations}",
                    ),
                    Cell(percent_text(c.member_rate), missing, f"{c.pledged_members}/{c.members}"),
                    Cell(str(p.overdue), pledges, tone="danger" if p.overdue else ""),
                    Cell(
                        f"{r.reviewed}/{r.organizations}",
                        f"{behind}?org={pk}&campaign={campaign}",
                    ),
                    Cell(f"{r.evaluated}/{r.organizations}", f"{rounds}?org={pk}"),
                    Cell(percent_text(r.satisfaction)),
                    Cell(
                        f"{r.rectifications_open}/{r.rectifications_overdue}",
                        f"{register}?org={pk}" + ("&overdue=on" if late else ""),
                        tone=late,
                    ),
                ],
            )
        )
    for _name, cells in rows:
        for cell, label in zip(cells, labels, strict=True):
            cell.label = label
    return rows


def _scope(request):
    """(the organisation asked, or the user's first, and its campaign) for a dashboard page."""
    roots = access.roots_for(request.user)
    if not roots:
        raise Http404
    org_id = id_param(request.GET, "org")
    org = roots[0] if org_id is None else access.get_organization_for_user(request.user, org_id)
    campaign = campaign_access.current_campaign(
        request.user, org, id_param(request.GET, "campaign")
    )
    return org, campaign


@require_safe
@login_required
def ranking(request):
    """督查评促: the child units of the scope ranked by the campaign's composite score, its
    formula and weights shown, the top and bottom marked, each with its suggested grade and the
    grade confirmed this year."""
    org, campaign = _scope(request)
    context = {"org": org, "campaign": campaign, "nav_unit": org}
    if campaign is not None:
        today = timezone.localdate()
        requirements = requirements_of(campaign)
        with replica.reads():
            board = dashboards.dashboard(org, campaign, today)
        ranked = rankings.rank(board, requirements)
        gradings = recognition.gradings_of([r.unit.org for r in ranked], today.year)
        context.update(
            board=board,
            export_url=f"{reverse('export_ranking')}?org={org.pk}&campaign={campaign.pk}",
            year=today.year,
            requirements=requirements,
            measures=[(m.label, getattr(requirements, m.weight_field)) for m in rankings.MEASURES],
            rows=[
                (
                    row,
                    gradings.get(row.unit.org.pk),
                    review_access.can_grade(request.user, row.unit.org),
                )
                for row in ranked
            ],
            bottom=[row for row in ranked if row.band == "bottom"],
        )
    return render(request, "oversight/ranking.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def grade(request, pk):
    """三分类: the level above confirms an organisation's grade for the year, from the grade its
    score suggests, or gives another with a reason; 升级措施 for 二类/三类 become a
    rectification (三升级)."""
    org = access.get_organization_for_user(request.user, pk)
    require(review_access.can_grade(request.user, org))
    campaign = campaign_access.current_campaign(
        request.user, org, id_param(request.GET, "campaign")
    )
    if campaign is None:
        raise Http404
    today = timezone.localdate()
    requirements = requirements_of(campaign)
    figures = dashboards.figures(org, campaign, today)
    values = rankings.rates(figures)
    score = rankings.score(values, rankings.weights(requirements))
    suggested = rankings.suggested_grade(score, requirements)
    form = GradeForm(request.POST or None, initial={"grade": suggested})
    if request.method == "POST" and form.is_valid():
        try:
            recognition.grade_organization(
                org,
                by=request.user,
                year=today.year,
                suggested=suggested,
                score=score,
                **form.cleaned_data,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已确认%(name)s的定级。") % {"name": org.name})
            parent = org.ancestors()[-1]
            return redirect(f"{reverse('ranking')}?org={parent.pk}&campaign={campaign.pk}")
    context = {
        "org": org,
        "campaign": campaign,
        "form": form,
        "year": today.year,
        "score": score,
        "suggested": Grade(suggested).label if suggested else "",
        "measures": [(m.label, values[m.key]) for m in rankings.MEASURES],
        "history": org.gradings.select_related("by", "by_org"),
        "back": f"{reverse('ranking')}?org={org.ancestors()[-1].pk}&campaign={campaign.pk}",
        "nav_unit": org,
    }
    return render(request, "oversight/grade.html", context)


@require_safe
@login_required
def commendation_candidates(request):
    """典型引路: who the evidence suggests for a commendation in the scope — members whose pledge
    was assessed 已兑现 (with their reviews and stars), organisations whose score is 一类 — each
    with the evidence and a button that starts the commendation."""
    org, campaign = _scope(request)
    context = {"org": org, "campaign": campaign, "nav_unit": org}
    if campaign is not None:
        today = timezone.localdate()
        board = dashboards.dashboard(org, campaign, today)
        ranked = rankings.rank(board, requirements_of(campaign))
        context.update(
            members=recognition.suggest_members(org, campaign, today.year),
            organizations=rankings.suggest_organizations(ranked, campaign),
            can_commend=review_access.can_commend(request.user, org),
        )
    return render(request, "oversight/candidates.html", context)


@require_safe
@login_required
def commendation_candidates_button(request):
    """The "reviews.commendations" slot: 按依据推荐典型, for those who record commendations."""
    awarding = review_access.awarding_organization(request.user)
    return render(request, "oversight/_candidates_button.html", {"awarding": awarding})
