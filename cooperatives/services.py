"""Write operations on cooperatives (HackSoft styleguide: services for writes)."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from oscar.core.loading import get_model

from .models import Cooperative

Product = get_model("catalogue", "Product")

MANAGERS_GROUP = "合作社负责人"


def attach_product_to_partner_cooperative(stockrecord) -> bool:
    """Derive a product's cooperative (and origin county) from the partner of its stock record.

    Only fills what is empty: a product staff assigned explicitly keeps its cooperative.
    Returns whether the product changed.
    """
    cooperative = Cooperative.objects.filter(partner_id=stockrecord.partner_id).first()
    if cooperative is None:
        return False
    updated = Product.objects.filter(pk=stockrecord.product_id, cooperative__isnull=True).update(
        cooperative=cooperative
    )
    Product.objects.filter(pk=stockrecord.product_id, origin_county__isnull=True).update(
        origin_county_id=cooperative.county_id
    )
    return bool(updated)


def managers_group() -> Group:
    """The group that gives cooperative managers access to Oscar's partner dashboard."""
    group, _ = Group.objects.get_or_create(name=MANAGERS_GROUP)
    perm = Permission.objects.get(content_type__app_label="partner", codename="dashboard_access")
    group.permissions.add(perm)
    return group


@transaction.atomic
def add_cooperative_manager(cooperative: Cooperative, user) -> None:
    """Make ``user`` a manager of ``cooperative``: a user of its partner, with dashboard access.

    Oscar's dashboard then shows them only the products and orders of their own partner.
    """
    cooperative.partner.users.add(user)
    user.groups.add(managers_group())


@transaction.atomic
def remove_cooperative_manager(cooperative: Cooperative, user) -> None:
    cooperative.partner.users.remove(user)
    if not user.partners.exists():
        user.groups.remove(managers_group())
