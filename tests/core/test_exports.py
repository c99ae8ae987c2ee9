"""The export writers (core.exports): formula injection neutralised for each leading character,
numbers kept as numbers, dates in either style, the BOM, the title and frozen header rows."""

import csv
import datetime
import io

import pytest
from openpyxl import load_workbook

from core.exports import Column, Table, csv_lines, write_xlsx

ROWS = [
    {"text": "=1+1", "n": -5, "phone": "+86 13800000000", "day": datetime.date(2026, 3, 1)},
    {"text": "张三", "n": 3, "phone": "13800000000", "day": None},
]
COLUMNS = [
    Column("文字", lambda r: r["text"]),
    Column("数", lambda r: r["n"], kind="number"),
    Column("电话", lambda r: r["phone"]),
    Column("日期", lambda r: r["day"], kind="date"),
]


def _table(rows=ROWS, dates="chinese"):
    return Table("测试", "某某区委 · 测试（全部）导出于 2026-12-06 10:00", COLUMNS, rows, dates)


def _csv(table) -> list[list[str]]:
    text = "".join(csv_lines(table))
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def _xlsx(table):
    buffer = io.BytesIO()
    write_xlsx(table, buffer)
    return load_workbook(io.BytesIO(buffer.getvalue())).active


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_text_that_reads_as_a_formula_is_neutralised(start):
    value = f'{start}HYPERLINK("http://x")'
    table = _table([{"text": value, "n": 1, "phone": "", "day": None}])
    assert _csv(table)[2][0] == "'" + value
    cell = _xlsx(_table([{"text": value, "n": 1, "phone": "", "day": None}]))["A3"]
    # Text, shown as typed, never a formula (XML reads a carriage return back as a line feed).
    assert (cell.value.replace("\n", "\r"), cell.data_type, cell.quotePrefix) == (
        value.replace("\n", "\r"),
        "s",
        True,
    )


def test_numbers_stay_numbers_and_plain_text_is_untouched():
    rows = _csv(_table())
    assert rows[0] == ["某某区委 · 测试（全部）导出于 2026-12-06 10:00"]
    assert rows[1] == ["文字", "数", "电话", "日期"]
    assert rows[3] == ["张三", "3", "13800000000", ""]
    sheet = _xlsx(_table())
    assert sheet["B3"].value == -5 and sheet["B3"].data_type == "n"
    assert sheet["C3"].value == "+86 13800000000"  # a phone kept as text, not mangled
    assert sheet["A4"].value == "张三" and not sheet["A4"].quotePrefix
    assert sheet.freeze_panes == "A3"
    assert sheet.column_dimensions["A"].width == 14


def test_dates_are_chinese_or_iso_by_choice():
    assert _csv(_table())[2][3] == "2026年3月1日"
    assert _csv(_table(dates="iso"))[2][3] == "2026-03-01"
    assert _xlsx(_table(dates="iso"))["D3"].value == "2026-03-01"
