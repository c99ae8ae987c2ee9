from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    """What looks across the domain apps: each role's home page and the navigation, the
    dashboard and the ranking, the calendar's reminder sweeps, closing a campaign; exports and
    the campaign report later."""

    name = "oversight"
    verbose_name = _("督查与统计")

    def ready(self):
        from core import slots

        # 结束验收 on a campaign's page: closing freezes figures that only this app can gather.
        slots.fill("campaign.detail", "campaign_close_button")
        # 典型推荐 on the commendations' page: the candidates come from the ranking's figures.
        slots.fill("reviews.commendations", "commendation_candidates_button")
        # The pledges list's export, with the final verdicts that reviews keeps.
        slots.fill("pledges.list", "export_pledges_menu")

        from . import exports  # noqa: F401  (registers the pledges', ranking's and sheet's)
