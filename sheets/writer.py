"""The one writer of every CSV and XLSX file the store hands out (courier lists, impact reports,
Oscar's dashboard downloads), so that no cell a user typed can run as a formula.

A name, an address or a product title is text its author controls. Opened in Excel or WPS, text
that starts with ``=``, ``+``, ``-`` or ``@`` runs as a formula (``=HYPERLINK(...)`` sends data
away, ``+cmd|...`` asks to start a program), and so does text a spreadsheet reads as such after a
tab, a carriage return, leading blanks or the full-width ``＝＋－＠`` a Chinese keyboard types.
Following OWASP's advice on CSV injection, such text gets a leading apostrophe: it then shows as
text everywhere, and it stays text when a user re-saves an XLSX as CSV. In XLSX every text cell
is also written as a string (openpyxl would otherwise store ``"=..."`` as a formula and
``"#N/A"`` as an error), and control characters the format refuses are dropped. Numbers and
dates are not text: they stay numbers and dates, so a refund of -12.50 still adds up.

Usage::

    sheet = Sheet(_("Orders to ship"), ["订单号", Column("金额", number_format="¥#,##0.00")])
    sheet.extend(rows)                  # any iterable of rows; consumed when the file is written
    return sheet.as_response("xlsx", "fahuo")   # or "csv"; the suffix is added if missing
"""

import csv
import io
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from itertools import chain, repeat

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

CONTENT_TYPES = {
    # No charset parameter: the byte-order mark says UTF-8 to every program that opens the file
    # (and it is what Oscar's downloads have always sent).
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# What a spreadsheet may take as the start of a formula (OWASP: = + - @ tab CR), with the
# full-width forms a Chinese input method types and spreadsheets also accept.
FORMULA_STARTS = frozenset("=+-@\t\r＝＋－＠")
NUMBERS = (int, float, Decimal)  # bool is an int: True/False stay booleans in XLSX
DATES = (datetime, date, time)
# Excel refuses these in a sheet's title, and a title of more than 31 characters.
_TITLE_REFUSED = re.compile(r"[\[\]:*?/\\]|[\x00-\x1f\x7f]")
_FILENAME_REFUSED = re.compile(r"[\x00-\x1f\x7f/\\]")


def neutralise(text: str) -> str:
    """``text`` without the control characters XLSX refuses, with an apostrophe in front if a
    spreadsheet could read it as a formula (also after leading blanks: some programs trim them)."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if text[:1] in FORMULA_STARTS or text.lstrip()[:1] in FORMULA_STARTS:
        return "'" + text
    return text


def cell_value(value):
    """What a cell holds: numbers and dates as they are (an aware datetime in local time, which
    XLSX requires), None as an empty cell, anything else as neutralised text."""
    if value is None:
        return None
    if isinstance(value, NUMBERS):
        # NaN and infinity are no number a spreadsheet stores: written as text ("nan").
        finite = value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)
        return value if finite else str(value)
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value).replace(tzinfo=None)
        return value
    if isinstance(value, DATES):
        return value
    return neutralise(str(value))


@dataclass(frozen=True)
class Column:
    """A column's header and, for numbers, the XLSX number format (``"¥#,##0.00"``)."""

    header: str
    number_format: str | None = None


class Sheet:
    """One table: a title, columns and rows, written as CSV or XLSX by the rules above.

    Rows are lists of values in column order. Those given to ``extend`` may be a generator (a
    queryset iterator): they are read once, when the file is written, so a sheet is written once.
    """

    def __init__(self, title, columns):
        self.title = str(title)
        self.columns = [c if isinstance(c, Column) else Column(str(c)) for c in columns]
        self._sources = []

    def append(self, row):
        self._sources.append((row,))

    def extend(self, rows):
        self._sources.append(rows)

    def rows(self):
        return chain.from_iterable(self._sources)

    def as_csv(self) -> bytes:
        """UTF-8 with a byte-order mark, so Excel in China opens the Chinese text correctly."""
        buffer = io.BytesIO()
        text = io.TextIOWrapper(buffer, encoding="utf-8-sig", newline="")
        writer = csv.writer(text)
        if self.columns:  # a list without a header (a voucher set's codes) has none
            writer.writerow(neutralise(column.header) for column in self.columns)
        for row in self.rows():
            writer.writerow(_csv_cell(value) for value in row)
        text.flush()
        text.detach()
        return buffer.getvalue()

    def as_xlsx(self) -> bytes:
        """One worksheet, written in openpyxl's write-only mode (rows are streamed to a
        temporary file, not held as cell objects), with the columns' number formats."""
        book = Workbook(write_only=True)
        worksheet = book.create_sheet(title=sheet_title(self.title))
        if self.columns:
            worksheet.append([_xlsx_cell(worksheet, column.header) for column in self.columns])
        formats = [column.number_format for column in self.columns]
        for row in self.rows():
            cells = zip(row, chain(formats, repeat(None)), strict=False)
            worksheet.append([_xlsx_cell(worksheet, value, fmt) for value, fmt in cells])
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()

    def as_response(self, fmt: str, filename: str) -> HttpResponse:
        """The file as a download: ``fmt`` is "csv" or "xlsx"; ``filename`` may be Chinese."""
        body = self.as_csv() if fmt == "csv" else self.as_xlsx() if fmt == "xlsx" else None
        if body is None:
            raise ValueError(f"Unknown spreadsheet format {fmt!r}")
        response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = attachment_header(filename, fmt)
        return response


def _csv_cell(value):
    value = cell_value(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    return value


def _xlsx_cell(worksheet, value, number_format=None):
    value = cell_value(value)
    cell = WriteOnlyCell(worksheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula ("=...") nor an error ("#N/A")
    elif number_format and isinstance(value, NUMBERS) and not isinstance(value, bool):
        cell.number_format = number_format
    return cell


def sheet_title(title: str) -> str:
    """A worksheet title Excel accepts: no []:*?/\\, not quoted, at most 31 characters."""
    title = _TITLE_REFUSED.sub("", title).strip("' ")[:31].strip("' ")
    return title or "Sheet1"


def attachment_header(filename: str, fmt: str) -> str:
    """``Content-Disposition: attachment`` for ``filename`` (suffix added if missing): quoted
    when ASCII, else RFC 5987's ``filename*`` (UTF-8) after an ASCII fallback for old clients.
    Control characters and path separators are dropped, so a name cannot split the header or
    pick a folder."""
    suffix = f".{fmt}"
    name = _FILENAME_REFUSED.sub("", str(filename)).strip().lstrip(".") or "export"
    if not name.lower().endswith(suffix):
        name += suffix
    header = content_disposition_header(True, name)
    if "filename*=" in header:
        fallback = re.sub(r"[^A-Za-z0-9._-]+", "", name.removesuffix(suffix)).strip(".-_")
        header = f'attachment; filename="{fallback or "export"}{suffix}"; ' + header.removeprefix(
            "attachment; "
        )
    return header
