"""python manage.py install_audit_triggers [--database ALIAS]

(Re)creates the audit triggers of every tracked table (see core/audit); `migrate` does the same
after every run. For a database whose triggers were dropped by hand, which the system check
reports as core.E001 and which makes `migrate` refuse to start.
"""

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from core.audit import triggers


class Command(BaseCommand):
    help = "Creates or replaces the audit triggers of every tracked table."
    # The checks would refuse to run for the very problem this command fixes.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, database, **options):
        connection = connections[database]
        with transaction.atomic(using=database):
            triggers.install(connection)
        left = triggers.problems(connection)
        for problem in left:
            self.stderr.write(problem)
        self.stdout.write("审计触发器已安装。" if not left else "仍有问题，见上。")
