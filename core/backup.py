"""Backups of the embedded default: the SQLite database and the uploaded files in one archive.

`make_backup` copies the database with SQLite's online backup API (a consistent snapshot, safe
while the web server and the workers write) and adds MEDIA_ROOT and a manifest naming the archive
as ours, with the migration state it holds, into `BACKUP_DIR/ccz-YYYYMMDD-HHMM.tar.gz` (local
time). `restore_backup` checks an archive before it touches anything: ours (the manifest), no path
outside itself, a sound database. It then copies the database in with the same backup API, in one
transaction of the live file (other connections see the old rows or the new, never a mix, and
the WAL of a running server stays consistent: a file renamed over the database would not be), and
puts the media folder in place by renaming a fully extracted copy over it. `prune_backups` keeps
the newest BACKUP_KEEP archives.

PostgreSQL is backed up by its own tools (pg_dump -Fc / pg_restore, README "Backup and restore"):
the functions here refuse it with UnsupportedDatabase.
"""

import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import django
from django.conf import settings
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django.utils.translation import gettext as _

FORMAT = "ccz-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE = "db.sqlite3"
MEDIA = "media"
PATTERN = "ccz-*.tar.gz"


class BackupError(Exception):
    """A backup or restore refused: the message says why, in Chinese, for the person at the
    console."""


class UnsupportedDatabase(BackupError):
    pass


@dataclass
class Restored:
    archive: Path
    created_at: str
    media_files: int
    migrations: dict[str, str]


def backup_dir() -> Path:
    return Path(settings.BACKUP_DIR)


def backup_database_path(alias: str = "default") -> Path:
    """The SQLite file backed up and restored; UnsupportedDatabase on PostgreSQL."""
    connection = connections[alias]
    if connection.vendor != "sqlite":
        raise UnsupportedDatabase(
            _(
                "数据库是 PostgreSQL：请用 pg_dump -Fc 备份、pg_restore 恢复，并另行复制上传文件"
                "目录（见 README 的“Backup and restore”一节）。本命令只用于内置的 SQLite 数据库。"
            )
        )
    return Path(connection.settings_dict["NAME"])


def _migration_state(db: sqlite3.Connection) -> dict[str, str]:
    """Each app's latest applied migration in the database `db`."""
    try:
        rows = db.execute("SELECT app, name FROM django_migrations ORDER BY app, id").fetchall()
    except sqlite3.DatabaseError:
        return {}
    return dict(rows)


def make_backup(destination: Path | None = None) -> Path:
    """Writes a dated archive of the database and the uploaded files; returns its path."""
    source_path = backup_database_path()
    destination = Path(destination or backup_dir())
    destination.mkdir(parents=True, exist_ok=True)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    archive = destination / f"ccz-{stamp}.tar.gz"
    if archive.exists():
        archive = destination / f"ccz-{stamp}{timezone.localtime():%S}.tar.gz"
    with tempfile.TemporaryDirectory(dir=destination, prefix=".backup-") as work:
        copy = Path(work) / DATABASE
        with sqlite3.connect(source_path) as source, sqlite3.connect(copy) as target:
            source.backup(target)
            migrations = _migration_state(target)
        source.close()
        target.close()
        media = Path(settings.MEDIA_ROOT)
        manifest = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "created_at": timezone.localtime().isoformat(timespec="seconds"),
            "database": "sqlite",
            "django": django.get_version(),
            "migrations": migrations,
            "media_files": _count_files(media),
        }
        (Path(work) / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
        # Written aside and renamed: a half-written archive never looks like a backup.
        partial = Path(work) / "archive.part"
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(Path(work) / MANIFEST, arcname=MANIFEST)
            tar.add(copy, arcname=DATABASE)
            if media.is_dir():
                tar.add(media, arcname=MEDIA)
        os.chmod(partial, 0o600)  # it holds every member's phone and ID number
        os.replace(partial, archive)
    return archive


def read_manifest(archive: Path) -> dict:
    """The manifest of one of our archives; BackupError for anything else."""
    not_ours = BackupError(
        _("“%(name)s”不是本系统的备份文件，未做任何恢复。") % {"name": Path(archive).name}
    )
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.getmember(MANIFEST)
            manifest = json.load(tar.extractfile(member))
            names = tar.getnames()
    except (OSError, KeyError, ValueError, tarfile.TarError, AttributeError, TypeError):
        raise not_ours from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise not_ours
    if manifest.get("version") != FORMAT_VERSION or DATABASE not in names:
        raise not_ours
    return manifest


def _files_and_folders_only(member: tarfile.TarInfo, path: str) -> tarfile.TarInfo | None:
    if not (member.isfile() or member.isdir()):
        raise tarfile.FilterError(f"{member.name}: not a file or a folder")
    return tarfile.data_filter(member, path)


def restore_backup(archive: Path) -> Restored:
    """Replaces the database and the uploaded files by those of `archive` (one of ours)."""
    archive = Path(archive)
    target_path = backup_database_path()
    manifest = read_manifest(archive)
    media = Path(settings.MEDIA_ROOT)
    media.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=media.parent, prefix=".restore-") as work:
        try:
            with tarfile.open(archive, "r:gz") as tar:
                # The "data" filter refuses absolute paths, "..", links out and device files;
                # links are refused too, even inside (media -> . would serve var/ as media).
                tar.extractall(work, filter=_files_and_folders_only)  # nosec B202
        except (OSError, tarfile.TarError) as error:
            raise BackupError(
                _("备份文件已损坏或含有不安全的路径，未做任何恢复：%(error)s") % {"error": error}
            ) from None
        copy = Path(work) / DATABASE
        incoming = Path(work) / MEDIA
        if incoming.exists() and not incoming.is_dir():
            raise BackupError(_("备份中的上传文件不是一个文件夹，未做任何恢复。"))
        with sqlite3.connect(copy) as restored:
            sound = restored.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        restored.close()
        if not sound:
            raise BackupError(_("备份中的数据库已损坏，未做任何恢复。"))
        for connection in connections.all():
            connection.close()  # no Django connection holds a transaction on the old file
        with sqlite3.connect(copy) as source, sqlite3.connect(target_path, timeout=20) as target:
            source.backup(target)
        source.close()
        target.close()
        if not incoming.is_dir():
            incoming.mkdir()
        _swap_into_place(incoming, media)
    return Restored(
        archive=archive,
        created_at=manifest.get("created_at", ""),
        media_files=_count_files(media),
        migrations=manifest.get("migrations", {}),
    )


def _swap_into_place(incoming: Path, media: Path) -> None:
    """Puts the extracted folder where MEDIA_ROOT is: two renames on one file system, the old
    folder removed only once the new one is in place."""
    old = media.with_name(f".{media.name}-old-{os.getpid()}")
    if media.exists():
        os.replace(media, old)
    os.replace(incoming, media)
    if old.exists():
        shutil.rmtree(old)


def prune_backups(keep: int, destination: Path | None = None) -> list[Path]:
    """Deletes all but the newest `keep` archives (their dated names sort by time)."""
    destination = Path(destination or backup_dir())
    archives = sorted(destination.glob(PATTERN)) if destination.is_dir() else []
    doomed = archives[: max(0, len(archives) - max(keep, 1))]
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


def pending_migrations() -> list[str]:
    """The migrations of the code that the (restored) database lacks: `migrate` must run."""
    executor = MigrationExecutor(connections["default"])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def _count_files(folder: Path) -> int:
    return sum(len(files) for _root, _dirs, files in os.walk(folder)) if folder.is_dir() else 0
