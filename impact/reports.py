"""Impact report files: the same figures as /impact/, for the same period, as XLSX or CSV
(written by sheets.writer, which keeps a cooperative's or county's name from running as a
formula). The XLSX says what, whose and when above its header and ends with the scope's totals."""

from django.utils.translation import gettext as _

from sheets.writer import Column, Distinct, Sheet

from .selectors import BREAKDOWNS, BUYER_BREAKDOWNS, scope_label


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


# --- The buyer's side -----------------------------------------------------------------------------

BUYER_SHEETS = [*BUYER_BREAKDOWNS, "cross"]


def buyer_scope_label(district, user, counties) -> str:
    """Whose purchases the buyer's side shows: a district's (its official), or the buyers of the
    sales in the official's counties."""
    if district:
        return _("Purchases by buyers in %(district)s, from every county") % {"district": district}
    return _("Buyers of the sales in: %(scope)s") % {"scope": scope_label(user, counties)}


def buyer_sheet(buyer, by, *, scope=None, period=None, made_at=None) -> Sheet:
    """One table of the buyer's side (``selectors.buyer_side``): by buyer district, organisation,
    organisation type or month (sales, paid orders, units; the totals row's paid orders
    ``Distinct``), or ``cross``: buyer district × supplying county, sales in each cell, the
    row's total, and the counties paired with the row's district (★) in the last column."""
    if by == "cross":
        table = buyer["cross"]
        columns = [_("Buyer's district"),
                   *(Column(county, "money") for county in table["counties"]),
                   Column(_("Sales (GMV, ¥)"), "money"),
                   _("Paired counties")]  # fmt: skip
        title = _("Purchases by buyer district and supplying county")
        report = Sheet(title, columns, scope=scope, period=period, made_at=made_at)
        for row in table["rows"]:
            paired = [c for c, cell in zip(table["counties"], row["cells"], strict=True)
                      if cell["paired"]]  # fmt: skip
            report.append([row["label"], *(cell["gmv"] for cell in row["cells"]), row["gmv"],
                           "、".join(f"★{county}" for county in paired)])  # fmt: skip
        return report
    label = BUYER_BREAKDOWNS[by]
    columns = [str(label), Column(_("Sales (GMV, ¥)"), "money"), Column(_("Paid orders"), "count"),
               Column(_("Units"), "count")]  # fmt: skip
    title = _("Purchases by %(breakdown)s") % {"breakdown": label}
    totals = {2: Distinct(buyer["totals"]["paid_orders"])}
    report = Sheet(title, columns, scope=scope, period=period, made_at=made_at, totals=totals)
    for row in buyer["breakdowns"][by]:
        key = row["label"]
        if by == "month" and row["key"] is not None:
            key = row["key"].strftime("%Y-%m")
        report.append([key, row["gmv"], row["paid_orders"], row["units"]])
    return report
