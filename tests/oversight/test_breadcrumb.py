"""Breadcrumbs link only pages their user may open; a branch secretary is not offered the tree's
structure; the member page links the member's pledge and calls by phone."""

import re

import pytest

from ..factories import make_pledge

CRUMBS = re.compile(r'<nav aria-label="位置">(.*?)</nav>', re.S)
LINK = re.compile(r'href="([^"]+)"')


def _pages(d, pledge):
    a = d.branch_a.pk
    return [
        f"/orgs/{a}/",
        f"/orgs/{a}/members/",
        f"/orgs/members/{d.member_a.pk}/",
        f"/orgs/{a}/members/add/",
        f"/orgs/{a}/edit/",
        f"/pledges/org/{a}/",
        f"/pledges/org/{a}/missing/",
        f"/pledges/{pledge.pk}/",
        f"/pledges/{pledge.pk}/edit/",
        f"/orgs/{d.east.pk}/",
    ]


@pytest.mark.parametrize("persona", ["alice", "olivia", "ada"])
def test_every_breadcrumb_link_opens_for_the_user_who_sees_it(
    request, client, district, campaign, persona
):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    pledge = make_pledge(campaign, member=district.member_a)
    seen, plain = set(), 0
    for url in _pages(district, pledge):
        response = client.get(url)
        if response.status_code != 200:
            continue  # a page the user may not open has no breadcrumb to check
        page = response.content.decode()
        for nav in CRUMBS.findall(page):
            seen.update(LINK.findall(nav))
            plain += nav.count("某某区委") - nav.count(">某某区委</a>")
    assert seen
    for link in seen:
        assert client.get(link).status_code == 200, link
    if persona == "alice":
        # 区委 and 街道 are above her: named, not linked.
        assert plain > 0
        assert f"/orgs/{district.root.pk}/" not in seen
    else:
        assert f"/orgs/{district.root.pk}/" in seen


def test_a_branch_secretary_is_not_offered_the_tree_structure(client, district, alice, ada):
    client.force_login(alice)
    page = client.get(f"/orgs/{district.branch_a.pk}/").content.decode()
    assert "新建下级组织" not in page
    imports = client.get("/orgs/import/members/").content.decode()
    assert "导入组织架构" not in imports
    # An admin above the branch is offered both.
    client.force_login(ada)
    assert "新建下级组织" in client.get(f"/orgs/{district.branch_a.pk}/").content.decode()
    assert "导入组织架构" in client.get("/orgs/import/members/").content.decode()


def test_the_member_page_links_the_pledge_and_calls_by_phone(client, district, campaign, alice):
    member = district.member_a
    client.force_login(alice)
    page = client.get(f"/orgs/members/{member.pk}/").content.decode()
    assert f'href="tel:{member.phone}"' in page
    assert f"/pledges/member/{member.pk}/link/" in page  # the slot's placeholder
    link = client.get(f"/pledges/member/{member.pk}/link/").content.decode()
    assert f"/pledges/new/?member={member.pk}" in link and "录入承诺" in link
    pledge = make_pledge(campaign, member=member)
    link = client.get(f"/pledges/member/{member.pk}/link/").content.decode()
    assert f'href="/pledges/{pledge.pk}/"' in link and "查看承诺" in link
    # Another branch's member: 404.
    assert client.get(f"/pledges/member/{district.member_b.pk}/link/").status_code == 404
