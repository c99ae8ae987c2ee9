"""The campaign's calendar: standard phases, what is current, the timeline, editing the phases,
the reminder settings and the cascading deadlines (campaign.calendar, campaign.services)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from campaign import calendar, services
from campaign.forms import RequirementsForm
from campaign.models import Campaign, Deadline, Phase, PhaseKind, Work

from ..factories import make_campaign

D = datetime.date


@pytest.fixture
def year(district):
    """Seed 004's campaign: 1 March to 31 December 2012, with the standard phases and stages."""
    item = make_campaign(district.root, starts_on=D(2012, 3, 1), ends_on=D(2012, 12, 31))
    Phase.objects.bulk_create(calendar.standard_phases(item, list(Work.values)))
    return item


def test_the_standard_phases_follow_seed_004(year):
    phases = [p for p in calendar.phases_of(year) if p.kind == PhaseKind.PHASE]
    spans = [(p.name, p.starts_on, p.ends_on) for p in phases]
    assert [name for name, _s, _e in spans] == ["动员部署", "调查研究", "组织实施", "总结验收"]
    # 动员部署 early March, 调查研究 late March, 组织实施 April–November, 总结验收 December.
    assert spans[0][1] == D(2012, 3, 1) and D(2012, 3, 8) <= spans[0][2] <= D(2012, 3, 12)
    assert D(2012, 3, 28) <= spans[1][2] <= D(2012, 4, 3)
    assert D(2012, 11, 25) <= spans[2][2] <= D(2012, 12, 5)
    assert spans[3][2] == D(2012, 12, 31)
    for before, after in zip(phases, phases[1:], strict=False):
        assert after.starts_on == before.ends_on + datetime.timedelta(days=1)
    stages = {p.work for p in calendar.phases_of(year) if p.kind == PhaseKind.STAGE}
    assert stages == {Work.PLEDGES, Work.REVIEWS, Work.EVALUATIONS, Work.EXEMPLARS}
    # The report is due at the end of 总结验收 unless the requirements name a day.
    assert calendar.report_due(year) == D(2012, 12, 31)


def test_a_campaign_of_a_few_days_still_gets_ordered_phases_inside_it(district):
    short = make_campaign(district.root, starts_on=D(2026, 5, 1), ends_on=D(2026, 5, 2))
    for phase in calendar.standard_phases(short):
        assert short.starts_on <= phase.starts_on <= phase.ends_on <= short.ends_on


def test_today_falls_in_one_phase_and_any_number_of_stages(year):
    now = calendar.current(calendar.phases_of(year), D(2012, 10, 1))
    assert now.phase.name == "组织实施"
    assert {s.work for s in now.stages} == {Work.REVIEWS, Work.EVALUATIONS}
    before = calendar.current(calendar.phases_of(year), D(2012, 2, 1))
    assert before.phase is None and before.stages == []


def test_the_timeline_marks_today_and_what_is_past(year):
    line = calendar.timeline(year, calendar.phases_of(year), D(2012, 10, 1))
    states = {bar.phase.name: bar.state for bar in line.phases}
    assert states == {
        "动员部署": "past",
        "调查研究": "past",
        "组织实施": "current",
        "总结验收": "future",
    }
    assert line.today is not None and 60 < float(line.today.rstrip("%")) < 75
    assert calendar.timeline(year, [], D(2013, 1, 5)).today is None


def test_creating_a_campaign_offers_the_standard_phases(client, district, olivia):
    client.force_login(olivia)
    data = {
        "name": "2027年创先争优活动",
        "organization": district.root.pk,
        "starts_on": "2027-03-01",
        "ends_on": "2027-12-31",
        "active": "on",
        "cal-phases": "on",
        "cal-stages": ["pledges", "evaluations"],
        "req-lead_days": "10，3",
    }
    response = client.post("/campaigns/new/", data)
    assert response.status_code == 302
    made = Campaign.objects.get(name="2027年创先争优活动")
    assert [p.name for p in calendar.phases_of(made)] == [
        "动员部署",
        "公开承诺",
        "调查研究",
        "组织实施",
        "群众评议",
        "总结验收",
    ]
    assert calendar.lead_days(made) == (10, 3)
    page = client.get(response["Location"]).content.decode()
    assert "活动阶段" in page and "公开承诺" in page and "安排阶段" in page


def test_lead_days_are_typed_as_a_list_and_checked():
    assert RequirementsForm({"req-lead_days": "1、7,7"}, prefix="req").is_valid()
    form = RequirementsForm({"req-lead_days": "七天"}, prefix="req")
    assert not form.is_valid() and "用逗号分隔" in form.errors["lead_days"][0]
    form = RequirementsForm({"req-lead_days": "90"}, prefix="req")
    assert not form.is_valid() and "1 到 60" in form.errors["lead_days"][0]


def _formset(phases, **changes):
    data = {
        "phase-TOTAL_FORMS": str(len(phases) + 1),
        "phase-INITIAL_FORMS": str(len(phases)),
        "phase-MIN_NUM_FORMS": "0",
        "phase-MAX_NUM_FORMS": "30",
    }
    for index, phase in enumerate(phases):
        row = {
            "id": phase.pk,
            "name": phase.name,
            "kind": phase.kind,
            "work": phase.work,
            "starts_on": phase.starts_on.isoformat(),
            "ends_on": phase.ends_on.isoformat(),
        }
        row.update(changes.get(phase.name, {}))
        data.update({f"phase-{index}-{key}": value for key, value in row.items()})
    return data


def test_the_office_edits_the_phases_and_overlapping_phases_are_refused(client, olivia, year):
    client.force_login(olivia)
    url = f"/campaigns/{year.pk}/phases/"
    phases = calendar.phases_of(year)
    page = client.get(url).content.decode()
    assert "当前安排" in page and "timeline-bar" in page  # the timeline on every campaign page
    # 调查研究 running into 组织实施: refused, with what was typed kept.
    bad = _formset(phases, 调查研究={"ends_on": "2012-05-01"})
    body = client.post(url, bad).content.decode()
    assert "时间重叠" in body and "2012-05-01" in body
    outside = _formset(phases, 总结验收={"ends_on": "2013-01-31"})
    assert "不在活动时间" in client.post(url, outside).content.decode()
    # A stage may overlap anything; a phase may be deleted.
    fine = _formset(phases, 群众评议={"starts_on": "2012-04-01"}, 典型引路={"DELETE": "on"})
    assert client.post(url, fine).status_code == 302
    names = {p.name: p for p in calendar.phases_of(year)}
    assert "典型引路" not in names and names["群众评议"].starts_on == D(2012, 4, 1)


def test_only_those_who_run_the_campaign_edit_its_phases(client, alice, year):
    client.force_login(alice)  # a branch secretary sees the campaign, does not run it
    assert client.get(f"/campaigns/{year.pk}/").status_code == 200
    assert client.get(f"/campaigns/{year.pk}/phases/").status_code == 403


def test_a_level_below_may_only_bring_a_deadline_forward(district, year, olivia):
    pledging = Phase.objects.get(campaign=year, work=Work.PLEDGES)
    own = pledging.ends_on
    services.set_deadline(
        year,
        by=olivia,
        organization=district.root,
        phase=pledging,
        due_on=own - datetime.timedelta(days=7),
    )
    district_day = own - datetime.timedelta(days=7)
    services.set_deadline(
        year,
        by=olivia,  # the district office runs campaigns for every level below
        organization=district.east,
        phase=pledging,
        due_on=district_day - datetime.timedelta(days=7),
    )
    # The nearest one above applies; the organisation that set one is bound by the level above.
    assert calendar.deadline_for(district.branch_a, year, pledging) == own - datetime.timedelta(14)
    assert calendar.deadline_for(district.branch_b, year, pledging) == district_day
    assert calendar.deadline_for(district.east, year, pledging) == district_day
    assert calendar.deadline_for(district.root, year, pledging) == own
    with pytest.raises(ValidationError) as later:
        services.set_deadline(
            year,
            by=olivia,
            organization=district.east,
            phase=pledging,
            due_on=district_day + datetime.timedelta(days=1),
        )
    assert "不能晚于上级规定的期限" in later.value.messages[0]
    # The level above cannot move its own to before one already set below it.
    with pytest.raises(ValidationError) as below:
        services.set_deadline(
            year,
            by=olivia,
            organization=district.root,
            phase=pledging,
            due_on=own - datetime.timedelta(20),
        )
    assert "东城街道党工委" in below.value.messages[0]
    # Removed, the level above's applies again.
    services.set_deadline(year, by=olivia, organization=district.east, phase=pledging, due_on=None)
    assert calendar.deadline_for(district.branch_a, year, pledging) == district_day
    assert Deadline.objects.count() == 1


def test_a_secretary_sets_no_deadline(district, year, alice):
    with pytest.raises(PermissionDenied):
        services.set_deadline(
            year, by=alice, organization=district.branch_a, phase=None, due_on=year.ends_on
        )


def test_an_office_sets_an_earlier_deadline_for_those_below_on_its_page(
    client, district, year, olivia
):
    client.force_login(olivia)
    url = f"/campaigns/{year.pk}/deadlines/"
    pledging = Phase.objects.get(campaign=year, work=Work.PLEDGES)
    page = client.get(url).content.decode()
    assert "某某区委" in page and "公开承诺" in page and "总结报告" in page
    later = (pledging.ends_on + datetime.timedelta(days=1)).isoformat()
    data = {"organization": district.root.pk, "phase": pledging.pk, "due_on": later}
    refused = client.post(url, data, follow=True).content.decode()
    assert "不能晚于上级规定的期限" in refused and not Deadline.objects.exists()
    data["due_on"] = "2012-04-01"
    assert "已保存下级期限" in client.post(url, data, follow=True).content.decode()
    assert calendar.deadline_for(district.branch_a, year, pledging) == D(2012, 4, 1)
    data["due_on"] = "四月一日"
    assert "年-月-日" in client.post(url, data, follow=True).content.decode()
    report = {"organization": district.root.pk, "phase": "report", "due_on": "2012-12-10"}
    client.post(url, report)
    assert calendar.deadline_for(district.east, year, None) == D(2012, 12, 10)
    # Another organisation's, or a phase of no campaign of its: refused.
    other = {"organization": district.east.pk, "phase": pledging.pk, "due_on": "2012-04-01"}
    assert client.post(url, other).status_code == 403


def test_a_branch_secretary_has_no_deadline_page(client, year, alice):
    client.force_login(alice)
    assert client.get(f"/campaigns/{year.pk}/deadlines/").status_code == 403
