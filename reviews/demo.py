"""Demo reviews, rectifications and verdicts on the demo campaign (see core/demo.py).

The `leader` login (上级领导 of 东城街道党工委) has reviewed about half of the organisations below
it, so its page lists the rest; one of its reviews named a problem of 幸福社区党支部 that is
registered for correction (the `secretary` login reports it, the leader closes it), another
problem waits for 销号; some completed pledges of the secretary's branch have their verdicts.
"""

import datetime
import random

from django.contrib.auth import get_user_model
from django.db.models import DateField, ExpressionWrapper, F
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.models import Requirements
from core.demo import DemoContext
from orgs.models import Organization, Role, RoleKind
from pledges import workflow
from pledges.models import Pledge, PledgeState

from . import evaluations, recognition, services
from .models import (
    Commendation,
    CommendationKind,
    EvaluationRound,
    Fulfilment,
    LeaderReview,
    MemberStar,
    OrgGrading,
    Rating,
    Rectification,
    ReviewForm,
    VerdictKind,
)

ACHIEVEMENTS = [
    "支部承诺事项具体，践诺记录及时公开，群众反映良好。",
    "结合社区实际开展走访，为困难群众办成了几件实事。",
    "“三会一课”坚持较好，党员参与承诺践诺积极性较高。",
]
PROBLEMS = [
    "部分党员承诺内容较空泛，缺少可衡量的标准。",
    "践诺记录更新不及时，个别承诺已逾期未说明原因。",
    "",
]
DIRECTIONS = [
    "细化承诺事项，做到“不求多、讲究实、能做到”，每月公开践诺进展。",
    "加强对党员践诺的督促，逾期事项要说明原因并限期整改。",
]


def build(ctx: DemoContext) -> None:
    campaign = ctx.shared.get("campaign")
    if campaign is None:
        return
    Requirements.objects.get_or_create(campaign=campaign)
    shift = ctx.shared.get("campaign_shift")
    if shift:
        shift_demo_dates(campaign, shift)
    if LeaderReview.objects.filter(campaign=campaign).exists():
        return
    leader = get_user_model().objects.filter(username="leader").first()
    role = Role.objects.filter(user=leader, kind=RoleKind.LEADER).select_related("organization")
    role = role.first() if leader else None
    if role is None:
        return
    reviews = _reviews(campaign, leader, role.organization, random.Random(ctx.seed))
    _rectifications(leader, reviews)
    _verdicts(campaign)
    _evaluations(campaign, leader, role.organization)
    _recognition(campaign, leader)
    ctx.say(
        _("领导点评 %(reviews)s 条，整改事项 %(items)s 项。")
        % {"reviews": len(reviews), "items": Rectification.objects.count()}
    )


def _recognition(campaign, leader) -> None:
    """The secretary's branch has proposed its members' stars, waiting for the leader's 街道 to
    confirm them; the district has published one commendation (典型引路)."""
    secretary = get_user_model().objects.filter(username="secretary").first()
    branch = Organization.objects.filter(name="幸福社区党支部").first()
    if secretary is None or branch is None:
        return
    year = timezone.localdate().year
    members = list(branch.members.filter(active=True).order_by("pk")[:12])
    stars = {member.pk: 3 + member.pk % 6 for member in members}
    recognition.propose_stars(branch, by=secretary, year=year, stars=stars)
    fulfilled = (
        Pledge.objects.filter(campaign=campaign, final_verdict__result=Fulfilment.FULFILLED)
        .select_related("member")
        .first()
    )
    office = get_user_model().objects.filter(username="office").first()
    if fulfilled is None or fulfilled.member is None or office is None:
        return
    item = recognition.record_commendation(
        campaign.organization,
        by=office,
        kind=CommendationKind.MEMBER,
        member=fulfilled.member,
        campaign=campaign,
        title=_("%(year)s 年度优秀共产党员") % {"year": year},
        citation=_("带头作出并兑现公开承诺“%(title)s”，群众评价好。") % {"title": fulfilled.title},
        awarded_on=timezone.localdate(),
    )
    recognition.publish_commendation(item, by=office)


def wipe() -> None:
    # Rounds point at their rectification; rectifications protect their reviews; reviews
    # protect campaigns and organisations.
    Commendation.objects.all().delete()
    MemberStar.objects.all().delete()
    OrgGrading.objects.all().delete()
    EvaluationRound.objects.all().delete()
    Rectification.objects.all().delete()
    LeaderReview.objects.all().delete()


def shift_demo_dates(campaign, shift: datetime.timedelta) -> None:
    """Moves the reviews' and rectifications' dates with the campaign (campaign/demo.py)."""
    LeaderReview.objects.filter(campaign=campaign).update(
        held_on=ExpressionWrapper(F("held_on") + shift, output_field=DateField())
    )
    Rectification.objects.update(
        deadline=ExpressionWrapper(F("deadline") + shift, output_field=DateField())
    )


def _reviews(campaign, leader, top: Organization, rng) -> list[LeaderReview]:
    """Reviews by the leader of about half of the organisations below it (the secretary's branch
    among them, with a problem named)."""
    today = timezone.localdate()
    below = list(
        Organization.objects.within(top)
        .exclude(pk=top.pk)
        .filter(active=True)
        .exclude(kind="group")
    )
    chosen = [org for org in below if org.name == "幸福社区党支部"]
    chosen += [org for org in below if org not in chosen and rng.random() < 0.5]
    reviews = []
    for index, org in enumerate(chosen):
        first = index == 0
        held_on = max(campaign.starts_on, today - datetime.timedelta(days=rng.randint(1, 40)))
        reviews.append(
            services.write_review(
                campaign,
                by=leader,
                organization=org,
                held_on=held_on,
                form=rng.choice(ReviewForm.values),
                rating=Rating.FAIRLY_GOOD if first else rng.choice(Rating.values[:3]),
                achievements=rng.choice(ACHIEVEMENTS),
                problems=PROBLEMS[0] if first else rng.choice(PROBLEMS),
                direction=rng.choice(DIRECTIONS),
            )
        )
    return reviews


def _rectifications(leader, reviews: list[LeaderReview]) -> None:
    """The secretary's branch's problem registered; another one reported and waiting for 销号."""
    today = timezone.localdate()
    with_problems = [review for review in reviews if review.problems]
    for index, review in enumerate(with_problems[:2]):
        item = services.register_rectification(
            review.organization,
            by=leader,
            review=review,
            problem=review.problems,
            responsible_person=_("支部书记"),
            measures="" if index == 0 else _("逐一对照检查承诺，补充量化标准。"),
            deadline=today + datetime.timedelta(days=30 if index == 0 else 10),
        )
        if index == 1:
            # Reported done by the district's administrator (a managing role over the branch,
            # which has no secretary login of its own), so the leader has one to close.
            admin = get_user_model().objects.filter(username="admin").first()
            if admin is not None:
                services.report_rectification(
                    item, by=admin, note=_("已组织党员逐条修改承诺，补充完成时限和数量标准。")
                )


def _verdicts(campaign) -> None:
    """Two completed pledges of the secretary's branch at least: the first with its 自评 and 组织评
    (so a final verdict), the others waiting for theirs."""
    secretary = get_user_model().objects.filter(username="secretary").first()
    if secretary is None:
        return
    pledges = Pledge.objects.filter(
        campaign=campaign, member__branch__name="幸福社区党支部"
    ).select_related("member__branch")
    completed = list(pledges.filter(state=PledgeState.COMPLETED))
    for pledge in pledges.filter(state=PledgeState.FULFILLING)[: max(0, 3 - len(completed))]:
        completed.append(workflow.complete_pledge(pledge, by=secretary))
    for pledge in completed[:1]:
        for kind in (VerdictKind.SELF, VerdictKind.ORGANIZATION):
            services.give_verdict(pledge, kind, by=secretary, result=Fulfilment.FULFILLED)


def _evaluations(campaign, leader, top: Organization) -> None:
    """群众评议 run by the leader's 街道: one running for 幸福社区党支部 (codes out, a few answers
    in), one published for another branch whose low satisfaction opened a rectification."""
    today = timezone.localdate()
    branches = list(
        Organization.objects.within(top).filter(kind="branch", active=True).order_by("path")
    )
    running = next((org for org in branches if org.name == "幸福社区党支部"), None)
    done = next((org for org in branches if org is not running), None)
    if running is not None:
        item = evaluations.create_round(
            running,
            campaign,
            by=leader,
            title=_("%(name)s群众评议") % {"name": running.name},
            starts_on=today,
            ends_on=min(campaign.ends_on, today + datetime.timedelta(days=14)),
            methods=["questionnaire", "box"],
            appraise_members=True,
        )
        item = evaluations.open_round(item, by=leader)
        codes = evaluations.issue_codes(item, by=leader, group="public", count=8)
        for code in codes[:3]:
            evaluations.answer(code, choices={i: "satisfied" for i in item.items})
    if done is not None:
        item = evaluations.create_round(
            done,
            campaign,
            by=leader,
            title=_("%(name)s群众评议") % {"name": done.name},
            starts_on=max(campaign.starts_on, today - datetime.timedelta(days=20)),
            ends_on=today,
            methods=["questionnaire", "forum"],
        )
        item = evaluations.open_round(item, by=leader)
        weak = {"服务群众": "dissatisfied", "履行承诺": "basic"}
        for index, code in enumerate(
            evaluations.issue_codes(item, by=leader, group="served", count=12)
        ):
            choice = "dissatisfied" if index % 2 else "satisfied"
            evaluations.answer(code, choices={i: weak.get(i, choice) for i in item.items})
        evaluations.set_tally(
            item,
            by=leader,
            source="paper",
            group="public",
            item="总体评价",
            satisfied=6,
            basic=4,
            dissatisfied=5,
        )
        item = evaluations.close_round(item, by=leader)
        evaluations.publish_round(item, by=leader)
