"""Text helpers shared by the apps (no models, no app imports)."""

from oscar.core.utils import default_slugifier
from pypinyin import Style, lazy_pinyin

SLUG_MAX_LENGTH = 80


def pinyin_slugify(value, allow_unicode=False):
    """Slugify Chinese text as pinyin: "胡萝卜 5斤装" -> "hu-luo-bo-5-jin-zhuang".

    Oscar's default slugifier drops Chinese characters entirely, which gives empty or clashing
    slugs; pinyin keeps URLs readable and ASCII (they are shared in WeChat and livestream chats).
    """
    syllables = lazy_pinyin(str(value), style=Style.NORMAL)
    slug = default_slugifier(" ".join(syllables), allow_unicode=allow_unicode)
    return slug[:SLUG_MAX_LENGTH].strip("-")
