import datetime
import io
import random
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from orgs.demo import DEMO_USERS, large_tree
from orgs.models import (
    Member,
    MemberCategory,
    Organization,
    OrgKind,
    Role,
    RoleKind,
    Sector,
    path_step,
)

NO_PROBLEMS = ([], [], [], [], [])


@pytest.fixture(autouse=True)
def development(settings):
    settings.DEBUG = True  # seed_demo refuses a production set-up without --force
    # The command sets five passwords per run; the default hasher takes ~0.3 s for each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(*args) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> tuple[int, ...]:
    User = get_user_model()
    return tuple(m.objects.count() for m in (Organization, Member, Role, User))


def test_it_builds_a_realistic_district(db):
    seed()
    root = Organization.objects.get(depth=1)
    assert root.name == "某某区委"
    children = Organization.objects.filter(depth=2).values_list("name", flat=True)
    towns = [name for name in children if name.endswith(("街道党工委", "镇党委", "乡党委"))]
    assert 6 <= len(towns) <= 10
    assert 90 <= Organization.objects.count() <= 140
    assert 70 <= Organization.objects.filter(kind=OrgKind.BRANCH).count() <= 100
    assert 1500 <= Member.objects.count() <= 2500
    assert set(Organization.objects.values_list("kind", flat=True)) == set(OrgKind.values)
    assert Organization.objects.exclude(grade="").exists()
    assert Organization.objects.find_problems() == NO_PROBLEMS


def test_it_makes_plausible_members(db):
    seed()
    today = timezone.localdate()
    for member in Member.objects.select_related("branch"):
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,3}", member.name)
        assert re.fullmatch(r"1[3-9]\d{9}", member.phone)
        assert datetime.date(1940, 1, 1) <= member.birth_date <= datetime.date(2002, 12, 31)
        assert member.join_date.year - member.birth_date.year >= 18
        assert member.join_date <= today
        assert member.branch.kind == OrgKind.BRANCH
        assert member.active or member.deactivated_on
    by_sector = dict(
        Member.objects.filter(branch__sector=Sector.GOVERNMENT).values_list("category", "branch")
    )
    assert set(by_sector) == {MemberCategory.GOVERNMENT}
    retired = Member.objects.filter(branch__sector=Sector.RETIRED)
    assert set(retired.values_list("category", flat=True)) == {MemberCategory.RETIRED}
    assert Member.objects.filter(category=MemberCategory.STUDENT).exists()
    assert 1 <= Member.objects.filter(active=False).count() <= 40


def test_it_gives_every_role_kind_a_demo_user_and_prints_the_logins(db):
    out = seed()
    assert set(Role.objects.values_list("kind", flat=True)) == set(RoleKind.values)
    assert "演示账号" in out
    assert "http://" not in out  # the web server prints the address it really listens on
    for username, password, _kind, superuser in DEMO_USERS:
        assert username in out and password in out
        user = get_user_model().objects.get(username=username)
        assert user.check_password(password)
        assert user.is_superuser is superuser
    alice = Role.objects.get(user__username="secretary").organization
    bob = Role.objects.get(user__username="secretary2").organization
    leader = Role.objects.get(user__username="leader").organization
    assert alice.path.startswith(leader.path)
    assert not bob.path.startswith(leader.path)
    assert alice.sector == Sector.COMMUNITY


def test_it_creates_nothing_new_when_run_twice_and_resets_the_passwords(db):
    first = seed()
    before = counts()
    admin = get_user_model().objects.get(username="admin")
    admin.set_password("changed-by-someone")
    admin.save()

    second = seed()

    assert counts() == before
    admin.refresh_from_db()
    assert admin.check_password("demo-admin-2026")
    assert first.splitlines()[-5:] == second.splitlines()[-5:]


def test_it_builds_a_large_district_of_exactly_the_size_asked(db):
    seed("--orgs", "60", "--members", "500")
    assert Organization.objects.count() == 60
    assert Member.objects.count() == 500
    assert Organization.objects.find_problems() == NO_PROBLEMS
    assert set(Role.objects.values_list("kind", flat=True)) == set(RoleKind.values)
    # Members sit in branches only, never in a 党小组 or a town.
    assert set(Member.objects.values_list("branch__kind", flat=True)) == {OrgKind.BRANCH}


def test_reset_wipes_the_demo_before_building(db):
    seed()
    seed("--reset", "--orgs", "60", "--members", "500")
    assert Organization.objects.count() == 60
    assert Member.objects.count() == 500
    assert Organization.objects.get(depth=1).name == "测试区委"


def test_it_refuses_members_without_orgs_and_a_district_too_small(db):
    with pytest.raises(CommandError):
        seed("--members", "10")
    with pytest.raises(CommandError):
        seed("--orgs", "2")


@pytest.mark.parametrize("size", [3, 4, 50, 51, 137, 5000])
def test_large_tree_has_exactly_the_size_asked_with_unique_sibling_names(size):
    root, branches = large_tree(size, random.Random(0))
    nodes = list(root.walk())
    assert len(nodes) == size
    assert branches
    for node in nodes:
        names = [child.name for child in node.children]
        assert len(names) == len(set(names))


def test_path_step_matches_treebeard():
    assert path_step(1) == "0001"
    assert path_step(36) == "0010"
    assert path_step(36**4 - 1) == "ZZZZ"
    assert Organization._get_path("", 1, 37) == path_step(37)
    with pytest.raises(ValueError):
        path_step(36**4)


def test_it_refuses_a_production_set_up_unless_forced(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        seed()
    assert not Organization.objects.exists()

    seed("--force")
    assert Organization.objects.exists()


def test_each_demo_user_browses_exactly_their_subtree(db, client):
    seed()
    for username, password, _kind, _superuser in DEMO_USERS:
        response = client.post("/accounts/login/", {"username": username, "password": password})
        assert response.status_code == 302
        role = Role.objects.select_related("organization").get(user__username=username)
        top = role.organization
        response = client.get("/orgs/", {"q": "党"})
        shown = {hit.org.pk for hit in response.context["result"].hits}
        inside = set(
            Organization.objects.within(top)
            .filter(name__contains="党")
            .values_list("pk", flat=True)
        )
        # The search lists at most 100; every one shown is inside, and nothing inside is hidden.
        assert shown <= inside
        assert len(shown) == min(len(inside), 100)
        outside = Organization.objects.exclude(path__startswith=top.path).first()
        if outside is not None:
            assert client.get(f"/orgs/{outside.pk}/").status_code == 404
        client.logout()


def test_the_demo_has_a_campaign_with_pledges_in_every_early_state(db):
    from pledges.models import Pledge, PledgeState

    seed()
    states = set(Pledge.objects.values_list("state", flat=True))
    assert {PledgeState.DRAFT, PledgeState.PUBLISHED, PledgeState.FULFILLING} <= states
    before = Pledge.objects.count()
    seed()
    assert Pledge.objects.count() == before
    seed("--reset")
    assert Pledge.objects.count() == before


def test_the_demo_campaign_runs_today_with_deadlines_ahead_and_a_few_overdue(db):
    from campaign.models import Campaign
    from pledges.models import Pledge, PledgeProgress

    seed()
    today = timezone.localdate()
    campaign = Campaign.objects.get()
    assert (
        today - datetime.timedelta(weeks=12)
        <= campaign.starts_on
        <= today - datetime.timedelta(weeks=2)
    )
    assert campaign.ends_on >= today + datetime.timedelta(days=90)
    pledges = Pledge.objects.filter(campaign=campaign)
    assert pledges.filter(deadline__gt=today).count() > pledges.count() * 0.8
    overdue = pledges.overdue(today).count()
    assert 1 <= overdue <= pledges.count() * 0.1
    assert not pledges.filter(deadline__lt=campaign.starts_on).exists()
    assert not pledges.filter(deadline__gt=campaign.ends_on).exists()
    assert not pledges.filter(signed_on__gt=today).exists()
    assert not pledges.filter(signed_on__lt=campaign.starts_on).exists()
    progress = PledgeProgress.objects.filter(pledge__campaign=campaign)
    assert progress.exists()
    assert not progress.filter(happened_on__gt=today).exists()
    assert not progress.filter(happened_on__lt=campaign.starts_on).exists()


def test_a_demo_seeded_on_an_earlier_day_is_moved_to_run_today(db):
    from django.db.models import F

    from campaign.models import Campaign
    from pledges.models import Pledge, PledgeProgress

    seed()
    campaign = Campaign.objects.get()
    before = (
        campaign.starts_on,
        campaign.ends_on,
        sorted(Pledge.objects.values_list("pk", "deadline", "signed_on")),
        sorted(PledgeProgress.objects.values_list("pk", "happened_on")),
    )
    # As if seeded 400 days ago: the campaign is long over.
    ago = datetime.timedelta(days=400)
    Campaign.objects.update(starts_on=F("starts_on") - ago, ends_on=F("ends_on") - ago)
    Pledge.objects.update(deadline=F("deadline") - ago)
    Pledge.objects.filter(signed_on__isnull=False).update(signed_on=F("signed_on") - ago)
    PledgeProgress.objects.update(happened_on=F("happened_on") - ago)

    seed()
    campaign.refresh_from_db()
    after = (
        campaign.starts_on,
        campaign.ends_on,
        sorted(Pledge.objects.values_list("pk", "deadline", "signed_on")),
        sorted(PledgeProgress.objects.values_list("pk", "happened_on")),
    )
    assert after == before
