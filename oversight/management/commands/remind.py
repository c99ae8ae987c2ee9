"""python manage.py remind [--kind deadlines|quarterly|overdue] [--today 2026-04-01] [--dry-run]

Runs the calendar's reminder sweeps (oversight.sweeps) as of a day and prints who would be (with
--dry-run) or was reminded, so an office can check its calendar before beat runs it."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from oversight import sweeps


class Command(BaseCommand):
    help = "Runs the reminder sweeps as of a day (default today) and lists who is reminded."

    def add_arguments(self, parser):
        parser.add_argument(
            "--kind", choices=sorted(sweeps.PLANS), action="append", help="repeatable; default all"
        )
        parser.add_argument("--today", help="the day to run as of, YYYY-MM-DD")
        parser.add_argument("--dry-run", action="store_true", help="list, write nothing")

    def handle(self, *args, kind=None, today=None, dry_run=False, **options):
        try:
            day = datetime.date.fromisoformat(today) if today else None
        except ValueError as error:
            raise CommandError(f"--today 须为 YYYY-MM-DD：{today}") from error
        for name in kind or list(sweeps.PLANS):
            run = sweeps.run(name, day, dry_run=dry_run)
            verb = "将提醒" if dry_run else "新发出"
            count = run.candidates if dry_run else run.created
            label = run.get_kind_display()
            self.stdout.write(
                f"{label}（{run.as_of}）：应提醒 {run.candidates} 条，{verb} {count} 条"
            )
            for notification in run.planned:
                role = notification.get_role_kind_display() or "本人"
                self.stdout.write(
                    f"  · {notification.organization.name} {role}：{notification.title}"
                )
            for failure in run.failures:
                self.stderr.write(f"  ! {failure}")
