"""对公转账: paying an order, or a purchase batch (采购单) at once, by bank transfer.

The buyer chooses it on the payment page (or the batch's page) and is shown the store's account
(``TRANSFER_PAYEE_*``), the exact amount, the due date (``TRANSFER_DAYS``) and a reference to
write in the transfer's 附言/用途 (``new_reference``: "JM", eight characters of an alphabet
without 0/O/1/I, and a check character, so a typo is caught and not matched to another
order). Staff import the bank's statement (``statements``); each new credit line is matched here:

- its memo holds exactly one open reference and the money received for it (this line, and any
  earlier lines of the same reference still waiting) equals the amount: the order(s) become
  已付款 through ``orders.services.mark_paid``, source ("transfer", "对公转账"), dated at the
  transfer's date; a batch's orders all together, in one transaction, each with its own amount;
- less than the amount (短款): the line waits, listed, until a later line of the same reference
  makes the sum up (then both are matched and the order paid) or a person settles it;
- more than the amount (多款), no reference (无附言), several references (多个编号), or the
  order already paid or cancelled: listed for a person, nothing paid.

A person matches a listed line to a reference by hand (an over payment is then taken, with a
note on the order to return the excess; a short one waits for the rest) or sets it aside with a
note. Every step is logged (``TransferAction``: who, when). Beat (``sweep``): a reminder email
``TRANSFER_REMIND_DAYS`` before the due date, once; past it the order(s) are cancelled, stock
released, and the instruction closed.

Nothing here imports the organisations app: a batch is reached through the instruction's foreign
key (``instruction.batch``, ``batch.orders``, ``batch.organisation``).
"""

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from orders import services as lifecycle
from orders import statuses
from orders.emails import email_address

from . import intents
from .models import StatementImport, StatementLine, TransferAction, TransferInstruction

logger = logging.getLogger(__name__)

Order = get_model("order", "Order")

SOURCE = ("transfer", "对公转账")
Status = TransferInstruction.Status
LineStatus = StatementLine.Status

# --- References -----------------------------------------------------------------------------

PREFIX = "JM"
# 32 characters: no 0/O and 1/I, which are read and typed one for the other.
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
BODY_LENGTH = 8
REFERENCE_LENGTH = len(PREFIX) + BODY_LENGTH + 1
_FINDER = re.compile(rf"(?=({PREFIX}[{ALPHABET}]{{{BODY_LENGTH + 1}}}))")


def check_char(body: str) -> str:
    """The Luhn mod 32 check character of ``body`` (characters of ``ALPHABET``): it catches
    every single wrong character and every swap of two neighbours."""
    n = len(ALPHABET)
    total, factor = 0, 2
    for char in reversed(body):
        addend = factor * ALPHABET.index(char)
        total += addend // n + addend % n
        factor = 1 if factor == 2 else 2
    return ALPHABET[(n - total % n) % n]


def new_reference() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return f"{PREFIX}{body}{check_char(body)}"


def is_valid_reference(text: str) -> bool:
    text = normalise_reference(text)
    if len(text) != REFERENCE_LENGTH or not text.startswith(PREFIX):
        return False
    body, check = text[len(PREFIX) : -1], text[-1]
    return all(c in ALPHABET for c in body) and check_char(body) == check


def normalise_reference(text: str) -> str:
    """Upper case, without the spaces and hyphens a bank clerk or a buyer may put in."""
    return re.sub(r"[\s\-_]+", "", str(text or "")).upper()


def find_references(memo: str) -> list[str]:
    """The well-formed references (check character right) in a memo, each once, in order."""
    found = []
    for match in _FINDER.finditer(normalise_reference(memo)):
        reference = match.group(1)
        if is_valid_reference(reference) and reference not in found:
            found.append(reference)
    return found


def payee() -> dict:
    """The store's account, as the buyer is shown it."""
    return {
        "name": settings.TRANSFER_PAYEE_NAME,
        "bank": settings.TRANSFER_PAYEE_BANK,
        "account": settings.TRANSFER_PAYEE_ACCOUNT,
    }


# --- Instructions ---------------------------------------------------------------------------


class TransferRefused(ValidationError):
    """This order or batch cannot be paid by transfer (now); the message says why."""


class NotWaiting(Exception):
    """An order of the instruction is no longer waiting for payment (paid or cancelled
    meanwhile): nothing is paid, the line stays listed."""


# organisations.Organisation.Status.APPROVED (payments does not import organisations)
ORGANISATION_APPROVED = "approved"


def transfer_offered(order) -> bool:
    """对公转账 is for organisation buying: an order bought for an approved organisation (its
    own), or a purchase batch's order (paid with the batch, ``instruction_for_batch``). Any
    other order pays by card within ``PAYMENT_TIMEOUT_MINUTES``: a transfer holds stock for
    days, which nobody may do to a flash sale's units."""
    if order.batch_id:
        return True
    return bool(order.organisation_id) and order.organisation.status == ORGANISATION_APPROVED


def instruction_for_order(order, *, user=None) -> TransferInstruction:
    """The order's transfer instruction, made the first time (choosing transfer twice shows the
    same reference). Refused for an order no longer waiting for payment, and for one order of a
    batch (the batch is paid as a whole)."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        existing = TransferInstruction.objects.filter(order=order).first()
        if existing is not None:
            return existing
        if order.batch_id:
            raise TransferRefused(_("This order is part of a purchase batch: pay the batch."))
        if not transfer_offered(order):
            raise TransferRefused(
                _("Bank transfer is for orders bought for an approved organisation.")
            )
        if order.status != statuses.PENDING_PAYMENT:
            raise TransferRefused(_("This order is no longer waiting for payment."))
        return _create(
            order=order,
            amount=order.total_incl_tax,
            currency=order.currency,
            due=timezone.now() + timedelta(days=settings.TRANSFER_DAYS),
            user=user,
        )


def instruction_for_batch(batch, *, user=None) -> TransferInstruction:
    """The batch's transfer instruction (idempotent), for the sum of its orders; due
    ``TRANSFER_DAYS`` after the batch was made (its orders are held that long)."""
    with transaction.atomic():
        orders = list(Order.objects.select_for_update().filter(batch=batch).order_by("pk"))
        existing = TransferInstruction.objects.filter(batch=batch).first()
        if existing is not None:
            return existing
        if not orders or any(o.status != statuses.PENDING_PAYMENT for o in orders):
            raise TransferRefused(_("This purchase batch is no longer waiting for payment."))
        started = min([batch.created, *(o.date_placed for o in orders)])
        return _create(
            batch=batch,
            amount=sum((o.total_incl_tax for o in orders), Decimal("0.00")),
            currency=orders[0].currency,
            due=started + timedelta(days=settings.TRANSFER_DAYS),
            user=user,
        )


def _create(*, user, **fields) -> TransferInstruction:
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return TransferInstruction.objects.create(
                    reference=new_reference(), created_by=user, **fields
                )
        except IntegrityError:  # the one-in-a-trillion reference already given out
            continue
    raise RuntimeError("no free transfer reference")


def open_instruction(reference: str) -> TransferInstruction | None:
    return TransferInstruction.objects.filter(
        reference=normalise_reference(reference), status=Status.OPEN
    ).first()


def received(instruction) -> Decimal:
    """What came in for the instruction so far: its statement lines not set aside."""
    total = (
        instruction.lines.exclude(status=LineStatus.SET_ASIDE)
        .aggregate(total=Sum("amount"))
        .get("total")
    )
    return total or Decimal("0.00")


# --- Matching statement lines ----------------------------------------------------------------


def match_line(line: StatementLine, *, user=None) -> str:
    """Match a newly imported line by its memo; returns its status."""
    references = find_references(line.memo)
    if not references:
        return _list(line, LineStatus.UNMATCHED, user)
    if len(references) > 1:
        line.found_references = " ".join(references)[:200]
        return _list(line, LineStatus.AMBIGUOUS, user)
    instruction = TransferInstruction.objects.filter(reference=references[0]).first()
    if instruction is None:
        return _list(line, LineStatus.UNMATCHED, user)
    line.found_references = references[0]
    return _apply(line, instruction, user=user, by_hand=False)


def _list(line, status, user, note=""):
    line.status = status
    if note:
        line.note = note[:500]
    line.save()
    return status


def _apply(line, instruction, *, user, by_hand: bool, note: str = "") -> str:
    """``line`` is money for ``instruction``: pay it when what came in makes up the amount (or
    more, when a person says so), else list the line."""
    with transaction.atomic():
        instruction = TransferInstruction.objects.select_for_update().get(pk=instruction.pk)
        if instruction.status != Status.OPEN:
            line.instruction = instruction
            return _list(line, LineStatus.CLOSED, user, note)
        if not _all_waiting(instruction):  # never a part of a batch: a person decides
            line.instruction = instruction
            return _list(line, LineStatus.CLOSED, user, note or _not_waiting_note(instruction))
        line.instruction = instruction
        line.status = LineStatus.SHORT  # counted in ``received`` until decided below
        line.save()
        total = received(instruction)
        if total < instruction.amount:
            if by_hand:  # received in part: it waits, listed, for the rest
                _log(line, instruction, user, by_hand, note)
            return _list(line, LineStatus.SHORT, user, note)
        if total > instruction.amount and not by_hand:
            return _list(line, LineStatus.OVER, user, note)
        excess = total - instruction.amount
        try:
            with transaction.atomic():
                _pay(instruction, line, excess=excess, user=user)
                _log(line, instruction, user, by_hand, note)
        except NotWaiting:  # rolled back: nothing paid
            return _list(line, LineStatus.CLOSED, user, note or _not_waiting_note(instruction))
        return LineStatus.MATCHED


def _not_waiting_note(instruction) -> str:
    if instruction.batch_id:
        return _(
            "Not every order of this purchase batch is waiting for payment (some were paid or "
            "cancelled): nothing was paid."
        )
    return _("The order is no longer waiting for payment: nothing was paid.")


def _log(line, instruction, user, by_hand, note):
    kind = TransferAction.Kind.MATCHED_BY_HAND if by_hand else TransferAction.Kind.MATCHED
    TransferAction.objects.create(
        line=line, instruction=instruction, kind=kind, user=user, note=note[:500]
    )


def _all_waiting(instruction) -> bool:
    """Every order of the instruction still 待付款, each locked (in pk order, as the lifecycle
    locks them) until the caller's transaction ends, so none is paid or cancelled meanwhile."""
    orders = list(instruction.orders().select_for_update().order_by("pk"))
    return bool(orders) and all(o.status == statuses.PENDING_PAYMENT for o in orders)


def _paid_at(line, instruction):
    """When the money came: the transfer's date (the start of that day in the store's time
    zone), not before the instruction was given, not after now."""
    day = timezone.make_aware(datetime.combine(line.date, time.min))
    return min(max(day, instruction.created), timezone.now())


def _pay(instruction, line, *, excess: Decimal, user):
    """Every order of the instruction 已付款 (in the caller's transaction), the lines matched."""
    at = _paid_at(line, instruction)
    orders = list(instruction.orders().order_by("pk"))
    for order in orders:
        if not lifecycle.mark_paid(
            order,
            amount=order.total_incl_tax,
            reference=line.payment_reference,
            source=SOURCE,
            label=instruction.reference,
            at=at,
        ):
            raise NotWaiting(order.number)
    if excess > 0:
        message = _(
            "Paid by bank transfer %(reference)s with ¥%(excess)s too much: return the excess "
            "to the payer."
        ) % {"reference": instruction.reference, "excess": excess}
        orders[0].notes.create(message=message, note_type="System", user=user)
        line.note = (f"{line.note} " if line.note else "") + message
        line.note = line.note[:500]
    line.save()
    instruction.lines.exclude(status=LineStatus.SET_ASIDE).update(status=LineStatus.MATCHED)
    line.status = LineStatus.MATCHED
    instruction.status = Status.PAID
    instruction.closed_at = timezone.now()
    instruction.save(update_fields=["status", "closed_at"])
    # A batch's own status follows its orders in one place: the organisations app's receiver of
    # ``order_paid`` (organisations/receivers.py), run inside each ``mark_paid`` above.


def match_by_hand(line: StatementLine, reference: str, *, user, note: str = "") -> str:
    """A person says ``line`` is money for ``reference``: equal → paid; more → paid, with a note
    to return the excess; less → received in part, waiting (listed) for the rest."""
    if not line.needs_a_person:
        raise ValidationError(_("This statement line is settled already."))
    if not is_valid_reference(reference):
        raise ValidationError(
            _("“%(reference)s” is not a transfer reference (a character is wrong).")
            % {"reference": reference[:20]}
        )
    instruction = open_instruction(reference)
    if instruction is None:
        raise ValidationError(
            _("No transfer is waiting under %(reference)s.")
            % {"reference": normalise_reference(reference)}
        )
    with transaction.atomic():
        line = StatementLine.objects.select_for_update().get(pk=line.pk)
        if not line.needs_a_person:
            raise ValidationError(_("This statement line is settled already."))
        if line.instruction_id and line.instruction_id != instruction.pk:
            line.instruction = None
        return _apply(line, instruction, user=user, by_hand=True, note=note)


def set_aside(line: StatementLine, *, user, note: str) -> None:
    """A person deals with ``line`` outside the store (returned it, not ours…): off the list."""
    note = (note or "").strip()
    if not note:
        raise ValidationError(_("Say why the line is set aside."))
    with transaction.atomic():
        line = StatementLine.objects.select_for_update().get(pk=line.pk)
        if not line.needs_a_person:
            raise ValidationError(_("This statement line is settled already."))
        line.status = LineStatus.SET_ASIDE
        line.note = note[:500]
        line.save(update_fields=["status", "note"])
        TransferAction.objects.create(
            line=line,
            instruction=line.instruction,
            kind=TransferAction.Kind.SET_ASIDE,
            user=user,
            note=note[:500],
        )


# --- Importing a statement --------------------------------------------------------------------


@dataclass
class ImportResult:
    statement: StatementImport
    read: int
    new: int
    statuses: dict
    seen: int = 0  # lines imported before (the same fingerprint): skipped, and said so


def import_statement(parsed_lines, *, filename: str, user) -> ImportResult:
    """Store the lines not seen before (``fingerprint``: the bank's serial with the date, amount
    and payer account, so a serial a bank gives again another day is a new line) and match
    each; one transaction. The lines seen before are counted (``seen``), not stored again."""
    counts: dict[str, int] = {}
    with transaction.atomic():
        statement = StatementImport.objects.create(
            filename=filename[:200], uploaded_by=user, lines_read=len(parsed_lines)
        )
        known = set(
            StatementLine.objects.filter(
                fingerprint__in=[p.fingerprint for p in parsed_lines]
            ).values_list("fingerprint", flat=True)
        )
        new = 0
        for parsed in parsed_lines:
            if parsed.fingerprint in known:
                continue
            known.add(parsed.fingerprint)
            line = StatementLine.objects.create(
                statement=statement,
                row=parsed.row,
                fingerprint=parsed.fingerprint,
                bank_serial=parsed.bank_serial,
                date=parsed.date,
                amount=parsed.amount,
                payer_name=parsed.payer_name,
                payer_account=parsed.payer_account,
                memo=parsed.memo,
                status=LineStatus.UNMATCHED,
            )
            new += 1
            try:
                with transaction.atomic():
                    status = match_line(line, user=user)
            except Exception:  # stored all the same, for a person: never lost
                logger.exception("Statement line pk=%s: not matched", line.pk)
                status = LineStatus.UNMATCHED
                StatementLine.objects.filter(pk=line.pk).update(
                    status=status, instruction=None, note=_("Could not be matched automatically.")
                )
            counts[status] = counts.get(status, 0) + 1
        statement.lines_new = new
        statement.lines_matched = counts.get(LineStatus.MATCHED, 0)
        statement.save(update_fields=["lines_new", "lines_matched"])
    return ImportResult(
        statement=statement,
        read=len(parsed_lines),
        new=new,
        statuses=counts,
        seen=len(parsed_lines) - new,
    )


# --- Reminders and cancellation (Celery beat) ------------------------------------------------


def send_reminders(now=None) -> int:
    """One email per open instruction ``TRANSFER_REMIND_DAYS`` before its due date."""
    now = now or timezone.now()
    soon = now + timedelta(days=settings.TRANSFER_REMIND_DAYS)
    sent = 0
    due_soon = TransferInstruction.objects.filter(
        status=Status.OPEN, reminded_at__isnull=True, due__lte=soon, due__gt=now
    )
    for instruction in due_soon:
        # Claimed first, so two sweeps never remind twice.
        claimed = TransferInstruction.objects.filter(
            pk=instruction.pk, reminded_at__isnull=True
        ).update(reminded_at=now)
        if not claimed:
            continue
        try:
            if _none_waiting(instruction):  # cancelled or paid since: no "please transfer"
                TransferInstruction.objects.filter(pk=instruction.pk).update(reminded_at=None)
                continue
            _send_reminder(instruction)
        except Exception as error:
            # The reference only: a mail error (e.g. SMTPRecipientsRefused) carries addresses.
            logger.error(
                "Transfer %s: reminder not sent (%s)",
                instruction.reference,
                type(error).__name__,
            )
            TransferInstruction.objects.filter(pk=instruction.pk).update(reminded_at=None)
            continue
        TransferAction.objects.create(instruction=instruction, kind=TransferAction.Kind.REMINDED)
        sent += 1
    return sent


def reminder_recipients(instruction) -> list[str]:
    if instruction.batch_id:
        batch = instruction.batch
        found = [batch.created_by.email, batch.organisation.contact_email]
    else:
        found = [email_address(instruction.order)]
    return list(dict.fromkeys(address for address in found if address))


def _send_reminder(instruction):
    recipients = reminder_recipients(instruction)
    if not recipients:
        return
    context = {
        "instruction": instruction,
        "payee": payee(),
        "order": instruction.order,
        "batch": instruction.batch,
        "due": timezone.localtime(instruction.due),
    }
    with translation.override("zh-hans"):
        subject = render_to_string("payments/transfer_reminder_subject.txt", context)
        body = render_to_string("payments/transfer_reminder_body.txt", context)
    send_mail(" ".join(subject.split()), body, None, recipients)


def cancel_overdue(now=None) -> list[str]:
    """Open instructions past their due date: every order still unpaid is cancelled (its stock
    released, any card payment stopped first) and the instruction closed. Batches that chose
    no way to pay are cancelled after the same ``TRANSFER_DAYS``. Returns the references (and
    batch ids) closed."""
    now = now or timezone.now()
    closed = []
    for instruction in TransferInstruction.objects.filter(status=Status.OPEN, due__lt=now):
        try:
            if _cancel_instruction(instruction):
                closed.append(instruction.reference)
        except Exception:
            logger.exception("Transfer %s: could not cancel", instruction.reference)
    cutoff = now - timedelta(days=settings.TRANSFER_DAYS)
    stale_batches = (
        Order.objects.filter(
            status=statuses.PENDING_PAYMENT, batch__isnull=False, date_placed__lt=cutoff
        )
        .exclude(batch__transfer_instruction__isnull=False)
        .values_list("batch_id", flat=True)
        .distinct()
    )
    for batch_id in list(stale_batches):
        try:  # the batch's own status follows (organisations/receivers.py)
            if _cancel_orders(Order.objects.filter(batch_id=batch_id)):
                closed.append(f"batch-{batch_id}")
        except Exception:
            logger.exception("Batch pk=%s: could not cancel", batch_id)
    return closed


def _cancel_orders(orders) -> bool:
    """Cancel the unpaid ones; True when none is left waiting."""
    note = _(
        "Cancelled: the bank transfer did not arrive within %(days)d days; stock released."
    ) % {"days": settings.TRANSFER_DAYS}
    done = True
    for order in orders.filter(status=statuses.PENDING_PAYMENT):
        if not intents.stop_payments(order.pk):
            done = False  # a card payment went through (it pays the order) or Stripe is away
            continue
        lifecycle.cancel_unpaid(order, note=note)
    return done and not orders.filter(status=statuses.PENDING_PAYMENT).exists()


def _cancel_instruction(instruction) -> bool:
    orders = instruction.orders()
    if not _cancel_orders(orders):
        return False
    with transaction.atomic():
        locked = TransferInstruction.objects.select_for_update().get(pk=instruction.pk)
        if locked.status != Status.OPEN:
            return False
        paid_otherwise = orders.filter(status__in=statuses.PAID_STATUSES).exists()
        locked.status = Status.CLOSED if paid_otherwise else Status.CANCELLED
        locked.closed_at = timezone.now()
        locked.save(update_fields=["status", "closed_at"])
        TransferAction.objects.create(instruction=locked, kind=TransferAction.Kind.CANCELLED)
    return True


def _none_waiting(instruction) -> bool:
    return not instruction.orders().filter(status=statuses.PENDING_PAYMENT).exists()


def close_paid_otherwise() -> int:
    """Open instructions none of whose orders waits for payment any more: paid another way (by
    card after all: closed) or cancelled (by the buyer: cancelled), so they neither wait on the
    staff's list nor remind anybody. A transfer that still comes for one is listed (order
    already paid or cancelled) for a person to return."""
    closed = 0
    for instruction in TransferInstruction.objects.filter(status=Status.OPEN):
        if not _none_waiting(instruction):
            continue
        orders = instruction.orders()
        paid = orders.filter(status__in=statuses.PAID_STATUSES).exists()
        status = Status.CLOSED if paid else Status.CANCELLED
        closed += TransferInstruction.objects.filter(pk=instruction.pk, status=Status.OPEN).update(
            status=status, closed_at=timezone.now()
        )
    return closed


def sweep(now=None) -> dict:
    """Celery beat, hourly: instructions paid another way closed, reminders, cancellations."""
    return {
        "closed": close_paid_otherwise(),
        "reminded": send_reminders(now),
        "cancelled": len(cancel_overdue(now)),
    }
