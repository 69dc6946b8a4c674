"""Benchmark: product search (issue 24) over a generated catalogue of Inner Mongolian produce.

    .venv/bin/python bench/search.py [--products 20000] [--queries N] [--profile]
    make bench-search BENCH_SEARCH_ARGS="--products 2000"      # a quicker look

Builds its own PostgreSQL database (BENCH_SEARCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/jm_bench_search, dropped and created anew), migrates it and
generates --products browsable products: about 50 real banners and counties (旗县) of the twelve
leagues and cities with their region codes (Beijing pairings beyond the demo's are made up),
about 300 cooperatives (each an Oscar partner, made by ``Cooperative.save``), a two-level
category tree, and products titled from places, words and 规格 (察右中旗草原胡萝卜（5斤装）,
克什克腾旗有机燕麦米 2.5kg …) with descriptions, seasons and storage; one in twenty is
sold in two 规格 (an Oscar parent and two children). Every product that is sold has a stock
record at its cooperative's partner. Products, categories and stock records go in with
``bulk_create`` (no signals, so no document rebuild is scheduled), then
``catalog.search.documents.rebuild()`` runs once, timed, and sales are written into the
documents (``set_sales``).

Then, in this process with production settings (DEBUG off, Redis cache under a key prefix of its
own, prepared statements, a persistent connection), after a few warm-up requests, with the
queries of QUERIES (product words, places, pinyin, typos, synonyms, English, broad, none found…)
cycled in a shuffled order and each measurement interleaved with the others:

- search: ``selectors.search`` + the count and facets + the first page's documents (and
  ``nearest`` when nothing is found): the search itself, the figure the 50 ms target is for;
  then with the first page's 24 product cards built (what every listing does alike); and the
  whole page, ``GET /search/?q=`` through Django's test client (middleware, templates);
- the references, in the same loop: the substring search this replaced (``icontains`` over
  title, description, 规格, cooperative, county and category names, ``.distinct()``, by
  priority; its count and first page of cards) and a ``SELECT 1`` round trip;
- 联想: ``suggestions(prefix)`` for 1–3 character prefixes of the queries (and pinyin prefixes),
  its cached answer deleted before each timing (the names lists and the dictionary stay cached,
  as in a warm server), then the cached answer and ``GET /search/suggest/?q=``;
- SQL queries per search page for a query with 3 results and one with every product;
- the documents' table and index sizes, and EXPLAIN ANALYZE of a broad and a narrow query.

With ``--profile``, or when a target is missed, it profiles the pages (cProfile). Prints the
figures and writes var/bench/search.json; exits non-zero if a page answered other than 200 or the
two query counts differ (a missed time target is reported, not a failure).
"""

import argparse
import cProfile
import json
import os
import platform
import pstats
import random
import statistics
import sys
import time
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.databases import production_like, recreate_database  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/jm_bench_search"
DEFAULT_REDIS = "redis://127.0.0.1:6379/8"
KEY_PREFIX = "jm-bench-search"
SUGGEST_KEYS = f"{KEY_PREFIX}:*:catalog:search:suggest:*"  # Django's cache: prefix:version:key
OUT = ROOT / "var" / "bench"
PAGE = 24  # OSCAR_PRODUCTS_PER_PAGE
SEARCH_TARGET_MS = 50.0
SUGGEST_TARGET_MS = 20.0
RARE_WORD = "沙棘"  # in exactly RARE_PRODUCTS products' titles, nowhere else
RARE_PRODUCTS = 3

# --- The catalogue ----------------------------------------------------------------------------

# Banners and counties (旗县) of Inner Mongolia: name, league or city, GB/T 2260 code. The demo's
# seven first, under the names it uses (察右中旗, 科左中旗); Beijing pairings (京蒙协作) are the
# demo's for those, made up for the rest (PAIRED_SHARE of them, round-robin over the districts).
COUNTIES = [
    ("察右中旗", "乌兰察布市", "150927"), ("武川县", "呼和浩特市", "150125"),
    ("正镶白旗", "锡林郭勒盟", "152529"), ("苏尼特右旗", "锡林郭勒盟", "152524"),
    ("奈曼旗", "通辽市", "150525"), ("科左中旗", "通辽市", "150521"),
    ("扎赉特旗", "兴安盟", "152223"),
    ("土默特左旗", "呼和浩特市", "150121"), ("和林格尔县", "呼和浩特市", "150123"),
    ("土默特右旗", "包头市", "150221"), ("固阳县", "包头市", "150222"),
    ("达茂旗", "包头市", "150223"),
    ("阿鲁科尔沁旗", "赤峰市", "150421"), ("巴林左旗", "赤峰市", "150422"),
    ("巴林右旗", "赤峰市", "150423"), ("克什克腾旗", "赤峰市", "150425"),
    ("翁牛特旗", "赤峰市", "150426"), ("宁城县", "赤峰市", "150429"),
    ("敖汉旗", "赤峰市", "150430"),
    ("科左后旗", "通辽市", "150522"), ("库伦旗", "通辽市", "150524"),
    ("扎鲁特旗", "通辽市", "150526"),
    ("达拉特旗", "鄂尔多斯市", "150621"), ("准格尔旗", "鄂尔多斯市", "150622"),
    ("杭锦旗", "鄂尔多斯市", "150625"), ("乌审旗", "鄂尔多斯市", "150626"),
    ("阿荣旗", "呼伦贝尔市", "150721"), ("莫力达瓦达斡尔族自治旗", "呼伦贝尔市", "150722"),
    ("鄂伦春自治旗", "呼伦贝尔市", "150723"), ("陈巴尔虎旗", "呼伦贝尔市", "150725"),
    ("扎兰屯市", "呼伦贝尔市", "150783"),
    ("五原县", "巴彦淖尔市", "150821"), ("磴口县", "巴彦淖尔市", "150822"),
    ("乌拉特前旗", "巴彦淖尔市", "150823"), ("乌拉特中旗", "巴彦淖尔市", "150824"),
    ("杭锦后旗", "巴彦淖尔市", "150826"),
    ("察右前旗", "乌兰察布市", "150926"), ("察右后旗", "乌兰察布市", "150928"),
    ("卓资县", "乌兰察布市", "150921"), ("化德县", "乌兰察布市", "150922"),
    ("商都县", "乌兰察布市", "150923"), ("兴和县", "乌兰察布市", "150924"),
    ("四子王旗", "乌兰察布市", "150929"),
    ("科右前旗", "兴安盟", "152221"), ("科右中旗", "兴安盟", "152222"),
    ("苏尼特左旗", "锡林郭勒盟", "152523"), ("东乌珠穆沁旗", "锡林郭勒盟", "152525"),
    ("太仆寺旗", "锡林郭勒盟", "152527"), ("正蓝旗", "锡林郭勒盟", "152530"),
    ("多伦县", "锡林郭勒盟", "152531"),
    ("阿拉善左旗", "阿拉善盟", "152921"), ("乌海市海勃湾区", "乌海市", "150302"),
]  # fmt: skip
DEMO_PAIRS = {"察右中旗": "房山区", "武川县": "门头沟区", "苏尼特右旗": "大兴区",
              "奈曼旗": "通州区", "科左中旗": "顺义区"}  # fmt: skip
PAIRED_SHARE = 0.6

# What a place is known by in product names (产地品牌), by league.
BRANDS = {
    "呼和浩特市": ["大青山", "敕勒川", "阴山"], "包头市": ["阴山", "黄河", "达茂草原"],
    "乌海市": ["黄河", "甘德尔山"], "赤峰市": ["赤峰", "西辽河", "贡格尔"],
    "通辽市": ["科尔沁", "西辽河"], "鄂尔多斯市": ["库布其", "毛乌素", "鄂尔多斯"],
    "呼伦贝尔市": ["呼伦贝尔", "大兴安岭", "额尔古纳"], "巴彦淖尔市": ["河套", "乌拉山", "黄河"],
    "乌兰察布市": ["阴山", "乌兰察布", "察哈尔"], "兴安盟": ["兴安", "科尔沁", "绰尔河"],
    "锡林郭勒盟": ["锡林郭勒", "乌珠穆沁", "浑善达克"], "阿拉善盟": ["阿拉善", "贺兰山"],
}  # fmt: skip
VILLAGES = ["义发泉", "德胜", "三道沟", "永明", "互利", "坝顶", "宝力格", "乌兰", "巴彦", "赛汉",
            "塔拉", "白音", "哈达", "新立", "红旗", "太平", "长胜", "富民", "兴隆", "丰收", "金穗",
            "绿源", "阳光", "沃野", "满达", "阿拉坦", "呼和", "额尔敦", "吉祥", "和顺"]  # fmt: skip
CLIMATES = ["昼夜温差大、日照充足", "冷凉干旱，病虫害少", "黑土肥沃、雨热同季",
            "草场辽阔、水草丰美", "沙地透气、排水好", "黄河水灌溉，土壤富含矿物质"]  # fmt: skip
SELLING_POINTS = ["合作社统一供种、统一收购，带动社员增收。", "产地直发，坏果包赔。",
                  "建档立卡脱贫户参与种植、分拣和包装。", "顺丰冷链，北京次日达。",
                  "无添加，老人孩子都放心。"]  # fmt: skip
# What the demo's cooperatives (shop/demo/data.py) grow and make.
DEMO_FOCUS = {
    "carrot": ["胡萝卜", "马铃薯", "贝贝南瓜"], "oats": ["燕麦米", "莜面", "胡麻油"],
    "tea": ["雪菊茶", "蒲公英茶", "葵花籽"], "dairy": ["奶豆腐", "奶皮子", "酸奶"],
    "lamb": ["羊肉卷", "牛肉干", "奶茶粉"], "sweetpotato": ["烟薯25号", "红薯干"],
    "millet": ["小米", "荞麦", "绿豆"], "corn": ["白玉米糁", "黑小麦粉", "大米"],
}  # fmt: skip
COOPERATIVE_KINDS = {  # kind: the name's ending, how many of the cooperatives
    "crop": ("种植专业合作社", 0.55), "herd": ("牧民专业合作社", 0.15),
    "dairy": ("奶食品加工专业合作社", 0.15), "mill": ("农产品加工专业合作社", 0.15),
}  # fmt: skip
GENERAL_WORDS = ["草原", "高原", "有机", "农家", "精选", "生态", "新货", "特级", "", ""]

# word, category (breadcrumbs), 规格, price low–high (¥), description, season, storage, kind,
# words only this produce is called (冷榨胡麻油, 手工奶皮子)
PRODUCE = [
    ("胡萝卜", "蔬菜 > 根茎类", ["5斤装", "10斤家庭装", "3斤尝鲜装"], 19, 59,
     "颜色红亮、脆甜多汁，生吃榨汁都合适", "9—10月", "0—4℃冷藏", "crop", ["沙地"]),
    ("马铃薯", "蔬菜 > 根茎类", ["5斤装", "10斤装"], 15, 45,
     "淀粉足、口感面，炖菜、做土豆丝都好吃", "9月", "阴凉避光处", "crop", ["沙地"]),
    ("贝贝南瓜", "蔬菜 > 瓜类", ["5斤装", "8斤装"], 29, 69,
     "粉糯香甜的小南瓜，蒸熟像板栗", "8—9月", "阴凉通风处", "crop", []),
    ("南瓜", "蔬菜 > 瓜类", ["5斤装", "2个装"], 19, 49,
     "老南瓜瓤厚，熬粥做南瓜饼", "9月", "阴凉通风处", "crop", []),
    ("烟薯25号", "蔬菜 > 根茎类", ["5斤装", "10斤家庭装"], 29, 69,
     "沙地种植，蒸熟流蜜，糖汁滴滴答答", "9—10月", "10—15℃阴凉处，勿冷藏", "crop", ["沙地"]),
    ("红薯干", "特产 > 休闲零食", ["500g", "1kg", "礼盒装"], 19, 59,
     "烟薯蒸熟切条自然晾晒，软糯不粘牙", "11月", "阴凉干燥处", "mill", ["手工"]),
    ("燕麦米", "杂粮 > 燕麦", ["2.5kg", "1kg", "5斤装"], 25, 69,
     "整粒燕麦去壳而成，和大米一起煮饭口感弹牙", "8月", "阴凉干燥处，密封", "crop", []),
    ("燕麦片", "杂粮 > 燕麦", ["1kg", "500g×2袋"], 19, 49,
     "纯燕麦压片，无添加蔗糖，开水冲泡或煮粥", "8月", "阴凉干燥处，密封", "mill", []),
    ("莜面", "杂粮 > 燕麦", ["2kg", "2.5kg", "5斤装"], 25, 59,
     "莜麦炒熟磨粉，做莜面窝窝、莜面鱼鱼", "8月", "阴凉干燥处", "mill", ["手工", "石磨"]),
    ("胡麻油", "粮油 > 食用油", ["5L", "2.5L", "1L×2瓶", "1L×2瓶礼盒"], 68, 198,
     "胡麻籽低温压榨，香气浓郁，富含亚麻酸", "9月", "避光常温", "mill", ["冷榨", "头道"]),
    ("雪菊茶", "茶饮 > 花草茶", ["50g罐装", "50g×4罐"], 38, 198,
     "烘干分选，汤色红亮、香气清新", "9—10月", "密封防潮", "crop", []),
    ("蒲公英茶", "茶饮 > 花草茶", ["100g", "250g"], 25, 68,
     "野生蒲公英采摘晾晒，清热去火", "5—6月", "密封防潮", "crop", ["野生"]),
    ("奶茶粉", "茶饮 > 奶茶", ["400g", "800g"], 29, 69,
     "砖茶与草原奶粉调配，开水一冲就是咸奶茶", "常年", "密封防潮", "dairy", []),
    ("奶豆腐", "乳制品 > 奶食", ["500g", "250g×2袋"], 48, 98,
     "鲜牛奶发酵凝乳压制，奶香浓郁，可直接吃也可煎烤", "常年", "0—4℃冷藏，15天", "dairy",
     ["手工"]),
    ("奶皮子", "乳制品 > 奶食", ["250g", "500g"], 58, 128,
     "文火熬煮鲜奶结出的奶皮，配奶茶最香", "常年", "0—4℃冷藏，10天", "dairy", ["手工"]),
    ("黄油", "乳制品 > 奶食", ["500g", "250g"], 58, 118,
     "传统方法提炼的黄油，煮奶茶、拌炒米必备", "常年", "冷冻保存", "dairy", ["手工"]),
    ("酸奶", "乳制品 > 酸奶", ["200g×10杯", "1kg"], 39, 79,
     "鲜牛奶发酵，浓稠微酸", "常年", "0—4℃冷藏，7天", "dairy", []),
    ("酸奶疙瘩", "乳制品 > 奶食", ["500g"], 35, 65,
     "酸奶晾干制成的奶食，酸香耐嚼", "常年", "阴凉干燥处", "dairy", ["手工"]),
    ("羊肉卷", "特产 > 肉类", ["1kg", "2kg"], 88, 198,
     "草原放养羊，冷链直发北京，涮火锅首选", "常年", "-18℃冷冻", "herd", []),
    ("羊排", "特产 > 肉类", ["2kg", "5斤装"], 128, 298,
     "现宰分割，手把肉、烤羊排都合适", "常年", "-18℃冷冻", "herd", []),
    ("牛肉干", "特产 > 肉类", ["250g", "500g", "礼盒装"], 59, 168,
     "草原黄牛肉手撕风干，越嚼越香", "常年", "阴凉干燥处", "herd", ["手撕", "风干"]),
    ("小米", "杂粮 > 小米", ["2.5kg", "5斤装", "1kg"], 25, 69,
     "熬粥有米油，金黄香糯", "9—10月", "阴凉干燥处", "crop", ["黄"]),
    ("荞麦", "杂粮 > 荞麦", ["1kg", "2.5kg"], 19, 49,
     "整粒荞麦，可煮粥或磨面做饸饹", "9月", "阴凉干燥处", "crop", ["苦"]),
    ("绿豆", "杂粮 > 豆类", ["1kg", "2.5kg"], 19, 49,
     "颗粒饱满，易煮开花，熬绿豆汤消暑", "8—9月", "阴凉干燥处", "crop", []),
    ("白玉米糁", "粮油 > 玉米", ["2.5kg", "5斤装"], 25, 45,
     "特色白玉米磨成的玉米糁，熬粥香糯", "10月", "阴凉干燥处", "mill", []),
    ("黑小麦粉", "粮油 > 面粉", ["2.5kg", "5kg"], 35, 79,
     "黑小麦全麦粉，做馒头、面条颜色深、麦香足", "7—8月", "阴凉干燥处", "mill", ["石磨"]),
    ("大米", "粮油 > 大米", ["5kg", "10kg"], 49, 129,
     "一季稻，米粒晶莹，蒸饭清香", "10月", "阴凉干燥处", "crop", []),
    ("葵花籽", "特产 > 炒货", ["1kg", "500g×2袋"], 25, 59,
     "颗粒饱满，原味烘炒", "9月", "阴凉干燥处", "crop", ["原味", "五香"]),
]  # fmt: skip
RARE = ("沙棘原浆", "茶饮 > 果汁", ["250ml×10袋", "250ml×20袋"], 88, 138,
        "沙棘果冷压取汁，酸甜爽口，维生素C丰富", "9—10月", "0—4℃冷藏", "mill", [])  # fmt: skip

# The queries searched, each with what kind of query it is: ≥ 60, as shoppers type them.
QUERIES = [
    *((q, "product") for q in [
        "胡萝卜", "燕麦米", "莜面", "胡麻油", "雪菊茶", "奶豆腐", "奶皮子", "羊肉卷", "牛肉干",
        "烟薯25号", "小米", "荞麦", "绿豆", "白玉米糁", "黑小麦粉", "大米", "葵花籽", "南瓜",
        "马铃薯", "红薯干", "酸奶", RARE_WORD]),
    *((q, "words") for q in [
        "察右中旗胡萝卜", "有机小米", "冷榨胡麻油 礼盒", "草原羊肉", "手工奶皮子", "科尔沁牛肉干",
        "胡萝卜 5斤装", "内蒙古察右中旗草原胡萝卜5斤装", "河套 葵花籽"]),
    *((q, "place") for q in [
        "察右中旗", "锡林郭勒", "房山", "赤峰", "呼伦贝尔", "奈曼旗", "武川", "乌兰察布",
        "门头沟", "扎赉特旗"]),
    *((q, "pinyin") for q in [
        "huluobo", "hlb", "yanmai", "xiaomi", "naidoufu", "hmy", "chayouzhongqi", "xilinguole"]),
    *((q, "typo") for q in ["胡箩卜", "燕麦咪", "奶豆付", "葵花子", "羊肉劵", "黑小卖粉"]),
    *((q, "synonym") for q in ["地瓜", "红萝卜", "土豆", "番薯", "亚麻籽油", "瓜子", "地瓜干"]),
    *((q, "english") for q in ["carrot", "oats", "millet", "lamb", "beef", "potato", "pumpkin",
                                "sweet potato", "yogurt"]),
    *((q, "broad") for q in ["内蒙古", "扶贫", "礼盒", "有机", "草原", "内蒙古 特产"]),
    *((q, "none") for q in ["榴莲", "iphone", "海鲜大礼包", "咖啡豆", "xyzzy", "内蒙古 榴莲",
                             "草原咖啡"]),
]  # fmt: skip
BROAD, NARROW = "内蒙古", RARE_WORD
# For the query count, a page of thousands of results with a product sold in 规格 on it, as the
# narrow page has (its 规格's stock records are one more query): the first of these that has one.
BROAD_PAGES = [BROAD, "草原", "扶贫", "礼盒", "有机", "胡萝卜", "小米"]


def pick(rng, items):
    return items[rng.randrange(len(items))]


def short_place(name):
    for suffix in ("自治旗", "盟", "市", "县"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def generate(n_products, seed, say):
    """The catalogue: counties and cooperatives through their models' save (few), categories,
    products, their categories and stock records with bulk_create."""
    from django.db import connection, transaction
    from django.utils import timezone
    from oscar.apps.catalogue.categories import create_from_breadcrumbs
    from oscar.core.loading import get_model
    from oscar.core.utils import slugify

    from cooperatives.models import BEIJING_DISTRICTS, Cooperative, County
    from cooperatives.validators import uscc_check_char
    from shop.demo import data as demo

    Product = get_model("catalogue", "Product")
    ProductClass = get_model("catalogue", "ProductClass")
    ProductCategory = get_model("catalogue", "ProductCategory")
    StockRecord = get_model("partner", "StockRecord")

    rng = random.Random(seed)
    started = time.perf_counter()
    with transaction.atomic():
        counties, districts = [], iter(BEIJING_DISTRICTS * 4)
        for name, league, code in COUNTIES:
            paired = DEMO_PAIRS.get(name, "")
            if not paired and name not in DEMO_PAIRS and rng.random() < PAIRED_SHARE:
                paired = next(districts)
            counties.append(
                County.objects.create(
                    name=name, league=league, region_code=code, beijing_district=paired
                )
            )
        by_name = {county.name: county for county in counties}
        by_word = {produce[0]: produce for produce in PRODUCE}
        cooperatives, names = [], set()
        for serial, (key, name, county, village, tagline, story, share, _c) in enumerate(
            demo.COOPERATIVES, start=1
        ):  # the demo's eight, with what they grow, sell more than most
            first17 = f"93{by_name[county].region_code}MA0{serial:05d}X"
            cooperative = Cooperative(
                name=name, county=by_name[county], credit_code=first17 + uscc_check_char(first17),
                village=village, tagline=tagline, story=story, benefit_share=share,
            )  # fmt: skip
            cooperative.save()  # its Oscar partner with it
            names.add(name)
            cooperatives.append((cooperative, [by_word[w] for w in DEMO_FOCUS[key]], 4))
        n_cooperatives = max(16, round(300 * min(1.0, n_products / 20000)))
        kinds = list(COOPERATIVE_KINDS)
        weights = [COOPERATIVE_KINDS[k][1] for k in kinds]
        for serial in range(len(cooperatives) + 1, n_cooperatives + 1):
            county = (
                counties[(serial - 1) % len(counties)]
                if serial <= len(counties)
                else (pick(rng, counties))
            )
            kind = rng.choices(kinds, weights)[0]
            focus = rng.sample(
                [p for p in PRODUCE if p[8] == kind],
                k=min(3, sum(1 for p in PRODUCE if p[8] == kind)),
            )
            brand = pick(rng, [*BRANDS[county.league], *VILLAGES])
            name = f"{county.name}{brand}{focus[0][0]}{COOPERATIVE_KINDS[kind][0]}"
            while name in names:
                name = f"{county.name}{pick(rng, VILLAGES)}{brand}{COOPERATIVE_KINDS[kind][0]}"
            names.add(name)
            first17 = f"93{county.region_code}MA0{serial:05d}X"
            cooperative = Cooperative(
                name=name, county=county, credit_code=first17 + uscc_check_char(first17),
                village=f"{pick(rng, VILLAGES)}村", tagline=f"{county.name}的{focus[0][0]}",
                story=f"{county.name}{pick(rng, CLIMATES)}。{pick(rng, SELLING_POINTS)}",
            )  # fmt: skip
            cooperative.save()  # its Oscar partner with it
            cooperatives.append((cooperative, focus, 1))
        product_class, _ = ProductClass.objects.get_or_create(
            name="农产品", defaults={"requires_shipping": True, "track_stock": True}
        )
        categories = {
            path: create_from_breadcrumbs(path) for path in {p[1] for p in (*PRODUCE, RARE)}
        }

        today = timezone.localdate()
        products, specs_of, produce_of, seller_of = [], {}, {}, {}
        rare_sellers = [c for c in cooperatives if c[0].county.league == "鄂尔多斯市"] or [
            cooperatives[-1]
        ]
        sellers = rng.choices(cooperatives, weights=[c[2] for c in cooperatives], k=n_products)
        for number in range(1, n_products + 1):
            if number <= RARE_PRODUCTS:
                cooperative, produce = pick(rng, rare_sellers)[0], RARE
            else:
                cooperative, focus, _weight = sellers[number - 1]
                produce = pick(rng, focus)
            word, _cat, specs, low, high, text, season, storage, _kind, extras = produce
            county = cooperative.county
            where = rng.random()
            place = (
                county.name if where < 0.7
                else short_place(county.league) if where < 0.85
                else pick(rng, BRANDS[county.league])
            )  # fmt: skip
            if number <= RARE_PRODUCTS:
                place = pick(rng, ["鄂尔多斯", "库布其", county.name])
            adjective = pick(rng, [*GENERAL_WORDS, *extras, *extras])
            spec = pick(rng, specs)
            # the first of the rare ones too: pages compared for their query count both show one
            family = number == 1 or (rng.random() < 0.05 and len(specs) > 1)
            shape = rng.random()
            if family:
                title = f"{place}{adjective}{word}"
            elif shape < 0.45:
                title = f"{place}{adjective}{word}（{spec}）"
            elif shape < 0.7:
                title = f"{place}{adjective}{word} {spec}"
            elif shape < 0.8:
                title = f"内蒙古{place}{adjective}{word}"
            elif shape < 0.9:
                title = f"{place}{word}{pick(rng, ['礼盒', '礼盒装', '家庭装', '特产'])}"
            else:
                title = f"{pick(rng, BRANDS[county.league])}{adjective}{word}（{spec}）"
            district = county.beijing_district
            description = (
                f"{county.name}地处{county.league}，{pick(rng, CLIMATES)}。{text}。"
                + (f"在北京{district}的对口帮扶下，产品通过京蒙协作渠道卖进北京。" if district
                   and rng.random() < 0.5 else "")
                + pick(rng, SELLING_POINTS)
            )  # fmt: skip
            certified = rng.random() < 0.45
            lapsed = certified and rng.random() < 0.1
            products.append(
                Product(
                    structure=Product.PARENT if family else Product.STANDALONE,
                    is_public=True,
                    upc=f"BS{number:06d}",
                    title=title[:255],
                    slug=slugify(title)[:255],
                    description=f"<p>{description}</p>",
                    product_class=product_class,
                    cooperative=cooperative,
                    origin_county=county,
                    specification="" if family else spec,
                    harvest_season=season,
                    storage=storage,
                    certification_number=(
                        f"扶贫产品认定 {county.region_code}-{number:05d}" if certified else ""
                    ),
                    certification_valid_until=(
                        today + timedelta(days=-30 if lapsed else 365) if certified else None
                    ),
                    priority=(10 if certified and not lapsed else 0) + rng.choice([0, 0, 0, 5]),
                )
            )
            seller_of[number] = cooperative
            produce_of[number] = produce
            if family:
                specs_of[number] = rng.sample(specs, 2)
        Product.objects.bulk_create(products, batch_size=2000)

        children = []
        for number, specs in specs_of.items():
            parent = products[number - 1]
            for k, spec in enumerate(specs, start=1):
                children.append(
                    Product(
                        structure=Product.CHILD, is_public=True, parent=parent,
                        upc=f"BS{number:06d}-{k}", title=f"{parent.title}（{spec}）",
                        slug=slugify(f"{parent.title} {spec}")[:255],
                        product_class=None, cooperative=parent.cooperative,
                        origin_county=parent.origin_county, specification=spec,
                        harvest_season=parent.harvest_season, storage=parent.storage,
                        certification_number=parent.certification_number,
                        certification_valid_until=parent.certification_valid_until,
                    )
                )  # fmt: skip
        Product.objects.bulk_create(children, batch_size=2000)
        ProductCategory.objects.bulk_create(
            [
                ProductCategory(product=product, category=categories[produce_of[n][1]])
                for n, product in enumerate(products, start=1)
            ],
            batch_size=5000,
        )
        records = []
        sold = [(p, n) for n, p in enumerate(products, start=1) if n not in specs_of]
        sold += [(c, int(c.upc[2:8])) for c in children]
        for product, number in sold:
            low, high = produce_of[number][3], produce_of[number][4]
            price = Decimal(rng.randint(low, high)) + Decimal(rng.choice(["0.00", "0.90", "0.80"]))
            records.append(
                StockRecord(
                    product=product, partner_id=seller_of[number].partner_id,
                    partner_sku=product.upc, price=price, price_currency="CNY",
                    num_in_stock=0 if rng.random() < 0.08 else rng.randint(20, 2000),
                    num_allocated=0, low_stock_threshold=20,
                )
            )  # fmt: skip
        StockRecord.objects.bulk_create(records, batch_size=5000)
        with connection.cursor() as cursor:  # spread over two years (auto_now_add set them all)
            cursor.execute(
                "UPDATE catalogue_product SET date_created = now()"
                " - ((id * 7919) % 730) * interval '1 day'"
                " - ((id * 31) % 1440) * interval '1 minute'"
            )
    seconds = time.perf_counter() - started
    say(
        f"  generated {len(products):,} products ({len(specs_of):,} sold in 2 规格: "
        f"{len(children):,} children), {len(records):,} stock records, {len(counties)} counties, "
        f"{len(cooperatives)} cooperatives, {len(categories)} categories in {seconds:.1f} s"
    )
    return {
        "products": len(products),
        "parents_with_2_specs": len(specs_of),
        "children": len(children),
        "stock_records": len(records),
        "counties": len(counties),
        "cooperatives": len(cooperatives),
        "categories": len(categories),
        "generate_seconds": round(seconds, 1),
    }


def build_documents(rng, say):
    """``documents.rebuild()`` once, timed; then sales written into the documents."""
    from django.db import connection
    from oscar.core.loading import get_model

    from catalog.search import documents

    SearchDocument = get_model("catalogue", "SearchDocument")
    started = time.perf_counter()
    written = documents.rebuild()
    seconds = time.perf_counter() - started
    ids = list(SearchDocument.objects.values_list("product_id", flat=True))
    sales = {pk: int(rng.paretovariate(1.2) * 10) - 10 for pk in ids}
    documents.set_sales({pk: units for pk, units in sales.items() if units > 0})
    with connection.cursor() as cursor:
        for table in ("catalogue_searchdocument", "catalogue_product", "partner_stockrecord",
                      "catalogue_productcategory", "cooperatives_cooperative"):  # fmt: skip
            cursor.execute(f"VACUUM ANALYZE {table}")
    say(
        f"  documents.rebuild(): {written:,} documents in {seconds:.1f} s = "
        f"{written / seconds:,.0f} docs/s"
    )
    return {
        "documents": written,
        "rebuild_seconds": round(seconds, 1),
        "rebuild_docs_per_second": round(written / seconds, 1),
    }


# --- Measuring --------------------------------------------------------------------------------


def percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def summary(samples):
    """Milliseconds: p50, p95, max, mean (nearest rank)."""
    if not samples:
        return {"n": 0}
    return {
        "n": len(samples),
        "p50_ms": round(percentile(samples, 0.5), 2),
        "p95_ms": round(percentile(samples, 0.95), 2),
        "max_ms": round(max(samples), 2),
        "mean_ms": round(statistics.fmean(samples), 2),
    }


class SqlTimer:
    """Wall time and number of statements inside the database driver's execute (a client-side
    cursor: the rows are fetched there too)."""

    def __init__(self):
        self.seconds, self.count, self.statements = 0.0, 0, []
        self.keep = False

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1
            if self.keep:
                self.statements.append((sql, params))

    def reset(self):
        self.seconds, self.count, self.statements = 0.0, 0, []


def ms_since(started):
    return (time.perf_counter() - started) * 1000


class Bench:
    def __init__(self, args):
        import redis
        from django.db import connection
        from django.db.models import Q
        from django.test import Client
        from oscar.core.loading import get_model

        from catalog import selectors
        from catalog.search import engine, suggest

        self.redis = redis.Redis.from_url(args.redis_url)
        self.connection, self.Q = connection, Q
        self.selectors, self.engine, self.suggest = selectors, engine, suggest
        self.Product = get_model("catalogue", "Product")
        self.client = Client()
        self.sql = SqlTimer()
        self.errors = []

    # the three ways of searching, and the reference round trip

    def select_one(self):
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    def search_work(self, query):
        """What the search page asks for: the outcome, its count, the first page's cards, the
        facets (and the nearest matches when nothing is found), each part timed (ms)."""
        phases = {}
        started = time.perf_counter()
        outcome = self.selectors.search(query=query, filters=self.engine.Filters())
        phases["parse"] = ms_since(started)
        mark = time.perf_counter()
        count = outcome.count
        phases["count"] = ms_since(mark)
        mark = time.perf_counter()
        page = list(outcome.documents[:PAGE])
        phases["page"] = ms_since(mark)
        mark = time.perf_counter()
        cards = self.selectors.cards(page)
        phases["cards"] = ms_since(mark)
        mark = time.perf_counter()
        outcome.facets  # noqa: B018 (a cached property: the four facet queries)
        phases["facets"] = ms_since(mark)
        mark = time.perf_counter()
        if not count:
            self.selectors.nearest(outcome)
        phases["nearest"] = ms_since(mark)
        assert len(cards) == min(count, PAGE), (query, count, len(cards))
        return count, phases

    def old_search(self, query):
        """The substring search this replaced (catalog.selectors.product_list(query=…) before
        issue 24), its count and first page of cards as its page asked for them."""
        from django.core.paginator import Paginator

        Q = self.Q
        queryset = self.Product.objects.all()
        for term in query.split():
            queryset = queryset.filter(
                Q(title__icontains=term)
                | Q(description__icontains=term)
                | Q(specification__icontains=term)
                | Q(cooperative__name__icontains=term)
                | Q(origin_county__name__icontains=term)
                | Q(categories__name__icontains=term)
            ).distinct()
        queryset = self.selectors.product_cards(queryset).order_by(
            "-priority", "-date_created", "-id"
        )
        paginator = Paginator(queryset, PAGE)
        count = paginator.count
        list(paginator.page(1).object_list)
        return count

    def page(self, path, params):
        response = self.client.get(path, params)
        if response.status_code != 200:
            self.errors.append(f"{path}?{params}: {response.status_code}")
        return response

    def forget_suggestions(self):
        """Delete every cached 联想 answer (``catalog:search:suggest:…`` under this bench's key
        prefix), and nothing else: the names lists and the dictionary stay cached."""
        keys = list(self.redis.scan_iter(match=SUGGEST_KEYS, count=1000))
        if keys:
            self.redis.delete(*keys)
        return len(keys)

    def uncached_suggestions(self, prefix):
        self.forget_suggestions()
        started = time.perf_counter()
        self.suggest.suggestions(prefix)
        elapsed = ms_since(started)
        if not self.forget_suggestions():  # suggest.py no longer caches under that name
            raise SystemExit(f"bench/search.py: no cached answer matches {SUGGEST_KEYS}; update it")
        return elapsed

    # the runs

    def warm_up(self, queries, prefixes):
        for query, _kind in queries[:6]:
            self.search_work(query)
            self.page("/search/", {"q": query})
            self.old_search(query)
        for prefix in prefixes[:6]:
            self.uncached_suggestions(prefix)
            self.page("/search/suggest/", {"q": prefix})
        for _ in range(20):
            self.select_one()

    def run_searches(self, order):
        """Each sample: SELECT 1, the selectors, the page, the old search, one after another on
        the same query, so that the machine's ups and downs fall on all four alike."""
        samples = defaultdict(list)
        phases = defaultdict(list)
        per_query = defaultdict(lambda: defaultdict(list))
        counts = {}
        for query, kind in order:
            started = time.perf_counter()
            self.select_one()
            samples["select_1"].append(ms_since(started))

            started = time.perf_counter()
            count, parts = self.search_work(query)
            elapsed = ms_since(started)
            samples["selector"].append(elapsed)
            # the search itself: read the words, match, rank, count, facets, the first page's
            # documents (and the nearest matches); not building the 24 product cards, which
            # every listing does alike (the category pages too)
            samples["engine"].append(elapsed - parts["cards"])
            for name, value in parts.items():
                phases[name].append(value)

            self.sql.reset()
            with self.connection.execute_wrapper(self.sql):
                started = time.perf_counter()
                self.page("/search/", {"q": query})
                page_ms = ms_since(started)
            samples["page"].append(page_ms)
            samples["page_sql"].append(self.sql.seconds * 1000)
            samples["page_statements"].append(self.sql.count)

            started = time.perf_counter()
            old_count = self.old_search(query)
            old_ms = ms_since(started)
            samples["old"].append(old_ms)

            counts[query] = (kind, count, old_count)
            entry = per_query[query]
            entry["selector"].append(elapsed)
            entry["page"].append(page_ms)
            entry["old"].append(old_ms)
        return samples, phases, per_query, counts

    def run_suggestions(self, prefixes, n):
        samples = defaultdict(list)
        order = [prefixes[i % len(prefixes)] for i in range(n)]
        random.Random(7).shuffle(order)
        for prefix in order:
            started = time.perf_counter()
            self.select_one()
            samples["select_1"].append(ms_since(started))
            samples["uncached"].append(self.uncached_suggestions(prefix))
            self.suggest.suggestions(prefix)  # cached again
            started = time.perf_counter()
            self.suggest.suggestions(prefix)
            samples["cached"].append(ms_since(started))
            self.forget_suggestions()
            started = time.perf_counter()
            self.page("/search/suggest/", {"q": prefix})
            samples["endpoint"].append(ms_since(started))
        return samples

    def with_specs(self, query):
        """Whether the first page of the query shows a product sold in 规格 (an Oscar parent)."""
        ids = [d.product_id for d in self.selectors.search(query=query).documents[:PAGE]]
        return self.Product.objects.filter(pk__in=ids, structure="parent").exists()

    def broad_page(self):
        return next((q for q in BROAD_PAGES if self.with_specs(q)), BROAD)

    def query_counts(self, queries):
        from django.test.utils import CaptureQueriesContext

        figures = {}
        for query in queries:
            outcome = self.selectors.search(query=query)
            with CaptureQueriesContext(self.connection) as captured:
                self.page("/search/", {"q": query})
            figures[query] = {
                "results": outcome.count,
                "page_shows_product_in_specs": self.with_specs(query),
                "queries": len(captured.captured_queries),
                "sql": [q["sql"][:200] for q in captured.captured_queries],
            }
        return figures

    def explain(self, query):
        """EXPLAIN (ANALYZE, BUFFERS) of the page's two search statements: the count and the
        first page of documents."""
        outcome = self.selectors.search(query=query)
        self.sql.reset()
        self.sql.keep = True
        with self.connection.execute_wrapper(self.sql):
            outcome.count  # noqa: B018
            list(outcome.documents[:PAGE])
        self.sql.keep = False
        plans = {}
        for name, (sql, params) in zip(("count", "page"), self.sql.statements, strict=True):
            plans[f"{name}, generic plan"] = self.generic_plan(sql, params)
            with self.connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                plans[f"{name}, custom plan"] = [row[0] for row in cursor.fetchall()]
        return {"results": outcome.count, "plans": plans}

    def generic_plan(self, sql, params):
        """The plan the store runs a statement with once it is prepared (psycopg prepares a
        statement run five times; after five more PostgreSQL keeps a generic plan, made without
        the query's words, when it costs no more than the custom ones): EXPLAIN ANALYZE EXECUTE
        with plan_cache_mode = force_generic_plan."""
        import psycopg

        pieces = sql.split("%s")
        numbered = "".join(
            piece + (f"${n}" if n < len(pieces) else "") for n, piece in enumerate(pieces, start=1)
        )
        literals = psycopg.ClientCursor(self.connection.connection).mogrify(
            ", ".join(["%s"] * len(params)), params
        )
        with self.connection.cursor() as cursor:
            cursor.execute(f"PREPARE bench_plan AS {numbered}")
            try:
                cursor.execute("SET plan_cache_mode = force_generic_plan")
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) EXECUTE bench_plan({literals})")
                return [row[0] for row in cursor.fetchall()]
            finally:
                cursor.execute("RESET plan_cache_mode")
                cursor.execute("DEALLOCATE bench_plan")

    def sizes(self):
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_relation_size('catalogue_searchdocument'),"
                " pg_table_size('catalogue_searchdocument'),"
                " pg_relation_size('catalogue_search_vector'),"
                " pg_relation_size('catalogue_search_pinyin_trgm'),"
                " pg_total_relation_size('catalogue_searchdocument'),"
                " (SELECT avg(pg_column_size(vector))::int FROM catalogue_searchdocument),"
                " (SELECT avg(length(vector))::int FROM catalogue_searchdocument)"
            )
            table, with_toast, gin, trigram, total, vector_bytes, lexemes = cursor.fetchone()
        return {
            "table_bytes": table,
            "table_with_toast_bytes": with_toast,
            "gin_index_bytes": gin,
            "pinyin_trigram_index_bytes": trigram,
            "total_bytes": total,
            "vector_avg_bytes": vector_bytes,
            "vector_avg_lexemes": lexemes,
        }

    def profile(self, queries, top=18):
        """cProfile over one page of each query: the time by area and the costliest functions."""
        profiler = cProfile.Profile()
        self.sql.reset()
        with self.connection.execute_wrapper(self.sql):
            started = time.perf_counter()
            profiler.enable()
            for query, _kind in queries:
                self.page("/search/", {"q": query})
            profiler.disable()
            wall = time.perf_counter() - started
        stats = pstats.Stats(profiler)
        areas = defaultdict(float)
        rows = []
        for (filename, line, function), (_cc, calls, tottime, cumtime, _) in stats.stats.items():
            areas[area_of(filename, function)] += tottime
            rows.append((tottime, cumtime, calls, short_name(filename, line, function)))
        rows.sort(reverse=True)
        cumulative = sorted(
            (
                (cumtime, short_name(f, line, fn))
                for (f, line, fn), (_cc, _n, _t, cumtime, _) in stats.stats.items()
                if "/catalog/" in f or "/oscar/" in f or "/shop/" in f
            ),
            reverse=True,
        )
        per_page = 1000 / len(queries)
        return {
            "pages": len(queries),
            "wall_ms_per_page": round(wall * per_page, 2),
            "sql_ms_per_page": round(self.sql.seconds * per_page, 2),
            "statements_per_page": round(self.sql.count / len(queries), 1),
            "areas_ms_per_page": {
                name: round(seconds * per_page, 2)
                for name, seconds in sorted(areas.items(), key=lambda kv: -kv[1])
            },
            "top_self_ms_per_page": [
                {
                    "function": name,
                    "self_ms": round(t * per_page, 2),
                    "cumulative_ms": round(c * per_page, 2),
                    "calls": n,
                }
                for t, c, n, name in rows[:top]
            ],  # fmt: skip
            "project_cumulative_ms_per_page": [
                {"function": name, "cumulative_ms": round(c * per_page, 2)}
                for c, name in cumulative[:top]
            ],
        }


def area_of(filename, function):
    if "psycopg" in filename or "psycopg" in function:
        return "psycopg (PostgreSQL round trips and rows)"
    if filename == "~":
        return "built-ins (C functions: waits, regexps, …)"
    for marker, name in (
        ("django/template", "Django templates"),
        ("django/db", "Django ORM (SQL compile, model instances)"),
        ("/catalog/search/", "catalog.search"),
        ("rjieba", "jieba"),
        ("pypinyin", "pypinyin"),
        ("/redis/", "redis-py"),
        ("/oscar/", "Oscar"),
        ("/catalog/", "catalog (views, selectors)"),
        ("/shop/", "shop (middleware, page holes, tags)"),
        ("/django/", "Django (other: requests, middleware, urls, i18n)"),
    ):
        if marker in filename:
            return name
    return "other"


def short_name(filename, line, function):
    if filename == "~":
        return function
    for marker in ("site-packages/", str(ROOT) + "/"):
        if marker in filename:
            filename = filename.split(marker, 1)[1]
    return f"{filename}:{line}({function})"


def prefixes_of(queries):
    """What shoppers have typed a moment before the query: its first 1–3 characters (letters
    of a pinyin or English query: h, hu, hul)."""
    seen = {}
    for query, _kind in queries:
        compact = query.replace(" ", "")
        for n in (1, 2, 3):
            if len(compact) > n or (n == 1 and compact):
                seen[compact[:n]] = None
    return list(seen)


def ratio(value, reference):
    return round(value / reference, 2) if reference else None


# --- Output -----------------------------------------------------------------------------------


def mb(n):
    return f"{n / 1024 / 1024:.1f} MB"


def plan_summary(lines):
    """The plan's root and its buffers (TOAST reads included), its scans (with the index used)
    and the execution time."""
    keep = [lines[0].split("  (")[0]]
    keep += [line.strip() for line in lines[1:2] if line.strip().startswith("Buffers")]
    for line in lines[1:]:
        text = line.strip().lstrip("-> ").split("  (")[0]
        if "Scan" in text or text.startswith(("Heap Blocks", "Rows Removed", "Sort Method")):
            keep.append(text)
    keep += [line.strip() for line in lines if line.startswith("Execution Time")]
    return keep


def report(results):
    cat, idx = results["catalogue"], results["index"]
    ref, search, sug = results["reference"], results["search"], results["suggest"]
    print()
    print(
        f"Catalogue: {cat['products']:,} products ({cat['parents_with_2_specs']:,} in 2 规格), "
        f"{cat['stock_records']:,} stock records, {cat['counties']} counties, "
        f"{cat['cooperatives']} cooperatives, {cat['categories']} categories; generated in "
        f"{cat['generate_seconds']} s"
    )
    print(
        f"Documents: {cat['documents']:,} rebuilt in {cat['rebuild_seconds']} s = "
        f"{cat['rebuild_docs_per_second']:,.0f} docs/s; table {mb(idx['table_bytes'])} "
        f"({mb(idx['table_with_toast_bytes'])} with TOAST), GIN index "
        f"{mb(idx['gin_index_bytes'])}, pinyin trigram index "
        f"{mb(idx['pinyin_trigram_index_bytes'])}"
        f"; a vector {idx['vector_avg_lexemes']} lexemes, {idx['vector_avg_bytes']:,} bytes on "
        f"average"
    )
    before, after = results["machine"]["load_average_before_after"]
    print(
        f"Machine: {results['machine']['cpus']} CPUs, PostgreSQL "
        f"{results['machine']['postgresql'].split()[0]}, load average {before[0]} before the "
        f"timings, {after[0]} after (other work on the machine slows every figure alike: compare "
        "the ratios)"
    )
    print()
    settings = results["settings"]
    print(
        f"Warm: {settings['search_samples']} searches over {settings['distinct_queries']} queries"
        f" (cycled, shuffled), {settings['suggest_samples']} 联想 over "
        f"{settings['distinct_prefixes']} prefixes. Nothing of a search's answer is cached (the "
        "search caches none); 联想's cached answer is deleted before each timing (its names "
        "lists and the dictionary stay cached, as in a warm server)."
    )
    old, one = ref["old_search"], ref["select_1"]
    header = (
        f"  {'':44}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}{'p50 ×old':>10}{'p95 ×old':>10}"
        f"{'p50 ×SELECT 1':>15}  target"
    )
    print(header)

    def row(label, figures, target=None, versus_old=True):
        p50, p95 = figures["p50_ms"], figures["p95_ms"]
        cells = f"  {label:44}{p50:8.1f}{p95:8.1f}{figures['max_ms']:8.1f}"
        if versus_old:
            cells += f"{p50 / old['p50_ms']:10.2f}{p95 / old['p95_ms']:10.2f}"
        else:
            cells += f"{'':10}{'':10}"
        cells += f"{p50 / one['p50_ms']:14.0f}×"
        if target:
            met = p95 <= target
            cells += f"  p95 ≤ {target:.0f} ms: {'met' if met else 'MISSED'}"
        print(cells)

    row("search (match, rank, count, facets, page ids)", search["engine"], SEARCH_TARGET_MS)
    row("  + the first page's 24 product cards", search["selector"])
    row("search page: GET /search/?q= (rendered)", search["page"])
    row("  of which in SQL (statements' wall time)", search["page_sql"], versus_old=False)
    row("old substring search (count, 24 cards)", old)
    row("SELECT 1 round trip", one, versus_old=False)
    row("联想 suggestions(prefix), answer uncached", sug["uncached"], SUGGEST_TARGET_MS,
        versus_old=False)  # fmt: skip
    row("联想 suggestions(prefix), cached answer", sug["cached"], versus_old=False)
    row("GET /search/suggest/?q=, answer uncached", sug["endpoint"], versus_old=False)
    print(
        f"  (search page: {search['page_statements_p50']} SQL statements at p50; ×old is the "
        f"ratio to the old search's same percentile, ×SELECT 1 the p50 in round trips)"
    )
    print()
    print("Where a search's time goes (selectors path, ms):")
    print(f"  {'part':10}{'p50':>8}{'p95':>8}{'max':>8}")
    for name, figures in search["phases"].items():
        p50, p95, top = figures["p50_ms"], figures["p95_ms"], figures["max_ms"]
        print(f"  {name:10}{p50:8.2f}{p95:8.2f}{top:8.2f}")
    print()
    print("By kind of query (p50 / max ms; results new / old search):")
    print(f"  {'kind':9}{'queries':>8}{'selectors':>16}{'page':>16}{'old':>16}  examples")
    for kind, figures in search["by_kind"].items():
        print(
            f"  {kind:9}{figures['queries']:8}"
            f"{figures['selector_p50_ms']:9.1f} / {figures['selector_max_ms']:<5.0f}"
            f"{figures['page_p50_ms']:9.1f} / {figures['page_max_ms']:<5.0f}"
            f"{figures['old_p50_ms']:9.1f} / {figures['old_max_ms']:<5.0f}  "
            + ", ".join(figures["examples"])
        )
    print()
    slowest = sorted(search["queries"], key=lambda q: -q["page_max_ms"])[:8]
    print(
        "Slowest queries (page max ms, results): "
        + "; ".join(f"{q['query']} {q['page_max_ms']:.0f} ({q['results']:,})" for q in slowest)
    )
    print()
    qc = results["query_counts"]
    print("SQL queries per search page (GET /search/?q=, anonymous):")
    for query, figures in qc["pages"].items():
        specs = ", a product in 规格 on the page" if figures["page_shows_product_in_specs"] else ""
        compared = " (compared)" if query in qc["compared"] else ""
        print(
            f"  {query:10} {figures['results']:>7,} results{specs}: {figures['queries']} queries"
            f"{compared}"
        )
    narrow, broad = qc["compared"]
    print(
        f"  constant in the number of results ({narrow} and {broad}): "
        f"{'yes' if qc['equal'] else 'NO'} (a page with a product in 规格 on it makes one more "
        "query, its 规格's stock records, whatever the number of results; one with none found "
        "adds the nearest matches and best sellers)"
    )
    print()
    print(
        "EXPLAIN (ANALYZE, BUFFERS) of the count and the page's documents: the generic plan is "
        "what the store runs once a statement is prepared (psycopg, after 5 runs; PostgreSQL "
        "keeps it after 5 more), the custom plan is made with the query's words:"
    )
    for query, figures in results["explain"].items():
        for name, lines in figures["plans"].items():
            shown = " | ".join(plan_summary(lines))
            print(f"  {query} ({figures['results']:,} results), {name}: {shown}")
    if "profile" in results:
        prof = results["profile"]
        print()
        print(
            f"Profile (cProfile, one page of each of {prof['pages']} queries): "
            f"{prof['wall_ms_per_page']} ms a page under the profiler, of which SQL "
            f"{prof['sql_ms_per_page']} ms in {prof['statements_per_page']} statements"
        )
        print("  self time by area, ms a page:")
        for name, value in prof["areas_ms_per_page"].items():
            if value >= 0.05:
                print(f"    {value:7.2f}  {name}")
        print("  costliest functions (self ms / cumulative ms a page, calls):")
        for entry in prof["top_self_ms_per_page"]:
            print(
                f"    {entry['self_ms']:7.2f} / {entry['cumulative_ms']:7.2f}  "
                f"{entry['calls']:>8}  {entry['function']}"
            )
        print("  the project's and Oscar's code, cumulative ms a page:")
        for entry in prof["project_cumulative_ms_per_page"]:
            print(f"    {entry['cumulative_ms']:7.2f}  {entry['function']}")
    if results["errors"]:
        print()
        print("Errors:", *results["errors"][:10], sep="\n  ")
    print()
    print(f"Figures written to {results['output']}")


# --- Setup ------------------------------------------------------------------------------------


def environment(args):
    return production_like(
        args.database_url,
        REDIS_URL=args.redis_url,
        CACHE_KEY_PREFIX=KEY_PREFIX,
        CELERY_BROKER_URL="memory://localhost/",  # tasks in-process (none are sent here)
        CELERY_RESULT_BACKEND="cache+memory://",
        STATIC_ROOT=str(OUT / "search" / "static"),
        MEDIA_ROOT=str(OUT / "search" / "media"),
    )


def forget_cache(redis_url):
    """This bench's keys only (its own prefix), from an earlier run."""
    import redis

    client = redis.Redis.from_url(redis_url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as error:
        raise SystemExit(f"bench/search.py: no Redis at {redis_url}: {error}") from None
    keys = list(client.scan_iter(match=f"{KEY_PREFIX}:*", count=1000))
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start : start + 1000])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=20000, help="browsable products")
    parser.add_argument(
        "--queries", type=int, default=2 * len(QUERIES),
        help=f"searches timed, the {len(QUERIES)} queries cycled (default: each twice)",
    )  # fmt: skip
    parser.add_argument("--suggestions", type=int, default=0,
                        help="联想 timed (default: each prefix once)")  # fmt: skip
    parser.add_argument("--profile", action="store_true", help="profile even if targets are met")
    parser.add_argument("--seed", type=int, default=24)
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_SEARCH_DATABASE_URL", DEFAULT_URL)
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_SEARCH_REDIS_URL", DEFAULT_REDIS)
    )
    parser.add_argument("--output", default=str(OUT / "search.json"))
    args = parser.parse_args()
    if args.products < 100:
        parser.error("--products: at least 100")
    if args.queries < len(QUERIES):
        print(f"note: --queries {args.queries} times only part of the {len(QUERIES)}-query mix")

    OUT.mkdir(parents=True, exist_ok=True)
    os.environ.update(environment(args))
    say = print
    say(f"Preparing {args.database_url} (dropped, created, migrated, {args.products:,} products)…")
    forget_cache(args.redis_url)
    recreate_database(args.database_url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    say(f"  migrated in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    call_command("collectstatic", verbosity=0, interactive=False)  # DEBUG off: hashed names
    say(f"  static files collected in {time.perf_counter() - started:.0f} s")
    rng = random.Random(args.seed)
    catalogue = generate(args.products, args.seed, say)
    catalogue.update(build_documents(rng, say))

    bench = Bench(args)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server_version = cursor.fetchone()[0]
    prefixes = prefixes_of(QUERIES)
    order = [QUERIES[i % len(QUERIES)] for i in range(args.queries)]
    random.Random(args.seed).shuffle(order)
    load_before = [round(x, 2) for x in os.getloadavg()]
    say("Warming up…")
    bench.warm_up(QUERIES[::7], prefixes[::5])
    say(f"Timing {len(order)} searches…")
    samples, phases, per_query, counts = bench.run_searches(order)
    n_suggest = args.suggestions or len(prefixes)
    say(f"Timing {n_suggest} 联想…")
    suggest_samples = bench.run_suggestions(prefixes, n_suggest)
    say("Query counts, sizes, plans…")
    broad_page = bench.broad_page()
    counted = bench.query_counts(list(dict.fromkeys([NARROW, broad_page, BROAD, "榴莲"])))
    pair = (counted[NARROW]["queries"], counted[broad_page]["queries"])

    select_1 = summary(samples["select_1"] + suggest_samples["select_1"])
    old = summary(samples["old"])
    search = {
        "engine": summary(samples["engine"]),
        "selector": summary(samples["selector"]),
        "page": summary(samples["page"]),
        "page_sql": summary(samples["page_sql"]),
        "page_statements_p50": percentile(samples["page_statements"], 0.5),
        "phases": {name: summary(values) for name, values in phases.items()},
    }
    for name in ("engine", "selector", "page"):
        figures = search[name]
        figures.update(
            p50_vs_old=ratio(figures["p50_ms"], old["p50_ms"]),
            p95_vs_old=ratio(figures["p95_ms"], old["p95_ms"]),
            p50_in_select_1=ratio(figures["p50_ms"], select_1["p50_ms"]),
            p95_target_ms=SEARCH_TARGET_MS,
            p95_target_met=figures["p95_ms"] <= SEARCH_TARGET_MS,
        )
    queries_out = []
    by_kind = defaultdict(lambda: defaultdict(list))
    for query, (kind, count, old_count) in counts.items():
        entry = per_query[query]
        queries_out.append(
            {
                "query": query,
                "kind": kind,
                "results": count,
                "old_results": old_count,
                "selector_p50_ms": round(statistics.median(entry["selector"]), 2),
                "page_p50_ms": round(statistics.median(entry["page"]), 2),
                "page_max_ms": round(max(entry["page"]), 2),
                "old_p50_ms": round(statistics.median(entry["old"]), 2),
            }
        )
        group = by_kind[kind]
        group["queries"].append(query)
        for name in ("selector", "page", "old"):
            group[name] += entry[name]
        group["examples"].append(f"{query} {count:,}/{old_count:,}")
    search["by_kind"] = {
        kind: {
            "queries": len(group["queries"]),
            **{
                f"{name}_p50_ms": round(statistics.median(group[name]), 2)
                for name in ("selector", "page", "old")
            },
            **{
                f"{name}_max_ms": round(max(group[name]), 2) for name in ("selector", "page", "old")
            },
            "examples": group["examples"][:3],
        }  # fmt: skip
        for kind, group in by_kind.items()
    }
    search["queries"] = sorted(queries_out, key=lambda q: (q["kind"], q["query"]))
    suggest_figures = {
        name: summary(suggest_samples[name]) for name in ("uncached", "cached", "endpoint")
    }
    for figures in suggest_figures.values():
        figures["p50_in_select_1"] = ratio(figures["p50_ms"], select_1["p50_ms"])
    suggest_figures["uncached"].update(
        p95_target_ms=SUGGEST_TARGET_MS,
        p95_target_met=suggest_figures["uncached"]["p95_ms"] <= SUGGEST_TARGET_MS,
    )
    results = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "postgresql": server_version,
            "load_average_before_after": [load_before, [round(x, 2) for x in os.getloadavg()]],
        },
        "settings": {
            "database": args.database_url,
            "cache": f"{args.redis_url} (key prefix {KEY_PREFIX})",
            "debug": False,
            "prepared_statements": "psycopg server-side binding, prepare_threshold 5",
            "search_samples": len(order),
            "distinct_queries": len(QUERIES),
            "suggest_samples": n_suggest,
            "distinct_prefixes": len(prefixes),
            "uncached": "a search caches no answer; 联想's answer key deleted before each timing",
        },
        "catalogue": catalogue,
        "index": bench.sizes(),
        "reference": {"select_1": select_1, "old_search": old},
        "search": search,
        "suggest": suggest_figures,
        "query_counts": {
            "pages": {q: {k: v for k, v in f.items() if k != "sql"} for q, f in counted.items()},
            "compared": [NARROW, broad_page],
            "equal": pair[0] == pair[1],
            "sql": {q: f["sql"] for q, f in counted.items() if q in (NARROW, broad_page)},
        },
        "explain": {query: bench.explain(query) for query in (BROAD, NARROW)},
        "errors": bench.errors,
        "output": args.output,
    }
    missed = not (
        search["selector"]["p95_target_met"]
        and search["page"]["p95_target_met"]
        and suggest_figures["uncached"]["p95_target_met"]
    )
    if args.profile or missed:
        say("Profiling the search pages (cProfile)…")
        results["profile"] = bench.profile(QUERIES)
    Path(args.output).write_text(json.dumps(results, indent=2, ensure_ascii=False))
    report(results)
    if bench.errors or pair[0] != pair[1]:
        sys.exit(1)


if __name__ == "__main__":
    main()
