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

    sheet = Sheet(_("Orders to ship"), ["订单号", Column("金额", "money"), Column("数量", "count")],
                  scope="草原合作社", period=(date_from, date_to))
    sheet.extend(rows)                  # any iterable of rows; consumed when the file is written
    return sheet.as_response("xlsx", "fahuo")   # or "csv"; the suffix is added if missing

An XLSX is for people (title rows, frozen header, widths, ¥ formats, a 合计 row, A4 print
setup); a CSV is for machines (header and rows only): see ``Sheet``.
"""

import csv
import io
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from itertools import chain, islice
from unicodedata import east_asian_width

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

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


MONEY_FORMAT = '"¥"#,##0.00'
COUNT_FORMAT = "#,##0"
# A column's kind: its XLSX number format, and whether the totals row adds it up.
KINDS = {
    "text": (None, False),
    "money": (MONEY_FORMAT, True),  # yuan, 2 places: ¥1,234.50
    "count": (COUNT_FORMAT, True),  # orders, units, households: 1,234
    "number": ("#,##0.##", False),
    "date": ("yyyy-mm-dd", False),
    "datetime": ("yyyy-mm-dd hh:mm", False),
}
TITLE_FONT = Font(bold=True, size=14)
BOLD = Font(bold=True)
NOTE_FONT = Font(color="555555")
HEADER_FILL = PatternFill("solid", fgColor="E8EFE4")
RULE = Side(style="thin", color="7A7A7A")
WRAP = Alignment(wrap_text=True, vertical="top")
WIDTH_SAMPLE = 1000  # rows read before the first is written: XLSX puts widths before rows
MAX_WIDTH = 50  # characters (a CJK character counts two); longer text wraps
PRINT_LANDSCAPE_WIDTH = 100  # a sheet wider than this prints landscape


@dataclass(frozen=True)
class Column:
    """A column's header and kind (``"text"``, ``"money"``, ``"count"``, ``"number"``,
    ``"date"``, ``"datetime"``). Money and count columns get their number format and are added
    up in the XLSX's totals row (``total=False`` leaves one out); ``number_format`` overrides
    the kind's format."""

    header: str
    kind: str = "text"
    number_format: str | None = None
    total: bool | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"Unknown column kind {self.kind!r}")

    @property
    def format(self) -> str | None:
        return self.number_format or KINDS[self.kind][0]

    @property
    def totalled(self) -> bool:
        return KINDS[self.kind][1] if self.total is None else self.total


@dataclass(frozen=True)
class Distinct:
    """A total that counts each thing once (an order with lines of two cooperatives, a household
    in several months), so it is not the sum of its column's rows. The XLSX shows it as
    "33（不重复）" (a number format: the cell stays a number) and says so in a note above the
    header, so a reader who adds up the rows is not misled."""

    value: int


def distinct_suffix() -> str:
    return _("(distinct)")


def chinese_date(day: date) -> str:
    """2026年12月7日"""
    return f"{day.year}年{day.month}月{day.day}日"


def chinese_datetime(moment: datetime) -> str:
    """2026年12月7日 08:04, in the store's time zone (Asia/Shanghai)."""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return f"{chinese_date(moment)} {moment:%H:%M}"


def period_text(start: date | None, end: date | None) -> str:
    """A date range as a title row says it: 2026年1月1日 至 2026年12月7日."""
    if start and end:
        return _("%(start)s to %(end)s") % {"start": chinese_date(start), "end": chinese_date(end)}
    if start:
        return _("from %(start)s") % {"start": chinese_date(start)}
    if end:
        return _("until %(end)s") % {"end": chinese_date(end)}
    return _("all dates")


class Sheet:
    """One table: a title, columns and rows, written as CSV or XLSX by the rules above.

    Rows are lists of values in column order. Those given to ``extend`` may be a generator (a
    queryset iterator): they are read once, when the file is written, so a sheet is written once.

    An XLSX is made to be read and printed by people: the title, then ``scope`` (whose figures),
    ``period`` (text, or a (start, end) pair of dates) and when it was made (Asia/Shanghai) above
    the header; the header frozen and repeated on every printed page; columns as wide as their
    content; money and counts in their number formats; and a 合计 row adding up money and count
    columns (``totals`` gives a column's total instead, by index or header; a ``Distinct`` one,
    such as households, is not the sum of its rows and is labelled so). A CSV is read by
    machines (a courier's system, an import, a script): the header and the rows, nothing else,
    so its first line is the header and no total is counted twice.
    """

    def __init__(self, title, columns, *, scope=None, period=None, made_at=None, totals=None):
        self.title = str(title)
        self.columns = [c if isinstance(c, Column) else Column(str(c)) for c in columns]
        self.scope = None if scope is None else str(scope)
        if isinstance(period, tuple):
            period = period_text(*period)
        self.period = None if period is None else str(period)
        self.made_at = made_at
        self.totals = {}
        for key, value in (totals or {}).items():
            index = key if isinstance(key, int) else self._index(key)
            self.totals[index] = value
        self._sources = []

    def _index(self, header) -> int:
        for index, column in enumerate(self.columns):
            if column.header == str(header):
                return index
        raise KeyError(header)

    def append(self, row):
        self._sources.append((row,))

    def extend(self, rows):
        self._sources.append(rows)

    def rows(self):
        return chain.from_iterable(self._sources)

    def title_rows(self) -> list[str]:
        """The lines above the header in an XLSX: title, scope, period, when made."""
        made_at = self.made_at or timezone.now()
        lines = [self.title]
        if self.scope:
            lines.append(_("Scope: %(scope)s") % {"scope": self.scope})
        if self.period:
            lines.append(_("Period: %(period)s") % {"period": self.period})
        lines.append(_("Made %(time)s (Beijing time)") % {"time": chinese_datetime(made_at)})
        distinct = [self.columns[i].header for i, v in self.totals.items() if _distinct(v)]
        if distinct:
            lines.append(
                _(
                    "Note: in the totals row, %(columns)s count each one once, so they are not "
                    "the sum of the rows above."
                )
                % {"columns": "、".join(distinct)}
            )
        return lines

    def as_csv(self) -> bytes:
        """UTF-8 with a byte-order mark, so Excel in China opens the Chinese text correctly.
        No title rows and no totals: see the class's docstring."""
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
        temporary file, not held as cell objects; the first WIDTH_SAMPLE rows are read ahead to
        size the columns, which XLSX stores before the rows)."""
        book = Workbook(write_only=True)
        worksheet = book.create_sheet(title=sheet_title(self.title))
        rows = ([cell_value(value) for value in row] for row in self.rows())
        sample = list(islice(rows, WIDTH_SAMPLE))
        widths = self._widths(sample)
        for index, width in enumerate(widths, 1):
            worksheet.column_dimensions[get_column_letter(index)].width = width

        titles = self.title_rows()
        header_row = len(titles) + 1 if self.columns else len(titles)
        if self.columns:
            worksheet.freeze_panes = f"A{header_row + 1}"
            worksheet.print_title_rows = f"{header_row}:{header_row}"
        for number, line in enumerate(titles):
            cell = _xlsx_cell(worksheet, line)
            cell.font = TITLE_FONT if number == 0 else NOTE_FONT
            worksheet.append([cell])
        if self.columns:
            worksheet.append([_header_cell(worksheet, column.header) for column in self.columns])

        totals = [None] * len(self.columns)
        summed = [index for index, column in enumerate(self.columns) if column.totalled]
        wraps = [width >= MAX_WIDTH for width in widths]
        for row in chain(sample, rows):
            cells = []
            for index, value in enumerate(row):
                column = self.columns[index] if index < len(self.columns) else None
                cell = _xlsx_cell(worksheet, value, column.format if column else None)
                if isinstance(value, str) and index < len(wraps) and wraps[index]:
                    cell.alignment = WRAP
                cells.append(cell)
                if index in summed and _summable(value):
                    totals[index] = _add(totals[index], value)
            worksheet.append(cells)
        if summed or self.totals:
            worksheet.append(self._totals_row(worksheet, totals))

        _page_setup(worksheet, sum(widths))
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()

    def _totals_row(self, worksheet, totals):
        for index, value in self.totals.items():
            totals[index] = value
        for index, column in enumerate(self.columns):
            if column.totalled and totals[index] is None:
                totals[index] = 0  # no rows: a total of nothing is nothing
        label = pgettext("totals row", "Total")
        if totals and totals[0] is None:
            totals[0] = label
        cells = []
        for index, value in enumerate(totals):
            number_format = self.columns[index].format
            if _distinct(value):
                value = value.value
                number_format = _distinct_format(number_format)
            cell = _xlsx_cell(worksheet, value, number_format)
            cell.font = BOLD
            cell.border = Border(top=RULE)
            cells.append(cell)
        return cells

    def _widths(self, sample) -> list[float]:
        """Each column's width in characters (a CJK character counts two): its widest cell
        among the header and the sample rows, with room for a total, at most MAX_WIDTH."""
        widths = []
        for index, column in enumerate(self.columns):
            widest = display_width(column.header)
            for row in sample:
                if index < len(row):
                    widest = max(widest, display_width(row[index], column.format))
            if column.totalled:
                widest += 3  # a total is wider than its rows
            given = self.totals.get(index)
            if _distinct(given):
                widest = max(widest, display_width(given.value, column.format) + 3)
                widest += display_width(distinct_suffix())
            widths.append(min(max(widest + 2, 6), MAX_WIDTH))
        return widths

    def as_response(self, fmt: str, filename: str) -> HttpResponse:
        """The file as a download: ``fmt`` is "csv" or "xlsx"; ``filename`` may be Chinese."""
        body = self.as_csv() if fmt == "csv" else self.as_xlsx() if fmt == "xlsx" else None
        if body is None:
            raise ValueError(f"Unknown spreadsheet format {fmt!r}")
        response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = attachment_header(filename, fmt)
        return response


def display_width(value, number_format=None) -> int:
    """How many characters wide a cell shows ``value``: a full-width (CJK) character counts two;
    a number as its format shows it (¥1,234.50); the longest line of a text."""
    if value is None:
        return 0
    if isinstance(value, bool):
        text = str(value).upper()
    elif isinstance(value, NUMBERS):
        if number_format == MONEY_FORMAT:
            text = f"¥{value:,.2f}"
        elif number_format == COUNT_FORMAT:
            text = f"{value:,.0f}"
        else:
            text = str(value)
    elif isinstance(value, datetime):
        text = "2026-12-07 08:04"
    elif isinstance(value, date):
        text = "2026-12-07"
    else:
        text = str(value)
    return max(
        sum(2 if east_asian_width(char) in "WF" else 1 for char in line)
        for line in text.splitlines() or [""]
    )


def _distinct(value) -> bool:
    return isinstance(value, Distinct)


def _distinct_format(number_format: str | None) -> str:
    """The column's number format with "（不重复）" after the number."""
    suffix = distinct_suffix().replace('"', "")
    return f'{number_format or "General"}"{suffix}"'


def _summable(value) -> bool:
    return isinstance(value, NUMBERS) and not isinstance(value, bool)


def _add(total, value):
    if isinstance(value, float):
        value = Decimal(repr(value))
    return value if total is None else total + value


def _header_cell(worksheet, header):
    cell = _xlsx_cell(worksheet, header)
    cell.font = BOLD
    cell.fill = HEADER_FILL
    cell.border = Border(bottom=RULE)
    cell.alignment = Alignment(vertical="center")
    return cell


def _page_setup(worksheet, width):
    """A4, as wide as one page (as many pages long as it takes), landscape when wide, with the
    page number in the footer."""
    worksheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    if width > PRINT_LANDSCAPE_WIDTH:
        worksheet.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE
    worksheet.sheet_properties.pageSetUpPr.fitToPage = True
    worksheet.page_setup.fitToWidth = 1
    worksheet.page_setup.fitToHeight = 0
    worksheet.oddFooter.center.text = "&P / &N"


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
    elif isinstance(value, datetime):
        cell.number_format = KINDS["datetime"][0]
    elif isinstance(value, date):
        cell.number_format = KINDS["date"][0]
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
