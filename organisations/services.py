"""Organisation buyers' writes: applying, staff's decision, members and roles, the year's
reserved share (预留份额). Each is one transaction; bad input raises ``ValidationError`` with a
clear message and changes nothing.

Rules kept here (and tested here):
- an applicant becomes the organisation's first administrator (管理员) when staff approve it;
- a rejected application can be sent again by its applicant, with the same credit code; a
  rejected application does not hold its credit code either: someone else applying with it
  takes the application over (their details, their licence, waiting for approval again);
- an organisation always keeps at least one administrator: the last one can be neither removed
  nor made a purchaser;
- only approved organisations have members, and only their administrators change them.
"""

import logging
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cooperatives.uploads import reencode_image
from orders.address.chinese import normalise_mainland_mobile

from .models import Member, Organisation, ReservedShare

logger = logging.getLogger(__name__)

APPLICATION_FIELDS = (
    "name",
    "kind",
    "credit_code",
    "district",
    "contact_name",
    "contact_phone",
    "contact_email",
)


ALREADY_REGISTERED = gettext_lazy(
    "An organisation with this unified social credit code is already registered or waiting "
    "for approval."
)


def _require_admin(organisation, user):
    if not Organisation.objects.for_admin(user).filter(pk=organisation.pk).exists():
        raise ValidationError(_("Only the organisation's administrators can do this."))


# --- Applying and deciding ----------------------------------------------------------------------


@transaction.atomic
def apply(*, user, licence, **fields) -> Organisation:
    """An application (待审核) by ``user``, who becomes its administrator once approved.

    ``fields`` are the application's (``APPLICATION_FIELDS``); the credit code is upper-cased and
    checked (check character, not already registered), the mobile normalised to its 11 digits,
    the licence picture stored privately. A rejected application with the same credit code is
    sent again instead of refused: by its applicant (the licence kept unless a new one is sent),
    or taken over by another applicant (who must send their own licence)."""
    values = {name: fields.get(name, "") for name in APPLICATION_FIELDS}
    values["credit_code"] = str(values["credit_code"] or "").strip().upper()
    values["contact_phone"] = normalise_mainland_mobile(values["contact_phone"])
    existing = (
        Organisation.objects.select_for_update().filter(credit_code=values["credit_code"]).first()
    )
    if existing is not None:
        if existing.status != Organisation.Status.REJECTED:
            raise ValidationError({"credit_code": ALREADY_REGISTERED})
        organisation = existing
        if existing.applied_by_id != user.pk:
            # A rejected application holds its code for nobody: another applicant (the real
            # organisation, after someone else's false one) takes it over with their own
            # details and licence; the earlier applicant no longer sees it.
            if licence is None:
                raise ValidationError({"licence": _("Choose a picture of the business licence.")})
            organisation.applied_by = user
        for name, value in values.items():
            setattr(organisation, name, value)
        organisation.status = Organisation.Status.PENDING
        organisation.rejection_reason = ""
        organisation.decided_by = None
        organisation.decided_at = None
        organisation.created = timezone.now()
    else:
        if licence is None:
            raise ValidationError({"licence": _("Choose a picture of the business licence.")})
        organisation = Organisation(applied_by=user, **values)
    # the licence stored now, deleted once the new one is committed (read before it is replaced)
    old = existing.licence.name if existing is not None else ""
    if licence is not None:
        licence = reencode_image(licence)  # never the uploader's bytes, EXIF or name
        organisation.licence = licence
    organisation.full_clean(exclude=["licence"] if licence is None else None)
    if licence is not None:
        organisation.licence.save(licence.name, licence, save=False)
        if old and old != organisation.licence.name:
            storage = organisation.licence.storage
            transaction.on_commit(lambda: storage.delete(old))
    try:
        with transaction.atomic():  # the same code sent twice at once: one of them is refused
            organisation.save()
    except IntegrityError as error:
        organisation.licence.delete(save=False)
        raise ValidationError({"credit_code": ALREADY_REGISTERED}) from error
    return organisation


@transaction.atomic
def approve(organisation, *, by) -> Organisation:
    """Staff approve a pending application: the applicant becomes its administrator."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if organisation.status != Organisation.Status.PENDING:
        raise ValidationError(_("Only an application waiting for approval can be decided."))
    organisation.status = Organisation.Status.APPROVED
    organisation.rejection_reason = ""
    organisation.decided_by = by
    organisation.decided_at = timezone.now()
    organisation.save()
    Member.objects.update_or_create(
        organisation=organisation,
        user_id=organisation.applied_by_id,
        defaults={"role": Member.Role.ADMIN, "added_by": by},
    )
    transaction.on_commit(lambda: notify_applicant(organisation.pk))
    return organisation


@transaction.atomic
def reject(organisation, *, by, reason: str) -> Organisation:
    """Staff reject a pending application, saying why (the applicant is told, and may apply
    again)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the application is rejected.")})
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if organisation.status != Organisation.Status.PENDING:
        raise ValidationError(_("Only an application waiting for approval can be decided."))
    organisation.status = Organisation.Status.REJECTED
    organisation.rejection_reason = reason[:200]
    organisation.decided_by = by
    organisation.decided_at = timezone.now()
    organisation.save()
    transaction.on_commit(lambda: notify_applicant(organisation.pk))
    return organisation


def notify_applicant(pk) -> bool:
    """Email the applicant staff's decision (a courtesy: the page shows it too)."""
    from django.contrib.sites.models import Site

    organisation = Organisation.objects.select_related("applied_by").get(pk=pk)
    address = organisation.applied_by.email
    if not address:
        return False
    scheme = "http" if settings.DEBUG else "https"
    link = f"{scheme}://{Site.objects.get_current().domain}{reverse('organisations:mine')}"
    with translation.override("zh-hans"):
        if organisation.status == Organisation.Status.APPROVED:
            subject = _("Your organisation %(name)s is approved") % {"name": organisation.name}
            body = _(
                "%(name)s can now buy on Jingmeng Market. You are its administrator: add your "
                "purchasers on the organisation's page."
            ) % {"name": organisation.name}
        else:
            subject = _("Your organisation application %(name)s was not approved") % {
                "name": organisation.name
            }
            body = _("Reason: %(reason)s. You may correct it and apply again.") % {
                "reason": organisation.rejection_reason
            }
        try:
            send_mail(subject, f"{body}\n\n{link}", settings.DEFAULT_FROM_EMAIL, [address])
        except Exception:  # the decision is recorded and shown on the page; the email is a courtesy
            logger.exception("Could not email the decision on organisation %s", pk)
            return False
    return True


# --- Members --------------------------------------------------------------------------------------


def find_account(contact: str):
    """The account with this email address or mainland mobile number, or None."""
    contact = (contact or "").strip()
    if not contact:
        return None
    User = get_user_model()
    if "@" in contact:
        return User.objects.filter(email__iexact=contact, is_active=True).order_by("pk").first()
    try:
        digits = normalise_mainland_mobile(contact)
    except ValidationError:
        return None
    return User.objects.filter(phone_account__number="+86" + digits, is_active=True).first()


@transaction.atomic
def add_member(organisation, *, by, contact: str, role: str) -> Member:
    """An administrator adds the account with this email or mobile number, as ``role``."""
    _require_admin(organisation, by)
    if role not in Member.Role.values:
        raise ValidationError({"role": _("Choose a role.")})
    user = find_account(contact)
    if user is None:
        raise ValidationError(
            {
                "contact": _(
                    "No account has this email address or mobile number. Ask the person to "
                    "sign up first (with this email or mobile), then add them."
                )
            }
        )
    if organisation.members.filter(user=user).exists():
        raise ValidationError({"contact": _("This person is already a member.")})
    return Member.objects.create(organisation=organisation, user=user, role=role, added_by=by)


def _lock_admins(organisation):
    """The organisation's administrators, locked (two admins demoting each other at once
    cannot leave it with none)."""
    return list(
        Member.objects.select_for_update()
        .filter(organisation=organisation, role=Member.Role.ADMIN)
        .values_list("pk", flat=True)
    )


@transaction.atomic
def change_role(member, *, by, role: str) -> Member:
    organisation = member.organisation
    _require_admin(organisation, by)
    if role not in Member.Role.values:
        raise ValidationError(_("Choose a role."))
    admins = _lock_admins(organisation)
    member = Member.objects.select_for_update().get(pk=member.pk, organisation=organisation)
    if role != Member.Role.ADMIN and admins == [member.pk]:
        raise ValidationError(
            _("The organisation needs at least one administrator: make someone else one first.")
        )
    member.role = role
    member.save(update_fields=["role"])
    return member


@transaction.atomic
def remove_member(member, *, by) -> None:
    organisation = member.organisation
    _require_admin(organisation, by)
    admins = _lock_admins(organisation)
    if admins == [member.pk]:
        raise ValidationError(
            _("The organisation needs at least one administrator: make someone else one first.")
        )
    Member.objects.filter(pk=member.pk, organisation=organisation).delete()


# --- Reserved share -------------------------------------------------------------------------


@transaction.atomic
def set_target(organisation, *, by, year: int, target) -> ReservedShare:
    """The organisation's reserved share (预留份额) for ``year``, set by an administrator."""
    _require_admin(organisation, by)
    try:
        target = Decimal(str(target)).quantize(Decimal("0.01"))
    except ArithmeticError as error:
        raise ValidationError({"target": _("Enter an amount in yuan.")}) from error
    if target <= 0:
        raise ValidationError({"target": _("Enter an amount greater than zero.")})
    share, _created = ReservedShare.objects.update_or_create(
        organisation=organisation, year=year, defaults={"target": target, "set_by": by}
    )
    return share
