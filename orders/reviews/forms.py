"""The review form: stars, title, words and up to ``MAX_PHOTOS`` photos, each re-encoded like
every other picture upload (no EXIF or GPS, bounded pixels: ``cooperatives.uploads``)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from cooperatives.uploads import PicturesField

from .models import MAX_PHOTOS

SCORES = [(n, "★" * n) for n in range(5, 0, -1)]


class PhotosField(PicturesField):
    """Up to ``MAX_PHOTOS`` pictures of a review, each re-encoded (``cooperatives.uploads``)."""

    max_count = MAX_PHOTOS

    def too_many(self, count) -> str:
        return ngettext(
            "At most %(max)d photo per review.",
            "At most %(max)d photos per review.",
            MAX_PHOTOS,
        ) % {"max": MAX_PHOTOS}


class ReviewForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("Rating"), choices=SCORES, coerce=int, widget=forms.RadioSelect
    )
    title = forms.CharField(label=_("Title"), max_length=60)
    body = forms.CharField(
        label=_("Your review"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5})
    )
    photos = PhotosField(label=_("Photos"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].help_text = gettext(
            "Up to %(max)d photos; location and camera details are removed."
        ) % {"max": MAX_PHOTOS}

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise ValidationError(_("Give your review a title."))
        return title
