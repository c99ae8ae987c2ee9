from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    """What looks across the domain apps: each role's home page and the navigation now;
    dashboards, ranking, exports, the campaign report and the reminder sweeps later."""

    name = "oversight"
    verbose_name = _("督查与统计")
