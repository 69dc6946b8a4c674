"""What an invoice request and an uploaded invoice must look like.

- 税号 (taxpayer identification number): the 18-character unified social credit code, checked
  with its check character (``cooperatives.validators.validate_uscc``). The 15-, 17- and
  20-character numbers of before the 2015 "three certificates in one" reform are refused with a
  message that says so: every organisation and individual business has had an 18-character code
  since the changeover ended (2017 for companies, 2020 for individual businesses), and the tax
  offices issue invoices to those codes only.
- Invoice numbers: 8 digits (the older electronic invoices, which also carry a 10- or 12-digit
  invoice code, 发票代码) or 20 digits (全面数字化的电子发票, 数电票, which have no code).
- The file: a PDF (starts with ``%PDF-``) or an OFD (a ZIP archive holding ``OFD.xml``), no
  larger than ``INVOICE_MAX_UPLOAD_MB``. Judged by its bytes, never by its name alone.
"""

import re
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cooperatives.validators import validate_uscc

LEGACY_TAX_NUMBER = re.compile(r"^[0-9A-Z]{15}$|^[0-9A-Z]{17}$|^[0-9A-Z]{20}$")


def normalise_tax_number(value: str) -> str:
    return (value or "").strip().replace(" ", "").upper()


def validate_tax_number(value: str) -> None:
    number = normalise_tax_number(value)
    if not number:
        return
    if len(number) != 18 and LEGACY_TAX_NUMBER.match(number):
        raise ValidationError(
            _(
                "This looks like an old taxpayer number (%(n)d characters). Invoices are issued "
                "to the 18-character unified social credit code: please enter that."
            ),
            code="tax_number_legacy",
            params={"n": len(number)},
        )
    try:
        validate_uscc(number)
    except ValidationError as error:
        if error.code == "uscc_checksum":
            raise ValidationError(
                _(
                    "The last character of this taxpayer number does not match the others (its "
                    "check character is wrong): please copy it again from the business licence."
                ),
                code="tax_number_checksum",
            ) from None
        raise


def validate_invoice_code(code: str, number: str) -> None:
    """The number and the code together (``number``/``code`` already stripped)."""
    if not number.isascii() or not number.isdigit() or len(number) not in (8, 20):
        raise ValidationError(
            _("An invoice number has 20 digits (数电票) or 8 digits (older electronic invoices)."),
            code="invoice_number",
        )
    if len(number) == 8:
        if not (code.isascii() and code.isdigit() and len(code) in (10, 12)):
            raise ValidationError(
                _("An 8-digit invoice number comes with its 10- or 12-digit invoice code."),
                code="invoice_code",
            )
    elif code:
        raise ValidationError(
            _("A 20-digit invoice (数电票) has no invoice code: leave the code empty."),
            code="invoice_code_extra",
        )


def max_upload_bytes() -> int:
    return int(settings.INVOICE_MAX_UPLOAD_MB) * 1024 * 1024


def invoice_file_kind(upload) -> str:
    """ "pdf" or "ofd" for a valid invoice file; ``ValidationError`` with a clear message
    otherwise. The file is read from its start and left there."""
    if upload is None:
        raise ValidationError(_("Choose the invoice file (PDF or OFD)."), code="file_missing")
    limit = max_upload_bytes()
    if upload.size > limit:
        raise ValidationError(
            _("The file is %(size).1f MB; an invoice file may be at most %(limit)d MB."),
            code="file_size",
            params={"size": upload.size / 1024 / 1024, "limit": settings.INVOICE_MAX_UPLOAD_MB},
        )
    if upload.size == 0:
        raise ValidationError(_("The file is empty."), code="file_empty")
    name = (upload.name or "").lower()
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    if name.endswith(".pdf"):
        if head != b"%PDF-":
            raise ValidationError(
                _(
                    "This file is named .pdf but is not a PDF (a PDF starts with %PDF-; this "
                    "may be a picture renamed). Upload the electronic invoice as the tax "
                    "system gave it."
                ),
                code="file_not_pdf",
            )
        return "pdf"
    if name.endswith(".ofd"):
        try:
            with zipfile.ZipFile(upload) as archive:
                names = {n.rsplit("/", 1)[-1] for n in archive.namelist()}
        except (zipfile.BadZipFile, OSError):
            names = set()
        finally:
            upload.seek(0)
        if "OFD.xml" not in names:
            raise ValidationError(
                _("This file is named .ofd but is not an OFD document (no OFD.xml inside)."),
                code="file_not_ofd",
            )
        return "ofd"
    raise ValidationError(
        _("An electronic invoice is a PDF or an OFD file (.pdf or .ofd)."), code="file_type"
    )
