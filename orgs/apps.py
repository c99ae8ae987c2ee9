from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "orgs"
    verbose_name = _("组织与党员")
    # What an admin role may do in the admin site, within its subtree (orgs.services.admin_group).
    admin_permissions = (
        "view_organization",
        "change_organization",
        "view_member",
        "change_member",
        "view_role",
        "add_role",
        "change_role",
        "delete_role",
    )

    def ready(self):
        from core import exports as core_exports

        from . import (  # noqa: F401  (registers the roster's export)
            access,
            exports,
            rollups,  # noqa: F401  (registers the member counters with core.rollups)
        )

        # An export file may be downloaded by whoever may see its organisation.
        core_exports.reach_with(access.reaches_path)
