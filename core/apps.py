from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("系统")

    def ready(self):
        from . import (
            checks,  # noqa: F401  (registers the trigger checks)
            generations,
            migrating,
            rollups,  # noqa: I001
        )
        from .audit import triggers

        # SQLite alters a table by rebuilding it, which a trigger naming it refuses: before a
        # migrate that applies anything there, our triggers go, and are put back below.
        pre_migrate.connect(migrating.drop_sqlite_triggers, sender=self)
        # After every migrate, whatever it rebuilt: the audit triggers as the models are now.
        post_migrate.connect(triggers.install_after_migrate, sender=self)
        # And the rollups' triggers, recounting a rollup whose triggers were missing or stale.
        post_migrate.connect(rollups.install_after_migrate, sender=self)
        # The generation's one row, where a migrate made its table or a flush emptied it.
        post_migrate.connect(generations.ensure_row, sender=self)
