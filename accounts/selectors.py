"""Reads of people and accounts shared by pages; callers reach organisations through access."""

from django.db.models import Prefetch, Q, QuerySet

from . import access
from .models import Profile


def people(user, *, org=None, kind: str = "", query: str = "", state: str = "") -> QuerySet:
    """The people holding roles in the user's write scope, narrowed to those with a role in
    `org`'s subtree and of `kind`, matching `query` (name, login or the start of the phone) and
    in `state` (active, inactive, never signed in); each with the matching roles as
    `shown_roles`, in name order."""
    roles = access.roles_for(user)
    if org is not None:
        roles = roles.filter(organization__path__startswith=org.path)
    if kind:
        roles = roles.filter(kind=kind)
    found = access.people_for(user).filter(pk__in=roles.values("user_id"))
    query = query.strip()
    if query:
        found = found.filter(
            Q(first_name__contains=query) | Q(username=query) | Q(profile__phone__startswith=query)
        )
    found = {
        "active": found.filter(is_active=True),
        "inactive": found.filter(is_active=False),
        "never": found.filter(last_login__isnull=True),
    }.get(state, found)
    shown = Prefetch(
        "roles",
        queryset=roles.select_related("organization").order_by("organization__path"),
        to_attr="shown_roles",
    )
    return found.select_related("profile").prefetch_related(shown).order_by("first_name", "pk")


def profile_of(person) -> Profile | None:
    """The person's profile as loaded with them (access.get_person_for_user selects it)."""
    return getattr(person, "profile", None)
