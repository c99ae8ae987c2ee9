"""The pages of the HTTP load test (`python manage.py bench --http`, driver: core/loadtest.py).

They are issue 7's table of targets, which looks across apps (the district's and a town's figures
from pledges and orgs, the public board, a pledge made through its form), so they are listed in
the top app, which may reach every app's bench users and campaign.
"""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from core.benchmarks import BenchContext, Benchmark, page
from core.loadtest import Target
from orgs.benchmarks import bench_users
from orgs.models import Member, Role, RoleKind
from pledges.benchmarks import bench_campaign
from pledges.models import Pledge

POSTING_USER = "bench-http-admin"


def _campaign(ctx: BenchContext) -> str:
    return f"campaign={bench_campaign(ctx).pk}"


def _office(ctx: BenchContext):
    return bench_users(ctx).office


def _district_admin(ctx: BenchContext):
    """An admin of the district: the office role only reads, and a pledge wants a manager; one
    above every branch may post for any of the 100,000 members."""
    user, _ = get_user_model().objects.get_or_create(username=POSTING_USER)
    Role.objects.get_or_create(user=user, organization=ctx.root, kind=RoleKind.ADMIN)
    return user


def _members_without_pledge(ctx: BenchContext) -> list[int]:
    """About 30,000 members (pledges/benchmarks.py gives 70% a pledge); a run posts thousands."""
    pledged = Pledge.objects.filter(campaign=bench_campaign(ctx), member__isnull=False)
    return list(
        Member.objects.active()
        .within(ctx.root)
        .exclude(pk__in=pledged.values("member_id"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _pledge_form(ctx: BenchContext) -> dict:
    deadline = min(timezone.localdate() + datetime.timedelta(days=30), bench_campaign(ctx).ends_on)
    return {"title": "每月走访一户", "content": "每月走访一户困难群众。", "deadline": deadline}


def _remove_posted_pledges(ctx: BenchContext) -> None:
    """The next run, and the in-process bench, find the district's pledges as they were built."""
    Pledge.objects.filter(campaign=bench_campaign(ctx), created_by__username=POSTING_USER).delete()


HTTP_TARGETS = [
    Target(
        "district: pledges page",
        lambda ctx: f"/pledges/org/{ctx.root.pk}/?{_campaign(ctx)}",
        as_user=_office,
    ),
    Target(
        "district: tree coverage",
        lambda ctx: f"/pledges/tree/coverage/?{_campaign(ctx)}",
        as_user=_office,
    ),
    Target(
        "town: pledges page",
        lambda ctx: f"/pledges/org/{bench_users(ctx).town.pk}/?{_campaign(ctx)}",
        as_user=_office,
    ),
    Target(
        "town: tree children",
        lambda ctx: f"/orgs/{bench_users(ctx).town.pk}/children/",
        as_user=_office,
    ),
    Target("public board (branch)", lambda ctx: f"/board/{bench_users(ctx).branch.pk}/"),
    # The dashboard issue's target: its figures read from the shared cache.
    Target(
        "district: dashboard",
        lambda ctx: f"/dashboard/?org={ctx.root.pk}&{_campaign(ctx)}",
        as_user=_office,
    ),
    Target(
        "pledge creation POST",
        lambda ctx: f"/pledges/new/?member={{id}}&{_campaign(ctx)}",
        as_user=_district_admin,
        form=_pledge_form,
        ids=_members_without_pledge,
        cleanup=_remove_posted_pledges,
        expect=302,
    ),
]


# --- In process: the calendar's sweeps and the inbox (issue 13) -----------------------------------


def _sweep_campaign(ctx: BenchContext):
    """The bench campaign with a 公开承诺 stage ending in a week (every branch with a member
    still to pledge is reminded), and the day its public pledges are all overdue."""
    from campaign.models import Phase, PhaseKind, Work

    campaign = bench_campaign(ctx)
    today = timezone.localdate()
    Phase.objects.get_or_create(
        campaign=campaign,
        work=Work.PLEDGES,
        defaults={
            "name": "公开承诺",
            "kind": PhaseKind.STAGE,
            "starts_on": campaign.starts_on,
            "ends_on": today + datetime.timedelta(days=7),
        },
    )
    return campaign


def _sweep_setup(kind: str, day):
    def setup(ctx: BenchContext):
        from oversight import sweeps

        as_of = day(_sweep_campaign(ctx))

        def sweep():
            return sweeps.run(kind, as_of).created

        return sweep

    return setup


def _inbox_user(ctx: BenchContext):
    """The bench secretary, with a page of notifications in the inbox."""
    from campaign.models import NoticeKind, Notification
    from campaign.notifications import deliver

    users = bench_users(ctx)
    deliver(
        Notification(
            kind=NoticeKind.SUPERVISION,
            organization=users.branch,
            role_kind=RoleKind.SECRETARY,
            subject=f"bench:{index}",
            title=f"请尽快完成第 {index} 项工作",
            body="按活动日历，本项工作将于下周截止。",
            url=f"/orgs/{users.branch.pk}/",
        )
        for index in range(30)
    )
    return users.secretary


BENCHMARKS = [
    Benchmark(
        "sweep: deadlines (district)",
        _sweep_setup("deadlines", lambda c: timezone.localdate()),
        target_ms=5000,
        repeat=3,
        quick_repeat=1,
        rollback=True,
    ),
    Benchmark(
        "sweep: quarterly (district)",
        _sweep_setup("quarterly", lambda c: timezone.localdate()),
        target_ms=5000,
        repeat=3,
        quick_repeat=1,
        rollback=True,
    ),
    # The worst day: every public pledge of the district overdue at once (~70,000), each told to
    # its branch and, past the escalation days, to the level above.
    Benchmark(
        "sweep: overdue (district, all late)",
        _sweep_setup("overdue", lambda c: c.ends_on - datetime.timedelta(days=20)),
        target_ms=5000,
        repeat=3,
        quick_repeat=1,
        rollback=True,
        quick_memory=False,
    ),
    page("inbox (branch secretary)", lambda ctx: "/inbox/", as_user=_inbox_user, target_ms=50),
]


# --- In process: the dashboard (issue 14) ---------------------------------------------------


def _dashboard_campaign(ctx: BenchContext):
    """The pledges' bench campaign with reviews (0–3 per basic organisation), one finished
    evaluation round per basic organisation with its satisfaction votes and ten answers, made
    once."""
    from reviews.models import EvaluationRound, LeaderReview, RoundState
    from reviews.selectors import reviewed_organizations

    campaign = bench_campaign(ctx)
    if "oversight.dashboard" in ctx.cache:
        return campaign
    if not EvaluationRound.objects.filter(campaign=campaign).exists():
        users = bench_users(ctx)
        today = timezone.localdate()
        orgs = list(reviewed_organizations(campaign).values_list("pk", flat=True))
        reviews, rounds = [], []
        for pk in orgs:
            reviews += [
                LeaderReview(
                    campaign=campaign,
                    organization_id=pk,
                    author=users.office,
                    reviewer_org=ctx.root,
                    reviewer_role=RoleKind.SECRETARY,
                    held_on=max(campaign.starts_on, today - datetime.timedelta(days=10 + n)),
                    form="forum",
                    rating="good",
                    achievements="坚持开展走访，兑现承诺事项。",
                    direction="细化承诺，按月公开践诺情况。",
                )
                for n in range(pk % 4)
            ]
            rated = 40 + pk % 60
            rounds.append(
                EvaluationRound(
                    campaign=campaign,
                    organization_id=pk,
                    run_by=ctx.root,
                    title="群众评议",
                    starts_on=campaign.starts_on,
                    ends_on=campaign.starts_on,
                    state=RoundState.CLOSED,
                    satisfied_votes=rated - pk % 15,
                    rated_votes=rated,
                )
            )
        LeaderReview.objects.bulk_create(reviews, batch_size=2000)
        made = EvaluationRound.objects.bulk_create(rounds, batch_size=2000)
        _answers(made)
    ctx.cache["oversight.dashboard"] = True
    return campaign


def bench_data(ctx: BenchContext) -> dict[str, int]:
    """The dashboard's reviews, rounds and answers (bench DATA), and their sizes."""
    from reviews.models import Answer, EvaluationRound

    _dashboard_campaign(ctx)
    return {"评议": EvaluationRound.objects.count(), "评议表": Answer.objects.count()}


DATA = [bench_data]
ANSWERS_PER_ROUND = 10


def _answers(rounds) -> None:
    """The ballots behind each finished round (its figures are the votes kept at closing)."""
    from reviews.models import DEFAULT_ITEMS, Answer, ParticipantGroup, Satisfaction

    choices, groups = list(Satisfaction.values), list(ParticipantGroup.values)
    batch = []
    for round_ in rounds:
        batch += [
            Answer(
                round=round_,
                group=groups[n % len(groups)],
                choices={item: choices[(n + i) % 3] for i, item in enumerate(DEFAULT_ITEMS)},
                comment="希望多开展活动" if n % 7 == 0 else "",
                answered_on=round_.ends_on,
            )
            for n in range(ANSWERS_PER_ROUND)
        ]
        if len(batch) >= 20000:
            Answer.objects.bulk_create(batch, batch_size=2000)
            batch = []
    Answer.objects.bulk_create(batch, batch_size=2000)


def _dashboard_url(org_of):
    """The dashboard of an organisation (in process the cache is off: rendered afresh)."""
    return lambda ctx: f"/dashboard/?org={org_of(ctx).pk}&campaign={_dashboard_campaign(ctx).pk}"


def _dashboard_reference(ctx: BenchContext):
    """One hand-written statement over the raw tables giving the district's figures per town:
    members, pledges by state with the overdue ones, reviews held, rounds and satisfaction,
    rectifications open and overdue. What the dashboard is held within 3× of."""
    from django.db import connection

    campaign = _dashboard_campaign(ctx)
    today = timezone.localdate()
    n = len(ctx.root.path) + 4
    sql = f"""
        WITH u AS (SELECT id, substr(path, 1, {n}) AS unit, active FROM orgs_organization
                   WHERE path LIKE %(prefix)s),
        mem AS (SELECT u.unit, COUNT(*) AS members FROM orgs_member m
                JOIN u ON u.id = m.branch_id WHERE m.active GROUP BY u.unit),
        pl AS (SELECT u.unit, p.state, COUNT(*) AS pledges,
                      SUM(CASE WHEN p.deadline < %(today)s
                               AND p.state NOT IN ('completed', 'assessed') THEN 1 ELSE 0 END)
                      AS overdue
               FROM pledges_pledge p LEFT JOIN orgs_member m ON m.id = p.member_id
               JOIN u ON u.id = COALESCE(p.organization_id, m.branch_id)
               WHERE p.campaign_id = %(campaign)s AND (p.organization_id IS NOT NULL OR m.active)
               GROUP BY u.unit, p.state),
        rv AS (SELECT u.unit, COUNT(*) AS held FROM reviews_leaderreview r
               JOIN u ON u.id = r.organization_id
               WHERE r.campaign_id = %(campaign)s AND r.member_id IS NULL AND u.active
               GROUP BY u.unit),
        rd AS (SELECT u.unit, COUNT(*) AS rounds, SUM(r.satisfied_votes) AS satisfied,
                      SUM(r.rated_votes) AS rated
               FROM reviews_evaluationround r JOIN u ON u.id = r.organization_id
               WHERE r.campaign_id = %(campaign)s AND NOT r.members_only
               AND r.state <> 'preparing' GROUP BY u.unit),
        rc AS (SELECT u.unit, SUM(CASE WHEN r.state <> 'closed' THEN 1 ELSE 0 END) AS open,
                      SUM(CASE WHEN r.state IN ('registered', 'in_progress')
                               AND r.deadline < %(today)s THEN 1 ELSE 0 END) AS overdue
               FROM reviews_rectification r JOIN u ON u.id = r.organization_id GROUP BY u.unit)
        SELECT mem.unit, mem.members, pl.state, pl.pledges, pl.overdue, rv.held, rd.rounds,
               rd.satisfied, rd.rated, rc.open, rc.overdue
        FROM mem LEFT JOIN pl ON pl.unit = mem.unit LEFT JOIN rv ON rv.unit = mem.unit
        LEFT JOIN rd ON rd.unit = mem.unit LEFT JOIN rc ON rc.unit = mem.unit
    """
    params = {"prefix": ctx.root.path + "%", "today": today, "campaign": campaign.pk}

    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return len(cursor.fetchall())

    return run


def _secretary_home(ctx: BenchContext):
    bench_campaign(ctx)
    return bench_users(ctx).secretary


BENCHMARKS += [
    page("dashboard (district)", _dashboard_url(lambda c: c.root), as_user=_office, target_ms=50),
    page(
        "dashboard (town)",
        _dashboard_url(lambda c: bench_users(c).town),
        as_user=_office,
        target_ms=50,
    ),
    page(
        "dashboard (branch)",
        _dashboard_url(lambda c: bench_users(c).branch),
        as_user=_office,
        target_ms=50,
    ),
    Benchmark("dashboard reference SQL (district)", _dashboard_reference, repeat=10),
    page(
        "ranking (district)",
        lambda ctx: f"/dashboard/ranking/?org={ctx.root.pk}&campaign={_dashboard_campaign(ctx).pk}",
        as_user=_office,
        target_ms=100,
    ),
    page("home (branch secretary)", lambda ctx: "/", as_user=_secretary_home, target_ms=50),
]


def _statistics_sheet(ctx: BenchContext):
    """The statistics sheet of the district's towns (XLSX), written in memory."""
    import io

    from core.exports import write_xlsx

    from .exports import statistics_table

    campaign = _dashboard_campaign(ctx)
    office = _office(ctx)

    def run() -> int:
        table = statistics_table({"org": ctx.root.pk, "campaign": campaign.pk}, office)
        write_xlsx(table, io.BytesIO())
        return table.count

    return run


BENCHMARKS += [Benchmark("statistics sheet XLSX (district)", _statistics_sheet, 1000, 5, 2)]


def _campaign_report(ctx: BenchContext):
    """The district's campaign report (PDF), in process."""
    from .report import report_pdf

    campaign = _dashboard_campaign(ctx)

    def run() -> int:
        return len(report_pdf(ctx.root, campaign))

    return run


BENCHMARKS += [Benchmark("campaign report PDF (district)", _campaign_report, 10000, 3, 1)]
