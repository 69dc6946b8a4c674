"""sheets.writer, the one exporter: text a spreadsheet could run as a formula is neutralised in
CSV and XLSX, XLSX text is always a string, and numbers and dates stay numbers and dates."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.utils.functional import lazy
from openpyxl import load_workbook

from sheets.writer import Column, Sheet, attachment_header, cell_value, neutralise, sheet_title

HOSTILE = [
    '=HYPERLINK("http://x","y")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",  # full-width, as a Chinese input method types them
    "＋1",
    "－1",
    "＠SUM(1)",
    " =1+1",  # after leading blanks, which some programs trim
    "\u3000=1+1",  # an ideographic space
    "\n@SUM(1)",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_leading_text_gets_an_apostrophe(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["李华", "北京市 房山区", "a=b", "1+1", "2024-05-01", "", "'=1"])
def test_plain_text_is_left_alone(text):
    assert neutralise(text) == text


def test_control_characters_are_dropped_before_the_check():
    assert neutralise("李\x00华\x1f") == "李华"
    assert neutralise("\x01=1+1") == "'=1+1"


def test_numbers_and_dates_stay_what_they_are():
    assert cell_value(Decimal("-12.50")) == Decimal("-12.50")
    assert cell_value(-3) == -3 and cell_value(2.5) == 2.5 and cell_value(True) is True
    assert cell_value(date(2024, 5, 1)) == date(2024, 5, 1)
    # An aware datetime in local (Beijing) time, without the zone XLSX cannot store.
    assert cell_value(datetime(2024, 5, 1, 2, 0, tzinfo=UTC)) == datetime(2024, 5, 1, 10, 0)
    assert cell_value(None) is None
    assert cell_value(float("nan")) == "nan"
    assert cell_value(lazy(lambda: "=1+1", str)()) == "'=1+1"  # a lazy translation is text


def hostile_sheet():
    sheet = Sheet("收货/清单[1]", ["收货人", Column("金额", number_format="¥#,##0.00"), "日期"])
    sheet.extend([text, Decimal("-12.50"), date(2024, 5, 1)] for text in HOSTILE)
    sheet.append(["#N/A", 3, None])
    return sheet


def test_csv_is_utf8_with_a_bom_and_neutralised():
    body = hostile_sheet().as_csv()
    assert body.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert table[0] == ["收货人", "金额", "日期"]
    assert [row[0] for row in table[1:-1]] == ["'" + text for text in HOSTILE]
    assert {row[1] for row in table[1:-1]} == {"-12.50"}  # a negative amount is a number
    assert table[1][2] == "2024-05-01"
    assert table[-1] == ["#N/A", "3", ""]


def test_xlsx_text_is_a_string_and_numbers_keep_their_format():
    book = load_workbook(io.BytesIO(hostile_sheet().as_xlsx()))
    sheet = book.active
    assert sheet.title == "收货清单1"
    rows = list(sheet.iter_rows())
    assert [c.value for c in rows[0]] == ["收货人", "金额", "日期"]
    assert not [c.coordinate for row in rows for c in row if c.data_type == "f"]
    texts = [row[0] for row in rows[1:]]
    assert {c.data_type for c in texts} == {"s"}
    # (XML reads a carriage return back as a line feed.)
    assert [c.value for c in texts[:-1]] == ["'" + t.replace("\r", "\n") for t in HOSTILE]
    assert texts[-1].value == "#N/A"  # text, not Excel's error value
    amount = rows[1][1]
    assert amount.data_type == "n" and amount.value == Decimal("-12.50")
    assert amount.number_format == "¥#,##0.00"
    assert rows[1][2].is_date and rows[1][2].value == datetime(2024, 5, 1)
    assert rows[-1][1].value == 3 and rows[-1][2].value is None


def test_xlsx_drops_control_characters_openpyxl_refuses():
    sheet = Sheet("x", ["a"])
    sheet.append(["王\x0b芳\x1b"])
    assert load_workbook(io.BytesIO(sheet.as_xlsx())).active["A2"].value == "王芳"


def test_rows_from_a_generator_are_read_when_written():
    read = []

    def rows():
        for n in range(3):
            read.append(n)
            yield [n]

    sheet = Sheet("x", ["n"])
    sheet.extend(rows())
    assert read == []
    assert sheet.as_csv().decode("utf-8-sig").split() == ["n", "0", "1", "2"]


def test_a_list_without_columns_has_no_header_row():
    sheet = Sheet("codes", [])
    sheet.extend([[code] for code in ("A1", "=B2")])
    assert sheet.as_csv().decode("utf-8-sig").split() == ["A1", "'=B2"]


def test_the_response_names_the_file_safely():
    sheet = hostile_sheet()
    response = sheet.as_response("csv", "fahuo")
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"] == 'attachment; filename="fahuo.csv"'
    response = Sheet("x", ["a"]).as_response("xlsx", "待发货-2024-05-01")
    assert "spreadsheetml" in response["Content-Type"]
    assert response["Content-Disposition"] == (
        'attachment; filename="2024-05-01.xlsx"; '
        "filename*=utf-8''%E5%BE%85%E5%8F%91%E8%B4%A7-2024-05-01.xlsx"
    )
    assert attachment_header('a"b\r\nSet-Cookie: x/../y', "csv") == (
        'attachment; filename="a\\"bSet-Cookie: x..y.csv"'
    )
    assert attachment_header("", "csv") == 'attachment; filename="export.csv"'
    with pytest.raises(ValueError):
        sheet.as_response("pdf", "x")


def test_sheet_titles_excel_accepts():
    assert sheet_title("'a:b*c?'") == "abc"
    assert sheet_title("旗" * 40) == "旗" * 31
    assert sheet_title("[]") == "Sheet1"
