"""Bulk provisioning from a sheet: good, bad, re-imported; slips with codes issued and re-issued."""

import io
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook
from pypdf import PdfReader

from accounts import codes, provisioning, services
from accounts.models import AccessCode, Batch, Profile
from orgs import services as org_services
from orgs.importing import ImportRejected
from orgs.models import Role, RoleKind

from ..factories import UserFactory

User = get_user_model()
PASSWORD = "Gq7!wide-river-2026"
HEADER = ["姓名", "手机号码", "所在党组织", "角色"]


def sheet(rows, name="开通.xlsx", header=HEADER):
    workbook = Workbook()
    workbook.active.append(header)
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


@pytest.fixture
def town_admin(district):
    user = UserFactory(username="town-admin", first_name="东城管理员")
    org_services.assign_role(user, district.east, RoleKind.ADMIN)
    return user


GOOD = [
    ["王五", "13900000001", "幸福社区党支部", "书记"],
    ["赵六", "13900000002", "某某区委/东城街道党工委/和平社区党支部", "书记/党务工作者"],
    ["赵六", "13900000002", "幸福社区党支部", "上级领导"],
    ["钱七", "13900000003", "东城街道党工委", "活动办公室"],
]


def test_a_good_sheet_creates_people_and_roles(district, town_admin):
    result, batch = provisioning.provision(sheet(GOOD), by=town_admin)
    assert result.ok and (result.created, result.updated) == (3, 4)
    zhao = User.objects.get(profile__phone="13900000002")
    assert zhao.first_name == "赵六" and zhao.username == "13900000002"
    assert not zhao.has_usable_password()
    assert set(Role.objects.filter(user=zhao).values_list("organization__name", "kind")) == {
        ("和平社区党支部", RoleKind.SECRETARY),
        ("幸福社区党支部", RoleKind.LEADER),
    }
    assert batch.accounts.count() == 3
    assert not AccessCode.objects.exists()  # codes come with the slips


def test_a_reimport_changes_nothing(district, town_admin):
    provisioning.provision(sheet(GOOD), by=town_admin)
    users, roles = User.objects.count(), Role.objects.count()
    result, batch = provisioning.provision(sheet(GOOD), by=town_admin)
    assert result.ok and (result.created, result.updated, result.unchanged) == (0, 0, 4)
    assert batch is None
    assert (User.objects.count(), Role.objects.count()) == (users, roles)
    assert Batch.objects.count() == 1


def test_an_existing_person_is_matched_by_phone(district, town_admin, alice):
    Profile.objects.create(user=alice, phone="13900000009")
    alice.first_name = "爱丽丝"
    alice.save()
    result, _batch = provisioning.provision(
        sheet([["爱丽丝", "13900000009", "和平社区党支部", "书记"]]), by=town_admin
    )
    assert result.ok and result.created == 0
    assert Role.objects.filter(user=alice, organization=district.peace).exists()


def test_a_bad_sheet_changes_nothing_and_names_every_bad_row(district, town_admin):
    rows = [
        *GOOD,
        ["", "13900000004", "幸福社区党支部", "书记"],  # row 6: no name
        ["孙八", "1390000000x", "幸福社区党支部", "书记"],  # row 7: letter in phone
        ["周九", "13900000005", "红旗村党支部", "书记"],  # row 8: outside the scope
        ["吴十", "13900000006", "幸福社区党支部", "管理员"],  # row 9: allowed (admin below)
        [
            "郑一",
            "13900000007",
            "东城街道党工委",
            "管理员",
        ],  # row 10: admins of east come from above
        ["王五", "13900000002", "幸福社区党支部", "书记"],  # row 11: phone of 赵六
        ["冯二", "13900000008", "幸福社区党支部", "队长"],  # row 12: unknown role
    ]
    result, batch = provisioning.provision(sheet(rows), by=town_admin)
    assert not result.ok and batch is None
    assert sorted({error.row for error in result.errors}) == [6, 7, 8, 10, 11, 12]
    messages = " ".join(error.message for error in result.errors)
    assert "红旗村党支部" in messages and "队长" in messages and "赵六" in messages
    assert (
        not Profile.objects.exists()
        and Role.objects.filter(user__username="13900000001").count() == 0
    )


def test_a_sheet_missing_a_column_is_refused(district, town_admin):
    with pytest.raises(ImportRejected):
        provisioning.provision(sheet([["王五", "13900000001"]], header=HEADER[:2]), by=town_admin)


def test_a_name_that_differs_from_the_phones_owner_is_an_error(district, town_admin, alice):
    Profile.objects.create(user=alice, phone="13900000009")
    result, _batch = provisioning.provision(
        sheet([["别人", "13900000009", "和平社区党支部", "书记"]]), by=town_admin
    )
    assert not result.ok and "别人" in result.errors[0].message


# --- Slips ----------------------------------------------------------------------------------------


def _slips(client, batch):
    response = client.post(f"/people/batches/{batch.pk}/slips/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    pdf = PdfReader(io.BytesIO(archive.read("激活码单.pdf")))
    text = "".join(page.extract_text() for page in pdf.pages)
    rows = list(load_workbook(io.BytesIO(archive.read("激活码名单.xlsx"))).active.values)
    return text, rows


def test_slips_hold_names_and_codes_that_work_once(district, town_admin, client):
    _result, batch = provisioning.provision(sheet(GOOD), by=town_admin)
    client.force_login(town_admin)
    assert client.get(f"/people/batches/{batch.pk}/").status_code == 200
    text, rows = _slips(client, batch)
    assert "王五" in text and "赵六" in text and "钱七" in text
    by_login = {row[1]: row[3] for row in rows[2:]}
    assert set(by_login) == {"13900000001", "13900000002", "13900000003"}
    code = by_login["13900000001"]
    assert code.replace("-", "") in text.replace("-", "").replace(" ", "")
    assert AccessCode.objects.filter(digest=codes.digest(code)).exists()
    services.redeem("13900000001", code, PASSWORD)
    # The activated account is no longer waiting: the next slips leave it out.
    _text, rows = _slips(client, batch)
    assert {row[1] for row in rows[2:]} == {"13900000002", "13900000003"}


def test_every_slips_qr_code_scans_to_the_activation_page(district, town_admin, client):
    import pypdfium2 as pdfium
    import zxingcpp

    _result, batch = provisioning.provision(sheet(GOOD), by=town_admin)
    client.force_login(town_admin)
    response = client.post(f"/people/batches/{batch.pk}/slips/")
    pdf = zipfile.ZipFile(io.BytesIO(response.content)).read("激活码单.pdf")
    image = pdfium.PdfDocument(pdf)[0].render(scale=150 / 72).to_pil()
    scanned = [code.text for code in zxingcpp.read_barcodes(image)]
    assert scanned == ["http://testserver/accounts/activate/"] * 3
    client.logout()
    assert client.get("/accounts/activate/").status_code == 200


def test_slip_codes_are_stored_nowhere_in_clear(district, town_admin, client):
    from django.db import connection

    _result, batch = provisioning.provision(sheet(GOOD), by=town_admin)
    client.force_login(town_admin)
    _text, rows = _slips(client, batch)
    issued = [row[3] for row in rows[2:]]
    assert len(issued) == 3
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608
            text = " ".join(str(value) for row in cursor.fetchall() for value in row)
            for code in issued:
                assert code not in text and codes.normalized(code) not in text, table


def test_reissuing_voids_the_old_codes(district, town_admin, client):
    _result, batch = provisioning.provision(sheet(GOOD), by=town_admin)
    client.force_login(town_admin)
    _text, first = _slips(client, batch)
    _text, second = _slips(client, batch)
    old = {row[1]: row[3] for row in first[2:]}
    new = {row[1]: row[3] for row in second[2:]}
    with pytest.raises(services.CodeRefused):
        services.redeem("13900000002", old["13900000002"], PASSWORD)
    services.redeem("13900000002", new["13900000002"], PASSWORD)


def test_a_batch_is_its_authors_alone(district, town_admin, client):
    _result, batch = provisioning.provision(sheet(GOOD), by=town_admin)
    other = UserFactory(username="other-admin")
    org_services.assign_role(other, district.east, RoleKind.ADMIN)
    client.force_login(other)
    assert client.get(f"/people/batches/{batch.pk}/").status_code == 404
    assert client.post(f"/people/batches/{batch.pk}/slips/").status_code == 404
    assert not AccessCode.objects.exists()


def test_the_provision_page_lists_bad_rows_and_the_template_downloads(district, town_admin, client):
    client.force_login(town_admin)
    template = client.get("/people/provision/template.xlsx")
    workbook = load_workbook(io.BytesIO(template.content))
    assert [cell.value for cell in workbook.worksheets[0][1]] == HEADER
    paths = [row[0] for row in workbook["党组织列表"].values]
    assert "某某区委/东城街道党工委/幸福社区党支部" in paths
    assert not any("红旗村" in (path or "") for path in paths)
    response = client.post(
        "/people/provision/", {"file": sheet([["王五", "139", "幸福社区党支部", "书记"]])}
    )
    assert response.status_code == 200 and "11 位数字" in response.content.decode()
    response = client.post("/people/provision/", {"file": sheet(GOOD)})
    batch = Batch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/people/batches/{batch.pk}/"


def test_a_sheet_never_hands_out_codes_of_an_existing_account(district, client):
    """A secretary who lists a district admin's phone gives that person a role at most; the
    slips hold only the accounts the sheet opened."""
    ada = UserFactory(username="district-admin")
    org_services.assign_role(ada, district.root, RoleKind.ADMIN)
    big, code = services.grant(
        district.east, RoleKind.ADMIN, by=ada, phone="13911112222", name="王大"
    )
    secretary = UserFactory(username="sec")
    org_services.assign_role(secretary, district.branch_a, RoleKind.SECRETARY)
    rows = [
        ["王大", "13911112222", "幸福社区党支部", "书记"],
        ["新人", "13911113333", "幸福社区党支部", "书记"],
    ]
    result, batch = provisioning.provision(sheet(rows), by=secretary)
    assert result.ok and result.created == 1
    assert list(batch.accounts.values_list("username", flat=True)) == ["13911113333"]
    made = provisioning.issue_slips(batch, by=secretary)
    assert [slip.login for slip in made] == ["13911113333"]
    services.redeem("13911112222", code, PASSWORD)  # Ada's code still works


def test_an_author_who_lost_their_roles_gets_no_slips(district, town_admin, client):
    _result, batch = provisioning.provision(sheet(GOOD), by=town_admin)
    Role.objects.filter(user=town_admin).delete()
    client.force_login(town_admin)
    assert client.post(f"/people/batches/{batch.pk}/slips/").status_code == 403
