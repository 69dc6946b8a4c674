"""Impact report files: the same figures as /impact/, for the same period, as XLSX or CSV
(written by sheets.writer, which keeps a cooperative's or county's name from running as a
formula). The XLSX says what, whose and when above its header and ends with the scope's totals."""

from django.utils.translation import gettext as _

from sheets.writer import Column, Distinct, Sheet

from .selectors import BREAKDOWNS


def unpaired_label() -> str:
    """What a county with no paired Beijing district is called in the district breakdown."""
    return _("Unpaired")


def _columns(by):
    return [
        str(BREAKDOWNS[by][0]),
        Column(_("Sales (GMV, ¥)"), "money"),
        Column(_("Paid orders"), "count"),
        Column(_("Units"), "count"),
        Column(_("Income attributed to households (¥)"), "money"),
        Column(_("Households benefiting"), "count"),
    ]


def _key(row, by):
    if by == "month" and row["key"] is not None:
        return row["key"].strftime("%Y-%m")
    if by == "district" and not row["key"]:
        return unpaired_label()
    return row["key"] or "—"


def _values(row, by):
    return [_key(row, by), row["gmv"], row["paid_orders"], row["units"], row["income"],
            row["households"]]  # fmt: skip


def sheet(rows, by, *, totals=None, scope=None, period=None, made_at=None) -> Sheet:
    """The breakdown ``by`` (county, cooperative, district, month) of an impact report.

    ``totals`` (``selectors.Totals``) fills the totals row: sales, units and income are the sums
    of the rows, but an order with lines of two cooperatives is one paid order, and a household
    is counted once however many rows it appears in: those two are ``Distinct`` (the totals row
    shows "33（不重复）" and a note above the header says why).
    """
    title = _("Impact report by %(breakdown)s") % {"breakdown": BREAKDOWNS[by][0]}
    columns = _columns(by)
    overrides = {}
    if totals is not None:
        overrides = {2: Distinct(totals.paid_orders), 5: Distinct(totals.households)}
    report = Sheet(title, columns, scope=scope, period=period, made_at=made_at, totals=overrides)
    report.extend(_values(row, by) for row in rows)
    return report
