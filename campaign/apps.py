from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignConfig(AppConfig):
    name = "campaign"
    verbose_name = _("创先争优活动")
    # What an admin role may do in the admin site, within its subtree (orgs.services.admin_group).
    admin_permissions = ("view_campaign", "change_campaign")
