import pytest
from django.core.exceptions import ValidationError

from cooperatives.validators import USCC_CHARSET, uscc_check_char, validate_uscc

# A published example of a valid unified social credit code (GB 32100-2015 worked examples use
# this form); the check character is recomputed below rather than trusted.
VALID = "91350100M000100Y43"


def test_published_example_is_valid():
    assert uscc_check_char(VALID[:17]) == VALID[17]
    validate_uscc(VALID)


def test_lower_case_and_spaces_are_accepted():
    validate_uscc(f"  {VALID.lower()} ")


@pytest.mark.parametrize("position", range(17))
def test_any_single_wrong_character_is_caught(position):
    original = VALID[position]
    replacement = next(c for c in USCC_CHARSET if c != original)
    if position in range(2, 8) and not replacement.isdigit():
        replacement = next(c for c in "0123456789" if c != original)
    bad = VALID[:position] + replacement + VALID[position + 1 :]
    with pytest.raises(ValidationError):
        validate_uscc(bad)


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("9135010", "uscc_length"),
        (VALID + "0", "uscc_length"),
        ("91350100M000100I43", "uscc_charset"),  # I is not used in credit codes
        ("91AB0100M000100Y4" + "3", "uscc_region"),
        ("91350100M000100Y44", "uscc_checksum"),
    ],
)
def test_bad_codes_say_why(code, error):
    with pytest.raises(ValidationError) as excinfo:
        validate_uscc(code)
    assert excinfo.value.code == error
