"""Household import: CSV and XLSX, all or nothing, every bad row named with its line."""

import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from cooperatives.imports import COLUMNS, import_households
from cooperatives.models import Household, Membership
from tests.factories import CooperativeFactory, CountyFactory, HouseholdFactory, make_id_number

pytestmark = pytest.mark.django_db

HEADER = [
    "户编号",
    "户主姓名",
    "身份证号",
    "手机号",
    "旗县",
    "嘎查村",
    "家庭人口",
    "状态",
    "合作社",
    "成员类型",
    "权重",
]


@pytest.fixture
def places():
    county = CountyFactory(name="察右中旗")
    return county, CooperativeFactory(name="胡萝卜合作社", county=county)


def good_rows(n, start=1):
    return [
        [f"H{start + i:05d}", f"演示户主{i}", make_id_number(), "13800000000", "察右中旗",
         "科布尔镇", "3", "已脱贫", "胡萝卜合作社", "成员", "1.5"]
        for i in range(n)
    ]  # fmt: skip


def as_csv(rows, header=HEADER, encoding="utf-8-sig"):
    buffer = io.StringIO()
    import csv

    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def as_xlsx(rows, header=HEADER):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_csv_imports_households_and_memberships(places):
    county, cooperative = places
    result = import_households(as_csv(good_rows(3)), "户.csv")
    assert result.ok and result.created == 3
    household = Household.objects.get(number="H00001")
    assert household.head_name == "演示户主0" and household.county == county
    membership = Membership.objects.get(household=household)
    assert membership.cooperative == cooperative and str(membership.weight) == "1.50"


def test_xlsx_and_gbk_csv_are_read_too(places):
    assert import_households(as_xlsx(good_rows(2)), "households.xlsx").created == 2
    assert (
        import_households(as_csv(good_rows(2, start=10), encoding="gb18030"), "h.csv").created == 2
    )


def test_one_bad_row_among_many_imports_nothing_and_names_it(places):
    rows = good_rows(50)
    rows[36][2] = "150927198001011235"  # wrong check digit
    result = import_households(as_xlsx(rows), "households.xlsx")
    assert not result.ok
    assert result.errors == [
        (38, "身份证号无效：身份证号校验位不正确，请核对。")
    ]  # header is line 1
    assert Household.objects.count() == 0 and Membership.objects.count() == 0


def test_every_bad_row_is_listed_with_its_reason(places):
    rows = good_rows(6)
    rows[0][4] = "不存在旗"
    rows[1][8] = "不存在合作社"
    rows[2][0] = rows[3][0]  # duplicate household number inside the file
    rows[4][2] = rows[5][2]  # duplicate ID number inside the file
    rows[5][7] = "富裕"
    result = import_households(as_csv(rows), "h.csv")
    lines = dict(result.errors)
    assert "未知旗县" in lines[2]
    assert "未知合作社" in lines[3]
    assert "户编号与第 4 行重复" in lines[5]  # rows 4 and 5 share a number (lines 4 and 5)
    assert "身份证号与第 6 行重复" in lines[7]
    assert "状态应为" in lines[7]
    assert Household.objects.count() == 0


def test_households_already_registered_are_duplicates(places):
    rows = good_rows(3)
    HouseholdFactory(number=rows[0][0])
    HouseholdFactory(id_number=rows[2][2])
    result = import_households(as_csv(rows), "h.csv")
    assert [line for line, _ in result.errors] == [2, 4]
    assert Household.objects.count() == 2  # only the two that were there


def test_registered_households_are_found_whichever_lookup_chunk_they_fall_in(places, monkeypatch):
    from cooperatives import imports

    monkeypatch.setattr(imports, "LOOKUP_CHUNK", 2)
    rows = good_rows(5)
    HouseholdFactory(number=rows[0][0])  # first chunk
    HouseholdFactory(id_number=rows[4][2])  # third chunk
    result = import_households(as_csv(rows), "h.csv")
    assert [line for line, _ in result.errors] == [2, 6]


@pytest.mark.postgres
def test_a_county_sized_upload_is_checked_within_postgresqls_parameter_limit(places):
    """PostgreSQL takes at most 65,535 parameters in a statement: 70,000 numbers are looked up
    in chunks."""
    from django.db import connection

    from cooperatives.imports import _existing
    from tests.conftest import require_service

    require_service(connection.vendor == "postgresql", "needs PostgreSQL (set DATABASE_URL)")
    HouseholdFactory(number="H69999")
    numbers = [f"H{i:05d}" for i in range(70_000)]
    assert _existing(Household.objects, "number", numbers) == ["H69999"]


def test_a_file_missing_columns_or_of_another_type_is_refused(places):
    result = import_households(as_csv(good_rows(1), header=HEADER[:5] + ["x"] * 6), "h.csv")
    assert not result.ok and "缺少列" in result.errors[0][1]
    assert "只支持" in import_households(b"whatever", "h.txt").errors[0][1]
    assert "XLSX" in import_households(b"not a zip", "h.xlsx").errors[0][1]


def test_command_imports_or_reports(places, tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_bytes(as_csv(good_rows(4)))
    call_command("import_households", str(good))
    assert Household.objects.count() == 4

    rows = good_rows(3, start=100)
    rows[1][6] = "很多"
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(as_xlsx(rows))
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_households", str(bad))
    assert "第 3 行：家庭人口应为 1 到 30 的整数" in capsys.readouterr().err
    assert Household.objects.count() == 4


def test_documented_columns_match_the_header():
    assert set(HEADER) <= set(COLUMNS.values())
