"""Storefront catalogue views, overriding Oscar's through ``get_class`` (same class names).

Oscar 4's listings come from Haystack; these serve them from the database through
``catalog.selectors`` with bulk loading, so the query count is flat in the number of products.
"""

from urllib.parse import unquote

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy as _
from django.views.generic import ListView
from oscar.apps.catalogue.views import ProductDetailView as OscarProductDetailView
from oscar.core.loading import get_model

from . import history, selectors
from .forms import ProductListForm

Category = get_model("catalogue", "Category")
Product = get_model("catalogue", "Product")


class ProductDetailView(OscarProductDetailView):
    def get_queryset(self):
        return selectors.product_detail_queryset()

    def get(self, request, *args, **kwargs):
        history.clean_history_cookie(
            request
        )  # for Oscar's "recently viewed" and its history update
        return super().get(request, *args, **kwargs)

    @staticmethod
    def page_cache_served(request, response, pk, **kwargs):
        """Served from the page cache (``shop.pagecache``): the product still joins the visitor's
        browsing history, as Oscar's view does when it renders the page."""
        history.clean_history_cookie(request)
        history.manager().update(Product(pk=int(pk)), request, response)


class CatalogueView(ListView):
    """All products, or the results of a search (``?q=``), from the database."""

    context_object_name = "products"
    template_name = "oscar/catalogue/browse.html"

    def get_paginate_by(self, queryset):
        return settings.OSCAR_PRODUCTS_PER_PAGE

    def get(self, request, *args, **kwargs):
        self.form = ProductListForm(request.GET or None)
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            messages.error(request, _("The given page number was invalid."))
            return redirect(self.page_one_url())

    def page_one_url(self):
        return self.request.path

    def get_queryset(self):
        return selectors.product_list(**self.form.filters())

    def get_summary(self):
        query = self.form.filters()["query"]
        if query:
            return _("Products matching “%(query)s”") % {"query": query}
        return _("All products")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["summary"] = self.get_summary()
        ctx["form"] = self.form if self.form.is_bound else ProductListForm()
        ctx["query"] = self.form.filters()["query"]
        return ctx


class ProductCategoryView(CatalogueView):
    """Products in a category and its subcategories."""

    template_name = "oscar/catalogue/category.html"

    def get(self, request, *args, **kwargs):
        self.category = get_object_or_404(Category, pk=self.kwargs["pk"])
        if not (self.category.is_public or request.user.is_staff):
            raise Http404()
        expected_path = self.category.get_absolute_url()
        if unquote(expected_path) != unquote(request.path):
            return HttpResponsePermanentRedirect(expected_path)
        return super().get(request, *args, **kwargs)

    def page_one_url(self):
        return self.category.get_absolute_url()

    def get_queryset(self):
        return selectors.product_list(category=self.category, **self.form.filters())

    def get_summary(self):
        return self.category.name

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["category"] = self.category
        return ctx
