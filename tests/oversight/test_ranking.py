"""督查评促 (oversight.ranking): the score on a hand-made case, the order, the bands and the
suggested grade; the ranking page and the grade it leads to (三分类三升级)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from campaign.models import Requirements
from orgs.models import Organization, RoleKind
from oversight import ranking
from oversight.dashboard import Dashboard, Figures, Unit
from pledges.selectors import Coverage, PledgeCounts
from reviews import recognition
from reviews.models import OrgGrading, Rectification, RectificationSource
from reviews.selectors import ReviewSums

from ..conftest import _persona

TODAY = datetime.date.today()


def _figures(
    org=(8, 10), members=(90, 100), done=(5, 10), reviewed=3, evaluated=1, votes=(80, 100)
):
    coverage = Coverage(
        organizations=org[1],
        pledged_organizations=org[0],
        members=members[1],
        pledged_members=members[0],
    )
    pledges = PledgeCounts({"published": done[1] - done[0], "completed": done[0]}, 0)
    reviews = ReviewSums(
        organizations=4,
        reviewed=reviewed,
        evaluated=evaluated,
        satisfied_votes=votes[0],
        rated_votes=votes[1],
    )
    return Figures(coverage, pledges, reviews)


def test_the_score_is_the_weighted_mean_of_the_figures_that_apply():
    values = ranking.rates(_figures())
    assert values == {
        "coverage": 85.0,  # (80% + 90%) / 2
        "fulfilment": 50.0,
        "reviews": 75.0,
        "evaluations": 25.0,
        "satisfaction": 80.0,
        "rectification": None,  # nothing closed or overdue: left out
    }
    requirements = Requirements()  # the defaults: 30, 20, 15, 10, 15, 10
    # (85×30 + 50×20 + 75×15 + 25×10 + 80×15) ÷ 90
    assert ranking.score(values, ranking.weights(requirements)) == 68.1
    assert ranking.suggested_grade(68.1, requirements) == "2"
    assert ranking.suggested_grade(85.0, requirements) == "1"
    assert ranking.suggested_grade(59.9, requirements) == "3"
    assert ranking.suggested_grade(None, requirements) == ""
    requirements.weight_coverage = 0
    assert ranking.score(values, ranking.weights(requirements)) == round(3575 / 60, 1)


def _board(scores: list[tuple[str, Figures]]) -> Dashboard:
    units = [
        Unit(Organization(pk=index + 1, name=name, path=f"0001{index:04d}"), figures)
        for index, (name, figures) in enumerate(scores)
    ]
    return Dashboard(None, None, TODAY, None, units, 0)


def test_units_are_ranked_best_first_with_ties_sharing_a_place_and_bands_at_each_end():
    empty = Figures(Coverage(), PledgeCounts(), ReviewSums())
    board = _board(
        [
            ("甲", _figures(done=(10, 10))),
            ("乙", _figures(done=(0, 10))),
            ("丙", _figures(done=(10, 10))),
            ("丁", _figures()),
            ("戊", _figures(members=(10, 100))),
            ("己", empty),  # nothing to measure: last, no rank
            ("庚", _figures()),
            ("辛", _figures(done=(2, 10))),
            ("壬", _figures(done=(9, 10))),
        ]
    )
    rows = ranking.rank(board, Requirements())
    names = [row.unit.org.name for row in rows]
    assert names == ["甲", "丙", "壬", "丁", "庚", "辛", "乙", "戊", "己"]
    assert [row.rank for row in rows] == [1, 1, 3, 4, 4, 6, 7, 8, None]
    # Eight scored units: two at each end.
    assert [row.band for row in rows] == ["top", "top", "", "", "", "", "bottom", "bottom", ""]
    assert rows[-3].weakest == ("践诺", 0.0)  # 乙: nothing fulfilled
    assert rows[-2].weakest == ("群众评议开展", 25.0)
    assert rows[-1].score is None and rows[-1].grade == ""


@pytest.fixture
def tess(district):
    return _persona("tess", district.east, RoleKind.SECRETARY)


def test_the_level_above_confirms_a_grade_and_an_override_needs_a_reason(district, tess, alice):
    a = district.branch_a
    with pytest.raises(ValidationError) as refused:
        recognition.grade_organization(a, by=tess, year=2026, grade="1", suggested="2")
    assert "理由" in str(refused.value)
    recognition.grade_organization(
        a, by=tess, year=2026, grade="1", suggested="2", reason="群众满意度全街道最高"
    )
    a.refresh_from_db()
    assert a.grade == "1"
    with pytest.raises(PermissionDenied):  # nobody grades their own organisation
        recognition.grade_organization(a, by=alice, year=2026, grade="1", suggested="1")


def test_a_third_grade_needs_upgrade_measures_which_become_a_rectification(district, tess):
    a = district.branch_a
    with pytest.raises(ValidationError) as refused:
        recognition.grade_organization(a, by=tess, year=2026, grade="3", suggested="3")
    assert "升级措施" in str(refused.value)
    recognition.grade_organization(
        a,
        by=tess,
        year=2026,
        grade="3",
        suggested="3",
        measures="每月开展一次主题党日，书记带头走访。",
        deadline=TODAY + datetime.timedelta(days=90),
    )
    item = Rectification.objects.get(organization=a)
    assert item.source == RectificationSource.UPGRADE and "三类" in item.problem
    assert item.measures == "每月开展一次主题党日，书记带头走访。"
    assert OrgGrading.objects.filter(organization=a, year=2026).count() == 1


def test_the_ranking_page_and_the_grade_page(client, district, campaign, olivia, tess, alice, bob):
    client.force_login(olivia)
    response = client.get(f"/dashboard/ranking/?org={district.root.pk}")
    assert response.status_code == 200
    names = [row.unit.org.name for row, _grading, _may in response.context["rows"]]
    assert sorted(names) == sorted([district.east.name, district.west.name])
    assert "承诺覆盖 × 30" in response.content.decode()
    client.force_login(tess)
    url = f"/dashboard/grade/{district.branch_a.pk}/?campaign={campaign.pk}"
    assert client.get(url).status_code == 200
    response = client.post(url, {"grade": "3", "reason": "", "measures": ""})
    assert response.status_code == 200 and not OrgGrading.objects.exists()
    assert "升级措施" in response.content.decode()
    deadline = (TODAY + datetime.timedelta(days=60)).isoformat()
    response = client.post(
        url, {"grade": "2", "reason": "按得分", "measures": "整改台账", "deadline": deadline}
    )
    assert response.status_code == 302
    assert OrgGrading.objects.get().grade == "2"
    client.force_login(alice)
    assert client.get(url).status_code == 403  # her own branch
    client.force_login(bob)
    assert client.get(url).status_code == 404  # out of his scope
