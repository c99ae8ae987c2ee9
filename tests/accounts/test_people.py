"""People and roles outside the admin: grant by phone, take charge (reset, deactivate), the list,
hand-over, activation codes and login by phone."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts import access, codes, services
from accounts.models import AccessCode, Profile, Purpose
from orgs import services as org_services
from orgs.models import Role, RoleKind, RoleTerm

from ..factories import UserFactory

User = get_user_model()
PASSWORD = "Gq7!wide-river-2026"


def person(username, name, phone=None, **roles):
    user = UserFactory(username=username, first_name=name)
    if phone:
        Profile.objects.create(user=user, phone=phone)
    return user


@pytest.fixture
def town_admin(district):
    user = person("town-admin", "东城管理员")
    org_services.assign_role(user, district.east, RoleKind.ADMIN)
    return user


# --- Granting by phone ----------------------------------------------------------------------------


def test_a_grant_to_a_new_phone_creates_the_person_with_an_activation_code(district, alice):
    role, code = services.grant(
        district.branch_a, RoleKind.SECRETARY, by=alice, phone="139 1234 5678", name="王五"
    )
    person = role.user
    assert person.first_name == "王五" and person.profile.phone == "13912345678"
    assert not person.has_usable_password()
    assert codes.well_formed(code)
    stored = AccessCode.objects.get(user=person)
    assert stored.purpose == Purpose.ACTIVATE and stored.digest == codes.digest(code)
    assert code.replace("-", "") not in stored.digest


def test_a_grant_to_a_known_phone_reuses_the_person(district, alice, bob):
    known = person("wang", "王五", "13912345678")
    org_services.assign_role(known, district.branch_b, RoleKind.SECRETARY)
    role, code = services.grant(
        district.branch_a, RoleKind.SECRETARY, by=alice, phone="13912345678"
    )
    assert role.user == known and code == ""
    assert User.objects.filter(first_name="王五").count() == 1


def test_a_grant_refuses_a_name_that_does_not_match_the_phone(district, alice):
    person("wang", "王五", "13912345678")
    with pytest.raises(ValidationError) as error:
        services.grant(
            district.branch_a, RoleKind.SECRETARY, by=alice, phone="13912345678", name="赵六"
        )
    assert "姓名与账号不符" in str(error.value)


def test_a_grant_outside_the_table_is_refused(district, alice):
    with pytest.raises(PermissionDenied):
        services.grant(
            district.branch_a, RoleKind.ADMIN, by=alice, phone="13912345678", name="王五"
        )
    assert not Profile.objects.exists()


def test_the_grant_page_shows_the_code_once_and_the_role_on_the_org_page(district, alice_client):
    page = alice_client.get(f"/people/orgs/{district.branch_a.pk}/grant/")
    assert page.status_code == 200
    kinds = [value for value, _ in page.context["form"].fields["kind"].choices]
    assert kinds == [RoleKind.SECRETARY]  # a secretary gives deputies on their own branch
    response = alice_client.post(
        f"/people/orgs/{district.branch_a.pk}/grant/",
        {"kind": "secretary", "phone": "13912345678", "name": "王五"},
    )
    assert response.status_code == 200
    code = response.context["code"]
    assert code in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    org_page = alice_client.get(f"/orgs/{district.branch_a.pk}/").content.decode()
    assert "王五" in org_page


def test_the_grant_form_keeps_what_was_typed_on_an_error(district, alice_client):
    response = alice_client.post(
        f"/people/orgs/{district.branch_a.pk}/grant/",
        {"kind": "secretary", "phone": "1391234567x", "name": "王五"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "手机号码只能由数字组成" in body and 'value="王五"' in body


# --- The list and the person ----------------------------------------------------------------------


def test_the_list_shows_people_of_the_scope_only(district, alice, bob, client, town_admin):
    client.force_login(town_admin)
    body = client.get("/people/").content.decode()
    assert "alice" in body and "bob" not in body
    assert client.get(f"/people/{bob.pk}/").status_code == 404
    assert client.get(f"/people/{alice.pk}/").status_code == 200


def test_the_list_filters_by_org_role_and_never_logged_in(district, alice, client, town_admin):
    deputy = person("deputy", "副书记甲", "13900000001")
    org_services.assign_role(deputy, district.peace, RoleKind.SECRETARY)
    deputy.last_login = timezone.now()
    deputy.save()
    client.force_login(town_admin)
    names = lambda query: {p.username for p in client.get("/people/" + query).context["page"]}  # noqa: E731
    assert names(f"?org={district.peace.pk}") == {"deputy"}
    assert names("?kind=admin") == {"town-admin"}
    assert "deputy" not in names("?state=never") and "alice" in names("?state=never")
    assert names("?q=1390000") == {"deputy"}


def test_leaders_and_the_office_see_no_people(district, charlie, client):
    client.force_login(charlie)
    assert client.get("/people/").status_code == 404


def test_a_secretary_sees_who_else_holds_roles_on_the_branch(district, alice, client):
    deputy = person("deputy", "副书记甲")
    org_services.assign_role(deputy, district.branch_a, RoleKind.SECRETARY)
    client.force_login(alice)
    body = client.get(f"/orgs/{district.branch_a.pk}/").content.decode()
    assert "副书记甲" in body


# --- Taking charge: reset and deactivate ----------------------------------------------------------


def test_the_level_above_resets_a_secretary(district, alice, town_admin):
    code = services.reset_password(alice, by=town_admin)
    assert AccessCode.objects.get(user=alice).purpose == Purpose.RESET
    services.redeem("alice", code, PASSWORD)
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_a_sibling_cannot_reset(district, alice, bob):
    assert not access.can_take_charge(bob, alice)
    with pytest.raises(PermissionDenied):
        services.reset_password(alice, by=bob)


def test_nobody_takes_over_a_person_with_a_role_outside_their_scope(district, alice, town_admin):
    leader = person("leader", "区领导")
    org_services.assign_role(leader, district.root, RoleKind.LEADER)
    org_services.assign_role(leader, district.branch_a, RoleKind.SECRETARY)
    # The branch's secretary and even the town's admin manage only part of the leader's roles.
    for manager in (alice, town_admin):
        assert not access.can_take_charge(manager, leader)
        with pytest.raises(PermissionDenied):
            services.reset_password(leader, by=manager)
        with pytest.raises(PermissionDenied):
            services.deactivate_person(leader, by=manager)


def test_a_secretary_cannot_take_over_the_admin_of_the_branch(district, alice):
    admin = person("branch-admin", "支部管理员")
    org_services.assign_role(admin, district.branch_a, RoleKind.ADMIN)
    assert not access.can_take_charge(alice, admin)


def test_the_reset_page_shows_the_code_once(district, alice, client, town_admin):
    client.force_login(town_admin)
    response = client.post(f"/people/{alice.pk}/reset/")
    code = response.context["code"]
    assert code in response.content.decode()
    assert code not in client.get(f"/people/{alice.pk}/").content.decode()
    client.force_login(UserFactory(username="stranger"))
    assert client.post(f"/people/{alice.pk}/reset/").status_code == 404


def test_a_deactivated_account_cannot_sign_in_and_keeps_its_roles(
    district, alice, town_admin, client
):
    services.deactivate_person(alice, by=town_admin)
    assert Role.objects.filter(user=alice).exists()
    alice.set_password(PASSWORD)
    alice.save()
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 200  # the form again: inactive accounts do not sign in
    services.reactivate_person(alice, by=town_admin)
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302


# --- Codes ----------------------------------------------------------------------------------------


def test_a_code_works_once(district, alice, town_admin):
    code = services.reset_password(alice, by=town_admin)
    services.redeem("alice", code.lower().replace("-", " "), PASSWORD)
    with pytest.raises(services.CodeRefused):
        services.redeem("alice", code, PASSWORD + "x")


def test_an_expired_code_is_refused(district, alice, town_admin):
    code = services.reset_password(alice, by=town_admin)
    AccessCode.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(services.CodeRefused):
        services.redeem("alice", code, PASSWORD)


def test_a_new_code_voids_the_old_one(district, alice, town_admin):
    first = services.reset_password(alice, by=town_admin)
    second = services.reset_password(alice, by=town_admin)
    with pytest.raises(services.CodeRefused):
        services.redeem("alice", first, PASSWORD)
    services.redeem("alice", second, PASSWORD)


def test_a_code_opens_only_its_own_account(district, alice, bob, town_admin):
    code = services.reset_password(alice, by=town_admin)
    with pytest.raises(services.CodeRefused):
        services.redeem("bob", code, PASSWORD)


def test_a_weak_password_is_refused_and_the_code_kept(district, alice, town_admin):
    code = services.reset_password(alice, by=town_admin)
    with pytest.raises(ValidationError) as error:
        services.redeem("alice", code, "12345678")
    assert not isinstance(error.value, services.CodeRefused)
    assert "密码" in " ".join(error.value.messages)  # Django's validators, in Chinese
    services.redeem("alice", code, PASSWORD)


def test_activation_page_sets_the_password_signs_in_and_lands_home(district, client, alice):
    role, code = services.grant(
        district.branch_a, RoleKind.SECRETARY, by=alice, phone="13912345678", name="王五"
    )
    # Until then the new account cannot sign in with any password.
    response = client.post("/accounts/login/", {"username": "13912345678", "password": ""})
    assert response.status_code == 200
    response = client.post(
        "/accounts/activate/",
        {"login": "13912345678", "code": code, "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200 and home.context["user"] == role.user
    assert "幸福社区党支部" in home.content.decode()


def test_activation_page_answers_one_way_for_every_wrong_code(district, client, alice, town_admin):
    services.reset_password(alice, by=town_admin)
    for login in ("alice", "nobody"):
        response = client.post(
            "/accounts/activate/",
            {
                "login": login,
                "code": "ABCD-EFGH-JKLM",
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
        )
        assert response.status_code == 200
        assert "登录名或一次性码不正确" in response.content.decode()
        assert f'value="{login}"' in response.content.decode()


def test_activation_page_is_rate_limited(district, client, settings, local_cache):
    settings.CODE_RATE_LIMIT = "3/10m"
    data = {"login": "x", "code": "ABCD-EFGH-JKLM", "password1": PASSWORD, "password2": PASSWORD}
    statuses = [client.post("/accounts/activate/", data).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]


def test_codes_are_stored_nowhere_in_clear(district, alice, town_admin):
    from django.db import connection

    code = services.reset_password(alice, by=town_admin)
    plain = codes.normalized(code)
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608
            for row in cursor.fetchall():
                text = " ".join(str(value) for value in row)
                assert code not in text and plain not in text, table


# --- Login by phone -------------------------------------------------------------------------------


def test_login_by_phone_or_username(district, client, alice):
    Profile.objects.create(user=alice, phone="13912345678")
    alice.set_password(PASSWORD)
    alice.save()
    response = client.post("/accounts/login/", {"username": "139-1234-5678", "password": PASSWORD})
    assert response.status_code == 302
    client.logout()
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302


def test_phone_and_username_share_one_lockout_counter(district, client, alice, settings):
    settings.AXES_FAILURE_LIMIT = 4
    Profile.objects.create(user=alice, phone="13912345678")
    alice.set_password(PASSWORD)
    alice.save()
    for login in ("alice", "13912345678", "alice", "13912345678"):
        client.post("/accounts/login/", {"username": login, "password": "wrong"})
    for login in ("alice", "13912345678"):
        response = client.post("/accounts/login/", {"username": login, "password": PASSWORD})
        assert response.status_code != 302, login  # locked out under both names


# --- Hand-over ------------------------------------------------------------------------------------


def test_a_hand_over_ends_the_old_term_and_keeps_history(district, alice, town_admin):
    role = Role.objects.get(user=alice, organization=district.branch_a)
    on = timezone.localdate()
    new, code = services.hand_over(role, by=town_admin, phone="13912345678", name="王五", on=on)
    assert new.user.first_name == "王五" and new.started_on == on and code
    assert not Role.objects.filter(user=alice, organization=district.branch_a).exists()
    term = RoleTerm.objects.get(organization=district.branch_a)
    assert (term.user, term.kind, term.ended_on, term.successor) == (
        alice,
        RoleKind.SECRETARY,
        on,
        new.user,
    )


def test_the_hand_over_page_replaces_the_secretary(district, alice, client, town_admin):
    role = Role.objects.get(user=alice, organization=district.branch_a)
    client.force_login(town_admin)
    assert client.get(f"/people/orgs/{district.branch_a.pk}/hand-over/").status_code == 200
    response = client.post(
        f"/people/orgs/{district.branch_a.pk}/hand-over/",
        {"role": role.pk, "phone": "13912345678", "name": "王五", "on": timezone.localdate()},
    )
    assert response.status_code == 200 and response.context["code"]
    body = client.get(f"/orgs/{district.branch_a.pk}/").content.decode()
    assert "王五" in body and "换届" in body


def test_a_hand_over_in_the_future_is_refused(district, alice, town_admin):
    role = Role.objects.get(user=alice, organization=district.branch_a)
    with pytest.raises(ValidationError):
        services.hand_over(
            role,
            by=town_admin,
            phone="13912345678",
            name="王五",
            on=timezone.localdate() + datetime.timedelta(days=1),
        )
    assert Role.objects.filter(pk=role.pk).exists()
    assert not User.objects.filter(first_name="王五").exists()


def test_a_sibling_cannot_hand_over(district, alice, bob):
    role = Role.objects.get(user=alice, organization=district.branch_a)
    with pytest.raises(PermissionDenied):
        services.hand_over(role, by=bob, phone="13912345678", name="王五")


def test_an_admin_role_handed_over_opens_the_admin_to_the_successor(district, boss_of_root):
    admin = person("old-admin", "旧管理员")
    org_services.assign_role(admin, district.east, RoleKind.ADMIN)
    role = Role.objects.get(user=admin)
    new, _code = services.hand_over(role, by=boss_of_root, phone="13912345678", name="新管理员")
    new.user.refresh_from_db()
    admin.refresh_from_db()
    assert new.user.is_staff and new.user.groups.exists()
    assert not admin.groups.exists()


def test_the_level_above_edits_a_person_and_a_taken_phone_is_refused(
    district, alice, client, town_admin
):
    person("other", "别人", "13900000009")
    client.force_login(town_admin)
    url = f"/people/{alice.pk}/edit/"
    response = client.post(url, {"name": "爱丽丝", "phone": "13900000009", "email": ""})
    assert response.status_code == 200 and "已被另一账号使用" in response.content.decode()
    response = client.post(url, {"name": "爱丽丝", "phone": "13900000008", "email": "a@x.org"})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert (alice.first_name, alice.profile.phone, alice.email) == (
        "爱丽丝",
        "13900000008",
        "a@x.org",
    )
    client.force_login(alice)
    assert client.get(f"/people/{alice.pk}/edit/").status_code in (403, 404)


@pytest.fixture
def boss_of_root(district):
    user = person("root-admin", "区管理员")
    org_services.assign_role(user, district.root, RoleKind.ADMIN)
    return user


# --- What a review found --------------------------------------------------------------------


def test_co_secretaries_cannot_take_over_each_other(district, alice):
    deputy = person("deputy", "党务工作者")
    org_services.assign_role(deputy, district.branch_a, RoleKind.SECRETARY)
    assert not access.can_take_charge(alice, deputy)
    assert not access.can_take_charge(deputy, alice)


def test_a_staff_account_without_an_admin_role_is_nobodys_to_take_over(district, town_admin):
    staff = person("staff", "后台人员")
    staff.is_staff = True
    staff.save()
    org_services.assign_role(staff, district.peace, RoleKind.SECRETARY)
    assert not access.can_take_charge(town_admin, staff)


def test_a_past_role_outside_the_scope_protects_the_person(district, boss_of_root, town_admin):
    former = person("former", "前区领导")
    role = org_services.assign_role(former, district.root, RoleKind.LEADER)
    org_services.revoke_role(role, by=boss_of_root)
    org_services.assign_role(former, district.peace, RoleKind.SECRETARY)
    assert not access.can_take_charge(town_admin, former)
    assert access.can_take_charge(boss_of_root, former)


def test_the_last_admin_role_ended_closes_the_admin_site(district, boss_of_root):
    admin = person("old-admin", "旧管理员")
    role = org_services.assign_role(admin, district.east, RoleKind.ADMIN)
    admin.refresh_from_db()
    assert admin.is_staff
    org_services.revoke_role(role, by=boss_of_root)
    admin.refresh_from_db()
    assert not admin.is_staff and not admin.groups.exists()


def test_a_role_cannot_be_ended_twice(district, alice, town_admin):
    role = Role.objects.get(user=alice)
    stale = Role.objects.get(pk=role.pk)
    org_services.revoke_role(role, by=town_admin)
    with pytest.raises(ValidationError):
        services.hand_over(stale, by=town_admin, phone="13912345678", name="王五")
    assert RoleTerm.objects.count() == 1
    assert not User.objects.filter(first_name="王五").exists()


def test_no_hand_over_on_a_deactivated_organisation(district, town_admin):
    holder = person("holder", "和平书记")
    role = org_services.assign_role(holder, district.peace, RoleKind.SECRETARY)
    district.peace.active = False
    district.peace.save()
    role.refresh_from_db()
    with pytest.raises(ValidationError):
        services.hand_over(role, by=town_admin, phone="13912345678", name="王五")


def test_deactivating_an_organisation_ends_its_roles(district, town_admin):
    holder = person("holder", "和平书记")
    org_services.assign_role(holder, district.peace, RoleKind.SECRETARY)
    org_services.deactivate_organization(district.peace, by=town_admin)
    assert not Role.objects.filter(organization=district.peace).exists()
    assert RoleTerm.objects.get(organization=district.peace).reason == "组织撤销"


def test_a_phone_that_is_another_accounts_login_name_is_refused(district, alice):
    person("13912345678", "老账号")  # a login name that looks like a mobile number
    with pytest.raises(ValidationError):
        services.grant(
            district.branch_a, RoleKind.SECRETARY, by=alice, phone="13912345678", name="王五"
        )
    # The login name keeps reaching its own account.
    assert services.login_user("13912345678").first_name == "老账号"


def test_a_name_mismatch_does_not_tell_whose_number_it_is(district, alice):
    person("wang", "王五", "13912345678")
    with pytest.raises(ValidationError) as error:
        services.grant(
            district.branch_a, RoleKind.SECRETARY, by=alice, phone="13912345678", name="赵六"
        )
    assert "王五" not in str(error.value)


def test_the_person_page_shows_the_accounts_history(district, alice, client, town_admin):
    services.deactivate_person(alice, by=town_admin)
    client.force_login(town_admin)
    body = client.get(f"/people/{alice.pk}/").content.decode()
    assert "已停用" in body
    trail = body[body.index('id="trail"') :]
    assert "东城管理员" in trail and "有效" in trail  # who deactivated the account, and what
