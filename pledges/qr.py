"""QR codes drawn on the server as inline SVG: no script, no image request, nothing fetched from
outside; presentation attributes only, which the Content-Security-Policy allows where it refuses a
style attribute.

Encoded with segno (the 群众评议 slips' encoder, about twice as fast as ReportLab's) and kept per
process for the texts seen last: a board's code depends on its address alone, and encoding it
was a third of the board's uncached render."""

from functools import lru_cache

import segno
from django.utils.html import escape

QUIET_ZONE = 2  # modules of white around the code, which scanners need


def qr_svg(text: str, *, label: str) -> str:
    """An <svg> element encoding `text`; `label` is its accessible name. Each row's dark runs
    are one path, so a board link's code is a few hundred bytes."""
    size, path = _qr_path(text)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" class="qr" '
        f'role="img" aria-label="{escape(label)}" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path d="{path}" fill="#000"/></svg>'
    )


@lru_cache(maxsize=4096)
def _qr_path(text: str) -> tuple[int, str]:
    """The code's width with its quiet zone, and the path of its dark runs (pure: depends on
    `text` alone, so a bounded memo is safe; 4,096 boards' codes are about 4 MB)."""
    matrix = segno.make(text, error="m", micro=False, boost_error=False).matrix
    count = len(matrix)
    runs = []
    for row, cells in enumerate(matrix):
        column = 0
        while column < count:
            if cells[column]:
                start = column
                while column < count and cells[column]:
                    column += 1
                x, y, width = start + QUIET_ZONE, row + QUIET_ZONE, column - start
                runs.append(f"M{x} {y}h{width}v1h-{width}z")
            else:
                column += 1
    return count + 2 * QUIET_ZONE, "".join(runs)
