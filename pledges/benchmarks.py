"""Benchmarks of the pledge pages (harness: core/benchmarks.py).

The bench district gets one campaign on its root and public pledges for about 70% of its members
and organisations, half of them 践诺 with a progress record, and the two campaigns of the years
before, closed, with an assessed pledge for every member and organisation (what a district's
pledges table holds in its third year: about 280,000 rows at 1×); made once per bench database
and reused.
"""

import datetime

from django.db import connection
from django.utils import timezone

from campaign.models import Campaign
from core.benchmarks import BenchContext, Benchmark, page
from orgs.benchmarks import bench_users
from orgs.models import Member, Organization

from .models import Pledge, PledgeProgress, PledgeState
from .selectors import coverage

BENCH_CAMPAIGN = "基准测试活动"
SHARE = 0.7
BATCH = 2000
HISTORY_YEARS = 2


def bench_campaign(ctx: BenchContext) -> Campaign:
    if "pledges.campaign" not in ctx.cache:
        today = timezone.localdate()
        campaign, created = Campaign.objects.get_or_create(
            name=BENCH_CAMPAIGN,
            organization=ctx.root,
            defaults={
                "starts_on": today - datetime.timedelta(days=60),
                "ends_on": today + datetime.timedelta(days=300),
            },
        )
        if created or not campaign.pledges.exists():
            _fill(ctx.root, campaign)
            _progress(campaign)
        for years in range(1, HISTORY_YEARS + 1):
            _history(ctx.root, campaign, years)
        if connection.vendor == "postgresql":
            # As after building the district: measure the planner with statistics, not guesses.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE pledges_pledge")
                cursor.execute("ANALYZE pledges_pledgeprogress")
        ctx.cache["pledges.campaign"] = campaign
    return ctx.cache["pledges.campaign"]


def bench_data(ctx: BenchContext) -> dict[str, int]:
    """The pledges of three years (bench DATA), and their sizes."""
    bench_campaign(ctx)
    return {"承诺": Pledge.objects.count(), "践诺记录": PledgeProgress.objects.count()}


DATA = [bench_data]


def _fill(root: Organization, campaign: Campaign, share: float = SHARE, **fields) -> None:
    """Public pledges for every member and organisation whose id falls in the first `share`."""
    deadline = campaign.ends_on - datetime.timedelta(days=30)
    now = timezone.now()

    def pledge(**owner):
        values = {"state": PledgeState.PUBLISHED, "published_at": now} | fields | owner
        return Pledge(
            campaign=campaign,
            title="为群众办一件实事",
            content="每月走访困难群众一次，年底前帮助解决一件实际困难。",
            deadline=deadline,
            **values,
        )

    members = Member.objects.active().within(root).values_list("pk", flat=True)
    orgs = Organization.objects.within(root).exclude(pk=root.pk).values_list("pk", flat=True)
    rows = [pledge(member_id=pk) for pk in members.iterator() if pk % 10 < share * 10]
    rows += [pledge(organization_id=pk) for pk in orgs if pk % 10 < share * 10]
    for start in range(0, len(rows), BATCH * 10):
        Pledge.objects.bulk_create(rows[start : start + BATCH * 10], batch_size=BATCH)


def _progress(campaign: Campaign) -> None:
    """Every other public pledge is being kept (践诺) and has a progress record."""
    today = timezone.localdate()
    public = Pledge.objects.filter(campaign=campaign, state=PledgeState.PUBLISHED)
    ids = [pk for pk in public.values_list("pk", flat=True).iterator() if pk % 2 == 0]
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        Pledge.objects.filter(pk__in=chunk).update(state=PledgeState.FULFILLING)
        PledgeProgress.objects.bulk_create(
            [
                PledgeProgress(
                    pledge_id=pk,
                    happened_on=today - datetime.timedelta(days=pk % 30),
                    text="走访困难群众两户，协调解决饮水问题。",
                )
                for pk in chunk
            ],
            batch_size=BATCH,
        )


def _history(root: Organization, current: Campaign, years: int) -> Campaign:
    """The campaign of `years` years before the current one, closed, every member and
    organisation with an assessed pledge (made once)."""
    back = datetime.timedelta(days=365 * years)
    campaign, created = Campaign.objects.get_or_create(
        name=f"{BENCH_CAMPAIGN}（{years} 年前）",
        organization=root,
        defaults={
            "starts_on": current.starts_on - back,
            "ends_on": current.ends_on - back,
            "active": False,
            "closed_at": timezone.now() - back + datetime.timedelta(days=300),
        },
    )
    if created or not campaign.pledges.exists():
        _fill(root, campaign, share=1.0, state=PledgeState.ASSESSED)
    return campaign


def _member_without_pledge(ctx: BenchContext) -> Member:
    campaign = bench_campaign(ctx)
    branch = bench_users(ctx).branch
    pledged = Pledge.objects.filter(campaign=campaign, member__isnull=False).values("member_id")
    return branch.members.active().exclude(pk__in=pledged).first() or branch.members.first()


def _create_setup(ctx: BenchContext):
    campaign = bench_campaign(ctx)
    member = _member_without_pledge(ctx)
    client = ctx.client(bench_users(ctx).secretary)
    path = f"/pledges/new/?member={member.pk}&campaign={campaign.pk}"
    deadline = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    data = {"title": "每月走访一户", "content": "每月走访一户困难群众。", "deadline": deadline}

    def post():
        # The run is rolled back, so the member is without a pledge again next time.
        Pledge.objects.filter(campaign=campaign, member=member).delete()
        # A browser shows the flash message on the next page, which empties the messages
        # cookie; this client never follows the redirect, so the cookie would pile up one
        # message per run and the bench would time its encoding, not the POST.
        client.cookies.pop("messages", None)
        response = client.post(path, data)
        if response.status_code != 302:
            raise AssertionError(f"POST {path} answered {response.status_code}")
        return 1

    return post


def _coverage_setup(ctx: BenchContext):
    campaign = bench_campaign(ctx)

    def run():
        figures = coverage(ctx.root, campaign)
        return figures.members

    return run


BENCHMARKS = [
    # What the tree page loads after the tree itself: coverage of the district and its towns.
    page(
        "tree coverage (district)",
        lambda ctx: f"/pledges/tree/coverage/?campaign={bench_campaign(ctx).pk}",
        as_user=lambda ctx: bench_users(ctx).office,
        rows=lambda ctx: 1 + ctx.root.numchild,
    ),
    page(
        "pledges branch page",
        lambda ctx: f"/pledges/org/{bench_users(ctx).branch.pk}/?campaign={bench_campaign(ctx).pk}",
        as_user=lambda ctx: bench_users(ctx).secretary,
        rows=lambda ctx: bench_users(ctx).branch.members.active().count(),
    ),
    page(
        "public board (branch)",
        lambda ctx: f"/board/{bench_users(ctx).branch.pk}/",
        rows=lambda ctx: Pledge.objects.filter(
            campaign=bench_campaign(ctx), member__branch=bench_users(ctx).branch
        ).count(),
    ),
    Benchmark(
        "pledge creation POST",
        _create_setup,
        target_ms=100,
        repeat=20,
        quick_repeat=5,
        rollback=True,
    ),
    Benchmark("coverage (district)", _coverage_setup, target_ms=100, repeat=10, quick_repeat=5),
]
