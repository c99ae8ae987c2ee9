"""Pledge quality hints (pledges.quality): near-identical pledges of one branch and pledges with
nothing measurable, shown to the branch's secretary and to the reviewer above — never a block."""

from dataclasses import dataclass

import pytest

from pledges import quality

from ..factories import MemberFactory, make_pledge

# The factories' default pledge text: measurable (每月, 一次, 年底, 一件).
DEFAULT_CONTENT = "每月走访困难群众一次，年底前帮助解决一件实际困难。"
VAGUE = "服务群众，爱岗敬业"
NOT_MEASURABLE = str(quality.NOT_MEASURABLE)


@dataclass
class Text:
    """What hints_for reads of a pledge."""

    pk: int
    title: str
    content: str
    owner_name: str


def _near(name: str) -> str:
    return str(quality.NEAR_IDENTICAL % {"name": name})


# --- Near-identical ------------------------------------------------------------------------------


def test_near_identical_pledges_of_a_branch_name_each_other(district, campaign):
    wang = MemberFactory(branch=district.branch_a, name="王五")
    first = make_pledge(campaign, member=district.member_a)
    # One character changed: still a copy.
    second = make_pledge(campaign, member=wang, content=DEFAULT_CONTENT.replace("一次", "两次"))
    different = make_pledge(
        campaign,
        organization=district.branch_a,
        title="清理小区楼道",
        content="每季度组织党员志愿者清理小区楼道杂物两次。",
    )
    hints = quality.hints_for([first, second, different])
    assert hints.of(first.pk) == [_near("王五")]
    assert hints.of(second.pk) == [_near("张三")]
    assert hints.of(different.pk) == []
    assert hints.count == 2


def test_different_pledges_are_not_flagged():
    texts = [
        Text(1, "为群众办一件实事", DEFAULT_CONTENT, "张三"),
        Text(2, "清理小区楼道", "每季度组织党员志愿者清理小区楼道杂物两次。", "李四"),
        Text(3, "结对帮扶", "结对帮扶两户困难家庭，年内帮助其增收。", "王五"),
    ]
    hints = quality.hints_for(texts)
    assert hints.by_pledge == {} and hints.count == 0


def test_identical_texts_by_simple_objects_are_flagged_with_the_other_owner():
    texts = [
        Text(10, "为群众办一件实事", DEFAULT_CONTENT, "张三"),
        Text(11, "为群众办一件实事", DEFAULT_CONTENT, "幸福社区党支部"),
    ]
    hints = quality.hints_for(texts)
    assert hints.of(10) == [_near("幸福社区党支部")]
    assert hints.of(11) == [_near("张三")]


def test_short_texts_are_not_compared():
    # Shorter than MIN_LENGTH: the same few words say too little to call them copies.
    texts = [
        Text(1, "走访3户", "", "张三"),
        Text(2, "走访3户", "", "李四"),
        Text(3, "每月2次", "", "王五"),
        Text(4, "为群众办一件实事", DEFAULT_CONTENT, "赵六"),
    ]
    assert all(len(quality.text_of(t)) < quality.MIN_LENGTH for t in texts[:3])
    hints = quality.hints_for(texts)
    assert hints.by_pledge == {}


def test_one_pledge_alone_is_only_checked_for_being_measurable():
    assert quality.hints_for([Text(1, "为群众办一件实事", DEFAULT_CONTENT, "张三")]).count == 0
    assert quality.hints_for([Text(2, "爱岗敬业", VAGUE, "张三")]).of(2) == [NOT_MEASURABLE]
    assert quality.hints_for([]).count == 0


# --- Measurable ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "每月走访困难群众2户",
        "为群众办实事5件",
        "走访困难党员三次",
        "结对帮扶两户困难家庭",
        "每月参加志愿服务",
        "每周到社区报到",
        "年底前完成村道硬化",
        "上半年完成党费收缴",
        "3月前整理党员档案",
        DEFAULT_CONTENT,
    ],
)
def test_measurable_texts_pass(text):
    assert quality.measurable(text)
    assert quality.hints_for([Text(1, "承诺", text, "张三")]).of(1) == []


@pytest.mark.parametrize(
    "text",
    [
        VAGUE,
        "带头遵章守纪",
        "发挥先锋模范作用，树立良好形象",
        "团结同志，勤奋工作",
    ],
)
def test_vague_texts_are_flagged(text):
    assert not quality.measurable(text)
    assert quality.hints_for([Text(1, "承诺", text, "张三")]).of(1) == [NOT_MEASURABLE]


@pytest.mark.parametrize(
    "text", ["与群众一起，服务群众", "始终同群众想在一起、干在一起", "做一名合格的共产党员"]
)
def test_set_phrases_with_a_numeral_are_not_counts(text):
    assert not quality.measurable(text)


# --- On the pages --------------------------------------------------------------------------------


def _vague_own_and_measurable_member_pledge(district, campaign):
    """The branch's own pledge, vague and too short to compare, and its member's, measurable:
    one text to compare, so the near-identical rule has nothing to do."""
    own = make_pledge(
        campaign, organization=district.branch_a, title="守纪", content="带头", state="published"
    )
    member = make_pledge(campaign, member=district.member_a, state="published")
    return own, member


def test_the_branch_page_shows_the_hint_to_its_secretary(client, district, campaign, alice):
    own, member = _vague_own_and_measurable_member_pledge(district, campaign)
    client.force_login(alice)
    response = client.get(f"/pledges/org/{district.branch_a.pk}/?campaign={campaign.pk}")
    assert response.status_code == 200
    assert NOT_MEASURABLE in response.content.decode()
    sheet = response.context["sheet"]
    assert sheet.own.hints == [NOT_MEASURABLE]
    assert [row.hints for row in sheet.rows if row.pledge == member] == [[]]


def test_the_review_form_shows_the_hint_to_the_reviewer(client, district, campaign, tess):
    own, member = _vague_own_and_measurable_member_pledge(district, campaign)
    client.force_login(tess)
    response = client.get(f"/reviews/new/?org={district.branch_a.pk}")
    assert response.status_code == 200
    assert NOT_MEASURABLE in response.content.decode()
    by_pledge = {
        choice.data["value"].value: hints for choice, hints in response.context["pledge_choices"]
    }
    assert by_pledge == {own.pk: [NOT_MEASURABLE], member.pk: []}


def _copied_pledges(district, campaign):
    """Branch A's own pledge and its member's with the same text; branch B's member too, which
    is another branch's and never named on branch A's pages."""
    make_pledge(campaign, organization=district.branch_a, state="published")
    make_pledge(campaign, member=district.member_a, state="published")
    make_pledge(campaign, member=district.member_b, state="published")


def test_the_branch_page_names_the_copied_pledges_owner(client, district, campaign, alice):
    _copied_pledges(district, campaign)
    client.force_login(alice)
    page = client.get(f"/pledges/org/{district.branch_a.pk}/?campaign={campaign.pk}")
    content = page.content.decode()
    assert _near("张三") in content and _near("幸福社区党支部") in content
    assert "李四" not in content


def test_the_review_form_names_the_copied_pledges_owner(client, district, campaign, tess):
    _copied_pledges(district, campaign)
    client.force_login(tess)
    content = client.get(f"/reviews/new/?org={district.branch_a.pk}").content.decode()
    assert _near("张三") in content and _near("幸福社区党支部") in content
    assert "李四" not in content
