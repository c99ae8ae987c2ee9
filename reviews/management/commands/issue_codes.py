"""python manage.py issue_codes ROUND --count N [--group public] [--out FILE]

Issues one-time codes of an open 群众评议 round as plain text, one a line, instead of as printed
slips: for codes handed out by another channel (a text message sent by the office's own system),
and for the HTTP load test of the public ballot (`bench --http`), whose POSTs each spend a code
issued here in advance. The codes exist nowhere else (only their digests are stored), so the file
is written readable by its owner alone; treat it as the slips themselves.
"""

import os

from django.core.management.base import BaseCommand, CommandError

from reviews import ballots
from reviews.models import EvaluationRound, ParticipantGroup, RoundState

MAX_COUNT = 100_000


class Command(BaseCommand):
    help = "Issues one-time codes of an open evaluation round as text, one a line."

    def add_arguments(self, parser):
        parser.add_argument("round_id", type=int, help="the round's id")
        parser.add_argument("--count", type=int, required=True, help="how many codes")
        parser.add_argument(
            "--group",
            default=ParticipantGroup.PUBLIC,
            choices=ParticipantGroup.values,
            help="the participants' group the codes count for (default: public)",
        )
        parser.add_argument("--out", metavar="FILE", help="write the codes here (default: stdout)")

    def handle(self, *args, round_id, count, group, out, **options):
        round_ = EvaluationRound.objects.filter(pk=round_id).first()
        if round_ is None:
            raise CommandError(f"没有编号为 {round_id} 的评议。")
        if round_.state not in (RoundState.PREPARING, RoundState.OPEN):
            raise CommandError("评议已结束，不能再发放评议码。")
        if not 1 <= count <= MAX_COUNT:
            raise CommandError(f"评议码数量应在 1 至 {MAX_COUNT:,} 之间。")
        codes = ballots.issue(round_, group, count)
        text = "".join(f"{code}\n" for code in codes)
        if out is None:
            self.stdout.write(text, ending="")
            return
        # Created readable by the owner alone, before a code is written into it.
        descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(text)
        self.stderr.write(f"已发放 {count:,} 个评议码（{round_.title}），写入 {out}。")
