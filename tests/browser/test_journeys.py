"""Issue 16, point 4: three journeys in a real browser, driven by the labels a user reads, each
step's screen kept as a PNG under VAR_DIR/journeys/<journey>/ (CI keeps them as artifacts).

1. A branch secretary on a 375×812 phone adds a new member, takes the member's pledge from
   调研承诺 through every step to 已公开, records its 践诺 with a photo, and finds it on the
   public board.
2. A member of the public scans a 群众评议 slip, answers on a phone, and cannot answer twice with
   the same code: neither from a second tab opened before the first answer was sent, nor by
   typing the code on the slip's printed address afterwards.
3. The district office opens the dashboard, drills down to a branch, exports its pledges as a
   job run by a real worker through the broker, and opens the XLSX the browser downloads.
"""

import datetime
import io
import re
from html import escape
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.test import override_settings
from openpyxl import load_workbook
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from core import tasks
from core.models import ExportRecord, Job, JobState
from orgs.models import Member, RoleKind
from pledges.models import EventKind, Pledge, PledgeProgress, PledgeState
from reviews import evaluations
from reviews.ballot_slips import BallotSlip, slips_pdf
from reviews.models import Answer, UnusedCode

from ..conftest import _persona
from ..factories import MemberFactory, make_campaign, make_pledge

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
S = PledgeState


class Shots:
    """Numbered screenshots of one journey: VAR_DIR/journeys/<name>/NN-<step>.png, the folder
    emptied first so that it holds this run's steps only."""

    def __init__(self, name: str):
        self.folder = Path(settings.VAR_DIR) / "journeys" / name
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.taken: list[Path] = []

    def __call__(self, page, step: str) -> Path:
        path = self.folder / f"{len(self.taken) + 1:02d}-{step}.png"
        page.screenshot(path=path, full_page=True)
        self.taken.append(path)
        return path


def _sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("登录名或手机号码").fill(username)
    page.get_by_label("密码").fill("password")


def _photo(path: Path) -> Path:
    """A small real JPEG: a sky, a house and its door, as a phone would take of a visit."""
    image = Image.new("RGB", (640, 480), (135, 190, 235))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 330, 640, 480), fill=(90, 160, 80))
    draw.rectangle((220, 200, 420, 360), fill=(200, 60, 50))
    draw.rectangle((295, 280, 345, 360), fill=(80, 50, 30))
    image.save(path, "JPEG", quality=85)
    return path


# --- 1. A branch secretary on a phone -----------------------------------------------------------


def test_a_secretary_takes_a_new_members_pledge_to_the_board_with_a_photo(
    phone_812, live_server, district, alice, tmp_path
):
    page, shot = phone_812, Shots("secretary")
    campaign = make_campaign(district.root, name="二〇二六年创先争优活动")
    deadline = (datetime.date.today() + datetime.timedelta(days=60)).isoformat()
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))

    _sign_in(page, live_server, "alice")
    shot(page, "login")
    page.get_by_role("button", name="登录").tap()
    expect(page.get_by_role("link", name="本支部")).to_be_visible()
    shot(page, "home")

    # A new member joins the branch: added to the roster from the phone's menu.
    page.get_by_role("button", name="切换导航").tap()
    page.get_by_role("link", name="党员名册").tap()
    expect(page.get_by_role("heading", name="幸福社区党支部 · 党员名册")).to_be_visible()
    expect(page.get_by_text("共 1 人")).to_be_visible()
    page.get_by_role("link", name="添加党员").tap()
    expect(page.get_by_role("heading", name="添加党员到“幸福社区党支部”")).to_be_visible()
    page.get_by_label("姓名").fill("王小明")
    page.get_by_label("性别").select_option(label="女")
    page.get_by_label("出生日期").fill("1992-03-15")
    page.get_by_label("入党时间").fill("2021-07-01")
    page.get_by_label("岗位类别").select_option(label="社区党员")
    page.get_by_label("联系电话").fill("13912345678")
    shot(page, "new-member")
    page.get_by_role("button", name="保存", exact=True).tap()
    expect(page.get_by_text("已添加党员“王小明”。")).to_be_visible()
    expect(page.get_by_text("共 2 人")).to_be_visible()
    shot(page, "roster")
    member = Member.objects.get(name="王小明")
    assert (member.branch, member.gender, member.phone) == (district.branch_a, "F", "13912345678")

    # The branch page: the new member has no pledge yet; the secretary enters it (调研承诺).
    page.get_by_role("link", name="本支部").tap()
    row = page.locator("li.sheet-row", has_text="王小明")
    expect(row.get_by_text("未承诺")).to_be_visible()
    shot(page, "branch-missing")
    row.get_by_role("link", name="录入承诺").tap()
    title = "每月走访一户困难群众"
    page.get_by_label("承诺事项").fill(title)
    page.get_by_label("承诺内容").fill("每月到结对户家中走访一次，年底前帮助解决一件实际困难。")
    page.get_by_label("完成时限").fill(deadline)
    page.get_by_label("服务群众").check()
    shot(page, "pledge-form")
    page.get_by_role("button", name="保存", exact=True).tap()
    expect(page.get_by_text("已录入“王小明”的承诺。")).to_be_visible()
    expect(row.get_by_text("调研承诺")).to_be_visible()
    shot(page, "branch-draft")
    pledge = Pledge.objects.get(member=member)
    assert (pledge.state, pledge.title, pledge.campaign) == (S.DRAFT, title, campaign)

    # Every step on the pledge's own page, its state shown after each.
    row.get_by_role("link", name=title).tap()
    state = page.locator(".card-body .badge[class*=state-]").first
    expect(state).to_have_text("调研承诺")
    shot(page, "pledge-draft")
    for button, done, shown, reached in (
        ("提交审核", "已提交审核。", "待审诺", S.SUBMITTED),
        ("审核通过", "已审核通过。", "已审诺", S.APPROVED),
        ("签约", "已签约。", "已签约", S.SIGNED),
        ("公开", "已公开。", "已公开", S.PUBLISHED),
    ):
        if button == "签约":
            page.get_by_label("签约人").fill("支部书记、党员王小明")
        page.get_by_role("button", name=button, exact=True).tap()
        expect(page.get_by_text(done, exact=True)).to_be_visible()
        expect(state).to_have_text(shown)
        assert Pledge.objects.get(pk=pledge.pk).state == reached
        shot(page, f"pledge-{reached}")
    # 签约 and 公开 cannot be undone: the page asked first.
    assert asked == [
        "签约后承诺内容即固定，不能撤回。确认签约？",
        "公开后承诺将显示在公开栏，不能撤回。确认公开？",
    ]
    pledge.refresh_from_db()
    assert pledge.state == S.PUBLISHED
    assert (pledge.signed_by, pledge.signed_on) == ("支部书记、党员王小明", datetime.date.today())
    transitions = pledge.events.filter(kind=EventKind.TRANSITION).order_by("at", "pk")
    assert [(e.from_state, e.to_state, e.actor) for e in transitions] == [
        (S.DRAFT, S.SUBMITTED, alice),
        (S.SUBMITTED, S.APPROVED, alice),
        (S.APPROVED, S.SIGNED, alice),
        (S.SIGNED, S.PUBLISHED, alice),
    ]

    # 践诺 with a photo taken on the visit.
    photo = _photo(tmp_path / "走访照片.jpg")
    page.get_by_label("践诺情况").fill("三月走访了李大爷家，帮助修好了漏水的水管。")
    page.get_by_label("附件（可选）").set_input_files(str(photo))
    shot(page, "progress-form")
    page.get_by_role("button", name="记录践诺情况").tap()
    expect(page.get_by_text("已记录践诺情况。")).to_be_visible()
    expect(state).to_have_text("践诺中")
    record_item = page.locator(".list-group-item", has_text="帮助修好了漏水的水管")
    expect(record_item.get_by_role("link", name="走访照片.jpg")).to_be_visible()
    shot(page, "progress-recorded")
    record = PledgeProgress.objects.get(pledge=pledge)
    assert (record.attachment_type, record.attachment_name) == ("image/jpeg", "走访照片.jpg")
    assert record.attachment.read() == photo.read_bytes()  # small enough to go as taken
    href = record_item.get_by_role("link", name="走访照片.jpg").get_attribute("href")
    served = page.request.get(live_server.url + href)
    assert served.ok and served.body() == photo.read_bytes()

    # The public board, opened from the branch page as the secretary shares it.
    page.get_by_role("link", name="返回幸福社区党支部公开承诺").tap()
    expect(row.get_by_text("践诺中")).to_be_visible()
    with page.context.expect_page() as opened:
        page.get_by_role("link", name="公开栏").tap()
    board = opened.value
    board.wait_for_load_state()
    expect(board.get_by_role("heading", name="幸福社区党支部")).to_be_visible()
    card = board.locator("article", has=board.get_by_role("heading", name="王小明"))
    expect(card.get_by_role("heading", name=title)).to_be_visible()
    expect(card.get_by_text("践诺中")).to_be_visible()
    expect(
        card.get_by_text("三月走访了李大爷家，帮助修好了漏水的水管。", exact=False)
    ).to_be_visible()
    assert board.locator("article").count() == 1  # 张三 has made no pledge: not on the board
    assert board.evaluate("document.documentElement.scrollWidth") <= 375
    shot(board, "public-board")


# --- 2. A member of the public answers a 群众评议 ------------------------------------------------


def _slip_of_one_code(live_server, district):
    """A 群众评议 of branch A opened by the town above it, one code issued for 服务对象, and its
    printed slip (as the town's page makes it): the QR's link and the printed address and code."""
    campaign = make_campaign(district.root)
    town = _persona("town", district.east, RoleKind.SECRETARY, first_name="街道书记")
    today = datetime.date.today()
    round_ = evaluations.create_round(
        district.branch_a,
        campaign,
        by=town,
        title="二〇二六年上半年群众评议",
        starts_on=today,
        ends_on=today + datetime.timedelta(days=14),
    )
    round_ = evaluations.open_round(round_, by=town)
    (code,) = evaluations.issue_codes(round_, by=town, group="served", count=1)
    pdf = pdfium.PdfDocument(
        slips_pdf(
            round_.organization.name,
            round_.title,
            f"{live_server.url}/e/",
            [BallotSlip(code, "服务对象")],
        )
    )
    picture = pdf[0].render(scale=150 / 72).to_pil()
    (qr,) = zxingcpp.read_barcodes(picture)
    text = pdf[0].get_textpage().get_text_range()
    return round_, code, qr.text, text, picture


def test_a_member_of_the_public_answers_once_and_is_refused_the_second_time(
    browser, phone_812, live_server, district
):
    page, shot = phone_812, Shots("evaluation")
    round_, code, link, printed, picture = _slip_of_one_code(live_server, district)
    slip_png = shot.folder / "01-slip.png"
    picture.crop((0, 0, picture.width, picture.height // 4)).save(slip_png)
    shot.taken.append(slip_png)
    # The slip: the QR holds the address with the code in its fragment; the text the same two.
    assert link == f"{live_server.url}/e/#{code}"
    assert "群众评议表" in printed and f"{live_server.url}/e/" in printed and code in printed
    assert "幸福社区党支部" in printed and "参评类别：服务对象" in printed

    # Scanned: the code-entry page has the code from the fragment, which left the address bar.
    page.goto(link)
    code_box = page.get_by_label("评议码")
    expect(code_box).to_have_value(code)
    assert page.url == f"{live_server.url}/e/" and code not in page.url
    shot(page, "code-entry")
    page.get_by_role("button", name="开始评议").tap()
    expect(page.get_by_text("幸福社区党支部 · 二〇二六年上半年群众评议")).to_be_visible()
    items = page.locator("fieldset legend")
    assert items.all_inner_texts() == [
        "1. 服务群众",
        "2. 履行承诺",
        "3. 工作作风",
        "4. 廉洁自律",
        "5. 总体评价",
    ]
    assert code not in page.url
    shot(page, "ballot")

    # The same code opened in a second tab before the first answer is sent.
    second = page.context.new_page()
    second.goto(f"{live_server.url}/e/")
    second.get_by_label("评议码").fill(code.lower())  # typed as it comes, in small letters
    second.get_by_role("button", name="开始评议").tap()
    expect(second.locator("fieldset legend")).to_have_count(5)

    # Answered in the first tab: 满意 everywhere but 工作作风 (基本满意), and a suggestion.
    for index in range(5):
        choice = "基本满意" if index == 2 else "满意"
        page.locator("fieldset").nth(index).get_by_text(choice, exact=True).tap()
    page.get_by_label("意见建议（可选）").fill("希望多组织一些为老人服务的活动。")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot(page, "ballot-answered")
    page.get_by_role("button", name="提交评议").tap()
    expect(page.get_by_text("已提交，感谢您参加群众评议！")).to_be_visible()
    shot(page, "thanks")
    answer = Answer.objects.get()
    assert (answer.round_id, answer.group) == (round_.pk, "served")
    assert answer.choices == {
        "服务群众": "satisfied",
        "履行承诺": "satisfied",
        "工作作风": "basic",
        "廉洁自律": "satisfied",
        "总体评价": "satisfied",
    }
    assert answer.comment == "希望多组织一些为老人服务的活动。"
    assert not UnusedCode.objects.exists()

    # The second tab's ballot, sent after: refused with the reason, back at the code, nothing
    # counted.
    for index in range(5):
        second.locator("fieldset").nth(index).get_by_text("不满意", exact=True).tap()
    second.get_by_role("button", name="提交评议").tap()
    refusal = second.get_by_role("alert")
    expect(refusal).to_have_text("该评议码已经使用过，每个评议码只能提交一次。")
    expect(second.get_by_role("button", name="开始评议")).to_be_visible()
    expect(second.locator("fieldset")).to_have_count(0)
    shot(second, "second-tab-refused")
    second.close()

    # Later, on another phone, the code typed at the address printed on the slip: refused at once.
    other = browser.new_context(
        viewport={"width": 375, "height": 812}, locale="zh-CN", has_touch=True, is_mobile=True
    ).new_page()
    other.goto(f"{live_server.url}/e/")
    expect(other.get_by_label("评议码")).to_have_value("")
    other.get_by_label("评议码").fill(code)
    other.get_by_role("button", name="开始评议").tap()
    expect(other.get_by_role("alert")).to_have_text("该评议码已经使用过，每个评议码只能提交一次。")
    expect(other.get_by_role("button", name="提交评议")).to_have_count(0)
    shot(other, "typed-again-refused")
    other.context.close()
    assert Answer.objects.count() == 1


# --- 3. The district office -------------------------------------------------------------------


@pytest.fixture
def jobs_worker(worker_app, monkeypatch):
    """A real worker on the jobs queue of the test's own broker (a file of its own locally,
    Redis in CI), started when the test says so; the export job the live server enqueues is sent
    through it, so a developer's running worker never takes the test's job."""
    name = tasks.export_job_task.name  # a shared task: the test's app has it too
    monkeypatch.setattr(
        tasks.export_job_task, "delay", lambda *args: worker_app.tasks[name].delay(*args)
    )
    return lambda: start_worker(
        worker_app, pool="solo", queues=["jobs"], perform_ping_check=False, shutdown_timeout=30
    )


def _district_with_pledges(district):
    campaign = make_campaign(district.root, name="二〇二六年创先争优活动")
    a = district.branch_a
    make_pledge(campaign, member=district.member_a, state=S.PUBLISHED, title="每周清扫楼道一次")
    wang = MemberFactory(branch=a, name="王五")
    make_pledge(campaign, member=wang, state=S.FULFILLING, title="帮扶一户困难家庭")
    make_pledge(campaign, organization=a, state=S.PUBLISHED, title="建好社区党员服务站")
    make_pledge(campaign, member=district.member_b, state=S.SUBMITTED, title="带头发展庭院经济")
    return campaign


@override_settings(EXPORT_INLINE_ROWS=2)
def test_the_district_office_drills_down_and_opens_an_exported_workbook(
    office_desktop, live_server, district, olivia, jobs_worker
):
    page, shot = office_desktop, Shots("district-office")
    _district_with_pledges(district)

    _sign_in(page, live_server, "olivia")
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="看板").click()
    expect(page.get_by_role("heading", name="某某区委 · 工作看板")).to_be_visible()
    units = page.locator("table.dashboard-units tbody tr")
    expect(units).to_have_count(2)
    east = units.filter(has=page.get_by_role("link", name="东城街道党工委"))
    west = units.filter(has=page.get_by_role("link", name="西山镇党委"))
    # 党员承诺率: both of 东城's members have a public pledge, 西山's one is still in review.
    expect(east.locator("td").nth(1)).to_have_text("100.0%2/2")
    expect(west.locator("td").nth(1)).to_have_text("0.0%0/1")
    page.wait_for_function("Object.keys(Chart.instances).length == 2")
    shot(page, "district")

    east.get_by_role("link", name="东城街道党工委").click()
    expect(page.get_by_role("heading", name="东城街道党工委 · 工作看板")).to_be_visible()
    expect(page.get_by_role("link", name="上一级：某某区委")).to_be_visible()
    expect(units).to_have_count(2)
    branch = units.filter(has=page.get_by_role("link", name="幸福社区党支部"))
    expect(branch.locator("td").first).to_have_text("100.0%1/1")  # its own pledge
    shot(page, "town")

    branch.get_by_role("link", name="幸福社区党支部").click()
    expect(page.get_by_role("heading", name="幸福社区党支部 · 工作看板")).to_be_visible()
    expect(page.get_by_text("该组织没有下级单位。")).to_be_visible()
    tile = page.locator(".dashboard-tile", has_text="践诺率（已完成/已公开）")
    expect(tile).to_contain_text("0/3 项")
    shot(page, "branch")

    # Its pledges, exported: three rows, more than the page makes at once, so a job.
    tile.click()
    expect(page.get_by_role("heading", name="幸福社区党支部 · 承诺清单")).to_be_visible()
    expect(page.get_by_text("共 3 项")).to_be_visible()
    shot(page, "pledge-list")
    page.get_by_role("button", name="导出").click()  # name: its icon and 导出
    page.get_by_role("link", name="Excel 表格（.xlsx）").click()
    expect(page.get_by_role("heading", name="导出：承诺清单")).to_be_visible()
    expect(page.get_by_text("排队等待处理…")).to_be_visible()
    job = Job.objects.get()
    assert (job.state, job.owner, job.kind) == (JobState.QUEUED, olivia, "export.oversight.pledges")
    shot(page, "job-queued")

    # The worker takes it from the broker; the page, polling, offers the file.
    with jobs_worker():
        expect(page.get_by_role("link", name="下载文件")).to_be_visible(timeout=60000)
    expect(page.get_by_text("已导出 3 行。")).to_be_visible()
    shot(page, "job-done")
    with page.expect_download() as downloading:
        page.get_by_role("link", name="下载文件").click()
    download = downloading.value
    assert re.fullmatch(r"承诺清单-\d{8}-\d{4}\.xlsx", download.suggested_filename)
    sheet = load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0].startswith(
        "幸福社区党支部公开承诺清单（二〇二六年创先争优活动；全部）导出于 "
    )
    assert rows[1][:4] == ["承诺人", "类型", "所在党组织", "承诺事项"]
    by_owner = {row[0]: row for row in rows[2:]}
    assert set(by_owner) == {"张三", "王五", "幸福社区党支部"}  # not 李四 of another branch
    assert by_owner["王五"][1:4] == ["党员", "幸福社区党支部", "帮扶一户困难家庭"]
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", by_owner["王五"][5])  # 完成时限
    assert by_owner["王五"][6] == "践诺中"
    assert by_owner["幸福社区党支部"][1:4] == ["党组织", "幸福社区党支部", "建好社区党员服务站"]
    record = ExportRecord.objects.get()
    assert (record.job_id, record.rows, record.owner, record.format) == (job.pk, 3, olivia, "xlsx")
    job.refresh_from_db()
    assert (job.state, job.progress) == (JobState.DONE, 100)
    # What the workbook held, drawn as a table for the record of the run (the last picture).
    sheet_view = page.context.new_page()
    cells = ["".join(f"<td>{escape(str(v or ''))}</td>" for v in row[:7]) for row in rows[1:]]
    sheet_view.set_content(
        f"<table border=1 cellpadding=4><tr><th colspan=7>{escape(rows[0][0])}</th></tr>"
        + "".join(f"<tr>{row}</tr>" for row in cells)
        + "</table>"
    )
    shot(sheet_view, "workbook")
