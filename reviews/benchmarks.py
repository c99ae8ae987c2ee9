"""Benchmarks of the review pages (harness: core/benchmarks.py).

A campaign of their own on the bench district, running for a year already so that reviews are
due, with leader reviews — none to three per basic organisation, one and a half on average — and
a rectification for every tenth organisation in every state, made once per bench database and
reused. The behind list and the register are read by the district office: every organisation of
the district is in its scope.
"""

import datetime
import os

from django.db import connection
from django.utils import timezone

from campaign.models import Campaign
from core.benchmarks import BenchContext, Benchmark, page
from core.loadtest import Target
from orgs.benchmarks import _user_with_role, bench_users
from orgs.models import RoleKind

from . import ballots, evaluations
from .models import (
    DEFAULT_ITEMS,
    Answer,
    EvaluationRound,
    LeaderReview,
    ParticipantGroup,
    Rectification,
    RectificationSource,
    RectificationState,
    RoundState,
    Satisfaction,
)
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


def bench_data(ctx: BenchContext) -> dict[str, int]:
    """The reviews' campaign (bench DATA), and the sizes of the review tables."""
    bench_reviews(ctx)
    return {"点评": LeaderReview.objects.count(), "整改": Rectification.objects.count()}


DATA = [bench_data]


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


# --- 群众评议 ------------------------------------------------------------------------------------


def _open_round(ctx: BenchContext, title: str) -> EvaluationRound:
    """An open round of the bench branch, run from its town, in the reviews' campaign."""
    users = bench_users(ctx)
    today = timezone.localdate()
    return EvaluationRound.objects.create(
        campaign=bench_reviews(ctx),
        organization=users.branch,
        run_by=users.town,
        title=title,
        starts_on=today - datetime.timedelta(days=3),
        ends_on=today + datetime.timedelta(days=30),
        state=RoundState.OPEN,
        items=list(DEFAULT_ITEMS),
    )


def _bench_round(ctx: BenchContext, answers: int):
    """An open round of the bench branch, run from its town, with `answers` answers (made once
    per bench database)."""
    key = f"reviews.round.{answers}"
    if key not in ctx.cache:
        title = f"基准评议 {answers}"
        round_ = EvaluationRound.objects.filter(title=title).first()
        if round_ is None:
            today = timezone.localdate()
            round_ = _open_round(ctx, title)
            choices = list(Satisfaction.values)
            Answer.objects.bulk_create(
                [
                    Answer(
                        round=round_,
                        group=ParticipantGroup.values[n % len(ParticipantGroup.values)],
                        choices={
                            item: choices[(n + i) % 3] for i, item in enumerate(DEFAULT_ITEMS)
                        },
                        comment="希望多开展活动" if n % 7 == 0 else "",
                        answered_on=today,
                    )
                    for n in range(answers)
                ],
                batch_size=BATCH,
            )
        ctx.cache[key] = round_
    return ctx.cache[key]


def _runner(ctx: BenchContext):
    return _user_with_role("bench-town-secretary", bench_users(ctx).town, RoleKind.SECRETARY)


def _close_setup(ctx: BenchContext):
    round_ = _bench_round(ctx, 500)
    runner = _runner(ctx)

    def close():
        fresh = EvaluationRound.objects.get(pk=round_.pk)
        evaluations.close_round(fresh, by=runner)
        return 500

    return close


def _issue_setup(ctx: BenchContext):
    round_ = _bench_round(ctx, 0)
    client = ctx.client(_runner(ctx))

    def issue():
        response = client.post(
            f"/reviews/evaluations/{round_.pk}/codes/", {"group": "public", "count": 500}
        )
        if response.status_code != 200 or not response.content.startswith(b"%PDF"):
            raise AssertionError(f"issuing codes answered {response.status_code}")
        return 500

    return issue


def _ballot_setup(ctx: BenchContext):
    round_ = _bench_round(ctx, 0)
    phone = ctx.client()
    data = {"step": "answer", "comment": ""}
    for index, _item in enumerate(DEFAULT_ITEMS):
        data[f"item_{index}"] = "satisfied"

    def answer():
        # Each run spends a new code; the run is rolled back with its answer.
        (code,) = ballots.issue(round_, "public", 1)
        response = phone.post("/e/", {**data, "code": code})
        if response.status_code != 302:
            raise AssertionError(f"the ballot answered {response.status_code}")
        return 1

    return answer


BENCHMARKS += [
    Benchmark(
        "evaluation: close a round of 500 answers",
        _close_setup,
        target_ms=1000,
        repeat=10,
        quick_repeat=3,
        rollback=True,
    ),
    Benchmark(
        "evaluation: issue 500 codes as slips (PDF)",
        _issue_setup,
        target_ms=5000,
        repeat=3,
        quick_repeat=1,
        rollback=True,
        quick_memory=False,
    ),
    page("evaluation: public ballot (GET)", lambda ctx: "/e/", target_ms=50),
    Benchmark(
        "evaluation: public ballot (POST)",
        _ballot_setup,
        target_ms=50,
        repeat=20,
        quick_repeat=5,
        rollback=True,
    ),
]


# --- The public ballot under load (bench --http) ------------------------------------------------

LOAD_ROUND = "压测评议"
LOAD_CODES = 20_000


def _load_round(ctx: BenchContext) -> EvaluationRound:
    """An open round of the bench branch for the load test, made afresh for each run."""
    EvaluationRound.objects.filter(title=LOAD_ROUND).delete()
    return _open_round(ctx, LOAD_ROUND)


def _load_codes(ctx: BenchContext) -> list[str]:
    """Codes issued in advance by `manage.py issue_codes`, as the office would hand them out,
    one for each ballot the load test POSTs."""
    from django.core.management import call_command

    round_ = _load_round(ctx)
    path = ctx.files_dir / "http" / "codes.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    count = LOAD_CODES // 4 if ctx.quick else LOAD_CODES
    with open(os.devnull, "w") as quiet:
        call_command("issue_codes", round_.pk, count=count, out=str(path), stderr=quiet)
    codes = path.read_text(encoding="ascii").split()
    path.unlink()
    return codes


def _ballot_form(ctx: BenchContext) -> dict:
    """Every item answered, one member-less public ballot; the code is the POST's id."""
    fields = {f"item_{index}": "satisfied" for index, _item in enumerate(DEFAULT_ITEMS)}
    return fields | {"step": "answer", "comment": "希望多开展活动", "code": "{id}"}


def _remove_load_round(ctx: BenchContext) -> None:
    EvaluationRound.objects.filter(title=LOAD_ROUND).delete()


HTTP_TARGETS = [
    # What a phone loads after scanning a slip (the code travels in the fragment).
    Target("public ballot: form (GET)", lambda ctx: "/e/"),
    # The answer saved: the code spent and the ballot stored (302 to the thanks page).
    Target(
        "public ballot: answer POST",
        lambda ctx: "/e/",
        form=_ballot_form,
        ids=_load_codes,
        cleanup=_remove_load_round,
        expect=302,
    ),
]
