"""Demo data: real places and produce from the seed reports; synthetic people and companies.

Counties, leagues and the Beijing pairings are from public reporting (京蒙协作). Cooperative names,
their credit codes and every person are made up for the demo.
"""

from decimal import Decimal

# name, league, GB/T 2260 region code, paired Beijing district ("" where not publicly known here)
COUNTIES = [
    ("察右中旗", "乌兰察布市", "150927", "房山区"),
    ("武川县", "呼和浩特市", "150125", "门头沟区"),
    ("正镶白旗", "锡林郭勒盟", "152529", ""),
    ("苏尼特右旗", "锡林郭勒盟", "152524", "大兴区"),
    ("奈曼旗", "通辽市", "150525", "通州区"),
    ("科左中旗", "通辽市", "150521", "顺义区"),
    ("扎赉特旗", "兴安盟", "152223", ""),
]

# key, name, county, village, tagline, story, benefit share, logo colour
COOPERATIVES = [
    (
        "carrot",
        "察右中旗草原红胡萝卜种植专业合作社",
        "察右中旗",
        "科布尔镇",
        "五斤一箱的草原胡萝卜，一个半小时卖出两万五千单",
        "合作社地处乌兰察布市察右中旗，昼夜温差大、日照足，胡萝卜颜色红、口感甜脆。"
        "在北京房山区的对口帮扶下，合作社采用“电商平台+公司+合作社+农户”的形式，"
        "把胡萝卜、燕麦和胡麻油卖进北京。2019年秋天，一场直播一个半小时卖出胡萝卜25000单（每单5斤）。",
        Decimal("0.1200"),
        "#d35400",
    ),
    (
        "oats",
        "察右中旗阴山燕麦胡麻专业合作社",
        "察右中旗",
        "乌素图镇",
        "阴山北麓的燕麦与冷榨胡麻油",
        "阴山北麓冷凉干旱，是燕麦和胡麻的适生区。合作社统一供种、统一收购，"
        "社员种植的燕麦加工成燕麦米、燕麦片和莜面，胡麻籽冷榨成油，通过京蒙协作渠道销往北京。",
        Decimal("0.1000"),
        "#b7950b",
    ),
    (
        "tea",
        "武川县义兴元雪菊种植专业合作社",
        "武川县",
        "哈乐镇义兴元村",
        "门头沟区帮扶建起的雪菊加工车间",
        "2019年到2020年，义兴元村收到北京门头沟区社会帮扶资金，建起近200平方米的雪菊加工车间，"
        "配套烘干、分选、灌装设备。村民在家门口打工，雪菊茶通过北京援建企业销往全国。"
        "合作社还收购坝顶村的莜面和周边的葵花籽。",
        Decimal("0.1500"),
        "#c0392b",
    ),
    (
        "dairy",
        "正镶白旗永明奶食品加工专业合作社",
        "正镶白旗",
        "星耀镇永明村",
        "现做现卖的草原奶食",
        "合作社的奶食手艺来自京蒙协作奶制品加工培训班：奶豆腐、奶皮子、黄油、酸奶疙瘩，"
        "用正镶白旗草原的鲜牛奶现做，公开透明的制作流程让北京的顾客买得放心。",
        Decimal("0.1000"),
        "#2e86c1",
    ),
    (
        "lamb",
        "苏尼特右旗赛汉塔拉牧民专业合作社",
        "苏尼特右旗",
        "赛汉塔拉镇",
        "苏尼特草原的羊肉与奶茶",
        "苏尼特右旗与北京大兴区结对帮扶。合作社由牧户联合组建，统一屠宰、冷链发往北京，"
        "也做风干牛肉和蒙古奶茶粉。",
        Decimal("0.0800"),
        "#7d3c98",
    ),
    (
        "sweetpotato",
        "奈曼旗青龙山烟薯种植专业合作社",
        "奈曼旗",
        "青龙山镇互利村",
        "烟薯25号：煮熟后糖汁滴滴答答",
        "通州区出资协助建设的奈曼旗电商运营中心教村民直播带货。合作社种植烟薯25号，"
        "沙地种植、自然晾晒，蒸熟流蜜，也加工成红薯干。",
        Decimal("0.1200"),
        "#a04000",
    ),
    (
        "millet",
        "科左中旗科尔沁杂粮种植专业合作社",
        "科左中旗",
        "架玛吐镇",
        "科尔沁沙地的小米、荞麦和绿豆",
        "科左中旗与北京顺义区结对帮扶。合作社在科尔沁沙地边缘种植小米、荞麦和绿豆，"
        "社员以建档立卡脱贫户为主。",
        Decimal("0.1000"),
        "#ca6f1e",
    ),
    (
        "corn",
        "扎赉特旗巴彦乌兰白玉米黑小麦种植专业合作社",
        "扎赉特旗",
        "巴彦乌兰苏木",
        "致富带头人带着乡亲种白玉米和黑小麦",
        "合作社由当地致富带头人牵头成立，大面积承包耕地，采用新技术种植特色作物白玉米和黑小麦，"
        "带动农牧民入社。临近年关，合作社把白玉米糁、黑小麦粉和扎赉特大米运往北京。",
        Decimal("0.1000"),
        "#1e8449",
    ),
]

# 规格 of one product (Oscar's parent and child products): the product buyers see, with its
# description, and the rows of PRODUCTS below that are its 规格, each with its own price and stock.
FAMILIES = {
    "察右中旗草原胡萝卜": (
        "乌兰察布高原冷凉气候种出的胡萝卜，颜色红亮、脆甜多汁，生吃榨汁都合适。5斤装尝鲜，10斤家庭装更实惠。",
        ["察右中旗草原胡萝卜（5斤装）", "察右中旗胡萝卜（家庭装）"],
    ),
    "奈曼旗烟薯25号": (
        "沙地种植的烟薯25号，蒸熟流蜜，糖汁滴滴答答，特甜。5斤装与10斤家庭装可选。",
        ["奈曼旗烟薯25号（5斤装）", "奈曼旗烟薯25号（家庭装）"],
    ),
}

CATEGORIES = ["粮油", "杂粮", "蔬菜", "乳制品", "茶饮", "特产"]

# cooperative key, category, title, specification, price, stock, harvest season, storage,
# certified (poverty-alleviation certification valid), description
# fmt: off
PRODUCTS = [
    ("carrot", "蔬菜", "察右中旗草原胡萝卜（5斤装）", "5斤装", "29.90", 800, "9—10月", "0—4℃冷藏", True,
     "乌兰察布高原冷凉气候种出的胡萝卜，颜色红亮、脆甜多汁，生吃榨汁都合适。直播间爆款，每单5斤。"),
    ("carrot", "蔬菜", "察右中旗胡萝卜（家庭装）", "10斤装", "52.00", 400, "9—10月", "0—4℃冷藏", True,
     "家庭装十斤，一家人吃上半个月；适合炖菜、包饺子、做胡萝卜丝。"),
    ("carrot", "蔬菜", "察右中旗马铃薯", "5斤装", "19.90", 600, "9月", "阴凉避光处", False,
     "高原沙壤土种植，淀粉足、口感面，炖土豆、做土豆丝都好吃。"),
    ("carrot", "蔬菜", "察右中旗贝贝南瓜", "5斤装", "39.90", 300, "8—9月", "阴凉通风处", True,
     "粉糯香甜的小南瓜，蒸熟像板栗。"),
    ("oats", "杂粮", "阴山燕麦米", "2.5kg", "45.00", 500, "8月", "阴凉干燥处，密封", True,
     "整粒燕麦去壳而成，和大米一起煮饭，口感弹牙。"),
    ("oats", "杂粮", "原味燕麦片", "1kg", "28.00", 700, "8月", "阴凉干燥处，密封", False,
     "纯燕麦压片，无添加蔗糖，开水冲泡或煮粥。"),
    ("oats", "杂粮", "察右中旗莜面", "2kg", "32.00", 450, "8月", "阴凉干燥处", True,
     "莜麦炒熟磨粉，做莜面窝窝、莜面鱼鱼，地道的内蒙古西部味道。"),
    ("oats", "粮油", "冷榨胡麻油", "5L", "168.00", 200, "9月", "避光常温", True,
     "胡麻籽低温压榨，香气浓郁，富含亚麻酸；凉拌、炒菜皆宜。"),
    ("oats", "粮油", "冷榨胡麻油（礼盒）", "1L×2瓶", "88.00", 300, "9月", "避光常温", False,
     "两瓶一升装，送亲友的京蒙协作好礼。"),
    ("tea", "茶饮", "武川雪菊茶", "50g罐装", "58.00", 600, "9—10月", "密封防潮", True,
     "义兴元村雪菊加工车间烘干分选，汤色红亮、香气清新。"),
    ("tea", "茶饮", "武川雪菊茶（礼盒）", "50g×4罐", "198.00", 150, "9—10月", "密封防潮", True,
     "四罐礼盒，门头沟区帮扶车间出品。"),
    ("tea", "茶饮", "蒲公英茶", "100g", "36.00", 400, "5—6月", "密封防潮", False,
     "阴山野生蒲公英采摘晾晒，清热去火。"),
    ("tea", "杂粮", "坝顶村莜面", "2.5kg", "38.00", 300, "8月", "阴凉干燥处", True,
     "坝顶村莜面加工车间出品，安置脱贫户长期务工。"),
    ("tea", "特产", "武川原味葵花籽", "1kg", "35.00", 500, "9月", "阴凉干燥处", False,
     "武川县葵花籽，颗粒饱满，原味烘炒。"),
    ("dairy", "乳制品", "正镶白旗奶豆腐", "500g", "68.00", 300, "常年", "0—4℃冷藏，15天", True,
     "鲜牛奶发酵凝乳压制，奶香浓郁，可直接吃也可煎、烤。"),
    ("dairy", "乳制品", "手工奶皮子", "250g", "78.00", 200, "常年", "0—4℃冷藏，10天", True,
     "文火熬煮鲜奶结出的奶皮，配奶茶最香。"),
    ("dairy", "乳制品", "草原黄油", "500g", "88.00", 150, "常年", "冷冻保存", False,
     "传统方法提炼的黄油（希日套苏），煮奶茶、拌炒米必备。"),
    ("dairy", "乳制品", "酸奶疙瘩", "500g", "45.00", 300, "常年", "阴凉干燥处", True,
     "酸奶晾干制成的奶食，酸香耐嚼，孩子爱吃的零食。"),
    ("dairy", "乳制品", "草原鲜酸奶", "200g×10杯", "59.00", 250, "常年", "0—4℃冷藏，7天", False,
     "正镶白旗鲜牛奶发酵，浓稠微酸。"),
    ("lamb", "特产", "苏尼特羊肉卷", "1kg", "128.00", 200, "常年", "-18℃冷冻", True,
     "苏尼特草原放养羊，冷链直发北京，涮火锅首选。"),
    ("lamb", "特产", "草原风干牛肉", "250g", "69.00", 400, "常年", "阴凉干燥处", False,
     "牧区传统风干工艺，越嚼越香。"),
    ("lamb", "茶饮", "蒙古奶茶粉", "400g", "39.00", 500, "常年", "密封防潮", False,
     "砖茶与草原奶粉调配，开水一冲就是咸奶茶。"),
    ("sweetpotato", "蔬菜", "奈曼旗烟薯25号（5斤装）", "5斤装", "36.90", 700, "9—10月", "10—15℃阴凉处，勿冷藏", True,
     "沙地种植的烟薯25号，蒸熟流蜜，糖汁滴滴答答，特甜。"),
    ("sweetpotato", "蔬菜", "奈曼旗烟薯25号（家庭装）", "10斤装", "65.00", 400, "9—10月", "10—15℃阴凉处，勿冷藏", True,
     "十斤家庭装，蒸、烤、煮粥都合适。"),
    ("sweetpotato", "特产", "奈曼红薯干", "500g", "29.90", 600, "11月", "阴凉干燥处", True,
     "烟薯蒸熟切条自然晾晒，软糯不粘牙，无添加。"),
    ("millet", "杂粮", "科尔沁黄小米", "2.5kg", "42.00", 500, "9—10月", "阴凉干燥处", True,
     "沙地小米，熬粥有米油。"),
    ("millet", "杂粮", "科左中旗苦荞麦", "1kg", "26.00", 400, "9月", "阴凉干燥处", False,
     "苦荞整粒，可煮粥或泡茶。"),
    ("millet", "杂粮", "科尔沁绿豆", "1kg", "24.00", 450, "8—9月", "阴凉干燥处", False,
     "颗粒饱满，易煮开花，熬绿豆汤消暑。"),
    ("corn", "粮油", "扎赉特旗白玉米糁", "2.5kg", "33.00", 500, "10月", "阴凉干燥处", True,
     "特色白玉米磨成的玉米糁，熬粥香糯。"),
    ("corn", "粮油", "扎赉特旗黑小麦粉", "2.5kg", "46.00", 400, "7—8月", "阴凉干燥处", True,
     "黑小麦全麦粉，做馒头、面条颜色深、麦香足。"),
    ("corn", "粮油", "扎赉特大米", "5kg", "79.00", 600, "10月", "阴凉干燥处", True,
     "绰尔河水灌溉的一季稻，米粒晶莹，蒸饭清香。"),
    ("corn", "杂粮", "白玉米碴子", "2.5kg", "30.00", 300, "10月", "阴凉干燥处", False,
     "粗碴子，熬大碴子粥的东北吃法。"),
    ("millet", "特产", "科尔沁牛肉干", "250g", "72.00", 300, "常年", "阴凉干燥处", False,
     "科尔沁草原黄牛肉，手撕风干。"),
]
# fmt: on

# role, email, password, first name, last name
USERS = [
    ("admin", "admin@jingmeng.example", "demo-admin-2026", "管理员", ""),
    ("manager", "manager@jingmeng.example", "demo-manager-2026", "胡萝卜社", "负责人"),
    ("manager2", "manager2@jingmeng.example", "demo-manager-2026", "雪菊社", "负责人"),
    ("host", "host@jingmeng.example", "demo-host-2026", "演示", "主播"),
    ("consumer", "consumer@jingmeng.example", "demo-consumer-2026", "演示", "顾客"),
    # Organisation buyers (shop/demo/organisations.py): the demo union's administrator and
    # purchaser, and someone whose organisation's application waits for staff.
    ("org-admin", "org-admin@jingmeng.example", "demo-org-2026", "演示", "机构管理员"),
    ("org-buyer", "org-buyer@jingmeng.example", "demo-org-2026", "演示", "机构采购员"),
    ("org-applicant", "org-applicant@jingmeng.example", "demo-org-2026", "演示", "机构申请人"),
]
MANAGED = {"manager": "carrot", "manager2": "tea"}

CONSUMER_ADDRESS = {
    "first_name": "王小明",  # synthetic
    "state": "北京市",
    "line4": "北京市",
    "line3": "房山区",
    "line1": "良乡镇拱辰大街 1 号院 2 号楼 301 室",
    "postcode": "102488",
    "phone_number": "+8613800138000",
}

# Synthetic households: clearly made-up names ("演示" = demo), well-formed made-up ID numbers.
HOUSEHOLDS_PER_COOPERATIVE = 9
DEMO_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
VILLAGES = {
    "察右中旗": ["科布尔镇义发泉村", "乌素图镇德胜村", "铁沙盖镇三道沟村"],
    "武川县": ["哈乐镇义兴元村", "大青山乡乌兰不浪村", "可可以力更镇坝顶村"],
    "正镶白旗": ["星耀镇永明村", "明安图镇呼格吉勒图嘎查"],
    "苏尼特右旗": ["赛汉塔拉镇乌兰宝力格嘎查", "朱日和镇巴彦温都尔嘎查"],
    "奈曼旗": ["青龙山镇互利村", "八仙筒镇西沙力吐村"],
    "科左中旗": ["架玛吐镇大新艾力嘎查", "保康镇腰林毛都村"],
    "扎赉特旗": ["巴彦乌兰苏木吉日嘎嘎查", "音德尔镇新立村"],
}

# role key, email, password, scope kind, scope value, may see full personal data
OFFICIALS = [
    (
        "official",
        "official@jingmeng.example",
        "demo-official-2026",
        "counties",
        ["察右中旗"],
        False,
    ),
    (
        "official-region",
        "official-region@jingmeng.example",
        "demo-official-2026",
        "region",
        None,
        True,
    ),
    (
        "official-league",
        "official-league@jingmeng.example",
        "demo-official-2026",
        "leagues",
        ["锡林郭勒盟", "通辽市"],
        False,
    ),
    (
        "official-district",
        "official-district@jingmeng.example",
        "demo-official-2026",
        "district",
        "门头沟区",
        False,
    ),
]

DEMO_ORDERS = 150  # paid orders spread over the last six months (some refunded since)
DEMO_MONTHS = 6

# Who the demo's orders go to: made-up people in Beijing. Names are composed from common
# surnames and given names (no real person's), mobiles are 139-0000-NNNN (a run of zeros, made
# up and numbered in order), addresses are real districts and streets with made-up house and
# flat numbers.
RECIPIENT_GIVEN_NAMES = [
    "晓雨", "子涵", "浩然", "欣怡", "建国", "桂兰", "志强", "丽娟", "雨桐", "俊杰",
    "海燕", "文博", "佳怡", "明轩", "秀英", "国庆", "思远", "梦琪", "宇航", "淑芬",
    "立新", "婉清", "嘉豪", "春梅", "一鸣", "若曦", "振华", "静怡", "天佑", "秋菊",
]  # fmt: skip
RECIPIENT_MOBILE_PREFIX = "1390000"  # + a 4-digit serial: made up


def recipient_mobile(serial: int) -> str:
    return f"+86{RECIPIENT_MOBILE_PREFIX}{serial % 10000:04d}"


# district, postcode, street (and the shape of the rest: building, flat)
BEIJING_ADDRESSES = [
    ("朝阳区", "100020", "建国路{n}号院{b}号楼{r}室"),
    ("朝阳区", "100101", "安立路{n}号院{b}号楼{r}室"),
    ("海淀区", "100080", "中关村大街{n}号院{b}号楼{r}室"),
    ("海淀区", "100089", "西三环北路{n}号院{b}号楼{r}室"),
    ("西城区", "100032", "西直门内大街{n}号院{b}号楼{r}室"),
    ("东城区", "100010", "东四十条{n}号院{b}号楼{r}室"),
    ("丰台区", "100071", "丰台北路{n}号院{b}号楼{r}室"),
    ("石景山区", "100043", "鲁谷路{n}号院{b}号楼{r}室"),
    ("通州区", "101100", "新华大街{n}号院{b}号楼{r}室"),
    ("昌平区", "102206", "回龙观西大街{n}号院{b}号楼{r}室"),
    ("大兴区", "102600", "兴丰大街{n}号院{b}号楼{r}室"),
    ("顺义区", "101300", "府前中街{n}号院{b}号楼{r}室"),
    ("房山区", "102488", "良乡镇拱辰大街{n}号院{b}号楼{r}室"),
    ("门头沟区", "102300", "新桥大街{n}号院{b}号楼{r}室"),
]

# How likely a demo order is paid in each hour of a Beijing day (lunch and evening peaks).
PAYMENT_HOUR_WEIGHTS = [
    1, 1, 0, 0, 0, 0, 1, 2, 4, 5, 6, 7, 9, 8, 5, 5, 5, 6, 6, 8, 10, 10, 8, 4,
]  # fmt: skip
# Carriers the demo's cooperatives ship with, and a well-formed made-up number for each.
DEMO_CARRIERS = [("SF", "SF{:013d}"), ("YTO", "YT{:013d}"), ("ZTO", "{:012d}"), ("EMS", "{:013d}")]


HOST_EMAIL = "host@jingmeng.example"

# Orders from the session on air (at its live prices): units of each live-price item, minutes
# after the start, paid (the last waits for payment: claimed at the live price, not sold).
LIVE_ORDERS = [((2, 1), 4, True), ((3, 0), 7, True), ((1, 0), 11, True), ((2, 0), 15, False)]

# Live sessions (直播带货) on the seeds' produce. Streams are on an allowed host but not served in
# the demo (no internet): the player shows its fallback link.
LIVE_SESSIONS = [
    {
        "title": "察右中旗草原胡萝卜专场（回放）",
        "description": "合作社理事长带大家走进胡萝卜地，现场讲种植、分拣和冷链。",
        "cooperative": "carrot",
        "state": "ended",
        "starts_in_minutes": -3 * 24 * 60,
        "minutes": 90,
        "stream_url": "https://live.jingmeng.example/demo/carrot-0919.m3u8",
        "replay_url": "https://live.jingmeng.example/demo/carrot-0919-replay.m3u8",
        "items": [
            ("察右中旗草原胡萝卜（5斤装）", "19.90", 25000, 3),
            ("察右中旗胡萝卜（家庭装）", "39.90", 5000, 2),
            ("察右中旗贝贝南瓜", None, None, None),
        ],
    },
    {
        "title": "阴山燕麦·冷榨胡麻油直播间",
        "description": "燕麦米、胡麻油产地直发，直播间专享价，限量抢购。",
        "cooperative": "oats",
        "state": "live",
        "starts_in_minutes": -20,
        "minutes": 120,
        "stream_url": "https://live.jingmeng.example/demo/oats-live.m3u8",
        "items": [
            ("阴山燕麦米", "39.90", 200, 5),
            ("冷榨胡麻油", "148.00", 50, 2),
            ("察右中旗莜面", None, None, None),
        ],
    },
    {
        "title": "胡萝卜5斤装上车！一个半小时两万五千单的老朋友又来了",
        "description": "还是那个味道：五斤一箱，脆甜多汁。开播提醒已开放预约。",
        "cooperative": "carrot",
        "state": "scheduled",
        "starts_in_minutes": 24 * 60,
        "minutes": 90,
        "stream_url": "https://live.jingmeng.example/demo/carrot-next.m3u8",
        "items": [("察右中旗草原胡萝卜（5斤装）", "19.90", 25000, 3)],
    },
]
