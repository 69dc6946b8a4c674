"""A voucher set's codes as CSV, written by the store's one exporter (``sheets.writer``) instead
of Oscar's own ``csv.writer``: a code is text, and text typed as a formula stays text."""

from oscar.apps.dashboard.vouchers import views

from sheets.writer import Sheet


class VoucherSetDownloadView(views.VoucherSetDownloadView):
    def get(self, request, *args, **kwargs):
        voucher_set = self.get_object()
        # Oscar's file has one code per line and no header; so has this one.
        sheet = Sheet(voucher_set.name, [])
        sheet.extend([code] for code in voucher_set.vouchers.values_list("code", flat=True))
        return sheet.as_response("csv", voucher_set.name)
