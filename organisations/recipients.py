"""A purchase batch's recipients sheet (收货人名单): read, checked row by row, all or nothing.

The sheet (CSV or XLSX, read by ``sheets.reader`` within its bounds) has a header row and one
recipient per row. Columns, by their header (order free, extra columns ignored):

- 收货人 (also 姓名, 收件人): the recipient's name, 1–30 characters;
- 手机号 (also 手机, 手机号码, 联系电话): a mainland mobile (``normalise_mainland_mobile``);
- the address, either as four columns 省, 市, 区/县 (also 区县, 区, 县), 详细地址, checked against
  the national division list (``orders.address.divisions``), or as one column 地址 (also 收货地址,
  完整地址) holding the whole address written the Chinese way, "北京市房山区良乡镇…", which is
  split here (``split_address``) into 省, 市, 区/县 and the rest. When a row has both, the four
  columns win.

A row is refused (with its line number and why) for an empty or too long name, a number that is
not a mainland mobile, a 省/市/区 that is not a real division or does not belong together, an
address outside the delivery area (``outside_delivery_area``: 香港, 澳门, 台湾 and anything not in
the mainland list, and the provinces in ``DELIVERY_EXCLUDED_PROVINCES``), an empty or too long
详细地址. Rows repeating an earlier row (same name, mobile and address) are warnings: the buyer
confirms them. Nothing is made from a sheet with any refused row.
"""

import re
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from orders.address import divisions
from orders.address.chinese import normalise_mainland_mobile
from sheets.reader import Limits, SheetError, read_sheet

NAME_MAX = 30
DETAIL_MAX = 120
MAX_FILE_BYTES = 5 * 1024 * 1024

COLUMNS = {
    "name": ("收货人", "收件人", "姓名", "收货人姓名"),
    "mobile": ("手机号", "手机", "手机号码", "联系电话", "电话"),
    "province": ("省", "省份", "省/直辖市", "省/自治区/直辖市"),
    "city": ("市", "城市", "地级市"),
    "district": ("区/县", "区县", "区", "县", "区/县/市"),
    "detail": ("详细地址", "街道地址"),
    "address": ("地址", "收货地址", "完整地址", "收件地址"),
}
TEMPLATE_HEADER = ["收货人", "手机号", "省", "市", "区/县", "详细地址"]
NOT_MAINLAND = ("香港", "澳门", "台湾")  # 特别行政区 and 台湾省: not delivered to


@dataclass(frozen=True)
class Recipient:
    line: int
    name: str
    mobile: str  # 11 digits
    province: str
    city: str
    district: str
    detail: str

    @property
    def key(self):
        return (self.name, self.mobile, self.province, self.city, self.district, self.detail)


@dataclass
class Problem:
    line: int  # the sheet's row number (1: the file as a whole)
    message: str


@dataclass
class Checked:
    """What a sheet holds: its recipients when every row is good, else the refusals."""

    recipients: list[Recipient] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # repeated rows

    @property
    def ok(self) -> bool:
        return not self.errors


def max_recipients() -> int:
    return settings.BATCH_MAX_RECIPIENTS


def excluded_provinces() -> set[str]:
    return {name.strip() for name in settings.DELIVERY_EXCLUDED_PROVINCES if name.strip()}


def outside_delivery_area(province: str) -> bool:
    """The store delivers to mainland China's divisions, less ``DELIVERY_EXCLUDED_PROVINCES``.
    (The checkout's address form applies the same rule.)"""
    return province not in divisions.tree() or province in excluded_provinces()


# --- Reading ---------------------------------------------------------------------------------


def read(data: bytes, filename: str) -> Checked:
    """Read and check an uploaded sheet; never raises for bad input (the problems say why)."""
    limits = Limits(max_bytes=MAX_FILE_BYTES, max_rows=max_recipients() + 200, max_columns=30)
    try:
        sheet = read_sheet(data, filename, limits)
    except SheetError as error:
        return Checked(errors=[Problem(error.line, str(error))])
    return check_rows(sheet.header, sheet.lines())


def _column_of(header: list[str]) -> dict[str, int]:
    cleaned = [re.sub(r"[\s*＊（）()]|必填", "", cell) for cell in header]
    found = {}
    for key, names in COLUMNS.items():
        for index, cell in enumerate(cleaned):
            if cell in names:
                found[key] = index
                break
    return found


def check_rows(header: list[str], lines) -> Checked:
    """Check the rows ``lines`` ((line number, cells)) under ``header``."""
    result = Checked()
    columns = _column_of(header)
    missing = [COLUMNS[key][0] for key in ("name", "mobile") if key not in columns]
    has_parts = all(key in columns for key in ("province", "city", "district", "detail"))
    if not has_parts and "address" not in columns:
        missing.append(_("省, 市, 区/县 and 详细地址, or 地址"))
    if missing:
        result.errors.append(
            Problem(
                1, _("The sheet lacks the columns: %(columns)s.") % {"columns": "、".join(missing)}
            )
        )
        return result
    seen: dict[tuple, int] = {}
    limit = max_recipients()
    for line, cells in lines:
        if len(result.recipients) + len(result.errors) >= limit:
            result.errors.append(
                Problem(
                    line, _("Too many recipients: a batch holds at most %(max)d.") % {"max": limit}
                )
            )
            break

        recipient, reasons = _check_row(line, _cells_by_key(cells, columns))
        if reasons:
            result.errors.append(Problem(line, "；".join(reasons)))
            continue
        if recipient.key in seen:
            result.warnings.append(
                Problem(
                    line,
                    _("Same recipient and address as row %(line)d.")
                    % {"line": seen[recipient.key]},
                )
            )
        else:
            seen[recipient.key] = line
        result.recipients.append(recipient)
    if not result.recipients and not result.errors:
        result.errors.append(Problem(1, _("The sheet has no recipients.")))
    if result.errors:
        result.recipients = []
    return result


def _cells_by_key(cells: list[str], columns: dict[str, int]):
    def cell(key):
        index = columns.get(key)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    return cell


def _check_row(line, cell) -> tuple[Recipient | None, list[str]]:
    reasons = []
    name = cell("name")
    if not name:
        reasons.append(_("the recipient's name is empty"))
    elif len(name) > NAME_MAX:
        reasons.append(_("the name is longer than %(max)d characters") % {"max": NAME_MAX})
    mobile = cell("mobile")
    try:
        mobile = normalise_mainland_mobile(mobile)
    except ValidationError:
        reasons.append(
            _("“%(value)s” is not a mainland mobile number") % {"value": excerpt(mobile)}
            if mobile
            else _("the mobile number is empty")
        )
    parts = [cell(key) for key in ("province", "city", "district", "detail")]
    if any(parts) or not cell("address"):
        province, city, district, reason = check_division(*parts[:3])
        detail = parts[3]
    else:
        province, city, district, detail, reason = split_address(cell("address"))
    if reason:
        reasons.append(reason)
    elif not detail:
        reasons.append(_("the detailed address is empty"))
    elif len(detail) > DETAIL_MAX:
        reasons.append(
            _("the detailed address is longer than %(max)d characters") % {"max": DETAIL_MAX}
        )
    if reasons:
        return None, reasons
    return Recipient(line, name, mobile, province, city, district, detail), []


# --- Divisions -------------------------------------------------------------------------------

_PROVINCE_SUFFIX = re.compile(r"(壮族自治区|回族自治区|维吾尔自治区|自治区|省|市)$")
_CITY_SUFFIX = re.compile(r"(市|地区|盟)$")


def _short(name: str, suffix) -> str:
    short = suffix.sub("", name)
    return short if len(short) >= 2 else name


def _names(full_names, suffix) -> dict[str, str]:
    """Every way a division may be written (its full name, its name without the suffix) → its
    full name; longest first, so that a prefix match takes the whole name."""
    names = {}
    for full in full_names:
        names[full] = full
        names.setdefault(_short(full, suffix), full)
    return dict(sorted(names.items(), key=lambda item: -len(item[0])))


def _outside(place: str) -> str:
    return _("“%(place)s” is outside the delivery area (mainland China only)") % {
        "place": excerpt(place)
    }


@lru_cache(maxsize=1)
def _province_names() -> dict[str, str]:
    return _names(divisions.provinces(), _PROVINCE_SUFFIX)


def _province(text: str) -> str | None:
    return _province_names().get(text)


def _city(province: str, text: str) -> str | None:
    return _names(divisions.cities(province), _CITY_SUFFIX).get(text)


def check_division(province: str, city: str, district: str):
    """(省, 市, 区/县, reason): the full names, or why not; short names (北京, 房山区 under 北京)
    are taken. A 市 without 区/县 of its own (东莞市) may leave 区/县 empty."""
    if not province:
        return province, city, district, _("the province is empty")
    if province.startswith(NOT_MAINLAND):
        return province, city, district, _outside(province)
    full = _province(province)
    if full is None:
        return province, city, district, _outside(province)
    province = full
    if province in excluded_provinces():
        return province, city, district, _outside(province)
    if not city:
        return province, city, district, _("the city is empty")
    full = _city(province, city)
    if full is None:
        return (
            province,
            city,
            district,
            _("“%(city)s” is not a city of %(province)s")
            % {
                "city": excerpt(city),
                "province": province,
            },
        )
    city = full
    known = divisions.districts(province, city)
    if not district and known == [city]:
        district = city
    if not district:
        return province, city, district, _("the district or county is empty")
    if district not in known:
        return (
            province,
            city,
            district,
            _("“%(district)s” is not a district or county of %(city)s")
            % {"district": excerpt(district), "city": city},
        )
    return province, city, district, None


def split_address(text: str):
    """(省, 市, 区/县, 详细地址, reason) from one address written the Chinese way, largest unit
    first: "北京市房山区良乡镇拱辰大街1号" → 北京市, 北京市, 房山区,
    良乡镇拱辰大街1号. A municipality's 市 may be written again or left out;
    short names are taken (北京房山区…)."""
    rest = re.sub(r"\s+", "", text)
    if rest.startswith(NOT_MAINLAND):
        return "", "", "", "", _outside(rest[:2])
    provinces = _province_names()
    name = _prefix(rest, provinces)
    if name is None:
        return (
            "",
            "",
            "",
            "",
            _(
                "the address does not start with a province of mainland China: outside the "
                "delivery area"
            ),
        )
    province, rest = provinces[name], rest[len(name) :]
    if province in excluded_provinces():
        return province, "", "", "", _outside(province)
    cities = _names(divisions.cities(province), _CITY_SUFFIX)
    city_name = _prefix(rest, cities)
    if city_name is None and divisions.cities(province) == [province]:
        city = province  # 北京市房山区…: the municipality's 市 left out
    elif city_name is None:
        return (
            province,
            "",
            "",
            "",
            _("no city of %(province)s found in the address") % {"province": province},
        )
    else:
        city = cities[city_name]
        rest = rest[len(city_name) :]
    known = divisions.districts(province, city)
    district = _prefix(rest, {name: name for name in sorted(known, key=len, reverse=True)})
    if district is None and known == [city]:
        district = city
    elif district is None:
        return (
            province,
            city,
            "",
            "",
            _("no district or county of %(city)s found in the address") % {"city": city},
        )
    else:
        rest = rest[len(district) :]
    return province, city, district, rest, None


def _prefix(text: str, names: dict[str, str]) -> str | None:
    return next((name for name in names if text.startswith(name)), None)


def excerpt(value: str, limit: int = 20) -> str:
    return value if len(value) <= limit else value[:limit] + "…"
