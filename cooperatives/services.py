"""Write operations on cooperatives (HackSoft styleguide: services for writes)."""

import uuid

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.utils import timezone
from oscar.core.loading import get_model

from .imports import import_households
from .models import Cooperative, HouseholdImport

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


def private_storage():
    return FileSystemStorage(location=settings.PRIVATE_STORAGE_ROOT)


def queue_household_import(user, upload) -> HouseholdImport:
    """Keep the upload in private storage and queue its import (Celery, after commit)."""
    from .tasks import run_household_import  # the task module imports this one

    stored_as = private_storage().save(f"household-imports/{uuid.uuid4().hex}", upload)
    job = HouseholdImport.objects.create(user=user, filename=upload.name[:200], stored_as=stored_as)
    run_household_import.delay_on_commit(job.pk)
    return job


def run_household_import(import_id: int) -> str:
    """Import a queued upload (all or nothing), record the outcome, delete the upload."""
    job = HouseholdImport.objects.get(pk=import_id)
    if job.status in (HouseholdImport.Status.DONE, HouseholdImport.Status.FAILED):
        return job.status
    HouseholdImport.objects.filter(pk=job.pk).update(status=HouseholdImport.Status.RUNNING)
    storage = private_storage()

    def progress(done, total):
        HouseholdImport.objects.filter(pk=job.pk).update(done=done, total=total)

    try:
        with storage.open(job.stored_as, "rb") as upload:
            result = import_households(upload.read(), job.filename, progress=progress)
    finally:
        storage.delete(job.stored_as)
    HouseholdImport.objects.filter(pk=job.pk).update(
        status=HouseholdImport.Status.DONE if result.ok else HouseholdImport.Status.FAILED,
        created_households=result.created,
        errors=[[line, message] for line, message in result.errors],
        finished=timezone.now(),
    )
    return "done" if result.ok else "failed"
