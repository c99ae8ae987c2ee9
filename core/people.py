"""People by name: a user is shown by their 姓名, never by the login name when they have one.

The 姓名 is kept whole in Django's `User.first_name` (no custom user model, no migration);
`last_name` is not used. The admin's user form labels it 姓名 (config/admin.py). Every page, the
audit trail, the workflow's events, the jobs and the roles show a user through `display_name`
(in templates, the `person` filter of core/templatetags/people.py).
"""

from django.utils.translation import gettext_lazy as _

NAME_LABEL = _("姓名")


def display_name(user) -> str:
    """The user's 姓名, else their login name (a user nobody has named yet)."""
    return (user.first_name or "").strip() or user.get_username()


def labelled(user) -> str:
    """姓名 with the login name, for a choice among users (two people may share a name)."""
    name = (user.first_name or "").strip()
    return f"{name}（{user.get_username()}）" if name else user.get_username()
