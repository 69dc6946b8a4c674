"""Reading a bank statement (银行流水, CSV or XLSX, through ``sheets.reader``) into credit lines.

The columns are found by their headers, as Chinese banks name them in their exports (the first
row that names a date and an amount column is the header: title rows above it are skipped):

- date (required): 交易日期 · 日期 · 记账日期 · 入账日期 · 交易时间
- amount (required): 金额 · 交易金额 · 贷方金额 · 贷方发生额 · 收入金额 · 收入 · 转入金额
- payer name (required): 付款人名称 · 付款人 · 付款方名称 · 对方户名 · 对方账户名称 ·
  对方名称 · 对方单位
- payer account: 付款人账号 · 付款方账号 · 对方账号 · 对方账户 · 对方账户账号
- memo (at least one; all found are read together): 附言 · 摘要 · 用途 · 备注 · 交易附言 · 用途/附言
- the bank's serial number (optional): 流水号 · 交易流水号 · 银行流水号 · 交易参考号

A line is known by its ``fingerprint``: the serial with the date, amount and payer account (a
serial alone is reused by some banks), else the date, amount, payer account and memo; either
with its place among identical lines of the file, so two identical credits in one file both
count and importing the same file again adds nothing.

Amounts may carry ¥/￥, thousands commas and 元; a row whose amount is empty (a debit, in a
statement with separate 借方/贷方 columns), zero or negative (money going out) is skipped. Dates:
2026-12-07, 2026/12/7, 20261207, 2026年12月7日, with or without a time after them.

All or nothing: any bad cell (a date or amount that cannot be read, a memo missing its cell)
makes ``StatementError`` listing every bad row, and nothing is imported.
"""

import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from sheets.reader import SheetError, excerpt, read_sheet

COLUMNS = {
    "date": ("交易日期", "日期", "记账日期", "入账日期", "交易时间", "交易日"),
    "amount": (
        "金额",
        "交易金额",
        "贷方金额",
        "贷方发生额",
        "收入金额",
        "收入",
        "转入金额",
        "贷方",
    ),
    "payer_name": (
        "付款人名称",
        "付款人",
        "付款方名称",
        "付款人户名",
        "对方户名",
        "对方账户名称",
        "对方账户名",
        "对方名称",
        "对方单位",
    ),
    "payer_account": ("付款人账号", "付款方账号", "对方账号", "对方账户", "对方账户账号"),
    "serial": ("流水号", "交易流水号", "银行流水号", "交易参考号"),
}
MEMO_COLUMNS = ("附言", "摘要", "用途", "备注", "交易附言", "用途/附言", "附言/用途", "交易用途")
REQUIRED = {"date": "交易日期", "amount": "金额（或贷方金额）", "payer_name": "付款人名称"}
HEADER_SEARCH_ROWS = 15
MAX_ERRORS_SHOWN = 50


class StatementError(Exception):
    """The statement cannot be imported; ``errors`` lists each problem (with its row)."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class ParsedLine:
    row: int
    date: date
    amount: Decimal
    payer_name: str
    payer_account: str
    memo: str
    bank_serial: str
    fingerprint: str


def _key(header: str) -> str:
    return re.sub(r"[\s:：()（）*]+", "", header or "")


def _find_columns(header: list[str]) -> tuple[dict, list[int]] | None:
    keys = [_key(cell) for cell in header]
    found = {}
    for field, names in COLUMNS.items():
        for name in names:  # the first name of the list that is present wins
            if name in keys:
                found[field] = keys.index(name)
                break
    memo = [index for index, key in enumerate(keys) if key in MEMO_COLUMNS]
    if "date" not in found or "amount" not in found:
        return None
    return found, memo


def parse_statement(data: bytes, filename: str) -> list[ParsedLine]:
    try:
        sheet = read_sheet(data, filename)
    except SheetError as error:
        where = f"第 {error.line} 行：" if error.line > 1 else ""
        raise StatementError([f"{where}{error}"]) from error
    rows = [sheet.header, *sheet.rows]
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns = _find_columns(row)
        if columns is not None:
            header_line = index + 1
            break
    else:
        raise StatementError(
            [
                "找不到表头：需要“交易日期”和“金额”（或“贷方金额”）列，"
                "以及“付款人名称”和“附言/摘要/用途”列。"
            ]
        )
    found, memo_columns = columns
    missing = [label for field, label in REQUIRED.items() if field not in found]
    if not memo_columns:
        missing.append("附言/摘要/用途")
    if missing:
        raise StatementError([f"缺少列：{'、'.join(missing)}。"])

    errors, parsed = [], []
    seen = Counter()
    for offset, cells in enumerate(rows[header_line:]):
        line = header_line + offset + 1
        if not any(cells):
            continue

        def cell(index, cells=cells):
            return cells[index].strip() if index is not None and index < len(cells) else ""

        raw_amount = cell(found["amount"])
        if not raw_amount:
            continue  # a debit (借方) row of a statement with separate columns
        if _is_summary(cells):
            continue  # 合计 / 本页小计 rows at the foot
        problems = []
        amount = _amount(raw_amount)
        if amount is None:
            problems.append(f"金额“{excerpt(raw_amount)}”无法识别")
        day = _date(cell(found["date"]))
        if day is None:
            problems.append(f"交易日期“{excerpt(cell(found['date']))}”无法识别")
        payer_name = cell(found["payer_name"])
        if problems:
            errors.append(f"第 {line} 行：" + "；".join(problems) + "。")
            continue
        if amount <= 0:
            continue  # money going out
        memo = " ".join(cell(i) for i in memo_columns if cell(i))
        account = re.sub(r"\s+", "", cell(found.get("payer_account")))
        serial = cell(found.get("serial"))
        # A line's identity. The bank's serial alone is not one: 交易参考号, 凭证号 and some
        # banks' daily 流水号 come again on other days, so it is taken with the date, the amount
        # and the payer's account (a reused serial on another day or for another amount is a
        # new line, never skipped). Without a serial: date, amount, account and memo.
        if serial:
            base = ("serial", serial, day.isoformat(), str(amount), account)
        else:
            base = (day.isoformat(), str(amount), account, " ".join(memo.split()))
        seen[base] += 1  # identical lines of one file are each kept, in their order
        fingerprint = _hash(*base, str(seen[base]))
        parsed.append(
            ParsedLine(
                row=line,
                date=day,
                amount=amount,
                payer_name=payer_name[:200],
                payer_account=account[:64],
                memo=memo[:500],
                bank_serial=serial[:64],
                fingerprint=fingerprint,
            )
        )
    if errors:
        shown = errors[:MAX_ERRORS_SHOWN]
        if len(errors) > len(shown):
            shown.append(f"……另有 {len(errors) - len(shown)} 行有误。")
        raise StatementError(shown)
    if not parsed:
        raise StatementError(["文件里没有收入（贷方）记录。"])
    return parsed


def _is_summary(cells) -> bool:
    first = next((c for c in cells if c), "")
    return first.replace(" ", "") in ("合计", "总计", "本页小计", "小计")


def _hash(*parts) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _amount(text: str) -> Decimal | None:
    cleaned = re.sub(r"[¥￥,，元\s]", "", text)
    if cleaned.startswith("+"):
        cleaned = cleaned[1:]
    if not re.fullmatch(r"-?\d+(\.\d{1,2})?", cleaned):
        return None
    try:
        return Decimal(cleaned).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


_DATE_PATTERNS = (
    re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)


def _date(text: str) -> date | None:
    text = text.strip()
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match and (match.end() == len(text) or not text[match.end()].isdigit()):
            try:
                return date(*(int(part) for part in match.groups()))
            except ValueError:
                return None
    return None
