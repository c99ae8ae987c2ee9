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
