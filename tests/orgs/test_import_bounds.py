"""Imports within bounded memory: a row cap refused before the rows are checked, the first 200
errors on the page with every one in a CSV only the uploader can download, still all or nothing,
in the request and on the worker."""

import csv
import io

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from core.models import Job, JobState
from orgs import importing
from orgs.importing.errors import ERRORS_SHOWN, RowErrors
from orgs.models import Member

from .test_import_members import csv_upload, xlsx_upload

MEMBERS_URL = "/orgs/import/members/"


def _roster(n, *, bad=()):
    """n rows; those whose index is in `bad` have an unknown gender."""
    rows = [["姓名", "出生日期", "所在党支部", "性别"]]
    for i in range(n):
        rows.append([f"导入党员{i}", "1980-01-02", "幸福社区党支部", "猫" if i in bad else "男"])
    return rows


def _imported() -> int:
    return Member.objects.filter(name__startswith="导入党员").count()


def _csv_rows(response) -> list[list[str]]:
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads the Chinese
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_it_refuses_a_file_over_the_row_cap_with_nothing_imported(district, alice_client, settings):
    settings.IMPORT_MAX_ROWS = 5

    response = alice_client.post(MEMBERS_URL, {"file": csv_upload(_roster(6))})

    assert response.status_code == 200
    body = response.content.decode()
    assert "文件有 6 行数据，超过每个文件 5 行的上限，未导入任何数据。" in body
    assert "请分成几个文件分别导入" in body
    assert _imported() == 0


def test_a_file_at_the_cap_is_imported(district, alice_client, settings):
    settings.IMPORT_MAX_ROWS = 5

    response = alice_client.post(MEMBERS_URL, {"file": csv_upload(_roster(5))})

    assert response.status_code == 302
    assert _imported() == 5


def test_the_cap_is_refused_before_any_row_is_checked(district, alice, settings, monkeypatch):
    settings.IMPORT_MAX_ROWS = 5
    checked = []
    monkeypatch.setattr(
        "orgs.importing.members._gender", lambda value: checked.append(value) or "M"
    )

    with pytest.raises(importing.ImportRejected, match="超过每个文件 5 行"):
        importing.import_members(xlsx_upload(_roster(6), title=None), by=alice)

    assert checked == [] and _imported() == 0


def test_the_cap_applies_on_the_worker_too(district, alice_client, settings):
    settings.IMPORT_MAX_ROWS = 5
    settings.IMPORT_BACKGROUND_BYTES = 100
    alice_client.post(MEMBERS_URL, {"file": csv_upload(_roster(6))})
    job = Job.objects.get()

    importing.run_import_job(job.pk)

    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert "超过每个文件 5 行的上限" in job.errors[0]["message"]
    assert _imported() == 0


def test_500_bad_rows_show_200_and_the_csv_names_all_500(district, alice_client):
    bad = set(range(0, 1000, 2))  # 500 bad rows among 1,000
    response = alice_client.post(MEMBERS_URL, {"file": csv_upload(_roster(1000, bad=bad))})

    assert response.status_code == 200
    body = response.content.decode()
    assert "文件中有 500 个问题，全部未导入" in body
    assert len(response.context["errors"]) == ERRORS_SHOWN
    assert [e.row for e in response.context["errors"]][:3] == [2, 4, 6]
    assert "另有 300 个问题未列出" in body
    url = response.context["errors_url"]
    assert url and f'href="{url}"' in body
    assert _imported() == 0  # all or nothing

    download = alice_client.get(url)

    assert download.status_code == 200
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in download["Content-Disposition"]
    rows = _csv_rows(download)
    assert rows[0] == ["行号", "列", "问题"]
    assert [int(row[0]) for row in rows[1:]] == [i + 2 for i in sorted(bad)]
    assert all(row[1] == "性别" and "无法识别的性别“猫”" in row[2] for row in rows[1:])


def test_the_errors_csv_is_the_uploaders_alone(district, alice_client, bob):
    response = alice_client.post(MEMBERS_URL, {"file": csv_upload(_roster(300, bad=range(300)))})
    url = response.context["errors_url"]
    bob_client = Client()
    bob_client.force_login(bob)

    assert bob_client.get(url).status_code == 404
    assert alice_client.get(url.replace(url[-8:-4], "0000")).status_code == 404
    assert alice_client.post(url).status_code == 405


def test_few_errors_are_all_on_the_page_without_a_file(district, alice_client):
    response = alice_client.post(MEMBERS_URL, {"file": csv_upload(_roster(10, bad={3}))})

    assert len(response.context["errors"]) == 1
    assert response.context["errors_url"] == ""


def test_the_job_page_offers_the_csv_of_every_error(district, alice_client, settings):
    settings.IMPORT_BACKGROUND_BYTES = 100
    alice_client.post(MEMBERS_URL, {"file": csv_upload(_roster(250, bad=range(250)))})
    job = Job.objects.get()

    importing.run_import_job(job.pk)

    job.refresh_from_db()
    assert len(job.errors) == ERRORS_SHOWN and job.result["errors_total"] == 250
    page = alice_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "文件中有 250 个问题" in page and "另有 50 个问题未列出" in page
    download = alice_client.get(job.result["errors_url"])
    assert len(_csv_rows(download)) == 1 + 250


def test_row_errors_keep_the_first_by_row_and_write_all_in_row_order(district, alice):
    errors = RowErrors(alice)
    # Two passes, as an import makes: cells first, then matching, each from the top.
    for row in range(2, 302):
        errors.append(importing.RowError(row, "性别", "第一遍"))
    for row in range(2, 302, 3):
        errors.append(importing.RowError(row, "姓名", "第二遍"))
    table = importing.base.Table({"name": (0, "姓名"), "gender": (1, "性别")}, iter(()))

    result = errors.result(table)

    assert result.errors_total == 300 + 100
    assert [(e.row, e.column) for e in result.errors[:3]] == [(2, "姓名"), (2, "性别"), (3, "性别")]
    assert max(e.row for e in result.errors) < 160
    name = importing.errors_file_path(alice.pk, result.errors_file)
    with default_storage.open(name, "rb") as stored:
        lines = list(csv.reader(io.StringIO(stored.read().decode("utf-8-sig"))))[1:]
    assert len(lines) == 400
    assert [int(line[0]) for line in lines] == sorted(int(line[0]) for line in lines)
    assert lines[:2] == [["2", "姓名", "第二遍"], ["2", "性别", "第一遍"]]
