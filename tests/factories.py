import datetime

import factory
from django.contrib.auth import get_user_model

from orgs.models import Member, MemberCategory, Organization, OrgKind, Role, RoleKind, Sector


def add_org(parent: Organization | None = None, name: str = "组织", **fields) -> Organization:
    """A tree node through treebeard, so paths are exactly as the application makes them."""
    fields.setdefault("kind", OrgKind.BRANCH)
    fields.setdefault("sector", Sector.COMMUNITY)
    if parent is None:
        return Organization.objects.add_root({"name": name, **fields})
    parent.refresh_from_db()
    return Organization.objects.add_child(parent, {"name": name, **fields})


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "password")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    name = factory.Sequence(lambda n: f"党员{n}")
    gender = "M"
    birth_date = datetime.date(1980, 1, 2)
    join_date = datetime.date(2005, 7, 1)
    category = MemberCategory.COMMUNITY
    phone = factory.Sequence(lambda n: f"139{n:08d}")


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role

    user = factory.SubFactory(UserFactory)
    kind = RoleKind.SECRETARY


def make_campaign(org: Organization, **fields):
    from campaign.models import Campaign

    today = datetime.date.today()
    fields.setdefault("name", "创先争优活动")
    fields.setdefault("starts_on", today - datetime.timedelta(days=30))
    fields.setdefault("ends_on", today + datetime.timedelta(days=300))
    return Campaign.objects.create(organization=org, **fields)


def make_pledge(campaign, *, member=None, organization=None, state="draft", **fields):
    """A pledge put straight into a state, for tests of what happens from there."""
    from pledges.models import Pledge

    fields.setdefault("title", "为群众办一件实事")
    fields.setdefault("content", "每月走访困难群众一次，年底前帮助解决一件实际困难。")
    fields.setdefault("deadline", campaign.ends_on - datetime.timedelta(days=30))
    return Pledge.objects.create(
        campaign=campaign, member=member, organization=organization, state=state, **fields
    )
