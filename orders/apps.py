import oscar.apps.order.apps as apps


class OrderConfig(apps.OrderConfig):
    name = "orders"

    def ready(self):
        super().ready()
        from . import receivers  # noqa: F401
