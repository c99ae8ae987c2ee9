"""python manage.py rollups --verify | --fix | --install

--verify recounts every rollup from its source rows and lists each counter row that differs (exit
status 1 when any does); --fix sets those rows to the recount; --install (re)creates the triggers
and recounts the rollups whose triggers were amiss.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from core import rollups


class Command(BaseCommand):
    help = "Verifies (--verify), repairs (--fix) or (re)installs (--install) the rollups."

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--verify", action="store_true", help="report drift")
        action.add_argument("--fix", action="store_true", help="repair drift")
        action.add_argument("--install", action="store_true", help="(re)create the triggers")
        parser.add_argument("--database", default="default")

    def handle(self, *args, verify, fix, install, database, **options):
        connection = connections[database]
        if install:
            redone = rollups.install(connection)
            names = ", ".join(r.name for r in redone) or "none"
            self.stdout.write(f"Triggers installed; recounted: {names}.")
            return
        drifts = []
        for rollup in rollups.registered():
            found = rollups.fix(rollup, database) if fix else rollups.verify(rollup, database)
            for drift in found:
                self.stdout.write(str(drift))
            self.stdout.write(
                f"{rollup.name}: {len(found)} row(s) {'repaired' if fix else 'drifted'}."
            )
            drifts += found
        if drifts and verify:
            raise CommandError(f"{len(drifts)} counter row(s) differ from a recount; run --fix.")
