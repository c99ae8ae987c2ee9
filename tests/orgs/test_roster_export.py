"""The roster's export: exactly the rows the page lists for the same filters, in scope; ID numbers
masked but for admins; a long roster as a job whose file only the right people download; files
removed once they expire; every export recorded."""

import csv
import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from core import exports, jobs
from core.models import ExportRecord, Job, JobState
from orgs.models import mask_id_number

from ..factories import MemberFactory


def _csv_rows(response):
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def _page_names(client, url):
    return [m.name for m in client.get(url).context["page"].object_list]


def test_the_export_holds_exactly_the_rows_the_page_lists(client, district, alice):
    a = district.branch_a
    MemberFactory(branch=a, name="王五", gender="F")
    MemberFactory(
        branch=a, name="赵六", gender="M", active=False, deactivated_on=datetime.date(2026, 1, 5)
    )
    MemberFactory(branch=district.branch_b, name="外支部")
    client.force_login(alice)
    for query in ("", "gender=F", "status=all", "status=0", "q=王"):
        page = _page_names(client, f"/orgs/{a.pk}/members/?{query}")
        response = client.get(f"/orgs/{a.pk}/members/export/?{query}&format=csv")
        assert response.status_code == 200
        rows = _csv_rows(response)
        assert rows[1][:3] == ["姓名", "性别", "出生日期"]
        assert [row[0] for row in rows[2:]] == page, query
    assert ExportRecord.objects.filter(kind="orgs.roster", owner=alice).count() == 5


def test_the_xlsx_opens_with_its_title_and_the_id_number_masked_but_for_admins(
    client, district, alice, ada
):
    member = district.member_a
    member.id_number = "110101198001020034"
    member.save()
    client.force_login(alice)
    response = client.get(f"/orgs/{district.branch_a.pk}/members/export/?format=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet["A1"].value.startswith("幸福社区党支部党员名册")
    assert sheet["A3"].value == "张三" and sheet["C3"].value == "1980年1月2日"
    assert sheet["G3"].value == mask_id_number(member.id_number) != member.id_number
    client.force_login(ada)
    response = client.get(f"/orgs/{district.branch_a.pk}/members/export/?format=xlsx&dates=iso")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet["G3"].value == member.id_number and sheet["C3"].value == "1980-01-02"


def test_another_branch_cannot_export_it(client, district, bob):
    client.force_login(bob)
    response = client.get(f"/orgs/{district.branch_a.pk}/members/export/?format=csv")
    assert response.status_code == 404


@pytest.fixture
def long_roster(settings, district):
    settings.EXPORT_INLINE_ROWS = 5
    for _ in range(11):
        MemberFactory(branch=district.branch_a)


def test_a_long_export_is_a_job_with_progress_and_a_file_for_the_right_people(
    client, district, alice, bob, charlie, long_roster, monkeypatch
):
    client.force_login(alice)
    response = client.get(f"/orgs/{district.branch_a.pk}/members/export/?format=xlsx")
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.state == JobState.QUEUED
    seen = []
    original = jobs.report
    monkeypatch.setattr(jobs, "report", lambda job, p: (seen.append(p), original(job, p)))
    exports.run_export_job(job.pk)
    assert len(set(seen)) > 5 and seen == sorted(seen)  # the bar moves, forward only
    job.refresh_from_db()
    assert (job.state, job.progress, job.result["rows"]) == (JobState.DONE, 100, 12)
    url = job.result["next_url"]
    assert "下载文件" in client.get(f"/jobs/{job.pk}/").content.decode()
    sheet = load_workbook(io.BytesIO(b"".join(client.get(url).streaming_content))).active
    assert sheet.max_row == 14  # title, header, 12 members
    client.force_login(charlie)  # 东城街道's leader: the branch is in his scope
    assert client.get(url).status_code == 200
    client.force_login(bob)
    assert client.get(url).status_code == 404
    # A day later the file is gone, its record stays.
    later = timezone.now() + datetime.timedelta(hours=25)
    assert exports.remove_expired(later) == 1
    client.force_login(alice)
    assert client.get(url).status_code == 410
    record = ExportRecord.objects.get(job=job)
    assert not record.file and record.rows == 12
    assert "幸福社区党支部党员名册" in client.get("/jobs/exports/").content.decode()
