from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core import home, slots


class PledgesConfig(AppConfig):
    name = "pledges"
    verbose_name = _("公开承诺")
    # What an admin role may do in the admin site, within its subtree (orgs.services.admin_group).
    admin_permissions = ("view_pledge",)

    def ready(self):
        from . import rollups  # noqa: F401  (registers the pledge counters with core.rollups)

        # Pledge coverage on the tree's nodes, and the way from a campaign to its pledges.
        slots.fill("orgs.tree", "pledges:tree_coverage")
        slots.fill("orgs.children", "pledges:children_coverage")
        slots.fill("campaign.detail", "pledges:campaign_link")
        slots.fill("orgs.member", "pledges:member_link")

        # What is left to do on the user's branch, or the coverage of their scope, on the home.
        from .home import cards

        home.register(cards)
