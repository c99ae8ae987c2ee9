"""python manage.py restore ARCHIVE [--yes]

Replaces the SQLite database and the uploaded files by those of one of our archives
(core/backup.py). Asks first, unless --yes; without a terminal to ask on and without --yes it
refuses. An archive that is not ours, or is damaged, is refused before anything changes. On
PostgreSQL it refuses and names pg_restore.
"""

import sys

from django.core.management.base import BaseCommand, CommandError

from core import backup


class Command(BaseCommand):
    help = "从备份归档恢复内置 SQLite 数据库和上传文件（会覆盖当前数据）。"

    def add_arguments(self, parser):
        parser.add_argument("archive", help="备份文件，如 var/backups/ccz-20261205-2030.tar.gz")
        parser.add_argument("--yes", action="store_true", help="不再询问，直接恢复")

    def handle(self, *args, archive, yes=False, **options):
        try:
            backup.backup_database_path()
            manifest = backup.read_manifest(archive)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        if not yes and not self._confirmed(archive, manifest):
            raise CommandError("未确认，未做任何恢复。确认无误后可加 --yes 再运行。")
        try:
            restored = backup.restore_backup(archive)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"已从 {restored.archive.name}（备份于 {restored.created_at}）恢复数据库，"
            f"并恢复上传文件 {restored.media_files} 个。"
        )
        pending = backup.pending_migrations()
        if pending:
            self.stdout.write(
                f"备份早于当前版本，还缺 {len(pending)} 个数据库迁移："
                "请运行 python manage.py migrate。"
            )
        self.stdout.write("请重启网站和后台任务进程，使它们重新读取数据。")

    def _confirmed(self, archive, manifest) -> bool:
        if not sys.stdin.isatty():
            return False
        self.stdout.write(
            f"将用 {archive}（备份于 {manifest.get('created_at', '未知时间')}）"
            "覆盖当前的数据库和全部上传文件，当前数据会丢失。"
        )
        return input("确认恢复请输入 yes：").strip().lower() == "yes"
