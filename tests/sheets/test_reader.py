"""The bounded reader of uploaded spreadsheets: every limit is checked before the values it
guards are decoded, and errors name the limit without echoing the file."""

import csv
import io
import zipfile

import pytest
from openpyxl import Workbook

from sheets import reader
from sheets.reader import Limits, SheetError, excerpt, read_sheet

MB = 1024 * 1024


def xlsx(rows):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xlsx_with_sheet_xml(change, rows=(("户编号", "PLACEHOLDER"),)):
    """An XLSX whose worksheet XML is rewritten by ``change(bytes) -> bytes`` (max compression)."""
    source = zipfile.ZipFile(io.BytesIO(xlsx(rows)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                data = change(data)
            archive.writestr(name, data)
    return out.getvalue()


def one_huge_cell(chars, filler=b"x"):
    return xlsx_with_sheet_xml(lambda xml: xml.replace(b"PLACEHOLDER", filler * chars))


def csv_bytes(rows):
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


@pytest.fixture
def workbook_opened(monkeypatch):
    """Records every time openpyxl is asked to open a workbook."""
    calls = []
    real = reader.load_workbook

    def spy(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(reader, "load_workbook", spy)
    return calls


def test_a_61_kb_xlsx_holding_one_60_mb_cell_is_refused_without_being_opened(workbook_opened):
    data = one_huge_cell(60_000_000)
    assert len(data) < 70_000  # a thousandfold compression
    with pytest.raises(SheetError) as refused:
        read_sheet(data, "households.xlsx")
    message = str(refused.value)
    assert "XLSX 文件解压后会膨胀到" in message and "最多 100 倍" in message
    assert "xxxxxxxx" not in message and len(message) < 80
    assert workbook_opened == []  # refused from the zip's directory: nothing was inflated


def test_an_xlsx_larger_than_the_limit_once_uncompressed_is_refused(workbook_opened):
    # Incompressible text (ratio about 1), so only the size limit can refuse it.
    noise = bytes(65 + (i * 7919 + i // 26) % 26 for i in range(2 * MB))
    data = xlsx_with_sheet_xml(lambda xml: xml.replace(b"PLACEHOLDER", noise))
    with pytest.raises(SheetError, match=r"XLSX 文件解压后过大（约 2 MB，最多 1 MB）"):
        read_sheet(data, "h.xlsx", Limits(max_uncompressed_bytes=MB))
    assert workbook_opened == []


def test_a_file_past_the_upload_limit_is_refused_before_it_is_parsed():
    with pytest.raises(SheetError, match="文件超过 1 MB 的上限"):
        read_sheet(b"a,b\n" * (MB // 4 + 1), "h.csv", Limits(max_bytes=MB))


@pytest.mark.parametrize(("make", "name"), [(xlsx, "h.xlsx"), (csv_bytes, "h.csv")])
def test_too_many_rows_are_refused_naming_the_limit(make, name):
    rows = [["户编号"]] + [[f"H{i}"] for i in range(4)]
    assert len(read_sheet(make(rows[:4]), name, Limits(max_rows=3)).rows) == 3
    with pytest.raises(SheetError, match=r"文件行数过多（最多 3 行，不含表头）"):
        read_sheet(make(rows), name, Limits(max_rows=3))


@pytest.mark.parametrize("suffix", ["xlsx", "csv"])
def test_a_cell_longer_than_the_limit_is_refused_with_its_line_and_column(suffix):
    long_value = "长" * 1001
    rows = [["户编号", "户主姓名"], ["H1", "张三"], ["H2", long_value]]
    data = xlsx(rows) if suffix == "xlsx" else csv_bytes(rows)
    with pytest.raises(SheetError) as refused:
        read_sheet(data, f"h.{suffix}")
    assert refused.value.line == 3
    message = str(refused.value)
    assert message.startswith("第 2 列内容过长（1001 个字符，每格最多 1000 个）")
    assert "长" * 30 + "…" in message and "长" * 31 not in message  # quoted, cut


def test_a_csv_field_is_bounded_without_touching_the_process_wide_field_limit():
    limit_before = csv.field_size_limit()
    one_line = b"H1," + b"x" * 5_000_000 + b"\n"
    many_lines = b'H1,"' + b"x\n" * 2_000_000 + b'"\n'  # one quoted field over many lines
    for data in (one_line, many_lines):
        with pytest.raises(SheetError, match="这一行过长|某格过长") as refused:
            read_sheet(b"a,b\n" + data, "h.csv")
        assert refused.value.line == 2 and len(str(refused.value)) < 80
    assert csv.field_size_limit() == limit_before


def test_a_lying_xlsx_dimension_neither_hides_rows_nor_pads_them():
    """The sheet says it is A1:B1; it has two more rows and a cell in its very last column."""

    def more_cells(xml):
        return xml.replace(
            b"</sheetData>",
            b'<row r="2"><c r="A2" t="inlineStr"><is><t>H1</t></is></c></row>'
            b'<row r="3"><c r="A3" t="inlineStr"><is><t>H2</t></is></c></row>'
            b'<row r="5000"><c r="XFD5000"><v>7</v></c></row></sheetData>',
        )

    data = xlsx_with_sheet_xml(more_cells)
    assert b'<dimension ref="A1:B1"' in zipfile.ZipFile(io.BytesIO(data)).read(
        "xl/worksheets/sheet1.xml"
    )
    sheet = read_sheet(data, "h.xlsx")
    assert sheet.header == ["户编号", "PLACEHOLDER"]
    assert list(sheet.lines()) == [(2, ["H1"]), (3, ["H2"])]  # column XFD is past the 100th
    assert len(sheet.rows) == 4999  # the empty rows up to row 5000 count as lines
    with pytest.raises(SheetError, match="文件行数过多（最多 1000 行"):
        read_sheet(data, "h.xlsx", Limits(max_rows=1000))


def test_an_xlsx_with_an_entity_expansion_bomb_is_refused():
    laughs = (
        b'<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">'
        + b"".join(
            b'<!ENTITY %s "%s">' % (b"a" * (n + 1), (b"&%s;" % (b"a" * n)) * 10)
            for n in range(1, 9)
        )
        + b"]>"
    )
    data = xlsx_with_sheet_xml(lambda xml: laughs + xml.replace(b"PLACEHOLDER", b"&aaaaaaaaa;"))
    with pytest.raises(SheetError, match="无法读取 XLSX 文件"):
        read_sheet(data, "h.xlsx")


def test_xlsx_cells_read_as_the_text_people_typed():
    from datetime import date

    sheet = read_sheet(
        xlsx([["a", "b", "c", "d"], [3.0, 1.5, date(2024, 5, 1), None, ""]]), "x.xlsx"
    )
    assert sheet.rows == [["3", "1.5", "2024-05-01"]]  # trailing empty cells dropped


def test_excerpt_cuts_what_an_error_quotes():
    assert excerpt("短") == "短"
    assert excerpt("x" * 31) == "x" * 30 + "…"
