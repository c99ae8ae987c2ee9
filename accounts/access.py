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
from orgs.models import Role, RoleKind, RoleTerm

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


# Whose account a manager may take charge of: as GRANTS, but a secretary's own organisation does
# not count, so co-secretaries (书记 and 党务工作者 of one branch) cannot take over each other.
TAKE_CHARGE = {
    key: kinds
    for key, kinds in org_access.GRANTS.items()
    if key != (RoleKind.SECRETARY, org_access.OWN)
}


def chargeable(user, people_ids, table=TAKE_CHARGE) -> set[int]:
    """Of these people, those the user may take charge of (reset their password, deactivate or
    edit them, hand them activation slips): every role they hold and every role they held
    (RoleTerm) is one TAKE_CHARGE lets the user give, and they hold at least one; never a
    superuser, nor an account with admin-site rights that no admin role gives (is_staff or
    permissions of its own). A superuser takes charge of everyone but other superusers.

    A provisioning batch's author hands out the slips of the accounts it opened, which nobody
    has activated yet, by GRANTS itself (`table`): a secretary provisions their deputies."""
    ids = set(people_ids) - {user.pk}
    if not user.is_authenticated or not ids:
        return set()
    users = get_user_model().objects.filter(pk__in=ids)
    candidates = set(users.filter(is_superuser=False).values_list("pk", flat=True))
    if user.is_superuser:
        return candidates
    staff = set(users.filter(is_staff=True).values_list("pk", flat=True))
    direct = set(
        get_user_model()
        .user_permissions.through.objects.filter(user_id__in=ids)
        .values_list("user_id", flat=True)
    )
    now: dict[int, list[tuple[str, str]]] = {}
    for user_id, path, kind in Role.objects.filter(user_id__in=ids).values_list(
        "user_id", "organization__path", "kind"
    ):
        now.setdefault(user_id, []).append((path, kind))
    past: dict[int, list[tuple[str, str]]] = {}
    for user_id, path, kind in RoleTerm.objects.filter(user_id__in=ids).values_list(
        "user_id", "organization__path", "kind"
    ):
        past.setdefault(user_id, []).append((path, kind))
    allowed = set()
    for person in candidates - direct:
        current = now.get(person, [])
        if not current:
            continue
        if person in staff and all(kind != RoleKind.ADMIN for _path, kind in current):
            continue
        roles = current + past.get(person, [])
        if all(kind in org_access.kinds_at(user, path, table) for path, kind in roles):
            allowed.add(person)
    return allowed


def can_take_charge(user, person) -> bool:
    """May the user reset the person's password, deactivate the account or edit the person?"""
    return person.pk in chargeable(user, [person.pk])


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
