"""Helpers for the purchase batch tests: an approved organisation with a member, and sheets."""

import csv
import io

from openpyxl import Workbook

from organisations.models import Member, Organisation
from tests.factories import UserFactory, make_credit_code

HEADER = ["收货人", "手机号", "省", "市", "区/县", "详细地址"]


def approved_organisation(*, status=Organisation.Status.APPROVED, name="京蒙测试工会"):
    applicant = UserFactory()
    return Organisation.objects.create(
        name=name,
        kind=Organisation.Kind.UNION,
        credit_code=make_credit_code("110111"),
        district="房山区",
        contact_name="王联系",
        contact_phone="13900000000",
        licence="organisations/licences/x.png",
        status=status,
        applied_by=applicant,
    )


def member_of(organisation, role=Member.Role.BUYER, **user_fields):
    user = UserFactory(**user_fields)
    Member.objects.create(organisation=organisation, user=user, role=role)
    return user


def good_rows(count, *, start=0):
    return [
        [f"测试{n:04d}", f"139{n:08d}", "北京市", "北京市", "房山区", f"良乡镇拱辰大街{n}号"]
        for n in range(start, start + count)
    ]


def csv_bytes(rows, header=HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(rows, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
