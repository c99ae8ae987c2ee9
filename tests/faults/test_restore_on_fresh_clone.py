"""The embedded default's backup restored on a fresh clone serves the same district.

tests/core/test_backup.py round-trips an archive within one installation; here the archive of a
district built in one VAR_DIR (migrated, as `make run` leaves it) is restored into another that
holds nothing yet — no database, no secret key, no uploads, as on a clone of the repository on a
new machine — and both are asked the same questions in processes of their own: the same
figures, the same public board and branch page, the same uploaded evidence, and the secretary
signs in there with her password."""

import json

from .conftest import manage

DISTRICT = """
from django.core.files.base import ContentFile
from orgs.models import OrgKind, RoleKind
from pledges.models import PledgeProgress
from tests.factories import MemberFactory, RoleFactory, UserFactory, add_org
from tests.factories import make_campaign, make_pledge
root = add_org(None, "某某区委", kind=OrgKind.COMMITTEE)
branches = []
for town in ("东城街道党工委", "西山镇党委"):
    parent = add_org(root, town, kind=OrgKind.COMMITTEE)
    branches += [add_org(parent, f"{town[:2]}第{n}党支部") for n in (1, 2)]
campaign = make_campaign(root)
pledges = []
for branch in branches:
    for n in range(3):
        member = MemberFactory(branch=branch, name=f"{branch.name[:2]}党员{n}")
        title = f"{member.name}的承诺"
        pledges.append(make_pledge(campaign, member=member, state="published", title=title))
alice = UserFactory(username="alice", first_name="王书记")
RoleFactory(user=alice, organization=branches[0], kind=RoleKind.SECRETARY)
progress = PledgeProgress(pledge=pledges[0], happened_on=campaign.starts_on, text="走访三户")
progress.attachment_type = "application/pdf"
progress.attachment.save("evidence.pdf", ContentFile(b"%PDF-1.4 evidence"), save=True)
"""
FIGURES = """
import hashlib, json, re
from django.test import Client
from django.urls import reverse
from campaign.models import Campaign
from orgs.models import Member, Organization
from pledges.models import Pledge, PledgeProgress

def page(client, url):
    response = client.get(url)
    if response.streaming:  # an uploaded file: its digest
        digest = hashlib.sha256(b"".join(response.streaming_content)).hexdigest()
        return response.status_code, digest
    # A page's CSRF token differs at every rendering; nothing else may.
    return response.status_code, re.sub(r"[A-Za-z0-9]{64}", "<token>", response.content.decode())

branch = Organization.objects.get(name="东城第1党支部")
campaign = Campaign.objects.get()
progress = PledgeProgress.objects.get()
client = Client(HTTP_HOST="127.0.0.1")
public = page(client, f"/board/{branch.pk}/")
signed_in = client.post(reverse("login"), {"username": "alice", "password": "password"})
signed_in = (signed_in.status_code, signed_in.get("Location"))
print(json.dumps({
    "counts": [Organization.objects.count(), Member.objects.count(), Pledge.objects.count(),
               Pledge.objects.filter(state="published").count(), PledgeProgress.objects.count()],
    "board": public,
    "signed_in": signed_in,
    "sheet": page(client, f"/pledges/org/{branch.pk}/?campaign={campaign.pk}"),
    "evidence": page(client, f"/pledges/progress/{progress.pk}/attachment/"),
}, ensure_ascii=False))
"""


def _installation(folder) -> dict:
    """The embedded default (SQLite, the cache table, the broker file) in `folder`."""
    return {
        "VAR_DIR": str(folder),
        "DATABASE_URL": "",
        "CACHE_URL": "",
        "CELERY_BROKER_URL": "",
        "MEDIA_ROOT": str(folder / "media"),
        "BACKUP_DIR": str(folder / "backups"),
        "DEBUG": "1",
        "SECRET_KEY": "",
    }


def _run(*args, env) -> str:
    done = manage(*args, env=env, timeout=180)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout


def _figures(env) -> dict:
    return json.loads(_run("shell", "--no-startup", "-c", FIGURES, env=env).splitlines()[-1])


def test_a_backup_restored_on_a_fresh_clone_serves_the_same_district(tmp_path):
    first = _installation(tmp_path / "first")
    _run("migrate", "--noinput", "-v", "0", env=first)
    _run("createcachetable", env=first)
    _run("shell", "--no-startup", "-c", DISTRICT, env=first)
    before = _figures(first)
    out = _run("backup", env=first)
    archive = next((tmp_path / "first" / "backups").glob("ccz-*.tar.gz"))
    assert str(archive) in out

    fresh = _installation(tmp_path / "fresh")
    out = _run("restore", str(archive), "--yes", env=fresh)
    assert "恢复数据库" in out and "上传文件 1 个" in out and "缺" not in out
    after = _figures(fresh)

    assert before["counts"] == [7, 12, 12, 12, 1]
    assert before["board"][0] == before["sheet"][0] == before["evidence"][0] == 200
    assert "东城党员0的承诺" in before["board"][1] and "东城党员1" in before["sheet"][1]
    assert before["signed_in"] == [302, "/"]
    assert after == before
