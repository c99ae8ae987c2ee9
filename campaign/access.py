"""Which campaigns a user may see and run.

A user sees the campaigns that cover any organisation of their scope: those run by an organisation
inside it or by one of its ancestors (a branch secretary takes part in the district's campaign).
Running a campaign (creating, editing) needs an office or admin role on its organisation.
"""

from django.db.models import Q
from django.shortcuts import get_object_or_404

from core.services import require
from orgs import access as org_access
from orgs.models import Organization, RoleKind, subtree_q

from .models import Campaign, CampaignQuerySet, Notification

RUNNING_ROLES = (RoleKind.OFFICE, RoleKind.ADMIN)


def campaigns_for(user) -> CampaignQuerySet:
    paths = org_access.scope_paths(user)
    if paths is None:
        return Campaign.objects.all()
    query = Q(pk__in=[])
    for path in paths:
        above = [*Organization(path=path).ancestor_paths(), path]
        query |= subtree_q(path, "organization__path") | Q(organization__path__in=above)
    return Campaign.objects.filter(query)


def can_run(user, org: Organization) -> bool:
    return org_access.in_scope(user, org, kinds=RUNNING_ROLES)


def get_campaign_for_user(user, pk: int, write: bool = False) -> Campaign:
    campaign = get_object_or_404(campaigns_for(user).select_related("organization"), pk=pk)
    if write:
        require(can_run(user, campaign.organization))
    return campaign


def organizations_to_run(user):
    """Organisations the user may start a campaign for."""
    return org_access.organizations_for(user, kinds=RUNNING_ROLES).filter(active=True)


def current_campaign(user, org: Organization, wanted: int | None = None) -> Campaign | None:
    """The campaign a page about `org` shows, for a user who may see `org`.

    The campaigns covering `org` are run by it or its ancestors, and a user who sees `org` sees
    every one of them (campaigns_for), so no scope filter is added to the lookup."""
    return Campaign.objects.current_for(org, wanted)


def can_see_sweeps(user) -> bool:
    """The log of reminder sweeps is the district's: offices and admins of a top organisation."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    top = Organization.steplen
    return any(
        kind in RUNNING_ROLES and len(path) == top for path, kind, _ in org_access.user_roles(user)
    )


def deadline_setters(user, campaign: Campaign) -> list[Organization]:
    """The organisations whose office or admin role the user holds, inside the campaign and with
    organisations below them: where they may give those below an earlier deadline."""
    ids = [org_id for _path, kind, org_id in org_access.user_roles(user) if kind in RUNNING_ROLES]
    return list(
        Organization.objects.filter(
            pk__in=ids,
            numchild__gt=0,
            active=True,
            path__startswith=campaign.organization.path,
        )
    )


def addressed_to(user) -> Q:
    """The notifications a user may see: theirs, and those of every role they hold now (so a
    hand-over passes a role's notices on)."""
    query = Q(user=user)
    for _path, kind, organization_id in org_access.user_roles(user):
        query |= Q(user__isnull=True, organization_id=organization_id, role_kind=kind)
    return query


def notifications_for(user):
    """The user's inbox; any other notification is a 404."""
    return Notification.objects.filter(addressed_to(user)).select_related("organization")
