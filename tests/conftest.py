"""Personas and a small district shared by the tests.

The district:  区委 ─┬─ 东城街道党工委 ─┬─ 幸福社区党支部 (branch A, Alice is its secretary)
                    │                 └─ 和平社区党支部
                    └─ 西山镇党委 ────── 红旗村党支部 (branch B, Bob is its secretary)
Charlie leads 东城街道 (read-only role), Olivia is the district office, Ada administers the
district.
"""

import os

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from orgs import services
from orgs.models import OrgKind, RoleKind, Sector

from .factories import MemberFactory, RoleFactory, UserFactory, add_org, make_campaign


def require_service(name: str, available: bool, why: str = "") -> None:
    """Skips a test whose service is missing, or fails it when REQUIRE_SERVICES=1 (as in CI)."""
    if available:
        return
    message = f"{name} is not available{': ' + why if why else ''}"
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(message + " (REQUIRE_SERVICES=1)")
    pytest.skip(message)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The real hasher is slow by design; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    # Uploaded evidence lands in a throwaway folder, not in the developer's var/media.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def fresh_redis_cache():
    # The database cache goes back with each test's transaction; Redis (CACHE_URL, as in CI) keeps
    # what a test stored, so it is emptied after each one.
    yield
    if isinstance(caches["default"], RedisCache):
        caches["default"].clear()


@pytest.fixture
def local_cache(settings):
    """A cache in the process's memory and sessions in the database, for tests that count SQL
    statements: the database cache would add statements of its own, and Redis (as in CI, where
    sessions are cached too) fewer, so the counts would differ by set-up."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    yield caches["default"]
    caches["default"].clear()


@pytest.fixture
def district(db):
    root = add_org(None, "某某区委", kind=OrgKind.COMMITTEE, sector=Sector.GOVERNMENT)
    east = add_org(root, "东城街道党工委", kind=OrgKind.WORKING_COMMITTEE)
    branch_a = add_org(east, "幸福社区党支部")
    peace = add_org(east, "和平社区党支部")
    west = add_org(root, "西山镇党委", kind=OrgKind.COMMITTEE, sector=Sector.RURAL)
    branch_b = add_org(west, "红旗村党支部", sector=Sector.RURAL)
    for org in (root, east, branch_a, peace, west, branch_b):
        org.refresh_from_db()

    class District:
        pass

    d = District()
    d.root, d.east, d.branch_a, d.peace, d.west, d.branch_b = (
        root,
        east,
        branch_a,
        peace,
        west,
        branch_b,
    )
    d.member_a = MemberFactory(branch=branch_a, name="张三")
    d.member_b = MemberFactory(branch=branch_b, name="李四")
    return d


def _persona(username, org, kind, **extra):
    user = UserFactory(username=username, **extra)
    RoleFactory(user=user, organization=org, kind=kind)
    return user


@pytest.fixture
def alice(district):
    """Secretary of branch A."""
    return _persona("alice", district.branch_a, RoleKind.SECRETARY)


@pytest.fixture
def bob(district):
    """Secretary of branch B."""
    return _persona("bob", district.branch_b, RoleKind.SECRETARY)


@pytest.fixture
def charlie(district):
    """Leader of 东城街道: reads its subtree, changes nothing."""
    return _persona("charlie", district.east, RoleKind.LEADER)


@pytest.fixture
def olivia(district):
    """The district campaign office."""
    return _persona("olivia", district.root, RoleKind.OFFICE)


@pytest.fixture
def ada(district):
    """Administrator of the district (staff, so the admin site is open to her)."""
    user = UserFactory(username="ada")
    services.assign_role(user, district.root, RoleKind.ADMIN)
    return user


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def campaign(district):
    """The district's campaign, running from a month ago for most of a year."""
    return make_campaign(district.root)


@pytest.fixture
def worker_app(tmp_path):
    """A fresh Celery app configured exactly like config.celery, for a real worker to run the
    tasks a test registers on it (`worker_app.task(name=task.name)(task.run)`).

    A separate instance, so that the test's result backend and a temporary SQLite broker file do
    not leak into the shared app (a developer's running worker must not steal the test's message).
    """
    from celery import Celery

    from config.celery import app as project_app

    broker = settings.CELERY_BROKER_URL
    if broker.startswith("sqla+sqlite"):
        broker = f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    test_app = Celery("ccz-test", set_as_current=False)
    test_app.config_from_object("django.conf:settings", namespace="CELERY")
    test_app.conf.update(broker_url=broker, result_backend="cache+memory://")
    yield test_app
    test_app.close()
    # start_worker makes its app the current one; the project's tasks resolve through it.
    project_app.set_current()
