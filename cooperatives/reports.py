"""Impact report files: the same figures as /impact/, as XLSX (openpyxl) or CSV."""

import csv
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from .impact import BREAKDOWNS


def _header(by):
    return [
        str(BREAKDOWNS[by][0]),
        _("Sales (GMV, ¥)"),
        _("Paid orders"),
        _("Units"),
        _("Income attributed to households (¥)"),
        _("Households benefiting"),
    ]


def _key(row, by):
    if by == "month" and row["key"] is not None:
        return row["key"].strftime("%Y-%m")
    return row["key"] or "—"


def _values(row, by):
    return [_key(row, by), row["gmv"], row["paid_orders"], row["units"], row["income"],
            row["households"]]  # fmt: skip


def as_csv(rows, by) -> bytes:
    """UTF-8 with a byte-order mark, so Excel in China opens the Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_header(by))
    for row in rows:
        writer.writerow(_values(row, by))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def as_xlsx(rows, by, title) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(title)[:31])
    header = _header(by)
    sheet.append(header)
    for row in rows:
        values = _values(row, by)
        for money in (1, 4):
            values[money] = WriteOnlyCell(sheet, value=values[money])
            values[money].number_format = "¥#,##0.00"
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
