"""The demo's people: every branch of the demo district gets a secretary account (with a mobile
number, not yet activated), so the pages show real names; the accounts form one provisioning
batch of the demo admin, whose activation slips the admin can print from 人员与账号."""

import random

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db.models import Q

from core.demo import DemoContext
from orgs.demo import People
from orgs.models import MEMBER_HOLDING_KINDS, Organization, Role, RoleKind

from .models import AccessCode, Batch, Profile

User = get_user_model()
BATCH_TITLE = "演示区党支部书记账号"


def build(ctx: DemoContext) -> None:
    if ctx.large or ctx.root is None:
        return
    branches = list(
        Organization.objects.within(ctx.root)
        .active()
        .filter(kind__in=MEMBER_HOLDING_KINDS, numchild=0)
        .exclude(Q(roles__kind=RoleKind.SECRETARY))
        .order_by("path")
    )
    if not branches:
        return
    people = People(random.Random(ctx.seed + 10))
    phones = {}
    for index, branch in enumerate(branches):
        # 1390100xxxx: a range of numbers kept for the demo, one per branch in tree order.
        phones[branch.pk] = (f"1390100{index:04d}", people.name(people.rng.choice("MF")))
    known = {
        profile.phone: profile.user
        for profile in Profile.objects.filter(
            phone__in=[p for p, _ in phones.values()]
        ).select_related("user")
    }
    new = [
        User(username=phone, first_name=name, password=make_password(None))
        for phone, name in phones.values()
        if phone not in known and not User.objects.filter(username=phone).exists()
    ]
    User.objects.bulk_create(new)
    created = {
        user.username: user for user in User.objects.filter(username__in=[u.username for u in new])
    }
    Profile.objects.bulk_create(
        [Profile(user=user, phone=username) for username, user in created.items()]
    )
    holders = {**known, **created}
    Role.objects.bulk_create(
        [
            Role(user=holders[phone], organization=branch, kind=RoleKind.SECRETARY)
            for branch in branches
            if (phone := phones[branch.pk][0]) in holders
        ]
    )
    admin = User.objects.filter(username="admin").first()
    if admin is not None and created:
        batch = Batch.objects.create(created_by=admin, title=BATCH_TITLE)
        batch.accounts.add(*created.values())
    ctx.say(
        f"已为 {len(branches)} 个党支部开通书记账号（待激活：admin 登录后在“人员”→“批量开通账号”"
        f"的批次“{BATCH_TITLE}”下载激活码单）。"
    )


def wipe() -> None:
    """The codes and batches; people (users and their phones) are kept, as core.demo keeps users."""
    AccessCode.objects.all().delete()
    Batch.objects.all().delete()
