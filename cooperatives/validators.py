"""Validators for Chinese registration numbers (check digits per the national standards)."""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015 统一社会信用代码: 18 characters from this 31-character set (no I, O, Z, S, V).
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code, given the first 17."""
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> None:
    """Validate a 统一社会信用代码: length, characters, region code, check character."""
    code = (value or "").strip().upper()
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(n)d."),
            code="uscc_length",
            params={"n": len(code)},
        )
    bad = sorted({c for c in code if c not in USCC_CHARSET})
    if bad:
        raise ValidationError(
            _("A unified social credit code cannot contain %(chars)s."),
            code="uscc_charset",
            params={"chars": "、".join(bad)},
        )
    if not code[2:8].isdigit():
        raise ValidationError(
            _("Characters 3 to 8 of a unified social credit code are the region code (digits)."),
            code="uscc_region",
        )
    if uscc_check_char(code[:17]) != code[17]:
        raise ValidationError(
            _("The check character of this unified social credit code is wrong; please check it."),
            code="uscc_checksum",
        )


# GB 11643-1999 公民身份号码: 6-digit region, 8-digit birth date, 3-digit sequence, check character.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def id_check_char(first17: str) -> str:
    """The 18th character of a citizen ID number, given the first 17 digits."""
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def normalise_id_number(value: str) -> str:
    return (value or "").strip().replace(" ", "").upper()


def validate_id_number(value: str) -> None:
    """Validate an 18-digit 身份证号 by GB 11643: length, birth date, check character."""
    number = normalise_id_number(value)
    if len(number) != 18 or not number[:17].isdigit() or number[17] not in "0123456789X":
        raise ValidationError(
            _("An ID number has 17 digits followed by a digit or X."), code="id_format"
        )
    try:
        born = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("The birth date in this ID number does not exist."), code="id_birth_date"
        ) from None
    if not datetime.date(1900, 1, 1) <= born <= datetime.date.today():
        raise ValidationError(
            _("The birth date in this ID number is out of range."), code="id_birth_date"
        )
    if id_check_char(number[:17]) != number[17]:
        raise ValidationError(
            _("The check digit of this ID number is wrong; please check it."), code="id_checksum"
        )
