"""Coverage (两个100%) as the office and leaders read it: the children's table of an
organisation's pledge page, sortable and filtered in the URL, and the missing list behind it.

Every figure comes from pledges.selectors (coverage_by_node and the lists built on it); the table
is a cached fragment (core/fragments.py) keyed by the coverage's version and by everything of the
query string it shows (order, direction, filters).
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from campaign import access as campaign_access
from core import fragments
from core.params import id_param
from orgs import access as org_access
from orgs.models import Organization, OrgKind, Sector

from . import selectors

MISSING_PAGE_SIZE = 100

# The sortable columns of the children's table: (key, heading, direction of a first click).
# Rates sort weakest first, counts of the missing largest first: one click finds the laggards.
COLUMNS = (
    ("name", _("组织"), "asc"),
    ("orgs_rate", _("党组织承诺率"), "asc"),
    ("members_rate", _("党员承诺率"), "asc"),
    ("unrecorded", _("未录入"), "desc"),
    ("missing_members", _("未公开"), "desc"),
)
FIRST_DIRECTION = {key: direction for key, _label, direction in COLUMNS}


@dataclass(frozen=True)
class TableQuery:
    """The table's state from the query string, each value checked against its list (anything
    else is ignored): it names the cached fragment, and every link of the table keeps it."""

    campaign: int | None = None
    sort: str = ""
    dir: str = "asc"
    sector: str = ""
    kind: str = ""

    @classmethod
    def read(cls, query) -> "TableQuery":
        sort = query.get("sort", "")
        sort = sort if sort in selectors.COVERAGE_SORTS else ""
        direction = query.get("dir", "")
        direction = direction if direction in ("asc", "desc") else FIRST_DIRECTION.get(sort, "asc")
        sector = query.get("sector", "")
        kind = query.get("kind", "")
        return cls(
            campaign=id_param(query, "campaign"),
            sort=sort,
            dir=direction,
            sector=sector if sector in Sector.values else "",
            kind=kind if kind in OrgKind.values else "",
        )

    def url(self, **changes) -> str:
        """The query string of this state with some values changed, empty ones left out."""
        values = {**self.__dict__, **changes}
        if not values["sort"]:
            values["dir"] = ""
        return "?" + urlencode({k: v for k, v in values.items() if v not in ("", None)})


@dataclass
class Column:
    key: str
    label: str
    url: str
    active: str  # "asc" or "desc" when the table is sorted by it, else ""


def columns(query: TableQuery) -> list[Column]:
    found = []
    for key, label, first in COLUMNS:
        active = query.dir if query.sort == key else ""
        direction = ("desc" if active == "asc" else "asc") if active else first
        found.append(Column(key, str(label), query.url(sort=key, dir=direction), active))
    return found


def branch_coverage_parts(query_dict, org: Organization, campaign, version) -> tuple[str, str]:
    """The coverage cards and the children's table of an organisation's pledge page."""
    query = TableQuery.read(query_dict)

    def render_both():
        coverage, children = selectors.branch_coverage(
            org,
            campaign,
            sector=query.sector,
            kind=query.kind,
            sort=query.sort,
            descending=query.dir == "desc",
        )
        context = {
            "org": org,
            "campaign": campaign,
            "coverage": coverage,
            "children": children,
            "query": query,
            "columns": columns(query),
            "sectors": Sector.choices,
            "kinds": [(k, label) for k, label in OrgKind.choices if k != OrgKind.GROUP],
            "filtered": bool(query.sector or query.kind),
            "clear_url": query.url(sector="", kind=""),
            "has_children": bool(children) or org.numchild > 0,
        }
        return (
            render_to_string("pledges/_branch_coverage.html", context),
            render_to_string("pledges/_children_coverage.html", context),
        )

    return fragments.cached("branch-coverage", org.pk, version, query, render=render_both)


@require_safe
@login_required
def missing(request, pk):
    """The drill-down behind the coverage figures: exactly who has no public pledge yet, with
    their pledge's state, grouped by branch with the branch's subtotals, 100 a page. Those who
    may enter pledges are offered 去录入 (or 去办理), read-only roles 查看."""
    org = org_access.get_organization_for_user(request.user, pk)
    campaign = campaign_access.current_campaign(
        request.user, org, id_param(request.GET, "campaign")
    )
    if campaign is None:
        raise Http404
    state = request.GET.get("state", "")
    state = state if state in selectors.MISSING_STATES else ""
    orgs = selectors.missing_organization_list(org, campaign, state=state)
    members = selectors.missing_member_list(org, campaign, state=state)
    page = Paginator(members, MISSING_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    before = None
    if page.number > 1 and rows:  # the branch of the row just before the page
        before = members.values_list("branch_id", flat=True)[page.start_index() - 2]
    orgs_page = Paginator(orgs, MISSING_PAGE_SIZE).get_page(request.GET.get("orgs_page"))
    writes = org_access.can_manage(request.user, org)
    querystring = urlencode({"campaign": campaign.pk, **({"state": state} if state else {})})
    context = {
        "org": org,
        "campaign": campaign,
        "breadcrumb": org.ancestors(),
        "nav_unit": org,
        "coverage": selectors.coverage(org, campaign),
        "orgs": orgs_page,
        "org_rows": [
            (row, writes or org_access.can_manage(request.user, row.owner))
            for row in selectors.missing_rows(orgs_page.object_list)
        ],
        "members": page,
        "groups": [
            (group, writes or org_access.can_manage(request.user, group.branch))
            for group in selectors.missing_groups(rows, members, continued_from=before)
        ],
        "state": state,
        "states": _state_chips(campaign, state),
        "querystring": querystring,
    }
    return render(request, "pledges/missing.html", context)


def _state_chips(campaign, current: str) -> list[tuple[str, str, bool]]:
    """The list's filters: (query string, label, chosen)."""
    chips = [(f"campaign={campaign.pk}", str(_("全部")), not current)]
    for state in selectors.MISSING_STATES:
        label = selectors.missing_state_label(state)
        chips.append((f"campaign={campaign.pk}&state={state}", label, current == state))
    return chips
