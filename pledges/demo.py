"""Demo pledges for the demo campaign, so a fresh `make run` shows every step of the workflow
(see core/demo.py)."""

import datetime
import random

from django.db.models import DateField, ExpressionWrapper, F
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.models import Campaign
from core.demo import DemoContext
from orgs.models import Member, Organization, OrgKind

from .models import Pledge, PledgeProgress, PledgeState, suggested_areas

DEEDS = [
    ("每月走访一户困难群众", "每月至少走访一户困难群众，了解实际困难，年底前帮助解决一件实事。"),
    ("带头做好垃圾分类", "带头做好家庭垃圾分类，每季度参加一次小区环境整治志愿服务。"),
    ("结对帮扶一名青年职工", "与一名青年职工结对，每月谈心一次，帮助其提高业务水平。"),
    ("提一条合理化建议", "围绕本单位重点工作，年内提出一条切实可行的合理化建议并推动落实。"),
    ("参加社区志愿服务", "每月参加一次社区志愿服务，协助做好矛盾纠纷排查和调解。"),
]
ORG_DEEDS = [
    ("为群众办三件实事", "围绕群众最关心的问题，年内办好三件实事，并在公开栏公布进展。"),
    ("规范组织生活", "按时召开“三会一课”，每季度开展一次主题党日活动。"),
]
# Share of members in each state: most have reached the public board, some are still on the way.
STATES = [
    (PledgeState.DRAFT, 0.08),
    (PledgeState.SUBMITTED, 0.07),
    (PledgeState.APPROVED, 0.05),
    (PledgeState.SIGNED, 0.05),
    (PledgeState.PUBLISHED, 0.35),
    (PledgeState.FULFILLING, 0.25),
    (PledgeState.COMPLETED, 0.05),
]


def build(ctx: DemoContext) -> None:
    campaign = ctx.shared.get("campaign")
    if campaign is None:
        return
    shift = ctx.shared.get("campaign_shift")
    if shift:
        shift_demo_dates(campaign, shift)
    build_demo_pledges(campaign, ctx.root, seed=ctx.seed)
    ctx.say(
        _("演示活动“%(name)s”：%(n)s 项承诺。")
        % {"name": campaign.name, "n": campaign.pledges.count()}
    )


def wipe() -> None:
    # Pledges protect their owners and campaigns, so they go first.
    Pledge.objects.all().delete()


def shift_demo_dates(campaign: Campaign, shift: datetime.timedelta) -> None:
    """Moves the dates of the campaign's pledges and progress records by `shift`, as its builder
    moved the campaign (campaign/demo.py): what was due in a week is due in a week again."""
    Pledge.objects.filter(campaign=campaign).update(
        deadline=ExpressionWrapper(F("deadline") + shift, output_field=DateField())
    )
    Pledge.objects.filter(campaign=campaign, signed_on__isnull=False).update(
        signed_on=ExpressionWrapper(F("signed_on") + shift, output_field=DateField())
    )
    PledgeProgress.objects.filter(pledge__campaign=campaign).update(
        happened_on=ExpressionWrapper(F("happened_on") + shift, output_field=DateField())
    )


def build_demo_pledges(campaign: Campaign, root: Organization, seed: int = 0) -> None:
    """Pledges for most of the district, in every early state; idempotent."""
    today = timezone.localdate()
    if campaign.pledges.exists():
        return
    rng = random.Random(seed)
    deadline_span = (campaign.ends_on - today).days
    now = timezone.now()
    pledges = []
    for member in Member.objects.active().within(root).select_related("branch"):
        if rng.random() < 0.1:
            continue  # a few have not pledged yet: the drill-down has someone to show
        pledges.append(_pledge(campaign, rng, today, deadline_span, now, member=member))
    orgs = Organization.objects.within(root).exclude(pk=root.pk).exclude(kind=OrgKind.GROUP)
    for org in orgs:
        if rng.random() < 0.9:
            pledges.append(_pledge(campaign, rng, today, deadline_span, now, organization=org))
    Pledge.objects.bulk_create(pledges, batch_size=1000)
    fulfilling = Pledge.objects.filter(campaign=campaign, state=PledgeState.FULFILLING)
    PledgeProgress.objects.bulk_create(
        [
            PledgeProgress(
                pledge=pledge,
                # After the signing (_pledge), inside the campaign (campaign/demo.py).
                happened_on=today - datetime.timedelta(days=rng.randint(1, 28)),
                text="已按承诺完成本月走访，群众反映良好。",
            )
            for pledge in fulfilling
        ],
        batch_size=1000,
    )


def _pledge(campaign, rng, today, deadline_span, now, *, member=None, organization=None):
    title, content = rng.choice(DEEDS if member else ORG_DEEDS)
    state = rng.choices([s for s, _w in STATES], weights=[w for _s, w in STATES])[0]
    public = state in (PledgeState.PUBLISHED, PledgeState.FULFILLING, PledgeState.COMPLETED)
    # A few public pledges are past their deadline, so the overdue flag shows on the demo.
    overdue = public and state != PledgeState.COMPLETED and rng.random() < 0.05
    days = -rng.randint(1, 20) if overdue else rng.randint(20, max(21, deadline_span))
    deadline = max(campaign.starts_on, min(campaign.ends_on, today + datetime.timedelta(days)))
    signed = state not in (PledgeState.DRAFT, PledgeState.SUBMITTED, PledgeState.APPROVED)
    return Pledge(
        campaign=campaign,
        member=member,
        organization=organization,
        title=title,
        content=content,
        areas=suggested_areas(member=member, organization=organization)[:2],
        deadline=deadline,
        state=state,
        signed_by="支部书记、承诺人" if signed else "",
        signed_on=today - datetime.timedelta(days=30) if signed else None,
        published_at=now if public else None,
    )
