"""Oscar's product list table (loaded with ``get_class``), with each row's price and stock in
place of its count of stock records: over the records its viewer may see
(``selectors.visible_stockrecords``), prefetched by the list view. On a phone it keeps the
columns a manager checks there (static/jingmeng/css/dashboard.css: .jm-product-table)."""

from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tables2 import Column
from oscar.apps.dashboard.catalogue.tables import ProductTable as OscarProductTable
from oscar.templatetags.currency_filters import currency

from .selectors import stock_summary

EMPTY = "—"
# Shown from tablet width up: on a phone a row is its picture, title, price, stock and actions.
WIDE_ONLY = ("upc", "product_class", "variants", "is_public", "date_updated")


class ProductTable(OscarProductTable):
    price = Column(verbose_name=gettext_lazy("Price"), empty_values=(), orderable=False)
    stock = Column(verbose_name=gettext_lazy("Stock"), empty_values=(), orderable=False)

    class Meta(OscarProductTable.Meta):
        attrs = {"class": "table table-striped table-bordered jm-product-table"}
        exclude = ("stock_records",)
        sequence = (
            "checkbox",
            "title",
            "upc",
            "image",
            "price",
            "stock",
            "product_class",
            "variants",
            "...",
            "is_public",
            "date_updated",
            "actions",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in WIDE_ONLY:  # each table has its own copies of the columns
            column = self.columns[name].column
            hidden = {"class": "d-none d-md-table-cell"}
            column.attrs = {**column.attrs, "th": hidden, "td": hidden}

    def _summary(self, record):
        # One summary per row for both columns.
        if getattr(record, "_stock_summary", None) is None:
            record._stock_summary = stock_summary(record)
        return record._stock_summary

    def render_price(self, record):
        summary = self._summary(record)
        if summary.lowest_price is None:
            return EMPTY
        if summary.lowest_price == summary.highest_price:
            return currency(summary.lowest_price, "CNY")
        return format_html(
            "{}–{}",
            currency(summary.lowest_price, "CNY"),
            currency(summary.highest_price, "CNY"),
        )

    def render_stock(self, record):
        summary = self._summary(record)
        if summary.available is None:
            return EMPTY
        held = (
            format_html(
                '<div class="small text-muted">{}</div>',
                _("%(n)d to ship") % {"n": summary.to_ship},
            )
            if summary.to_ship
            else ""
        )
        return format_html(
            '<span class="jm-stock{}">{}</span>{}',
            " text-danger font-weight-bold" if summary.low else "",
            summary.available,
            held,
        )
