"""The campaign calendar's reminder sweeps: who still owes what, and a notification to each.

Each sweep reads, as of a day, what the campaigns ask and what is still missing, in a number of
queries that does not grow with the number of organisations (one per campaign and phase at
most), builds the notifications and hands them to campaign.notifications.deliver, which writes
only those not sent yet (the database's constraint decides) and goes on past an organisation
whose row fails. Every run is logged as a SweepRun for the office's page. `run(kind, day)` is
what the Celery tasks (oversight/tasks.py, scheduled in settings.CELERY_BEAT_SCHEDULE) and
`manage.py remind` call.

- deadlines: daily; for each phase or stage whose work can be checked (公开承诺: members without
  a public pledge; 群众评议: no round this year) and for the report (owed by all, as nothing
  records one handed in yet), on each of the campaign's lead days before the deadline that
  applies to the organisation (campaign.calendar: the earlier one an office set above it, else
  the phase's end or the report's day), its secretary — and only where work is outstanding;
- quarterly: on the first day of each quarter and of each month of the last quarter, each
  secretary or leader above the basic organisations short of reviews (how many, which), and each
  level that runs 群众评议 about the organisations below it without a round this year;
- overdue: daily; the pledges past their deadline and not done, to the secretary of their owner
  (the organisation, or the member's branch) once per organisation and day they fell due, and
  each rectification past its deadline and not reported, to its organisation's secretary, once;
  after the campaign's `escalate_after_days`, once more to the secretary of the organisation
  above.
"""

import datetime
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign import calendar
from campaign.models import (
    Campaign,
    NoticeKind,
    Notification,
    Phase,
    Requirements,
    SweepKind,
    SweepRun,
    Work,
)
from campaign.notifications import deliver
from campaign.requirements import current_period, requirements_of, reviews_due
from orgs.models import Organization, Role, RoleKind
from orgs.selectors import parents_by_path
from pledges.models import Pledge, PledgeTally
from pledges.selectors import expected_to_pledge
from reviews.models import EvaluationRound, Rectification, RoundState, overdue_q
from reviews.selectors import with_held

logger = logging.getLogger(__name__)

# Roles told about the organisations below them that lag: those who review and run rounds, and
# the campaign office that chases them.
ABOVE_ROLES = (RoleKind.SECRETARY, RoleKind.LEADER, RoleKind.OFFICE)
NAMES_SHOWN = 10


@dataclass
class Plan:
    """What a sweep would send as of a day: the notifications, and organisations it could not
    work out (logged, the others still sent)."""

    notifications: list[Notification] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def _campaigns(day: datetime.date, *, ended_within: int = 0) -> list[Campaign]:
    """The active campaigns running on `day`, or that ended at most `ended_within` days before
    (what was overdue in a campaign is still chased after it ends)."""
    return list(
        Campaign.objects.active()
        .filter(starts_on__lte=day, ends_on__gte=day - datetime.timedelta(days=ended_within))
        .select_related("organization", "requirements")
    )


def _within(campaign: Campaign):
    return Organization.objects.within(campaign.organization).filter(expected_to_pledge(campaign))


def _names(names: list[str]) -> str:
    shown = "、".join(names[:NAMES_SHOWN])
    return shown + (_("等 %(n)s 个") % {"n": len(names)} if len(names) > NAMES_SHOWN else "")


# --- Deadlines ------------------------------------------------------------------------------------


def _missing_pledges(campaign: Campaign) -> dict[str, tuple[Organization, int]]:
    """{path: (organisation, members without a public pledge)} of the campaign's organisations
    with pledging still to do (its own pledge missing counts as one): one query over the
    counters (orgs.MemberTally, pledges.PledgeTally)."""
    tallies = PledgeTally.objects.filter(campaign=campaign, organization=OuterRef("pk"))
    orgs = (
        _within(campaign)
        .annotate(own=Exists(tallies.filter(organization_pledged=1)))
        .values("pk", "path", "name", "tally__members", "own")
    )
    pledged = dict(
        PledgeTally.objects.filter(campaign=campaign).values_list(
            "organization_id", "members_pledged"
        )
    )
    found = {}
    for row in orgs:
        missing = (row["tally__members"] or 0) - pledged.get(row["pk"], 0) + (not row["own"])
        if missing > 0:
            org = Organization(pk=row["pk"], path=row["path"], name=row["name"])
            found[row["path"]] = (org, missing)
    return found


def _without_round(campaign: Campaign, year: int) -> dict[str, tuple[Organization, int]]:
    """{path: (organisation, 1)} of the campaign's organisations without a 群众评议 this year
    (a round begun, not only prepared; a branch's own 党员民主评议 does not count)."""
    rounds = EvaluationRound.objects.filter(
        organization=OuterRef("pk"),
        members_only=False,
        starts_on__year=year,
    ).exclude(state=RoundState.PREPARING)
    orgs = _within(campaign).filter(~Exists(rounds)).values("pk", "path", "name")
    return {r["path"]: (Organization(pk=r["pk"], path=r["path"], name=r["name"]), 1) for r in orgs}


def _outstanding(campaign: Campaign, phase: Phase) -> dict[str, tuple[Organization, int]]:
    if phase.work == Work.PLEDGES:
        return _missing_pledges(campaign)
    if phase.work == Work.EVALUATIONS:
        return _without_round(campaign, phase.ends_on.year)
    return {}


# The works of a phase whose outstanding part the sweep can see.
CHECKED_WORK = (Work.PLEDGES, Work.EVALUATIONS)
DEADLINE_TEXT = {
    Work.PLEDGES: _("本组织还有 %(n)s 名党员（或组织本身）未公开承诺。"),
    Work.EVALUATIONS: _("本组织今年还没有开展群众评议，请与上级党组织联系安排。"),
    Work.REPORT: _("请按时向上级党组织上报本组织开展创先争优活动的总结。"),
}


def _everyone(campaign: Campaign) -> dict[str, tuple[Organization, int]]:
    """The report is owed by every organisation of the campaign: nothing records one handed in
    yet (the campaign report of the exports issue will), so all are reminded."""
    orgs = _within(campaign).values("pk", "path", "name")
    return {r["path"]: (Organization(pk=r["pk"], path=r["path"], name=r["name"]), 1) for r in orgs}


def plan_deadlines(day: datetime.date) -> Plan:
    plan = Plan()
    for campaign in _campaigns(day):
        leads = calendar.lead_days(campaign)
        phases = calendar.phases_of(campaign)
        # Each checked phase's work, and the report (phase None), due at its own deadline.
        deadlines = [(p, p.ends_on, p.work) for p in phases if p.work in CHECKED_WORK]
        deadlines.append((None, calendar.report_due(campaign, phases), Work.REPORT))
        for phase, own, work in deadlines:
            # Only when some deadline of this work (its own or an earlier one set below) falls
            # on a lead day: most days, no query for the work at all.
            below = calendar.deadlines_below(campaign, phase)
            if not any((d - day).days in leads for d in {own, *below.values()}):
                continue
            outstanding = _everyone(campaign) if phase is None else _outstanding(campaign, phase)
            name = phase.name if phase else _("总结报告")
            for path, (org, count) in outstanding.items():
                due = calendar.applying(path, own, below)
                lead = (due - day).days
                if lead not in leads:
                    continue
                plan.notifications.append(
                    Notification(
                        kind=NoticeKind.DEADLINE,
                        campaign=campaign,
                        organization=org,
                        role_kind=RoleKind.SECRETARY,
                        subject=f"phase:{phase.pk}" if phase else "report",
                        period=f"{due.isoformat()}-{lead}",
                        title=_("“%(phase)s”还有 %(days)s 天截止（%(due)s）")
                        % {"phase": name, "days": lead, "due": due},
                        body=DEADLINE_TEXT[work] % {"n": count},
                        url=_work_url(work, org),
                    )
                )
    return plan


def _work_url(work: str, org: Organization) -> str:
    if work == Work.PLEDGES:
        return reverse("pledges:branch", args=[org.pk])
    if work == Work.EVALUATIONS:
        return reverse("reviews:rounds")
    return reverse("orgs:detail", args=[org.pk])


# --- Quarterly ------------------------------------------------------------------------------------


def _names_below(rows: list[tuple[str, str]]) -> dict[str, list[str]]:
    """{path: names of the organisations of `rows` (path, name) strictly below it}: one pass
    over each row's ancestors, whatever the number of roles asking."""
    below = defaultdict(list)
    step = Organization.steplen
    for path, name in rows:
        for depth in range(step, len(path), step):
            below[path[:depth]].append(name)
    return below


def _roles_above(below: dict[str, list[str]], kinds) -> list[tuple[Role, list[str]]]:
    """The roles of `kinds` on organisations with something listed below them, with the list."""
    roles = Role.objects.filter(organization__path__in=list(below), kind__in=kinds)
    seen = {}
    for role in roles.select_related("organization"):
        seen[(role.organization_id, role.kind)] = role  # one notice per role, not per holder
    return [(role, below[role.organization.path]) for role in seen.values()]


def plan_quarterly(day: datetime.date) -> Plan:
    plan = Plan()
    for campaign in _campaigns(day):
        requirements = requirements_of(campaign)
        period = current_period(campaign, day, requirements)
        due = reviews_due(campaign, period.ends_on if period else day, requirements)
        if due:
            short = with_held(_within(campaign), campaign, day, requirements).filter(held__lt=due)
            below = _names_below(list(short.values_list("path", "name")))
            for role, names in _roles_above(below, ABOVE_ROLES):
                plan.notifications.append(
                    Notification(
                        kind=NoticeKind.REVIEWS_DUE,
                        campaign=campaign,
                        organization=role.organization,
                        role_kind=role.kind,
                        subject="reviews",
                        period=day.strftime("%Y-%m"),
                        title=_("下级有 %(n)s 个组织的领导点评未达到要求") % {"n": len(names)},
                        body=_(
                            "本期（%(end)s 前）每个组织应累计点评 %(due)s 次。"
                            "未达到的组织：%(names)s"
                        )
                        % {
                            "end": period.ends_on if period else day,
                            "due": due,
                            "names": _names(names),
                        },
                        url=reverse("reviews:behind"),
                    )
                )
        missing = _without_round(campaign, day.year)
        below = _names_below([(path, org.name) for path, (org, _one) in missing.items()])
        for role, names in _roles_above(below, ABOVE_ROLES):
            plan.notifications.append(
                Notification(
                    kind=NoticeKind.EVALUATION_DUE,
                    campaign=campaign,
                    organization=role.organization,
                    role_kind=role.kind,
                    subject="evaluations",
                    period=day.strftime("%Y-%m"),
                    title=_("下级有 %(n)s 个组织今年还没有开展群众评议") % {"n": len(names)},
                    body=_(
                        "每个基层组织每年至少开展一次群众评议，由上级党组织组织。尚未开展：%(names)s"
                    )
                    % {"names": _names(names)},
                    url=reverse("reviews:rounds"),
                )
            )
    return plan


# --- Overdue --------------------------------------------------------------------------------------


def _overdue_pledges(campaigns: dict[int, Campaign], day: datetime.date) -> dict[tuple, list]:
    """{(campaign id, owner id, owner path, owner name, deadline): [titles]} of the pledges past
    their deadline and not done, by the organisation that owns them (a member's: the branch)
    and the day they were due: one query, no model instances (a district may have tens of
    thousands late on a bad day)."""
    rows = (
        Pledge.objects.filter(campaign__in=list(campaigns))
        .filter(Q(member__isnull=True, organization__active=True) | Q(member__active=True))
        .overdue(day)
        .values_list(
            "campaign_id",
            "deadline",
            "title",
            "organization_id",
            "organization__path",
            "organization__name",
            "member__branch_id",
            "member__branch__path",
            "member__branch__name",
        )
    )
    groups = defaultdict(list)
    for campaign_id, deadline, title, org_id, org_path, org_name, *branch in rows.iterator():
        owner = (org_id, org_path, org_name) if org_id is not None else tuple(branch)
        groups[(campaign_id, *owner, deadline)].append(title)
    return groups


def plan_overdue(day: datetime.date) -> Plan:
    """Overdue pledges go once per organisation and day they were due (not one notice per
    pledge: a branch whose twenty pledges fell due together hears it once), escalated once per
    such group; rectifications, which are few and each someone's task, once each."""
    plan = Plan()
    campaigns = {c.pk: c for c in _campaigns(day, ended_within=366)}
    pledges = _overdue_pledges(campaigns, day)
    rectifications = list(
        Rectification.objects.filter(overdue_q(day), organization__active=True).select_related(
            "organization"
        )
    )
    paths = {key[2] for key in pledges} | {r.organization.path for r in rectifications}
    parents = parents_by_path(paths)
    step = Organization.steplen
    for (campaign_id, owner_id, path, name, deadline), titles in pledges.items():
        campaign = campaigns[campaign_id]
        owner = Organization(pk=owner_id, path=path, name=name)
        late = (day - deadline).days
        common = {
            "campaign": campaign,
            "period": deadline.isoformat(),
            "body": _("%(n)s 项承诺已超过期限 %(due)s：%(titles)s")
            % {"n": len(titles), "due": deadline, "titles": _names([f"“{t}”" for t in titles])},
            "url": f"{reverse('pledges:branch', args=[owner_id])}?campaign={campaign_id}",
        }
        plan.notifications.append(
            Notification(
                kind=NoticeKind.PLEDGE_OVERDUE,
                organization=owner,
                role_kind=RoleKind.SECRETARY,
                subject="pledges",
                title=_("%(n)s 项承诺逾期（%(due)s 到期）") % {"n": len(titles), "due": deadline},
                **common,
            )
        )
        parent = parents.get(path[:-step])
        if parent is not None and late > requirements_of(campaign).escalate_after_days:
            plan.notifications.append(
                Notification(
                    kind=NoticeKind.ESCALATION,
                    organization=parent,
                    role_kind=RoleKind.SECRETARY,
                    subject=f"pledges:{owner_id}",
                    title=_("请督办：%(org)s 有 %(n)s 项承诺逾期 %(days)s 天")
                    % {"org": name, "n": len(titles), "days": late},
                    **common,
                )
            )
    escalate_after = _escalation_days(campaigns)
    for item in rectifications:
        late = (day - item.deadline).days
        common = {
            "subject": f"rectification:{item.pk}",
            "period": item.deadline.isoformat(),
            "body": _("整改事项“%(problem)s”已超过整改时限 %(due)s，尚未报告完成。")
            % {"problem": item.problem[:60], "due": item.deadline},
            "url": item.get_absolute_url(),
        }
        plan.notifications.append(
            Notification(
                kind=NoticeKind.RECTIFICATION_OVERDUE,
                organization=item.organization,
                role_kind=RoleKind.SECRETARY,
                title=_("整改逾期：%(problem)s") % {"problem": item.problem[:40]},
                **common,
            )
        )
        parent = parents.get(item.organization.path[:-step])
        if parent is not None and late > escalate_after(item.organization.path):
            plan.notifications.append(
                Notification(
                    kind=NoticeKind.ESCALATION,
                    organization=parent,
                    role_kind=RoleKind.SECRETARY,
                    title=_("请督办：%(org)s 的整改逾期 %(days)s 天")
                    % {"org": item.organization.name, "days": late},
                    **common,
                )
            )
    return plan


def _escalation_days(campaigns: dict[int, Campaign]) -> Callable[[str], int]:
    """A rectification belongs to no campaign: the strictest (fewest days) of the active
    campaigns covering its organisation, else the default."""
    default = Requirements._meta.get_field("escalate_after_days").default
    rules = [
        (c.organization.path, requirements_of(c).escalate_after_days) for c in campaigns.values()
    ]

    def days(path: str) -> int:
        found = [n for root, n in rules if path.startswith(root)]
        return min(found) if found else default

    return days


# --- Running --------------------------------------------------------------------------------------

PLANS: dict[str, Callable[[datetime.date], Plan]] = {
    SweepKind.DEADLINES: plan_deadlines,
    SweepKind.QUARTERLY: plan_quarterly,
    SweepKind.OVERDUE: plan_overdue,
}


def run(kind: str, day: datetime.date | None = None, *, dry_run: bool = False) -> SweepRun:
    """Runs one sweep as of `day` (today in Asia/Shanghai by default) and logs it; with
    `dry_run`, works out the notifications without writing anything (the run's
    `planned` attribute holds them)."""
    day = day or timezone.localdate()
    sweep = SweepRun(kind=kind, as_of=day)
    try:
        plan = PLANS[kind](day)
    except Exception:
        logger.exception("the %s sweep as of %s failed", kind, day)
        if not dry_run:
            sweep.failures = [_("整次提醒失败，详见日志。")]
            sweep.finished_at = timezone.now()
            sweep.save()
        raise
    sweep.candidates = len(plan.notifications)
    sweep.planned = plan.notifications
    if dry_run:
        return sweep
    result = deliver(plan.notifications)
    sweep.created = result.created
    sweep.failures = plan.failures + result.failures
    sweep.finished_at = timezone.now()
    sweep.save()
    logger.info(
        "%s sweep as of %s: %s due, %s new, %s failed",
        kind,
        day,
        sweep.candidates,
        sweep.created,
        len(sweep.failures),
    )
    return sweep
