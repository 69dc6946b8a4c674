"""The /impact/ page's date range (从 … 至 …): every figure, table, chart and export follows it."""

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .selectors import Period

# A range no report needs beyond: before the store, or far in the future, is a typing slip.
EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)


class PeriodForm(forms.Form):
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, data=None, *, today=None, **kwargs):
        self.default = Period.this_year(today or timezone.localdate())
        if data is not None and not (data.get("date_from") or data.get("date_to")):
            data = None  # no range asked: this year
        super().__init__(
            data,
            initial={"date_from": self.default.start, "date_to": self.default.end},
            **kwargs,
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        for name, day in (("date_from", start), ("date_to", end)):
            if day is not None and not EARLIEST <= day <= LATEST:
                self.add_error(
                    name,
                    _("Choose a date between %(first)s and %(last)s.")
                    % {"first": EARLIEST.isoformat(), "last": LATEST.isoformat()},
                )
        if start and end and start > end:
            raise forms.ValidationError(
                _("The start date (%(start)s) is after the end date (%(end)s).")
                % {"start": start.isoformat(), "end": end.isoformat()},
                code="reversed",
            )
        return data

    @property
    def period(self) -> Period | None:
        """The range asked for, this year when none was, or None when it is not valid."""
        if not self.is_bound:
            return self.default
        if not self.is_valid():
            return None
        return Period(self.cleaned_data.get("date_from"), self.cleaned_data.get("date_to"))

    def query(self) -> str:
        """The range shown, as a query string for the export links (empty when not valid)."""
        period = self.period
        if period is None:
            return ""
        parts = [f"date_from={period.start.isoformat()}" if period.start else "",
                 f"date_to={period.end.isoformat()}" if period.end else ""]  # fmt: skip
        return "&".join(part for part in parts if part)
