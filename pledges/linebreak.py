"""Chinese line breaking for printed text (禁则): no line starts with closing punctuation
(，。、；：？！）…) and none ends with an opening one (（《“…).

ReportLab's CJK wrapping (Paragraph wordWrap="CJK") hangs a single ASCII or Japanese closing mark
in the margin but knows neither the full-width Chinese marks (，；：？！) nor the opening ones, so
the poster breaks its lines itself: greedily, then moving characters to the next line until the
break is allowed, and hands ReportLab lines that already fit.
"""

from collections.abc import Callable
from xml.sax.saxutils import escape

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph

# Characters a line must not start with: closing marks, stops, pauses, and their ASCII twins.
CANNOT_START = frozenset("，。、；：？！）》」』】〕〉〗’”…—%,.;:?!)]}·～")
# Characters a line must not end with: opening marks.
CANNOT_END = frozenset("（《「『【〔〈〖‘“([{")


def _is_word(char: str) -> bool:
    return char.isascii() and char.isalnum()


def break_lines(text: str, fits: Callable[[int, int], bool]) -> list[tuple[int, int]]:
    """`text` cut into lines, as (start, end) index pairs, such that `fits(start, end)` holds
    for each, breaking where the rules allow.

    Where a greedy break would start a line with a closing mark or end one with an opening
    mark, characters move down to the next line; a run of Latin letters or digits is kept
    whole when the line can take it. A line that could only be broken against the rules (a
    line's worth of punctuation) is broken anyway rather than overflow."""
    lines: list[tuple[int, int]] = []
    start = 0
    while start < len(text):
        end = start + 1
        while end < len(text) and fits(start, end + 1):
            end += 1
        if end < len(text):
            end = _allowed_break(text, start, end)
        stop = end
        while stop > start + 1 and text[stop - 1] == " ":
            stop -= 1
        lines.append((start, stop))
        start = end
        while start < len(text) and text[start] == " ":
            start += 1
    return lines


def _allowed_break(text: str, start: int, end: int) -> int:
    """The break at or before `end` (the first character of the next line) that the rules allow,
    else `end` itself."""
    for candidate in range(end, start, -1):
        if text[candidate] in CANNOT_START or text[candidate - 1] in CANNOT_END:
            continue
        if _is_word(text[candidate]) and _is_word(text[candidate - 1]):
            continue  # inside a word or number
        return candidate
    # No allowed break (one long word): a break against the word rule only.
    for candidate in range(end, start, -1):
        if text[candidate] not in CANNOT_START and text[candidate - 1] not in CANNOT_END:
            return candidate
    return end


class WrappedParagraph(Flowable):
    """A Paragraph of plain text whose lines are broken by break_lines for the width it gets.

    `parts` are (text, markup, font size) triples: the text is never read as markup; `markup`
    wraps each escaped piece of it ("%s", or e.g. '<font size="7" color="#555">%s</font>'),
    and the font size (None: the style's) measures it."""

    def __init__(self, parts: str | list[tuple[str, str, float | None]], style):
        super().__init__()
        self.parts = [(parts, "%s", None)] if isinstance(parts, str) else parts
        self.style = style
        self._paragraph: Paragraph | None = None

    def _build(self, width: float) -> Paragraph:
        style = self.style
        room = width - style.leftIndent - style.rightIndent - 0.5  # below ReportLab's fuzz
        text = "".join(part for part, _, _ in self.parts)
        owners: list[int] = []  # which part each character belongs to
        edges = [0.0]  # the width of text[:i]
        for index, (part, _, size) in enumerate(self.parts):
            for char in part:
                owners.append(index)
                edges.append(edges[-1] + stringWidth(char, style.fontName, size or style.fontSize))

        def fits(start: int, end: int) -> bool:
            return edges[end] - edges[start] <= room

        lines = []
        for start, end in break_lines(text, fits):
            pieces, i = [], start
            while i < end:
                j = i
                while j < end and owners[j] == owners[i]:
                    j += 1
                pieces.append(self.parts[owners[i]][1] % escape(text[i:j]))
                i = j
            lines.append("".join(pieces))
        return Paragraph("<br/>".join(lines), style)

    def wrap(self, availWidth, availHeight):
        self._paragraph = self._build(availWidth)
        return self._paragraph.wrap(availWidth, availHeight)

    def split(self, availWidth, availHeight):
        paragraph = self._paragraph or self._build(availWidth)
        return paragraph.split(availWidth, availHeight)

    def draw(self):
        self._paragraph.drawOn(self.canv, 0, 0)

    def getSpaceBefore(self):
        return self.style.spaceBefore

    def getSpaceAfter(self):
        return self.style.spaceAfter
