from django import forms
from django.utils.translation import gettext_lazy as _


class ProductListForm(forms.Form):
    """Search words, origin filter and sort order for product listings (all optional)."""

    SORT_CHOICES = [
        ("default", _("Recommended")),
        ("newest", _("Newest")),
        ("price-asc", _("Price: low to high")),
        ("price-desc", _("Price: high to low")),
        ("title", _("Name")),
    ]

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    county = forms.SlugField(required=False, widget=forms.HiddenInput)
    sort_by = forms.ChoiceField(
        label=_("Sort by"), choices=SORT_CHOICES, required=False, initial="default"
    )

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "query": data.get("q", "").strip(),
            "county_slug": data.get("county", ""),
            "sort": data.get("sort_by") or "default",
        }
