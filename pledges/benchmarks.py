"""Benchmarks of the pledge pages (harness: core/benchmarks.py).

The bench district gets one campaign on its root and public pledges for about 70% of its members
and organisations, made once per bench database and reused.
"""

import datetime

from django.db import connection
from django.utils import timezone

from campaign.models import Campaign
from core.benchmarks import BenchContext, Benchmark, page
from orgs.benchmarks import bench_users
from orgs.models import Member, Organization

from .models import Pledge, PledgeState
from .selectors import coverage

BENCH_CAMPAIGN = "基准测试活动"
SHARE = 0.7
BATCH = 2000


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
        ctx.cache["pledges.campaign"] = campaign
    return ctx.cache["pledges.campaign"]


def _fill(root: Organization, campaign: Campaign) -> None:
    """Public pledges for every member and organisation whose id falls in the first 70%."""
    deadline = campaign.ends_on - datetime.timedelta(days=30)
    now = timezone.now()

    def pledge(**owner):
        return Pledge(
            campaign=campaign,
            title="为群众办一件实事",
            content="每月走访困难群众一次，年底前帮助解决一件实际困难。",
            deadline=deadline,
            state=PledgeState.PUBLISHED,
            published_at=now,
            **owner,
        )

    members = Member.objects.active().within(root).values_list("pk", flat=True)
    orgs = Organization.objects.within(root).exclude(pk=root.pk).values_list("pk", flat=True)
    rows = [pledge(member_id=pk) for pk in members if pk % 10 < SHARE * 10]
    rows += [pledge(organization_id=pk) for pk in orgs if pk % 10 < SHARE * 10]
    Pledge.objects.bulk_create(rows, batch_size=BATCH)
    if connection.vendor == "postgresql":
        # As after building the district: measure the planner with statistics, not its guesses.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE pledges_pledge")


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
