from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core import home, slots


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("点评与评议")
    # What an admin role may do in the admin site, within its subtree (orgs.services.admin_group).
    admin_permissions = ("view_leaderreview", "view_rectification", "view_evaluationround")

    def ready(self):
        from . import exports, rollups  # noqa: F401  (the counters and the exports, registered)

        # Reviews held vs due on an organisation's page; the verdicts (评诺) on a pledge's page.
        slots.fill("orgs.detail", "reviews:org_summary")
        slots.fill("pledges.detail", "reviews:pledge_verdicts")
        # The member's own 自评 through their draft link, once the pledge is done.
        slots.fill("pledges.link", "reviews:link_verdict", label=_("我的自评（评诺）"))
        # The online 意见箱 on every public board.
        slots.fill("pledges.board", "ballot:box", label=_("意见箱：给我们提意见"))

        # Reviews still owed this period, and open rectifications, on the home page.
        from .home import cards

        home.register(cards)
