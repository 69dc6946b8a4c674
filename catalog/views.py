"""Storefront catalogue views, overriding Oscar's through ``get_class`` (same class names).

Oscar 4's listings come from Haystack; these serve them from the database through
``catalog.selectors`` with bulk loading, so the query count is flat in the number of products.
"""

from urllib.parse import unquote

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy as _
from django.views.generic import ListView
from oscar.apps.catalogue.views import ProductDetailView as OscarProductDetailView
from oscar.core.loading import get_model

from . import history, selectors
from .forms import ProductListForm
from .search import log as search_log
from .search import suggest as search_suggest
from .search.facets import facet_links

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
    """All products, or the results of a search (``?q=``) with facets, from the database.

    A search is analysed and ranked by ``catalog.search`` (selectors.search); a browse without
    words or facets is the plain listing (selectors.product_list)."""

    context_object_name = "products"
    template_name = "oscar/catalogue/browse.html"
    searching = False

    def get_paginate_by(self, queryset):
        return settings.OSCAR_PRODUCTS_PER_PAGE

    def get(self, request, *args, **kwargs):
        self.form = ProductListForm(request.GET or None)
        self.outcome = None
        try:
            response = super().get(request, *args, **kwargs)
        except Http404:
            messages.error(request, _("The given page number was invalid."))
            return redirect(self.page_one_url())
        if self.outcome is not None and self.form.query and not request.GET.get("page"):
            search_log.record(request, self.form.query, self.outcome.count, sender=type(self))
        return response

    def page_one_url(self):
        return self.request.path

    def category_filter(self) -> list[int]:
        """The category picked as a facet, with its subcategories."""
        picked = self.form.facet_filters().categories
        if not picked:
            return []
        return selectors.category_subtree_ids(picked[0])

    def start_page(self) -> bool:
        """/search/ before any words or facets: 热门搜索 and best sellers, no listing."""
        return self.searching and not (self.form.query or self.form.narrowed())

    def get_queryset(self):
        if self.start_page():
            return Product.objects.none()
        if self.form.query or self.form.narrowed():
            filters = self.form.facet_filters()
            filters.categories = self.category_filter()
            self.outcome = selectors.search(
                query=self.form.query, filters=filters, sort=self.form.sort
            )
            return self.outcome.documents
        return selectors.product_list(sort=self.form.sort)

    def get_paginator(self, queryset, per_page, **kwargs):
        paginator = super().get_paginator(queryset, per_page, **kwargs)
        if self.outcome is not None:
            paginator.count = self.outcome.count  # counted with the facets
        return paginator

    def paginate_queryset(self, queryset, page_size):
        paginator, page, object_list, is_paginated = super().paginate_queryset(queryset, page_size)
        if self.outcome is not None:  # a page of search documents: their products' cards
            object_list = page.object_list = selectors.cards(object_list)
        else:
            object_list = page.object_list = selectors.with_public_children(list(object_list))
        return paginator, page, object_list, is_paginated

    def get_summary(self):
        query = self.form.query
        if query:
            return _("Products matching “%(query)s”") % {"query": query}
        return _("All products")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["summary"] = self.get_summary()
        ctx["form"] = self.form if self.form.is_bound else ProductListForm()
        ctx["query"] = self.form.query
        ctx["outcome"] = self.outcome
        if self.outcome is not None:
            ctx["facets"] = facet_links(self.request, self.outcome.facets, self.outcome.count)
            if not self.outcome.count and self.form.query:
                ctx["nearest"] = selectors.nearest(self.outcome)
        ctx["narrowed"] = self.form.narrowed()
        if self.start_page() or (self.outcome is not None and not self.outcome.count):
            ctx["popular_products"] = selectors.popular()
            ctx["popular_queries"] = search_log.popular_queries()
        return ctx


class SearchView(CatalogueView):
    """/search/: the search page (热门搜索 and best sellers before any words are typed)."""

    searching = True
    template_name = "oscar/search/results.html"


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

    def category_filter(self) -> list[int]:
        picked = super().category_filter()
        within = selectors.category_subtree_ids(self.category.pk)
        return [pk for pk in picked if pk in within] or within

    def get_queryset(self):
        if self.form.query or self.form.narrowed():
            return super().get_queryset()
        return selectors.product_list(category=self.category, sort=self.form.sort)

    def get_summary(self):
        return self.category.name

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["category"] = self.category
        return ctx


def suggest(request):
    """GET /search/suggest/?q=…: 联想 as JSON (products, categories, cooperatives), cached."""
    response = JsonResponse(search_suggest.suggestions(request.GET.get("q", "")))
    response["Cache-Control"] = "public, max-age=60"
    return response
