"""The campaign's calendar: its phases and stages, what is current on a day, the deadlines that
apply to an organisation, and the days on which reminders go out.

Days are Asia/Shanghai days (TIME_ZONE): callers pass `timezone.localdate()` or the day a
sweep runs as of. A phase's end is the deadline of its work; an office may bring it forward for
the organisations below it (Deadline), and what applies to an organisation is the deadline set
on its nearest ancestor, else the phase's end (`deadline_for`). The report is due on the
requirements' `report_due_on`, else at the end of the 总结验收 phase, else at the campaign's end.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from core import generations
from orgs.models import Organization

from .models import DEFAULT_LEAD_DAYS, Campaign, Deadline, Phase, PhaseKind, Work
from .requirements import requirements_of

# Seed 004's calendar (2012: 动员部署 early March, 调查研究 late March, 组织实施 April–November,
# 总结验收 December) as the share of the campaign's days at which each ends: (name, work, end).
STANDARD_PHASES = (
    (_("动员部署"), Work.NONE, 0.03),
    (_("调查研究"), Work.NONE, 0.10),
    (_("组织实施"), Work.NONE, 0.90),
    (_("总结验收"), Work.REPORT, 1.0),
)
# Seed 000's stages, which overlap the phases: (work, from, to). Their names are the work's.
STANDARD_STAGES = (
    (Work.PLEDGES, 0.0, 0.25),
    (Work.REVIEWS, 0.10, 0.90),
    (Work.EVALUATIONS, 0.60, 0.90),
    (Work.EXEMPLARS, 0.90, 1.0),
)


def _day(campaign: Campaign, share: float) -> datetime.date:
    days = (campaign.ends_on - campaign.starts_on).days
    return campaign.starts_on + datetime.timedelta(days=round(days * share))


def standard_phases(campaign: Campaign, works=()) -> list[Phase]:
    """The four phases over the campaign's dates, and the stages of `works`, unsaved: each
    phase ends the day before the next begins."""
    phases = []
    starts_on = campaign.starts_on
    for name, work, end in STANDARD_PHASES:
        # In a campaign of a few days the first phases may share its first day.
        ends_on = min(max(_day(campaign, end), starts_on), campaign.ends_on)
        phases.append(
            Phase(
                campaign=campaign,
                name=str(name),
                kind=PhaseKind.PHASE,
                work=work,
                starts_on=starts_on,
                ends_on=ends_on,
            )
        )
        starts_on = min(ends_on + datetime.timedelta(days=1), campaign.ends_on)
    for work, start, end in STANDARD_STAGES:
        if work in works:
            phases.append(
                Phase(
                    campaign=campaign,
                    name=str(Work(work).label),
                    kind=PhaseKind.STAGE,
                    work=work,
                    starts_on=_day(campaign, start),
                    ends_on=_day(campaign, end),
                )
            )
    return phases


def phases_of(campaign: Campaign) -> list[Phase]:
    """The campaign's phases and stages in calendar order."""
    return list(Phase.objects.filter(campaign=campaign))


@dataclass
class Now:
    phase: Phase | None  # the phase today falls in, if any
    stages: list[Phase]  # the stages running today


def current(phases: list[Phase], on: datetime.date) -> Now:
    running = [p for p in phases if p.starts_on <= on <= p.ends_on]
    phase = next((p for p in running if p.kind == PhaseKind.PHASE), None)
    return Now(phase, [p for p in running if p.kind == PhaseKind.STAGE])


def now_for(org: Organization, on: datetime.date) -> tuple[Campaign | None, Now | None]:
    """The campaign a page about `org` shows and what of it is current on `on`: for the
    navigation, read from the web process's copies while no campaign or phase changed."""
    campaign = Campaign.objects.current_for(org)
    if campaign is None:
        return None, None
    phases = generations.kept("phases", campaign.pk, lambda: phases_of(campaign))
    return campaign, current(phases, on)


def lead_days(campaign: Campaign, requirements=None) -> tuple[int, ...]:
    """The days before a deadline on which its reminders go out, largest first."""
    days = (requirements or requirements_of(campaign)).lead_days or DEFAULT_LEAD_DAYS
    return tuple(sorted({int(d) for d in days}, reverse=True))


def report_due(campaign: Campaign, phases: list[Phase] | None = None, requirements=None):
    asked = (requirements or requirements_of(campaign)).report_due_on
    if asked:
        return asked
    phases = phases_of(campaign) if phases is None else phases
    closing = [p for p in phases if p.work == Work.REPORT]
    return closing[-1].ends_on if closing else campaign.ends_on


def deadlines_below(campaign: Campaign, phase: Phase | None) -> dict[str, datetime.date]:
    """{path of the organisation that set it: day} of the earlier deadlines set for `phase`
    (None: the report): one query, for a sweep to apply to thousands of organisations."""
    rows = Deadline.objects.filter(campaign=campaign, phase=phase)
    return dict(rows.values_list("organization__path", "due_on"))


def deadlines_by_phase(campaign: Campaign) -> dict[int | None, dict[str, datetime.date]]:
    """deadlines_below for every phase at once ({phase id or None: {path: day}}): one query,
    for a page that shows them all."""
    found = defaultdict(dict)
    rows = Deadline.objects.filter(campaign=campaign)
    for phase_id, path, due in rows.values_list("phase_id", "organization__path", "due_on"):
        found[phase_id][path] = due
    return found


def applying(path: str, own: datetime.date, below: dict[str, datetime.date]) -> datetime.date:
    """The deadline for the organisation at `path`: the one its nearest ancestor set, else
    `own` (the phase's end or the report's day)."""
    for depth in range(len(path) - Organization.steplen, 0, -Organization.steplen):
        found = below.get(path[:depth])
        if found is not None:
            return found
    return own


def deadline_for(org: Organization, campaign: Campaign, phase: Phase | None) -> datetime.date:
    """The deadline that applies to `org` for a phase's work (None: the report)."""
    own = phase.ends_on if phase is not None else report_due(campaign)
    return applying(org.path, own, deadlines_below(campaign, phase))


@dataclass
class Bar:
    phase: Phase
    x: str  # where it starts, as a percentage of the campaign's span ("12.50%")
    width: str
    state: str  # "past", "current" or "future"


@dataclass
class Timeline:
    phases: list[Bar]  # the consecutive phases, one row
    stages: list[Bar]  # the stages, a row each
    today: str | None  # where today is ("40.25%"); None outside the campaign
    now: Now


def timeline(campaign: Campaign, phases: list[Phase], on: datetime.date) -> Timeline:
    """The campaign's phases and stages laid out over its span, with today marked."""
    span = (campaign.ends_on - campaign.starts_on).days + 1

    def bar(phase: Phase) -> Bar:
        left = (phase.starts_on - campaign.starts_on).days / span * 100
        width = ((phase.ends_on - phase.starts_on).days + 1) / span * 100
        state = "past" if phase.ends_on < on else "future" if phase.starts_on > on else "current"
        return Bar(phase, f"{left:.2f}%", f"{width:.2f}%", state)

    today = None
    if campaign.starts_on <= on <= campaign.ends_on:
        today = f"{((on - campaign.starts_on).days + 0.5) / span * 100:.2f}%"
    return Timeline(
        [bar(p) for p in phases if p.kind == PhaseKind.PHASE],
        [bar(p) for p in phases if p.kind == PhaseKind.STAGE],
        today,
        current(phases, on),
    )


# The works with a deadline of their own (a stage's end, which an office may bring forward);
# 典型引路 has none, and 总结验收's end is the report's day.
DEADLINE_WORK = (Work.PLEDGES, Work.REVIEWS, Work.EVALUATIONS)


@dataclass
class Upcoming:
    phase: Phase | None  # None: the report
    name: str
    due: datetime.date
    days: int  # from the day asked about


def upcoming(
    org: Organization, campaign: Campaign, on: datetime.date, limit: int = 3
) -> list[Upcoming]:
    """The next deadlines that apply to `org` from `on` (the works' and the report's), soonest
    first: for its home page, read from the process's copies while no campaign, phase,
    requirement or deadline changed."""
    phases = generations.kept("phases", campaign.pk, lambda: phases_of(campaign))
    asked = generations.kept("requirements", campaign.pk, lambda: requirements_of(campaign))
    below = generations.kept("deadlines", campaign.pk, lambda: deadlines_by_phase(campaign))
    found = [
        Upcoming(p, p.name, applying(org.path, p.ends_on, below.get(p.pk, {})), 0)
        for p in phases
        if p.work in DEADLINE_WORK
    ]
    report = report_due(campaign, phases, asked)
    found.append(
        Upcoming(None, str(_("总结报告")), applying(org.path, report, below.get(None, {})), 0)
    )
    ahead = sorted((u for u in found if u.due >= on), key=lambda u: u.due)[:limit]
    for item in ahead:
        item.days = (item.due - on).days
    return ahead
