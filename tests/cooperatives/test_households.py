"""Households: personal data encrypted at rest, looked up by keyed hash, masked, validated."""

import datetime
import shutil
import subprocess

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection
from django.test import override_settings

from cooperatives.crypto import decrypt, encrypt
from cooperatives.models import Household, mask_id_number, mask_name, mask_phone
from cooperatives.validators import id_check_char, validate_id_number
from tests.factories import CountyFactory, HouseholdFactory, make_id_number

pytestmark = pytest.mark.django_db

NAME, PHONE = "测试户主甲", "13912345678"


def _raw_row(household):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT head_name, id_number, phone, id_hash FROM cooperatives_household WHERE id = %s",
            [household.pk],
        )
        return cursor.fetchone()


def test_personal_data_is_ciphertext_in_the_database_and_clear_in_python():
    id_number = make_id_number()
    household = HouseholdFactory(head_name=NAME, id_number=id_number, phone=PHONE)
    head_name, stored_id, phone, id_hash = _raw_row(household)
    for clear, stored in ((NAME, head_name), (id_number, stored_id), (PHONE, phone)):
        assert clear not in stored and stored.startswith("gAAAA")  # a Fernet token
    assert id_number not in id_hash and len(id_hash) == 64

    fresh = Household.objects.get(pk=household.pk)
    assert (fresh.head_name, fresh.id_number, fresh.phone) == (NAME, id_number, PHONE)


def _database_dump() -> str:
    """The whole database as text: SQLite's .dump, or pg_dump on PostgreSQL."""
    if connection.vendor == "sqlite":
        return "\n".join(connection.connection.iterdump())
    from tests.conftest import require_service

    require_service(bool(shutil.which("pg_dump")), "needs pg_dump (Debian postgresql-client)")
    db = connection.settings_dict
    command = ["pg_dump", "-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432)]
    command += ["-U", db["USER"], "--data-only", db["NAME"]]
    env = {"PGPASSWORD": db["PASSWORD"] or "", "PATH": "/usr/bin:/bin"}
    return subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout


@pytest.mark.django_db(transaction=True)  # committed, so pg_dump sees the rows
def test_database_dump_has_no_personal_data_in_clear():
    id_number = make_id_number()
    HouseholdFactory(head_name=NAME, id_number=id_number, phone=PHONE)
    dump = _database_dump()
    assert "gAAAA" in dump  # the encrypted columns are there
    for secret in (NAME, id_number, PHONE):
        assert secret not in dump


def test_id_numbers_are_found_and_deduplicated_by_keyed_hash():
    from cooperatives.crypto import keyed_hash

    id_number = make_id_number()
    household = HouseholdFactory(id_number=f" {id_number.lower()} ")
    assert Household.objects.get(id_hash=keyed_hash(id_number)) == household
    with pytest.raises(IntegrityError):
        HouseholdFactory(id_number=id_number)


def test_a_wrong_key_fails_loudly_instead_of_returning_ciphertext():
    token = encrypt("王小明")
    with override_settings(FIELD_ENCRYPTION_KEY="another-key"):
        from django.core.exceptions import ImproperlyConfigured

        with pytest.raises(ImproperlyConfigured):
            decrypt(token)


def test_keys_rotate_new_first_old_still_reads():
    old_token = encrypt("王小明")
    from django.conf import settings

    with override_settings(FIELD_ENCRYPTION_KEY=f"new-key,{settings.FIELD_ENCRYPTION_KEY}"):
        assert decrypt(old_token) == "王小明"
        assert decrypt(encrypt("李四")) == "李四"


def test_masks():
    assert mask_id_number("150927198001011234") == "1509**********1234"
    assert (
        mask_name("王小明") == "王*明"
        and mask_name("王明") == "王*"
        and mask_name("欧阳小明") == "欧**明"
    )
    assert mask_phone("13912345678") == "139****5678"
    household = HouseholdFactory(head_name="王小明", phone="13912345678")
    assert household.masked_name == "王*明" and household.masked_phone == "139****5678"
    assert (
        "*" in household.masked_id_number and household.id_number[-4:] in household.masked_id_number
    )


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("15092719800101123", "id_format"),
        ("1509271980010112345", "id_format"),
        ("15092719800230123X", "id_birth_date"),  # 30 February
        (
            "150927"
            + (datetime.date.today().replace(year=datetime.date.today().year + 1)).strftime(
                "%Y%m%d"
            )
            + "123X",
            "id_birth_date",
        ),
    ],
)
def test_bad_id_numbers_say_why(number, code):
    with pytest.raises(ValidationError) as excinfo:
        validate_id_number(number)
    assert excinfo.value.code == code


def test_check_digit_is_verified_including_x():
    first17 = "11010519491231002"
    assert id_check_char(first17) == "X"  # the standard's worked example
    validate_id_number(first17 + "X")
    validate_id_number(first17 + "x")
    with pytest.raises(ValidationError) as excinfo:
        validate_id_number(first17 + "1")
    assert excinfo.value.code == "id_checksum"


def test_full_clean_rejects_a_bad_id_number():
    household = Household(
        number="X1",
        head_name="某",
        id_number="150927198001011235",
        county=CountyFactory(),
        village="村",
    )
    with pytest.raises(ValidationError) as excinfo:
        household.full_clean()
    assert "id_number" in excinfo.value.message_dict
