import datetime
import io

from pypdf import PdfReader

from pledges import poster
from pledges.poster import FONT_NAME, FONT_PATH, board_poster_pdf

TODAY = datetime.date(2025, 7, 1)
URL = "https://pledge.example.gov.cn/pledges/board/12/?campaign=3"


def make_pledge(n=1, **fields):
    pledge = {
        "owner": "张三",
        "title": f"为社区老人代购药品第{n}件",
        "content": "每周二、周五到独居老人家中了解需要，代购药品并送上门。",
        "deadline": datetime.date(2025, 12, 31),
        "state_label": "践诺中",
        "latest_progress": "",
        "overdue": False,
    }
    pledge.update(fields)
    return pledge


def render(pledges, org_name="城关镇第一社区党委", board_url=URL):
    return board_poster_pdf(org_name, "2025年度创先争优公开承诺", board_url, pledges, TODAY)


def read(data):
    return PdfReader(io.BytesIO(data))


def page_text(data, index=0):
    return read(data).pages[index].extract_text()


def test_it_returns_a_pdf():
    data = render([make_pledge()])

    assert data.startswith(b"%PDF")


def test_it_writes_chinese_as_extractable_text():
    data = render([make_pledge(latest_progress="已送药 6 次。")])

    text = page_text(data)
    assert "公开承诺栏" in text
    assert "城关镇第一社区党委" in text
    assert "2025年度创先争优公开承诺" in text
    assert "为社区老人代购药品第1件" in text
    assert "已送药 6 次。" in text
    assert "2025-12-31" in text
    assert "扫码查看全文和最新进展" in text


def test_it_embeds_a_subset_of_the_shipped_font_and_no_other():
    page = read(render([make_pledge(), make_pledge(2, organization=True)])).pages[0]

    fonts = [ref.get_object() for ref in page["/Resources"]["/Font"].values()]
    assert fonts
    for font in fonts:
        # "ABCDEF+Name" is how PDF names a subset; FontFile2 holds the embedded TrueType data.
        tag, _, name = font["/BaseFont"][1:].partition("+")
        assert len(tag) == 6
        assert name.startswith(FONT_NAME)
        assert "/FontFile2" in font["/FontDescriptor"]
        assert "/ToUnicode" in font


def test_it_ships_the_font_with_its_licence():
    folder = FONT_PATH.parent

    assert FONT_PATH.is_file()
    assert (folder / "LICENSE-Apache-2.0.txt").is_file()
    assert "fonts-wqy-microhei" in (folder / "README.md").read_text()


def test_it_continues_a_long_board_over_pages_with_a_running_head():
    data = render([make_pledge(n, owner=f"党员{n}") for n in range(1, 61)])

    reader = read(data)
    assert len(reader.pages) > 1
    second = reader.pages[1].extract_text()
    assert "城关镇第一社区党委 公开承诺栏（续）" in second
    assert f"第 2 页 / 共 {len(reader.pages)} 页" in second
    last = reader.pages[-1].extract_text()
    assert "为社区老人代购药品第60件" in last


def test_it_numbers_pages_and_dates_the_poster():
    text = page_text(render([make_pledge()]))

    assert "第 1 页 / 共 1 页" in text
    assert "生成日期：2025-07-01" in text


def test_it_marks_only_overdue_pledges():
    assert "已逾期" not in page_text(render([make_pledge()]))
    assert "已逾期" in page_text(render([make_pledge(overdue=True)]))
    assert "（已逾期）" in page_text(render([make_pledge(overdue=True, organization=True)]))


def test_it_says_so_when_there_is_no_pledge():
    text = page_text(render([]))

    assert "暂无公开的承诺。" in text
    assert "承诺人" not in text


def test_it_prints_markup_in_user_text_literally():
    text = page_text(render([make_pledge(title="A&B <b>加粗</b>")], org_name="<社区> & 党委"))

    assert "A&B <b>加粗</b>" in text
    assert "<社区> & 党委" in text


def test_it_shortens_very_long_text_instead_of_failing():
    huge = make_pledge(owner="某" * 500, content="很长的内容\n" * 2000, latest_progress="进" * 900)

    data = render([huge] * 3)

    assert data.startswith(b"%PDF")
    assert "…" in page_text(data)


def test_it_puts_the_board_url_in_the_qr_code(monkeypatch):
    encoded = []
    widget = poster.QrCodeWidget

    def spy(value, **kw):
        encoded.append(value)
        return widget(value, **kw)

    monkeypatch.setattr(poster, "QrCodeWidget", spy)
    long_url = URL + "&next=" + "x" * 500

    data = render([make_pledge()], board_url=long_url)

    assert encoded == [long_url]
    assert data.startswith(b"%PDF")


def test_it_gives_the_same_bytes_for_the_same_board():
    pledges = [make_pledge(n) for n in range(1, 4)]

    assert render(pledges) == render(pledges)


# --- The look of a 公开栏 (issue 9, point 10) ------------------------------------------------

# A wordy pledge at every limit, in a branch of 40 members: the worst case for the grid.
WORDY = {
    "title": "每月走访一户困难群众，帮助解决一件实际困难（包括就医、就学、就业）等事项，年底前总结",
    "content": "每周二、周五到独居老人家中了解需要，代购药品并送上门；每月组织一次义务理发。" * 6,
    "latest_progress": "已送药 6 次，理发两次，走访困难群众十五户，解决实际问题三件。" * 3,
}


def branch_of(members: int) -> list[dict]:
    own = make_pledge(0, owner="城关镇第一社区党委", organization=True, **WORDY)
    return [own] + [
        make_pledge(n, owner=f"党员{n:02d}欧阳某某", **WORDY) for n in range(1, members + 1)
    ]


def test_a_branch_of_40_members_fits_on_two_pages_numbered_of_two():
    reader = read(render(branch_of(40)))

    assert len(reader.pages) <= 2
    text = "".join(page.extract_text() for page in reader.pages)
    for n in range(1, 41):
        assert f"党员{n:02d}欧阳某某" in text
    assert f"第 1 页 / 共 {len(reader.pages)} 页" in reader.pages[0].extract_text()


def test_it_puts_the_organisations_pledge_first_then_the_members():
    pledges = [make_pledge(1, owner="张三"), make_pledge(2, owner="本支部", organization=True)]

    text = page_text(render(pledges))

    assert text.index("党组织承诺") < text.index("第2件") < text.index("党员承诺（1 人）")
    assert text.index("党员承诺（1 人）") < text.index("张三")


def test_no_line_starts_with_closing_punctuation_or_ends_with_an_opening_one():
    # Punctuation at every position, so that greedy breaking would put some at a line's start.
    texts = ["一二三，四五。六七、八九；十：甲？乙！丙）丁（戊" * 12, "（注）" * 40, "中文，" * 80]
    pledges = [make_pledge(0, organization=True, content=texts[0], latest_progress=texts[2])]
    pledges += [
        make_pledge(n, owner=f"党员{n}", title=texts[n % 3], content=texts[(n + 1) % 3])
        for n in range(1, 13)
    ]

    reader = read(render(pledges))

    lines = [line for page in reader.pages for line in page.extract_text().splitlines()]
    assert len(lines) > 60
    offending = [line for line in lines if line.strip() and line.strip()[0] in "，。、；：？！）"]
    assert offending == []
    assert [line for line in lines if line.rstrip().endswith("（")] == []
