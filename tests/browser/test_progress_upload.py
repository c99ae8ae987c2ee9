"""Issue 9, point 4 in a real browser: a photo over the attachment limit is shrunk on the phone
before it is sent (static/js/progress-upload.js), with a thumbnail; a PDF over the limit is
stopped with a message and nothing is sent."""

import io
import os

import pytest
from django.test import override_settings
from PIL import Image
from playwright.sync_api import expect

from pledges.models import PledgeProgress, PledgeState

from ..factories import make_campaign, make_pledge

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIMIT = 1024 * 1024  # 1 MB, well below the 8-megapixel photo


def _photo(path):
    """An 8-megapixel JPEG (3264 × 2448) of noise, which compresses badly: several MB."""
    width, height = 3264, 2448
    noise = Image.frombytes("L", (width // 4, height // 4), os.urandom(width * height // 16))
    image = Image.merge("RGB", [noise.resize((width, height))] * 3)
    image.save(path, "JPEG", quality=95)
    return path


def _open_pledge(page, live_server, pledge):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", "password")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/pledges/{pledge.pk}/")


@override_settings(PLEDGE_ATTACHMENT_MAX_BYTES=LIMIT)
def test_a_large_photo_is_shrunk_before_upload(phone, live_server, district, alice, tmp_path):
    campaign = make_campaign(district.root)
    pledge = make_pledge(campaign, member=district.member_a, state=PledgeState.PUBLISHED)
    photo = _photo(tmp_path / "现场照片.jpg")
    assert photo.stat().st_size > 3 * LIMIT

    _open_pledge(phone, live_server, pledge)
    phone.fill("textarea[name=text]", "走访了李大爷家，帮助修好了水管。")
    phone.set_input_files("input[name=attachment]", str(photo))
    form = phone.locator("#progress-form")
    expect(form).to_have_attribute("data-upload", "shrunk", timeout=30000)
    assert "照片已自动缩小" in form.locator(".upload-note").inner_text()
    thumb = form.locator("canvas.upload-thumb")
    assert thumb.is_visible()
    assert 0 < thumb.evaluate("c => c.width") <= 160
    sent = phone.evaluate("document.querySelector('input[name=attachment]').files[0].size")
    assert sent <= LIMIT
    phone.get_by_role("button", name="记录践诺情况").click()
    phone.wait_for_load_state("networkidle")

    record = PledgeProgress.objects.get(pledge=pledge)
    assert record.attachment_type == "image/jpeg"
    assert record.attachment_name == "现场照片.jpg"
    stored = record.attachment.read()
    assert len(stored) <= LIMIT
    picture = Image.open(io.BytesIO(stored))
    picture.verify()  # a whole, valid JPEG
    assert picture.format == "JPEG"
    assert picture.size[0] < 3264 and picture.size[0] / picture.size[1] == pytest.approx(
        4 / 3, 0.01
    )


@override_settings(PLEDGE_ATTACHMENT_MAX_BYTES=LIMIT)
def test_a_pdf_over_the_limit_is_stopped_before_upload(
    phone, live_server, district, alice, tmp_path
):
    campaign = make_campaign(district.root)
    pledge = make_pledge(campaign, member=district.member_a, state=PledgeState.PUBLISHED)
    pdf = tmp_path / "报告.pdf"
    pdf.write_bytes(b"%PDF-1.7\n" + b"0" * (LIMIT + 1))
    posts = []
    phone.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)

    _open_pledge(phone, live_server, pledge)
    posts.clear()
    phone.fill("textarea[name=text]", "提交了活动总结。")
    phone.set_input_files("input[name=attachment]", str(pdf))
    message = phone.locator(".js-upload-error")
    assert "超过 1 MB 的上限，无法上传" in message.inner_text()
    phone.get_by_role("button", name="记录践诺情况").click()
    phone.wait_for_timeout(500)

    assert posts == []
    assert phone.input_value("textarea[name=text]") == "提交了活动总结。"
    assert not PledgeProgress.objects.exists()
