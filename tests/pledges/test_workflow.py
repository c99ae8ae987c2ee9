import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from pledges import workflow
from pledges.models import EventKind, Pledge, PledgeEvent, PledgeState

from ..factories import make_pledge

S = PledgeState
TODAY = datetime.date.today()

# step → (state before, state after, side) for a member's pledge in branch A.
MEMBER_STEPS = [
    ("submit", S.DRAFT, S.SUBMITTED),
    ("approve", S.SUBMITTED, S.APPROVED),
    ("return", S.SUBMITTED, S.DRAFT),
    ("sign", S.APPROVED, S.SIGNED),
    ("publish", S.SIGNED, S.PUBLISHED),
    ("start", S.PUBLISHED, S.FULFILLING),
    ("complete", S.FULFILLING, S.COMPLETED),
    ("assess", S.COMPLETED, S.ASSESSED),
]
EXTRA = {
    "return": {"reason": "内容不够具体"},
    "sign": {"signed_by": "支部书记王某、党员张三", "signed_on": TODAY},
    "assess": {"comment": "承诺兑现，群众满意"},
}
CALLS = {
    "return": lambda p, by, **kw: workflow.return_pledge(p, by=by, **kw),
    "sign": lambda p, by, **kw: workflow.sign_pledge(p, by=by, **kw),
    "assess": lambda p, by, **kw: workflow.assess_pledge(p, by=by, **kw),
}


def _take(pledge, name, by):
    call = CALLS.get(name)
    if call:
        return call(pledge, by, **EXTRA[name])
    return workflow.take_step(pledge, name, by=by)


@pytest.mark.parametrize("name,before,after", MEMBER_STEPS)
def test_the_branch_takes_every_step_of_a_members_pledge(
    name, before, after, district, campaign, alice
):
    pledge = make_pledge(campaign, member=district.member_a, state=before)
    _take(pledge, name, alice)
    pledge.refresh_from_db()
    assert pledge.state == after
    event = PledgeEvent.objects.get(pledge=pledge, kind=EventKind.TRANSITION)
    assert (event.actor, event.from_state, event.to_state) == (alice, before, after)


@pytest.mark.parametrize("name,before,after", MEMBER_STEPS)
def test_every_step_is_refused_from_a_wrong_state(name, before, after, district, campaign, alice):
    wrong = S.ASSESSED if before != S.ASSESSED else S.DRAFT
    pledge = make_pledge(campaign, member=district.member_a, state=wrong)
    with pytest.raises(ValidationError) as error:
        _take(pledge, name, alice)
    assert "不能" in error.value.messages[0]
    pledge.refresh_from_db()
    assert pledge.state == wrong and pledge.version == 1
    assert not PledgeEvent.objects.filter(pledge=pledge).exists()


@pytest.mark.parametrize("name,before,after", MEMBER_STEPS)
def test_every_step_is_refused_out_of_scope(name, before, after, district, campaign, bob):
    pledge = make_pledge(campaign, member=district.member_a, state=before)
    with pytest.raises(PermissionDenied):
        _take(pledge, name, bob)
    pledge.refresh_from_db()
    assert pledge.state == before


@pytest.mark.parametrize("name,before,after", MEMBER_STEPS)
def test_every_step_is_refused_to_a_read_only_role(
    name, before, after, district, campaign, charlie
):
    pledge = make_pledge(campaign, member=district.member_a, state=before)
    with pytest.raises(PermissionDenied):
        _take(pledge, name, charlie)


def test_an_organisations_pledge_is_approved_from_above(district, campaign, alice, bob):
    east_secretary = _secretary_of(district.east)
    pledge = make_pledge(campaign, organization=district.branch_a)
    workflow.submit_pledge(pledge, by=alice)
    with pytest.raises(PermissionDenied):
        workflow.approve_pledge(pledge, by=alice)  # not its own reviewer
    workflow.approve_pledge(pledge, by=east_secretary)
    workflow.sign_pledge(pledge, by=east_secretary, signed_by="街道党工委、支部", signed_on=TODAY)
    with pytest.raises(PermissionDenied):
        workflow.publish_pledge(pledge, by=bob)
    workflow.publish_pledge(pledge, by=alice)
    assert pledge.state == S.PUBLISHED and pledge.published_at is not None


def _secretary_of(org):
    from orgs import services
    from orgs.models import RoleKind

    from ..factories import UserFactory

    user = UserFactory(username=f"secretary-{org.pk}")
    services.assign_role(user, org, RoleKind.SECRETARY)
    return user


def test_returning_needs_a_reason(district, campaign, alice):
    pledge = make_pledge(campaign, member=district.member_a, state=S.SUBMITTED)
    with pytest.raises(ValidationError):
        workflow.return_pledge(pledge, by=alice, reason="  ")
    workflow.return_pledge(pledge, by=alice, reason="请写明完成时间")
    assert pledge.state == S.DRAFT
    assert pledge.events.get().comment == "请写明完成时间"


def test_signing_needs_the_signers(district, campaign, alice):
    pledge = make_pledge(campaign, member=district.member_a, state=S.APPROVED)
    with pytest.raises(ValidationError) as error:
        workflow.sign_pledge(pledge, by=alice, signed_by="", signed_on=TODAY)
    assert "signed_by" in error.value.message_dict


def test_a_stale_copy_cannot_step_again(district, campaign, alice):
    pledge = make_pledge(campaign, member=district.member_a, state=S.SUBMITTED)
    stale = Pledge.objects.get(pk=pledge.pk)
    workflow.approve_pledge(pledge, by=alice)
    with pytest.raises(ValidationError) as error:
        workflow.approve_pledge(stale, by=alice)
    assert "已被他人处理" in error.value.messages[0]
    assert PledgeEvent.objects.filter(pledge=pledge).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_approvals_exactly_one_wins(district, campaign, alice):
    pledge = make_pledge(campaign, member=district.member_a, state=S.SUBMITTED)
    barrier = threading.Barrier(2)
    outcomes = []

    def approve():
        copy = Pledge.objects.get(pk=pledge.pk)
        barrier.wait()
        try:
            workflow.approve_pledge(copy, by=alice)
            outcomes.append("won")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=approve) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "won"]
    assert PledgeEvent.objects.filter(pledge=pledge, to_state=S.APPROVED).count() == 1
    assert Pledge.objects.get(pk=pledge.pk).version == 2


def test_batch_reports_each_refusal_and_keeps_the_rest(district, campaign, alice):
    from ..factories import MemberFactory

    ready = make_pledge(campaign, member=district.member_a, state=S.DRAFT)
    other = MemberFactory(branch=district.branch_a)
    done_already = make_pledge(campaign, member=other, state=S.PUBLISHED)
    done, refused = workflow.batch_step([ready, done_already], "submit", by=alice)
    assert done == [ready]
    assert [pledge for pledge, _reason in refused] == [done_already]
    ready.refresh_from_db()
    assert ready.state == S.SUBMITTED


def test_available_steps_follow_role_and_state(district, campaign, alice, charlie):
    pledge = make_pledge(campaign, member=district.member_a, state=S.SUBMITTED)
    assert {step.name for step in workflow.available_steps(alice, pledge)} == {"approve", "return"}
    assert workflow.available_steps(charlie, pledge) == []


@pytest.mark.parametrize("how", ["detail page", "batch"])
def test_publishing_records_when_it_happened_whichever_way(how, district, campaign, alice_client):
    pledge = make_pledge(campaign, member=district.member_a, state=S.SIGNED)
    if how == "batch":
        url = f"/pledges/org/{district.branch_a.pk}/batch/"
        alice_client.post(url, {"step": "publish", "pledges": [pledge.pk], "confirmed": "1"})
    else:
        alice_client.post(f"/pledges/{pledge.pk}/step/publish/", {"confirmed": "1"})
    pledge.refresh_from_db()
    assert pledge.state == S.PUBLISHED
    assert pledge.published_at is not None
