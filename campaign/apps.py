from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignConfig(AppConfig):
    name = "campaign"
    verbose_name = _("创先争优活动")
    # What an admin role may do in the admin site, within its subtree (orgs.services.admin_group).
    admin_permissions = ("view_campaign", "change_campaign")

    def ready(self):
        from core import home
        from core.jobs import job_finished

        from .home import cards

        # The calendar and the unread notifications on the home page.
        home.register(cards)

        from .notifications import on_job_finished

        # A long import or export that ends is told to its owner's inbox.
        job_finished.connect(on_job_finished, dispatch_uid="campaign.job_finished")
