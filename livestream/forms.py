from django import forms
from django.utils.translation import gettext_lazy as _

from cooperatives.uploads import PictureField

from .models import LiveSession, SessionProduct
from .services import cooperatives_for_host


class HttpsURLField(forms.URLField):
    def __init__(self, **kwargs):
        kwargs.setdefault("assume_scheme", "https")
        super().__init__(**kwargs)


class SessionForm(forms.ModelForm):
    class Meta:
        model = LiveSession
        fields = [
            "title",
            "cooperative",
            "description",
            "scheduled_start",
            "scheduled_end",
            "stream_url",
            "replay_url",
            "cover",
        ]
        # The cover is re-encoded (no EXIF, bounded size; a bomb refused from its header).
        field_classes = {
            "stream_url": HttpsURLField,
            "replay_url": HttpsURLField,
            "cover": PictureField,
        }
        widgets = {
            "scheduled_start": forms.DateTimeInput(
                format="%Y-%m-%dT%H:%M", attrs={"type": "datetime-local"}
            ),
            "scheduled_end": forms.DateTimeInput(
                format="%Y-%m-%dT%H:%M", attrs={"type": "datetime-local"}
            ),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cooperative"].queryset = cooperatives_for_host(user)
        for name in ("scheduled_start", "scheduled_end"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        if self.instance.pk and self.instance.status != LiveSession.Status.SCHEDULED:
            for name in ("cooperative", "scheduled_start"):
                self.fields[name].disabled = True


class AddItemForm(forms.Form):
    product = forms.ModelChoiceField(queryset=None, label=_("Product"))

    def __init__(self, *args, products, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products


class ItemForm(forms.ModelForm):
    class Meta:
        model = SessionProduct
        fields = ["live_price", "quota", "per_customer_limit"]
