from django import template

from core.people import display_name

register = template.Library()


@register.filter
def person(user, default="—"):
    """A user by name (姓名, else login name: core.people.display_name); `default` when there
    is none."""
    return display_name(user) if user else default
