"""群众评议: rounds run from above, one-time codes spent once (also by two phones at once),
anonymous answers, paper tallies, results with small groups suppressed, 公示, and a rectification
below the threshold."""

import datetime
import random
import re
import threading

import pypdf
import pytest
from django.db import connection
from django.test import Client

from core.models import AuditRecord
from reviews import ballots, evaluations
from reviews.models import (
    DEFAULT_ITEMS,
    Answer,
    BallotCode,
    EvaluationRound,
    Questionnaire,
    Rectification,
    UnusedCode,
)

from ..factories import make_pledge
from .conftest import TODAY

ALL_SATISFIED = {item: "satisfied" for item in DEFAULT_ITEMS}


def _ballot(code, **choices):
    data = {"code": code, "step": "answer", "comment": choices.pop("comment", "")}
    answers = {**ALL_SATISFIED, **choices}
    for index, item in enumerate(DEFAULT_ITEMS):
        data[f"item_{index}"] = answers[item]
    return data


def test_the_level_above_runs_the_round_the_branch_never_does(
    client, district, campaign, tess, alice, bob
):
    client.force_login(alice)
    assert client.get(f"/reviews/evaluations/new/?org={district.branch_a.pk}").status_code == 403
    client.force_login(bob)
    assert client.get(f"/reviews/evaluations/new/?org={district.branch_a.pk}").status_code == 404
    client.force_login(tess)
    data = {
        "title": "年度群众评议",
        "starts_on": TODAY.isoformat(),
        "ends_on": (TODAY + datetime.timedelta(days=3)).isoformat(),
        "methods": ["questionnaire"],
    }
    response = client.post(f"/reviews/evaluations/new/?org={district.branch_a.pk}", data)
    item = EvaluationRound.objects.get()
    assert response["Location"] == f"/reviews/evaluations/{item.pk}/"
    assert (item.organization, item.run_by, item.state) == (
        district.branch_a,
        district.east,
        "preparing",
    )
    # The organisation sees its round, without the runner's actions.
    client.force_login(alice)
    page = client.get(f"/reviews/evaluations/{item.pk}/").content.decode()
    assert "年度群众评议" in page and "生成并下载评议单" not in page
    assert client.post(f"/reviews/evaluations/{item.pk}/open/").status_code == 403


def _open_round(district, campaign, tess, **fields):
    """A one-day round of branch A run by 东城街道 (tess), open: for tests that need their own
    options (a template, members appraised) or a committed database (threads)."""
    item = evaluations.create_round(
        district.branch_a, campaign, by=tess, title="评议", starts_on=TODAY, ends_on=TODAY, **fields
    )
    return evaluations.open_round(item, by=tess)


def test_a_round_keeps_the_items_of_its_template_as_they_were(district, campaign, tess):
    template = Questionnaire.objects.create(
        name="街道评议表", organization=district.east, items=["服务群众", "总体评价"]
    )
    item = _open_round(district, campaign, tess, questionnaire=template)
    template.items = ["改了"]
    template.save()
    item.refresh_from_db()
    assert item.items == ["服务群众", "总体评价"]


def test_codes_come_as_slips_and_are_kept_as_digests(client, round_, tess):
    client.force_login(tess)
    response = client.post(
        f"/reviews/evaluations/{round_.pk}/codes/", {"group": "served", "count": 10}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert BallotCode.objects.filter(round=round_, group="served").count() == 10
    code = ballots.new_code()
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{5}-[A-HJ-NP-Z2-9]{5}", code)
    assert all(len(c.digest) == 64 for c in BallotCode.objects.all())


def test_a_ballot_on_a_phone_spends_its_code_once(round_):
    (code,) = ballots.issue(round_, "public", 1)
    phone = Client()
    page = phone.get("/e/")
    assert page.status_code == 200 and "sessionid" not in page.cookies
    started = phone.post("/e/", {"code": code.lower().replace("-", " ")})
    assert "服务群众" in started.content.decode()
    # A validation error keeps the answers and the code.
    data = _ballot(code, comment="希望多开展活动")
    del data["item_2"]
    refused = phone.post("/e/", data)
    body = refused.content.decode()
    assert "请评价“工作作风”" in body and "希望多开展活动" in body
    assert UnusedCode.objects.count() == 1 and not Answer.objects.exists()
    done = phone.post("/e/", _ballot(code, 工作作风="basic"))
    assert done.status_code == 302 and done["Location"] == "/e/thanks/"
    answer = Answer.objects.get()
    assert answer.group == "public" and answer.choices["工作作风"] == "basic"
    assert BallotCode.objects.count() == 1 and not UnusedCode.objects.exists()
    again = phone.post("/e/", {"code": code})
    assert "已经使用过" in again.content.decode()
    assert Answer.objects.count() == 1
    thanks = phone.get("/e/thanks/").content.decode()
    assert "感谢" in thanks
    # It says nothing about the others: the same page whatever came in since.
    (other,) = ballots.issue(round_, "served", 1)
    evaluations.answer(other, choices=ALL_SATISFIED)
    assert Client().get("/e/thanks/").content.decode() == thanks


def test_unknown_withdrawn_and_closed_codes_are_refused_in_plain_words(round_, tess):
    phone = Client()
    assert "评议码不正确" in phone.post("/e/", {"code": "ABCDE-FGHJK"}).content.decode()
    (code,) = ballots.issue(round_, "public", 1)
    BallotCode.objects.update(withdrawn=True)
    assert "已作废" in phone.post("/e/", {"code": code}).content.decode()
    BallotCode.objects.update(withdrawn=False)
    EvaluationRound.objects.filter(pk=round_.pk).update(
        ends_on=TODAY - datetime.timedelta(days=1), starts_on=TODAY - datetime.timedelta(days=5)
    )
    assert "不在进行中" in phone.post("/e/", _ballot(code)).content.decode()
    assert not Answer.objects.exists()


def test_failed_codes_are_rate_limited_per_address(round_, settings):
    settings.BALLOT_CODE_RATE_LIMIT = "3/10m"
    phone = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(3):
        assert phone.post("/e/", {"code": "ABCDE-FGHJK"}).status_code == 200
    (code,) = ballots.issue(round_, "public", 1)
    response = phone.post("/e/", {"code": code})
    assert response.status_code == 429 and "次数过多" in response.content.decode()
    # Another address in the same meeting is not held up.
    assert Client(REMOTE_ADDR="203.0.113.10").post("/e/", _ballot(code)).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_two_phones_with_one_code_give_exactly_one_answer(district, campaign, tess):
    item = _open_round(district, campaign, tess)
    (code,) = ballots.issue(item, "public", 1)
    results, barrier = [], threading.Barrier(2)

    def submit():
        try:
            barrier.wait()
            evaluations.answer(code, choices=ALL_SATISFIED)
            results.append("saved")
        except ballots.CodeRefused:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["refused", "saved"]
    assert Answer.objects.count() == 1


def test_nothing_links_an_answer_to_a_code(db):
    answer_fields = {field.name: field for field in Answer._meta.get_fields()}
    assert all(
        getattr(field, "related_model", None) is not BallotCode for field in answer_fields.values()
    )
    assert not any(
        getattr(f, "related_model", None) is Answer for f in BallotCode._meta.get_fields()
    )
    assert Answer._meta.pk.get_internal_type() == "UUIDField"
    assert (
        "answered_on" in answer_fields
        and answer_fields["answered_on"].get_internal_type() == "DateField"
    )
    assert not any(f.get_internal_type() == "DateTimeField" for f in Answer._meta.concrete_fields)
    for model in (BallotCode, UnusedCode):
        assert not any(
            f.get_internal_type() == "DateTimeField" for f in model._meta.concrete_fields
        )
    assert not any(
        getattr(f, "related_model", None) is Answer for f in UnusedCode._meta.get_fields()
    )
    assert Answer._meta.ordering == ["id"]  # random, never insertion order
    with connection.cursor() as cursor:
        columns = [
            c.name for c in connection.introspection.get_table_description(cursor, "reviews_answer")
        ]
    assert not any("code" in column for column in columns)


def test_answers_and_codes_leave_no_audit_record(round_):
    (code,) = ballots.issue(round_, "public", 1)
    evaluations.answer(code, choices=ALL_SATISFIED, comment="好")
    assert not AuditRecord.objects.filter(
        model__in=["reviews.answer", "reviews.ballotcode"]
    ).exists()


def test_answers_come_back_in_random_order(round_):
    codes = ballots.issue(round_, "public", 12)
    saved = [evaluations.answer(code, choices=ALL_SATISFIED).pk for code in codes]
    assert [a.pk for a in Answer.objects.filter(round=round_)] == sorted(saved)


def _codes_as_stored():
    """The codes' rows in the order a copy of the database holds them (what a dump lists):
    PostgreSQL's physical position, SQLite's rowid; with PostgreSQL's row version (xmin)."""
    order, version = ("ctid", "xmin::text") if connection.vendor == "postgresql" else ("rowid", "1")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, digest, withdrawn, {version} FROM reviews_ballotcode ORDER BY {order}"
        )
        return cursor.fetchall()


def test_spending_leaves_the_codes_rows_as_they_were_issued(round_):
    codes = ballots.issue(round_, "public", 12)
    issued = _codes_as_stored()
    shuffled = codes[:]
    random.Random(7).shuffle(shuffled)
    for code in shuffled[:8]:
        evaluations.answer(code, choices=ALL_SATISFIED)
    # Not a byte of the codes' rows changed, nor their order: nothing tells in which order
    # they were used, to be matched with the order in which the answers came in.
    assert _codes_as_stored() == issued
    assert UnusedCode.objects.count() == 4
    assert evaluations.code_totals(round_) == {"public": {"issued": 12, "used": 8, "withdrawn": 0}}


@pytest.mark.skipif(connection.vendor != "sqlite", reason="a pragma of SQLite's")
def test_sqlite_overwrites_what_it_deletes(db):
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA secure_delete")
        assert cursor.fetchone()[0] == 1


@pytest.mark.parametrize(
    "ballots_by_group, hidden",
    [
        ({"public": 20, "served": 8}, set()),
        ({"public": 20, "served": 3}, {"served", "public"}),  # one hidden: the next smallest too
        ({"public": 20, "served": 8, "npc_deputy": 2}, {"npc_deputy", "served"}),
        ({"public": 20, "served": 4, "npc_deputy": 2}, {"npc_deputy", "served"}),
        ({"public": 4}, {"public"}),
    ],
)
def test_small_groups_are_suppressed_with_their_complement(ballots_by_group, hidden):
    assert evaluations.suppressed(ballots_by_group) == hidden


def test_satisfaction_counts_online_and_paper_apart_and_together(round_, tess):
    codes = ballots.issue(round_, "public", 6)
    for index, code in enumerate(codes):
        choice = "dissatisfied" if index < 2 else "satisfied"
        evaluations.answer(code, choices={item: choice for item in DEFAULT_ITEMS})
    evaluations.set_tally(
        round_,
        by=tess,
        source="paper",
        group="served",
        item="服务群众",
        satisfied=3,
        basic=3,
        dissatisfied=4,
    )
    results = evaluations.results_of(round_)
    assert (results["online"], results["paper"], results["ballots"]) == (6, 10, 16)
    first = next(item for item in results["items"] if item["item"] == "服务群众")
    assert (first["satisfied"], first["basic"], first["dissatisfied"]) == (7, 3, 6)
    assert first["rate"] == 62.5
    # Every response: 6 ballots × 5 items online, 10 on paper for one item.
    assert results["overall"]["rate"] == round(100 * (4 * 5 + 6) / (30 + 10), 1)
    groups = {g["group"]: g for g in results["groups"]}
    assert groups["public"]["shown"] and groups["served"]["shown"]


def test_low_satisfaction_opens_exactly_one_rectification(client, round_, tess, district):
    for code in ballots.issue(round_, "public", 5):
        evaluations.answer(code, choices={item: "dissatisfied" for item in DEFAULT_ITEMS})
    item = evaluations.close_round(round_, by=tess)
    rectification = Rectification.objects.get()
    assert item.rectification == rectification
    assert (rectification.organization, rectification.source) == (district.branch_a, "evaluation")
    assert "0.0%" in rectification.problem
    with pytest.raises(Exception, match="不能执行此操作"):
        evaluations.close_round(item, by=tess)
    assert Rectification.objects.count() == 1


def test_a_satisfied_round_opens_none_and_is_published_without_comments(client, round_, tess):
    for code in ballots.issue(round_, "public", 5):
        evaluations.answer(code, choices=ALL_SATISFIED, comment="书记王某电话13900000000")
    item = evaluations.close_round(round_, by=tess)
    assert not Rectification.objects.exists()
    public = Client()
    assert public.get(f"/e/results/{item.pk}/").status_code == 404  # not yet published
    evaluations.publish_round(item, by=tess)
    page = public.get(f"/e/results/{item.pk}/").content.decode()
    assert "100.0%" in page and "群众评议结果公示" in page
    assert "13900000000" not in page and "王某" not in page
    assert "chart.umd.min.js" in page


def test_withdrawn_codes_no_longer_open_the_ballot(client, round_, tess, alice):
    codes = ballots.issue(round_, "public", 3)
    evaluations.answer(codes[0], choices=ALL_SATISFIED)
    client.force_login(alice)  # the evaluated branch never handles its ballots
    assert (
        client.post(f"/reviews/evaluations/{round_.pk}/withdraw/", {"group": "public"}).status_code
        == 403
    )
    client.force_login(tess)
    client.post(f"/reviews/evaluations/{round_.pk}/withdraw/", {"group": "public"})
    assert BallotCode.objects.filter(withdrawn=True).count() == 2  # the used one stays used
    assert "已作废" in Client().post("/e/", {"code": codes[1]}).content.decode()
    assert Answer.objects.count() == 1


@pytest.mark.parametrize(
    "rate, expected",
    [(95.0, "fulfilled"), (90.0, "fulfilled"), (75.0, "mostly"), (69.9, "unfulfilled")],
)
def test_the_public_verdict_follows_the_campaigns_rule(campaign, rate, expected):
    from campaign.requirements import requirements_of

    assert evaluations.public_result(rate, requirements_of(campaign)) == expected


def test_closing_gives_the_organisations_pledge_its_public_verdict(
    district, campaign, round_, tess, alice
):
    from reviews import services
    from reviews.models import FinalVerdict, Verdict

    pledge = make_pledge(campaign, organization=district.branch_a, state="completed")
    services.give_verdict(pledge, "self", by=alice, result="fulfilled")
    services.give_verdict(pledge, "organization", by=alice, result="fulfilled")
    for index, code in enumerate(ballots.issue(round_, "public", 5)):
        choices = {**ALL_SATISFIED, "履行承诺": "dissatisfied" if index < 2 else "satisfied"}
        evaluations.answer(code, choices=choices)
    evaluations.close_round(round_, by=tess)  # 履行承诺 at 60%: 未兑现
    verdict = Verdict.objects.get(pledge=pledge, kind="public")
    assert verdict.result == "unfulfilled" and "60.0%" in verdict.comment
    assert FinalVerdict.objects.get(pledge=pledge).result == "unfulfilled"  # lowered, never raised


def test_every_slips_qr_code_scans_to_the_ballot_with_its_code(client, round_, tess):
    """The printed sheet as a phone sees it (150 dpi, ZXing): the link is the ballot's page and
    the code rides in the fragment, which no server sees."""
    import pypdfium2 as pdfium
    import zxingcpp

    client.force_login(tess)
    response = client.post(
        f"/reviews/evaluations/{round_.pk}/codes/", {"group": "served", "count": 8}
    )
    image = pdfium.PdfDocument(response.content)[0].render(scale=150 / 72).to_pil()
    scanned = [code.text for code in zxingcpp.read_barcodes(image)]
    assert len(scanned) == 8 and all(text.startswith("http://testserver/e/#") for text in scanned)
    codes = [text.split("#", 1)[1] for text in scanned]
    assert len(set(codes)) == 8 and all(ballots.well_formed(code) for code in codes)
    digests = set(BallotCode.objects.values_list("digest", flat=True))
    assert {ballots.digest(code) for code in codes} == digests
    # The same code, typed, opens the ballot.
    assert "服务群众" in Client().post("/e/", {"code": codes[0]}).content.decode()


def test_the_office_keeps_templates_and_rounds_below_use_them(
    client, district, campaign, olivia, tess, alice
):
    client.force_login(alice)  # a branch secretary keeps none
    assert client.get("/reviews/questionnaires/new/").status_code == 403
    client.force_login(olivia)
    data = {
        "name": "区评议表",
        "organization": district.root.pk,
        "items": "服务群众\n\n履行承诺\n服务群众\n",
    }
    assert client.post("/reviews/questionnaires/new/", data).status_code == 302
    template = Questionnaire.objects.get()
    assert template.items == ["服务群众", "履行承诺"]
    response = client.post("/reviews/questionnaires/new/", {**data, "items": "  \n"})
    assert "请至少填写一个评议项目" in response.content.decode()
    # The town offers it for a round of its branch.
    client.force_login(tess)
    page = client.get(f"/reviews/evaluations/new/?org={district.branch_a.pk}").content.decode()
    assert "区评议表" in page


def test_the_online_box_takes_words_from_anyone_and_shows_them_above_only(
    client, district, campaign, tess, alice, bob, settings
):
    from reviews.models import Suggestion

    pledge = make_pledge(campaign, member=district.member_a, state="published")
    board = Client().get(f"/board/{district.branch_a.pk}/").content.decode()
    assert f"/e/box/{district.branch_a.pk}/" in board
    public = Client(REMOTE_ADDR="198.51.100.7")
    assert "张三" in public.get(f"/e/box/{district.branch_a.pk}/").content.decode()
    refused = public.post(f"/e/box/{district.branch_a.pk}/", {"text": "看这里 http://spam.example"})
    assert "不能包含网址" in refused.content.decode()
    done = public.post(
        f"/e/box/{district.branch_a.pk}/", {"text": "希望每月公开践诺情况。", "pledge": pledge.pk}
    )
    assert "已收到" in done.content.decode()
    item = Suggestion.objects.get()
    assert (item.organization, item.pledge, item.state) == (district.branch_a, pledge, "new")
    # Never published; read by the branch and the levels above, not by others.
    assert "每月公开践诺" not in Client().get(f"/board/{district.branch_a.pk}/").content.decode()
    client.force_login(bob)
    assert "每月公开践诺" not in client.get("/reviews/suggestions/").content.decode()
    assert client.post(f"/reviews/suggestions/{item.pk}/handle/", {"note": "x"}).status_code == 404
    client.force_login(alice)
    assert "每月公开践诺" in client.get("/reviews/suggestions/").content.decode()
    # The level above turns it into a rectification; the branch could only handle it.
    client.force_login(tess)
    deadline = (TODAY + datetime.timedelta(days=10)).isoformat()
    client.post(
        f"/reviews/suggestions/{item.pk}/rectify/",
        {"responsible_person": "书记", "deadline": deadline},
    )
    item.refresh_from_db()
    assert item.state == "rectifying" and item.rectification.source == "suggestion"
    assert item.rectification.problem == "希望每月公开践诺情况。"


def test_the_box_is_rate_limited_per_address(district, campaign, settings):
    settings.SUGGESTION_RATE_LIMIT = "2/h"
    public = Client(REMOTE_ADDR="198.51.100.8")
    for _ in range(2):
        public.post(f"/e/box/{district.branch_a.pk}/", {"text": "希望多开展志愿服务。"})
    response = public.post(f"/e/box/{district.branch_a.pk}/", {"text": "希望多开展志愿服务。"})
    assert response.status_code == 429


def test_a_rounds_results_count_the_box(round_, tess):
    from reviews import suggestions

    suggestions.leave(round_.organization, text="希望多开展志愿服务。")
    for code in ballots.issue(round_, "public", 5):
        evaluations.answer(code, choices=ALL_SATISFIED)
    closed = evaluations.close_round(round_, by=tess)
    assert closed.results["suggestions"] == {"total": 1, "handled": 0, "rectifying": 0}


def test_the_runners_page_counts_codes_but_never_shows_them(client, round_, tess):
    codes = ballots.issue(round_, "served", 3)
    evaluations.answer(codes[0], choices=ALL_SATISFIED)
    client.force_login(tess)
    page = client.get(f"/reviews/evaluations/{round_.pk}/").content.decode()
    assert "已发 3 个，已提交 1 份" in page
    assert not any(code in page for code in codes)


def test_the_office_may_hold_publication_for_review(client, round_, tess, olivia, alice):
    for code in ballots.issue(round_, "public", 5):
        evaluations.answer(code, choices=ALL_SATISFIED)
    item = evaluations.close_round(round_, by=tess)
    client.force_login(tess)  # the town runs it but is not the office
    assert client.post(f"/reviews/evaluations/{item.pk}/hold/").status_code == 403
    client.force_login(olivia)
    client.post(f"/reviews/evaluations/{item.pk}/hold/")
    client.force_login(tess)
    response = client.post(f"/reviews/evaluations/{item.pk}/publish/", follow=True)
    assert "暂缓公示" in response.content.decode()
    assert EvaluationRound.objects.get(pk=item.pk).state == "closed"
    client.force_login(olivia)
    client.post(f"/reviews/evaluations/{item.pk}/release/")
    client.force_login(tess)
    client.post(f"/reviews/evaluations/{item.pk}/publish/")
    assert EvaluationRound.objects.get(pk=item.pk).state == "published"
    pdf = Client().get(f"/e/results/{item.pk}/print.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_the_printable_results_are_public_only_once_published(round_, tess):
    for code in ballots.issue(round_, "public", 5):
        evaluations.answer(code, choices=ALL_SATISFIED, comment="联系电话13900000000")
    item = evaluations.close_round(round_, by=tess)
    assert Client().get(f"/e/results/{item.pk}/print.pdf").status_code == 404
    evaluations.publish_round(item, by=tess)

    text = (
        pypdf.PdfReader(
            __import__("io").BytesIO(Client().get(f"/e/results/{item.pk}/print.pdf").content)
        )
        .pages[0]
        .extract_text()
    )
    assert "100.0%" in text and "13900000000" not in text


@pytest.mark.parametrize(
    "counts, grade",
    [
        ({"excellent": 3, "qualified": 1, "basic": 0, "unqualified": 0}, "excellent"),
        ({"excellent": 2, "qualified": 2, "basic": 0, "unqualified": 0}, "qualified"),
        ({"excellent": 0, "qualified": 1, "basic": 1, "unqualified": 1}, "unqualified"),
        ({"excellent": 0, "qualified": 0, "basic": 0, "unqualified": 0}, None),
    ],
)
def test_a_members_grade_is_the_most_given_the_lower_on_a_tie(counts, grade):
    assert evaluations.member_grade(counts) == grade


def test_members_are_appraised_on_the_same_ballot_and_never_shown_publicly(
    client, district, campaign, tess
):
    item = _open_round(district, campaign, tess, appraise_members=True)
    pledge = make_pledge(campaign, member=district.member_a, state="completed")
    codes = ballots.issue(item, "public", 5)
    phone = Client()
    ballot = phone.post("/e/", {"code": codes[0]}).content.decode()
    assert "党员民主评议" in ballot and "张三" in ballot
    data = {**_ballot(codes[0]), f"member_{district.member_a.pk}": "basic"}
    assert phone.post("/e/", data).status_code == 302
    for code in codes[1:3]:
        evaluations.answer(code, choices=ALL_SATISFIED, ratings={district.member_a.pk: "basic"})
    for code in codes[3:]:
        evaluations.answer(code, choices=ALL_SATISFIED)  # not known: not rated
    item = evaluations.close_round(item, by=tess)
    (row,) = item.results["members"]
    assert (row["name"], row["basic"], row["grade"]) == ("张三", 3, "basic")
    from reviews.models import Verdict

    assert Verdict.objects.get(pledge=pledge, kind="public").result == "mostly"
    client.force_login(tess)
    assert "张三" in client.get(f"/reviews/evaluations/{item.pk}/").content.decode()
    evaluations.publish_round(item, by=tess)
    assert "张三" not in Client().get(f"/e/results/{item.pk}/").content.decode()


# --- Found by review ------------------------------------------------------------------------------


def test_closing_forgets_the_codes_and_rewrites_the_answers_in_random_order(round_, tess):
    codes = ballots.issue(round_, "public", 6)
    for code in codes:
        evaluations.answer(code, choices=ALL_SATISFIED)
    before = set(Answer.objects.values_list("id", flat=True))
    item = evaluations.close_round(round_, by=tess)
    assert not BallotCode.objects.filter(round=item).exists()
    assert item.results["codes"] == {"public": {"issued": 6, "used": 6, "withdrawn": 0}}
    assert Answer.objects.filter(round=item).count() == 6
    assert not before & set(Answer.objects.values_list("id", flat=True))  # new keys


@pytest.mark.skipif(connection.vendor != "postgresql", reason="xmin is PostgreSQL's")
def test_no_answer_shares_a_transaction_with_its_code(round_):
    for code in ballots.issue(round_, "public", 4):
        evaluations.answer(code, choices=ALL_SATISFIED)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM reviews_answer a JOIN reviews_ballotcode c ON a.xmin = c.xmin"
        )
        assert cursor.fetchone()[0] == 0


def test_an_answer_is_not_saved_once_its_round_closed(round_, tess):
    (code,) = ballots.issue(round_, "public", 1)
    opened = ballots.open_code(code, TODAY)  # checked, then the round closes
    evaluations.close_round(round_, by=tess)
    with pytest.raises(ballots.CodeRefused):
        ballots.spend(opened, choices=ALL_SATISFIED, ratings={}, comment="", today=TODAY)
    assert not Answer.objects.exists()


def test_a_few_online_ballots_do_not_show_beside_many_paper_ones(round_, tess):
    for code in ballots.issue(round_, "npc_deputy", 2):
        evaluations.answer(code, choices={item: "dissatisfied" for item in DEFAULT_ITEMS})
    evaluations.set_tally(
        round_,
        by=tess,
        source="paper",
        group="npc_deputy",
        item="服务群众",
        satisfied=4,
        basic=0,
        dissatisfied=0,
    )
    for code in ballots.issue(round_, "public", 10):
        evaluations.answer(code, choices=ALL_SATISFIED)
    groups = {g["group"]: g for g in evaluations.results_of(round_)["groups"]}
    assert not groups["npc_deputy"]["shown"] and not groups["public"]["shown"]


def test_two_tiny_groups_take_the_next_one_with_them():
    assert evaluations.suppressed({"public": 20, "served": 1, "npc_deputy": 1}) == {
        "public",
        "served",
        "npc_deputy",
    }


def test_under_five_ballots_no_figure_is_shown(round_, tess):
    (code,) = ballots.issue(round_, "served", 1)
    evaluations.answer(code, choices=ALL_SATISFIED, comment="就我一个人")
    item = evaluations.publish_round(evaluations.close_round(round_, by=tess), by=tess)
    page = Client().get(f"/e/results/{item.pk}/").content.decode()
    assert "不足 5 份" in page and "100.0%" not in page


def test_thresholds_compare_the_exact_rate(district, campaign, round_, tess):
    # 69.96% shows as 70.0% but is under a 70% threshold.
    evaluations.set_tally(
        round_,
        by=tess,
        source="paper",
        group="public",
        item="总体评价",
        satisfied=1749,
        basic=0,
        dissatisfied=751,
    )
    item = evaluations.close_round(round_, by=tess)
    assert item.results["overall"]["rate"] == 70.0
    assert item.rectification is not None


def test_the_evaluated_organisation_neither_holds_nor_reads_the_tallies_history(
    client, district, round_, tess
):
    from orgs.models import RoleKind

    from ..conftest import _persona

    own_admin = _persona("own-admin", district.branch_a, RoleKind.ADMIN)
    evaluations.set_tally(
        round_,
        by=tess,
        source="paper",
        group="npc_deputy",
        item="廉洁自律",
        satisfied=0,
        basic=0,
        dissatisfied=1,
    )
    client.force_login(own_admin)
    assert client.post(f"/reviews/evaluations/{round_.pk}/hold/").status_code == 403
    page = client.get(f"/reviews/evaluations/{round_.pk}/").content.decode()
    assert "变更历史" not in page


def test_a_huge_tally_is_refused_not_a_crash(client, round_, tess):
    client.force_login(tess)
    data = {
        "source": "paper",
        "group": "public",
        "item": "服务群众",
        "satisfied": 10**20,
        "basic": 0,
        "dissatisfied": 0,
    }
    response = client.post(f"/reviews/evaluations/{round_.pk}/tally/", data, follow=True)
    assert response.status_code == 200 and not round_.tallies.exists()


def test_a_ballot_being_answered_is_not_thrown_away_by_the_rate_limit(round_, settings):
    settings.BALLOT_CODE_RATE_LIMIT = "2/10m"
    (code,) = ballots.issue(round_, "public", 1)
    phone = Client(REMOTE_ADDR="203.0.113.20")
    phone.post("/e/", {"code": code})  # the ballot opens
    for _ in range(3):
        Client(REMOTE_ADDR="203.0.113.20").post("/e/", {"code": "ABCDE-FGHJK"})
    assert phone.post("/e/", _ballot(code)).status_code == 302
    assert Answer.objects.count() == 1


def test_the_ballots_comments_reach_the_organisation_never_the_public(
    client, district, round_, tess, alice
):
    for code in ballots.issue(round_, "public", 5):
        evaluations.answer(code, choices=ALL_SATISFIED, comment="希望多走访")
    item = evaluations.publish_round(evaluations.close_round(round_, by=tess), by=tess)
    client.force_login(alice)
    assert "希望多走访" in client.get(f"/reviews/evaluations/{item.pk}/").content.decode()
    assert "希望多走访" not in Client().get(f"/e/results/{item.pk}/").content.decode()


def test_a_branch_runs_the_appraisal_of_its_own_members(client, district, campaign, alice, bob):
    client.force_login(bob)
    assert (
        client.get(f"/reviews/evaluations/new/members/?org={district.branch_a.pk}").status_code
        == 404
    )
    client.force_login(alice)
    data = {
        "title": "党员民主评议",
        "starts_on": TODAY.isoformat(),
        "ends_on": TODAY.isoformat(),
    }
    response = client.post(f"/reviews/evaluations/new/members/?org={district.branch_a.pk}", data)
    item = EvaluationRound.objects.get()
    assert response["Location"] == f"/reviews/evaluations/{item.pk}/"
    assert (item.run_by, item.members_only, item.appraise_members) == (
        district.branch_a,
        True,
        True,
    )
    client.post(f"/reviews/evaluations/{item.pk}/open/")
    item.refresh_from_db()
    assert item.state == "open" and item.items == []
    codes = evaluations.issue_codes(item, by=alice, group="member", count=5)
    phone = Client()
    ballot = phone.post("/e/", {"code": codes[0]}).content.decode()
    assert "张三" in ballot and "服务群众" not in ballot
    empty = phone.post("/e/", {"code": codes[0], "step": "answer"})
    assert "请至少评议一名党员" in empty.content.decode()
    assert not Answer.objects.exists()
    rated = {"code": codes[0], "step": "answer", f"member_{district.member_a.pk}": "excellent"}
    assert phone.post("/e/", rated).status_code == 302
    for code in codes[1:]:
        evaluations.answer(code, choices={}, ratings={district.member_a.pk: "qualified"})
    item = evaluations.close_round(item, by=alice)
    assert item.results["members"][0]["grade"] == "qualified"
    assert item.rectification is None  # no questionnaire, no satisfaction
    with pytest.raises(Exception, match="不公示"):
        evaluations.publish_round(item, by=alice)


def test_a_closed_appraisal_offers_no_empty_actions(client, district, campaign, alice):
    item = evaluations.create_members_round(
        district.branch_a, campaign, by=alice, title="党员民主评议", starts_on=TODAY, ends_on=TODAY
    )
    item = evaluations.close_round(evaluations.open_round(item, by=alice), by=alice)
    client.force_login(alice)
    page = client.get(f"/reviews/evaluations/{item.pk}/").content.decode()
    assert "办理" not in page and "公示结果" not in page


@pytest.mark.django_db(transaction=True)
def test_the_nightly_task_rewrites_the_ballot_tables_on_postgresql(round_, tess):
    from reviews.tasks import compact_ballot_tables_task

    for code in ballots.issue(round_, "public", 6):
        evaluations.answer(code, choices=ALL_SATISFIED)
    evaluations.close_round(round_, by=tess)
    if connection.vendor != "postgresql":
        assert compact_ballot_tables_task() == []  # SQLite overwrote what it deleted
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_relation_filenode('reviews_answer')")
        before = cursor.fetchone()[0]
    assert compact_ballot_tables_task() == [
        "reviews_answer",
        "reviews_ballotcode",
        "reviews_unusedcode",
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_relation_filenode('reviews_answer')")
        assert cursor.fetchone()[0] != before  # new files: the old pages are gone with the old
    assert Answer.objects.filter(round=round_).count() == 6
