"""The demo's people: every branch of the demo district gets a secretary account (with a mobile
number, not yet activated), so the pages show real names; the accounts form one provisioning
batch of the demo admin, whose activation slips the admin can print from 人员与账号."""

import random

from django.contrib.auth import get_user_model
from django.db.models import Q

from core.demo import DemoContext
from orgs.demo import People
from orgs.models import MEMBER_HOLDING_KINDS, Organization, RoleKind

from . import provisioning
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
    plan = provisioning.Plan()
    for index, branch in enumerate(branches):
        # 1390100xxxx: a range of numbers kept for the demo, one per branch in tree order.
        phone = f"1390100{index:04d}"
        plan.new_people[phone] = people.name(people.rng.choice("MF"))
        plan.roles.append((phone, branch.pk, RoleKind.SECRETARY))
    # A demo rebuilt after a reset finds its people (users are kept) by their phones.
    for profile in Profile.objects.filter(phone__in=list(plan.new_people)).select_related("user"):
        plan.existing[profile.phone] = profile.user
        del plan.new_people[profile.phone]
    admin = User.objects.filter(username="admin").first()
    batch = provisioning.write(plan, by=admin, title=BATCH_TITLE)
    if batch is None and admin is not None and plan.existing:
        # After a reset the secretaries exist already: the demo (not a sheet) batches those
        # still waiting for activation, so admin can print their slips again.
        batch = Batch.objects.create(created_by=admin, title=BATCH_TITLE)
        batch.accounts.add(*(person.pk for person in plan.existing.values()))
    ctx.say(
        f"已为 {len(branches)} 个党支部开通书记账号（待激活：admin 登录后在“人员”→“批量开通账号”"
        f"的批次“{BATCH_TITLE}”下载激活码单）。"
    )


def wipe() -> None:
    """The codes and batches; people (users and their phones) are kept, as core.demo keeps users."""
    AccessCode.objects.all().delete()
    Batch.objects.all().delete()
