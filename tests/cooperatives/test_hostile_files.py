"""Hostile household files: a bad file or a value that does not fit its column is a message with
its line, from the service and from the command alike; never a database error or a traceback,
and nothing is imported."""

import pytest
from django.core.management import CommandError, call_command

from cooperatives import imports
from cooperatives.imports import import_households
from cooperatives.models import Household, Membership
from sheets.reader import Limits
from tests.sheets.test_reader import one_huge_cell

from .test_imports import HEADER, as_csv, as_xlsx, good_rows

pytestmark = pytest.mark.django_db

WEIGHT = HEADER.index("权重")
VILLAGE = HEADER.index("嘎查村")
NUMBER = HEADER.index("户编号")


@pytest.fixture
def places():
    from tests.factories import CooperativeFactory, CountyFactory

    CooperativeFactory(name="胡萝卜合作社", county=CountyFactory(name="察右中旗"))


@pytest.fixture
def never_opened(monkeypatch):
    """Fails the test if openpyxl is asked to open a workbook (however it was imported)."""
    import openpyxl.reader.excel

    calls = []
    monkeypatch.setattr(openpyxl.reader.excel, "ExcelReader", lambda *a, **k: calls.append(a))
    return calls


def nothing_imported():
    return not Household.objects.exists() and not Membership.objects.exists()


@pytest.mark.parametrize(
    ("weight", "message"),
    [
        ("Infinity", "权重应为大于 0 的数"),
        ("-Infinity", "权重应为大于 0 的数"),
        ("NaN", "权重应为大于 0 的数"),
        ("0", "权重应为大于 0 的数"),
        ("1e30", "权重最大 999999.99，最多 2 位小数"),
        ("1000000", "权重最大 999999.99，最多 2 位小数"),
        ("1.234", "权重最大 999999.99，最多 2 位小数"),
    ],
)
@pytest.mark.parametrize("as_file", [as_csv, as_xlsx], ids=["csv", "xlsx"])
def test_a_weight_that_does_not_fit_the_column_is_a_row_error(places, weight, message, as_file):
    rows = good_rows(3)
    rows[1][WEIGHT] = weight
    name = "h.csv" if as_file is as_csv else "h.xlsx"
    result = import_households(as_file(rows), name)
    assert result.errors == [(3, message)]
    assert nothing_imported()


def test_a_weight_at_the_columns_limits_is_imported(places):
    rows = good_rows(2)
    rows[0][WEIGHT], rows[1][WEIGHT] = "999999.99", "0.01"
    assert import_households(as_csv(rows), "h.csv").created == 2
    assert sorted(str(m.weight) for m in Membership.objects.all()) == ["0.01", "999999.99"]


def test_a_village_or_number_longer_than_its_field_is_a_row_error(places):
    rows = good_rows(3)
    rows[0][VILLAGE] = "嘎" * 65
    rows[2][NUMBER] = "H" * 33
    rows[1][VILLAGE] = "嘎" * 64  # exactly the field's length is fine
    result = import_households(as_csv(rows), "h.csv")
    assert result.errors == [
        (2, "“嘎查村”最多 64 个字符（这里有 65 个）"),
        (4, "“户编号”最多 32 个字符（这里有 33 个）"),
    ]
    assert nothing_imported()


def test_a_value_quoted_in_an_error_is_cut(places):
    rows = good_rows(1)
    rows[0][HEADER.index("旗县")] = "旗" * 500
    [(line, message)] = import_households(as_csv(rows), "h.csv").errors
    assert line == 2 and message == f"未知旗县“{'旗' * 30}…”"


def test_a_cell_past_the_cell_limit_refuses_the_file_with_its_line(places):
    rows = good_rows(3)
    rows[1][HEADER.index("户主姓名")] = "名" * 1001  # the name column has no length of its own
    result = import_households(as_xlsx(rows), "h.xlsx")
    [(line, message)] = result.errors
    assert line == 3 and message.startswith("第 2 列内容过长（1001 个字符，每格最多 1000 个）")
    assert len(message) < 80 and nothing_imported()


def test_a_file_with_too_many_rows_is_refused_before_any_row_is_checked(places, monkeypatch):
    monkeypatch.setattr(imports, "LIMITS", Limits(max_rows=5))
    checked = []
    monkeypatch.setattr(imports._Validator, "__call__", lambda *args: checked.append(args))
    result = import_households(as_csv(good_rows(6)), "h.csv")
    assert result.errors == [(1, "文件行数过多（最多 5 行，不含表头）。")]
    assert checked == [] and nothing_imported()


def test_the_60_mb_cell_xlsx_is_refused_by_the_service_unopened(places, never_opened):
    result = import_households(one_huge_cell(60_000_000), "households.xlsx")
    [(line, message)] = result.errors
    assert line == 1 and "XLSX 文件解压后会膨胀到" in message and "最多 100 倍" in message
    assert never_opened == [] and nothing_imported()


# --- The command: CommandError with the message, nothing imported, no traceback ---------------


def test_the_command_reports_values_that_do_not_fit_and_imports_nothing(places, tmp_path, capsys):
    rows = good_rows(3)
    rows[0][VILLAGE] = "嘎" * 65
    rows[1][NUMBER] = "H" * 33
    rows[2][WEIGHT] = "1e30"
    path = tmp_path / "households.xlsx"
    path.write_bytes(as_xlsx(rows))
    with pytest.raises(CommandError, match=r"3 problem\(s\) in 3 rows: nothing was imported") as e:
        call_command("import_households", str(path))
    assert "第 2 行：“嘎查村”最多 64 个字符" in str(e.value)
    err = capsys.readouterr().err
    assert "第 3 行：“户编号”最多 32 个字符（这里有 33 个）" in err
    assert "第 4 行：权重最大 999999.99，最多 2 位小数" in err
    assert nothing_imported()


def test_the_command_refuses_a_bomb_with_the_message(places, tmp_path, never_opened):
    path = tmp_path / "households.xlsx"
    path.write_bytes(one_huge_cell(60_000_000))
    with pytest.raises(CommandError, match="XLSX 文件解压后会膨胀到 .* 倍（最多 100 倍）"):
        call_command("import_households", str(path))
    assert never_opened == [] and nothing_imported()


def test_the_command_reads_no_more_of_a_large_file_than_the_limit(places, tmp_path, monkeypatch):
    monkeypatch.setattr(imports, "LIMITS", Limits(max_bytes=1024))
    path = tmp_path / "households.csv"
    path.write_bytes(as_csv(good_rows(40)))
    with pytest.raises(CommandError, match="文件超过 1 KB 的上限"):
        call_command("import_households", str(path))
    assert nothing_imported()
