"""The calendar's reminder sweeps (oversight.sweeps) and the notifications they write
(campaign.notifications): exactly the right recipients, once each, at the edges of the calendar."""

import datetime
import threading

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from campaign import access as campaign_access
from campaign import notifications, services
from campaign.models import NoticeKind, Notification, Phase, PhaseKind, Requirements, SweepRun, Work
from orgs import services as org_services
from orgs.models import Organization, OrgKind, Role, RoleKind
from oversight import sweeps
from reviews.models import Rectification

from ..factories import MemberFactory, UserFactory, add_org, make_campaign, make_pledge

D = datetime.date
PLEDGES_END = D(2026, 4, 30)


@pytest.fixture
def year(district):
    """A campaign over 2026 whose 公开承诺 stage ends on 30 April."""
    item = make_campaign(district.root, starts_on=D(2026, 1, 1), ends_on=D(2026, 12, 31))
    Phase.objects.create(
        campaign=item,
        name="公开承诺",
        kind=PhaseKind.STAGE,
        work=Work.PLEDGES,
        starts_on=D(2026, 1, 1),
        ends_on=PLEDGES_END,
    )
    return item


@pytest.fixture
def done_but_a(district, year):
    """Every organisation has pledged in public, and every member too, but 张三 of branch A."""
    for org in (district.east, district.branch_a, district.peace, district.west, district.branch_b):
        make_pledge(year, organization=org, state="published")
    make_pledge(year, member=district.member_b, state="published")


def _deadline_notices():
    return list(
        Notification.objects.filter(kind=NoticeKind.DEADLINE).values_list(
            "organization__name", "role_kind"
        )
    )


def test_before_a_deadline_only_those_with_work_left_are_reminded_once(district, done_but_a):
    assert sweeps.run("deadlines", PLEDGES_END - datetime.timedelta(days=8)).created == 0
    week = sweeps.run("deadlines", PLEDGES_END - datetime.timedelta(days=7))
    assert week.created == 1
    assert _deadline_notices() == [("幸福社区党支部", RoleKind.SECRETARY)]
    notice = Notification.objects.get()
    assert "7 天" in notice.title and "1 名党员" in notice.body
    # Run again, the same day: nothing more.
    assert sweeps.run("deadlines", PLEDGES_END - datetime.timedelta(days=7)).created == 0
    assert sweeps.run("deadlines", PLEDGES_END - datetime.timedelta(days=1)).created == 1
    assert sweeps.run("deadlines", PLEDGES_END).created == 0  # its last day: no lead day left
    assert Notification.objects.count() == 2
    assert SweepRun.objects.filter(kind="deadlines").count() == 5


def test_an_organisation_that_finished_gets_nothing(district, done_but_a, year):
    make_pledge(year, member=district.member_a, state="published")
    assert sweeps.run("deadlines", PLEDGES_END - datetime.timedelta(days=7)).created == 0


def test_an_earlier_deadline_set_above_moves_the_reminder(district, done_but_a, year, olivia):
    phase = Phase.objects.get(campaign=year)
    earlier = PLEDGES_END - datetime.timedelta(days=10)
    services.set_deadline(year, by=olivia, organization=district.east, phase=phase, due_on=earlier)
    assert sweeps.run("deadlines", PLEDGES_END - datetime.timedelta(days=7)).created == 0
    assert sweeps.run("deadlines", earlier - datetime.timedelta(days=7)).created == 1
    assert str(earlier) in Notification.objects.get().title


def test_the_report_is_reminded_to_every_organisation_before_its_day(district, year, olivia):
    # The campaign's end, as no 总结验收 phase or report day is set; the district brings it
    # forward for those below to 20 December.
    services.set_deadline(
        year, by=olivia, organization=district.root, phase=None, due_on=D(2026, 12, 20)
    )
    assert sweeps.run("deadlines", D(2026, 12, 13)).created == 5  # the towns and branches
    assert set(Notification.objects.values_list("subject", "period")) == {
        ("report", "2026-12-20-7")
    }
    # A week before the campaign's own end: that day applies to the district alone, which is
    # not among the organisations the campaign asks a report of.
    assert sweeps.run("deadlines", D(2026, 12, 24)).created == 0
    assert sweeps.run("deadlines", D(2026, 12, 19)).created == 5


def test_a_deadline_on_29_february_is_reminded_a_week_before(district):
    leap = make_campaign(district.root, starts_on=D(2028, 1, 1), ends_on=D(2028, 12, 31))
    Phase.objects.create(
        campaign=leap,
        name="群众评议",
        kind=PhaseKind.STAGE,
        work=Work.EVALUATIONS,
        starts_on=D(2028, 1, 1),
        ends_on=D(2028, 2, 29),
    )
    run = sweeps.run("deadlines", D(2028, 2, 22))
    # Every basic organisation without a round this year: the towns and the three branches.
    assert run.created == 5
    assert sweeps.run("deadlines", D(2028, 2, 28)).created == 5  # one day before
    assert sweeps.run("deadlines", D(2028, 2, 23)).created == 0


def test_the_sweep_reads_the_same_number_of_statements_for_10_and_200_organisations(district, year):
    def statements(size):
        town = add_org(district.root, f"新区{size}", kind=OrgKind.WORKING_COMMITTEE)
        for index in range(size):
            branch = add_org(town, f"新区{size}第{index}支部")
            MemberFactory(branch=branch)
        Notification.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            plan = sweeps.plan_deadlines(PLEDGES_END - datetime.timedelta(days=7))
        assert len(plan.notifications) >= size
        return len(queries.captured_queries)

    assert statements(10) == statements(200)


def test_overdue_pledges_go_to_their_owner_then_to_the_level_above(district, year):
    Requirements.objects.create(campaign=year, escalate_after_days=3)
    june = D(2026, 6, 1)
    make_pledge(year, member=district.member_a, state="published", deadline=june, title="走访")
    make_pledge(year, organization=district.branch_a, state="fulfilling", deadline=june)
    make_pledge(year, member=district.member_b, state="completed", deadline=june)
    assert sweeps.run("overdue", june).created == 0  # due today: not late yet
    # Both of branch A's, due the same day: one notice to its secretary.
    assert sweeps.run("overdue", D(2026, 6, 2)).created == 1
    notice = Notification.objects.get()
    assert (notice.organization, notice.role_kind) == (district.branch_a, RoleKind.SECRETARY)
    assert "2 项承诺逾期" in notice.title and "“走访”" in notice.body
    assert notice.url == f"/pledges/org/{district.branch_a.pk}/?campaign={year.pk}"
    assert sweeps.run("overdue", D(2026, 6, 4)).created == 0  # once, not daily
    assert sweeps.run("overdue", D(2026, 6, 5)).created == 1  # 4 days late > 3: escalated
    escalation = Notification.objects.get(kind=NoticeKind.ESCALATION)
    assert escalation.organization == district.east and "幸福社区党支部" in escalation.title
    assert sweeps.run("overdue", D(2026, 6, 30)).created == 0
    # A pledge due another day is another notice.
    make_pledge(
        year,
        member=MemberFactory(branch=district.branch_a),
        state="published",
        deadline=D(2026, 6, 20),
    )
    assert sweeps.run("overdue", D(2026, 6, 21)).created == 1


def test_overdue_rectifications_are_told_and_escalated(district, year, olivia):
    Rectification.objects.create(
        problem="活动阵地不规范",
        source="inspection",
        organization=district.branch_b,
        responsible_person="书记",
        deadline=D(2026, 5, 10),
        registered_by_org=district.west,
    )
    assert sweeps.run("overdue", D(2026, 5, 11)).created == 1
    assert sweeps.run("overdue", D(2026, 5, 30)).created == 1  # the default: after 7 days
    kinds = set(Notification.objects.values_list("kind", "organization__name"))
    assert kinds == {
        (NoticeKind.RECTIFICATION_OVERDUE, "红旗村党支部"),
        (NoticeKind.ESCALATION, "西山镇党委"),
    }


def test_at_the_start_of_a_quarter_the_levels_above_hear_of_reviews_owed(
    district, year, charlie, olivia
):
    # 1 May 2026: the first third of the year (reviews due by 30 April) is past, so the second
    # period's review is due by 31 August and no review was written.
    run = sweeps.run("quarterly", D(2026, 5, 1))
    notices = Notification.objects.filter(kind=NoticeKind.REVIEWS_DUE)
    got = {(n.organization.name, n.role_kind) for n in notices}
    assert got == {("东城街道党工委", RoleKind.LEADER), ("某某区委", RoleKind.OFFICE)}
    district_notice = notices.get(role_kind=RoleKind.OFFICE)
    assert "5 个组织" in district_notice.title
    evaluations = Notification.objects.filter(kind=NoticeKind.EVALUATION_DUE)
    assert evaluations.count() == 2 and run.created == 4
    assert sweeps.run("quarterly", D(2026, 5, 1)).created == 0
    # 31 December → 1 January: a new year, a new month; the campaign has ended, nothing is sent.
    assert sweeps.run("quarterly", D(2027, 1, 1)).created == 0


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_write_each_reminder_once(district, done_but_a):
    day = PLEDGES_END - datetime.timedelta(days=7)
    barrier = threading.Barrier(2)
    errors = []

    def sweep():
        try:
            barrier.wait()
            sweeps.run("deadlines", day)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert _deadline_notices() == [("幸福社区党支部", RoleKind.SECRETARY)]


@pytest.mark.django_db(transaction=True)
def test_a_row_that_fails_does_not_stop_the_others(district):
    good = Notification(
        kind=NoticeKind.SUPERVISION,
        organization=district.branch_a,
        role_kind=RoleKind.SECRETARY,
        title="请尽快完成公开承诺",
    )
    gone = Organization(pk=999_999, path="9999", name="已删除")
    bad = Notification(
        kind=NoticeKind.SUPERVISION, organization=gone, role_kind=RoleKind.SECRETARY, title="x"
    )
    result = notifications.deliver([bad, good])
    assert result.created == 1 and len(result.failures) == 1
    assert list(Notification.objects.values_list("title", flat=True)) == ["请尽快完成公开承诺"]


def test_a_hand_over_passes_the_reminders_on(district, done_but_a, alice, ada):
    sweeps.run("deadlines", PLEDGES_END - datetime.timedelta(days=7))
    assert campaign_access.notifications_for(alice).count() == 1
    successor = UserFactory(username="successor")
    org_services.hand_over(Role.objects.get(user=alice), successor, by=ada)
    assert campaign_access.notifications_for(successor).count() == 1
    former = type(alice).objects.get(pk=alice.pk)  # as her next request reads her
    assert campaign_access.notifications_for(former).count() == 0


def test_the_inbox_shows_opens_and_marks_read_in_scope(client, district, done_but_a, alice, bob):
    sweeps.run("deadlines", PLEDGES_END - datetime.timedelta(days=7))
    notice = Notification.objects.get()
    client.force_login(bob)
    assert "没有未读通知" in client.get("/inbox/").content.decode()
    assert client.get(f"/inbox/{notice.pk}/").status_code == 404
    client.force_login(alice)
    page = client.get("/inbox/").content.decode()
    assert notice.title in page and "全部标为已读" in page
    assert 'class="badge rounded-pill text-bg-light">1' in page
    opened = client.get(f"/inbox/{notice.pk}/")
    assert opened.status_code == 302 and opened["Location"] == notice.url
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert notice.title in client.get("/inbox/?show=all").content.decode()


def test_email_goes_to_the_holders_once_and_only_when_sent(district, done_but_a, alice):
    alice.email = "alice@example.org"
    alice.save()
    sweeps.run("deadlines", PLEDGES_END - datetime.timedelta(days=7))
    assert notifications.send_pending() == 1
    assert mail.outbox[0].to == ["alice@example.org"] and "【创先争优】" in mail.outbox[0].subject
    assert notifications.send_pending() == 0 and len(mail.outbox) == 1


def test_a_mail_server_that_fails_leaves_the_row_to_send_again(
    district, done_but_a, alice, settings, monkeypatch
):
    alice.email = "alice@example.org"
    alice.save()
    sweeps.run("deadlines", PLEDGES_END - datetime.timedelta(days=7))

    def refuse(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    with pytest.raises(OSError):
        notifications.send_pending()
    notice = Notification.objects.get()
    assert notice.emailed_at is None and notice.email_attempts == 1
    monkeypatch.undo()
    assert notifications.send_pending() == 1 and len(mail.outbox) == 1


def test_nothing_is_written_when_the_event_rolls_back(district, django_capture_on_commit_callbacks):
    def make():
        return [
            Notification(
                kind=NoticeKind.ROLE,
                organization=district.branch_a,
                role_kind=RoleKind.SECRETARY,
                title="x",
            )
        ]

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notifications.notify_on_commit(make)
        raise RuntimeError
    assert not Notification.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify_on_commit(make)
    assert Notification.objects.count() == 1


def test_remind_lists_who_would_be_reminded_and_writes_nothing(district, done_but_a, capsys):
    day = (PLEDGES_END - datetime.timedelta(days=7)).isoformat()
    call_command("remind", "--kind", "deadlines", "--today", day, "--dry-run")
    out = capsys.readouterr().out
    assert "幸福社区党支部" in out and "将提醒 1 条" in out
    assert not Notification.objects.exists() and not SweepRun.objects.exists()
    call_command("remind", "--kind", "deadlines", "--today", day)
    assert "新发出 1 条" in capsys.readouterr().out
    assert Notification.objects.count() == 1


def test_the_sweep_log_is_the_district_office_s(client, district, olivia, alice):
    sweeps.run("overdue", D(2026, 6, 1))
    client.force_login(alice)
    assert client.get("/inbox/sweeps/").status_code == 403
    client.force_login(olivia)
    page = client.get("/inbox/sweeps/").content.decode()
    assert "逾期提醒与督办" in page and "2026-06-01" in page
