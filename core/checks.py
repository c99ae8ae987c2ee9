"""The system checks that keep the audit trail and the rollups honest: `manage.py check
--database default` (and `migrate`, which runs the database checks) fails when a tracked table
lacks its audit triggers (core.E001) or a rollup lacks its triggers (core.E002)."""

from django.core.checks import Error, Tags, register
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

from . import rollups
from .audit import triggers


@register(Tags.database)
def check_triggers(app_configs=None, databases=None, **kwargs):
    errors = []
    for alias in databases or []:
        connection = connections[alias]
        if connection.vendor not in ("sqlite", "postgresql"):
            continue
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            continue  # migrate installs them when it has applied what is pending
        errors += [
            Error(
                problem,
                hint=(
                    "Run `python manage.py install_audit_triggers` (or `migrate --skip-checks`): "
                    "without them, changes to this table are not kept in the audit trail."
                ),
                obj=alias,
                id="core.E001",
            )
            for problem in triggers.problems(connection)
        ]
        errors += [
            Error(
                f"{name or 'rollups'}: {problem}",
                hint=(
                    "Run `python manage.py rollups --install`: without them, the counters behind "
                    "coverage and member counts drift from the rows they count."
                ),
                obj=alias,
                id="core.E002",
            )
            for name, found in rollups.problems(connection).items()
            for problem in found
        ]
    return errors


@register(Tags.security, deploy=True)
def check_load_test_settings(app_configs=None, **kwargs):
    """The load test's exemption from the rate limits must never be on where people connect."""
    from django.conf import settings

    if getattr(settings, "RATE_LIMIT_EXEMPT_LOOPBACK", False):
        return [
            Error(
                "RATE_LIMIT_EXEMPT_LOOPBACK is on: the loopback client is not rate-limited.",
                hint="It is for the HTTP load test's own server; unset it in production.",
                id="core.E003",
            )
        ]
    return []
