"""Oscar's report CSVs (orders, product and user analytics, baskets, vouchers, offers, and an
offer's order discounts) written by the store's one exporter, ``sheets.writer``.

Every Oscar report formatter loads ``ReportCSVFormatter`` with ``get_class`` and writes its rows
through ``get_csv_writer(...).writerow``; this subclass collects those rows and writes them as a
``Sheet``, so a customer's name, an e-mail, a product title or an offer name typed as a formula
reaches the file as text. Columns, values and file names stay Oscar's.
"""

from oscar.apps.dashboard.reports import reports

from sheets.writer import Sheet


class _Rows(list):
    """What Oscar's formatters write to: the header row first, then the data rows."""

    def writerow(self, row):
        self.append(list(row))

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


class ReportCSVFormatter(reports.ReportCSVFormatter):
    def get_csv_writer(self, file_handle, **kwargs):
        return file_handle

    def generate_response(self, objects, **kwargs):
        rows = _Rows()
        self.generate_csv(rows, objects)
        header, *body = rows or [[]]
        sheet = Sheet("report", header)
        sheet.extend(body)
        return sheet.as_response("csv", self.filename(**kwargs))
