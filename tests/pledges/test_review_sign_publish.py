"""workflow.review_sign_publish: 审诺、签约并公开 in one batch action, each step its own event."""

import datetime

from django.utils import timezone

from pledges import workflow
from pledges.models import EventKind, Pledge, PledgeState

from ..factories import MemberFactory, make_pledge

S = PledgeState


def _submitted(campaign, branch, n):
    return [
        make_pledge(
            campaign, member=MemberFactory(branch=branch, name=f"党员{i}"), state=S.SUBMITTED
        )
        for i in range(n)
    ]


def test_it_takes_each_pledge_through_three_steps_with_the_member_as_signer(
    district, campaign, alice
):
    pledges = _submitted(campaign, district.branch_a, 3)
    on = timezone.localdate() - datetime.timedelta(days=1)
    done, refused = workflow.review_sign_publish(pledges, by=alice, on=on)
    assert (len(done), refused) == (3, [])
    for pledge in pledges:
        pledge.refresh_from_db()
        assert pledge.state == S.PUBLISHED and pledge.published_at is not None
        assert (pledge.signed_by, pledge.signed_on) == (pledge.member.name, on)
        events = list(pledge.events.filter(kind=EventKind.TRANSITION).order_by("at", "pk"))
        assert [(e.from_state, e.to_state) for e in events] == [
            (S.SUBMITTED, S.APPROVED),
            (S.APPROVED, S.SIGNED),
            (S.SIGNED, S.PUBLISHED),
        ]
        assert {e.actor for e in events} == {alice}


def test_a_refused_pledge_leaves_the_others_done(district, campaign, alice):
    first, last = _submitted(campaign, district.branch_a, 2)
    draft = make_pledge(campaign, member=district.member_a, state=S.DRAFT)
    done, refused = workflow.review_sign_publish(
        [first, draft, last], by=alice, on=timezone.localdate()
    )
    assert done == [first, last]
    assert [(p, "不能审核通过" in reason) for p, reason in refused] == [(draft, True)]
    assert Pledge.objects.get(pk=draft.pk).state == S.DRAFT
    assert not draft.events.exists()
    assert {Pledge.objects.get(pk=p.pk).state for p in (first, last)} == {S.PUBLISHED}


def test_an_organisations_own_pledge_is_refused_with_a_reason(district, campaign, olivia):
    own = make_pledge(campaign, organization=district.branch_a, state=S.SUBMITTED)
    done, refused = workflow.review_sign_publish([own], by=olivia, on=timezone.localdate())
    assert done == [] and refused[0][0] == own and "由其党员审诺" in refused[0][1]
    assert Pledge.objects.get(pk=own.pk).state == S.SUBMITTED


def test_a_step_refused_half_way_undoes_the_earlier_ones_of_that_pledge(district, campaign, alice):
    (pledge,) = _submitted(campaign, district.branch_a, 1)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)  # 签约日期 may not be ahead
    done, refused = workflow.review_sign_publish([pledge], by=alice, on=tomorrow)
    assert done == [] and "签约日期不能晚于今天" in refused[0][1]
    stored = Pledge.objects.get(pk=pledge.pk)
    assert stored.state == S.SUBMITTED and stored.signed_by == "" and not pledge.events.exists()
    assert pledge.state == S.SUBMITTED and pledge.version == stored.version  # the object too


def test_a_pledge_moved_by_someone_else_meanwhile_is_refused(district, campaign, alice):
    (pledge,) = _submitted(campaign, district.branch_a, 1)
    Pledge.objects.filter(pk=pledge.pk).update(state=S.DRAFT)  # returned by another reviewer
    done, refused = workflow.review_sign_publish([pledge], by=alice, on=timezone.localdate())
    assert done == [] and "已被他人处理" in refused[0][1]
    assert Pledge.objects.get(pk=pledge.pk).state == S.DRAFT


def test_someone_outside_the_branch_is_refused(district, campaign, bob):
    (pledge,) = _submitted(campaign, district.branch_a, 1)
    done, refused = workflow.review_sign_publish([pledge], by=bob, on=timezone.localdate())
    assert done == [] and refused == [(pledge, "无权操作")]
    assert Pledge.objects.get(pk=pledge.pk).state == S.SUBMITTED
