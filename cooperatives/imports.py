"""Household import from CSV or XLSX: all or nothing, every bad row reported with its line.

Columns (first row, Chinese headers; order free, optional columns may be left out):
户编号, 户主姓名, 身份证号, 手机号 (optional), 旗县, 嘎查村, 家庭人口, 状态 (未脱贫/已脱贫/监测户),
合作社, 成员类型 (成员/供货户/务工户, optional), 权重 (optional, default 1), 入社日期 (optional).

The file is read within ``sheets.reader``'s limits (size, rows, cell length, an XLSX's
uncompressed size); a value that does not fit its column (too long, a weight out of range) is a
row error like any other, never a database error.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from sheets.reader import DEFAULT_LIMITS, Limits, SheetError, excerpt, read_sheet

from .crypto import keyed_hash
from .models import Cooperative, County, Household, HouseholdImport, Membership, private_storage
from .validators import normalise_id_number, validate_id_number

COLUMNS = {
    "number": "户编号",
    "head_name": "户主姓名",
    "id_number": "身份证号",
    "phone": "手机号",
    "county": "旗县",
    "village": "嘎查村",
    "size": "家庭人口",
    "status": "状态",
    "cooperative": "合作社",
    "role": "成员类型",
    "weight": "权重",
    "since": "入社日期",
}
REQUIRED = (
    "number", "head_name", "id_number", "county", "village", "size", "status", "cooperative",
)  # fmt: skip
STATUSES = {"未脱贫": Household.Status.IN_POVERTY, "已脱贫": Household.Status.LIFTED,
            "监测户": Household.Status.MONITORED}  # fmt: skip
ROLES = {"成员": Membership.Role.MEMBER, "供货户": Membership.Role.SUPPLIER,
         "务工户": Membership.Role.WORKER, "": Membership.Role.MEMBER}  # fmt: skip
PHONE_RE = re.compile(r"^\+?[0-9\-]{7,15}$")
BATCH = 1000
LIMITS = DEFAULT_LIMITS  # a county's list: 100,000 rows, 20 MB, 1,000 characters a cell

# Columns stored as typed, with their model field's length (the encrypted text fields have
# none: the reader's cell limit bounds them).
MAX_LENGTHS = {
    name: length
    for name in ("number", "head_name", "phone", "village")
    if (length := Household._meta.get_field(name).max_length)
}
_weight_field = Membership._meta.get_field("weight")
WEIGHT_PLACES = _weight_field.decimal_places
WEIGHT_MAX = Decimal(10) ** (_weight_field.max_digits - WEIGHT_PLACES) - Decimal(1).scaleb(
    -WEIGHT_PLACES
)


class ImportFileError(SheetError):
    """The file itself cannot be read (format, encoding, a limit, missing columns)."""


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def read_rows(
    data: bytes, filename: str, limits: Limits | None = None
) -> Iterator[tuple[int, dict]]:
    """(line number, {field: text}) for each non-empty row; line 1 is the header row."""
    try:
        sheet = read_sheet(data, filename, limits or LIMITS)
    except SheetError as error:
        raise ImportFileError(str(error), line=error.line) from error
    if not sheet.header:
        raise ImportFileError("文件是空的。")
    by_header = {v: k for k, v in COLUMNS.items()}
    positions = {by_header[h]: i for i, h in enumerate(sheet.header) if h in by_header}
    missing = [COLUMNS[name] for name in REQUIRED if name not in positions]
    if missing:
        raise ImportFileError(f"缺少列：{'、'.join(missing)}")
    for line, row in sheet.lines():
        yield line, {name: (row[i] if i < len(row) else "") for name, i in positions.items()}


def _weight(text: str) -> tuple[Decimal | None, str | None]:
    """The weight and no error, or None and why: it must fit the column exactly."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, "权重应为大于 0 的数"
    if not value.is_finite() or value <= 0:  # Infinity, NaN
        return None, "权重应为大于 0 的数"
    if value > WEIGHT_MAX or value.normalize().as_tuple().exponent < -WEIGHT_PLACES:
        return None, f"权重最大 {WEIGHT_MAX}，最多 {WEIGHT_PLACES} 位小数"
    return value, None


class _Validator:
    """Checks rows one by one against the database and the rows before them."""

    def __init__(self):
        self.counties = {c.name: c for c in County.objects.all()}
        self.cooperatives = {c.name: c for c in Cooperative.objects.all()}
        self.seen_numbers: dict[str, int] = {}
        self.seen_ids: dict[str, int] = {}

    def __call__(self, line: int, row: dict) -> tuple[dict | None, list[str]]:
        errors, record = [], {}
        for name in REQUIRED:
            if not row.get(name):
                errors.append(f"“{COLUMNS[name]}”不能为空")
        for name, max_length in MAX_LENGTHS.items():
            if len(row.get(name, "")) > max_length:
                errors.append(
                    f"“{COLUMNS[name]}”最多 {max_length} 个字符（这里有 {len(row[name])} 个）"
                )
        if errors:
            return None, errors
        record["number"] = row["number"]
        if row["number"] in self.seen_numbers:
            errors.append(f"户编号与第 {self.seen_numbers[row['number']]} 行重复")
        self.seen_numbers.setdefault(row["number"], line)
        id_number = normalise_id_number(row["id_number"])
        try:
            validate_id_number(id_number)
        except ValidationError as error:
            errors.append(f"身份证号无效：{error.messages[0]}")
        else:
            id_hash = keyed_hash(id_number)
            if id_hash in self.seen_ids:
                errors.append(f"身份证号与第 {self.seen_ids[id_hash]} 行重复")
            self.seen_ids.setdefault(id_hash, line)
            record.update(id_number=id_number, id_hash=id_hash)
        record["county"] = self.counties.get(row["county"])
        if record["county"] is None:
            errors.append(f"未知旗县“{excerpt(row['county'])}”")
        record["cooperative"] = self.cooperatives.get(row["cooperative"])
        if record["cooperative"] is None:
            errors.append(f"未知合作社“{excerpt(row['cooperative'])}”")
        record["status"] = STATUSES.get(row["status"])
        if record["status"] is None:
            errors.append(f"状态应为 {'/'.join(STATUSES)}")
        record["role"] = ROLES.get(row.get("role", ""))
        if record["role"] is None:
            errors.append(f"成员类型应为 {'/'.join(k for k in ROLES if k)}")
        try:
            record["size"] = int(row["size"])
            if not 1 <= record["size"] <= 30:
                raise ValueError
        except ValueError:
            errors.append("家庭人口应为 1 到 30 的整数")
        record["weight"], weight_error = _weight(row.get("weight") or "1")
        if weight_error:
            errors.append(weight_error)
        phone = row.get("phone", "").replace(" ", "")
        if phone and not PHONE_RE.match(phone):
            errors.append("手机号格式不正确")
        record["phone"] = phone
        since = row.get("since", "")
        try:
            record["since"] = date.fromisoformat(since) if since else None
        except ValueError:
            errors.append("入社日期应为 YYYY-MM-DD")
        record.update(head_name=row["head_name"], village=row["village"])
        return (None if errors else record), errors

    def check_database(self, records: list[tuple[int, dict]]) -> list[tuple[int, str]]:
        """Households already registered (by number or by ID number) are duplicates."""
        errors = []
        numbers = {r["number"]: line for line, r in records}
        hashes = {r["id_hash"]: line for line, r in records}
        for number in _existing(Household.objects, "number", list(numbers)):
            errors.append((numbers[number], f"户编号 {number} 已登记"))
        known = _existing(Household.objects, "id_hash", list(hashes))
        errors += [(hashes[id_hash], "身份证号已登记") for id_hash in known]
        return errors


# PostgreSQL takes at most 65,535 parameters in one statement (server-side binding sends each
# value of an IN as one); a county's upload can hold more rows than that.
LOOKUP_CHUNK = 10_000


def _existing(queryset, field, values):
    """The ``values`` of ``field`` already in ``queryset``, looked up a chunk at a time."""
    found = []
    for start in range(0, len(values), LOOKUP_CHUNK):
        chunk = values[start : start + LOOKUP_CHUNK]
        found += queryset.filter(**{f"{field}__in": chunk}).values_list(field, flat=True)
    return found


def _one_message_per_line(errors):
    by_line: dict[int, list[str]] = {}
    for line, message in errors:
        by_line.setdefault(line, []).append(message)
    return [(line, "；".join(messages)) for line, messages in sorted(by_line.items())]


def import_households(
    data: bytes, filename: str, progress: Callable[[int, int], None] | None = None
) -> ImportResult:
    """Validate every row; import all of them in one transaction only if none is bad."""
    result = ImportResult()
    try:
        rows = list(read_rows(data, filename))
    except ImportFileError as error:
        result.errors.append((error.line, str(error)))
        return result
    result.rows = len(rows)
    check = _Validator()
    records = []
    for done, (line, row) in enumerate(rows, start=1):
        record, errors = check(line, row)
        result.errors += [(line, message) for message in errors]
        if record is not None:
            records.append((line, record))
        if progress and done % BATCH == 0:
            progress(done, len(rows) * 2)
    result.errors += check.check_database(records)
    result.errors = _one_message_per_line(result.errors)
    if result.errors:
        return result

    with transaction.atomic():
        for start in range(0, len(records), BATCH):
            chunk = [r for _, r in records[start : start + BATCH]]
            households = Household.objects.bulk_create(
                Household(
                    number=r["number"], head_name=r["head_name"], id_number=r["id_number"],
                    id_hash=r["id_hash"], phone=r["phone"], county=r["county"],
                    village=r["village"], size=r["size"], status=r["status"],
                )
                for r in chunk
            )  # fmt: skip
            Membership.objects.bulk_create(
                Membership(household=h, cooperative=r["cooperative"], role=r["role"],
                           weight=r["weight"], since=r["since"])
                for h, r in zip(households, chunk, strict=True)
            )  # fmt: skip
            result.created += len(households)
            if progress:
                progress(len(rows) + start + len(chunk), len(rows) * 2)
    return result


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
            data = upload.read(LIMITS.max_bytes + 1)  # enough to refuse a file past the limit
        result = import_households(data, job.filename, progress=progress)
    except Exception:
        # Bad files and rows are results, not exceptions; whatever else went wrong, the page
        # polling this job must not say "running" for ever.
        HouseholdImport.objects.filter(pk=job.pk).update(
            status=HouseholdImport.Status.FAILED,
            errors=[[1, "导入时出错，未导入任何数据；请联系管理员。"]],
            finished=timezone.now(),
        )
        raise
    finally:
        storage.delete(job.stored_as)
    HouseholdImport.objects.filter(pk=job.pk).update(
        status=HouseholdImport.Status.DONE if result.ok else HouseholdImport.Status.FAILED,
        created_households=result.created,
        errors=[[line, message] for line, message in result.errors],
        finished=timezone.now(),
    )
    return "done" if result.ok else "failed"
