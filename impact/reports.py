"""Impact report files: the same figures as /impact/, as XLSX or CSV (written by sheets.writer,
which keeps a cooperative's or county's name from running as a formula)."""

from django.utils.translation import gettext as _

from sheets.writer import Column, Sheet

from .selectors import BREAKDOWNS

MONEY = "¥#,##0.00"


def _columns(by):
    return [
        str(BREAKDOWNS[by][0]),
        Column(_("Sales (GMV, ¥)"), number_format=MONEY),
        _("Paid orders"),
        _("Units"),
        Column(_("Income attributed to households (¥)"), number_format=MONEY),
        _("Households benefiting"),
    ]


def _key(row, by):
    if by == "month" and row["key"] is not None:
        return row["key"].strftime("%Y-%m")
    return row["key"] or "—"


def _values(row, by):
    return [_key(row, by), row["gmv"], row["paid_orders"], row["units"], row["income"],
            row["households"]]  # fmt: skip


def sheet(rows, by) -> Sheet:
    """The breakdown ``by`` (county, cooperative, district, month) of an impact report."""
    report = Sheet(BREAKDOWNS[by][0], _columns(by))
    report.extend(_values(row, by) for row in rows)
    return report
