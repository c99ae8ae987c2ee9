"""Issue 10's journey in a real browser: a town's admin provisions its secretaries from a sheet
and downloads the slips; one new secretary, on a phone, activates the account with the slip's
code, chooses a password and lands on the branch's to-do; then the admin hands the branch over to
someone else, and merges two branches."""

import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from playwright.sync_api import expect

from orgs import services
from orgs.models import Member, Organization, RoleKind, RoleTerm

from ..factories import MemberFactory, UserFactory, make_campaign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Gq7!wide-river-2026"


def _sheet(tmp_path):
    workbook = Workbook()
    workbook.active.append(["姓名", "手机号码", "所在党组织", "角色"])
    workbook.active.append(["王五", "13900000001", "幸福社区党支部", "书记"])
    workbook.active.append(["赵六", "13900000002", "和平社区党支部", "书记"])
    path = tmp_path / "东城街道书记.xlsx"
    workbook.save(path)
    return path


def test_provision_activate_hand_over_and_merge(browser, live_server, district, tmp_path):
    admin = UserFactory(username="town-admin", first_name="东城管理员")
    services.assign_role(admin, district.east, RoleKind.ADMIN)
    make_campaign(district.root)
    MemberFactory.create_batch(2, branch=district.peace)

    desktop = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = desktop.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "town-admin")
    page.fill("input[name=password]", "password")
    page.click("main button[type=submit]")
    page.goto(f"{live_server.url}/people/provision/")
    page.set_input_files("input[name=file]", str(_sheet(tmp_path)))
    page.click("main button[type=submit]")
    expect(page.get_by_text("新开通账号 2 个，待激活 2 个")).to_be_visible()
    with page.expect_download() as download:
        page.click("text=生成并下载激活码单")
    archive = zipfile.ZipFile(download.value.path())
    rows = list(load_workbook(io.BytesIO(archive.read("激活码名单.xlsx"))).active.values)
    code = next(row[3] for row in rows[2:] if row[0] == "王五")

    phone = browser.new_context(
        viewport={"width": 375, "height": 812}, locale="zh-CN", has_touch=True, is_mobile=True
    ).new_page()
    phone.goto(f"{live_server.url}/accounts/login/")
    phone.click("text=首次登录（激活账号）")
    phone.fill("input[name=login]", "13900000001")
    phone.fill("input[name=code]", code.lower())
    phone.fill("input[name=password1]", PASSWORD)
    phone.fill("input[name=password2]", PASSWORD)
    phone.click("button[type=submit]")
    expect(phone.get_by_text("密码已设置，欢迎使用。")).to_be_visible()
    # The home: the branch's to-do, with the branch's page one tap away in the header.
    expect(phone.get_by_role("heading", name="待办与进度")).to_be_visible()
    branch_link = phone.get_by_role("link", name="本支部")
    expect(branch_link).to_have_attribute("href", f"/pledges/org/{district.branch_a.pk}/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375

    # 换届 on 幸福社区党支部: 王五 hands over to 钱七.
    page.goto(f"{live_server.url}/orgs/{district.branch_a.pk}/")
    page.click("text=换届")
    page.fill("input[name=phone]", "13900000003")
    page.fill("input[name=name]", "钱七")
    page.click("main button[type=submit]")
    expect(page.get_by_text("换届完成")).to_be_visible()
    page.goto(f"{live_server.url}/orgs/{district.branch_a.pk}/")
    expect(page.locator("#roles")).to_contain_text("钱七")
    page.click("#roles summary")
    expect(page.locator("#roles")).to_contain_text("王五")
    assert RoleTerm.objects.get(organization=district.branch_a).reason == "换届"

    # 撤并: 和平社区党支部 into 幸福社区党支部.
    page.goto(f"{live_server.url}/orgs/{district.peace.pk}/merge/")
    page.select_option("select[name=target]", str(district.branch_a.pk))
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("main button[type=submit]")
    expect(page.get_by_text("原组织已撤销")).to_be_visible()
    assert not Organization.objects.get(pk=district.peace.pk).active
    assert Member.objects.filter(branch=district.branch_a, active=True).count() == 3
    desktop.close()
