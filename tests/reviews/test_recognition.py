"""党员争星 (stars proposed by the branch, confirmed above) and 典型引路 (commendations from
candidates suggested with their evidence, published on a public page)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from reviews import recognition
from reviews.models import Commendation, FinalVerdict, MemberStar

from ..factories import MemberFactory, make_pledge

TODAY = datetime.date.today()
YEAR = TODAY.year


def _grid(members, values):
    return {f"stars_{m.pk}": v for m, v in zip(members, values, strict=True)}


def test_a_branch_proposes_stars_in_bulk_and_the_level_above_confirms(
    client, district, alice, tess, bob
):
    a = district.branch_a
    members = [district.member_a, MemberFactory(branch=a), MemberFactory(branch=a)]
    client.force_login(alice)
    url = f"/reviews/stars/org/{a.pk}/?year={YEAR}"
    assert client.get(url).status_code == 200
    # One bad value refuses the whole sheet.
    response = client.post(url, _grid(members, ["5", "11", ""]), follow=True)
    assert "星级须在 1 到 10 之间" in response.content.decode()
    assert not MemberStar.objects.exists()
    client.post(url, _grid(members, ["5", "10", ""]))
    assert dict(MemberStar.objects.values_list("member_id", "stars")) == {
        members[0].pk: 5,
        members[1].pk: 10,
    }
    assert set(MemberStar.objects.values_list("state", flat=True)) == {"proposed"}
    # The branch cannot confirm its own; the level above sends back without a reason in vain.
    assert client.post(f"/reviews/stars/org/{a.pk}/confirm/?year={YEAR}").status_code == 403
    client.force_login(tess)
    client.post(f"/reviews/stars/org/{a.pk}/return/?year={YEAR}", {"reason": ""})
    assert set(MemberStar.objects.values_list("state", flat=True)) == {"proposed"}
    client.post(f"/reviews/stars/org/{a.pk}/confirm/?year={YEAR}")
    assert set(MemberStar.objects.values_list("state", flat=True)) == {"confirmed"}
    # Another branch's secretary reaches none of it.
    client.force_login(bob)
    assert client.get(url).status_code == 404
    assert client.post(f"/reviews/stars/org/{a.pk}/confirm/?year={YEAR}").status_code == 404


def test_stars_for_a_member_of_another_branch_are_refused(district, alice):
    with pytest.raises(ValidationError):
        recognition.propose_stars(
            district.branch_a, by=alice, year=YEAR, stars={district.member_b.pk: 3}
        )
    assert not MemberStar.objects.exists()


def test_candidates_come_from_the_evidence_and_show_it(district, campaign, alice, tess):
    a = district.branch_a
    strong, plain, nothing = district.member_a, MemberFactory(branch=a), MemberFactory(branch=a)
    for member in (strong, plain):
        pledge = make_pledge(campaign, member=member, state="assessed")
        FinalVerdict.objects.create(pledge=pledge, result="fulfilled")
    mostly = make_pledge(campaign, member=nothing, state="assessed")
    FinalVerdict.objects.create(pledge=mostly, result="mostly")
    recognition.propose_stars(a, by=alice, year=YEAR, stars={strong.pk: 8})
    recognition.confirm_stars(a, by=tess, year=YEAR)
    found = recognition.suggest_members(district.root, campaign, YEAR)
    assert [c.member for c in found] == [strong, plain]
    assert any("8 星" in line for line in found[0].evidence)
    assert all("已兑现" in c.evidence[0] for c in found)


def test_the_office_records_and_publishes_a_commendation(client, district, campaign, olivia, alice):
    client.force_login(olivia)
    url = f"/reviews/commendations/new/?member={district.member_a.pk}&campaign={campaign.pk}"
    assert client.get(url).status_code == 200
    response = client.post(url, {"kind": "member", "title": "", "citation": "", "awarded_on": ""})
    assert response.status_code == 200 and not Commendation.objects.exists()
    response = client.post(
        url,
        {
            "kind": "member",
            "title": "2026年度优秀共产党员",
            "citation": "带头兑现承诺，帮助困难群众。",
            "awarded_on": TODAY.isoformat(),
        },
    )
    assert response.status_code == 302
    item = Commendation.objects.get()
    assert (item.member, item.awarded_by, item.published) == (
        district.member_a,
        district.root,
        False,
    )
    public = f"/honours/{district.root.pk}/"
    client.logout()
    assert "2026年度优秀共产党员" not in client.get(public).content.decode()
    client.force_login(olivia)
    client.post(f"/reviews/commendations/{item.pk}/publish/", {"published": "1"})
    client.logout()
    response = client.get(public)
    assert "2026年度优秀共产党员" in response.content.decode()
    assert "sessionid" not in response.cookies
    # A secretary records none and publishes none.
    client.force_login(alice)
    assert client.get(url).status_code == 404
    assert client.post(f"/reviews/commendations/{item.pk}/publish/").status_code == 404
