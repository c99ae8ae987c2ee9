"""Nothing is loaded from the internet, and nothing vendored (nor the PDF font) changes unseen."""

import importlib.util
from pathlib import Path

CHECK = Path(__file__).resolve().parent.parent / "static" / "vendor" / "check_vendor.py"


def _check():
    spec = importlib.util.spec_from_file_location("check_vendor", CHECK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_vendor_check_passes(capsys):
    assert _check().main() == 0, capsys.readouterr().out


def test_the_check_covers_the_pdf_font_by_its_sha256():
    check = _check()
    assert "pledges/fonts/wqy-microhei.ttc" in check.SUMS.read_text(encoding="utf-8")
    assert check.check_sums() == []
