"""The synonym table's form and its list's search box.

Words are stored as search reads them (full-width to half-width, lower case, blanks collapsed:
``catalog.search.analysis``), so that ``Ｃarrot`` and ``carrot`` are one word here as they are
to search, and a query from the weekly report is the same word as the row made from it."""

from django import forms
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from catalog.search import analysis

Synonym = get_model("catalogue", "Synonym")
MAX_LENGTH = Synonym._meta.get_field("term").max_length


def clean_word(text: str) -> str:
    """``text`` as search reads it: full-width to half-width, lower case, blanks collapsed."""
    return " ".join(analysis.normalise(text or "").split())


class SynonymForm(forms.ModelForm):
    class Meta:
        model = Synonym
        fields = ["term", "means", "two_way"]

    def _clean_word(self, name):
        word = clean_word(self.cleaned_data.get(name, ""))
        if not word:
            raise forms.ValidationError(self.fields[name].error_messages["required"])
        if len(word) > MAX_LENGTH:  # NFKC may lengthen a word the field has measured
            raise forms.ValidationError(
                _("At most %(limit)d characters (this has %(count)d).")
                % {"limit": MAX_LENGTH, "count": len(word)}
            )
        return word

    def clean_term(self):
        return self._clean_word("term")

    def clean_means(self):
        return self._clean_word("means")

    def clean(self):
        cleaned = super().clean()
        term, means = cleaned.get("term"), cleaned.get("means")
        if not term or not means:
            return cleaned
        if term == means:
            self.add_error(
                "means", _("The two words are the same: a word needs no synonym for itself.")
            )
            return cleaned
        others = Synonym.objects.exclude(pk=self.instance.pk)
        # On a field, not the form: the model's UniqueConstraint then is not checked again
        # (Django skips a constraint whose fields have errors) and says it only once.
        if others.filter(term=term, means=means).exists():
            self.add_error(
                "term",
                _("“%(term)s → %(means)s” is already in the synonym table.")
                % {"term": term, "means": means},
            )
            return cleaned
        # The same pair the other way round, when either of them works both ways.
        reverse = others.filter(term=means, means=term)
        if not cleaned.get("two_way"):
            reverse = reverse.filter(two_way=True)
        existing = reverse.first()
        if existing is not None:
            self.add_error(
                "term",
                _("“%(synonym)s” is already in the synonym table: change that one instead.")
                % {"synonym": existing},
            )
        return cleaned


class SynonymSearchForm(forms.Form):
    q = forms.CharField(label=_("Word"), required=False, max_length=100)

    def clean_q(self):
        return clean_word(self.cleaned_data["q"])
