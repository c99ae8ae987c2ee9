"""The pages of members' draft links: the member's page (no account) and the secretary's."""

import datetime
import io
import re

import pypdfium2 as pdfium
import pytest
import zxingcpp
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from pledges import links, workflow
from pledges.models import DraftLink, EventKind, Pledge, PledgeState
from pledges.poster import FONT_NAME
from tests.factories import MemberFactory

TODAY = datetime.date.today()


def form_data(**extra):
    data = {
        "title": "每月走访一户困难群众",
        "content": "每月到结对户家中走访一次。",
        "deadline": (TODAY + datetime.timedelta(days=60)).isoformat(),
        "areas": ["服务群众"],
    }
    data.update(extra)
    return data


@pytest.fixture
def token(district, campaign, alice):
    issued = links.issue_links(district.branch_a, campaign, by=alice, expires_on=campaign.ends_on)
    return issued[0].token


def url(token):
    return f"/l/{token}/"


def test_it_shows_the_form_with_name_areas_and_examples(client, token):
    response = client.get(url(token))
    body = response.content.decode()
    assert response.status_code == 200
    assert "张三" in body and "幸福社区党支部" in body
    assert "居容整洁" in body  # a community branch's area
    assert "参考示例" in body
    assert "/orgs/" not in body and "/pledges/" not in body  # nothing of the site to open


def test_a_get_changes_nothing_and_sets_no_session(client, token):
    with CaptureQueriesContext(connection) as queries:
        client.get(url(token))
        client.head(url(token))
    assert not any(
        q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        for q in queries.captured_queries
    )
    assert not any("django_session" in q["sql"] for q in queries.captured_queries)
    assert settings.SESSION_COOKIE_NAME not in client.cookies
    assert DraftLink.objects.get().used_at is None
    assert not Pledge.objects.exists()


def test_a_get_of_a_used_link_changes_nothing_either(client, district, token):
    # Once the member has submitted, the link shows the pledge, its edit form and the thanks:
    # a chat app fetching any of them writes nothing.
    client.post(url(token), form_data())
    client.cookies.clear()
    link = DraftLink.objects.get()
    pledge = Pledge.objects.get()
    with CaptureQueriesContext(connection) as queries:
        for query in ("", "?edit=1", "?done=1"):
            assert client.get(url(token) + query).status_code == 200
    assert not any(
        q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        for q in queries.captured_queries
    )
    assert not any("django_session" in q["sql"] for q in queries.captured_queries)
    assert settings.SESSION_COOKIE_NAME not in client.cookies
    assert DraftLink.objects.get().used_at == link.used_at
    assert Pledge.objects.get().version == pledge.version
    assert pledge.events.count() == 2  # created and submitted, through the link


def test_the_post_needs_the_csrf_token(district, token):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(url(token), form_data()).status_code == 403
    page = strict.get(url(token)).content.decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    response = strict.post(url(token), {**form_data(), "csrfmiddlewaretoken": csrf})
    assert response.status_code == 302
    assert settings.SESSION_COOKIE_NAME not in strict.cookies


def test_the_post_creates_a_submitted_pledge_written_through_the_link(client, district, token):
    response = client.post(url(token), form_data())
    assert response.status_code == 302
    assert response["Location"] == url(token) + "?done=1"

    pledge = Pledge.objects.get(member=district.member_a)
    assert pledge.state == PledgeState.SUBMITTED
    assert pledge.created_by is None
    created = pledge.events.get(kind=EventKind.CREATED)
    assert created.actor is None and "自拟承诺链接" in created.comment

    page = client.get(response["Location"]).content.decode()
    assert "每月走访一户困难群众" in page and "待审诺" in page and "修改我的承诺" in page


def test_a_form_error_keeps_the_text_and_names_the_field(client, token):
    response = client.post(url(token), form_data(title="", content="我写的内容"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "我写的内容" in body
    assert "请填写承诺事项。" in body
    assert not Pledge.objects.exists()


def test_the_member_edits_before_review_and_not_after(client, district, token, alice):
    client.post(url(token), form_data())
    assert "title" in client.get(url(token) + "?edit=1").content.decode()
    client.post(url(token), form_data(title="每周走访"))
    pledge = Pledge.objects.get()
    assert pledge.title == "每周走访"

    workflow.approve_pledge(pledge, by=alice)
    page = client.get(url(token) + "?edit=1").content.decode()
    assert 'name="title"' not in page and "已审诺" in page
    response = client.post(url(token), form_data(title="再改"))
    assert response.status_code == 200
    assert "不能再通过链接修改" in response.content.decode()
    pledge.refresh_from_db()
    assert pledge.title == "每周走访"


def test_withdrawn_expired_and_unknown_links_answer_the_same_404(client, token, alice):
    unknown = client.get(url("x" * 43))
    assert unknown.status_code == 404
    link = DraftLink.objects.get()
    link.expires_on = TODAY - datetime.timedelta(days=1)
    link.save()
    expired = client.get(url(token))
    link.expires_on = TODAY
    link.save()
    links.withdraw_link(link, by=alice)
    withdrawn = client.get(url(token))
    posted = client.post(url(token), form_data())
    for response in (expired, withdrawn, posted):
        assert response.status_code == 404
        assert response.content == unknown.content
    assert "链接无效或已失效" in unknown.content.decode()
    assert not Pledge.objects.exists()


def test_failures_past_the_limit_answer_429(client, token, settings):
    settings.DRAFT_LINK_RATE_LIMIT = "3/10m"
    for _ in range(3):
        assert client.get(url("y" * 43)).status_code == 404
    response = client.get(url("z" * 43))
    assert response.status_code == 429
    assert "尝试过于频繁" in response.content.decode()
    assert client.get(url(token)).status_code == 200  # a good link still opens


# --- The secretary's side ------------------------------------------------------------------------


def test_the_secretary_sees_the_links_page(alice_client, district, campaign, token):
    response = alice_client.get(f"/pledges/org/{district.branch_a.pk}/links/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "张三" in body and "未使用" in body
    branch = alice_client.get(f"/pledges/org/{district.branch_a.pk}/").content.decode()
    assert "成员自拟承诺链接" in branch


def test_issuing_shows_the_tokens_once(alice_client, district, campaign):
    MemberFactory(branch=district.branch_a, name="王五")
    response = alice_client.post(
        f"/pledges/org/{district.branch_a.pk}/links/issue/",
        {"campaign": campaign.pk, "expires_on": campaign.ends_on.isoformat()},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    lines = re.findall(r"([^\s>]+)：(http://testserver/l/[\w-]{43}/)", body)
    assert sorted(name for name, _ in lines) == ["张三", "王五"]
    for _, link_url in lines:
        assert alice_client.get(link_url).status_code == 200


def test_the_slips_pdf_names_the_members_in_the_embedded_font(alice_client, district, campaign):
    MemberFactory(branch=district.branch_a, name="王五")
    issued = links.issue_links(
        district.branch_a, campaign, by=district_user(alice_client), expires_on=TODAY
    )
    response = alice_client.post(
        f"/pledges/org/{district.branch_a.pk}/links/slips.pdf",
        {"campaign": campaign.pk, "token": [item.token for item in issued] + ["bogus"]},
    )
    assert response["Content-Type"] == "application/pdf"
    page = PdfReader(io.BytesIO(response.content)).pages[0]
    text = page.extract_text()
    assert "张三" in text and "王五" in text and "党员自拟公开承诺" in text
    fonts = [ref.get_object() for ref in page["/Resources"]["/Font"].values()]
    assert fonts
    for font in fonts:
        assert font["/BaseFont"][1:].partition("+")[2].startswith(FONT_NAME)
        assert "/FontFile2" in font["/FontDescriptor"]


def district_user(client):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=client.session["_auth_user_id"])


def test_withdraw_and_reissue_through_the_page(alice_client, district, campaign, token):
    link = DraftLink.objects.get()
    response = alice_client.post(f"/pledges/links/{link.pk}/reissue/")
    assert response.status_code == 200
    assert alice_client.get(url(token)).status_code == 404
    new = DraftLink.objects.get(withdrawn_at__isnull=True)
    alice_client.post(f"/pledges/links/{new.pk}/withdraw/")
    new.refresh_from_db()
    assert new.withdrawn_at is not None


def test_another_branchs_secretary_cannot_issue_or_withdraw(client, bob, district, campaign, token):
    client.force_login(bob)
    link = DraftLink.objects.get()
    a = district.branch_a.pk
    assert client.get(f"/pledges/org/{a}/links/").status_code == 404
    issue = client.post(
        f"/pledges/org/{a}/links/issue/",
        {"campaign": campaign.pk, "expires_on": TODAY.isoformat()},
    )
    assert issue.status_code == 404
    assert client.post(f"/pledges/links/{link.pk}/withdraw/").status_code == 404
    assert client.post(f"/pledges/links/{link.pk}/reissue/").status_code == 404
    assert (
        client.post(f"/pledges/org/{a}/links/withdraw/", {"campaign": campaign.pk}).status_code
        == 404
    )
    assert DraftLink.objects.get().withdrawn_at is None


def test_a_read_only_leader_is_refused(client, charlie, district, campaign):
    client.force_login(charlie)
    assert client.get(f"/pledges/org/{district.branch_a.pk}/links/").status_code == 403
    branch = client.get(f"/pledges/org/{district.branch_a.pk}/").content.decode()
    assert "成员自拟承诺链接" not in branch


def test_the_pages_take_only_their_methods(alice_client, district, campaign, token):
    link = DraftLink.objects.get()
    assert alice_client.get(f"/pledges/links/{link.pk}/withdraw/").status_code == 405
    assert alice_client.get(f"/pledges/org/{district.branch_a.pk}/links/issue/").status_code == 405
    assert alice_client.put(url(token)).status_code == 405


def test_every_slips_qr_code_scans_to_its_members_form(alice_client, client, district, campaign):
    """The printed slip as a phone sees it: the PDF rasterised at 150 dpi (a plain print), each
    code read by ZXing (the scanner library of Android's barcode apps), each link opened without
    an account."""
    MemberFactory(branch=district.branch_a, name="王五")
    issued = links.issue_links(
        district.branch_a, campaign, by=district_user(alice_client), expires_on=TODAY
    )
    response = alice_client.post(
        f"/pledges/org/{district.branch_a.pk}/links/slips.pdf",
        {"campaign": campaign.pk, "token": [item.token for item in issued]},
    )
    document = pdfium.PdfDocument(response.content)
    image = document[0].render(scale=150 / 72).to_pil()
    scanned = sorted(code.text for code in zxingcpp.read_barcodes(image))
    names = {f"http://testserver/l/{item.token}/": item.member.name for item in issued}
    assert scanned == sorted(names) and len(names) == 2
    for address in scanned:
        page = client.get(address.removeprefix("http://testserver"))
        assert page.status_code == 200
        assert f"<title>{names[address]}的公开承诺</title>" in page.content.decode()
