"""The review form: stars, title, words and up to ``MAX_PHOTOS`` photos, each re-encoded like
every other picture upload (no EXIF or GPS, bounded pixels: ``cooperatives.uploads``)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from cooperatives.uploads import reencode_image

from .models import MAX_PHOTOS

SCORES = [(n, "★" * n) for n in range(5, 0, -1)]


class PhotosInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several pictures from one ``<input type=file multiple>``: at most ``MAX_PHOTOS``, each
    re-encoded (or the whole form refused with the picture's reason)."""

    widget = PhotosInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("accept", "image/jpeg,image/png,image/webp")

    def clean(self, data, initial=None):
        uploads = [upload for upload in (data or []) if upload]
        if len(uploads) > MAX_PHOTOS:
            raise ValidationError(
                ngettext(
                    "At most %(max)d photo per review.",
                    "At most %(max)d photos per review.",
                    MAX_PHOTOS,
                )
                % {"max": MAX_PHOTOS},
                code="too_many_photos",
            )
        return [reencode_image(super(PhotosField, self).clean(upload)) for upload in uploads]


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
