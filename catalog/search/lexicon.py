"""Words the segmenter must know before it sees our data, and the synonyms the store starts with.

The rest of the user dictionary comes from the database (counties, leagues, Beijing districts,
categories, synonyms): ``analysis.data_words``.
"""

# Produce and food words of the catalogue that jieba's general dictionary splits or lacks.
PRODUCE_WORDS = [
    "胡萝卜", "红萝卜", "萝卜", "马铃薯", "土豆", "南瓜", "贝贝南瓜", "燕麦", "燕麦米", "燕麦片",
    "莜面", "莜麦", "胡麻油", "胡麻", "亚麻籽油", "亚麻籽", "雪菊", "雪菊茶", "昆仑雪菊",
    "蒲公英茶", "葵花籽", "瓜子", "奶豆腐", "奶皮子", "黄油", "酸奶", "酸奶疙瘩", "鲜奶",
    "牛奶", "奶茶", "奶茶粉", "奶食", "羊肉", "羊肉卷", "牛肉", "牛肉干", "风干牛肉", "烟薯",
    "烟薯25号", "红薯", "地瓜", "番薯", "甘薯", "红薯干", "地瓜干", "小米", "黄小米", "荞麦",
    "苦荞", "苦荞麦", "绿豆", "白玉米", "玉米", "玉米糁", "玉米碴子", "黑小麦", "小麦粉",
    "面粉", "大米", "杂粮", "粮油", "礼盒", "家庭装", "冷榨", "手工", "草原", "有机", "扶贫",
    "扶贫产品", "消费帮扶", "内蒙古", "内蒙", "建档立卡",
]  # fmt: skip

# (what a shopper types, the catalogue's word, both ways?) — seeded into the dashboard's table.
DEFAULT_SYNONYMS = [
    ("红萝卜", "胡萝卜", True),
    ("carrot", "胡萝卜", False),
    ("地瓜", "烟薯", False),
    ("番薯", "烟薯", False),
    ("红薯", "烟薯", False),
    ("甘薯", "烟薯", False),
    ("sweet potato", "烟薯", False),
    ("地瓜干", "红薯干", True),
    ("土豆", "马铃薯", True),
    ("potato", "马铃薯", False),
    ("牛奶", "奶", False),
    ("milk", "奶", False),
    ("dairy", "奶", False),
    ("亚麻籽油", "胡麻油", True),
    ("linseed", "胡麻油", False),
    ("flaxseed", "胡麻油", False),
    ("oats", "燕麦", False),
    ("oat", "燕麦", False),
    ("oats", "莜面", False),
    ("莜麦", "莜面", True),
    ("tea", "茶", False),
    ("菊花茶", "雪菊", False),
    ("pumpkin", "南瓜", False),
    ("millet", "小米", False),
    ("lamb", "羊肉", False),
    ("mutton", "羊肉", False),
    ("beef", "牛肉", False),
    ("风干牛肉", "牛肉干", True),
    ("jerky", "牛肉干", False),
    ("butter", "黄油", False),
    ("yogurt", "酸奶", False),
    ("corn", "玉米", False),
    ("rice", "大米", False),
    ("buckwheat", "荞麦", False),
    ("瓜子", "葵花籽", True),
]
