"""Uploads are judged by their bytes and their size, never by their name: every upload path (a
pledge's progress evidence and its signed letter, a rectification's evidence, the roster, tree
and pledge sheet imports, the provisioning sheet) refuses a file whose name lies about it and a
file over its limit, in Chinese, and stores nothing.

A real image or PDF under a wrong name is taken for what its bytes say: it is stored under a name
of ours and served with its real type (pledges.models.attachment_path), since phones and chat
apps often misname photos. Evidence with markup in it (a polyglot: an image's first bytes, then
a script) is refused, although it would be served as an image with nosniff.
"""

import datetime
import io

import pytest
from django.test import override_settings

from accounts.models import Batch
from core.models import Job
from orgs import services as org_services
from orgs.models import Member, Organization, RoleKind
from pledges.models import Pledge, PledgeProgress
from reviews import services as review_services

from ..conftest import _persona
from ..factories import make_campaign, make_pledge

TODAY = datetime.date.today()
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
HTML = b"<!doctype html><html><script>alert(1)</script></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64
POLYGLOTS = {
    "png": PNG + b"<script>alert(1)</script>",
    "jpeg": b"\xff\xd8\xff\xe0" + b"\x00" * 16 + b"<SCRIPT src=//x.example/a.js></SCRIPT>",
    "pdf": b"%PDF-1.7\n<html><body onload=alert(1)>",
}


def _file(name: str, data: bytes):
    upload = io.BytesIO(data)
    upload.name = name
    return upload


@pytest.fixture
def evidence_paths(district, alice, client):
    """(post(name, data) → response, stored()) of each path that takes evidence."""
    campaign = make_campaign(district.root)
    pledge = make_pledge(campaign, member=district.member_a, state="published")
    tess = _persona("tess", district.east, RoleKind.SECRETARY)
    item = review_services.register_rectification(
        district.branch_a, by=tess, problem="台账不全", responsible_person="书记", deadline=TODAY
    )
    state = item.state
    client.force_login(alice)

    def progress(name, data):
        return client.post(
            f"/pledges/{pledge.pk}/progress/",
            {"happened_on": TODAY.isoformat(), "text": "走访", "attachment": _file(name, data)},
            follow=True,
        )

    def letter(name, data):
        return client.post(
            f"/pledges/{pledge.pk}/letter/", {"attachment": _file(name, data)}, follow=True
        )

    def evidence(name, data):
        return client.post(
            f"/reviews/rectifications/{item.pk}/report/",
            {"note": "已补齐", "evidence": _file(name, data)},
            follow=True,
        )

    def nothing_stored():
        # The signed letter is a progress record too (pledges.bulk.upload_letter).
        item.refresh_from_db()
        return not PledgeProgress.objects.exists() and not item.evidence and item.state == state

    return {"progress": progress, "letter": letter, "evidence": evidence}, nothing_stored


REFUSED_EVIDENCE = {
    "html named .jpg": ("photo.jpg", HTML),
    "script named .png": ("photo.png", b"alert(document.cookie)"),
    "exe named .pdf": ("scan.pdf", EXE),
    **{f"{kind} polyglot": (f"photo.{kind}", data) for kind, data in POLYGLOTS.items()},
}


@pytest.mark.parametrize("path", ["progress", "letter", "evidence"])
@pytest.mark.parametrize("case", list(REFUSED_EVIDENCE))
def test_evidence_whose_content_lies_is_refused(evidence_paths, path, case):
    posts, nothing_stored = evidence_paths
    name, data = REFUSED_EVIDENCE[case]
    body = posts[path](name, data).content.decode()
    assert "附件只能是 JPG、PNG 图片或 PDF 文件" in body
    assert nothing_stored()


@pytest.mark.parametrize("path", ["progress", "letter", "evidence"])
@override_settings(PLEDGE_ATTACHMENT_MAX_BYTES=1024)
def test_oversized_evidence_is_refused(evidence_paths, path):
    posts, nothing_stored = evidence_paths
    body = posts[path]("scan.pdf", b"%PDF-1.7\n" + b"0" * 2048).content.decode()
    assert "附件不能超过 1 KB" in body
    assert nothing_stored()


def test_a_png_named_pdf_is_kept_and_served_as_the_png_it_is(evidence_paths, client):
    posts, _ = evidence_paths
    posts["progress"]("scan.pdf", PNG)
    record = PledgeProgress.objects.get()
    assert record.attachment_type == "image/png" and record.attachment.name.endswith(".png")
    response = client.get(f"/pledges/progress/{record.pk}/attachment/")
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"


# --- Sheets --------------------------------------------------------------------------------------


@pytest.fixture
def sheet_paths(district, alice, ada, client):
    """(post(name, data) → response, nothing_stored()) of each path that takes a sheet."""
    campaign = make_campaign(district.root)
    members, orgs = Member.objects.count(), Organization.objects.count()

    def as_user(user, url, extra=None):
        def post(name, data):
            client.force_login(user)
            return client.post(url, {"file": _file(name, data), **(extra or {})}, follow=True)

        return post

    def nothing_stored():
        return (
            Member.objects.count() == members
            and Organization.objects.count() == orgs
            and not Job.objects.exists()
            and not Batch.objects.exists()
            and not Pledge.objects.exists()
        )

    org_services.assign_role(ada, district.root, RoleKind.SECRETARY)
    paths = {
        "roster": as_user(alice, "/orgs/import/members/"),
        "tree": as_user(ada, "/orgs/import/tree/"),
        "pledges": as_user(
            alice, f"/pledges/org/{district.branch_a.pk}/import/?campaign={campaign.pk}"
        ),
        "provisioning": as_user(ada, "/people/provision/"),
    }
    return paths, nothing_stored


REFUSED_SHEETS = {
    "exe named .xlsx": ("名册.xlsx", EXE),
    "html named .xlsx": ("名册.xlsx", HTML),
    "png named .xlsx": ("名册.xlsx", PNG),
    "html named .csv": ("名册.csv", HTML),
}


@pytest.mark.parametrize("path", ["roster", "tree", "pledges", "provisioning"])
@pytest.mark.parametrize("case", list(REFUSED_SHEETS))
def test_a_sheet_whose_content_lies_is_refused(sheet_paths, path, case):
    posts, nothing_stored = sheet_paths
    name, data = REFUSED_SHEETS[case]
    response = posts[path](name, data)
    assert response.status_code == 200
    assert "alert(1)" not in response.content.decode().replace("&lt;script&gt;alert(1)", "")
    assert _refusal(response), response.content.decode()[-3000:]
    assert nothing_stored()


@pytest.mark.parametrize("path", ["roster", "tree", "pledges", "provisioning"])
@override_settings(IMPORT_MAX_BYTES=1024)
def test_an_oversized_sheet_is_refused(sheet_paths, path):
    posts, nothing_stored = sheet_paths
    response = posts[path]("名册.csv", "姓名,所在党支部\n".encode() + b"x,y\n" * 600)
    assert "文件超过 1 KB 的上限" in response.content.decode()
    assert nothing_stored()


def _refusal(response) -> bool:
    """A refusal in Chinese on the page: the form's error or the import's message."""
    body = response.content.decode()
    return any(
        words in body
        for words in ("无法读取", "不是", "格式", "请上传", "找不到", "缺少", "表头", "没有")
    )
