"""The branch page's batch on a phone (issue 9, part a): chips, select-all, 审诺、签约并公开 swapped
in place, confirmation before what cannot be undone, labelled boxes and distinct state colours."""

import datetime
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from django.conf import settings

from pledges.models import Pledge, PledgeState

from ..factories import MemberFactory, make_pledge

S = PledgeState
HTMX = {"HTTP_HX_REQUEST": "true"}


def _branch(district, campaign):
    """Branch A: 张三 without a pledge, two submitted, one draft, one signed."""
    made = {
        "submitted": [
            make_pledge(
                campaign, member=MemberFactory(branch=district.branch_a, name=n), state=S.SUBMITTED
            )
            for n in ("赵一", "钱二")
        ],
        "draft": make_pledge(
            campaign, member=MemberFactory(branch=district.branch_a, name="孙三"), state=S.DRAFT
        ),
        "signed": make_pledge(
            campaign, member=MemberFactory(branch=district.branch_a, name="李四"), state=S.SIGNED
        ),
    }
    return made


def _batch(client, district, campaign, step, pledges, **extra):
    data = {"step": step, "pledges": [p.pk for p in pledges], "campaign": campaign.pk, **extra}
    return client.post(
        f"/pledges/org/{district.branch_a.pk}/batch/", data, **extra.pop("headers", {})
    )


def _chip(body, key):
    match = re.search(rf'data-chip="{key}"[^>]*>([^<]*)<span[^>]*>(\d+)</span>', body)
    return match.group(1).strip(), int(match.group(2)), "disabled" in match.group(0)


def test_it_offers_chips_with_counts_and_select_all_of_the_operable(
    district, campaign, alice_client
):
    _branch(district, campaign)
    body = alice_client.get(f"/pledges/org/{district.branch_a.pk}/").content.decode()
    assert _chip(body, "missing") == ("未录入", 1, False)
    assert _chip(body, "draft") == ("待提交", 1, False)
    assert _chip(body, "submitted") == ("待审诺", 2, False)
    assert _chip(body, "approved") == ("待签约", 0, True)
    assert _chip(body, "signed") == ("待公开", 1, False)
    assert "全选可操作的 4 项" in body
    assert 'data-chip="submitted" data-action="review_sign_publish"' in body
    assert '<option value="review_sign_publish" data-confirm=' in body
    assert len(re.findall(r'class="[^"]*\bsheet-row\b', body)) == 5 and body.count("data-pick") == 4
    assert "js/pledge-sheet" in body and 'hx-post="/pledges/org/' in body


def test_each_box_is_labelled_with_the_members_name_and_cards_have_headings(
    district, campaign, alice_client
):
    made = _branch(district, campaign)
    body = alice_client.get(f"/pledges/org/{district.branch_a.pk}/").content.decode()
    for pledge in made["submitted"]:
        assert f'id="pick-{pledge.pk}"' in body
        assert (
            f'<label class="fw-semibold" for="pick-{pledge.pk}">{pledge.member.name}</label>'
            in body
        )
    assert '<h2 class="card-header h6 mb-0 py-2">本组织承诺</h2>' in body
    assert "党员承诺（5 人）</h2>" in body


def test_the_overdue_chip_counts_overdue_rows_whatever_their_state_and_the_home_opens_it(
    district, campaign, alice_client
):
    a = district.branch_a
    past = datetime.date.today() - datetime.timedelta(days=2)
    late = make_pledge(
        campaign, member=MemberFactory(branch=a, name="赵一"), state=S.SUBMITTED, deadline=past
    )
    make_pledge(
        campaign, member=MemberFactory(branch=a, name="钱二"), state=S.FULFILLING, deadline=past
    )
    # Done, so not overdue; and a draft with its deadline ahead.
    make_pledge(
        campaign, member=MemberFactory(branch=a, name="孙三"), state=S.COMPLETED, deadline=past
    )
    make_pledge(campaign, member=MemberFactory(branch=a, name="李四"), state=S.DRAFT)
    make_pledge(campaign, organization=a, state=S.PUBLISHED, deadline=past)

    home = alice_client.get("/").context["cards"][0]
    (item,) = [item for item in home.items if "逾期" in item.label]
    assert item.label == "3 项逾期"
    assert parse_qs(urlsplit(item.url).query)["state"] == ["overdue"]

    body = alice_client.get(item.url).content.decode()
    assert _chip(body, "overdue") == ("逾期", 3, False)
    assert 'data-chip="overdue" data-action=""' in body  # it filters, choosing no action
    assert body.count(" data-overdue") == 3
    # The late submitted pledge is still under its state's chip, ticked by it.
    assert _chip(body, "submitted") == ("待审诺", 1, False)
    row = re.search(rf'<li [^>]*>\s*<div [^>]*>\s*<input [^>]*value="{late.pk}"', body).group(0)
    assert 'data-state="submitted" data-overdue data-pick' in row
    assert "js/home-links.js" in body and "js/pledge-sheet.js" in body


def test_the_signer_fields_are_only_for_signing(district, campaign, alice_client):
    _branch(district, campaign)
    body = alice_client.get(f"/pledges/org/{district.branch_a.pk}/").content.decode()
    signer = re.search(r'<div class="batch-signer[^"]*"([^>]*)>', body).group(1)
    assert 'data-for-step="sign"' in signer and "hidden" in signer
    assert 'name="signed_by"' in body.split('class="batch-signer')[1]
    css = (Path(settings.BASE_DIR) / "static/css/app.css").read_text()
    assert '.batch-bar:has(.batch-step option[value="sign"]:checked) .batch-signer' in css


def test_review_sign_publish_through_htmx_answers_the_sheet_in_place(
    district, campaign, alice_client
):
    made = _branch(district, campaign)
    response = _batch(
        alice_client,
        district,
        campaign,
        "review_sign_publish",
        made["submitted"],
        confirmed="1",
        headers=HTMX,
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert "已审诺、签约并公开 2 项承诺。" in body
    assert 'id="branch-coverage" hx-swap-oob="true"' in body
    assert "全选可操作的 2 项" in body  # the draft and the signed one are left
    for pledge in made["submitted"]:
        pledge.refresh_from_db()
        assert pledge.state == S.PUBLISHED and pledge.signed_by == pledge.member.name
        assert pledge.events.count() == 3


def test_refusals_are_listed_per_item(district, campaign, alice_client):
    made = _branch(district, campaign)
    chosen = [*made["submitted"], made["draft"]]
    response = _batch(
        alice_client, district, campaign, "review_sign_publish", chosen, confirmed="1", headers=HTMX
    )
    body = response.content.decode()
    assert "已审诺、签约并公开 2 项承诺。" in body and "1 项未办理" in body
    assert "孙三：该承诺当前为“调研承诺”，不能审核通过。" in body
    assert Pledge.objects.get(pk=made["draft"].pk).state == S.DRAFT


def test_without_htmx_it_redirects_with_messages(district, campaign, alice_client):
    made = _branch(district, campaign)
    response = _batch(alice_client, district, campaign, "submit", [made["draft"]])
    assert response.status_code == 302
    assert response["Location"] == f"/pledges/org/{district.branch_a.pk}/?campaign={campaign.pk}"
    page = alice_client.get(response["Location"]).content.decode()
    assert "已提交审核 1 项承诺。" in page


def test_a_step_that_cannot_be_undone_asks_first(district, campaign, alice_client):
    made = _branch(district, campaign)
    response = _batch(alice_client, district, campaign, "publish", [made["signed"]])
    body = response.content.decode()
    assert response.status_code == 200 and "确认公开" in body
    assert f'<input type="hidden" name="pledges" value="{made["signed"].pk}">' in body
    assert '<input type="hidden" name="confirmed" value="1">' in body
    assert Pledge.objects.get(pk=made["signed"].pk).state == S.SIGNED
    # Through htmx, unconfirmed: refused in the results, nothing done.
    response = _batch(alice_client, district, campaign, "publish", [made["signed"]], headers=HTMX)
    assert "请确认后再执行" in response.content.decode()
    assert Pledge.objects.get(pk=made["signed"].pk).state == S.SIGNED
    _batch(alice_client, district, campaign, "publish", [made["signed"]], confirmed="1")
    assert Pledge.objects.get(pk=made["signed"].pk).state == S.PUBLISHED


def test_batch_signing_still_needs_a_signer(district, campaign, alice_client):
    approved = make_pledge(campaign, member=district.member_a, state=S.APPROVED)
    response = _batch(
        alice_client, district, campaign, "sign", [approved], confirmed="1", headers=HTMX
    )
    assert "批量签约时请填写签约人" in response.content.decode()
    assert Pledge.objects.get(pk=approved.pk).state == S.APPROVED


def test_an_outsider_cannot_batch_on_the_branch(district, campaign, bob, client):
    made = _branch(district, campaign)
    client.force_login(bob)
    response = _batch(
        client, district, campaign, "review_sign_publish", made["submitted"], confirmed="1"
    )
    assert response.status_code == 404
    assert {p.state for p in Pledge.objects.filter(state=S.SUBMITTED)} == {S.SUBMITTED}


def test_complete_is_a_secondary_button_that_asks_first(district, campaign, alice_client):
    pledge = make_pledge(campaign, member=district.member_a, state=S.FULFILLING)
    body = alice_client.get(f"/pledges/{pledge.pk}/").content.decode()
    form = re.search(r"<form [^>]*step/complete/[^>]*>", body).group(0)
    assert 'data-confirm-step="标记为已完成践诺后' in form
    assert re.search(r'btn-outline-secondary" type="submit"><i [^>]*></i> 标记为已完成践诺', body)
    response = alice_client.post(f"/pledges/{pledge.pk}/step/complete/", {"comment": ""})
    assert response.status_code == 200 and "确认标记为已完成践诺" in response.content.decode()
    assert Pledge.objects.get(pk=pledge.pk).state == S.FULFILLING
    response = alice_client.post(f"/pledges/{pledge.pk}/step/complete/", {"confirmed": "1"})
    assert response.status_code == 302
    assert Pledge.objects.get(pk=pledge.pk).state == S.COMPLETED


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_each_state_has_its_own_badge_colour_at_4_5_to_1():
    css = (Path(settings.BASE_DIR) / "static/css/app.css").read_text()
    rules = dict(
        (state, (bg, fg))
        for state, bg, fg in re.findall(
            r"\.badge\.state-(\w+) \{ background-color: (#[0-9a-f]{6}); color: (#[0-9a-f]{6}); \}",
            css,
        )
    )
    assert set(S.values) <= set(rules)
    backgrounds = [rules[state][0] for state in S.values]
    assert len(set(backgrounds)) == len(backgrounds)
    for state, (bg, fg) in rules.items():
        light, dark = sorted([_luminance(bg), _luminance(fg)], reverse=True)
        assert (light + 0.05) / (dark + 0.05) >= 4.5, state
