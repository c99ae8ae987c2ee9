"""People by name: a user's 姓名 (User.first_name) instead of the login name, everywhere."""

import datetime

from django.contrib.auth import get_user_model

from core.people import display_name, labelled
from orgs.models import Role
from pledges import services, workflow
from pledges.models import PledgeProgress

from ..factories import UserFactory, make_pledge


def test_it_shows_the_name_else_the_login_name(db):
    assert display_name(UserFactory(username="zs", first_name="  张三 ")) == "张三"
    assert display_name(UserFactory(username="nobody")) == "nobody"
    assert labelled(UserFactory(username="ls", first_name="李四")) == "李四（ls）"


def test_the_menu_shows_the_name_not_the_login(client, alice):
    alice.first_name = "陈红梅"
    alice.save()
    client.force_login(alice)
    page = client.get("/orgs/").content.decode()
    assert "陈红梅" in page
    assert 'bi-person-circle"></i> alice' not in page


def test_the_pledge_history_and_progress_show_people_by_name(client, district, campaign, alice):
    alice.first_name = "陈红梅"
    alice.save()
    pledge = make_pledge(campaign, member=district.member_a, title="旧标题")
    services.update_pledge(pledge, by=alice, version=1, title="新标题")
    workflow.take_step(pledge, "submit", by=alice)
    PledgeProgress.objects.create(
        pledge=pledge, happened_on=datetime.date.today(), text="走访一户", created_by=alice
    )
    client.force_login(alice)
    page = client.get(f"/pledges/{pledge.pk}/").content.decode()
    # 办理记录 (the workflow's events), 践诺记录 and the audit trail.
    assert page.count("陈红梅") >= 3
    assert "alice" not in page


def test_roles_are_named_by_the_person(alice):
    role = Role.objects.get(user=alice)
    alice.first_name = "陈红梅"
    alice.save()
    role.refresh_from_db()
    assert str(role).startswith("陈红梅 · ")


def test_the_admin_sets_and_lists_the_name(admin_client):
    response = admin_client.post(
        "/admin/auth/user/add/",
        {
            "username": "wangwu",
            "first_name": "王五",
            "usable_password": "true",
            "password1": "A-long-pass-2026",
            "password2": "A-long-pass-2026",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = get_user_model().objects.get(username="wangwu")
    assert user.first_name == "王五"
    page = admin_client.get("/admin/auth/user/").content.decode()
    assert "王五" in page and "姓名" in page
    form = admin_client.get(f"/admin/auth/user/{user.pk}/change/").content.decode()
    assert "姓名" in form and 'name="last_name"' not in form
