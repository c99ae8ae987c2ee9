import datetime

from pledges.models import Pledge, PledgeState

from ..factories import MemberFactory, make_pledge

TODAY = datetime.date.today()


def test_overdue_is_past_the_deadline_and_not_done_as_for_one_pledge(district, campaign):
    past = TODAY - datetime.timedelta(days=1)
    late = make_pledge(
        campaign, member=district.member_a, deadline=past, state=PledgeState.PUBLISHED
    )
    done = make_pledge(
        campaign, member=MemberFactory(branch=district.branch_a), deadline=past, state="completed"
    )
    on_time = make_pledge(campaign, member=district.member_b, state=PledgeState.PUBLISHED)

    assert list(Pledge.objects.overdue(TODAY)) == [late]
    assert [p.is_overdue(TODAY) for p in (late, done, on_time)] == [True, False, False]
