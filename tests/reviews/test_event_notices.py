"""What happens is told once, after it commits, to whoever acts next (campaign.notifications.tell):
a pledge returned or approved, a review written, a rectification registered, reported, closed,
evaluation results published, a role given."""

import datetime

import pytest

from accounts import services as account_services
from campaign.models import NoticeKind, Notification
from orgs.models import RoleKind
from pledges import workflow
from reviews import evaluations, services

from ..factories import make_campaign, make_pledge
from .conftest import TODAY


@pytest.fixture
def told(django_capture_on_commit_callbacks):
    """`with told():` runs the on-commit callbacks of what is done inside, as a committed
    request would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _notices():
    return list(
        Notification.objects.order_by("id").values_list(
            "kind", "organization__name", "role_kind", "user__username"
        )
    )


def test_a_returned_pledge_is_told_to_its_branch_once(district, campaign, alice, told):
    pledge = make_pledge(campaign, member=district.member_a, state="submitted")
    with told():
        workflow.return_pledge(pledge, by=alice, reason="请写明完成时间")
    notice = Notification.objects.get()
    assert (notice.kind, notice.organization, notice.role_kind) == (
        NoticeKind.PLEDGE_RETURNED,
        district.branch_a,
        RoleKind.SECRETARY,
    )
    assert notice.body == "请写明完成时间" and notice.url == pledge.get_absolute_url()


def test_a_refused_step_tells_nothing(district, campaign, alice, told):
    pledge = make_pledge(campaign, member=district.member_a, state="draft")
    with told(), pytest.raises(Exception):  # noqa: B017 - a draft cannot be approved
        workflow.approve_pledge(pledge, by=alice)
    assert not Notification.objects.exists()


def test_reviews_and_rectifications_tell_who_acts_next(district, campaign, tess, alice, told):
    with told():
        review = services.write_review(
            campaign,
            by=tess,
            organization=district.branch_a,
            held_on=TODAY,
            form="daily",
            rating="good",
            achievements="成绩",
            direction="方向",
        )
        item = services.register_rectification(
            district.branch_a,
            by=tess,
            problem="台账不全",
            responsible_person="书记",
            deadline=TODAY + datetime.timedelta(days=30),
            review=review,
        )
        services.report_rectification(item, by=alice, note="已补齐台账")
        services.close_rectification(item, by=tess)
    assert _notices() == [
        (NoticeKind.REVIEW_WRITTEN, "幸福社区党支部", RoleKind.SECRETARY, None),
        (NoticeKind.RECTIFICATION, "幸福社区党支部", RoleKind.SECRETARY, None),
        (NoticeKind.RECTIFICATION, "东城街道党工委", RoleKind.SECRETARY, None),
        (NoticeKind.RECTIFICATION, "幸福社区党支部", RoleKind.SECRETARY, None),
    ]


def test_published_results_are_told_to_the_organisation(district, campaign, tess, told):
    item = evaluations.create_round(
        district.branch_a, campaign, by=tess, title="评议", starts_on=TODAY, ends_on=TODAY
    )
    item = evaluations.close_round(evaluations.open_round(item, by=tess), by=tess)
    with told():
        evaluations.publish_round(item, by=tess)
    notice = Notification.objects.get(kind=NoticeKind.RESULTS_PUBLISHED)
    assert notice.organization == district.branch_a and "评议" in notice.title


def test_a_role_given_is_told_to_its_new_holder(district, alice, told):
    with told():
        role, _code = account_services.grant(
            district.branch_a, RoleKind.SECRETARY, by=alice, phone="13912345678", name="王五"
        )
    notice = Notification.objects.get()
    assert (notice.kind, notice.user, notice.role_kind) == (NoticeKind.ROLE, role.user, "")
    assert "幸福社区党支部" in notice.title


def test_the_office_sends_a_supervision_notice_from_the_behind_list(
    client, district, olivia, tess, alice
):
    # A campaign running for most of a year: every branch owes reviews by now.
    make_campaign(district.root, starts_on=TODAY - datetime.timedelta(days=300))
    client.force_login(olivia)
    page = client.get("/reviews/behind/").content.decode()
    assert 'name="org"' in page and "督办" in page
    sent = client.post(
        "/reviews/behind/supervise/", {"org": [district.branch_a.pk], "note": "本周内完成"}
    )
    assert sent.status_code == 302
    notices = Notification.objects.filter(kind=NoticeKind.SUPERVISION)
    assert {(n.organization, n.role_kind) for n in notices} == {
        (district.east, RoleKind.SECRETARY),
        (district.east, RoleKind.LEADER),
    }
    assert notices.first().body == "本周内完成"
    client.post("/reviews/behind/supervise/", {"org": [district.branch_a.pk]})
    assert notices.count() == 2  # once a day per organisation
    # A secretary sees no boxes and may not send one.
    client.force_login(alice)
    assert 'name="org"' not in client.get("/reviews/behind/").content.decode()
    assert client.post(
        "/reviews/behind/supervise/", {"org": [district.branch_a.pk]}
    ).status_code in (403, 302)
    assert notices.count() == 2


def test_a_role_ended_or_handed_over_is_told_to_its_former_holder(district, alice, told):
    with told():
        role, _code = account_services.grant(
            district.branch_a, RoleKind.SECRETARY, by=alice, phone="13912345678", name="王五"
        )
        account_services.revoke(role, by=alice)
    titles = list(Notification.objects.order_by("id").values_list("user__username", "title"))
    assert [t for _u, t in titles] == [
        "您已担任幸福社区党支部的“书记/党务工作者”",
        "您在幸福社区党支部的“书记/党务工作者”角色已结束",
    ]
    assert {u for u, _t in titles} == {role.user.username}


def test_a_finished_job_is_told_to_its_owner_once(district, alice, told):
    from core import jobs
    from core.models import Job

    job = Job.objects.create(kind="orgs.import_members", title="导入党员名册", owner=alice)
    with told():
        jobs.run_job(job.pk, lambda job: ({"message": "已导入 3 人"}, []))
        jobs.run_job(job.pk, lambda job: ({"message": "again"}, []))  # finished: nothing
    notice = Notification.objects.get()
    assert (notice.kind, notice.user, notice.url) == (NoticeKind.JOB, alice, f"/jobs/{job.pk}/")
    assert "已完成" in notice.title and "导入党员名册" in notice.title
