"""Oscar's catalogue dashboard views, forked to tell the product form who is editing."""

from oscar.apps.dashboard.catalogue.views import (
    ProductCreateUpdateView as OscarProductCreateUpdateView,
)


class ProductCreateUpdateView(OscarProductCreateUpdateView):
    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}
