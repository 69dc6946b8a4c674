"""Oscar's catalogue dashboard views, forked to tell the product form who is editing, to refuse,
with a message, to delete a product that live sessions still feature, and to show each product's
price and stock on the list (the viewer's own stock records only, loaded in bulk)."""

from django.contrib import messages
from django.db import transaction
from django.db.models import ProtectedError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from oscar.apps.dashboard.catalogue.views import (
    ProductCreateUpdateView as OscarProductCreateUpdateView,
)
from oscar.apps.dashboard.catalogue.views import ProductDeleteView as OscarProductDeleteView
from oscar.apps.dashboard.catalogue.views import ProductListView as OscarProductListView

from .selectors import with_stock


class ProductListView(OscarProductListView):
    def get_queryset(self):
        return with_stock(super().get_queryset(), self.request.user)


class ProductCreateUpdateView(OscarProductCreateUpdateView):
    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}


class ProductDeleteView(OscarProductDeleteView):
    def delete(self, request, *args, **kwargs):
        try:
            with transaction.atomic():
                return super().delete(request, *args, **kwargs)
        except ProtectedError:
            messages.error(
                request,
                _(
                    "This product is on a live session, so it cannot be deleted (its sales and "
                    "replays refer to it). Take it off sale instead: untick “Is public”."
                ),
            )
            return redirect(reverse("dashboard:catalogue-product", kwargs={"pk": kwargs["pk"]}))
