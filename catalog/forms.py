from django import forms
from django.utils.translation import gettext_lazy as _

from .search import engine


class ProductListForm(forms.Form):
    """Search words, facets and sort order for product listings (all optional). A value that is
    not valid is ignored on its own: the rest of the search still applies."""

    SORT_CHOICES = [
        ("default", _("Recommended")),
        ("sales", _("Best selling")),
        ("newest", _("Newest")),
        ("price-asc", _("Price: low to high")),
        ("price-desc", _("Price: high to low")),
    ]

    q = forms.CharField(label=_("Search"), required=False)
    league = forms.CharField(required=False, max_length=16, widget=forms.HiddenInput)
    county = forms.SlugField(required=False, widget=forms.HiddenInput)
    cooperative = forms.SlugField(required=False, widget=forms.HiddenInput)
    category = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    certified = forms.BooleanField(required=False, widget=forms.HiddenInput)
    price = forms.ChoiceField(
        required=False,
        choices=[("", "")] + [(key, label) for key, label, *_ in engine.PRICE_RANGES],
        widget=forms.HiddenInput,
    )
    sort_by = forms.ChoiceField(
        label=_("Sort by"), choices=SORT_CHOICES, required=False, initial="default"
    )

    def clean_q(self):
        return " ".join((self.cleaned_data.get("q") or "")[:100].split())

    def _data(self) -> dict:
        self.is_valid()
        return getattr(self, "cleaned_data", {})

    @property
    def query(self) -> str:
        return self._data().get("q", "")

    @property
    def sort(self) -> str:
        return self._data().get("sort_by") or "default"

    def facet_filters(self) -> engine.Filters:
        data = self._data()
        return engine.Filters(
            league=data.get("league") or "",
            county=data.get("county") or "",
            cooperative=data.get("cooperative") or "",
            categories=[data["category"]] if data.get("category") else [],
            certified=bool(data.get("certified")),
            price=data.get("price") or "",
        )

    def narrowed(self) -> bool:
        """Whether a facet was picked."""
        return self.facet_filters() != engine.Filters()
