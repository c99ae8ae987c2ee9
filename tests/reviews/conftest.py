import datetime

import pytest

from orgs.models import RoleKind

from ..conftest import _persona

TODAY = datetime.date.today()


@pytest.fixture
def tess(district):
    """Secretary of 东城街道党工委: the level above branch A."""
    return _persona("tess", district.east, RoleKind.SECRETARY)


@pytest.fixture
def review_data():
    return {
        "held_on": TODAY.isoformat(),
        "form": "forum",
        "rating": "fairly_good",
        "achievements": "组织走访困难群众，兑现承诺三项。",
        "problems": "党员承诺内容空泛，缺少量化标准。",
        "direction": "下一步细化承诺，按月公开践诺情况。",
    }


@pytest.fixture
def round_(district, campaign, tess):
    """A 群众评议 round of branch A run by 东城街道 (tess), open today."""
    from reviews import evaluations

    item = evaluations.create_round(
        district.branch_a,
        campaign,
        by=tess,
        title="幸福社区党支部群众评议",
        starts_on=TODAY,
        ends_on=TODAY + datetime.timedelta(days=7),
        methods=["questionnaire", "box"],
    )
    return evaluations.open_round(item, by=tess)
