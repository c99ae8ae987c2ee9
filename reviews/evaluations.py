"""群众评议: rounds run by the level above, their one-time codes, paper tallies, closing with the
results (satisfaction overall, per item and per group), 公示, and the consequences (a
rectification below the campaign's threshold).

Satisfaction is 满意 + 基本满意 over all the responses counted (every item of every ballot, online
and on paper). A participant group with fewer than MIN_GROUP ballots is never shown on its own:
it counts in the total only, and when exactly one group would be hidden, the next smallest is
hidden with it, so the total minus the groups shown never gives it away (`suppressed`).
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign import notifications
from campaign import services as campaign_services
from campaign.models import Campaign, NoticeKind
from campaign.requirements import requirements_of
from core.audit import audited
from core.services import require
from orgs import access as org_access
from orgs.models import Member, Organization
from pledges.models import Pledge

from . import access, ballots, services
from .models import (
    DEFAULT_ITEMS,
    PLEDGE_ITEM,
    Answer,
    BallotCode,
    EvaluationMethod,
    EvaluationRound,
    Fulfilment,
    MemberGrade,
    ParticipantGroup,
    Questionnaire,
    RectificationSource,
    RoundState,
    Satisfaction,
    Tally,
    UnusedCode,
    Verdict,
    VerdictKind,
)
from .suggestions import counts as suggestion_counts

MIN_GROUP = 5
MAX_CODES = 500  # per issue, per group
COMMENT_LIMIT = 500


def create_round(
    organization: Organization,
    campaign: Campaign,
    *,
    by,
    title: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    methods=(),
    questionnaire: Questionnaire | None = None,
    appraise_members: bool = False,
) -> EvaluationRound:
    above = access.role_above(by, organization, access.REGISTERING_ROLES)
    require(above is not None and organization.active)
    campaign_services.require_open(campaign)
    errors = {}
    if not title.strip():
        errors["title"] = _("请填写评议名称。")
    if ends_on < starts_on:
        errors["ends_on"] = _("结束日期不能早于开始日期。")
    if any(method not in EvaluationMethod.values for method in methods):
        errors["methods"] = _("评议方式中有无法识别的项目。")
    if not organization.path.startswith(campaign.organization.path):
        errors["title"] = _("“%(org)s”不在该活动范围内。") % {"org": organization.name}
    if errors:
        raise ValidationError(errors)
    round_ = EvaluationRound(
        campaign=campaign,
        organization=organization,
        run_by_id=above[0],
        title=title.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        methods=list(methods),
        questionnaire=questionnaire,
        appraise_members=appraise_members,
        created_by=by,
    )
    with audited(by=by):
        round_.save()
    return round_


def _move(
    round_: EvaluationRound, to: str, sources, *, by, only_if=None, **fields
) -> EvaluationRound:
    if round_.state not in sources:
        raise ValidationError(
            _("本次评议当前为“%(state)s”，不能执行此操作。") % {"state": round_.get_state_display()}
        )
    with audited(by=by):
        moved = EvaluationRound.objects.filter(
            pk=round_.pk, state=round_.state, **(only_if or {})
        ).update(state=to, version=F("version") + 1, **fields)
        if not moved:
            raise ValidationError(_("本次评议已被他人处理，请刷新后再操作。"))
    round_.refresh_from_db()
    return round_


def _require_runner(by, round_: EvaluationRound) -> None:
    require(access.can_run(by, round_))
    campaign_services.require_open_id(round_.campaign_id)


def create_members_round(
    organization: Organization,
    campaign: Campaign,
    *,
    by,
    title: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
) -> EvaluationRound:
    """A branch's own 党员民主评议 of its members: the members rated, no questionnaire."""
    require(organization.active and org_access.can_manage(by, organization))
    errors = {}
    if not organization.holds_members:
        errors["title"] = _("该组织没有直属党员，不能开展党员民主评议。")
    if not title.strip():
        errors["title"] = _("请填写评议名称。")
    if ends_on < starts_on:
        errors["ends_on"] = _("结束日期不能早于开始日期。")
    if errors:
        raise ValidationError(errors)
    round_ = EvaluationRound(
        campaign=campaign,
        organization=organization,
        run_by=organization,
        title=title.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        appraise_members=True,
        members_only=True,
        created_by=by,
    )
    with audited(by=by):
        round_.save()
    return round_


def open_round(round_: EvaluationRound, *, by) -> EvaluationRound:
    """进行中: the questionnaire's items are copied now, so a later edit of the template never
    changes this round."""
    _require_runner(by, round_)
    if round_.members_only:
        items = []
    else:
        items = list(round_.questionnaire.items) if round_.questionnaire else list(DEFAULT_ITEMS)
    return _move(round_, RoundState.OPEN, (RoundState.PREPARING,), by=by, items=items)


def withdraw_codes(round_: EvaluationRound, *, by, group: str) -> int:
    """Withdraws the unused codes of a group (slips lost or handed out wrongly); returns how
    many. Answers already given stay."""
    _require_runner(by, round_)
    if group not in ParticipantGroup.values:
        raise ValidationError({"group": _("请选择参评类别。")})
    with transaction.atomic():
        marks = UnusedCode.objects.select_for_update().filter(code__round=round_, code__group=group)
        ids = list(marks.values_list("code_id", flat=True))
        UnusedCode.objects.filter(code_id__in=ids).delete()
        return BallotCode.objects.filter(pk__in=ids).update(withdrawn=True)


def issue_codes(round_: EvaluationRound, *, by, group: str, count: int) -> list[str]:
    """N one-time codes for one participant group, shown once (for the slips)."""
    _require_runner(by, round_)
    if round_.state not in (RoundState.PREPARING, RoundState.OPEN):
        raise ValidationError(_("评议已结束，不能再发放评议码。"))
    if group not in ParticipantGroup.values:
        raise ValidationError({"group": _("请选择参评类别。")})
    if not 1 <= count <= MAX_CODES:
        raise ValidationError({"count": _("每次发放 1 至 %(n)s 个评议码。") % {"n": MAX_CODES}})
    return ballots.issue(round_, group, count)


def appraised_members(round_: EvaluationRound):
    """The members a round's ballot rates (党员民主评议): the organisation's active members."""
    if not round_.appraise_members:
        return Member.objects.none()
    return Member.objects.filter(branch=round_.organization, active=True).order_by("name", "id")


def answer(code_text: str, *, choices: dict, comment: str = "", ratings=None, today=None) -> Answer:
    """A ballot answered online with its one-time code (no account): every item answered; the
    members rated where the round appraises them (a member one does not know may be left)."""
    today = today or timezone.localdate()
    code = ballots.open_code(code_text, today)
    items = code.round.items
    members = {str(pk) for pk in appraised_members(code.round).values_list("pk", flat=True)}
    ratings = {
        str(pk): grade
        for pk, grade in (ratings or {}).items()
        if str(pk) in members and grade in MemberGrade.values
    }
    errors = {}
    missing = [item for item in items if choices.get(item) not in Satisfaction.values]
    if missing:
        errors["choices"] = _("请对每一项作出评价：%(items)s。") % {"items": "、".join(missing)}
    if code.round.members_only and not ratings:
        errors["ratings"] = _("请至少评议一名党员。")
    if len(comment) > COMMENT_LIMIT:
        errors["comment"] = _("意见建议不能超过 %(n)s 个字。") % {"n": COMMENT_LIMIT}
    if errors:
        raise ValidationError(errors)
    kept = {item: choices[item] for item in items}
    return ballots.spend(code, choices=kept, ratings=ratings, comment=comment.strip(), today=today)


def set_tally(
    round_: EvaluationRound,
    *,
    by,
    source: str,
    group: str,
    item: str,
    satisfied: int,
    basic: int,
    dissatisfied: int,
) -> Tally:
    """Counts of paper 评议表 (or the 意见箱) for one item and group, keyed in by the level running
    the round; keying them again replaces them."""
    _require_runner(by, round_)
    if round_.state not in (RoundState.OPEN, RoundState.PREPARING):
        raise ValidationError(_("评议已结束，不能再录入纸质评议结果。"))
    if item not in round_.items:
        raise ValidationError({"item": _("请选择本次评议的项目。")})
    if group not in ParticipantGroup.values:
        raise ValidationError({"group": _("请选择参评类别。")})
    if min(satisfied, basic, dissatisfied) < 0 or max(satisfied, basic, dissatisfied) > 100000:
        raise ValidationError(_("份数应在 0 至 100000 之间。"))
    with audited(by=by):
        tally, _created = Tally.objects.update_or_create(
            round=round_,
            source=source,
            group=group,
            item=item,
            defaults={"satisfied": satisfied, "basic": basic, "dissatisfied": dissatisfied},
        )
    return tally


# --- Results -------------------------------------------------------------------------------------


def exact_rate(satisfied: int, basic: int, dissatisfied: int) -> float | None:
    """满意度: 满意 + 基本满意 over all responses, in percent (None without any), unrounded: what
    thresholds compare."""
    total = satisfied + basic + dissatisfied
    return 100 * (satisfied + basic) / total if total else None


def rate(satisfied: int, basic: int, dissatisfied: int) -> float | None:
    """The same to one decimal, as pages show it."""
    exact = exact_rate(satisfied, basic, dissatisfied)
    return None if exact is None else round(exact, 1)


def _exact(figures: dict) -> float | None:
    return exact_rate(figures["satisfied"], figures["basic"], figures["dissatisfied"])


def suppressed(ballots_by_group: dict[str, int], small: set[str] = frozenset()) -> set[str]:
    """The groups not shown on their own: those under MIN_GROUP ballots (and those in `small`,
    whose online or paper part alone is under it), then the smallest shown groups with them
    until the hidden ones hold MIN_GROUP ballots together — so the total minus the groups shown
    never gives a small group away — or every group is hidden."""
    hidden = {g for g, n in ballots_by_group.items() if n and (n < MIN_GROUP or g in small)}
    shown = sorted((n, g) for g, n in ballots_by_group.items() if n and g not in hidden)
    while hidden and shown and sum(ballots_by_group[g] for g in hidden) < MIN_GROUP:
        hidden.add(shown.pop(0)[1])
    if len(hidden) == 1 and shown:
        hidden.add(shown.pop(0)[1])
    return hidden


def results_of(round_: EvaluationRound) -> dict:
    """What closing records: ballots and satisfaction overall, per item, per group (suppressed
    as above), online and on paper kept apart, and the comments' count."""
    keys = [Satisfaction.SATISFIED, Satisfaction.BASIC, Satisfaction.DISSATISFIED]
    zero = {key: 0 for key in keys}
    per_item = {item: dict(zero) for item in round_.items}
    per_group: dict[str, dict] = {}
    ballots_by_group: dict[str, int] = {}
    online = comments = 0
    grades: dict[str, dict[str, int]] = {}
    for row in Answer.objects.filter(round=round_).values("group", "choices", "comment", "ratings"):
        online += 1
        for member, grade in (row["ratings"] or {}).items():
            counts_of = grades.setdefault(member, dict.fromkeys(MemberGrade.values, 0))
            if grade in counts_of:
                counts_of[grade] += 1
        comments += bool(row["comment"])
        ballots_by_group[row["group"]] = ballots_by_group.get(row["group"], 0) + 1
        counts = per_group.setdefault(row["group"], dict(zero))
        for item, choice in row["choices"].items():
            if item in per_item and choice in zero:
                per_item[item][choice] += 1
                counts[choice] += 1
    paper: dict[str, int] = {}
    paper_by_group: dict[tuple[str, str], int] = {}
    for tally in Tally.objects.filter(round=round_):
        if tally.item not in per_item:
            continue
        values = {
            "satisfied": tally.satisfied,
            "basic": tally.basic,
            "dissatisfied": tally.dissatisfied,
        }
        for key, n in values.items():
            per_item[tally.item][key] += n
            per_group.setdefault(tally.group, dict(zero))[key] += n
        # The ballots of a group on paper: its most answered item's count.
        size = sum(values.values())
        slot = (tally.source, tally.group)
        paper_by_group[slot] = max(paper_by_group.get(slot, 0), size)
    online_by_group = dict(ballots_by_group)
    for (source, group), n in paper_by_group.items():
        ballots_by_group[group] = ballots_by_group.get(group, 0) + n
        paper[source] = paper.get(source, 0) + n
    total = {key: sum(item[key] for item in per_item.values()) for key in keys}
    # A group's online part and its paper part are each judged on their own: the runner knows
    # what it keyed in, so a few online ballots beside many paper ones would still show.
    small = {g for g, n in online_by_group.items() if 0 < n < MIN_GROUP} | {
        g for (_source, g), n in paper_by_group.items() if 0 < n < MIN_GROUP
    }
    hidden = suppressed(ballots_by_group, small)
    labels = dict(ParticipantGroup.choices)
    ballots_total = online + sum(paper.values())
    return {
        "ballots": ballots_total,
        # Under MIN_GROUP ballots in all, no figure is shown: it would be someone's ballot.
        "too_few": 0 < ballots_total < MIN_GROUP,
        "online": online,
        "paper": paper.get("paper", 0),
        "box": paper.get("box", 0),
        "comments": comments,
        "suggestions": suggestion_counts(round_.organization, round_.starts_on, round_.ends_on),
        # Shown to the organisation and the levels above only, never on the public page.
        "members": _member_results(round_, grades),
        "overall": {**total, "rate": rate(*total.values())},
        "items": [
            {"item": item, **counts, "rate": rate(*counts.values())}
            for item, counts in per_item.items()
        ],
        "groups": [
            {
                "group": group,
                "label": str(labels.get(group, group)),
                "ballots": ballots_by_group[group],
                "shown": group not in hidden,
                "rate": rate(*per_group[group].values()) if group not in hidden else None,
            }
            for group in ParticipantGroup.values
            if ballots_by_group.get(group)
        ],
    }


def satisfaction_votes(results: dict) -> dict:
    """What a round's results add to the rollups' satisfaction: answers 满意 or 基本满意 and all
    answers, over every item and group; none when the round had too few ballots to show a
    figure (a district's rate must not reveal what a round's page hides)."""
    overall = results.get("overall") or {}
    if results.get("too_few") or not overall:
        return {"satisfied_votes": 0, "rated_votes": 0}
    satisfied = overall["satisfied"] + overall["basic"]
    return {"satisfied_votes": satisfied, "rated_votes": satisfied + overall["dissatisfied"]}


def code_totals(round_: EvaluationRound) -> dict:
    """{group: {issued, used, withdrawn}} of the round's codes: counts, never which. Kept with
    the results at closing, which deletes the codes themselves. A withdrawn code was never
    used (only unused ones are withdrawn); a used one is neither withdrawn nor marked unused."""
    rows = (
        BallotCode.objects.filter(round=round_)
        .values("group")
        .annotate(
            issued=Count("id"),
            withdrawn=Count("id", filter=Q(withdrawn=True)),
            unused=Count("id", filter=Q(Exists(UnusedCode.objects.filter(code=OuterRef("pk"))))),
        )
        .order_by("group")
    )
    return {
        row["group"]: {
            "issued": row["issued"],
            "used": row["issued"] - row["withdrawn"] - row["unused"],
            "withdrawn": row["withdrawn"],
        }
        for row in rows
    }


def member_grade(counts: dict[str, int]) -> str | None:
    """A member's result: the grade given most often; of grades given equally often, the
    lower (the benefit of the doubt goes to the ballots, not to the member)."""
    if not any(counts.values()):
        return None
    order = list(MemberGrade.values)
    return max(counts, key=lambda grade: (counts[grade], order.index(grade)))


def _member_results(round_: EvaluationRound, grades: dict) -> list[dict]:
    labels = dict(MemberGrade.choices)
    rows = []
    for member in appraised_members(round_):
        counts = grades.get(str(member.pk), dict.fromkeys(MemberGrade.values, 0))
        grade = member_grade(counts)
        rows.append(
            {
                "member": member.pk,
                "name": member.name,
                **counts,
                "grade": grade,
                "label": str(labels[grade]) if grade else "",
            }
        )
    return rows


# 群众评 of a member's pledge from the member's 党员民主评议 result (shown on the round's page).
GRADE_VERDICTS = {
    MemberGrade.EXCELLENT: Fulfilment.FULFILLED,
    MemberGrade.QUALIFIED: Fulfilment.FULFILLED,
    MemberGrade.BASIC: Fulfilment.MOSTLY,
    MemberGrade.UNQUALIFIED: Fulfilment.UNFULFILLED,
}


def close_round(round_: EvaluationRound, *, by) -> EvaluationRound:
    """已结束: the results are computed and kept; satisfaction below the campaign's threshold
    registers one rectification for the organisation (closing is done once, so it never opens
    a second)."""
    _require_runner(by, round_)
    with transaction.atomic():
        # The round's row locked: no answer is saved while its results are counted
        # (ballots.spend locks it too).
        list(EvaluationRound.objects.select_for_update().filter(pk=round_.pk).values_list("pk"))
        results = results_of(round_)
        results["codes"] = code_totals(round_)
        ballots.forget(round_)
        round_ = _move(
            round_,
            RoundState.CLOSED,
            (RoundState.OPEN,),
            by=by,
            results=results,
            **satisfaction_votes(results),
        )
        threshold = requirements_of(round_.campaign).satisfaction_threshold
        overall = results["overall"]["rate"]
        exact = _exact(results["overall"])
        if exact is not None and exact < threshold and round_.rectification_id is None:
            weakest = sorted(
                (item for item in results["items"] if item["rate"] is not None),
                key=lambda item: item["rate"],
            )[:2]
            problem = _("群众评议“%(title)s”满意度 %(rate)s%%，低于 %(threshold)s%%。") % {
                "title": round_.title,
                "rate": overall,
                "threshold": threshold,
            }
            if weakest:
                problem += _("较弱的项目：%(items)s。") % {
                    "items": "、".join(f"{i['item']}（{i['rate']}%）" for i in weakest)
                }
            item = services.register_rectification(
                round_.organization,
                by=by,
                problem=problem,
                responsible_person=_("支部书记"),
                deadline=timezone.localdate() + datetime.timedelta(days=30),
                source=RectificationSource.EVALUATION,
            )
            EvaluationRound.objects.filter(pk=round_.pk).update(rectification=item)
            round_.rectification = item
        _public_verdict(round_, results)
        _member_verdicts(round_, results)
    return round_


def public_result(rate_: float | None, requirements) -> str | None:
    """群众评 from a satisfaction rate, by the campaign's rule (shown on its page): at least
    `fulfilled_at` percent 已兑现, at least `mostly_at` 基本兑现, else 未兑现."""
    if rate_ is None:
        return None
    if rate_ >= requirements.fulfilled_at:
        return Fulfilment.FULFILLED
    if rate_ >= requirements.mostly_at:
        return Fulfilment.MOSTLY
    return Fulfilment.UNFULFILLED


def _public_verdict(round_: EvaluationRound, results: dict) -> None:
    """The organisation's own pledge in the round's campaign gets its 群众评 from the 履行承诺
    item, when the ballot asked it and the pledge is completed and has none yet."""
    item = next((i for i in results["items"] if i["item"] == PLEDGE_ITEM), None)
    result = public_result(_exact(item) if item else None, requirements_of(round_.campaign))
    if result is None:
        return
    pledge = Pledge.objects.filter(
        campaign=round_.campaign,
        organization=round_.organization,
        state__in=services.VERDICT_STATES,
    ).first()
    if pledge is None or Verdict.objects.filter(pledge=pledge, kind=VerdictKind.PUBLIC).exists():
        return
    comment = _("来自群众评议“%(title)s”：履行承诺满意度 %(rate)s%%。") % {
        "title": round_.title,
        "rate": item["rate"],
    }
    services.record_public_verdict(pledge, result=result, comment=comment)


def _member_verdicts(round_: EvaluationRound, results: dict) -> None:
    """Each appraised member's completed pledge gets its 群众评 from their result, once."""
    graded = {row["member"]: row for row in results.get("members", []) if row["grade"]}
    if not graded:
        return
    pledges = Pledge.objects.filter(
        campaign=round_.campaign, member_id__in=graded, state__in=services.VERDICT_STATES
    ).exclude(verdicts__kind=VerdictKind.PUBLIC)
    for pledge in pledges:
        row = graded[pledge.member_id]
        comment = _("来自群众评议“%(title)s”的党员民主评议：%(grade)s。") % {
            "title": round_.title,
            "grade": row["label"],
        }
        services.record_public_verdict(pledge, result=GRADE_VERDICTS[row["grade"]], comment=comment)


def publish_round(round_: EvaluationRound, *, by) -> EvaluationRound:
    """已公示: the results page opens to the public, unless the office holds it."""
    _require_runner(by, round_)
    if round_.members_only:
        raise ValidationError(_("党员民主评议的结果只在本组织和上级内部使用，不公示。"))
    if round_.held:
        raise ValidationError(_("活动办公室暂缓公示，待其审核后才能公示。"))
    # Not held at the moment of publishing either (a hold arriving meanwhile wins).
    round_ = _move(
        round_, RoundState.PUBLISHED, (RoundState.CLOSED,), by=by, only_if={"held": False}
    )
    notifications.tell(
        NoticeKind.RESULTS_PUBLISHED,
        round_.organization_id,
        title=_("群众评议结果已公示：%(title)s") % {"title": round_.title},
        subject=f"round:{round_.pk}",
        period="published",
        url=round_.get_absolute_url(),
        campaign_id=round_.campaign_id,
    )
    return round_


def hold_round(round_: EvaluationRound, *, by, held: bool) -> EvaluationRound:
    """The office holds (or releases) a round's 公示 for its review, before it is published."""
    require(access.can_hold(by, round_))
    if round_.state == RoundState.PUBLISHED:
        raise ValidationError(_("结果已公示。"))
    with audited(by=by):
        EvaluationRound.objects.filter(pk=round_.pk).update(held=held)
    round_.refresh_from_db()
    return round_


def previous_round(round_: EvaluationRound) -> EvaluationRound | None:
    """The organisation's last closed round before this one, for the change between them."""
    return (
        EvaluationRound.objects.filter(
            organization=round_.organization,
            state__in=(RoundState.CLOSED, RoundState.PUBLISHED),
            starts_on__lt=round_.starts_on,
        )
        .order_by("-starts_on", "-id")
        .first()
    )


def shown_results(round_: EvaluationRound) -> dict:
    """The results closing kept; computed afresh for a round closed without them (one written
    by hand, or before they were kept)."""
    return round_.results if round_.results.get("overall") else results_of(round_)


def chart_data(results: dict) -> tuple[list[str], list[dict]]:
    """The items and, for each answer, its share of each item's responses in percent: what the
    results chart draws (stacked to 100%)."""
    labels = [item["item"] for item in results.get("items", [])]
    series = []
    for key, label in Satisfaction.choices:
        data = []
        for item in results.get("items", []):
            total = item["satisfied"] + item["basic"] + item["dissatisfied"]
            data.append(round(100 * item[key] / total, 1) if total else 0)
        series.append({"label": str(label), "data": data})
    return labels, series


# --- Questionnaire templates ---------------------------------------------------------------------

ITEM_LIMIT = 50


def clean_items(text: str) -> list[str]:
    """One item a line, blank lines dropped, each kept once, in order."""
    items = list(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))
    errors = []
    if not items:
        errors.append(_("请至少填写一个评议项目。"))
    if len(items) > 20:
        errors.append(_("评议项目不能超过 20 项。"))
    if any(len(item) > ITEM_LIMIT for item in items):
        errors.append(_("每个评议项目不超过 %(n)s 个字。") % {"n": ITEM_LIMIT})
    if errors:
        raise ValidationError({"items": errors})
    return items


def save_questionnaire(
    questionnaire: Questionnaire | None, *, by, organization: Organization, name: str, items: str
) -> Questionnaire:
    """Creates or changes a template; rounds already opened keep the items they copied."""
    require(access.template_organizations(by).filter(pk=organization.pk).exists())
    if questionnaire is not None:
        require(access.questionnaires_for(by).filter(pk=questionnaire.pk).exists())
    if not name.strip():
        raise ValidationError({"name": _("请填写模板名称。")})
    questionnaire = questionnaire or Questionnaire()
    questionnaire.organization = organization
    questionnaire.name = name.strip()
    questionnaire.items = clean_items(items)
    with audited(by=by):
        questionnaire.save()
    return questionnaire
