"""One-time codes for the 群众评议表 and the answers they give.

A code is ten characters from the slips' alphabet without look-alikes (no 0/O/1/I: 50 bits from
`secrets`), shown as two groups of five; only its SHA-256 digest is stored. The QR code on a slip
carries it in the URL's fragment (`/e/#ABCDE-FGHJK`), which a browser never sends: the page copies
it into the form, and it travels in the POST body alone, so no access log holds it. Without
scripts the person types it.

A code is spent only by a ballot that passed every check: deleting its UnusedCode mark decides,
in the database, which of two phones posting the same code at once wins — the second DELETE
waits for the first's row lock and then finds nothing to delete. A refused or invalid ballot
leaves the code as it was. Spending writes nothing to the code's own row (models.UnusedCode says
why: the order of use stays out of the database).
"""

import datetime
import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from accounts.codes import ALPHABET, normalized

from .models import Answer, BallotCode, EvaluationRound, RoundState, UnusedCode

LENGTH = 10
GROUP = 5


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{raw[:GROUP]}-{raw[GROUP:]}"


def digest(text: str) -> str:
    return hashlib.sha256(normalized(text).encode("ascii")).hexdigest()


def well_formed(text: str) -> bool:
    code = normalized(text)
    return len(code) == LENGTH and all(ch in ALPHABET for ch in code)


class CodeRefused(ValidationError):
    """The code opens no ballot; the message says why in plain words."""


def open_code(text: str, today: datetime.date) -> BallotCode:
    """The unused code typed, of a round open today; else CodeRefused saying why (unknown, used,
    withdrawn, or its round not running)."""
    if not well_formed(text):
        raise CodeRefused(_("评议码不正确，请核对评议单上的 10 位评议码。"))
    code = (
        BallotCode.objects.select_related("round__organization")
        .annotate(unused=Exists(UnusedCode.objects.filter(code=OuterRef("pk"))))
        .filter(digest=digest(text))
        .first()
    )
    if code is None:
        raise CodeRefused(_("评议码不正确，请核对评议单上的 10 位评议码。"))
    if code.withdrawn:
        raise CodeRefused(_("该评议码已作废，请向组织评议的单位索取新的评议单。"))
    if not code.unused:
        raise CodeRefused(_("该评议码已经使用过，每个评议码只能提交一次。"))
    round_ = code.round
    if round_.state != RoundState.OPEN or not round_.starts_on <= today <= round_.ends_on:
        raise CodeRefused(
            _("本次评议不在进行中（评议时间 %(start)s 至 %(end)s）。")
            % {"start": round_.starts_on, "end": round_.ends_on}
        )
    return code


def spend(code: BallotCode, *, choices: dict, ratings: dict, comment: str, today) -> Answer:
    """Spends the code, then saves the answer, each in its own transaction: the database
    decides which of two phones spends a code (the DELETE of its mark), and the two never
    share a transaction id that would pair them in a copy of the database (PostgreSQL's xmin).
    Everything a ballot can be refused for is checked before; should saving fail after the
    spend (the database gone), that one code is lost, never counted twice. The answer is saved
    only while its round is still open (the round's row locked, as closing locks it)."""
    with transaction.atomic():
        # On this row alone (a join would make PostgreSQL recheck a stale subquery after the
        # row lock, letting a second phone through); the round's state is checked below.
        spent, _kinds = UnusedCode.objects.filter(code_id=code.pk).delete()
    if not spent:
        raise CodeRefused(_("该评议码已经使用过，每个评议码只能提交一次。"))
    with transaction.atomic():
        state = EvaluationRound.objects.select_for_update().values_list("state", flat=True)
        if state.get(pk=code.round_id) != RoundState.OPEN:
            raise CodeRefused(_("本次评议已结束。"))
        return Answer.objects.create(
            round_id=code.round_id,
            group=code.group,
            choices=choices,
            ratings=ratings,
            comment=comment,
            answered_on=today,
        )


def forget(round_: EvaluationRound) -> None:
    """At closing, inside its transaction: the round's codes are deleted (their counts are kept
    with the results) and its answers written again in random order with new keys, so that the
    live rows' physical order (SQLite's rowid, PostgreSQL's ctid) and transaction ids no longer
    follow the order in which people answered (what the freed pages may still hold: the
    Answer model's docstring)."""
    BallotCode.objects.filter(round=round_).delete()
    answers = list(
        Answer.objects.filter(round=round_).values(
            "group", "choices", "ratings", "comment", "answered_on"
        )
    )
    Answer.objects.filter(round=round_).delete()
    secrets.SystemRandom().shuffle(answers)
    Answer.objects.bulk_create([Answer(round=round_, **row) for row in answers])


def issue(round_: EvaluationRound, group: str, count: int) -> list[str]:
    """`count` new codes of the group, each with its UnusedCode mark; the codes themselves are
    returned once, never stored."""
    codes = [new_code() for _ in range(count)]
    with transaction.atomic():
        made = BallotCode.objects.bulk_create(
            [BallotCode(round=round_, group=group, digest=digest(code)) for code in codes]
        )
        UnusedCode.objects.bulk_create([UnusedCode(code=row) for row in made])
    return codes


def compact() -> list[str]:
    """Rewrites the ballot tables on PostgreSQL (VACUUM FULL), so that what closing deleted —
    the spent codes' marks, the codes, the answers as first written — is in no page of the
    database's files any more, where a plain VACUUM would only mark the space free. It holds
    the tables for the seconds it takes: nightly (settings.CELERY_BEAT_SCHEDULE). SQLite
    overwrites deleted rows as it goes (secure_delete in settings.DATABASES): nothing to do
    there. Returns the tables rewritten."""
    if connection.vendor != "postgresql":
        return []
    tables = [model._meta.db_table for model in (Answer, BallotCode, UnusedCode)]
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM FULL {', '.join(tables)}")
    return tables
