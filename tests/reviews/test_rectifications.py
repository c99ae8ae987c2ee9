"""The rectification register (整改，挂号销号): registered from a review or from above, started and
reported by the responsible organisation, closed or sent back by the level above; evidence judged
by its bytes; the overdue flag; two closes at once; the register page and its filters."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from reviews import services
from reviews.models import Rectification, RectificationEvent

from .conftest import TODAY

DAY = datetime.timedelta(days=1)
LATER = (TODAY + 30 * DAY).isoformat()
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
PROBLEM = "党员承诺内容空泛，缺少量化标准。"


def _review(campaign, by, org, **fields):
    data = {
        "held_on": TODAY,
        "form": "forum",
        "rating": "fairly_good",
        "achievements": "组织走访困难群众，兑现承诺三项。",
        "problems": PROBLEM,
        "direction": "下一步细化承诺，按月公开践诺情况。",
        **fields,
    }
    return services.write_review(campaign, by=by, organization=org, **data)


def _register(by, org, problem="台账不全，会议记录缺页。", **fields):
    fields.setdefault("deadline", TODAY + 30 * DAY)
    fields.setdefault("responsible_person", "支部书记王某")
    return services.register_rectification(org, by=by, problem=problem, **fields)


def _act(client, item, action, **data):
    return client.post(f"/reviews/rectifications/{item.pk}/{action}/", data, follow=True)


def _state(item) -> str:
    return Rectification.objects.get(pk=item.pk).state


def _shown(response) -> set[int]:
    return {row.pk for row in response.context["page"].object_list}


# --- 挂号 ----------------------------------------------------------------------------------------


def test_a_review_opens_its_rectification_with_the_problem_filled_in(
    client, district, campaign, tess
):
    review = _review(campaign, tess, district.branch_a)
    client.force_login(tess)
    url = f"/reviews/rectifications/new/?review={review.pk}"
    # One click from the review's page.
    assert url in client.get(f"/reviews/{review.pk}/").content.decode()
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"]["problem"].value() == PROBLEM
    assert PROBLEM in page.content.decode()
    assert "source" not in page.context["form"].fields  # the source is the review
    data = {
        "problem": PROBLEM,
        "responsible_person": "支部书记王某",
        "measures": "",
        "deadline": LATER,
        "source": "inspection",  # not a field here: ignored
    }
    response = client.post(url, data)
    item = Rectification.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/reviews/rectifications/{item.pk}/"
    assert item.source == "review" and item.review == review
    assert item.organization == district.branch_a
    assert (item.registered_by_org, item.registered_by) == (district.east, tess)
    assert item.state == "registered" and item.deadline.isoformat() == LATER
    event = RectificationEvent.objects.get(rectification=item)
    assert (event.from_state, event.to_state, event.actor) == ("", "registered", tess)
    # The review lists what was registered from it.
    assert item.get_absolute_url() in client.get(f"/reviews/{review.pk}/").content.decode()


def test_a_review_registers_only_from_above(client, district, campaign, tess, alice, bob):
    review = _review(campaign, tess, district.branch_a)
    url = f"/reviews/rectifications/new/?review={review.pk}"
    data = {"problem": PROBLEM, "responsible_person": "王某", "deadline": LATER}
    client.force_login(alice)  # reads the review of her branch, registers nothing for it
    assert client.get(url).status_code == 403
    assert client.post(url, data).status_code == 403
    client.force_login(bob)
    assert client.get(url).status_code == 404
    assert client.post(url, data).status_code == 404
    assert not Rectification.objects.exists()


def test_the_level_above_registers_for_an_organisation(client, district, campaign, tess):
    client.force_login(tess)
    url = f"/reviews/rectifications/new/?org={district.branch_a.pk}"
    page = client.get(url)
    assert page.status_code == 200
    sources = [value for value, _label in page.context["form"].fields["source"].choices]
    assert sources == ["evaluation", "inspection"]  # 领导点评 only from a review
    data = {
        "problem": "组织生活会记录不全。",
        "source": "evaluation",
        "responsible_person": "支部书记王某",
        "measures": "补齐记录",
        "deadline": LATER,
    }
    # A problem from a review is registered from that review, not typed in here.
    refused = client.post(url, {**data, "source": "review"})
    assert refused.status_code == 200 and not Rectification.objects.exists()
    # A deadline in the past is refused in Chinese, with what was typed kept.
    past = client.post(url, {**data, "deadline": (TODAY - DAY).isoformat()})
    assert "整改时限不能早于今天" in past.content.decode()
    assert "组织生活会记录不全" in past.content.decode()
    assert not Rectification.objects.exists()
    response = client.post(url, data)
    item = Rectification.objects.get()
    assert response.status_code == 302 and response["Location"] == item.get_absolute_url()
    assert (item.source, item.review, item.organization) == ("evaluation", None, district.branch_a)
    assert (item.measures, item.registered_by_org) == ("补齐记录", district.east)


def test_nobody_registers_for_their_own_branch_or_outside_their_scope(
    client, district, campaign, alice, bob
):
    url = f"/reviews/rectifications/new/?org={district.branch_a.pk}"
    data = {
        "problem": "问题",
        "source": "inspection",
        "responsible_person": "王某",
        "deadline": LATER,
    }
    client.force_login(alice)
    assert client.get(url).status_code == 403
    assert client.post(url, data).status_code == 403
    client.force_login(bob)
    assert client.get(url).status_code == 404
    assert client.post(url, data).status_code == 404
    assert not Rectification.objects.exists()


# --- From registered to closed -------------------------------------------------------------------


@pytest.mark.parametrize("closer", ["tess", "charlie"])
def test_started_reported_sent_back_and_closed(request, client, district, alice, tess, closer):
    closing = request.getfixturevalue(closer)
    item = _register(tess, district.branch_a)
    client.force_login(alice)
    response = _act(client, item, "start", measures="每周检查一次会议记录")
    assert "已开始整改" in response.content.decode()
    item.refresh_from_db()
    assert (item.state, item.measures) == ("in_progress", "每周检查一次会议记录")
    # A report needs its note.
    response = _act(client, item, "report", note="")
    assert "请写明整改情况" in response.content.decode()
    assert _state(item) == "in_progress"
    response = _act(client, item, "report", note="已补齐三次会议记录。")
    assert "等待上级销号" in response.content.decode()
    item.refresh_from_db()
    assert (item.state, item.report_note) == ("reported", "已补齐三次会议记录。")
    assert item.reported_at is not None and item.closed_at is None
    # The branch does not close its own problem.
    assert client.post(f"/reviews/rectifications/{item.pk}/close/").status_code == 403
    assert (
        client.post(f"/reviews/rectifications/{item.pk}/return/", {"comment": "x"}).status_code
        == 403
    )
    assert _state(item) == "reported"
    # Sending back needs a reason.
    client.force_login(closing)
    response = _act(client, item, "return", comment="  ")
    assert "退回时请写明原因" in response.content.decode()
    assert _state(item) == "reported"
    response = _act(client, item, "return", comment="记录缺少签字。")
    assert "已退回，继续整改" in response.content.decode()
    assert _state(item) == "in_progress"
    # Reported again, then closed (销号).
    client.force_login(alice)
    _act(client, item, "report", note="已补签字。")
    assert _state(item) == "reported"
    client.force_login(closing)
    response = _act(client, item, "close", comment="核实无误")
    assert "已销号" in response.content.decode()
    item.refresh_from_db()
    assert item.state == "closed" and item.closed_at is not None
    events = list(RectificationEvent.objects.filter(rectification=item))
    assert [(e.from_state, e.to_state) for e in events] == [
        ("", "registered"),
        ("registered", "in_progress"),
        ("in_progress", "reported"),
        ("reported", "in_progress"),
        ("in_progress", "reported"),
        ("reported", "closed"),
    ]
    assert [e.actor for e in events] == [tess, alice, alice, closing, alice, closing]
    assert events[3].comment == "记录缺少签字。" and events[5].comment == "核实无误"
    # Closed is the end: nothing moves it any more.
    response = _act(client, item, "return", comment="再看看")
    assert "不能执行此操作" in response.content.decode()
    assert _state(item) == "closed"


def test_steps_out_of_order_are_refused(client, district, alice, tess):
    item = _register(tess, district.branch_a)
    client.force_login(tess)
    response = _act(client, item, "close")
    assert "当前为“已登记”，不能执行此操作" in response.content.decode()
    assert _state(item) == "registered"
    client.force_login(alice)
    _act(client, item, "report", note="直接报告完成。")  # straight from registered
    assert _state(item) == "reported"
    response = _act(client, item, "start")
    assert "不能执行此操作" in response.content.decode()
    assert _state(item) == "reported"
    assert client.post(f"/reviews/rectifications/{item.pk}/finish/").status_code == 404


def test_bob_gets_404_on_every_url_of_it(client, district, campaign, alice, tess, bob):
    review = _review(campaign, tess, district.branch_a)
    item = _register(tess, district.branch_a)
    client.force_login(alice)
    _act(client, item, "report", note="已整改。", evidence=SimpleUploadedFile("a.png", PNG))
    assert _state(item) == "reported"
    client.force_login(bob)
    base = f"/reviews/rectifications/{item.pk}"
    assert client.get(f"{base}/").status_code == 404
    assert client.get(f"{base}/evidence/file/").status_code == 404
    for action in ("start", "report", "close", "return"):
        data = {"comment": "x", "note": "x", "measures": "x"}
        assert client.post(f"{base}/{action}/", data).status_code == 404
    assert client.get(f"/reviews/rectifications/new/?review={review.pk}").status_code == 404
    assert client.get(f"/reviews/rectifications/?org={district.branch_a.pk}").status_code == 404
    item.refresh_from_db()
    assert item.state == "reported" and item.events.count() == 2


# --- Evidence ------------------------------------------------------------------------------------


def test_a_real_png_is_kept_and_the_level_above_downloads_it(client, district, alice, tess):
    item = _register(tess, district.branch_a)
    client.force_login(alice)
    upload = SimpleUploadedFile("会议记录.png", PNG, content_type="image/png")
    _act(client, item, "report", note="已补齐记录，附照片。", evidence=upload)
    item.refresh_from_db()
    assert item.state == "reported"
    assert (item.evidence_type, item.evidence_name) == ("image/png", "会议记录.png")
    client.force_login(tess)
    page = client.get(item.get_absolute_url()).content.decode()
    assert f"/reviews/rectifications/{item.pk}/evidence/file/" in page
    response = client.get(f"/reviews/rectifications/{item.pk}/evidence/file/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG


def test_a_text_file_named_png_is_refused_and_changes_nothing(client, district, alice, tess):
    item = _register(tess, district.branch_a)
    client.force_login(alice)
    _act(client, item, "start")
    upload = SimpleUploadedFile("照片.png", b"just some text, not an image\n", "image/png")
    response = _act(client, item, "report", note="已整改。", evidence=upload)
    assert "附件只能是 JPG、PNG 图片或 PDF 文件" in response.content.decode()
    item.refresh_from_db()
    assert item.state == "in_progress"
    assert (item.report_note, item.evidence_type, item.evidence_name) == ("", "", "")
    assert not item.evidence and item.reported_at is None
    assert item.events.count() == 2
    client.force_login(tess)
    assert client.get(f"/reviews/rectifications/{item.pk}/evidence/file/").status_code == 404


# --- Overdue -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "state, overdue",
    [("registered", True), ("in_progress", True), ("reported", False), ("closed", False)],
)
def test_overdue_is_past_the_deadline_and_not_yet_reported(client, district, tess, state, overdue):
    late = _register(tess, district.branch_a, problem="逾期事项")
    due_today = _register(tess, district.branch_a, problem="今天到期")
    in_time = _register(tess, district.branch_a, problem="未到期")
    Rectification.objects.update(state=state)
    Rectification.objects.filter(pk=late.pk).update(deadline=TODAY - 3 * DAY)
    Rectification.objects.filter(pk=due_today.pk).update(deadline=TODAY)
    found = set(Rectification.objects.overdue(TODAY).values_list("pk", flat=True))
    assert found == ({late.pk} if overdue else set())
    for item in (late, due_today, in_time):
        item.refresh_from_db()
        assert item.is_overdue(TODAY) == (overdue and item == late)
    client.force_login(tess)
    assert ("已逾期" in client.get(late.get_absolute_url()).content.decode()) == overdue
    assert "已逾期" not in client.get(in_time.get_absolute_url()).content.decode()
    response = client.get("/reviews/rectifications/?overdue=on")
    assert _shown(response) == ({late.pk} if overdue else set())
    assert response.context["counts"].overdue == int(overdue)


# --- Two people at once --------------------------------------------------------------------------


def test_a_stale_second_close_is_refused(district, alice, tess, charlie):
    item = _register(tess, district.branch_a)
    services.report_rectification(item, by=alice, note="已整改。")
    first = Rectification.objects.get(pk=item.pk)
    second = Rectification.objects.get(pk=item.pk)
    services.close_rectification(first, by=tess, comment="同意销号")
    with pytest.raises(ValidationError) as refused:
        services.close_rectification(second, by=charlie, comment="我也销号")
    assert "已被他人处理" in " ".join(refused.value.messages)
    assert "已销号" in " ".join(refused.value.messages)
    item.refresh_from_db()
    assert item.state == "closed" and item.version == 3
    closes = RectificationEvent.objects.filter(rectification=item, to_state="closed")
    assert [(e.actor, e.comment) for e in closes] == [(tess, "同意销号")]


def test_a_stale_return_after_a_close_is_refused(district, alice, tess, charlie):
    item = _register(tess, district.branch_a)
    services.report_rectification(item, by=alice, note="已整改。")
    stale = Rectification.objects.get(pk=item.pk)
    services.close_rectification(item, by=tess)
    with pytest.raises(ValidationError, match="已被他人处理"):
        services.return_rectification(stale, by=charlie, reason="还没改好")
    assert _state(item) == "closed"


# --- The register page ---------------------------------------------------------------------------


@pytest.fixture
def register_rows(district, campaign, alice, tess, olivia):
    """Rows in three branches: branch A's (from a review, reported; by inspection, overdue), the
    peace branch's (closed) and branch B's (by evaluation, overdue)."""
    review = _review(campaign, tess, district.branch_a)
    rows = {
        "a_review": _register(tess, district.branch_a, problem="点评指出的问题", review=review),
        "a_late": _register(tess, district.branch_a, problem="督查发现的问题"),
        "peace": _register(olivia, district.peace, problem="和平社区的问题"),
        "b_late": _register(olivia, district.branch_b, problem="红旗村的问题", source="evaluation"),
    }
    services.report_rectification(rows["a_review"], by=alice, note="已整改。")
    Rectification.objects.filter(pk=rows["peace"].pk).update(state="closed")
    Rectification.objects.filter(pk__in=[rows["a_late"].pk, rows["b_late"].pk]).update(
        deadline=TODAY - 5 * DAY
    )
    return {key: item.pk for key, item in rows.items()}


def test_the_register_filters_by_state_overdue_source_and_subtree(
    client, district, olivia, register_rows
):
    rows = register_rows
    client.force_login(olivia)
    response = client.get("/reviews/rectifications/")
    assert response.status_code == 200
    assert _shown(response) == set(rows.values())
    # The closed one comes last; the open ones by deadline.
    assert [r.pk for r in response.context["page"].object_list][-1] == rows["peace"]
    counts = response.context["counts"]
    assert (counts.open, counts.overdue) == (3, 2)
    assert _shown(client.get("/reviews/rectifications/?state=reported")) == {rows["a_review"]}
    assert _shown(client.get("/reviews/rectifications/?state=closed")) == {rows["peace"]}
    overdue = {rows["a_late"], rows["b_late"]}
    assert _shown(client.get("/reviews/rectifications/?overdue=on")) == overdue
    assert _shown(client.get("/reviews/rectifications/?source=review")) == {rows["a_review"]}
    assert _shown(client.get("/reviews/rectifications/?source=evaluation")) == {rows["b_late"]}
    east = client.get(f"/reviews/rectifications/?org={district.east.pk}")
    assert _shown(east) == {rows["a_review"], rows["a_late"], rows["peace"]}
    assert east.context["counts"].overdue == 1
    branch = client.get(f"/reviews/rectifications/?org={district.branch_a.pk}&overdue=on")
    assert _shown(branch) == {rows["a_late"]}
    west = client.get(f"/reviews/rectifications/?org={district.west.pk}&state=closed")
    assert _shown(west) == set()
    page = client.get(f"/reviews/rectifications/?org={district.west.pk}").content.decode()
    assert "红旗村的问题" in page and "督查发现的问题" not in page


@pytest.mark.parametrize(
    "persona, visible",
    [
        ("alice", {"a_review", "a_late"}),
        ("tess", {"a_review", "a_late", "peace"}),
        ("charlie", {"a_review", "a_late", "peace"}),
        ("bob", {"b_late"}),
    ],
)
def test_the_register_never_shows_rows_outside_the_users_scope(
    request, client, district, register_rows, persona, visible
):
    client.force_login(request.getfixturevalue(persona))
    expected = {register_rows[key] for key in visible}
    for query in ("", "?overdue=on", "?source=inspection", "?state=registered", "?q=问题"):
        response = client.get(f"/reviews/rectifications/{query}")
        assert _shown(response) <= expected
    response = client.get("/reviews/rectifications/")
    assert _shown(response) == expected
    page = response.content.decode()
    assert ("督查发现的问题" in page) == ("a_late" in visible)
    assert ("红旗村的问题" in page) == ("b_late" in visible)


def test_a_closed_problem_that_came_back_is_reopened_from_above_only(client, district, alice, tess):
    item = _register(tess, district.branch_a)
    client.force_login(alice)
    _act(client, item, "report", note="已整改。")
    client.force_login(tess)
    _act(client, item, "close")
    assert _state(item) == "closed"
    # The branch cannot reopen (nor close) its own problem.
    client.force_login(alice)
    assert (
        client.post(f"/reviews/rectifications/{item.pk}/reopen/", {"comment": "x"}).status_code
        == 403
    )
    client.force_login(tess)
    response = _act(client, item, "reopen", comment="")
    assert "重新打开时请写明原因" in response.content.decode()
    assert _state(item) == "closed"
    response = _act(client, item, "reopen", comment="检查发现问题反弹。")
    assert "已重新打开" in response.content.decode()
    item.refresh_from_db()
    assert (item.state, item.closed_at) == ("in_progress", None)
    assert item.events.last().comment == "检查发现问题反弹。"


def test_the_register_marks_overdue_rows_by_the_models_rule(client, district, tess):
    late = _register(tess, district.branch_a, problem="逾期未改")
    Rectification.objects.filter(pk=late.pk).update(deadline=TODAY - DAY)
    reported = _register(tess, district.branch_a, problem="已报告的")
    Rectification.objects.filter(pk=reported.pk).update(deadline=TODAY - DAY, state="reported")
    client.force_login(tess)
    rows = {
        row.problem: row.late
        for row in client.get("/reviews/rectifications/").context["page"].object_list
    }
    assert rows == {"逾期未改": True, "已报告的": False}


def test_the_register_exports_the_rows_it_lists(client, district, tess, alice, bob):
    import csv
    import io

    from reviews.models import Rectification

    today = datetime.date.today()
    for org, days in ((district.branch_a, 5), (district.peace, -3)):
        item = services.register_rectification(
            org,
            by=tess,
            problem=f"=问题{org.name}",
            responsible_person="书记",
            deadline=today + datetime.timedelta(days=abs(days)),
        )
        if days < 0:
            Rectification.objects.filter(pk=item.pk).update(
                deadline=today + datetime.timedelta(days=days)
            )
    client.force_login(tess)
    for query in ("", "overdue=on", f"org={district.branch_a.pk}"):
        listed = [
            r.problem for r in client.get(f"/reviews/rectifications/?{query}").context["page"]
        ]
        response = client.get(f"/reviews/rectifications/export/?{query}&format=csv")
        text = b"".join(response.streaming_content).decode("utf-8")[1:]
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[1][0] == "责任组织"
        assert [row[1] for row in rows[2:]] == ["'" + p for p in listed], query
    client.force_login(bob)
    response = client.get(f"/reviews/rectifications/export/?org={district.branch_a.pk}")
    assert response.status_code == 404
