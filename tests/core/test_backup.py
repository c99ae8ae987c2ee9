"""manage.py backup and restore on the embedded SQLite default: a district round-trips through an
archive (members, pledges, an uploaded attachment); a restore is refused unless confirmed, and
for an archive that is not ours. On PostgreSQL the commands refuse and name pg_dump, and the
round trip runs on SQLite in a subprocess (as tests/core/test_audit_on_both_databases.py does)."""

import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection

from core import backup
from core.tasks import backup_task
from orgs.models import Member
from pledges.models import Pledge, PledgeProgress

from ..factories import MemberFactory, make_campaign, make_pledge

ROOT = Path(__file__).resolve().parent.parent.parent
sqlite_only = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the embedded default's backups; run on SQLite by the subprocess test below",
)


@pytest.fixture
def backups(settings, tmp_path):
    settings.BACKUP_DIR = tmp_path / "backups"
    return settings.BACKUP_DIR


@pytest.fixture
def filled(district, transactional_db):
    """The test district with a member's pledge whose progress carries an uploaded file."""
    campaign = make_campaign(district.root)
    pledge = make_pledge(campaign, member=district.member_a, state="public")
    progress = PledgeProgress(pledge=pledge, happened_on=campaign.starts_on, text="走访三户")
    progress.attachment_type = "application/pdf"
    progress.attachment.save("evidence.pdf", ContentFile(b"%PDF-1.4 evidence"), save=True)
    return district, pledge, progress


def _run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@sqlite_only
def test_it_round_trips_a_district(filled, backups, settings):
    district, pledge, progress = filled
    out = _run("backup")
    archives = list(backups.glob("ccz-*.tar.gz"))
    assert len(archives) == 1 and str(archives[0]) in out
    stored = Path(settings.MEDIA_ROOT) / progress.attachment.name

    # Lost after the backup: a member deleted, one renamed, one added, the pledge and its file.
    Member.objects.filter(pk=district.member_b.pk).delete()
    Member.objects.filter(pk=district.member_a.pk).update(name="改掉的名字")
    MemberFactory(branch=district.branch_a, name="备份后新增")
    Pledge.objects.filter(pk=pledge.pk).delete()
    stored.unlink()

    out = _run("restore", str(archives[0]), "--yes")

    assert "已从" in out and "恢复数据库" in out and "上传文件 1 个" in out
    names = set(Member.objects.values_list("name", flat=True))
    assert names == {"张三", "李四"}
    assert PledgeProgress.objects.get(pk=progress.pk).pledge_id == pledge.pk
    assert stored.read_bytes() == b"%PDF-1.4 evidence"


@sqlite_only
def test_it_refuses_to_restore_without_confirmation(filled, backups):
    district, _pledge, _progress = filled
    archive = backup.make_backup()
    Member.objects.filter(pk=district.member_b.pk).delete()
    with pytest.raises(CommandError, match="未确认"):
        _run("restore", str(archive))  # no --yes, and no terminal to ask on
    assert not Member.objects.filter(pk=district.member_b.pk).exists()


@sqlite_only
@pytest.mark.parametrize("content", ["not-a-tar", "foreign-tar"])
def test_it_refuses_an_archive_that_is_not_ours(filled, backups, tmp_path, content):
    district, _pledge, progress = filled
    archive = tmp_path / "ccz-20261205-2030.tar.gz"
    if content == "not-a-tar":
        archive.write_bytes(b"hello")
    else:
        with tarfile.open(archive, "w:gz") as tar:
            data = b"{}"
            info = tarfile.TarInfo("db.sqlite3")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    with pytest.raises(CommandError, match="不是本系统的备份文件"):
        _run("restore", str(archive), "--yes")
    assert Member.objects.filter(pk=district.member_b.pk).exists()
    assert progress.attachment.storage.exists(progress.attachment.name)


@sqlite_only
def test_it_refuses_an_archive_with_a_link_and_keeps_archives_private(filled, backups, tmp_path):
    """A link inside the archive (media -> .) would make the extracted folder serve var/."""
    district, _pledge, _progress = filled
    archive = backup.make_backup()
    assert archive.stat().st_mode & 0o077 == 0
    crafted = tmp_path / "ccz-20261205-2031.tar.gz"
    with tarfile.open(archive, "r:gz") as source, tarfile.open(crafted, "w:gz") as tar:
        for member in source.getmembers():
            if member.name == backup.MEDIA or member.name.startswith(backup.MEDIA + "/"):
                continue
            tar.addfile(member, source.extractfile(member) if member.isfile() else None)
        link = tarfile.TarInfo(backup.MEDIA)
        link.type, link.linkname = tarfile.SYMTYPE, "."
        tar.addfile(link)
    Member.objects.filter(pk=district.member_b.pk).delete()
    with pytest.raises(CommandError, match="不安全"):
        _run("restore", str(crafted), "--yes")
    assert not Member.objects.filter(pk=district.member_b.pk).exists()  # nothing restored


@sqlite_only
def test_the_nightly_task_keeps_the_newest(backups, settings, db):
    settings.BACKUP_KEEP = 2
    backups.mkdir()
    for stamp in ("20261201-0137", "20261202-0137", "20261203-0137"):
        (backups / f"ccz-{stamp}.tar.gz").write_bytes(b"old")
    made = Path(backup_task())
    left = sorted(path.name for path in backups.glob("ccz-*.tar.gz"))
    assert left == sorted(["ccz-20261203-0137.tar.gz", made.name])


def test_on_postgresql_the_commands_refuse_and_name_pg_dump(db, backups):
    if connection.vendor == "sqlite":
        pytest.skip("the suite runs on SQLite here")
    with pytest.raises(CommandError, match="pg_dump"):
        _run("backup")
    with pytest.raises(CommandError, match="pg_restore"):
        _run("restore", "ccz-20261205-2030.tar.gz", "--yes")
    assert backup_task() == ""
    assert not backups.exists()


def test_the_backup_tests_pass_on_sqlite_too(db, tmp_path):
    if connection.vendor == "sqlite":
        pytest.skip("the suite itself runs on SQLite here")
    env = {**os.environ, "DATABASE_URL": "", "VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "failed" not in result.stdout
