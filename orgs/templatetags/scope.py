from django import template

from orgs import access

register = template.Library()


@register.filter
def opens_for(org, user) -> bool:
    """May the user open the organisation's page? A breadcrumb links only those (a secretary's
    区委 and 街道 are plain text). Reads the user's roles once per request (access.user_roles)."""
    return access.in_scope(user, org)
