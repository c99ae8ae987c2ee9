"""What a request costs besides its page: no session for the public board, no language
negotiation, the navigation read once per login."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import generations
from pledges.models import PledgeState

from .factories import make_pledge


@pytest.fixture
def board_url(district, campaign):
    make_pledge(campaign, member=district.member_a, state=PledgeState.PUBLISHED, title="公开承诺")
    return f"/board/{district.branch_a.pk}/"


def test_the_board_sets_no_cookie_and_touches_no_session(board_url, client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(board_url)
    assert response.status_code == 200
    assert "公开承诺" in response.content.decode()
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert "Set-Cookie" not in response.headers
    assert not any("django_session" in q["sql"] for q in queries.captured_queries)


def test_the_board_sets_no_cookie_for_a_client_sending_a_stale_one(board_url, client):
    client.cookies[settings.SESSION_COOKIE_NAME] = "no-such-session-key"
    with CaptureQueriesContext(connection) as queries:
        response = client.get(board_url)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert not any("django_session" in q["sql"] for q in queries.captured_queries)


def test_the_board_may_be_shared_by_proxies(board_url, client):
    response = client.get(board_url)
    assert "public" in response["Cache-Control"]
    assert "Accept-Language" not in response.get("Vary", "")
    assert "Cookie" not in response.get("Vary", "")


def test_it_speaks_chinese_whatever_the_browser_asks(db, client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    body = response.content.decode()
    assert "登录" in body
    assert "Accept-Language" not in response.get("Vary", "")


def _queries(client, url):
    # Both requests find no copies (core.generations) and no cached unread count (the bar's
    # badge): only what the login kept of the bar differs.
    generations.forget()
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(queries.captured_queries)


def test_the_login_keeps_the_navigation_so_pages_do_not_read_it_again(
    district, alice, client, django_user_model
):
    url = f"/orgs/{district.branch_a.pk}/"
    client.force_login(alice)
    _, computed = _queries(client, url)
    client.logout()

    response = client.post("/accounts/login/", {"username": "alice", "password": "password"})
    assert response.status_code == 302
    response, stored = _queries(client, url)
    assert stored == computed - 1
    # The bar still leads to the secretary's own branch.
    body = response.content.decode()
    assert f'href="{district.branch_a.get_absolute_url()}"' in body
    assert "导入" in body
