"""QR codes drawn on the server as inline SVG, with ReportLab's encoder (the poster's): no
script, no image request, nothing fetched from outside; presentation attributes only, which the
Content-Security-Policy allows where it refuses a style attribute."""

from django.utils.html import escape
from reportlab.graphics.barcode.qrencoder import QRCode, QRErrorCorrectLevel

QUIET_ZONE = 2  # modules of white around the code, which scanners need


def qr_svg(text: str, *, label: str) -> str:
    """An <svg> element encoding `text`; `label` is its accessible name. Each row's dark runs
    are one path, so a board link's code is a few hundred bytes."""
    code = QRCode(None, QRErrorCorrectLevel.M)
    code.addData(text)
    code.make()
    count = code.getModuleCount()
    size = count + 2 * QUIET_ZONE
    runs = []
    for row in range(count):
        column = 0
        while column < count:
            if code.isDark(row, column):
                start = column
                while column < count and code.isDark(row, column):
                    column += 1
                x, y, width = start + QUIET_ZONE, row + QUIET_ZONE, column - start
                runs.append(f"M{x} {y}h{width}v1h-{width}z")
            else:
                column += 1
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" class="qr" '
        f'role="img" aria-label="{escape(label)}" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path d="{"".join(runs)}" fill="#000"/></svg>'
    )
