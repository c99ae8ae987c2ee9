"""Members' draft links (pledges/links.py): issuing, digests, expiry, withdrawal, re-issue, and
the member's pledge written through a link."""

import datetime
import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from pledges import links, workflow
from pledges.models import DraftLink, EventKind, Pledge, PledgeState
from tests.factories import MemberFactory, make_pledge

TODAY = datetime.date.today()


def fields(**extra):
    values = {
        "title": "每月走访一户困难群众",
        "content": "每月到结对户家中走访一次，帮助解决一件实际困难。",
        "deadline": TODAY + datetime.timedelta(days=60),
        "areas": ["服务群众"],
    }
    values.update(extra)
    return values


@pytest.fixture
def issued(district, campaign, alice):
    return links.issue_links(district.branch_a, campaign, by=alice, expires_on=campaign.ends_on)


def test_it_issues_one_link_per_member_without_a_pledge(district, campaign, alice):
    MemberFactory(branch=district.branch_a, name="王五")
    pledged = MemberFactory(branch=district.branch_a, name="赵六")
    make_pledge(campaign, member=pledged)
    MemberFactory(branch=district.branch_a, name="钱七", active=False, deactivated_on=TODAY)

    issued = links.issue_links(district.branch_a, campaign, by=alice, expires_on=TODAY)

    assert sorted(item.member.name for item in issued) == ["张三", "王五"]
    assert DraftLink.objects.count() == 2
    assert all(link.created_by == alice for link in DraftLink.objects.all())


def test_it_stores_only_the_digest_of_a_long_random_token(issued):
    token = issued[0].token
    assert len(token) == 43  # token_urlsafe(32): 256 bits
    link = DraftLink.objects.get()
    assert link.digest == hashlib.sha256(token.encode()).hexdigest()
    stored = [str(value) for value in DraftLink.objects.values_list().get()]
    assert not any(token in value for value in stored)
    assert links.open_link(token, TODAY) == link


def test_issuing_again_skips_members_with_a_live_link_unless_asked(district, campaign, alice):
    first = links.issue_links(district.branch_a, campaign, by=alice, expires_on=TODAY)
    assert links.issue_links(district.branch_a, campaign, by=alice, expires_on=TODAY) == []

    again = links.issue_links(district.branch_a, campaign, by=alice, expires_on=TODAY, reissue=True)

    assert links.open_link(first[0].token, TODAY) is None
    assert links.open_link(again[0].token, TODAY).member == district.member_a


def test_it_refuses_a_last_day_before_today_or_after_the_campaign(district, campaign, alice):
    for day in (TODAY - datetime.timedelta(days=1), campaign.ends_on + datetime.timedelta(days=1)):
        with pytest.raises(ValidationError) as error:
            links.issue_links(district.branch_a, campaign, by=alice, expires_on=day)
        assert "有效期至" in error.value.message_dict["expires_on"][0]
    assert not DraftLink.objects.exists()


def test_only_a_managing_role_over_the_branch_issues(district, campaign, bob, charlie):
    for user in (bob, charlie):
        with pytest.raises(PermissionDenied):
            links.issue_links(district.branch_a, campaign, by=user, expires_on=TODAY)
    assert not DraftLink.objects.exists()


def test_a_link_expires_after_its_last_day(issued):
    token = issued[0].token
    assert links.open_link(token, TODAY) is not None
    assert links.open_link(token, TODAY + datetime.timedelta(days=400)) is None
    link = DraftLink.objects.get()
    assert links.state_of(link, TODAY + datetime.timedelta(days=400)) == links.EXPIRED


def test_a_withdrawn_link_opens_nothing(issued, alice):
    link = DraftLink.objects.get()
    assert links.withdraw_link(link, by=alice) is True
    assert links.withdraw_link(link, by=alice) is False
    assert links.open_link(issued[0].token, TODAY) is None
    link.refresh_from_db()
    assert links.state_of(link, TODAY) == links.WITHDRAWN


def test_withdrawing_all_stops_every_link_of_the_branch(district, campaign, alice, bob):
    MemberFactory(branch=district.branch_a, name="王五")
    links.issue_links(district.branch_a, campaign, by=alice, expires_on=TODAY)
    other = links.issue_links(district.branch_b, campaign, by=bob, expires_on=TODAY)

    assert links.withdraw_all(district.branch_a, campaign, by=alice) == 2

    assert links.open_link(other[0].token, TODAY) is not None


def test_reissue_makes_a_new_token_and_the_old_one_stops(issued, alice):
    old = DraftLink.objects.get()
    new = links.reissue_link(old, by=alice)
    assert new.token != issued[0].token
    assert links.open_link(issued[0].token, TODAY) is None
    assert links.open_link(new.token, TODAY).member == old.member
    assert new.expires_on == old.expires_on


def test_the_member_submits_through_the_link_with_no_user_and_a_note(issued):
    link = links.open_link(issued[0].token, TODAY)

    pledge = links.submit_through_link(link, **fields())

    assert pledge.state == PledgeState.SUBMITTED
    assert pledge.created_by is None
    events = list(pledge.events.all())
    assert [e.kind for e in events] == [EventKind.CREATED, EventKind.TRANSITION]
    assert all(e.actor is None and e.comment == "党员本人通过自拟承诺链接填写" for e in events)
    link.refresh_from_db()
    assert link.used_at is not None
    assert links.state_of(link, TODAY) == links.SUBMITTED


def test_the_link_keeps_the_pledge_form_rules(issued):
    link = links.open_link(issued[0].token, TODAY)
    with pytest.raises(ValidationError) as error:
        links.submit_through_link(link, **fields(deadline=TODAY - datetime.timedelta(days=1)))
    assert "deadline" in error.value.message_dict
    assert not Pledge.objects.exists()


def test_the_member_edits_until_the_organisation_reviews(issued, alice):
    link = links.open_link(issued[0].token, TODAY)
    pledge = links.submit_through_link(link, **fields())

    pledge = links.edit_through_link(link, pledge, version=pledge.version, title="每周走访")
    assert pledge.title == "每周走访"
    assert pledge.state == PledgeState.SUBMITTED
    edit = pledge.events.get(kind=EventKind.EDITED)
    assert edit.actor is None and edit.changes["title"] == ["每月走访一户困难群众", "每周走访"]

    workflow.approve_pledge(pledge, by=alice)
    with pytest.raises(ValidationError):
        links.edit_through_link(link, pledge, version=pledge.version, title="再改")
    pledge.refresh_from_db()
    assert pledge.title == "每周走访"


def test_a_returned_pledge_is_revised_and_submitted_again(issued, alice):
    link = links.open_link(issued[0].token, TODAY)
    pledge = links.submit_through_link(link, **fields())
    workflow.return_pledge(pledge, by=alice, reason="请写明走访对象")
    assert links.return_reason(pledge) == "请写明走访对象"

    pledge = links.edit_through_link(link, pledge, version=pledge.version, content="走访王大爷")

    assert pledge.state == PledgeState.SUBMITTED


def test_a_link_cannot_speak_for_another_members_pledge(district, campaign, issued):
    link = links.open_link(issued[0].token, TODAY)
    other = make_pledge(campaign, member=MemberFactory(branch=district.branch_a), state="submitted")
    with pytest.raises(PermissionDenied):
        links.edit_through_link(link, other, version=other.version, title="篡改")
    with pytest.raises(PermissionDenied):
        workflow.take_step(other, "approve", by=None, through=link)


def test_a_withdrawn_link_writes_nothing(issued, alice):
    link = links.open_link(issued[0].token, TODAY)
    links.withdraw_link(link, by=alice)
    link.refresh_from_db()
    with pytest.raises(ValidationError):
        links.submit_through_link(link, **fields())
    assert not Pledge.objects.exists()


def test_the_sheet_lists_states(district, campaign, alice):
    wang = MemberFactory(branch=district.branch_a, name="王五")
    issued = links.issue_links(district.branch_a, campaign, by=alice, expires_on=TODAY)
    by_name = {item.member.name: item for item in issued}
    links.submit_through_link(links.open_link(by_name["王五"].token, TODAY), **fields())
    links.withdraw_link(DraftLink.objects.get(member=district.member_a), by=alice)

    sheet = links.links_sheet(district.branch_a, campaign, timezone.localdate())

    states = {row.member: row.state_label for row in sheet.rows}
    assert states == {district.member_a: "已撤回", wang: "已提交"}
    assert sheet.to_issue == 1
