"""Benchmarks of the review pages (harness: core/benchmarks.py).

A campaign of their own on the bench district, running for a year already so that reviews are
due, with leader reviews — none to three per basic organisation, one and a half on average — and
a rectification for every tenth organisation in every state, made once per bench database and
reused. The behind list and the register are read by the district office: every organisation of
the district is in its scope.
"""

import datetime

from django.db import connection
from django.utils import timezone

from campaign.models import Campaign
from core.benchmarks import BenchContext, page
from orgs.benchmarks import bench_users
from orgs.models import RoleKind

from .models import LeaderReview, Rectification, RectificationSource, RectificationState
from .selectors import reviewed_organizations

BATCH = 2000
FORMS = ["forum", "briefing", "meeting", "daily"]
RATINGS = ["good", "fairly_good", "average", "poor"]
STATES = list(RectificationState.values)


BENCH_CAMPAIGN = "点评基准活动"


def bench_reviews(ctx: BenchContext) -> Campaign:
    """The reviews' campaign, with its reviews and rectifications made once."""
    if "reviews.campaign" not in ctx.cache:
        today = timezone.localdate()
        campaign, _created = Campaign.objects.get_or_create(
            name=BENCH_CAMPAIGN,
            organization=ctx.root,
            defaults={
                "starts_on": today - datetime.timedelta(days=365),
                "ends_on": today + datetime.timedelta(days=30),
                "active": False,  # the pages of the other benchmarks keep showing theirs
            },
        )
        if not LeaderReview.objects.filter(campaign=campaign).exists():
            _fill(ctx, campaign)
        ctx.cache["reviews.campaign"] = campaign
    return ctx.cache["reviews.campaign"]


def _fill(ctx: BenchContext, campaign) -> None:
    users = bench_users(ctx)
    today = timezone.localdate()
    orgs = list(reviewed_organizations(campaign).values_list("pk", flat=True))
    reviews, items = [], []
    for pk in orgs:
        for n in range(pk % 4):
            reviews.append(
                LeaderReview(
                    campaign=campaign,
                    organization_id=pk,
                    author=users.office,
                    reviewer_org=ctx.root,
                    reviewer_role=RoleKind.SECRETARY,
                    held_on=today - datetime.timedelta(days=30 + n * 90),
                    form=FORMS[(pk + n) % 4],
                    rating=RATINGS[(pk + n) % 4],
                    achievements="坚持开展走访，兑现承诺事项。",
                    problems="部分承诺缺少量化标准。" if n == 0 else "",
                    direction="细化承诺，按月公开践诺情况。",
                )
            )
        if pk % 10 == 0:
            items.append(
                Rectification(
                    problem="部分承诺缺少量化标准，践诺记录更新不及时。",
                    source=RectificationSource.INSPECTION,
                    organization_id=pk,
                    responsible_person="支部书记",
                    deadline=today + datetime.timedelta(days=(pk % 60) - 20),
                    state=STATES[pk % len(STATES)],
                    registered_by_org=ctx.root,
                    registered_by=users.office,
                )
            )
    LeaderReview.objects.bulk_create(reviews, batch_size=BATCH)
    Rectification.objects.bulk_create(items, batch_size=BATCH)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE reviews_leaderreview")
            cursor.execute("ANALYZE reviews_rectification")


BENCHMARKS = [
    # Every organisation of the district with fewer reviews than are due by the end of the
    # current period, 50 a page with the responsible people above each.
    page(
        "reviews behind list (district)",
        lambda ctx: f"/reviews/behind/?campaign={bench_reviews(ctx).pk}",
        as_user=lambda ctx: bench_users(ctx).office,
        rows=lambda ctx: 50,
    ),
    page(
        "rectification register (district)",
        lambda ctx: f"/reviews/rectifications/?campaign={bench_reviews(ctx).pk}",
        as_user=lambda ctx: bench_users(ctx).office,
        rows=lambda ctx: Rectification.objects.count(),
    ),
    page(
        "rectification register (overdue)",
        lambda ctx: f"/reviews/rectifications/?overdue=on&campaign={bench_reviews(ctx).pk}",
        as_user=lambda ctx: bench_users(ctx).office,
        rows=lambda ctx: Rectification.objects.overdue(timezone.localdate()).count(),
    ),
]
