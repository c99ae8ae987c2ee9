"""The public board's search by name (?q=), its layout and its QR code (issue 9, point 10)."""

import pytest
from django.conf import settings

from pledges.models import PledgeState as S
from pledges.selectors import board_query

from ..factories import MemberFactory, make_pledge

ODD = [
    "\x00",
    "%00",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "张" * 500,
    "\u202e\u200b",
    "🙂",
    "%",
]


@pytest.fixture
def board(district, campaign):
    wang = MemberFactory(branch=district.branch_a, name="王小明")
    make_pledge(campaign, member=district.member_a, state=S.PUBLISHED, title="张三的承诺")
    make_pledge(campaign, member=wang, state=S.PUBLISHED, title="王小明的承诺")
    make_pledge(campaign, organization=district.branch_a, state=S.PUBLISHED, title="支部的承诺")
    # Same name on another branch's board: never shown on this one.
    other = MemberFactory(branch=district.branch_b, name="王小明")
    make_pledge(campaign, member=other, state=S.PUBLISHED, title="红旗村王小明的承诺")
    return f"/board/{district.branch_a.pk}/"


def test_it_finds_a_member_by_part_of_the_name(board, client):
    body = client.get(board, {"q": "小明"}).content.decode()

    assert "王小明的承诺" in body
    assert "张三的承诺" not in body and "支部的承诺" not in body
    assert "红旗村王小明的承诺" not in body
    assert "姓名含“小明”的承诺 1 项" in body
    assert 'value="小明"' in body


def test_it_finds_the_organisations_own_pledge_by_its_name(board, client):
    body = client.get(board, {"q": "幸福社区"}).content.decode()

    assert "支部的承诺" in body and "王小明的承诺" not in body


def test_it_shows_everything_without_a_query_the_organisations_pledge_first(board, client):
    body = client.get(board, {"q": "  "}).content.decode()

    assert body.index("支部的承诺") < body.index("张三的承诺")
    assert "王小明的承诺" in body and "红旗村王小明的承诺" not in body
    # Names as headings, the grid for two or three columns.
    assert '<h2 class="h6 mb-0 fw-bold me-auto">张三</h2>' in body
    assert 'class="board-grid"' in body


def test_it_says_so_when_nobody_matches(board, client):
    body = client.get(board, {"q": "赵"}).content.decode()

    assert "没有找到姓名含“赵”的公开承诺。" in body
    assert "显示全部" in body


def test_it_escapes_what_was_typed(board, client):
    body = client.get(board, {"q": "<b>x</b>"}).content.decode()

    assert "<b>x</b>" not in body
    assert "&lt;b&gt;x&lt;/b&gt;" in body


@pytest.mark.parametrize("query", ODD)
def test_odd_input_is_no_error(query, board, client):
    response = client.get(board, {"q": query})

    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_it_cleans_the_query_before_it_looks_up_or_keys_the_cache():
    assert board_query(" 王\x00小\u200b明 ") == "王 小 明"
    assert board_query("\t  ") == ""
    assert len(board_query("张" * 500)) == 20


def test_a_search_sets_no_cookie(board, client):
    response = client.get(board, {"q": "张"})

    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert "Set-Cookie" not in response.headers


def test_a_search_is_served_from_the_cache_until_the_board_changes(
    board, client, district, campaign, django_assert_max_num_queries, settings
):
    # The page's own reads only: the rate limit's counter, which the database cache (the
    # embedded default) keeps with statements of its own, is measured in tests/attacks.
    settings.RATE_LIMIT_EXEMPT_LOOPBACK = True
    client.get(board, {"q": "张"})
    with django_assert_max_num_queries(4):  # access and versions only: no pledge is read
        assert "张三的承诺" in client.get(board, {"q": "张"}).content.decode()

    other = MemberFactory(branch=district.branch_a, name="张小红")
    make_pledge(campaign, member=other, state=S.PUBLISHED, title="张小红的承诺")

    assert "张小红的承诺" in client.get(board, {"q": "张"}).content.decode()


def test_it_shows_the_boards_short_link_and_its_qr_code(board, client):
    body = client.get(board).content.decode()

    assert "http://testserver/board/" in body
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in body and 'class="qr"' in body
    assert "style=" not in body
