"""No page answers 5xx to what anyone may type in its query string or post in its forms.

Every parameter a page reads (found in the code: `request.GET`/`request.POST` reads, `id_param`
calls, the fields of every form and filter) is fed other scripts' digits, superscripts, numbers
past the database's range, negatives, text and nothing, on every page of the site, as an anonymous
visitor, a superuser and a branch secretary, by GET and by POST. Object ids in the path get numbers
past the range too: 404, never a 500. The pages are the ones of tests/test_scope_walk.py.
"""

import inspect
import re
from pathlib import Path

import pytest
from django import forms
from django.urls import get_resolver

from .factories import UserFactory
from .test_scope_walk import PUBLIC_CASES, SITE_CASES, _url, _walk, add_branch_b_objects

APPS = ("core", "orgs", "campaign", "pledges", "reviews", "oversight")
ROOT = Path(__file__).resolve().parent.parent

HOSTILE = [
    "²",  # isdigit() but not int()
    "٨",  # Arabic-Indic eight: int() reads it
    "１２",  # full-width
    "99999999999999999999",  # past bigint
    "9223372036854775808",  # bigint + 1
    "-1",
    "0",
    "1e3",
    " 1",
    "abc",
    "",
]
HUGE_IDS = ["99999999999999999999", "9223372036854775808", "9223372036854775807", "2147483648"]

READS = re.compile(
    r"""request\.(?:GET|POST)(?:\.get\(|\[)\s*"(\w+)"|"(\w+)"\s+in\s+request\.(?:GET|POST)"""
    r"""|id_param\(\s*request\.(?:GET|POST),\s*"(\w+)"|self\.fields\["(\w+)"\]\s*="""
)


def _parameters() -> set[str]:
    """Every name a page reads from its query string or form: read in views, or a form's field."""
    import django_filters

    names = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                names.update(filter(None, (n for m in READS.findall(path.read_text()) for n in m)))
        try:
            module = __import__(f"{app}.forms", fromlist=["_"])
        except ModuleNotFoundError:
            continue
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm):
                names.update(cls.base_fields)
            elif issubclass(cls, django_filters.FilterSet):
                names.update(cls.base_filters)
    return names


def test_the_parameters_are_found():
    """The scan above finds the ids known to have answered 500, so it is not silently empty."""
    assert {"campaign", "member", "org", "branch", "page", "pledges", "default_branch"} <= (
        _parameters()
    )


def _site_pages():
    """(name, route) of every page but the admin's (Django's own, over its forms) and the logout
    (which reads nothing, and would end the session the walk goes on with)."""
    for name, route in _walk(get_resolver().url_patterns):
        if not route.startswith("admin/") and name != "logout":
            yield name, route


@pytest.fixture
def objects(district):
    """Branch B's objects, as in the scope walk; Bob is its secretary."""
    return add_branch_b_objects(district)


def _page_url(name, route, d) -> str:
    """The page about branch B's object (the scope walk's case), else with "1" in its captures
    (the scope walk itself fails for an id pattern without a case)."""
    case = SITE_CASES.get(name) or PUBLIC_CASES.get(name)
    return _url(route, case(d) if case else 1)


def _visitors(client, d):
    client.raise_request_exception = False  # a 500 is counted, not raised
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    for user in (None, superuser, d.bob_user):
        client.logout()
        if user is not None:
            client.force_login(user)
        yield user


def test_no_page_fails_on_a_hostile_parameter(client, objects):
    d = objects
    names = sorted(_parameters())
    # An owner given, so that what is read after it (the campaign of a new pledge) is reached too.
    owners = {"member": d.member_b.pk, "org": d.branch_b.pk, "branch": d.branch_b.pk}
    pages = [(name, _page_url(name, route, d)) for name, route in _site_pages()]
    failures = []
    for user in _visitors(client, d):
        for value in HOSTILE:
            hostile = dict.fromkeys(names, value)
            for params in (hostile, {**hostile, **owners}):
                for name, url in pages:
                    for method in ("get", "post"):
                        response = getattr(client, method)(url, params)
                        if response.status_code >= 500:
                            failures.append(
                                f"{method.upper()} {url} {value!r} as {user} → "
                                f"{response.status_code} ({name})"
                            )
    assert not failures, "\n".join(failures)


def test_an_id_past_the_database_range_is_not_found(client, objects):
    """Every id in a path, as a superuser (who reaches every lookup): 404, never a 500."""
    client.raise_request_exception = False  # a 500 is counted, not raised
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    failures = []
    for name, route in _walk(get_resolver().url_patterns):
        if not re.search(r"<(?:(?:int|path):)?(?:pk|object_id|id)>", route):
            continue
        # The admin answers a missing object with a redirect to its index and a warning.
        expected = range(500) if route.startswith("admin/") else {404, 405}
        for huge in HUGE_IDS:
            captures = {"pk": huge, "object_id": huge, "id": huge, "content_type_id": huge}
            url = _url(route, {**captures, "name": "approve", "action": "close", "kind": "leader"})
            for method in ("get", "post"):
                status = getattr(client, method)(url, follow=True).status_code
                if status not in expected:
                    failures.append(f"{method.upper()} {url} ({name}) → {status}")
    assert not failures, "\n".join(failures)
