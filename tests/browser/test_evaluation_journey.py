"""Issue 12's journey in a real browser: the town above a branch opens a 群众评议 and prints its
codes; two people answer on their phones through the slip's QR link (the code rides in the
fragment); paper tallies are keyed in; the round closes below the threshold, which registers a
rectification; the results are published with their chart."""

import datetime

import pypdfium2 as pdfium
import pytest
import zxingcpp
from playwright.sync_api import expect

from orgs.models import RoleKind
from reviews.models import Answer, EvaluationRound, Rectification

from ..conftest import _persona
from ..factories import make_campaign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_codes_answers_tallies_close_and_publish(browser, live_server, district):
    make_campaign(district.root)
    _persona("town", district.east, RoleKind.SECRETARY, first_name="街道书记")
    desk = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = desk.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "town")
    page.fill("input[name=password]", "password")
    page.click("main button[type=submit]")
    page.goto(f"{live_server.url}/reviews/org/{district.branch_a.pk}/")
    page.get_by_role("link", name="新建群众评议").click()
    page.get_by_role("button", name="创建").click()
    page.get_by_role("button", name="开始评议").click()
    expect(page.get_by_text("评议已开始")).to_be_visible()
    page.select_option("select[name=group]", "served")
    page.fill("input[name=count]", "2")
    with page.expect_download() as download:
        page.get_by_role("button", name="生成并下载评议单").click()
    pdf = pdfium.PdfDocument(download.value.path())
    links = [code.text for code in zxingcpp.read_barcodes(pdf[0].render(scale=150 / 72).to_pil())]
    assert len(links) == 2 and all("/e/#" in link for link in links)

    for link in links:
        phone = browser.new_context(
            viewport={"width": 375, "height": 812}, locale="zh-CN", is_mobile=True, has_touch=True
        ).new_page()
        phone.goto(link)
        # The page copied the code from the fragment into the form, and dropped the fragment.
        expect(phone.locator("input[name=code]")).to_have_value(link.split("#")[1])
        assert "#" not in phone.url
        phone.get_by_role("button", name="开始评议").click()
        for label in phone.locator("fieldset label", has_text="不满意").all():
            label.click()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scroll
        phone.get_by_role("button", name="提交评议").click()
        expect(phone.get_by_text("感谢您参加群众评议")).to_be_visible()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375
        phone.context.close()
    assert Answer.objects.count() == 2

    page.reload()
    page.select_option("select[name=source]", "paper")
    page.select_option("select[name=group]", "public")
    page.select_option("select[name=item]", "总体评价")
    page.fill("input[name=satisfied]", "3")
    page.fill("input[name=basic]", "1")
    page.fill("input[name=dissatisfied]", "2")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("已录入纸质评议结果")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="结束评议并生成结果").click()
    expect(page.get_by_text("满意度低于整改线，已登记整改事项。")).to_be_visible()
    assert Rectification.objects.get().source == "evaluation"
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="公示结果").click()
    expect(page.get_by_text("评议结果已公示")).to_be_visible()

    item = EvaluationRound.objects.get()
    public = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN").new_page()
    errors = []
    public.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    public.goto(f"{live_server.url}/e/results/{item.pk}/")
    expect(public.get_by_text("群众评议结果公示")).to_be_visible()
    public.wait_for_function("document.getElementById('results-chart').width > 0")
    assert public.evaluate("!!window.Chart && Object.keys(Chart.instances).length") == 1
    assert not errors, errors
    assert item.results["ballots"] == 8 and (datetime.date.today() >= item.starts_on)
