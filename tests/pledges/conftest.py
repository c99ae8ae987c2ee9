import pytest

from ..factories import make_campaign


@pytest.fixture
def campaign(district):
    return make_campaign(district.root)
