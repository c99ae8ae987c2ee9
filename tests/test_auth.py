import re

import pytest
from django.test import override_settings

from .factories import UserFactory


@pytest.fixture
def login(client):
    def attempt(username, password):
        return client.post("/accounts/login/", {"username": username, "password": password})

    return attempt


def test_it_logs_in_and_out(district, alice, client, login):
    response = login("alice", "password")
    assert response.status_code == 302
    assert client.get("/orgs/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/orgs/").status_code == 302


def test_pages_need_a_login(district, client):
    response = client.get(f"/orgs/{district.root.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_wrong_password_is_refused_in_chinese(db, login):
    UserFactory(username="alice")
    body = login("alice", "wrong").content.decode()
    assert "请输入一个正确的" in body


@override_settings(AXES_FAILURE_LIMIT=3)
def test_it_locks_out_after_repeated_failures(db, login):
    UserFactory(username="alice")
    for _ in range(3):
        login("alice", "wrong")
    response = login("alice", "password")  # even the right password is refused now
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()


@override_settings(AXES_FAILURE_LIMIT=3, AXES_LOCKOUT_PARAMETERS=["username"])
def test_lockout_answers_the_same_whether_or_not_the_user_exists(db, login):
    UserFactory(username="alice")
    for _ in range(3):
        login("alice", "wrong")
        login("nobody", "wrong")
    real, ghost = login("alice", "wrong"), login("nobody", "wrong")
    assert real.status_code == ghost.status_code == 429
    assert _without_csrf(real) == _without_csrf(ghost)


def _without_csrf(response) -> str:
    """The page less its per-response CSRF token, which differs between any two answers."""
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", response.content.decode())


def test_it_changes_the_password(district, alice, client):
    client.force_login(alice)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": "password",
            "new_password1": "红旗飘飘-2026",
            "new_password2": "红旗飘飘-2026",
        },
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("红旗飘飘-2026")


def test_a_user_without_a_role_is_told_so(db, client):
    client.force_login(UserFactory(username="nobody"))
    response = client.get("/", follow=True)
    assert "尚未分配角色" in response.content.decode()


def test_the_session_cookie_is_httponly_samesite_and_changes_at_login(district, alice, client):
    """A session key planted before sign-in (session fixation) is not the one signed in:
    Django's login gives the session a new key; the cookie is out of scripts' reach and not
    sent cross-site."""
    session = client.session
    session["planted"] = "1"
    session.save()
    before = client.cookies["sessionid"].value
    response = client.post("/accounts/login/", {"username": "alice", "password": "password"})
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert cookie.value != before
    assert cookie["httponly"] is True and cookie["samesite"] == "Lax"
    # The old key no longer opens a session.
    from django.contrib.sessions.backends.db import SessionStore

    assert not SessionStore(session_key=before).exists(before)
