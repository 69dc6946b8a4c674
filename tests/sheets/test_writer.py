"""sheets.writer, the one exporter: text a spreadsheet could run as a formula is neutralised in
CSV and XLSX, XLSX text is always a string, and numbers and dates stay numbers and dates."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.functional import lazy
from openpyxl import load_workbook

from sheets import writer
from sheets.writer import (
    COUNT_FORMAT,
    MAX_WIDTH,
    MONEY_FORMAT,
    Column,
    Sheet,
    attachment_header,
    cell_value,
    display_width,
    neutralise,
    sheet_title,
)

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


def table(body: bytes):
    """The worksheet and its rows from the header (the row above the frozen pane) down."""
    sheet = load_workbook(io.BytesIO(body)).active
    header = int(sheet.freeze_panes.lstrip("A")) - 1
    return sheet, list(sheet.iter_rows())[header - 1 :]


def test_xlsx_text_is_a_string_and_numbers_keep_their_format():
    sheet, rows = table(hostile_sheet().as_xlsx())
    assert sheet.title == "收货清单1"
    assert [c.value for c in rows[0]] == ["收货人", "金额", "日期"]
    cells = [c for row in sheet.iter_rows() for c in row]  # the title rows too
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = [row[0] for row in rows[1:]]
    assert {c.data_type for c in texts} == {"s"}
    # (XML reads a carriage return back as a line feed.)
    assert [c.value for c in texts[:-1]] == ["'" + t.replace("\r", "\n") for t in HOSTILE]
    assert texts[-1].value == "#N/A"  # text, not Excel's error value
    amount = rows[1][1]
    assert amount.data_type == "n" and amount.value == Decimal("-12.50")
    assert amount.number_format == "¥#,##0.00"
    assert rows[1][2].is_date and rows[1][2].value == datetime(2024, 5, 1)
    assert rows[1][2].number_format == "yyyy-mm-dd"
    assert rows[-1][1].value == 3 and rows[-1][2].value is None


def test_xlsx_drops_control_characters_openpyxl_refuses():
    sheet = Sheet("x", ["a"])
    sheet.append(["王\x0b芳\x1b"])
    _, rows = table(sheet.as_xlsx())
    assert rows[1][0].value == "王芳"


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


# An XLSX made to be read and printed by people (issue 25): title rows, frozen header, widths,
# number formats, a totals row. A CSV stays header and rows, for machines.


def report_sheet(**kwargs):
    sheet = Sheet(
        "带动增收报告（按旗县）",
        [
            "旗县",
            Column("销售额（元）", "money"),
            Column("已付款订单", "count"),
            Column("备注", "text"),
            Column("受益户数", "count"),
            Column("下单时间", "datetime"),
        ],
        scope="全区 · 2 个旗县：察右中旗、奈曼旗",
        period=(date(2026, 1, 1), date(2026, 12, 31)),
        made_at=datetime(2026, 12, 7, 0, 4, tzinfo=UTC),
        **kwargs,
    )
    sheet.extend(
        [
            ["察右中旗", Decimal("1234.50"), 3, "=1+1", 2, datetime(2026, 5, 1, 2, 0, tzinfo=UTC)],
            ["奈曼旗", Decimal("0.25"), 1, "内蒙古自治区通辽市奈曼旗大沁他拉镇", 1, None],
            ["四子王旗", Decimal("-12.50"), 0, None, 0, None],  # a month of refunds
        ]
    )
    return sheet


def test_xlsx_title_rows_say_what_whose_which_period_and_when_made():
    translation.activate("zh-hans")
    try:
        book = load_workbook(io.BytesIO(report_sheet().as_xlsx()))
    finally:
        translation.deactivate()
    sheet = book.active
    titles = [row[0] for row in sheet.iter_rows(max_row=4, values_only=True)]
    assert titles == [
        "带动增收报告（按旗县）",
        "范围：全区 · 2 个旗县：察右中旗、奈曼旗",
        "期间：2026年1月1日 至 2026年12月31日",
        "生成时间：2026年12月7日 08:04（北京时间）",  # made at 00:04 UTC: Asia/Shanghai
    ]
    assert sheet["A1"].font.b and sheet["A5"].value == "旗县" and sheet["A5"].font.b


def test_xlsx_header_is_frozen_and_repeated_on_every_printed_page():
    sheet = load_workbook(io.BytesIO(report_sheet().as_xlsx())).active
    assert sheet.freeze_panes == "A6"  # title rows 1–4, the header on row 5
    assert sheet.print_title_rows == "$5:$5"
    assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
    assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4)


def test_xlsx_columns_are_as_wide_as_their_content_cjk_counting_double():
    sheet = load_workbook(io.BytesIO(report_sheet().as_xlsx())).active
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCDEF"}
    assert all(widths.values())
    assert widths["A"] >= 2 * len("察右中旗")  # a CJK character is two wide
    # The long address: its 18 CJK characters are 36 wide, under the cap.
    assert 36 <= widths["D"] <= MAX_WIDTH
    assert widths["F"] >= len("2026-05-01 10:00")
    assert display_width("察右中旗") == 8 and display_width("ab\ncdé") == 3
    assert display_width(Decimal("1234.5"), MONEY_FORMAT) == len("¥1,234.50")


def test_xlsx_money_and_counts_have_their_formats_and_a_totals_row_adds_them_up():
    _, rows = table(report_sheet().as_xlsx())
    header, body, total = rows[0], rows[1:-1], rows[-1]
    assert [c.value for c in header][:3] == ["旗县", "销售额（元）", "已付款订单"]
    assert {row[1].number_format for row in body} == {MONEY_FORMAT}
    assert {row[2].number_format for row in body} == {COUNT_FORMAT}
    assert body[0][5].number_format == "yyyy-mm-dd hh:mm"
    assert body[0][5].value == datetime(2026, 5, 1, 10, 0)  # Beijing time
    assert total[0].value in ("Total", "合计") and total[0].font.b
    assert total[1].value == sum(row[1].value for row in body) == Decimal("1222.25")
    assert total[1].number_format == MONEY_FORMAT
    assert total[2].value == 4 and total[4].value == 3
    assert total[3].value is None and total[5].value is None  # text and dates are not added


def test_a_total_given_replaces_the_sum():
    """A distinct count (households across months) is not the sum of its rows."""
    _, rows = table(report_sheet(totals={"受益户数": 2}).as_xlsx())
    assert rows[-1][4].value == 2 and rows[-1][2].value == 4


def test_a_distinct_total_says_so_in_its_cell_and_in_a_note_above_the_header():
    """Issue 25: 33 distinct orders under rows adding to 53 read as a mistake unless labelled."""
    translation.activate("zh-hans")
    try:
        body = report_sheet(totals={"受益户数": writer.Distinct(2)}).as_xlsx()
    finally:
        translation.deactivate()
    sheet, rows = table(body)
    total = rows[-1]
    assert total[4].value == 2 and total[4].number_format == '#,##0"（不重复）"'
    assert total[2].value == 4 and total[2].number_format == COUNT_FORMAT  # a plain sum
    titles = [row[0] for row in sheet.iter_rows(max_row=5, values_only=True)]
    assert titles[4] == "注：合计行中的受益户数为不重复计数（每个只算一次），不等于上面各行相加。"
    assert sheet.freeze_panes == "A7" and rows[0][0].value == "旗县"
    # Wide enough for "2（不重复）".
    assert sheet.column_dimensions["E"].width >= display_width("2（不重复）") + 2


def test_a_plain_total_given_gets_no_note():
    sheet, _ = table(report_sheet(totals={"受益户数": 2}).as_xlsx())
    assert sheet.freeze_panes == "A6"


def test_an_empty_sheet_totals_nothing():
    sheet = Sheet("空", ["旗县", Column("销售额", "money")])
    _, rows = table(sheet.as_xlsx())
    assert len(rows) == 2 and rows[1][1].value == 0


def test_csv_has_no_title_rows_and_no_totals():
    """Machines read CSVs: the first line is the header, and nothing is counted twice."""
    text = report_sheet().as_csv().decode("utf-8-sig")
    table_rows = list(csv.reader(io.StringIO(text, newline="")))
    assert table_rows[0] == ["旗县", "销售额（元）", "已付款订单", "备注", "受益户数", "下单时间"]
    assert len(table_rows) == 4 and table_rows[1][3] == "'=1+1"
    assert table_rows[1][1] == "1234.50"


def test_long_rows_past_the_width_sample_are_written_and_totalled(monkeypatch):
    monkeypatch.setattr(writer, "WIDTH_SAMPLE", 2)
    sheet = Sheet("x", ["n", Column("v", "money")])
    sheet.extend([str(n), Decimal("1.10")] for n in range(5))
    _, rows = table(sheet.as_xlsx())
    assert [r[0].value for r in rows[1:-1]] == ["0", "1", "2", "3", "4"]
    assert rows[-1][1].value == Decimal("5.50")


def test_an_unknown_column_kind_is_refused():
    with pytest.raises(ValueError):
        Column("x", "percent")
