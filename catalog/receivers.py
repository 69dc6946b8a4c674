"""What changes a search document, and the rebuild it schedules (after commit, by Celery).

Models of other apps are named by string (catalog imports no other app)."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from oscar.core.loading import get_model

from .tasks import rebuild_after_commit

Product = get_model("catalogue", "Product")


def _product_and_parent(product):
    return [product.pk, product.parent_id]


def product_saved(sender, instance, **kwargs):
    rebuild_after_commit(_product_and_parent(instance))


def product_categories_changed(sender, instance, action, pk_set=None, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if isinstance(instance, Product):
        rebuild_after_commit(_product_and_parent(instance))
    elif pk_set:
        rebuild_after_commit(pk_set)


def product_category_saved(sender, instance, **kwargs):
    rebuild_after_commit([instance.product_id])


def stock_record_saved(sender, instance, **kwargs):
    product = instance.product
    rebuild_after_commit(_product_and_parent(product))


def category_saved(sender, instance, **kwargs):
    Category = get_model("catalogue", "Category")
    subtree = Category.objects.filter(path__startswith=instance.path)
    rebuild_after_commit(
        Product.objects.filter(categories__in=subtree).values_list("pk", flat=True)
    )


def cooperative_saved(sender, instance, **kwargs):
    rebuild_after_commit(Product.objects.filter(cooperative=instance).values_list("pk", flat=True))


def county_saved(sender, instance, **kwargs):
    rebuild_after_commit(
        Product.objects.filter(origin_county=instance).values_list("pk", flat=True)
    )


def synonyms_changed(sender, instance, **kwargs):
    rebuild_after_commit(None)


def connect():
    uid = "catalog.search."
    post_save.connect(product_saved, sender=Product, dispatch_uid=uid + "product")
    post_delete.connect(product_saved, sender=Product, dispatch_uid=uid + "product.delete")
    m2m_changed.connect(
        product_categories_changed,
        sender=Product.categories.through,
        dispatch_uid=uid + "categories",
    )
    ProductCategory = get_model("catalogue", "ProductCategory")
    post_save.connect(product_category_saved, sender=ProductCategory, dispatch_uid=uid + "pc")
    post_delete.connect(product_category_saved, sender=ProductCategory, dispatch_uid=uid + "pc.d")
    for signal, suffix in ((post_save, "save"), (post_delete, "delete")):
        signal.connect(
            stock_record_saved, sender="partner.StockRecord", dispatch_uid=f"{uid}stock.{suffix}"
        )
        signal.connect(
            synonyms_changed, sender="catalogue.Synonym", dispatch_uid=f"{uid}syn.{suffix}"
        )
    post_save.connect(category_saved, sender="catalogue.Category", dispatch_uid=uid + "category")
    post_save.connect(
        cooperative_saved, sender="cooperatives.Cooperative", dispatch_uid=uid + "cooperative"
    )
    post_save.connect(county_saved, sender="cooperatives.County", dispatch_uid=uid + "county")
