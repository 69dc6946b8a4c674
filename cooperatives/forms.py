from django import forms
from django.utils.translation import gettext_lazy as _

from . import selectors


class CooperativeFilterForm(forms.Form):
    """Filter the cooperative list by league (盟市) and county (旗县)."""

    league = forms.ChoiceField(label=_("League / city"), required=False)
    county = forms.ChoiceField(label=_("County"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["league"].choices = everything + [
            (name, name) for name in selectors.leagues_with_cooperatives()
        ]
        league = self.data.get("league", "") if self.is_bound else ""
        self.fields["county"].choices = everything + [
            (c.slug, c.name) for c in selectors.counties_with_cooperatives(league)
        ]

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {
            "league": self.cleaned_data.get("league", ""),
            "county_slug": self.cleaned_data.get("county", ""),
        }
