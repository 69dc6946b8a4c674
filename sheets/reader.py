"""Read an uploaded CSV or XLSX within bounds: a header and rows of text cells, or a refusal.

An upload is hostile until read: a 61 KB XLSX can hold one 60 MB cell (XLSX is a zip, and text
compresses a thousandfold), a CSV can hold one endless field, either can hold millions of rows.
So every limit is checked before the values it guards are decoded:

- the upload's size, before anything;
- an XLSX's uncompressed size and compression ratio, from the zip's central directory, before
  openpyxl opens it (``zipfile`` refuses an entry that inflates past its declared size, so the
  declared sizes bound what can be read);
- rows, as they are read (reading stops at the first row past the limit);
- a CSV row's raw length, as its lines are read (before the csv module splits it), and every
  cell's length once it is text.

Only the first ``max_columns`` columns are read (an XLSX declares its own width, and a lying
width would make every row huge). Errors are Chinese sentences that name the limit; they never
quote more than ``QUOTE_CHARS`` characters of the file (see ``excerpt``).
"""

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from openpyxl import load_workbook

MB = 1024 * 1024
QUOTE_CHARS = 30
# Below this many uncompressed bytes the compression ratio is not checked: small files (an
# XLSX's style sheet, a short list of identical rows) legitimately compress well.
RATIO_FLOOR_BYTES = 1 * MB


@dataclass(frozen=True)
class Limits:
    """How much of an upload is read. The defaults fit a county's household list (100,000
    rows of a dozen columns is about 6 MB as XLSX, 72 MB uncompressed with inline strings)."""

    max_bytes: int = 20 * MB
    max_uncompressed_bytes: int = 100 * MB
    max_compression_ratio: int = 100
    max_rows: int = 100_000  # not counting the header row
    max_columns: int = 100
    max_cell_chars: int = 1_000


DEFAULT_LIMITS = Limits()


class SheetError(Exception):
    """The upload cannot be read (format, encoding, a limit); ``line`` is 1 for the whole file."""

    def __init__(self, message: str, line: int = 1):
        super().__init__(message)
        self.line = line


@dataclass
class Sheet:
    """The first row and the rows after it (line 2 onwards), cells as stripped text, trailing
    empty cells dropped. Empty rows are kept, so a row's line is its index + 2."""

    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)

    def lines(self):
        """(line number, cells) for each non-empty row after the header."""
        return ((line, row) for line, row in enumerate(self.rows, start=2) if any(row))


def excerpt(value, limit: int = QUOTE_CHARS) -> str:
    """``value`` as text cut to ``limit`` characters, for quoting in an error message."""
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def read_sheet(data: bytes, filename: str, limits: Limits = DEFAULT_LIMITS) -> Sheet:
    """Read a .csv (UTF-8, else GB 18030) or .xlsx (its active sheet) upload within ``limits``.

    Raises ``SheetError`` with a message for the uploader. ``data`` may be the first
    ``max_bytes + 1`` bytes of a larger file: it is refused as too large without more reading.
    """
    if len(data) > limits.max_bytes:
        raise SheetError(f"文件超过 {_size(limits.max_bytes)} 的上限。")
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx":
        rows = _xlsx_rows(data, limits)
    elif suffix == ".csv":
        rows = _csv_rows(data, limits)
    else:
        raise SheetError("只支持 .csv 和 .xlsx 文件。")
    sheet = Sheet()
    try:
        for line, cells in enumerate(rows, start=1):
            if line > limits.max_rows + 1:
                raise SheetError(f"文件行数过多（最多 {limits.max_rows} 行，不含表头）。")
            _check_cells(cells, line, limits)
            while cells and not cells[-1]:
                cells.pop()
            if line == 1:
                sheet.header = cells
            else:
                sheet.rows.append(cells)
    finally:
        rows.close()  # an XLSX's workbook is closed at once, not when collected
    return sheet


def _check_cells(cells: list[str], line: int, limits: Limits) -> None:
    if not cells or max(map(len, cells)) <= limits.max_cell_chars:
        return
    for column, text in enumerate(cells, start=1):
        if len(text) > limits.max_cell_chars:
            raise SheetError(
                f"第 {column} 列内容过长（{len(text)} 个字符，"
                f"每格最多 {limits.max_cell_chars} 个）：“{excerpt(text)}”",
                line=line,
            )


def _size(size: int) -> str:
    return f"{size / MB:g} MB" if size >= MB else f"{size / 1024:g} KB"


# --- XLSX -----------------------------------------------------------------------------------


def check_xlsx_archive(data: bytes, limits: Limits = DEFAULT_LIMITS) -> None:
    """Refuse an XLSX whose parts would inflate past the limits, from its directory alone."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise SheetError(f"无法读取 XLSX 文件：{exc.__class__.__name__}") from exc
    uncompressed = sum(entry.file_size for entry in entries)
    if uncompressed > limits.max_uncompressed_bytes:
        raise SheetError(
            f"XLSX 文件解压后过大（约 {uncompressed / MB:.0f} MB，"
            f"最多 {_size(limits.max_uncompressed_bytes)}）。"
        )
    ratio = uncompressed / max(len(data), 1)
    if uncompressed > RATIO_FLOOR_BYTES and ratio > limits.max_compression_ratio:
        raise SheetError(
            f"XLSX 文件解压后会膨胀到 {ratio:.0f} 倍（最多 {limits.max_compression_ratio} 倍），"
            "不予读取。"
        )


def _xlsx_rows(data: bytes, limits: Limits):
    check_xlsx_archive(data, limits)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise SheetError(f"无法读取 XLSX 文件：{exc.__class__.__name__}") from exc
    try:
        sheet = workbook.active
        # The declared dimension may lie either way (cutting rows off, or padding every row to
        # 16,384 columns): ignore it, so each row is as wide as its last cell, then cut.
        sheet.reset_dimensions()
        for row in sheet.iter_rows(values_only=True):
            yield ["" if value is None else _text(value) for value in row[: limits.max_columns]]
    except SheetError:
        raise
    except Exception as exc:  # a broken part found while streaming (bad XML, bad CRC)
        raise SheetError(f"无法读取 XLSX 文件：{exc.__class__.__name__}") from exc
    finally:
        workbook.close()


def _text(value) -> str:
    """A cell as the text a person typed: dates as YYYY-MM-DD, whole numbers without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# --- CSV ------------------------------------------------------------------------------------


def _csv_rows(data: bytes, limits: Limits):
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SheetError("CSV 文件编码无法识别（请用 UTF-8 或 GBK）。")
    # csv.field_size_limit is process-wide, so it is neither relied on nor changed: the row
    # being read is bounded here, line by line, before the csv module splits it. The bound:
    # every cell at its limit, every character a doubled quote, plus commas and quotes.
    max_row_chars = limits.max_columns * (2 * limits.max_cell_chars + 3)
    reading = {"chars": 0, "row": 1}

    def lines():
        for line in io.StringIO(text):
            reading["chars"] += len(line)
            if reading["chars"] > max_row_chars:
                raise SheetError(
                    f"这一行过长（超过 {max_row_chars} 个字符）：“{excerpt(line)}”",
                    line=reading["row"],
                )
            yield line

    try:
        for row in csv.reader(lines()):
            reading["chars"] = 0
            reading["row"] += 1
            yield [cell.strip() for cell in row[: limits.max_columns]]
    except csv.Error as exc:
        # The csv module's own field limit, or a stray character after a closing quote.
        raise SheetError("CSV 格式有误（某格过长，或引号不成对）。", line=reading["row"]) from exc
