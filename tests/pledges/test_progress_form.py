"""The 践诺 form keeps what was typed and shows each refusal next to its field (issue 9, pt 4)."""

import datetime
import io

from django.test import override_settings
from django.utils import timezone

from pledges.models import PledgeProgress, PledgeState

from ..factories import make_pledge

S = PledgeState
TEXT = "走访了李大爷家，帮助修好了水管。<b>原样显示</b>"


def _post(client, pledge, *, text=TEXT, happened_on=None, name=None, data=b""):
    fields = {"happened_on": (happened_on or timezone.localdate()).isoformat(), "text": text}
    if name:
        upload = io.BytesIO(data)
        upload.name = name
        fields["attachment"] = upload
    return client.post(f"/pledges/{pledge.pk}/progress/", fields)


def _field_errors(body: str, field: str) -> str:
    """The text after the field's input, up to the next field: where its errors are shown."""
    start = body.index(f'name="{field}"')
    return body[start : start + 1500]


def test_it_keeps_the_text_and_names_the_file_when_its_content_is_not_allowed(
    district, campaign, alice_client
):
    pledge = make_pledge(campaign, member=district.member_a, state=S.PUBLISHED)

    response = _post(alice_client, pledge, name="photo.jpg", data=b"MZ\x90\x00 not an image")

    assert response.status_code == 200
    body = response.content.decode()
    assert "走访了李大爷家，帮助修好了水管。&lt;b&gt;原样显示&lt;/b&gt;</textarea>" in body
    assert "附件只能是 JPG、PNG 图片或 PDF 文件" in _field_errors(body, "attachment")
    assert 'id="progress-form"' in body
    assert not PledgeProgress.objects.exists()
    pledge.refresh_from_db()
    assert pledge.state == S.PUBLISHED


@override_settings(PLEDGE_ATTACHMENT_MAX_BYTES=1024)
def test_it_keeps_the_text_when_the_file_is_over_the_limit(district, campaign, alice_client):
    pledge = make_pledge(campaign, member=district.member_a, state=S.PUBLISHED)

    response = _post(alice_client, pledge, name="big.pdf", data=b"%PDF-1.7" + b"0" * 2048)

    body = response.content.decode()
    assert "附件不能超过 1 KB" in _field_errors(body, "attachment")
    assert "帮助修好了水管" in body
    assert 'data-max-bytes="1024"' in body
    assert not PledgeProgress.objects.exists()


def test_it_names_the_missing_text_next_to_its_field(district, campaign, alice_client):
    pledge = make_pledge(campaign, member=district.member_a, state=S.PUBLISHED)

    response = _post(alice_client, pledge, text="   ")

    assert "请填写践诺情况" in _field_errors(response.content.decode(), "text")
    assert not PledgeProgress.objects.exists()


def test_it_puts_a_date_in_the_future_on_the_date_and_keeps_the_text(
    district, campaign, alice_client
):
    pledge = make_pledge(campaign, member=district.member_a, state=S.PUBLISHED)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = _post(alice_client, pledge, happened_on=tomorrow)

    body = response.content.decode()
    assert "践诺日期不能晚于今天" in _field_errors(body, "happened_on")
    assert "帮助修好了水管" in body
    assert not PledgeProgress.objects.exists()


def test_it_keeps_the_text_when_the_pledge_can_no_longer_take_progress(
    district, campaign, alice_client
):
    pledge = make_pledge(campaign, member=district.member_a, state=S.SIGNED)

    response = _post(alice_client, pledge)

    body = response.content.decode()
    assert "承诺公开后才能记录践诺情况" in body
    assert "帮助修好了水管" in body
    assert not PledgeProgress.objects.exists()


def test_a_good_record_still_redirects_to_the_pledge(district, campaign, alice_client):
    pledge = make_pledge(campaign, member=district.member_a, state=S.PUBLISHED)

    response = _post(alice_client, pledge, name="photo.png", data=b"\x89PNG\r\n\x1a\n" + b"\0" * 64)

    assert response.status_code == 302
    assert PledgeProgress.objects.get().attachment_type == "image/png"


def test_the_page_loads_the_shrinking_script_and_states_the_limit(district, campaign, alice_client):
    pledge = make_pledge(campaign, member=district.member_a, state=S.PUBLISHED)

    body = alice_client.get(f"/pledges/{pledge.pk}/").content.decode()

    assert "js/progress-upload" in body
    assert "不超过 5 MB；较大的照片会在上传前自动缩小" in body
