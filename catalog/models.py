"""Oscar's catalogue, forked: products gain their origin, cooperative and certification.

The cooperative and county models are referred to by string: catalog imports no other app.
"""

from django.conf import settings
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


class SearchDocument(models.Model):
    """A product's search document (``catalog.search.documents``): the analysed lexemes of its
    fields by weight, and what facets, filters and ranking read without joining the catalogue.

    On PostgreSQL a generated ``vector`` column (tsvector, weights A–D) and a GIN index sit on
    this table (migration 0036), with a trigram index on ``title_pinyin``; Django does not see
    them, ``catalog.search.engine`` does."""

    product = models.OneToOneField(
        "catalogue.Product",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="search_document",
    )
    title_lexemes = models.TextField(blank=True)  # weight A
    detail_lexemes = models.TextField(blank=True)  # weight B: 规格, categories
    place_lexemes = models.TextField(blank=True)  # weight C: cooperative, county, league, 北京…
    text_lexemes = models.TextField(blank=True)  # weight D: description
    title = models.CharField(max_length=255, blank=True)
    title_pinyin = models.CharField(max_length=512, blank=True)  # for the fuzzy fallback
    county = models.ForeignKey(
        "cooperatives.County", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    league = models.CharField(max_length=16, blank=True)
    cooperative = models.ForeignKey(
        "cooperatives.Cooperative", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    category_ids = models.CharField(max_length=255, blank=True)  # " 3 7 " (facets by LIKE)
    certified_until = models.DateField(null=True)
    price = models.DecimalField(max_digits=12, decimal_places=2, null=True)
    in_stock = models.BooleanField(default=False)
    sales = models.PositiveIntegerField(default=0)
    priority = models.SmallIntegerField(default=0)
    date_created = models.DateTimeField(null=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["-sales"], name="catalogue_search_sales")]

    def __str__(self):
        return self.title


class Synonym(models.Model):
    """What shoppers type (红萝卜, 地瓜, carrot) for a word of the catalogue (胡萝卜, 烟薯)."""

    term = models.CharField(
        _("what shoppers type"), max_length=32, help_text=_("For example 红萝卜, 地瓜 or carrot.")
    )
    means = models.CharField(
        _("word in the catalogue"), max_length=32, help_text=_("For example 胡萝卜 or 烟薯.")
    )
    two_way = models.BooleanField(
        _("both ways"),
        default=False,
        help_text=_("Searching for the catalogue's word also finds products named by the other."),
    )
    date_created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["means", "term"]
        verbose_name = _("search synonym")
        verbose_name_plural = _("search synonyms")
        constraints = [
            models.UniqueConstraint(fields=["term", "means"], name="catalogue_synonym_unique")
        ]

    def __str__(self):
        arrow = "=" if self.two_way else "→"
        return f"{self.term} {arrow} {self.means}"


class SearchLog(models.Model):
    """One search a shopper made (the first page of results): for the staff's report of top
    queries and of queries that found nothing, which feeds the synonym table."""

    query = models.CharField(max_length=100, db_index=True)
    results = models.PositiveIntegerField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    date_created = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-date_created"]

    def __str__(self):
        return self.query


from oscar.apps.catalogue.models import *  # noqa: E402  (Oscar's other catalogue models)
