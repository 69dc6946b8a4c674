"""Storefront pages for cooperatives: /cooperatives/ and /cooperatives/<slug>/ (thin views)."""

from django.conf import settings
from django.views.generic import ListView

from . import selectors
from .forms import CooperativeFilterForm


class CooperativeListView(ListView):
    template_name = "cooperatives/cooperative_list.html"
    context_object_name = "cooperatives"
    paginate_by = 24

    def get_queryset(self):
        self.form = CooperativeFilterForm(self.request.GET or None)
        return selectors.cooperative_list(**self.form.filters())

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["form"] = self.form
        return ctx


class CooperativeDetailView(ListView):
    """A cooperative's story and origin, then its products (paginated like the catalogue)."""

    template_name = "cooperatives/cooperative_detail.html"
    context_object_name = "products"

    def get_paginate_by(self, queryset):
        return settings.OSCAR_PRODUCTS_PER_PAGE

    def get_queryset(self):
        self.cooperative = selectors.get_cooperative(self.kwargs["slug"])
        return selectors.cooperative_products(self.cooperative)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cooperative"] = self.cooperative
        return ctx
