"""Pledges in bulk (issue 9, part 9c): the grid, the sheet import, the printable 承诺书 and its
signed scan, and the pledge text rules (300 characters, suggested areas by sector, the board's
folded long text)."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from pypdf import PdfReader

from core.models import AuditRecord
from orgs.models import MemberCategory, RoleKind, Sector
from pledges import services
from pledges.bulk import RowsRefused, attach_signed_letter, create_pledges
from pledges.forms import PledgeForm
from pledges.letter import LetterData, letter_pdf
from pledges.models import (
    CONTENT_MAX_LENGTH,
    EventKind,
    Pledge,
    PledgeEvent,
    PledgeProgress,
    suggested_areas,
)
from pledges.poster import FONT_NAME
from pledges.sheet import import_pledges

from ..factories import MemberFactory, RoleFactory, UserFactory, make_pledge

ID_NUMBER = "11010519491231002X"


@pytest.fixture
def members(district):
    """Branch A: 张三 (from the district) and three more; 王五 twice, one with an ID number."""
    wang_1 = MemberFactory(branch=district.branch_a, name="王五", id_number=ID_NUMBER)
    wang_2 = MemberFactory(branch=district.branch_a, name="王五")
    zhao = MemberFactory(branch=district.branch_a, name="赵六")
    return district.member_a, wang_1, wang_2, zhao


def grid_url(district, campaign):
    return reverse("pledges:grid", args=[district.branch_a.pk]) + f"?campaign={campaign.pk}"


def row(member, **fields):
    return {f"m{member.pk}-{key}": value for key, value in fields.items()}


# --- The grid -------------------------------------------------------------------------------------


def test_it_lists_members_without_a_pledge_with_the_campaign_end_as_deadline(
    alice_client, district, campaign, members
):
    make_pledge(campaign, member=members[3])

    response = alice_client.get(grid_url(district, campaign))

    assert response.status_code == 200
    names = [r.member.name for r in response.context["rows"]]
    assert names == sorted(["张三", "王五", "王五"])
    assert campaign.ends_on.isoformat() in response.content.decode()


def test_it_creates_the_filled_rows_with_events_and_audit(
    alice_client, alice, district, campaign, members
):
    zhang, wang, _wang2, zhao = members
    deadline = (campaign.ends_on - datetime.timedelta(days=10)).isoformat()
    data = {
        **row(
            zhang,
            pick="",
            title="每月走访一户困难群众",
            content="每月走访一次。",
            deadline=deadline,
        ),
        **row(wang, pick="居容整洁", title="", content="", deadline=deadline),
        **row(zhao, pick="", title="", content="", deadline=deadline),  # left empty: skipped
    }

    response = alice_client.post(grid_url(district, campaign), data)

    assert response.status_code == 302
    assert response["Location"] == grid_url(district, campaign)  # members left: the grid again
    created = {p.member: p for p in Pledge.objects.filter(campaign=campaign)}
    assert set(created) == {zhang, wang}
    assert created[zhang].title == "每月走访一户困难群众"
    assert created[wang].title == "包干一个楼道的环境卫生"  # the picked suggestion
    assert created[wang].areas == ["居容整洁"]
    assert created[wang].state == "draft"
    assert PledgeEvent.objects.filter(kind=EventKind.CREATED, actor=alice).count() == 2
    assert AuditRecord.objects.filter(model="pledges.pledge", actor=alice).count() == 2


def test_a_bad_row_keeps_every_row_and_creates_nothing(alice_client, district, campaign, members):
    zhang, wang, _wang2, zhao = members
    ok = campaign.ends_on.isoformat()
    data = {
        **row(zhang, title="每月走访一户困难群众", content="每月走访一次。", deadline=ok),
        **row(wang, title="过期的承诺", content="写好的内容", deadline="2000-01-01"),
        **row(zhao, title="", content="只有内容", deadline=ok),
    }

    response = alice_client.post(grid_url(district, campaign), data)

    assert response.status_code == 200
    assert not Pledge.objects.exists()
    html = response.content.decode()
    assert "每月走访一户困难群众" in html and "写好的内容" in html and "只有内容" in html
    rows = {r.member: r for r in response.context["rows"]}
    assert "deadline" in rows[wang].errors
    assert "title" in rows[zhao].errors
    assert not rows[zhang].errors


def test_create_pledges_is_all_or_nothing(alice, district, campaign, members):
    zhang, wang, *_ = members
    make_pledge(campaign, member=wang)
    fields = {"title": "事项", "content": "内容", "deadline": campaign.ends_on}

    with pytest.raises(RowsRefused) as refused:
        create_pledges(campaign, [("a", zhang, fields), ("b", wang, fields)], by=alice)

    assert list(refused.value.by_row) == ["b"]
    assert not Pledge.objects.filter(member=zhang).exists()


def test_the_grid_offers_suggestions_by_category_and_sector(alice_client, district, campaign):
    village = MemberFactory(branch=district.branch_b, category=MemberCategory.COMMUNITY)
    bob = UserFactory(username="bob")
    RoleFactory(user=bob, organization=district.branch_b, kind=RoleKind.SECRETARY)
    alice_client.force_login(bob)

    response = alice_client.get(
        reverse("pledges:grid", args=[district.branch_b.pk]) + f"?campaign={campaign.pk}"
    )

    rows = {r.member: r for r in response.context["rows"]}
    picks = dict(rows[village].fields["pick"].choices)
    assert "带头致富" in picks and "居容整洁" not in picks


def test_the_grid_is_404_outside_scope_and_403_for_a_leader(
    alice_client, district, campaign, charlie
):
    outside = reverse("pledges:grid", args=[district.branch_b.pk]) + f"?campaign={campaign.pk}"
    assert alice_client.get(outside).status_code == 404

    alice_client.force_login(charlie)
    assert alice_client.get(grid_url(district, campaign)).status_code == 403


def test_the_branch_page_links_to_the_grid_and_the_import(alice_client, district, campaign):
    html = alice_client.get(
        reverse("pledges:branch", args=[district.branch_a.pk]) + f"?campaign={campaign.pk}"
    ).content.decode()

    assert reverse("pledges:grid", args=[district.branch_a.pk]) in html
    assert reverse("pledges:import", args=[district.branch_a.pk]) in html


# --- The sheet ------------------------------------------------------------------------------------


def xlsx(rows, headers=("姓名", "公民身份号码", "承诺事项", "承诺内容", "完成时限", "承诺方面")):
    book = Workbook()
    sheet = book.active
    sheet.append(list(headers))
    for values in rows:
        sheet.append(list(values))
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("承诺.xlsx", buffer.getvalue())


def csv_file(text):
    return SimpleUploadedFile("承诺.csv", text.encode("utf-8-sig"))


def test_it_imports_a_good_sheet_matching_by_name_and_id_number(alice, district, campaign, members):
    zhang, wang, _wang2, zhao = members
    deadline = campaign.ends_on - datetime.timedelta(days=5)
    upload = xlsx(
        [
            ("张三", "", "每月走访一户困难群众", "每月走访一次。", deadline, "服务群众、社会稳定"),
            ("", ID_NUMBER, "包干一个楼道", "每周清理一次。", deadline, ""),
        ]
    )

    result = import_pledges(upload, org=district.branch_a, campaign=campaign, by=alice)

    assert result.ok and result.created == 2
    assert Pledge.objects.get(member=zhang).areas == ["服务群众", "社会稳定"]
    assert Pledge.objects.get(member=wang).title == "包干一个楼道"
    assert PledgeEvent.objects.filter(kind=EventKind.CREATED).count() == 2


def test_a_reimport_changes_nothing_and_reports_the_skipped(alice, district, campaign, members):
    deadline = campaign.ends_on.isoformat()
    text = f"姓名,承诺事项,承诺内容,完成时限\n张三,走访,每月走访一次。,{deadline}\n"
    import_pledges(csv_file(text), org=district.branch_a, campaign=campaign, by=alice)
    before = list(Pledge.objects.values_list("pk", "version", "updated_at"))

    result = import_pledges(csv_file(text), org=district.branch_a, campaign=campaign, by=alice)

    assert result.ok and (result.created, result.unchanged) == (0, 1)
    assert list(Pledge.objects.values_list("pk", "version", "updated_at")) == before


def test_every_bad_row_is_named_and_nothing_is_imported(alice, district, campaign, members):
    zhang, _wang, _wang2, zhao = members
    make_pledge(campaign, member=zhao, title="已有的")
    ok = campaign.ends_on.isoformat()
    text = "\n".join(
        [
            "姓名,承诺事项,承诺内容,完成时限",
            f"张三,好的一行,内容,{ok}",
            f"无名氏,事项,内容,{ok}",  # 3: unknown member
            f"王五,事项,内容,{ok}",  # 4: two members of that name
            f"赵六,另一项,内容,{ok}",  # 5: already has a pledge
            "张三,事项,内容,明年某天",  # 6: bad date (and 张三 again would follow)
            f"张三,{'长' * 101},{'字' * (CONTENT_MAX_LENGTH + 1)},{ok}",  # 7: too long
        ]
    )

    result = import_pledges(csv_file(text), org=district.branch_a, campaign=campaign, by=alice)

    assert not result.ok
    named = {(e.row, e.column) for e in result.errors}
    assert {(3, "姓名"), (4, "姓名"), (5, "承诺事项"), (6, "完成时限")} <= named
    assert {(7, "承诺事项"), (7, "承诺内容")} <= named
    messages = " ".join(e.message for e in result.errors)
    assert "公民身份号码" in messages  # asked for, to tell the two 王五 apart
    assert Pledge.objects.count() == 1


def test_the_import_page_shows_the_errors_and_the_template_downloads(
    alice_client, district, campaign, members
):
    url = reverse("pledges:import", args=[district.branch_a.pk]) + f"?campaign={campaign.pk}"
    response = alice_client.post(
        url, {"file": csv_file("姓名,承诺事项,承诺内容,完成时限\n无名氏,a,b,2000-01-01\n")}
    )
    assert response.status_code == 200
    assert "无名氏" in response.content.decode()
    assert not Pledge.objects.exists()

    template = alice_client.get(reverse("pledges:import_template"))
    assert template.status_code == 200
    sheet = load_workbook(io.BytesIO(template.content)).active
    assert [c.value for c in sheet[1]] == [
        "姓名",
        "公民身份号码",
        "承诺事项",
        "承诺内容",
        "完成时限",
        "承诺方面",
    ]


def test_a_good_import_redirects_to_the_branch(alice_client, district, campaign, members):
    url = reverse("pledges:import", args=[district.branch_a.pk]) + f"?campaign={campaign.pk}"
    text = f"姓名,承诺事项,承诺内容,完成时限\n张三,走访,每月走访一次。,{campaign.ends_on}\n"

    response = alice_client.post(url, {"file": csv_file(text)})

    assert response.status_code == 302
    assert Pledge.objects.get().member == district.member_a


# --- The 承诺书 -----------------------------------------------------------------------------------


def test_the_letter_pdf_names_the_pledge_and_embeds_the_font(alice_client, district, campaign):
    pledge = make_pledge(campaign, member=district.member_a, title="每月走访一户困难群众")

    response = alice_client.get(reverse("pledges:letter", args=[pledge.pk]))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    page = PdfReader(io.BytesIO(response.content)).pages[0]
    text = page.extract_text()
    for expected in (
        "创先争优公开承诺书",
        "张三",
        "幸福社区党支部",
        "每月走访一户困难群众",
        "承诺人",
        "党组织负责人",
    ):
        assert expected in text
    fonts = [ref.get_object() for ref in page["/Resources"]["/Font"].values()]
    assert fonts
    for font in fonts:  # a subset ("ABCDEF+Name") of the shipped font, embedded (FontFile2)
        assert font["/BaseFont"][1:].partition("+")[2].startswith(FONT_NAME)
        assert "/FontFile2" in font["/FontDescriptor"]


def test_an_organisation_letter_has_the_level_above_sign():
    data = LetterData(
        campaign="活动",
        owner="幸福社区党支部",
        organization="东城街道党工委",
        title="事项",
        content="内容",
        areas=[],
        deadline=datetime.date(2026, 6, 30),
        five_items=[],
        for_member=False,
    )
    text = PdfReader(io.BytesIO(letter_pdf(data))).pages[0].extract_text()
    assert "上级党组织负责人" in text and "东城街道党工委" in text


def test_the_signed_scan_is_kept_and_content_checked(alice_client, alice, district, campaign):
    pledge = make_pledge(campaign, member=district.member_a, state="signed")
    url = reverse("pledges:letter_scan", args=[pledge.pk])

    bad = alice_client.post(url, {"attachment": SimpleUploadedFile("x.pdf", b"not a pdf")})
    assert bad.status_code == 200 and "附件只能是" in bad.content.decode()
    assert not PledgeProgress.objects.exists()

    good = alice_client.post(url, {"attachment": SimpleUploadedFile("签字.pdf", b"%PDF-1.4 x")})
    assert good.status_code == 302
    record = PledgeProgress.objects.get()
    assert record.text.startswith("【签约承诺书】") and record.attachment_type == "application/pdf"
    pledge.refresh_from_db()
    assert pledge.state == "signed"  # no workflow step taken


def test_a_draft_takes_no_signed_scan(alice, district, campaign):
    pledge = make_pledge(campaign, member=district.member_a)
    with pytest.raises(ValidationError):
        attach_signed_letter(pledge, by=alice, upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4"))


def test_the_board_does_not_show_the_signed_letter_as_progress(alice, client, district, campaign):
    pledge = make_pledge(campaign, member=district.member_a, state="published")
    attach_signed_letter(pledge, by=alice, upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4"))

    html = client.get(reverse("board:board", args=[district.branch_a.pk])).content.decode()

    assert "签约承诺书" not in html


# --- Pledge text ----------------------------------------------------------------------------------


def test_the_service_refuses_content_over_300(alice, district, campaign):
    with pytest.raises(ValidationError) as error:
        services.create_pledge(
            campaign,
            by=alice,
            member=district.member_a,
            title="事项",
            content="字" * (CONTENT_MAX_LENGTH + 1),
            deadline=campaign.ends_on,
        )
    assert "content" in error.value.message_dict
    assert not Pledge.objects.exists()


def test_the_form_refuses_content_over_300_naming_the_field_and_shows_a_counter():
    form = PledgeForm(
        {"title": "事项", "content": "字" * 301, "deadline": "2026-06-30"},
        areas=[],
        for_member=True,
        allow_oral=False,
    )
    assert not form.is_valid()
    assert "承诺内容不能超过 300 个字" in form.errors["content"][0]
    assert form.fields["content"].widget.attrs["data-counter"] == "300"
    assert form.fields["title"].widget.attrs["data-counter"] == "100"


def test_the_pledge_form_page_loads_the_counter_script(alice_client, district, campaign):
    url = reverse("pledges:create") + f"?member={district.member_a.pk}&campaign={campaign.pk}"
    html = alice_client.get(url).content.decode()
    assert "js/pledge-text" in html and 'data-counter="300"' in html


@pytest.mark.parametrize(
    ("category", "sector", "offered", "not_offered"),
    [
        (MemberCategory.COMMUNITY, Sector.RURAL, "带头致富", "居容整洁"),
        (MemberCategory.COMMUNITY, Sector.COMMUNITY, "居容整洁", "带头致富"),
        (MemberCategory.ENTERPRISE, Sector.PRIVATE_ENTERPRISE, "企业增效", "带头致富"),
        (MemberCategory.GOVERNMENT, Sector.SCHOOL, "教书育人", "依法行政"),
        (MemberCategory.RETIRED, Sector.COMMUNITY, "居容整洁", "带头致富"),
    ],
)
def test_suggested_areas_follow_the_sector_when_the_category_does_not_fit(
    district, category, sector, offered, not_offered
):
    branch = district.branch_b
    branch.sector = sector
    member = MemberFactory.build(branch=branch, category=category)

    areas = suggested_areas(member=member)

    assert offered in areas and not_offered not in areas


def test_the_board_folds_a_long_text(client, district, campaign):
    long = "这是一段很长的承诺内容。" * 20
    make_pledge(campaign, member=district.member_a, state="published", content=long)
    make_pledge(campaign, organization=district.branch_a, state="published", content="短内容")

    html = client.get(reverse("board:board", args=[district.branch_a.pk])).content.decode()

    assert html.count("<details") == 1
    assert "展开" in html and long in html


def test_when_every_member_has_a_pledge_the_grid_leads_to_the_branch_page(
    alice_client, district, campaign, members
):
    deadline = campaign.ends_on.isoformat()
    everyone = list(members)
    data = {}
    for member in everyone:
        data |= row(
            member, pick="", title="每月走访一户", content="每月走访一次。", deadline=deadline
        )
    response = alice_client.post(grid_url(district, campaign), data, follow=True)
    assert response.redirect_chain[-1][0] == (
        f"/pledges/org/{district.branch_a.pk}/?campaign={campaign.pk}"
    )
    assert f"已录入 {len(everyone)} 项承诺" in response.content.decode()
