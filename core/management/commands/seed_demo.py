"""python manage.py seed_demo [--reset] [--orgs N --members M] [--seed S]

Without options: builds the demo district 某某区委 (eight towns and streets, ~80 branches, ~2,000
members) and the demo users, then prints the logins. Running it again builds nothing new; it only
makes sure the demo users exist and resets their passwords to the printed ones.

--orgs N --members M: builds the synthetic district 测试区委 of exactly N organisations (root
included) and M members instead, for benchmarks; the demo users are placed in it.
--reset: deletes what every app's demo builder may build first (organisations, members, roles,
campaigns, pledges…), in the reverse order of the layers, and the audit trail. Users are kept.
--force: seeds even with DEBUG off. The demo passwords are printed and set on users named admin,
office…, so a production database is refused by default.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from core import demo


class Command(BaseCommand):
    help = "Builds the demo district with demo logins, or with --orgs/--members a large one."

    def add_arguments(self, parser):
        parser.add_argument("--orgs", type=int, help="organisations of a large synthetic district")
        parser.add_argument(
            "--members", type=int, help="members of the large district (default 20 per org)"
        )
        parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="delete every organisation, member and role first; users are kept",
        )
        parser.add_argument(
            "--force", action="store_true", help="seed even when DEBUG is off (production)"
        )

    def handle(self, *args, orgs, members, seed, reset, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off, so this looks like production: seed_demo would set the printed "
                "demo passwords on users named admin, office…. Pass --force to seed anyway."
            )
        if members is not None and orgs is None:
            raise CommandError("--members needs --orgs")
        if orgs is not None and orgs < 3:
            raise CommandError("--orgs must be at least 3: a root, a town and a branch")
        started = time.perf_counter()
        ctx = demo.DemoContext(seed=seed, stdout=self.stdout, orgs=orgs)
        if orgs is not None:
            ctx.members = orgs * 20 if members is None else members
        with transaction.atomic():
            if reset:
                demo.wipe()
                self.stdout.write(_("已清空党组织、党员、角色、活动、承诺和变更历史。"))
            try:
                demo.build(ctx)
            except demo.DemoError as error:
                raise CommandError(str(error)) from None
        elapsed = time.perf_counter() - started
        self.stdout.write(
            _(
                "“%(root)s”：%(organizations)s 个党组织，"
                "%(members)s 名党员（用时 %(seconds).1f 秒）。"
            )
            % {
                "root": ctx.root.name,
                "organizations": ctx.organizations,
                "members": ctx.member_count,
                "seconds": elapsed,
            }
        )
        self._print_logins(ctx.logins)

    def _print_logins(self, logins):
        self.stdout.write("")
        # No address here: the command does not know where the site will be served (the web
        # server prints the one it listens on).
        self.stdout.write(_("演示账号："))
        # Usernames and passwords are ASCII, so they align; the Chinese columns come last.
        width = max(len(password) for _username, password, _role, _org in logins)
        # The headings are padded by characters: 用户名 (three wide ones) fills the 12 columns.
        user_heading, password_heading = _("用户名"), _("密码")
        role_heading = _("角色 · 党组织")
        self.stdout.write(f"  {user_heading:<9}{password_heading:<{width}}{role_heading}")
        for username, password, role, org in logins:
            self.stdout.write(f"  {username:<12}{password:<{width + 2}}{role} · {org}")
