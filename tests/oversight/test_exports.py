"""The exports oversight serves: the pledges list with verdicts (exactly the list's rows), the
ranking, and the statistics sheet whose total row is the organisation's figures with a 本级 row."""

import csv
import datetime
import io

from openpyxl import load_workbook

from oversight import dashboard
from reviews.models import FinalVerdict

from ..factories import MemberFactory, make_pledge

TODAY = datetime.date.today()


def _csv(response):
    text = b"".join(response.streaming_content).decode("utf-8")[1:]
    return list(csv.reader(io.StringIO(text)))


def test_the_pledges_export_is_the_list_with_its_verdicts(client, district, campaign, olivia, bob):
    late = make_pledge(
        campaign,
        member=district.member_a,
        state="published",
        deadline=TODAY - datetime.timedelta(1),
    )
    done = make_pledge(campaign, organization=district.branch_a, state="assessed")
    FinalVerdict.objects.create(pledge=done, result="fulfilled")
    make_pledge(campaign, member=district.member_b, state="draft")
    client.force_login(olivia)
    east = district.east.pk
    for query in ("", "&overdue=1", "&state=assessed"):
        listed = client.get(f"/pledges/org/{east}/list/?campaign={campaign.pk}{query}")
        ids = [p.pk for p, _late in listed.context["rows"]]
        rows = _csv(
            client.get(
                f"/dashboard/export/pledges/{east}/?campaign={campaign.pk}{query}&format=csv"
            )
        )
        assert len(rows) - 2 == len(ids), query
    rows = _csv(client.get(f"/dashboard/export/pledges/{east}/?campaign={campaign.pk}&format=csv"))
    by_owner = {row[0]: row for row in rows[2:]}
    assert by_owner["张三"][7] == "逾期" and by_owner["幸福社区党支部"][8] == "已兑现"
    assert late.pk and "李四" not in by_owner  # 西山镇's member is not 东城's
    menu = client.get(f"/dashboard/export/pledges/{east}/menu/?campaign={campaign.pk}&overdue=1")
    assert "overdue=1" in menu.content.decode()
    client.force_login(bob)
    assert (
        client.get(f"/dashboard/export/pledges/{east}/?campaign={campaign.pk}").status_code == 404
    )


def test_the_statistics_sheet_adds_up_to_the_organisation_with_its_own_row(
    client, district, campaign, olivia
):
    MemberFactory(branch=district.root)  # a member held by the district itself
    make_pledge(campaign, member=district.member_a, state="published")
    make_pledge(campaign, organization=district.east, state="published")
    client.force_login(olivia)
    url = f"/dashboard/export/statistics/?org={district.root.pk}&campaign={campaign.pk}"
    response = client.get(url + "&format=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = [c.value for c in sheet[2]]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert list(rows) == ["东城街道党工委", "西山镇党委", "本级", "合计"]
    whole = dashboard.figures(district.root, campaign, TODAY)
    members, pledged = header.index("党员数"), header.index("公开承诺党员")
    assert rows["合计"][members] == whole.coverage.members == 3
    assert rows["本级"][members] == 1
    assert sum(rows[name][members] for name in ("东城街道党工委", "西山镇党委", "本级")) == 3
    assert rows["合计"][pledged] == 1
    # Rates are recomputed from the summed counts, not averaged.
    rate = header.index("党员覆盖率%")
    assert rows["合计"][rate] == round(100 * 1 / 3, 1)


def test_the_ranking_export_lists_the_ranked_units(client, district, campaign, olivia):
    client.force_login(olivia)
    url = f"/dashboard/export/ranking/?org={district.root.pk}&campaign={campaign.pk}&format=csv"
    rows = _csv(client.get(url))
    assert rows[1][:3] == ["名次", "单位", "综合得分"]
    assert {row[1] for row in rows[2:]} == {"东城街道党工委", "西山镇党委"}


def test_the_statistics_sheet_prints_as_a_pdf_with_the_font_embedded(
    client, district, campaign, olivia
):
    from pypdf import PdfReader

    client.force_login(olivia)
    url = f"/dashboard/export/statistics/?org={district.root.pk}&campaign={campaign.pk}"
    response = client.get(url + "&format=pdf")
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = reader.pages[0].extract_text()
    assert "创先争优活动情况统计表" in text and "本级" in text and "合计" in text
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any("WenQuanYi" in name for name in fonts)


def test_the_campaign_report_is_a_job_whose_pdf_has_the_figures_and_the_font(
    client, district, campaign, olivia, bob
):
    from pypdf import PdfReader

    from core.models import Job, JobState
    from oversight import services

    make_pledge(campaign, member=district.member_a, state="published")
    client.force_login(olivia)
    url = f"/dashboard/report/?org={district.root.pk}&campaign={campaign.pk}"
    assert client.get(url).status_code == 405  # a write: started by a POST
    response = client.post(url)
    job = Job.objects.get(kind="oversight.report")
    assert response["Location"] == f"/jobs/{job.pk}/"
    services.run_report_job(job.pk)
    job.refresh_from_db()
    assert job.state == JobState.DONE
    pdf = b"".join(client.get(job.result["next_url"]).streaming_content)
    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "某某区委创先争优活动总结报告" in text and "下级单位排名" in text
    assert "东城街道党工委" in text and "第 1 页" in text
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any("WenQuanYi" in name for name in fonts)
    client.force_login(bob)
    assert client.post(url).status_code == 404
    assert client.get(job.result["next_url"]).status_code == 404


def test_markup_in_names_and_texts_prints_as_text_in_the_pdfs(client, district, campaign, olivia):
    """ReportLab reads a paragraph as markup: a name with < > & must print as typed, not break
    the PDF or change its look."""
    from pypdf import PdfReader

    from core.models import Job
    from oversight import services
    from reviews import services as review_services

    from ..conftest import _persona

    district.branch_a.name = "幸福<b>社区</b> & <font size=40>党支部"
    district.branch_a.save()
    tess = _persona("tess", district.east, "secretary")
    review_services.register_rectification(
        district.branch_a,
        by=tess,
        problem="<script>alert(1)</script> 台账不全",
        responsible_person="书记",
        deadline=TODAY + datetime.timedelta(days=5),
    )
    client.force_login(olivia)
    url = f"/dashboard/export/statistics/?org={district.east.pk}&campaign={campaign.pk}&format=pdf"
    text = PdfReader(io.BytesIO(client.get(url).content)).pages[0].extract_text()
    # (a line break in a cell reads back as a line feed where the space was)
    assert "幸福<b>社区</b> & <font size=40>党支部" in text.replace("\n", " ")
    client.post(f"/dashboard/report/?org={district.east.pk}&campaign={campaign.pk}")
    job = Job.objects.get(kind="oversight.report")
    services.run_report_job(job.pk)
    job.refresh_from_db()
    pdf = b"".join(client.get(job.result["next_url"]).streaming_content)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace("\n", " ")
    assert "<script>alert(1)</script> 台账不全" in text
