"""Rules found by review: nobody reviews their own organisation from a second role above it; a
report is judged by someone else; edits keep pledges whose member left; the edit window and the
last period follow local dates and the campaign's end; a sent-back problem may get a new
deadline; the counting role is preferred."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from campaign.models import Campaign, Requirements, ReviewSchedule
from campaign.requirements import reviews_due
from orgs.models import RoleKind
from orgs.services import deactivate_member
from reviews import access, services
from reviews.models import LeaderReview

from ..conftest import _persona
from ..factories import RoleFactory, make_pledge
from .conftest import TODAY

DAY = datetime.timedelta(days=1)


def _review(campaign, by, org, **fields):
    data = {"held_on": TODAY, "form": "daily", "rating": "good", "achievements": "成绩"}
    return services.write_review(
        campaign, by=by, organization=org, direction="方向", **{**data, **fields}
    )


def test_a_second_role_above_does_not_open_ones_own_branch(client, district, campaign, review_data):
    both = _persona("both", district.east, RoleKind.LEADER)
    RoleFactory(user=both, organization=district.branch_a, kind=RoleKind.SECRETARY)
    assert not access.can_review(both, district.branch_a)
    assert access.can_review(both, district.peace)
    client.force_login(both)
    assert client.get(f"/reviews/new/?org={district.branch_a.pk}").status_code == 403
    assert client.get(f"/reviews/new/?member={district.member_a.pk}").status_code == 403
    assert district.branch_a not in access.reviewable_organizations(both)
    assert district.peace in access.reviewable_organizations(both)
    pledge = make_pledge(campaign, member=district.member_a, state="completed")
    assert not access.may_give_verdict(both, pledge, "leader")


def test_whoever_reported_a_problem_done_does_not_close_it(district, tess, charlie):
    item = services.register_rectification(
        district.branch_a, by=tess, problem="台账不全", responsible_person="书记", deadline=TODAY
    )
    services.report_rectification(item, by=tess, note="已补齐")  # tess manages the branch too
    with pytest.raises(ValidationError, match="须由上级其他负责人销号或退回"):
        services.close_rectification(item, by=tess)
    with pytest.raises(ValidationError, match="须由上级其他负责人销号或退回"):
        services.return_rectification(item, by=tess, reason="不行")
    services.close_rectification(item, by=charlie)
    assert item.state == "closed"


def test_a_sent_back_problem_may_get_a_new_deadline(district, alice, tess):
    item = services.register_rectification(
        district.branch_a, by=tess, problem="台账不全", responsible_person="书记", deadline=TODAY
    )
    services.report_rectification(item, by=alice, note="已补齐")
    with pytest.raises(ValidationError, match="新的整改时限不能早于今天"):
        services.return_rectification(item, by=tess, reason="缺签字", deadline=TODAY - DAY)
    services.return_rectification(item, by=tess, reason="缺签字", deadline=TODAY + 10 * DAY)
    item.refresh_from_db()
    assert (item.state, item.deadline) == ("in_progress", TODAY + 10 * DAY)


def test_clearing_the_evidence_field_is_no_file_not_a_crash(client, district, alice, tess):
    item = services.register_rectification(
        district.branch_a, by=tess, problem="台账不全", responsible_person="书记", deadline=TODAY
    )
    client.force_login(alice)
    data = {"note": "已补齐", "evidence-clear": "on"}
    response = client.post(f"/reviews/rectifications/{item.pk}/report/", data)
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.state == "reported" and not item.evidence


def test_an_edit_keeps_the_pledges_of_a_member_who_left(
    client, district, campaign, tess, review_data
):
    pledge = make_pledge(campaign, member=district.member_a, state="published")
    review = _review(campaign, tess, district.branch_a)
    review.pledges.set([pledge])
    deactivate_member(district.member_a, by=tess, reason="迁出")
    client.force_login(tess)
    data = {**review_data, "rating": "average", "pledges": [pledge.pk]}
    assert client.post(f"/reviews/{review.pk}/edit/", data).status_code == 302
    assert list(LeaderReview.objects.get(pk=review.pk).pledges.all()) == [pledge]


def test_the_edit_window_counts_local_days(district, campaign, tess):
    review = _review(campaign, tess, district.branch_a)
    # 07:30 in Beijing on 11 May is 23:30 UTC on 10 May.
    review.created_at = datetime.datetime(2026, 5, 10, 23, 30, tzinfo=datetime.UTC)
    assert timezone.localdate(review.created_at) == datetime.date(2026, 5, 11)
    assert review.editable_until() == datetime.date(2026, 5, 18)


def test_the_last_period_is_due_by_the_campaigns_end(district):
    autumn = Campaign(
        name="秋季活动", starts_on=datetime.date(2026, 1, 1), ends_on=datetime.date(2026, 11, 15)
    )
    asked = Requirements(review_schedule=ReviewSchedule.THRICE_YEARLY)
    assert reviews_due(autumn, datetime.date(2026, 11, 14), asked) == 2
    assert reviews_due(autumn, datetime.date(2026, 11, 15), asked) == 3


def test_a_counting_role_is_preferred_to_a_nearer_office_role(district, campaign, charlie):
    office_below = _persona("mixed", district.east, RoleKind.OFFICE)
    RoleFactory(user=office_below, organization=district.root, kind=RoleKind.LEADER)
    review = _review(campaign, office_below, district.branch_a)
    assert (review.reviewer_org, review.reviewer_role) == (district.root, RoleKind.LEADER)
