import oscar.apps.checkout.apps as apps
from django.urls import path
from oscar.core.loading import get_class


class CheckoutConfig(apps.CheckoutConfig):
    name = "orders.checkout"

    def ready(self):
        super().ready()
        # The checkout is one page (checkout:index); Oscar's step URLs lead to it.
        step = get_class("checkout.views", "StepView")
        self.shipping_address_view = self.shipping_method_view = step
        self.payment_method_view = self.payment_details_view = step
        self.buy_now_view = get_class("checkout.views", "BuyNowView")

    def get_urls(self):
        urls = [path("buy/<int:pk>/", self.buy_now_view.as_view(), name="buy-now")]
        return self.post_process_urls(urls) + super().get_urls()
