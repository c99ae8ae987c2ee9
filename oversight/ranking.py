"""督查评促: the child units of a scope ranked by a composite score of their dashboard figures
(oversight.dashboard, so the ranking agrees with every other page), with a grade suggested from
the score (三分类).

The score is the weighted mean of six percentages, with the weights the campaign sets
(campaign.Requirements): coverage (两个100%, the mean of the organisations' and the members'
rates), fulfilment (已完成 of the public pledges), reviews (basic organisations with every review
due), evaluation held (basic organisations with a round), satisfaction, and rectification closed on
time (of those closed or overdue). A figure a unit has no data for (no rectification, no finished
round) is left out and the other weights count in its place, so a unit is never marked down for
a problem it did not have.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from campaign.models import Campaign, Requirements
from orgs.models import Grade
from reviews.models import FinalVerdict, Fulfilment
from reviews.recognition import Candidate

from .dashboard import Dashboard, Figures, Unit


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    weight_field: str


MEASURES = (
    Measure("coverage", _("承诺覆盖"), "weight_coverage"),
    Measure("fulfilment", _("践诺"), "weight_fulfilment"),
    Measure("reviews", _("领导点评"), "weight_reviews"),
    Measure("evaluations", _("群众评议开展"), "weight_evaluations"),
    Measure("satisfaction", _("群众满意度"), "weight_satisfaction"),
    Measure("rectification", _("按期整改"), "weight_rectification"),
)


def rates(figures: Figures) -> dict[str, float | None]:
    """Each measure's percentage for a unit, None where it has nothing to measure."""
    coverage = figures.coverage
    both = [r for r in (coverage.organization_rate, coverage.member_rate) if r is not None]
    return {
        "coverage": round(sum(both) / len(both), 1) if both else None,
        "fulfilment": figures.pledges.done_rate,
        "reviews": figures.reviews.reviewed_rate,
        "evaluations": figures.reviews.evaluated_rate,
        "satisfaction": figures.reviews.satisfaction,
        "rectification": figures.reviews.on_time_rate,
    }


def weights(requirements: Requirements) -> dict[str, int]:
    return {m.key: getattr(requirements, m.weight_field) for m in MEASURES}


def score(values: dict[str, float | None], weighting: dict[str, int]) -> float | None:
    """The weighted mean of the measures that apply, to one decimal; None when none does."""
    counted = [(values[key], w) for key, w in weighting.items() if w and values[key] is not None]
    total = sum(w for _value, w in counted)
    if not total:
        return None
    return round(sum(value * w for value, w in counted) / total, 1)


def suggested_grade(value: float | None, requirements: Requirements) -> str:
    """一类 from the first line up, 三类 below the third, else 二类; nothing without a score."""
    if value is None:
        return ""
    if value >= requirements.first_grade_at:
        return Grade.FIRST
    if value < requirements.third_grade_below:
        return Grade.THIRD
    return Grade.SECOND


@dataclass(frozen=True)
class Ranked:
    unit: Unit
    rank: int | None  # None: no score
    score: float | None
    rates: dict
    grade: str  # suggested
    band: str  # "top" (红榜), "bottom" (黑榜) or ""
    weakest: tuple[str, float] | None  # the measure it scores lowest on, with its rate

    @property
    def grade_label(self) -> str:
        return Grade(self.grade).label if self.grade else ""

    @property
    def labelled(self) -> list[tuple[float | None, str]]:
        """(rate, the measure's label) in the order of MEASURES, for the table's cells."""
        return [(self.rates[m.key], m.label) for m in MEASURES]


def band_size(count: int) -> int:
    """How many units each of the top and the bottom lists holds: a quarter, one to three."""
    return max(1, min(3, count // 4)) if count >= 2 else 0


def rank(board: Dashboard, requirements: Requirements) -> list[Ranked]:
    """The board's child units, best first (units without a score last, by the tree's order);
    ties share a rank."""
    weighting = weights(requirements)
    labels = {m.key: str(m.label) for m in MEASURES}
    scored = []
    for unit in board.children:
        values = rates(unit.figures)
        counted = {k: v for k, v in values.items() if v is not None and weighting[k]}
        weakest = min(counted.items(), key=lambda kv: kv[1]) if counted else None
        scored.append((unit, values, score(values, weighting), weakest))
    scored.sort(key=lambda row: (row[2] is None, -(row[2] or 0), row[0].org.path))
    with_score = [row for row in scored if row[2] is not None]
    # The top and the bottom lists, a unit tied with the last of a list in it too.
    size = band_size(len(with_score))
    top = bottom = set()
    if size:
        best, worst = with_score[size - 1][2], with_score[-size][2]
        top = {row[0].org.pk for row in with_score if row[2] >= best}
        bottom = {row[0].org.pk for row in with_score if row[2] <= worst} - top
    ranked, previous, place = [], None, 0
    for index, (unit, values, value, weakest) in enumerate(scored, start=1):
        if value is not None and value != previous:
            place, previous = index, value
        band = "top" if unit.org.pk in top else "bottom" if unit.org.pk in bottom else ""
        ranked.append(
            Ranked(
                unit=unit,
                rank=place if value is not None else None,
                score=value,
                rates=values,
                grade=suggested_grade(value, requirements),
                band=band,
                weakest=(labels[weakest[0]], weakest[1]) if weakest else None,
            )
        )
    return ranked


def suggest_organizations(ranked, campaign: Campaign, limit: int = 10):
    """Organisations of a ranking suggested for a commendation (典型引路) from their figures: a
    score graded 一类 or among the top, with their own pledge's final verdict and their
    satisfaction shown as the evidence (reviews.recognition.Candidate)."""
    top = [r for r in ranked if r.score is not None and (r.grade == Grade.FIRST or r.band == "top")]
    if not top:
        return []
    verdicts = dict(
        FinalVerdict.objects.filter(
            pledge__campaign=campaign,
            pledge__organization__in=[r.unit.org for r in top],
        ).values_list("pledge__organization_id", "result")
    )
    labels = dict(Fulfilment.choices)
    found = []
    for row in top:
        evidence = [
            gettext_now("综合得分 %(score)s（第 %(rank)s 名）")
            % {"score": row.score, "rank": row.rank}
        ]
        satisfaction = row.unit.figures.reviews.satisfaction
        if satisfaction is not None:
            evidence.append(gettext_now("群众满意度 %(rate)s%%") % {"rate": satisfaction})
        verdict = verdicts.get(row.unit.org.pk)
        if verdict:
            evidence.append(gettext_now("本组织承诺最终评价：%(v)s") % {"v": labels[verdict]})
        weight = int(row.score * 10) + (50 if verdict == Fulfilment.FULFILLED else 0)
        found.append(Candidate(organization=row.unit.org, evidence=evidence, weight=weight))
    found.sort(key=lambda c: -c.weight)
    return found[:limit]
