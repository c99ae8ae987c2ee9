from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core import slots


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("人员与账号")

    def ready(self):
        # Granting roles and hand-overs from the organisation's page.
        slots.fill("orgs.roles", "accounts:org_actions")
