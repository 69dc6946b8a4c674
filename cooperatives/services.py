"""Write operations on cooperatives (HackSoft styleguide: services for writes)."""

from django.contrib.auth.models import Permission
from django.db import transaction
from oscar.core.loading import get_model

from .models import Cooperative

Product = get_model("catalogue", "Product")


def attach_product_to_partner_cooperative(stockrecord) -> bool:
    """Make a product's cooperative (and, if unset, origin county) its stock record's partner's.

    The stock record's partner decides who may edit the product in Oscar's dashboard and whose
    households the sale is credited to, so the cooperative shown to shoppers always follows it.
    Returns whether the product changed.
    """
    cooperative = Cooperative.objects.filter(partner_id=stockrecord.partner_id).first()
    if cooperative is None:
        return False
    changed = (
        Product.objects.filter(pk=stockrecord.product_id)
        .exclude(cooperative=cooperative)
        .update(cooperative=cooperative)
    )
    Product.objects.filter(pk=stockrecord.product_id, origin_county__isnull=True).update(
        origin_county_id=cooperative.county_id
    )
    return bool(changed)


def _dashboard_access():
    return Permission.objects.get(content_type__app_label="partner", codename="dashboard_access")


@transaction.atomic
def add_cooperative_manager(cooperative: Cooperative, user) -> None:
    """Make ``user`` a manager of ``cooperative``: a user of its partner, with dashboard access.

    The same as Oscar's own "link user to partner" page does (a direct ``dashboard_access``
    permission), so managers added either way are alike; Oscar's dashboard then shows them only
    their own partner's products and orders.
    """
    cooperative.partner.users.add(user)
    user.user_permissions.add(_dashboard_access())


@transaction.atomic
def remove_cooperative_manager(cooperative: Cooperative, user) -> None:
    """Undo ``add_cooperative_manager``; like Oscar's unlink, access stays while partners remain."""
    cooperative.partner.users.remove(user)
    if not user.partners.exists():
        user.user_permissions.remove(_dashboard_access())
