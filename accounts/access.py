"""Whom a user may see and take charge of among people with accounts.

People are reached through their roles: a manager (a secretary or admin role, or a superuser)
sees the people holding a role in their write scope, and nobody else (404). Taking charge of a
person (resetting their password, deactivating the account, changing their name and phone)
needs more: every role the person holds must be one the manager may give (orgs.access.GRANTS),
so the secretary of a branch can never take over a district leader, nor an admin of the branch,
who also holds a role on it.
"""

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import Http404

from orgs import access as org_access
from orgs.models import Role

from .models import Batch


def roles_for(user) -> QuerySet:
    """The roles held in the user's write scope (every role for a superuser)."""
    return Role.objects.filter(org_access.scope_q(user, "organization__path", write=True))


def can_see_people(user) -> bool:
    return user.is_authenticated and org_access.can_manage_anything(user)


def people_for(user) -> QuerySet:
    """The people the user sees: those holding a role in the user's write scope; for a
    superuser, everyone."""
    users = get_user_model().objects.all()
    if user.is_superuser:
        return users
    if not can_see_people(user):
        return users.none()
    return users.filter(pk__in=roles_for(user).values("user_id"))


def get_person_for_user(user, pk: int):
    person = people_for(user).select_related("profile").filter(pk=pk).first()
    if person is None:
        raise Http404
    return person


def can_take_charge(user, person) -> bool:
    """May the user reset the person's password, deactivate the account or edit the person?"""
    if not user.is_authenticated or person.pk == user.pk:
        return False
    if user.is_superuser:
        return True
    if person.is_superuser:
        return False
    roles = list(Role.objects.filter(user=person).select_related("organization"))
    return bool(roles) and all(
        org_access.can_grant(user, role.organization, role.kind) for role in roles
    )


def get_role_for_user(user, pk: int) -> Role:
    """A role held in the user's write scope (to revoke it), else 404."""
    role = roles_for(user).select_related("organization", "user").filter(pk=pk).first()
    if role is None:
        raise Http404
    return role


def batches_for(user) -> QuerySet:
    """Provisioning batches are their author's alone (a superuser's too): their slips give
    codes that open accounts."""
    batches = Batch.objects.all()
    return batches if user.is_superuser else batches.filter(created_by=user)


def get_batch_for_user(user, pk: int) -> Batch:
    batch = batches_for(user).filter(pk=pk).first()
    if batch is None:
        raise Http404
    return batch
