from django import template

from core.audit.trail import person_name

register = template.Library()


@register.filter
def person(user, default="—"):
    """A user by name (full name, else username); `default` when there is none."""
    return person_name(user) if user else default
