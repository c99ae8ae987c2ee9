"""Writes to campaigns: set up and changed by the campaign office of the organisation running it."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import generations
from core.audit import audited
from core.services import model_update, require
from orgs.models import Organization

from . import access, calendar
from .models import Campaign, Deadline, Phase, PhaseKind, Requirements, Work
from .requirements import requirements_of

FIELDS = ("name", "theme", "organization", "starts_on", "ends_on", "active")
REQUIREMENT_FIELDS = (
    "review_schedule",
    "count_member_reviews",
    "count_office_reviews",
    "satisfaction_threshold",
    "fulfilled_at",
    "mostly_at",
    "lead_days",
    "escalate_after_days",
    "report_due_on",
)
PHASE_FIELDS = ("name", "kind", "work", "starts_on", "ends_on")


def create_campaign(
    *, by, requirements: dict | None = None, phases: bool = False, stages=(), **fields
) -> Campaign:
    """A new campaign with its requirements (the defaults, or those given); with `phases`, the
    four standard phases, and the standard stages of the works in `stages`
    (campaign.calendar.standard_phases)."""
    require(access.can_run(by, fields["organization"]))
    campaign = Campaign(**{key: fields[key] for key in FIELDS if key in fields})
    campaign.full_clean()
    asked = Requirements(
        **{k: v for k, v in (requirements or {}).items() if k in REQUIREMENT_FIELDS}
    )
    with audited(by=by):
        campaign.save()
        asked.campaign = campaign
        asked.save()
        if phases or stages:
            made = calendar.standard_phases(campaign, stages)
            Phase.objects.bulk_create([p for p in made if phases or p.kind == PhaseKind.STAGE])
    return campaign


def update_campaign(campaign: Campaign, *, by, **fields) -> Campaign:
    target = fields.get("organization", campaign.organization)
    require(access.can_run(by, campaign.organization) and access.can_run(by, target))
    require_open(campaign)
    model_update(campaign, {key: fields[key] for key in FIELDS if key in fields}, by=by)
    return campaign


def update_requirements(campaign: Campaign, *, by, **fields) -> Requirements:
    """Changes what the campaign asks (a campaign from before requirements gets its row now)."""
    require(access.can_run(by, campaign.organization))
    require_open(campaign)
    asked, _created = Requirements.objects.get_or_create(campaign=campaign)
    model_update(asked, {key: fields[key] for key in REQUIREMENT_FIELDS if key in fields}, by=by)
    return asked


def check_phases(campaign: Campaign, rows: list[dict]) -> None:
    """Raises a ValidationError naming each problem: a phase outside the campaign's dates, two
    phases (not stages) that overlap, more than one 总结验收."""
    problems = []
    for row in rows:
        if row["ends_on"] < row["starts_on"]:
            problems.append(_("“%(name)s”的结束日期早于开始日期。") % row)
        elif row["starts_on"] < campaign.starts_on or row["ends_on"] > campaign.ends_on:
            problems.append(
                _("“%(name)s”不在活动时间（%(start)s 至 %(end)s）之内。")
                % {**row, "start": campaign.starts_on, "end": campaign.ends_on}
            )
    consecutive = sorted(
        (r for r in rows if r["kind"] == PhaseKind.PHASE), key=lambda r: r["starts_on"]
    )
    for before, after in zip(consecutive, consecutive[1:], strict=False):
        if after["starts_on"] <= before["ends_on"]:
            problems.append(
                _("阶段“%(a)s”与“%(b)s”的时间重叠；阶段依次进行，环节才可以重叠。")
                % {"a": before["name"], "b": after["name"]}
            )
    if sum(1 for r in rows if r.get("work") == Work.REPORT) > 1:
        problems.append(_("只能有一个“总结验收”阶段。"))
    if problems:
        raise ValidationError(problems)


def set_phases(campaign: Campaign, *, by, rows: list[dict]) -> list[Phase]:
    """Replaces the campaign's phases and stages with `rows` (dicts of PHASE_FIELDS, with "id"
    for a kept one): kept rows are updated, others added, the missing deleted — with the
    earlier deadlines set for them."""
    require(access.can_run(by, campaign.organization))
    require_open(campaign)
    rows = [{**row, "work": row.get("work") or Work.NONE} for row in rows]
    check_phases(campaign, rows)
    with transaction.atomic(), audited(by=by):
        stored = {p.pk: p for p in Phase.objects.select_for_update().filter(campaign=campaign)}
        kept = []
        for row in rows:
            phase = stored.get(row.get("id")) or Phase(campaign=campaign)
            for name in PHASE_FIELDS:
                setattr(phase, name, row[name])
            phase.save()
            kept.append(phase)
        gone = set(stored) - {p.pk for p in kept}
        Phase.objects.filter(pk__in=gone).delete()
    return kept


def set_deadline(
    campaign: Campaign,
    *,
    by,
    organization: Organization,
    phase: Phase | None,
    due_on: datetime.date | None,
) -> Deadline | None:
    """The earlier deadline `organization` gives the organisations below it for a phase's work
    (None: the report); `due_on` None removes it. Refused when later than what applies to the
    organisation itself (the level above's), or earlier than a deadline already set below it
    would allow (those below must stay no later than this)."""
    require(access.can_run(by, organization))
    require(organization.path.startswith(campaign.organization.path))
    require(phase is None or phase.campaign_id == campaign.pk)
    require_open(campaign)
    with transaction.atomic(), audited(by=by):
        current = Deadline.objects.select_for_update().filter(
            campaign=campaign, phase=phase, organization=organization
        )
        if due_on is None:
            current.delete()
            return None
        above = calendar.deadline_for(organization, campaign, phase)
        if due_on > above:
            raise ValidationError(_("下级期限不能晚于上级规定的期限（%(day)s）。") % {"day": above})
        if due_on < campaign.starts_on:
            raise ValidationError(_("期限不能早于活动开始日期。"))
        later = (
            Deadline.objects.filter(
                campaign=campaign,
                phase=phase,
                organization__path__startswith=organization.path,
                due_on__gt=due_on,
            )
            .exclude(organization=organization)
            .select_related("organization")
        )
        names = [d.organization.name for d in later[:5]]
        if names:
            raise ValidationError(
                _("下级组织已设定了更晚的期限（%(names)s），请先调整它们。")
                % {"names": "、".join(names)}
            )
        deadline = current.first() or Deadline(
            campaign=campaign, phase=phase, organization=organization
        )
        deadline.due_on = due_on
        deadline.save()
    return deadline


# --- A campaign's end and the next one ------------------------------------------------------------


def require_open(campaign: Campaign) -> None:
    """Refuses any write to what belongs to a closed campaign (its pledges, reviews, rounds)."""
    if campaign.closed_at is not None:
        raise ValidationError(
            _("活动“%(name)s”已结束验收，数据已封存，不能再修改。") % {"name": campaign.name}
        )


def require_open_id(campaign_id: int) -> None:
    """require_open for a campaign known by its id (a pledge's): the closed ones are kept by
    the web process while no campaign changed, so a write pays no query for it."""
    closed = generations.kept(
        "closed-campaigns",
        None,
        lambda: set(Campaign.objects.filter(closed_at__isnull=False).values_list("pk", flat=True)),
    )
    if campaign_id in closed:
        require_open(Campaign.objects.get(pk=campaign_id))


def close_campaign(campaign: Campaign, *, by, figures: dict) -> Campaign:
    """Closes the campaign after its 总结验收: read-only from now on, no longer current, its
    headline `figures` kept as they were (oversight.services computes them)."""
    require(access.can_run(by, campaign.organization))
    require_open(campaign)
    with transaction.atomic(), audited(by=by):
        closed = Campaign.objects.filter(pk=campaign.pk, closed_at__isnull=True).update(
            closed_at=timezone.now(), active=False, figures=figures
        )
    if not closed:
        raise ValidationError(_("该活动已被他人结束。"))
    campaign.refresh_from_db()
    return campaign


def _a_year_later(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def copy_campaign(campaign: Campaign, *, by, name: str) -> Campaign:
    """The next campaign from this one: the same organisation and theme, its dates, phases and
    report day a year later, its requirements copied; starts as a running campaign."""
    require(access.can_run(by, campaign.organization))
    if not name.strip():
        raise ValidationError({"name": _("请填写新活动的名称。")})
    asked = requirements_of(campaign)
    copied = {name_: getattr(asked, name_) for name_ in REQUIREMENT_FIELDS}
    if asked.report_due_on:
        copied["report_due_on"] = _a_year_later(asked.report_due_on)
    with transaction.atomic():
        new = create_campaign(
            by=by,
            requirements=copied,
            name=name.strip(),
            theme=campaign.theme,
            organization=campaign.organization,
            starts_on=_a_year_later(campaign.starts_on),
            ends_on=_a_year_later(campaign.ends_on),
            active=True,
        )
        with audited(by=by):
            Phase.objects.bulk_create(
                Phase(
                    campaign=new,
                    name=p.name,
                    kind=p.kind,
                    work=p.work,
                    starts_on=_a_year_later(p.starts_on),
                    ends_on=_a_year_later(p.ends_on),
                )
                for p in calendar.phases_of(campaign)
            )
    return new
