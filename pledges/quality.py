"""Hints on a pledge's quality for the secretary and the reviewer — never a block.

The documents ask for pledges that are concrete and checkable ("不求多、讲究实、能做到"). Two
simple rules flag the pledges worth a second look:

- **near-identical**: its text (title and content) is at least SIMILAR percent alike to another
  pledge's of the same branch, by rapidfuzz's normalised Indel similarity (the share of
  characters the two texts have in common, in order) — copied and pasted pledges;
- **not measurable**: its text holds no number, no date or period and no counted object: no
  digit, no Chinese numeral followed by a measure word (三次, 两户, 十件; not "一名合格的",
  which describes, nor "一起"), no "每周 / 每月 / 每季度 / 每年", no date (3月, 年底, 月底,
  上半年). "服务群众，爱岗敬业" is flagged; "每月走访困难群众2户" is not.
"""

import bisect
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _
from rapidfuzz import fuzz, process

SIMILAR = 80  # percent
# Shorter texts say too little to compare ("已完成"): they are not matched.
MIN_LENGTH = 8

_NUMERAL = "零一二两三四五六七八九十百千万半"
_MEASURE = "次户人名位件个项场篇期元天日周月年条份批家所米里亩棵株本课节小时处座套台"
# "一名合格的党员", "一个好榜样": a numeral that describes, not one that counts.
_NOT_A_COUNT = "(?!一[名个位](?:合格|优秀|好|真正|普通|称职))"
MEASURABLE = re.compile(
    r"\d"
    rf"|{_NOT_A_COUNT}[{_NUMERAL}]+[{_MEASURE}]"
    r"|每(?:天|日|周|星期|月|季|季度|年|半年)"
    r"|年底|年末|年内|月底|月末|上半年|下半年|季度"
)

NEAR_IDENTICAL = _("与同支部“%(name)s”的承诺几乎相同")
NOT_MEASURABLE = _("没有可衡量的内容（数量、时间或具体对象）")


@dataclass
class Hints:
    # pledge id → the hints for it, in plain words
    by_pledge: dict[int, list[str]] = field(default_factory=dict)

    def of(self, pk: int) -> list[str]:
        return self.by_pledge.get(pk, [])

    @property
    def count(self) -> int:
        return len(self.by_pledge)


def text_of(pledge) -> str:
    return f"{pledge.title} {pledge.content}".strip()


def measurable(text: str) -> bool:
    return MEASURABLE.search(text) is not None


def hints_for(pledges) -> Hints:
    """Hints for each of the pledges of one branch (its own and its members'), compared with one
    another (each text against the others in one call into rapidfuzz's C code)."""
    pledges = list(pledges)
    texts = [text_of(pledge) for pledge in pledges]
    found: dict[int, list[str]] = {}
    for pledge, text in zip(pledges, texts, strict=True):
        if not measurable(text):
            found.setdefault(pledge.pk, []).append(str(NOT_MEASURABLE))
    # Texts at least SIMILAR percent alike are within 2/3 and 3/2 of each other's length (the
    # Indel similarity is at most 2·shorter/(sum of lengths)): each text is compared only with
    # those in that window of the texts sorted by length.
    comparable = sorted(
        (i for i, text in enumerate(texts) if len(text) >= MIN_LENGTH), key=lambda i: len(texts[i])
    )
    lengths = [len(texts[i]) for i in comparable]
    for row, i in enumerate(comparable):
        low = bisect.bisect_left(lengths, lengths[row] * 2 / 3)
        high = bisect.bisect_right(lengths, lengths[row] * 3 / 2)
        window = [comparable[k] for k in range(low, high) if k != row]
        # The best match in the window: rapidfuzz loops over it in C.
        match = process.extractOne(
            texts[i], [texts[k] for k in window], scorer=fuzz.ratio, score_cutoff=SIMILAR
        )
        if match is not None:
            twin = pledges[window[match[2]]]
            found.setdefault(pledges[i].pk, []).append(
                str(NEAR_IDENTICAL % {"name": twin.owner_name})
            )
    return Hints(found)
