"""python manage.py backup [--dir DIR] [--keep N]

Writes VAR_DIR/backups/ccz-YYYYMMDD-HHMM.tar.gz (or into --dir): the SQLite database, copied with
SQLite's online backup API while the site runs, the uploaded files and a manifest (core/backup.py).
With --keep, only the newest N archives stay. On PostgreSQL it refuses and names pg_dump.
"""

from django.core.management.base import BaseCommand, CommandError

from core import backup


class Command(BaseCommand):
    help = "备份内置 SQLite 数据库和上传文件到一个带日期的归档。"

    def add_arguments(self, parser):
        parser.add_argument("--dir", help="备份目录（默认 settings.BACKUP_DIR）")
        parser.add_argument("--keep", type=int, help="只保留最新的 N 个备份")

    def handle(self, *args, dir=None, keep=None, **options):
        try:
            archive = backup.make_backup(dir)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"已备份数据库和上传文件：{archive}")
        if keep is not None:
            for path in backup.prune_backups(keep, dir):
                self.stdout.write(f"已删除较早的备份：{path.name}")
        self.stdout.write("请把备份复制到本机以外的地方保存（本机损坏时备份也会一起丢失）。")
