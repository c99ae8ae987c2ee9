"""评诺: the final verdict's rule (reviews.verdicts), the four verdicts on a completed pledge, who
gives which, and the pledge page's part that shows them."""

import itertools

import pytest
from django.core.exceptions import ValidationError

from pledges.models import PledgeEvent
from reviews import services
from reviews.models import FinalVerdict, Verdict
from reviews.verdicts import RULE, final_result, lower

from ..factories import make_pledge

KINDS = ("self", "organization", "leader", "public")
RESULTS = ("fulfilled", "mostly", "unfulfilled")
# Each kind absent (None) or one of the three results: 4 ** 4 combinations.
COMBINATIONS = list(itertools.product((None, *RESULTS), repeat=len(KINDS)))
BADNESS = {"fulfilled": 1, "mostly": 2, "unfulfilled": 3}


def expected_final(results: dict[str, str]) -> str | None:
    """Written apart from the app: nothing before both 自评 and 组织评, then the worst given."""
    if "self" not in results or "organization" not in results:
        return None
    worst = "fulfilled"
    for result in results.values():
        if BADNESS[result] > BADNESS[worst]:
            worst = result
    return worst


def test_the_combinations_are_all_there():
    assert len(COMBINATIONS) == 256 == len(set(COMBINATIONS))


@pytest.mark.parametrize(
    "combination", COMBINATIONS, ids=lambda c: "-".join(r or "none" for r in c)
)
def test_the_final_verdict_rule(combination):
    results = {kind: r for kind, r in zip(KINDS, combination, strict=True) if r is not None}
    assert final_result(results) == expected_final(results)


@pytest.mark.parametrize("current, new", list(itertools.product(RESULTS, repeat=2)))
def test_lower_takes_the_worse(current, new):
    assert lower(current, new) == max(current, new, key=BADNESS.get)


# --- Giving verdicts -----------------------------------------------------------------------------


def _give(client, pledge, kind, result, comment="", follow=False):
    data = {f"{kind}-result": result, f"{kind}-comment": comment}
    return client.post(f"/reviews/pledge/{pledge.pk}/verdicts/{kind}/", data, follow=follow)


def _final(pledge):
    return FinalVerdict.objects.filter(pledge=pledge).values_list("result", flat=True).first()


def _corrections(pledge):
    return list(PledgeEvent.objects.filter(pledge=pledge, kind="correction").order_by("id"))


@pytest.fixture
def member_pledge(district, campaign):
    return make_pledge(campaign, member=district.member_a, state="completed")


def test_self_and_organisation_verdicts_give_the_final_one(client, member_pledge, alice, tess):
    pledge = member_pledge
    client.force_login(alice)
    response = _give(client, pledge, "self", "fulfilled", "按期完成")
    assert response.status_code == 302
    assert response["Location"] == f"/pledges/{pledge.pk}/#verdicts"
    own = Verdict.objects.get(pledge=pledge, kind="self")
    assert (own.result, own.comment, own.by, own.proxy) == ("fulfilled", "按期完成", alice, True)
    assert _final(pledge) is None
    pledge.refresh_from_db()
    assert pledge.state == "completed"
    response = _give(client, pledge, "organization", "fulfilled", follow=True)
    assert "已录入组织评" in response.content.decode()
    assert not Verdict.objects.get(pledge=pledge, kind="organization").proxy
    assert _final(pledge) == "fulfilled"
    pledge.refresh_from_db()
    assert pledge.state == "assessed"
    step = PledgeEvent.objects.get(pledge=pledge, kind="transition", to_state="assessed")
    assert (step.from_state, step.actor) == ("completed", alice)
    assert "已兑现" in step.comment
    assert _corrections(pledge) == []
    # A lower 领导评 later lowers the final verdict, as a correction on the pledge's history.
    client.force_login(tess)
    assert _give(client, pledge, "leader", "mostly", "走访记录不全").status_code == 302
    assert _final(pledge) == "mostly"
    [correction] = _corrections(pledge)
    assert correction.actor == tess
    assert correction.changes == {"final_verdict": ["fulfilled", "mostly"]}
    assert "领导评" in correction.comment and "基本兑现" in correction.comment
    # A lower 群众评 lowers it again.
    services.record_public_verdict(pledge, result="unfulfilled", comment="群众满意度低")
    assert _final(pledge) == "unfulfilled"
    assert [c.changes for c in _corrections(pledge)] == [
        {"final_verdict": ["fulfilled", "mostly"]},
        {"final_verdict": ["mostly", "unfulfilled"]},
    ]
    public = Verdict.objects.get(pledge=pledge, kind="public")
    assert (public.by, public.proxy) == (None, False)
    pledge.refresh_from_db()
    assert pledge.state == "assessed"
    assert PledgeEvent.objects.filter(pledge=pledge, to_state="assessed").count() == 1


def test_a_later_verdict_never_raises_the_final_one(client, member_pledge, alice, tess):
    pledge = member_pledge
    client.force_login(alice)
    _give(client, pledge, "self", "fulfilled")
    _give(client, pledge, "organization", "mostly")
    assert _final(pledge) == "mostly"  # the lower of the two
    client.force_login(tess)
    _give(client, pledge, "leader", "fulfilled")
    assert Verdict.objects.get(pledge=pledge, kind="leader").result == "fulfilled"
    services.record_public_verdict(pledge, result="fulfilled")
    assert _final(pledge) == "mostly"
    assert _corrections(pledge) == []
    # Equal is no change either.
    other = make_pledge(
        pledge.campaign, organization=pledge.member.branch, state="completed", title="本组织承诺"
    )
    services.give_verdict(other, "self", by=alice, result="mostly")
    services.give_verdict(other, "organization", by=alice, result="mostly")
    services.give_verdict(other, "leader", by=tess, result="mostly")
    services.record_public_verdict(other, result="mostly")
    assert _final(other) == "mostly" and _corrections(other) == []


def test_a_verdict_before_the_final_one_counts_in_it(member_pledge, alice, tess):
    services.give_verdict(member_pledge, "leader", by=tess, result="unfulfilled")
    services.record_public_verdict(member_pledge, result="mostly")
    assert _final(member_pledge) is None
    services.give_verdict(member_pledge, "self", by=alice, result="fulfilled")
    services.give_verdict(member_pledge, "organization", by=alice, result="fulfilled")
    assert _final(member_pledge) == "unfulfilled"
    assert _corrections(member_pledge) == []  # decided so, not lowered afterwards


# --- Refusals ------------------------------------------------------------------------------------


def test_self_and_organisation_are_refused_after_the_final_verdict(client, member_pledge, alice):
    client.force_login(alice)
    _give(client, member_pledge, "self", "mostly")
    _give(client, member_pledge, "organization", "mostly")
    for kind in ("self", "organization"):
        response = _give(client, member_pledge, kind, "unfulfilled", follow=True)
        assert "已给出最终评价，不能再录入自评或组织评" in response.content.decode()
    with pytest.raises(ValidationError, match="已给出最终评价"):
        services.give_verdict(member_pledge, "self", by=alice, result="fulfilled")
    assert Verdict.objects.filter(pledge=member_pledge).count() == 2
    assert _final(member_pledge) == "mostly"


@pytest.mark.parametrize("state", ["draft", "published", "fulfilling"])
def test_no_verdict_before_the_pledge_is_completed(client, district, campaign, alice, tess, state):
    pledge = make_pledge(campaign, member=district.member_a, state=state)
    client.force_login(alice)
    response = _give(client, pledge, "self", "fulfilled", follow=True)
    assert "承诺完成后才能评诺" in response.content.decode()
    client.force_login(tess)
    response = _give(client, pledge, "leader", "fulfilled", follow=True)
    assert "承诺完成后才能评诺" in response.content.decode()
    with pytest.raises(ValidationError, match="承诺完成后才能评诺"):
        services.record_public_verdict(pledge, result="fulfilled")
    assert not Verdict.objects.exists()
    pledge.refresh_from_db()
    assert pledge.state == state
    # Its page has no verdicts part yet.
    assert client.get(f"/reviews/pledge/{pledge.pk}/verdicts/").content == b""


def test_the_same_kind_twice_is_refused_in_chinese(client, member_pledge, alice, tess):
    client.force_login(alice)
    _give(client, member_pledge, "self", "fulfilled", "第一次")
    response = _give(client, member_pledge, "self", "mostly", "第二次", follow=True)
    assert "该承诺已有自评" in response.content.decode()
    assert Verdict.objects.get(pledge=member_pledge, kind="self").comment == "第一次"
    _give(client, member_pledge, "organization", "fulfilled")
    client.force_login(tess)
    _give(client, member_pledge, "leader", "fulfilled")
    response = _give(client, member_pledge, "leader", "unfulfilled", follow=True)
    assert "该承诺已有领导评" in response.content.decode()
    assert Verdict.objects.get(pledge=member_pledge, kind="leader").result == "fulfilled"
    services.record_public_verdict(member_pledge, result="fulfilled")
    with pytest.raises(ValidationError, match="该承诺已有群众评"):
        services.record_public_verdict(member_pledge, result="unfulfilled")
    assert _final(member_pledge) == "fulfilled"


def test_a_result_is_required(client, member_pledge, alice):
    client.force_login(alice)
    response = _give(client, member_pledge, "self", "", follow=True)
    assert "请选择评价结果" in response.content.decode()
    response = _give(client, member_pledge, "self", "excellent", follow=True)
    assert response.status_code == 200
    assert not Verdict.objects.exists()


def test_bob_gets_404_on_the_pledges_verdicts(client, member_pledge, bob):
    client.force_login(bob)
    assert client.get(f"/reviews/pledge/{member_pledge.pk}/verdicts/").status_code == 404
    for kind in ("self", "organization", "leader", "public"):
        assert _give(client, member_pledge, kind, "unfulfilled").status_code == 404
    assert not Verdict.objects.exists()


def test_who_gives_which(client, member_pledge, alice, charlie):
    client.force_login(charlie)  # leader of the level above: 领导评 only
    assert _give(client, member_pledge, "organization", "fulfilled").status_code == 403
    assert _give(client, member_pledge, "self", "fulfilled").status_code == 403
    assert _give(client, member_pledge, "leader", "mostly").status_code == 302
    assert Verdict.objects.get(pledge=member_pledge, kind="leader").by == charlie
    client.force_login(alice)  # the branch's secretary: not 领导评 of her own branch
    assert _give(client, member_pledge, "leader", "fulfilled").status_code == 403
    # 群众评 comes from a mass evaluation, never from a form.
    assert _give(client, member_pledge, "public", "fulfilled").status_code == 404
    with pytest.raises(ValueError):
        services.give_verdict(member_pledge, "public", by=alice, result="fulfilled")
    assert list(Verdict.objects.values_list("kind", flat=True)) == ["leader"]


def test_an_organisations_own_pledge(client, district, campaign, alice):
    pledge = make_pledge(campaign, organization=district.branch_a, state="completed")
    client.force_login(alice)
    assert _give(client, pledge, "self", "mostly", "本支部自评").status_code == 302
    assert _give(client, pledge, "organization", "fulfilled", "党员大会评议").status_code == 302
    own = Verdict.objects.get(pledge=pledge, kind="self")
    assert (own.proxy, own.by, own.comment) == (False, alice, "本支部自评")
    assert Verdict.objects.get(pledge=pledge, kind="organization").comment == "党员大会评议"
    assert _final(pledge) == "mostly"
    pledge.refresh_from_db()
    assert pledge.state == "assessed"


def test_a_pledge_assessed_before_the_verdicts_still_gets_its_final_verdict(
    client, district, campaign, alice
):
    pledge = make_pledge(campaign, member=district.member_a, state="assessed")
    client.force_login(alice)
    assert _forms(client, pledge) == {"self", "organization"}  # offered
    services.give_verdict(pledge, "self", by=alice, result="fulfilled")
    services.give_verdict(pledge, "organization", by=alice, result="mostly")
    assert _final(pledge) == "mostly"
    pledge.refresh_from_db()
    assert pledge.state == "assessed"


# --- The pledge page -----------------------------------------------------------------------------


def _forms(client, pledge) -> set[str]:
    """The kinds whose form the verdicts fragment offers to the logged-in user."""
    part = client.get(f"/reviews/pledge/{pledge.pk}/verdicts/").content.decode()
    assert str(RULE) in part
    return {kind for kind in KINDS if f"/reviews/pledge/{pledge.pk}/verdicts/{kind}/" in part}


def test_the_pledge_page_shows_the_verdicts_and_the_forms_still_open(
    client, member_pledge, alice, charlie
):
    pledge = member_pledge
    client.force_login(alice)
    page = client.get(f"/pledges/{pledge.pk}/").content.decode()
    assert f'hx-get="/reviews/pledge/{pledge.pk}/verdicts/"' in page  # the slot
    assert _forms(client, pledge) == {"self", "organization"}
    _give(client, pledge, "self", "fulfilled", "按期完成")
    part = client.get(f"/reviews/pledge/{pledge.pk}/verdicts/").content.decode()
    assert "代录" in part and "按期完成" in part
    assert _forms(client, pledge) == {"organization"}
    client.force_login(charlie)
    assert _forms(client, pledge) == {"leader"}
    client.force_login(alice)
    _give(client, pledge, "organization", "mostly")
    assert _forms(client, pledge) == set()
    part = client.get(f"/reviews/pledge/{pledge.pk}/verdicts/").content.decode()
    assert "最终评价" in part and "基本兑现" in part
    client.force_login(charlie)
    assert _forms(client, pledge) == {"leader"}
    _give(client, pledge, "leader", "mostly")
    assert _forms(client, pledge) == set()


def test_the_manual_assess_step_is_gone(client, member_pledge, alice, tess):
    for user in (alice, tess):
        client.force_login(user)
        response = client.post(
            f"/pledges/{member_pledge.pk}/step/assess/", {"comment": "已兑现", "confirmed": "1"}
        )
        assert response.status_code == 404
    page = client.get(f"/pledges/{member_pledge.pk}/").content.decode()
    assert "/step/assess/" not in page
    member_pledge.refresh_from_db()
    assert member_pledge.state == "completed"
    assert not PledgeEvent.objects.filter(pledge=member_pledge, to_state="assessed").exists()
