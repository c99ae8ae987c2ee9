"""Grades (三分类三升级), stars (党员争星) and commendations (典型引路): the writes, and the
candidates for a commendation suggested from evidence.

- A grade is confirmed for a year by the level above, from the grade the ranking suggests
  (oversight.ranking); giving another needs a reason. A 二类 or 三类 unit's upgrade measures
  (三升级) are registered as a rectification (source 三升级), followed like every other.
- Stars are proposed by the branch for its members in bulk, and confirmed (or sent back with a
  reason) by the level above; a confirmed year is changed only by proposing it again.
- A commendation is recorded by the office with its citation, then published on the public
  page; its candidates come from the evidence (suggest_members, suggest_organizations), shown
  beside them, never typed in blind.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.models import Campaign
from core.audit import audited
from core.services import require
from orgs import access as org_access
from orgs.models import Grade, Member, Organization, subtree_q
from pledges.models import Pledge

from . import access, services
from .models import (
    MAX_STARS,
    Commendation,
    CommendationKind,
    Fulfilment,
    LeaderReview,
    MemberStar,
    OrgGrading,
    Rating,
    RectificationSource,
    StarState,
)

# --- 三分类三升级 ---------------------------------------------------------------------------------


def grade_organization(
    org: Organization,
    *,
    by,
    year: int,
    grade: str,
    suggested: str = "",
    score=None,
    reason: str = "",
    measures: str = "",
    deadline: datetime.date | None = None,
) -> OrgGrading:
    """Confirms (or overrides, with a reason) the organisation's grade for the year; a 二类 or
    三类 unit's upgrade measures, when given (and for 三类 they must be), become a rectification."""
    above = access.role_above(by, org, access.REGISTERING_ROLES)
    require(above is not None and org.active)
    errors = {}
    if grade not in Grade.values:
        errors["grade"] = _("请选择定级。")
    if suggested and grade != suggested and not reason.strip():
        errors["reason"] = _("与建议定级不同，请写明理由。")
    if grade == Grade.THIRD and not measures.strip():
        errors["measures"] = _("评为三类的组织须写明升级措施。")
    if measures.strip() and grade == Grade.FIRST:
        errors["measures"] = _("一类组织不需要登记升级措施。")
    if measures.strip() and deadline is None:
        errors["deadline"] = _("请填写升级措施的完成时限。")
    if errors:
        raise ValidationError(errors)
    with audited(by=by):
        grading = OrgGrading.objects.create(
            organization=org,
            year=year,
            grade=grade,
            suggested=suggested or "",
            score=score,
            reason=reason.strip(),
            by_org_id=above[0],
            by=by,
        )
        Organization.objects.filter(pk=org.pk).update(grade=grade)
        if measures.strip():
            services.register_rectification(
                org,
                by=by,
                problem=_("三升级：%(year)s 年度评为%(grade)s，须采取升级措施。")
                % {"year": year, "grade": Grade(grade).label},
                measures=measures,
                deadline=deadline,
                responsible_person=_("党组织书记"),
                source=RectificationSource.UPGRADE,
            )
    return grading


def gradings_of(orgs, year: int) -> dict[int, OrgGrading]:
    """The latest grading of the year of each organisation, by id (one query)."""
    latest = {}
    for grading in OrgGrading.objects.filter(organization__in=orgs, year=year).order_by("at", "id"):
        latest[grading.organization_id] = grading
    return latest


# --- 党员争星 -------------------------------------------------------------------------------


def propose_stars(branch: Organization, *, by, year: int, stars: dict[int, int | None]) -> int:
    """The branch's stars for its active members (member id → 1–10, or None to leave one out):
    saved together or not at all, each proposed again for the level above to confirm. Returns
    how many were proposed."""
    require(access.can_propose_stars(by, branch))
    members = dict(
        Member.objects.filter(branch=branch, active=True, pk__in=stars).values_list("pk", "name")
    )
    errors = []
    for pk, value in stars.items():
        if pk not in members:
            errors.append(_("党员编号 %(pk)s 不是本支部的在册党员。") % {"pk": pk})
        elif value is not None and not 1 <= value <= MAX_STARS:
            errors.append(
                _("%(name)s：星级须在 1 到 %(max)s 之间。")
                % {"name": members[pk], "max": MAX_STARS}
            )
    if errors:
        raise ValidationError(errors)
    wanted = {pk: value for pk, value in stars.items() if value is not None}
    if not wanted:
        raise ValidationError(_("请至少为一名党员评定星级。"))
    with audited(by=by):
        for pk, value in wanted.items():
            MemberStar.objects.update_or_create(
                member_id=pk,
                year=year,
                defaults={
                    "branch": branch,
                    "stars": value,
                    "state": StarState.PROPOSED,
                    "note": "",
                    "proposed_by": by,
                    "confirmed_by": None,
                },
            )
    return len(wanted)


def confirm_stars(branch: Organization, *, by, year: int) -> int:
    """The level above confirms every proposal of the branch for the year."""
    require(access.can_confirm_stars(by, branch))
    with audited(by=by):
        return MemberStar.objects.filter(branch=branch, year=year, state=StarState.PROPOSED).update(
            state=StarState.CONFIRMED, confirmed_by=by, note=""
        )


def return_stars(branch: Organization, *, by, year: int, reason: str) -> int:
    """The level above sends the proposals back with the reason, for the branch to propose
    again."""
    require(access.can_confirm_stars(by, branch))
    if not reason.strip():
        raise ValidationError({"reason": _("退回时请写明原因。")})
    with audited(by=by):
        return MemberStar.objects.filter(branch=branch, year=year, state=StarState.PROPOSED).update(
            state=StarState.RETURNED, note=reason.strip()
        )


# --- 典型引路 -------------------------------------------------------------------------------


def record_commendation(awarded_by: Organization, *, by, **fields) -> Commendation:
    """Records a commendation awarded by `awarded_by` to an organisation or member below it."""
    require(access.can_commend(by, awarded_by))
    item = Commendation(awarded_by=awarded_by, created_by=by, **fields)
    errors = {}
    if item.kind == CommendationKind.ORGANIZATION and item.organization is None:
        errors["organization"] = _("请选择受表彰的党组织。")
    if item.kind in (CommendationKind.MEMBER, CommendationKind.WORKER) and item.member is None:
        errors["member"] = _("请选择受表彰的党员。")
    subject = item.member.branch if item.member is not None else item.organization
    if subject is not None and not subject.path.startswith(awarded_by.path):
        errors["organization"] = _("只能表彰本级及下级的组织和党员。")
    if errors:
        raise ValidationError(errors)
    item.full_clean(exclude=["awarded_by", "created_by", "organization", "member", "campaign"])
    with audited(by=by):
        item.save()
    return item


def publish_commendation(item: Commendation, *, by, published: bool = True) -> Commendation:
    require(access.can_commend(by, item.awarded_by))
    with audited(by=by):
        Commendation.objects.filter(pk=item.pk).update(published=published)
    item.published = published
    return item


@dataclass
class Candidate:
    """Someone the evidence suggests for a commendation, with that evidence."""

    organization: Organization | None = None
    member: Member | None = None
    evidence: list[str] = field(default_factory=list)
    weight: int = 0  # how strongly: the sort key, best first


def suggest_members(org: Organization, campaign: Campaign, year: int, limit: int = 20):
    """Members below `org` whose pledge was assessed 已兑现, ranked by the evidence: that
    verdict, good ratings in leader reviews of them, and their confirmed stars this year."""
    within = subtree_q(org.path, "member__branch__path")
    fulfilled = (
        Pledge.objects.filter(within, campaign=campaign, member__active=True)
        .filter(final_verdict__result=Fulfilment.FULFILLED)
        .select_related("member__branch")
    )
    members = {pledge.member_id: pledge for pledge in fulfilled}
    if not members:
        return []
    good_reviews = dict(
        LeaderReview.objects.filter(campaign=campaign, member_id__in=members, rating=Rating.GOOD)
        .values_list("member_id")
        .annotate(n=Count("id"))
    )
    stars = dict(
        MemberStar.objects.filter(
            member_id__in=members, year=year, state=StarState.CONFIRMED
        ).values_list("member_id", "stars")
    )
    found = []
    for pk, pledge in members.items():
        evidence = [_("承诺“%(title)s”最终评价：已兑现") % {"title": pledge.title}]
        if good_reviews.get(pk):
            evidence.append(_("领导点评为“好” %(n)s 次") % {"n": good_reviews[pk]})
        if stars.get(pk):
            evidence.append(_("%(year)s 年度 %(n)s 星") % {"year": year, "n": stars[pk]})
        weight = 10 + 5 * good_reviews.get(pk, 0) + stars.get(pk, 0)
        found.append(Candidate(member=pledge.member, evidence=evidence, weight=weight))
    found.sort(key=lambda c: (-c.weight, c.member.name))
    return found[:limit]


def this_year() -> int:
    return timezone.localdate().year


def star_sheet(branch: Organization, year: int):
    """The branch's active members with their stars of the year (None when not proposed) and
    their history (earlier years), for the grid."""
    members = list(Member.objects.filter(branch=branch, active=True).order_by("name", "pk"))
    rows = MemberStar.objects.filter(member__in=members).order_by("year")
    by_member: dict[int, dict[int, MemberStar]] = {}
    for row in rows:
        by_member.setdefault(row.member_id, {})[row.year] = row
    return [(member, by_member.get(member.pk, {})) for member in members]


def proposals_waiting(branch: Organization, year: int) -> int:
    return MemberStar.objects.filter(branch=branch, year=year, state=StarState.PROPOSED).count()


def waiting_below(user, year: int):
    """The branches with stars waiting for the user's confirmation, with how many (one query)."""
    paths = org_access.scope_paths(user, kinds=access.REGISTERING_ROLES) or []
    if not paths:
        return []
    below = Q(pk__in=[])
    for path in paths:
        below |= subtree_q(path, "branch__path") & ~Q(branch__path=path)
    return list(
        MemberStar.objects.filter(below, year=year, state=StarState.PROPOSED)
        .values("branch_id", "branch__name")
        .annotate(n=Count("id"))
        .order_by("branch__path")
    )
