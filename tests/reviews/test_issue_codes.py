"""`manage.py issue_codes`: codes of an open round as text, issued in advance (for another
channel, and for the load test of the public ballot), each answering one ballot."""

import io
import stat

import pytest
from django.core.management import CommandError, call_command

from reviews import ballots, evaluations
from reviews.models import BallotCode, ParticipantGroup

from .conftest import TODAY
from .test_evaluations import _ballot


def test_it_writes_codes_readable_by_the_owner_alone_and_each_answers_once(
    client,
    round_,
    tmp_path,
):
    out = tmp_path / "codes.txt"
    call_command("issue_codes", round_.pk, count=25, out=str(out), stderr=io.StringIO())

    codes = out.read_text().split()
    assert len(codes) == len(set(codes)) == 25
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert BallotCode.objects.filter(round=round_, group=ParticipantGroup.PUBLIC).count() == 25
    assert ballots.open_code(codes[0], TODAY).round == round_
    assert client.post("/e/", _ballot(codes[0])).status_code == 302
    again = client.post("/e/", _ballot(codes[0]))
    assert again.status_code == 200 and "已经使用过" in again.content.decode()


def test_it_prints_to_stdout_with_the_group_asked(round_):
    output = io.StringIO()
    call_command("issue_codes", round_.pk, count=3, group="served", stdout=output)

    assert len(output.getvalue().split()) == 3
    assert BallotCode.objects.filter(round=round_, group=ParticipantGroup.SERVED).count() == 3


def test_it_refuses_a_closed_round_an_unknown_one_and_a_bad_count(round_, tess):
    with pytest.raises(CommandError, match="数量"):
        call_command("issue_codes", round_.pk, count=0)
    with pytest.raises(CommandError, match="没有编号"):
        call_command("issue_codes", 999999, count=1)
    evaluations.close_round(round_, by=tess)
    before = BallotCode.objects.count()
    with pytest.raises(CommandError, match="已结束"):
        call_command("issue_codes", round_.pk, count=1)
    assert BallotCode.objects.count() == before
