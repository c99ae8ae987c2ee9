"""Security headers on every answer, pages that need no inline script or style, and only the
methods a view handles.

The Content-Security-Policy (config/settings.py) allows scripts and styles from the site's own
files only, so a page that writes `<script>…</script>`, `<style>` or `style="…"` would break in
the browser: every page of the site and of the admin is parsed, for a superuser (who reaches
every page) and for an anonymous visitor. The pages are the ones of tests/test_scope_walk.py.
"""

import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.urls import get_resolver, include, path, reverse

from .factories import UserFactory
from .test_scope_walk import (
    ADMIN_MODEL_CASES,
    ADMIN_NAME,
    PUBLIC_CASES,
    SITE_CASES,
    _url,
    _walk,
    add_branch_b_objects,
)

REFUSED = ("TRACE", "PUT", "DELETE", "PATCH")


def boom(request):
    raise RuntimeError("a bug")


def forbidden(request):
    raise PermissionDenied


# The site's URLs and two that fail, for the error pages (ROOT_URLCONF in the tests below).
urlpatterns = [
    path("", include("config.urls")),
    path("test/boom/", boom),
    path("test/forbidden/", forbidden),
]


@pytest.fixture
def objects(district):
    """Branch B's objects, as in the scope walk; Bob is its secretary."""
    return add_branch_b_objects(district)


def _concrete(name, route, d) -> str:
    """The route as a URL: ids of branch B's objects, any other capture filled with something."""
    match = ADMIN_NAME.match(name or "")
    case = SITE_CASES.get(name) or PUBLIC_CASES.get(name)
    if match and match["model"] in ADMIN_MODEL_CASES:
        case = ADMIN_MODEL_CASES[match["model"]]
    route = re.sub(r"\^?\(\?P<app_label>[^)]*\)", "orgs", route)
    route = route.replace("(?P<url>.*)", "no-such-page/")
    return _url(route.replace("^", ""), case(d) if case else 1)


def _pages(d) -> list[str]:
    """Every page of the site (but the logout, which would end the walk's session) and of the
    admin (each model's list, add form and branch B's objects)."""
    urls = [
        _concrete(name, route, d)
        for name, route in _walk(get_resolver().url_patterns)
        if name != "logout" and not route.startswith("admin/")
    ]
    urls += [reverse("admin:index"), reverse("admin:login"), "/admin/orgs/"]
    for model in admin.site._registry:
        label = f"{model._meta.app_label}_{model._meta.model_name}"
        urls += [reverse(f"admin:{label}_changelist"), reverse(f"admin:{label}_add")]
        if label in ADMIN_MODEL_CASES:
            pk = ADMIN_MODEL_CASES[label](d)
            for view in ("change", "history", "delete"):
                urls.append(reverse(f"admin:{label}_{view}", args=[pk]))
    return urls


class InlineFinder(HTMLParser):
    """Collects what the policy refuses: inline scripts, style elements and attributes, event
    handler attributes and javascript: links."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and not attrs.get("src"):
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        for name, value in attrs.items():
            if name == "style":
                self.found.append(f'<{tag} style="{value}">')
            elif name.startswith("on") or name.startswith("hx-on"):
                self.found.append(f"<{tag} {name}=…>")
            elif name in ("href", "src", "action") and (value or "").startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:…>")


def inline_parts(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    return finder.found


def directives(response) -> dict[str, str]:
    """The response's Content-Security-Policy by directive (their order varies)."""
    parts = (part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    return {name: value for name, value in parts}


def _html_pages(client, urls):
    """(url, response) of each page that answers HTML, following redirects (to the login)."""
    for url in urls:
        response = client.get(url, follow=True)
        if response["Content-Type"].startswith("text/html"):
            yield url, response


@pytest.mark.parametrize("signed_in", [True, False], ids=["superuser", "anonymous"])
def test_no_page_has_inline_script_or_style(client, objects, signed_in):
    if signed_in:
        client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    found, seen = [], 0
    for url, response in _html_pages(client, _pages(objects)):
        seen += 1
        found += [f"{url}: {part}" for part in inline_parts(response.content.decode())]
    assert seen > (60 if signed_in else 1)
    assert not found, "\n".join(found)


def test_the_finder_sees_inline_parts():
    html = (
        '<script>x()</script><script src="/a.js"></script><style>p{}</style>'
        '<p style="width: 5%">a</p><a onclick="x()" href="javascript:x()">b</a>'
    )
    assert inline_parts(html) == [
        "<script> without src",
        "<style>",
        '<p style="width: 5%">',
        "<a onclick=…>",
        "<a href=javascript:…>",
    ]


def test_it_sets_the_policy_on_pages(client, objects):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    for url in ("/orgs/", f"/pledges/org/{objects.branch_b.pk}/", "/admin/orgs/member/"):
        policy = directives(client.get(url))
        assert policy == {
            "default-src": "'self'",
            "script-src": "'self'",
            "style-src": "'self'",
            "img-src": "'self' data:",
            "font-src": "'self'",
            "connect-src": "'self'",
            "object-src": "'none'",
            "base-uri": "'self'",
            "form-action": "'self'",
            "frame-ancestors": "'none'",
        }


def test_it_sets_the_headers_on_the_public_board(client, objects):
    response = client.get(f"/board/{objects.branch_b.pk}/")
    assert response.status_code == 200
    assert directives(response)["script-src"] == "'self'"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_the_poster_pdf_has_no_policy_that_would_blank_the_pdf_viewer(client, objects):
    response = client.get(f"/board/{objects.branch_b.pk}/poster.pdf")
    assert response.status_code == 200
    assert "Content-Security-Policy" not in response
    assert response["X-Content-Type-Options"] == "nosniff"


def test_it_refuses_features_the_site_never_uses(client):
    policy = client.get("/accounts/login/")["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in policy


@pytest.mark.urls(__name__)
def test_error_pages_carry_the_policy_and_no_inline_style(client, district):
    client.raise_request_exception = False
    client.force_login(UserFactory(username="root", is_superuser=True))
    for url, status in (("/orgs/999999/", 404), ("/test/forbidden/", 403), ("/test/boom/", 500)):
        response = client.get(url)
        assert response.status_code == status
        assert directives(response)["style-src"] == "'self'"
        assert "camera=()" in response["Permissions-Policy"]
        assert not inline_parts(response.content.decode())


def test_the_csrf_failure_page_has_no_inline_style(district):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "请求已失效" in response.content.decode()
    assert not inline_parts(response.content.decode())


def test_the_job_progress_bar_is_drawn_by_a_class(client, objects):
    client.force_login(objects.bob_user)
    html = client.get(f"/jobs/{objects.job_b.pk}/").content.decode()
    assert "pct-40" in html
    assert "40%" in html


def _all_urls(d) -> list[str]:
    """Every pattern of the site and the admin, the logout included."""
    return [_concrete(name, route, d) for name, route in _walk(get_resolver().url_patterns)]


@pytest.mark.parametrize("signed_in", [True, False], ids=["superuser", "anonymous"])
def test_every_view_refuses_the_methods_it_does_not_handle(client, objects, signed_in):
    if signed_in:
        client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    wrong = []
    for url in _all_urls(objects):
        for method in REFUSED:
            status = client.generic(method, url).status_code
            if status != 405:
                wrong.append(f"{method} {url} → {status}")
    assert not wrong, "\n".join(wrong)


def test_head_still_answers_pages(client, objects):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    for url in ("/orgs/", f"/board/{objects.branch_b.pk}/", "/admin/", "/accounts/login/"):
        assert client.head(url).status_code in (200, 302), url


def test_a_refused_method_changes_nothing(client, objects):
    """PUT to an edit page is refused before the view runs: the organisation keeps its name."""
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    url = f"/orgs/{objects.branch_b.pk}/edit/"
    response = client.put(url, "name=改名", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 405
    objects.branch_b.refresh_from_db()
    assert objects.branch_b.name == "红旗村党支部"


@pytest.mark.parametrize("signed_in", [True, False], ids=["superuser", "anonymous"])
def test_every_post_is_refused_without_its_csrf_token(objects, signed_in):
    """Every pattern of the site and the admin walked with a client that enforces CSRF: a POST
    without the token is refused (403) before any view runs, or the view takes no POST (405)."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    if signed_in:
        client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    accepted = []
    for url in _all_urls(objects):
        status = client.post(url, {"name": "改名"}).status_code
        if status not in (403, 405):
            accepted.append(f"POST {url} → {status}")
    assert not accepted, "\n".join(accepted)
    objects.branch_b.refresh_from_db()
    assert objects.branch_b.name == "红旗村党支部"
