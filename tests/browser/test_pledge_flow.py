"""Issue 3 end to end: a secretary takes every member of a branch from no pledge to a published
pledge with progress, in a phone's browser; the public board shows it; coverage reaches 100%."""

import datetime
import io

import pytest
import zxingcpp
from PIL import Image

from pledges.models import Pledge, PledgeState
from pledges.selectors import coverage

from ..factories import MemberFactory, make_campaign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_a_secretary_publishes_every_members_pledge(phone, live_server, district, alice, tmp_path):
    page = phone
    campaign = make_campaign(district.root, name="二〇二六年创先争优活动")
    MemberFactory(branch=district.branch_a, name="王五")
    deadline = (datetime.date.today() + datetime.timedelta(days=40)).isoformat()

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", "password")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/pledges/org/{district.branch_a.pk}/")
    assert page.locator(".badge", has_text="未承诺").count() == 2

    for name in ("张三", "王五"):
        page.locator("li", has_text=name).get_by_role("link", name="录入承诺").click()
        page.fill("input[name=title]", f"{name}：每月走访一户困难群众")
        page.fill("textarea[name=content]", "每月走访一户困难群众，年底前帮助解决一件实际困难。")
        page.fill("input[name=deadline]", deadline)
        page.get_by_label("服务群众").check()
        page.get_by_role("button", name="保存").click()
        page.wait_for_load_state("networkidle")
    assert page.locator(".badge", has_text="未承诺").count() == 0

    page.on("dialog", lambda dialog: dialog.accept())  # 签约 and 公开 ask first
    for step, signer in (
        ("submit", ""),
        ("approve", ""),
        ("sign", "书记、党员本人"),
        ("publish", ""),
    ):
        for box in page.locator("input[name=pledges]").all():
            box.check()
        page.select_option("select[name=step]", step)
        if signer:
            page.fill("input[name=signed_by]", signer)
        with page.expect_response(lambda r: r.url.endswith("/batch/")):
            page.get_by_role("button", name="执行", exact=True).click()  # swapped in place
        page.wait_for_selector("#batch-results .alert")
    assert set(Pledge.objects.values_list("state", flat=True)) == {PledgeState.PUBLISHED}

    evidence = tmp_path / "photo.png"
    evidence.write_bytes(PNG)
    page.get_by_role("link", name="张三：每月走访一户困难群众").click()
    page.fill("textarea[name=text]", "走访了李大爷家，帮助修好了水管。")
    page.set_input_files("input[name=attachment]", str(evidence))
    page.get_by_role("button", name="记录践诺情况").click()
    page.wait_for_load_state("networkidle")
    assert "践诺中" in page.content()

    page.goto(f"{live_server.url}/board/{district.branch_a.pk}/")
    board = page.content()
    assert "张三：每月走访一户困难群众" in board and "帮助修好了水管" in board
    assert "王五：每月走访一户困难群众" in board
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # The board's QR code, as another phone's camera reads it off this screen (ZXing).
    shot = Image.open(io.BytesIO(page.locator("svg.qr").screenshot()))
    (code,) = zxingcpp.read_barcodes(shot)
    assert code.text == page.locator(".board-share a.text-break").inner_text()
    assert code.text.endswith(f"/board/{district.branch_a.pk}/")

    figures = coverage(district.branch_a, campaign)
    assert figures.member_rate == 100.0
