"""Write operations on cooperatives (HackSoft styleguide: services for writes)."""

import uuid

from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone
from oscar.core.loading import get_model

from .models import Cooperative, HouseholdImport, private_storage

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


def queue_household_import(user, upload) -> HouseholdImport:
    """Keep the upload in private storage and queue its import (Celery, after commit)."""
    from .tasks import run_household_import  # tasks are imported where they are queued

    stored_as = private_storage().save(f"household-imports/{uuid.uuid4().hex}", upload)
    job = HouseholdImport.objects.create(user=user, filename=upload.name[:200], stored_as=stored_as)
    run_household_import.delay_on_commit(job.pk)
    return job


# --- A cooperative's own profile (managers) and certification reviews (staff) -------------------


def update_profile(cooperative, *, fields: dict, logo=None, photo=None, caption="", user=None):
    """Story, contact and pictures, as a manager may change them. Pictures are re-encoded."""
    from .models import CooperativePhoto
    from .uploads import reencode_image

    logo_file = reencode_image(logo) if logo else None
    photo_file = reencode_image(photo) if photo else None
    with transaction.atomic():
        for name in ("tagline", "story", "village", "contact_phone"):
            if name in fields:
                setattr(cooperative, name, fields[name])
        if logo_file:
            cooperative.logo.save(logo_file.name, logo_file, save=False)
        cooperative.save()
        if photo_file:
            CooperativePhoto.objects.create(
                cooperative=cooperative, image=photo_file, caption=caption[:120]
            )
    return cooperative


def request_certification(product, *, number, valid_until, document, user):
    from .models import CertificationRequest
    from .uploads import check_document

    checked = check_document(document)
    return CertificationRequest.objects.create(
        product=product,
        number=number.strip(),
        valid_until=valid_until,
        document=checked,
        requested_by=user,
    )


def decide_certification(request_, *, approve: bool, user):
    """Staff: approving writes the number and expiry to the product; rejecting leaves it."""
    from .models import CertificationRequest

    with transaction.atomic():
        request_ = CertificationRequest.objects.select_for_update().get(pk=request_.pk)
        if request_.status != CertificationRequest.Status.REQUESTED:
            return request_
        request_.status = (
            CertificationRequest.Status.APPROVED
            if approve
            else CertificationRequest.Status.REJECTED
        )
        request_.decided_by = user
        request_.decided = timezone.now()
        request_.save()
        if approve:
            product = request_.product
            product.certification_number = request_.number
            product.certification_valid_until = request_.valid_until
            product.save(update_fields=["certification_number", "certification_valid_until"])
    return request_
