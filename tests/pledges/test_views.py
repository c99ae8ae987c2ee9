import datetime
import io

import pytest
from django.test import override_settings
from django.utils import timezone

from pledges.models import Pledge, PledgeProgress, PledgeState

from ..factories import MemberFactory, UserFactory, add_org, make_campaign, make_pledge

S = PledgeState
TODAY = datetime.date.today()
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _pledge_data(**extra):
    return {
        "title": "每月走访一户困难群众",
        "content": "每月走访一户困难群众，年底前帮助解决一件实际困难。",
        "areas": ["服务群众"],
        "deadline": (TODAY + datetime.timedelta(days=60)).isoformat(),
        **extra,
    }


def test_a_secretary_creates_a_members_pledge(district, campaign, alice_client):
    url = f"/pledges/new/?member={district.member_a.pk}&campaign={campaign.pk}"
    assert alice_client.get(url).status_code == 200
    response = alice_client.post(url, _pledge_data(five_items=["contact", "deed"]))
    assert response.status_code == 302
    pledge = Pledge.objects.get(member=district.member_a)
    assert pledge.state == S.DRAFT and pledge.five_items == ["contact", "deed"]
    assert pledge.events.get().kind == "created"


def test_a_deadline_in_the_past_is_refused_and_the_input_kept(district, campaign, alice_client):
    url = f"/pledges/new/?member={district.member_a.pk}&campaign={campaign.pk}"
    past = (TODAY - datetime.timedelta(days=1)).isoformat()
    response = alice_client.post(url, _pledge_data(deadline=past))
    body = response.content.decode()
    assert "完成时限不能早于今天" in body
    assert "每月走访一户困难群众" in body
    assert not Pledge.objects.exists()


def test_a_deadline_after_the_campaign_is_refused(district, campaign, alice_client):
    url = f"/pledges/new/?member={district.member_a.pk}&campaign={campaign.pk}"
    late = (campaign.ends_on + datetime.timedelta(days=1)).isoformat()
    response = alice_client.post(url, _pledge_data(deadline=late))
    assert "完成时限应在活动期间" in response.content.decode()


def test_creating_for_another_branch_is_404(district, campaign, alice_client):
    url = f"/pledges/new/?member={district.member_b.pk}&campaign={campaign.pk}"
    assert alice_client.post(url, _pledge_data()).status_code == 404


def test_a_read_only_role_cannot_create(district, campaign, charlie, client):
    client.force_login(charlie)
    url = f"/pledges/new/?member={district.member_a.pk}&campaign={campaign.pk}"
    assert client.post(url, _pledge_data()).status_code == 403


def test_oral_pledges_are_for_retired_members_only(district, campaign, alice_client):
    retired = MemberFactory(branch=district.branch_a, category="retired")
    url = f"/pledges/new/?member={retired.pk}&campaign={campaign.pk}"
    assert "口头承诺" in alice_client.get(url).content.decode()
    alice_client.post(url, _pledge_data(oral="on"))
    assert Pledge.objects.get(member=retired).oral
    url = f"/pledges/new/?member={district.member_a.pk}&campaign={campaign.pk}"
    assert "口头承诺" not in alice_client.get(url).content.decode()


def test_the_branch_page_makes_members_without_a_pledge_stand_out(district, campaign, alice_client):
    MemberFactory(branch=district.branch_a, name="王五")
    make_pledge(campaign, member=district.member_a, state=S.PUBLISHED)
    response = alice_client.get(f"/pledges/org/{district.branch_a.pk}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "王五" in body and "未承诺" in body
    rows = response.context["sheet"].rows
    assert rows[0].member.name == "王五" and rows[0].pledge is None
    assert "党员承诺率 1/2" in body


@pytest.mark.parametrize("size", [10, 100])
def test_the_branch_page_queries_do_not_grow(
    size, district, campaign, alice_client, local_cache, django_assert_num_queries
):
    for member in MemberFactory.create_batch(size, branch=district.branch_a):
        make_pledge(campaign, member=member, state=S.SUBMITTED)
    url = f"/pledges/org/{district.branch_a.pk}/"
    # session, generation (core.generations), user, roles, org, campaign, ancestors, versions,
    # coverage (a branch has no children to read), the sheet (pledges, own, members), and the
    # navigation's roots (a login through the form keeps those in the session) and its unread
    # count and campaigns (cached for a minute, kept by the process)
    with django_assert_num_queries(15):
        first = alice_client.get(url).content.decode()
    assert first.count('name="pledges"') == size
    # The coverage and the sheet come from the cache while their counters stand still; the user,
    # roles, organisation, campaign and ancestors from the process's copies.
    with django_assert_num_queries(4):
        second = alice_client.get(url).content.decode()
    assert second.count('name="pledges"') == size


def test_batch_approves_the_selected_pledges(district, campaign, alice_client):
    first = make_pledge(campaign, member=district.member_a, state=S.SUBMITTED)
    other = make_pledge(campaign, member=MemberFactory(branch=district.branch_a), state=S.SUBMITTED)
    response = alice_client.post(
        f"/pledges/org/{district.branch_a.pk}/batch/",
        {"step": "approve", "pledges": [first.pk, other.pk], "campaign": campaign.pk},
    )
    assert response.status_code == 302
    assert set(Pledge.objects.values_list("state", flat=True)) == {S.APPROVED}


def test_batch_cannot_reach_pledges_out_of_scope(district, campaign, alice_client):
    theirs = make_pledge(campaign, member=district.member_b, state=S.SUBMITTED)
    alice_client.post(
        f"/pledges/org/{district.branch_a.pk}/batch/",
        {"step": "approve", "pledges": [theirs.pk], "campaign": campaign.pk},
    )
    theirs.refresh_from_db()
    assert theirs.state == S.SUBMITTED


def test_a_step_is_post_only_and_refuses_an_illegal_move(district, campaign, alice_client):
    pledge = make_pledge(campaign, member=district.member_a, state=S.DRAFT)
    url = f"/pledges/{pledge.pk}/step/approve/"
    assert alice_client.get(url).status_code == 405
    response = alice_client.post(url, follow=True)
    assert "不能审核通过" in response.content.decode()
    pledge.refresh_from_db()
    assert pledge.state == S.DRAFT


def test_the_later_of_two_edits_is_refused_with_what_changed(district, campaign, alice_client):
    pledge = make_pledge(campaign, member=district.member_a, state=S.DRAFT)
    url = f"/pledges/{pledge.pk}/edit/"
    first = _pledge_data(title="第一人的修改", version=1)
    second = _pledge_data(title="第二人的修改", version=1)  # read the same version
    assert alice_client.post(url, first).status_code == 302
    response = alice_client.post(url, second)
    body = response.content.decode()
    assert response.status_code == 200
    assert "已被他人修改" in body and "第一人的修改" in body and "第二人的修改" in body
    pledge.refresh_from_db()
    assert pledge.title == "第一人的修改"


def test_a_published_pledge_is_corrected_publicly_not_edited(
    district, campaign, alice_client, client
):
    pledge = make_pledge(campaign, member=district.member_a, state=S.PUBLISHED)
    edit = alice_client.post(f"/pledges/{pledge.pk}/edit/", _pledge_data(title="悄悄改", version=1))
    assert "不能直接修改" in edit.content.decode()
    response = alice_client.post(
        f"/pledges/{pledge.pk}/correct/",
        {
            "title": "每月走访两户困难群众",
            "content": pledge.content,
            "deadline": pledge.deadline.isoformat(),
            "reason": "群众建议增加走访户数",
            "version": 1,
        },
    )
    assert response.status_code == 302
    board = client.get(f"/board/{district.branch_a.pk}/").content.decode()
    assert "每月走访两户困难群众" in board and "群众建议增加走访户数" in board


def _progress(client, pledge, name, data, size=None):
    upload = io.BytesIO(data)
    upload.name = name
    return client.post(
        f"/pledges/{pledge.pk}/progress/",
        {"happened_on": TODAY.isoformat(), "text": "走访了两户", "attachment": upload},
        follow=True,
    )


def test_progress_with_an_image_moves_the_pledge_to_fulfilling(district, campaign, alice_client):
    pledge = make_pledge(campaign, member=district.member_a, state=S.PUBLISHED)
    response = _progress(alice_client, pledge, "photo.png", PNG)
    assert "已记录践诺情况" in response.content.decode()
    pledge.refresh_from_db()
    assert pledge.state == S.FULFILLING
    record = PledgeProgress.objects.get()
    assert record.attachment_type == "image/png"
    download = alice_client.get(f"/pledges/progress/{record.pk}/attachment/")
    assert download.status_code == 200 and download["Content-Type"] == "image/png"


def test_an_attachment_gone_from_disk_is_a_404(district, campaign, alice_client):
    pledge = make_pledge(campaign, member=district.member_a, state=S.PUBLISHED)
    _progress(alice_client, pledge, "photo.png", PNG)
    record = PledgeProgress.objects.get()
    record.attachment.storage.delete(record.attachment.name)
    download = alice_client.get(f"/pledges/progress/{record.pk}/attachment/")
    assert download.status_code == 404


def test_a_renamed_file_is_refused_by_its_content(district, campaign, alice_client):
    pledge = make_pledge(campaign, member=district.member_a, state=S.PUBLISHED)
    response = _progress(alice_client, pledge, "photo.jpg", b"MZ\x90\x00 not an image at all")
    assert "附件只能是 JPG、PNG 图片或 PDF 文件" in response.content.decode()
    assert not PledgeProgress.objects.exists()
    pledge.refresh_from_db()
    assert pledge.state == S.PUBLISHED


@override_settings(PLEDGE_ATTACHMENT_MAX_BYTES=1024)
def test_an_oversize_attachment_is_refused(district, campaign, alice_client):
    pledge = make_pledge(campaign, member=district.member_a, state=S.PUBLISHED)
    response = _progress(alice_client, pledge, "big.pdf", b"%PDF-1.7" + b"0" * 2048)
    assert "附件不能超过" in response.content.decode()
    assert not PledgeProgress.objects.exists()


def test_the_public_board_shows_published_pledges_without_private_fields(
    district, campaign, client
):
    member = district.member_a
    member.phone, member.birth_date = "13912345678", datetime.date(1980, 1, 2)
    member.save()
    make_pledge(campaign, member=member, state=S.PUBLISHED, title="公开的承诺")
    other = MemberFactory(branch=district.branch_a, name="王五")
    make_pledge(campaign, member=other, state=S.DRAFT, title="草稿承诺")
    response = client.get(f"/board/{district.branch_a.pk}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "张三" in body and "公开的承诺" in body
    assert "草稿承诺" not in body and "王五" not in body
    for private in ("13912345678", "1980-01-02", "1980", "社区党员"):
        assert private not in body


@pytest.mark.parametrize("size", [10, 100])
def test_the_public_board_queries_do_not_grow(
    size, district, campaign, client, local_cache, django_assert_num_queries
):
    for member in MemberFactory.create_batch(size, branch=district.branch_a):
        make_pledge(campaign, member=member, state=S.PUBLISHED)
    url = f"/board/{district.branch_a.pk}/"
    # org, campaign, the versions (one statement); then, rendering it: its own pledge, its
    # members' pledges, corrections (a branch without children reads none)
    with django_assert_num_queries(6):
        first = client.get(url).content.decode()
    assert first.count('<article class="card') == size
    # Served again from the cache while nothing it shows has changed.
    with django_assert_num_queries(3):
        assert client.get(url).content.decode() == first


def test_the_public_board_shows_a_change_at_once(district, campaign, client):
    pledge = make_pledge(campaign, member=district.member_a, state=S.PUBLISHED, title="旧标题")
    url = f"/board/{district.branch_a.pk}/"
    assert "旧标题" in client.get(url).content.decode()
    Pledge.objects.filter(pk=pledge.pk).update(title="新标题")
    assert "新标题" in client.get(url).content.decode()
    pledge.progress.create(happened_on=timezone.localdate(), text="走访了三户")
    assert "走访了三户" in client.get(url).content.decode()
    district.member_a.name = "张三丰"
    district.member_a.save()
    assert "张三丰" in client.get(url).content.decode()
    add_org(district.branch_a, "第一党小组", kind="group")
    assert "第一党小组" in client.get(url).content.decode()


def test_the_public_board_of_an_unknown_or_inactive_org_is_404(district, client):
    district.peace.active = False
    district.peace.save()
    assert client.get(f"/board/{district.peace.pk}/").status_code == 404
    assert client.get("/board/999999/").status_code == 404


def test_the_missing_list_names_exactly_who_has_not_pledged(district, campaign, alice_client):
    make_pledge(campaign, member=district.member_a, state=S.PUBLISHED)
    waiting = MemberFactory(branch=district.branch_a, name="王五")
    response = alice_client.get(f"/pledges/org/{district.branch_a.pk}/missing/")
    members = list(response.context["members"])
    assert members == [waiting]


def test_a_campaign_elsewhere_does_not_apply(district, alice_client):
    make_campaign(district.west, name="西山镇活动")
    response = alice_client.get(f"/pledges/org/{district.branch_a.pk}/")
    assert response.context["campaign"] is None
    assert "目前没有覆盖本组织的进行中活动" in response.content.decode()


def test_cached_coverage_follows_every_change_at_once(district, campaign, ada, client):
    client.force_login(ada)
    pledge = make_pledge(campaign, member=district.member_a, state=S.SIGNED)
    branch_url = f"/pledges/org/{district.east.pk}/"
    tree_url = f"/pledges/tree/{district.east.pk}/coverage/"
    assert "党员承诺率 0/1" in client.get(branch_url).content.decode()
    before = client.get(tree_url).content.decode()
    Pledge.objects.filter(pk=pledge.pk).update(state=S.PUBLISHED)
    assert "党员承诺率 1/1" in client.get(branch_url).content.decode()
    assert client.get(tree_url).content.decode() != before
    district.peace.name = "和平社区第二党支部"
    district.peace.save()
    assert "和平社区第二党支部" in client.get(branch_url).content.decode()
    children = client.get(f"/orgs/{district.east.pk}/children/").content.decode()
    assert "和平社区第二党支部" in children


def test_the_cached_sheet_offers_each_user_what_they_may_do(district, campaign, client, charlie):
    make_pledge(campaign, member=district.member_a, state=S.SUBMITTED)
    url = f"/pledges/org/{district.branch_a.pk}/"
    client.force_login(UserFactory(username="boss", is_superuser=True))
    assert 'name="pledges"' in client.get(url).content.decode()
    client.force_login(charlie)  # a leader reads, and is offered nothing to do
    body = client.get(url).content.decode()
    assert "张三" in body and 'name="pledges"' not in body and "录入本组织承诺" not in body
