"""Mass assignment: fields a form does not offer — another organisation's or member's id, a
workflow state, a campaign, a standing — posted beside the ones it does change nothing; a stale
version is refused as a conflict, never written over."""

import datetime

from orgs.models import Member
from pledges.models import Pledge

from .factories import make_campaign, make_pledge

TODAY = datetime.date.today()


def test_a_pledges_edit_takes_only_its_own_fields(client, district, campaign, alice):
    pledge = make_pledge(campaign, member=district.member_a, state="draft")
    other = make_campaign(district.west, name="别的活动")
    client.force_login(alice)
    response = client.post(
        f"/pledges/{pledge.pk}/edit/",
        {
            "title": "每月走访一户困难群众",
            "content": "每月走访一户困难群众，年底前办成一件实事。",
            "deadline": (TODAY + datetime.timedelta(days=60)).isoformat(),
            "version": pledge.version,
            "state": "published",
            "campaign": other.pk,
            "member": district.member_b.pk,
            "organization": district.branch_b.pk,
            "created_by": 1,
        },
    )
    assert response.status_code == 302
    pledge.refresh_from_db()
    assert pledge.title == "每月走访一户困难群众"
    assert (pledge.state, pledge.campaign_id, pledge.member_id, pledge.organization_id) == (
        "draft",
        campaign.pk,
        district.member_a.pk,
        None,
    )


def test_a_stale_version_is_a_conflict_not_an_overwrite(client, district, campaign, alice):
    pledge = make_pledge(campaign, member=district.member_a, state="draft")
    Pledge.objects.filter(pk=pledge.pk).update(title="别人刚改过", version=pledge.version + 1)
    client.force_login(alice)
    response = client.post(
        f"/pledges/{pledge.pk}/edit/",
        {
            "title": "我的旧版本",
            "content": "每月走访一户困难群众。",
            "deadline": (TODAY + datetime.timedelta(days=60)).isoformat(),
            "version": pledge.version,
        },
    )
    assert response.status_code == 200
    pledge.refresh_from_db()
    assert pledge.title == "别人刚改过"


def test_a_members_edit_cannot_move_or_deactivate_them(client, district, alice):
    member = district.member_a
    client.force_login(alice)
    response = client.post(
        f"/orgs/members/{member.pk}/edit/",
        {
            "name": "张三丰",
            "gender": "M",
            "category": member.category,
            "phone": member.phone,
            "branch": district.branch_b.pk,
            "active": "",
            "id_number": "110101198001020034",
        },
    )
    assert response.status_code == 302
    member = Member.objects.get(pk=member.pk)
    assert member.name == "张三丰"
    assert (member.branch_id, member.active, member.id_number) == (
        district.branch_a.pk,
        True,
        None,
    )
