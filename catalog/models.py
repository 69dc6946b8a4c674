"""Oscar's catalogue, forked: products gain their origin, cooperative and certification.

The cooperative and county models are referred to by string: catalog imports no other app.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oscar.apps.catalogue.abstract_models import AbstractProduct


class Product(AbstractProduct):
    cooperative = models.ForeignKey(
        "cooperatives.Cooperative",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="products",
        verbose_name=_("cooperative"),
        editable=False,  # follows the partner of the product's stock record (cooperatives app)
    )
    origin_county = models.ForeignKey(
        "cooperatives.County",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="products",
        verbose_name=_("origin county"),
    )
    specification = models.CharField(
        _("specification"), max_length=64, blank=True, help_text=_("For example 5斤装 or 500g×2袋.")
    )
    harvest_season = models.CharField(_("harvest season"), max_length=64, blank=True)
    storage = models.CharField(_("storage"), max_length=128, blank=True)
    certification_number = models.CharField(
        _("poverty-alleviation certification number"), max_length=64, blank=True
    )
    certification_valid_until = models.DateField(
        _("certification valid until"), null=True, blank=True
    )

    def is_certified_on(self, day) -> bool:
        return bool(
            self.certification_number
            and self.certification_valid_until
            and self.certification_valid_until >= day
        )

    @property
    def is_certified(self) -> bool:
        """Whether the poverty-alleviation certification (扶贫产品认定) is valid today in China."""
        return self.is_certified_on(timezone.localdate())

    def clean(self):
        super().clean()
        if bool(self.certification_number) != bool(self.certification_valid_until):
            raise ValidationError(
                _("A certification needs both its number and the date it is valid until."),
                code="certification_incomplete",
            )

    def save(self, *args, **kwargs):
        if self.origin_county_id is None and self.cooperative_id is not None:
            self.origin_county_id = self.cooperative.county_id
        super().save(*args, **kwargs)


from oscar.apps.catalogue.models import *  # noqa: E402  (Oscar's other catalogue models)
