import datetime

import pytest
from django.core.exceptions import ValidationError

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


def test_a_pledge_with_two_owners_is_refused_by_its_own_check_but_not_rechecked_by_a_form(
    district, campaign
):
    pledge = Pledge(
        campaign=campaign,
        member=district.member_a,
        organization=district.branch_a,
        title="两个主体",
        content="内容",
        deadline=campaign.ends_on,
    )
    with pytest.raises(ValidationError):
        pledge.full_clean()
    # What a pledge form leaves out (the owner and the campaign): the database keeps the rule.
    pledge.full_clean(exclude=["campaign", "member", "organization", "created_by"])
