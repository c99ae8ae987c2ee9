import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from orgs.models import Member, Organization

from .test_import_members import HEADER, csv_upload, xlsx_upload

MEMBERS_URL = "/orgs/import/members/"
TREE_URL = "/orgs/import/tree/"
URLS = [
    MEMBERS_URL,
    TREE_URL,
    "/orgs/import/members/template.xlsx",
    "/orgs/import/tree/template.xlsx",
]


def test_it_shows_the_member_import_form_with_only_the_users_branches(district, alice_client):
    response = alice_client.get(MEMBERS_URL)

    assert response.status_code == 200
    body = response.content.decode()
    assert 'enctype="multipart/form-data"' in body
    assert "/orgs/import/members/template.xlsx" in body
    choices = [str(label) for _, label in response.context["form"].fields["default_branch"].choices]
    assert choices == ["（按文件中的“所在党支部”列）", "东城街道党工委 / 幸福社区党支部"]


def test_it_preselects_the_branch_it_was_opened_from(district, alice_client):
    response = alice_client.get(f"{MEMBERS_URL}?branch={district.branch_a.pk}")

    assert f'<option value="{district.branch_a.pk}" selected>' in response.content.decode()


def test_it_imports_a_roster_and_says_how_many(district, alice_client):
    upload = xlsx_upload(
        [HEADER, [1, "王五", "男", "1980-01-02", "2005-07-01", "幸福社区党支部", "", ""]]
    )

    response = alice_client.post(MEMBERS_URL, {"file": upload}, follow=True)

    assert response.redirect_chain == [("/orgs/", 302)]
    assert "党员名册导入完成：新增 1，更新 0，未变 0。" in response.content.decode()
    assert Member.objects.get(name="王五").branch == district.branch_a


def test_it_goes_to_the_default_branchs_roster_after_the_import(district, alice_client):
    upload = csv_upload([["姓名"], ["王五"]])
    data = {"file": upload, "default_branch": district.branch_a.pk}

    response = alice_client.post(MEMBERS_URL, data)

    assert response.status_code == 302
    assert response["Location"] == f"/orgs/{district.branch_a.pk}/members/"
    assert Member.objects.get(name="王五").branch == district.branch_a


def test_it_shows_a_table_of_the_errors_and_imports_nothing(district, alice_client):
    upload = xlsx_upload(
        [
            HEADER,
            [1, "王五", "男", "1980-01-02", "", "幸福社区党支部", "", ""],
            [2, "赵六", "男", "1980-01-02", "", "红旗村党支部", "", ""],
            [3, "钱七", "猫", "1980-01-02", "", "幸福社区党支部", "", ""],
        ]
    )

    response = alice_client.post(MEMBERS_URL, {"file": upload})

    assert response.status_code == 200
    body = response.content.decode()
    assert "文件中有 2 个问题，全部未导入" in body
    assert '<th scope="col" class="text-nowrap">行号</th>' in body
    assert '<tr><td>4</td><td class="text-nowrap">所在党支部</td>' in body
    assert '<tr><td>5</td><td class="text-nowrap">性别</td>' in body
    assert "无法识别的性别“猫”" in body
    assert not Member.objects.filter(name__in=["王五", "赵六", "钱七"]).exists()


def test_it_puts_a_refused_file_on_the_form(district, alice_client):
    upload = SimpleUploadedFile("roster.xlsx", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))

    response = alice_client.post(MEMBERS_URL, {"file": upload})

    assert response.status_code == 200
    assert "文件不是 Excel 表格" in response.content.decode()
    assert response.context["form"].errors["file"]


def test_it_imports_the_tree(district, ada, client):
    client.force_login(ada)
    upload = csv_upload([["组织路径"], ["某某区委/南湖镇党委/一村党支部"]])

    response = client.post(TREE_URL, {"file": upload}, follow=True)

    assert response.redirect_chain == [("/orgs/", 302)]
    assert "组织架构导入完成：新增 2，更新 0，未变 0。" in response.content.decode()
    assert Organization.objects.filter(name="一村党支部").exists()


def test_it_shows_the_tree_errors(district, alice_client):
    upload = csv_upload([["组织路径"], ["某某区委/南湖镇党委/一村党支部"]])

    response = alice_client.post(TREE_URL, {"file": upload})

    assert response.status_code == 200
    assert "您无权在“某某区委”下新建组织。" in response.content.decode()
    assert not Organization.objects.filter(name="一村党支部").exists()


@pytest.mark.parametrize("url", URLS)
def test_it_answers_403_to_a_read_only_role(district, charlie, client, url):
    client.force_login(charlie)

    assert client.get(url).status_code == 403
    upload = csv_upload([["姓名", "所在党支部"], ["王五", "幸福社区党支部"]])
    # A template is a download: a POST to it is refused before anyone is asked who they are.
    refused = 405 if url.endswith(".xlsx") else 403
    assert client.post(url, {"file": upload}).status_code == refused
    assert not Member.objects.filter(name="王五").exists()


@pytest.mark.parametrize("url", URLS)
def test_it_sends_a_visitor_to_the_login_page(district, client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    "url, headers",
    [
        ("/orgs/import/members/template.xlsx", HEADER),
        ("/orgs/import/tree/template.xlsx", ["组织路径", "组织类型", "领域", "分类定级"]),
    ],
)
def test_it_downloads_a_template_that_excel_opens(district, alice_client, url, headers):
    response = alice_client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"].endswith("spreadsheetml.sheet")
    assert response["Content-Disposition"].startswith("attachment;")
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert [cell.value for cell in workbook.worksheets[0][1]] == headers
    assert workbook.worksheets[0].max_row == 2  # the header and one example


def test_a_secretary_of_one_branch_gets_it_as_the_default(district, alice_client):
    response = alice_client.get("/orgs/import/members/")
    assert response.context["form"].initial["default_branch"] == district.branch_a.pk
