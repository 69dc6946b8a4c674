"""Chinese text analysis, the same for the documents and the queries, on every database.

A text becomes *lexemes*: words cut by jieba (``rjieba``, the maintained jieba-rs binding) with a
user dictionary made from our own data, each word's full pinyin and initials (pypinyin), Latin
and digit runs as they are, and, for titles, every Chinese character (so 茶 finds 雪菊茶). Lexemes
are letters and digits only, so they can be written into a tsquery without quoting rules.

A query becomes *concepts* that must all match; each concept is one or more alternatives (a
word, its pinyin, the dictionary word a homophone typo meant), and an alternative is one or more
lexemes that must all be there. ``engine`` turns concepts into SQL or checks them in Python.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import rjieba
from pypinyin import Style, lazy_pinyin

from . import lexicon

MAX_QUERY_CHARS = 48  # what is analysed of a query; the rest is ignored, never an error
MAX_CONCEPTS = 8

_RUNS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Words that carry no meaning in a product query (好吃的胡萝卜 is 胡萝卜).
STOPWORDS = frozenset(
    ["的", "了", "和", "与", "及", "或", "之", "在", "是", "有", "个", "买", "要", "我", "想", "一",
     "款", "些", "啊", "吗", "呢"]
)  # fmt: skip


def normalise(text: str) -> str:
    """Full-width to half-width (ＡＢＣ１２ → abc12), lower case."""
    return unicodedata.normalize("NFKC", text or "").lower()


def runs(text: str) -> list[str]:
    """Chinese runs and Latin/digit runs of a text; everything else separates them."""
    return _RUNS.findall(normalise(text))


def is_cjk(text: str) -> bool:
    return bool(_CJK.match(text))


@lru_cache(maxsize=65536)
def pinyin(word: str) -> str:
    """Full pinyin without tones: 胡萝卜 → huluobo."""
    return "".join(lazy_pinyin(word, errors="ignore"))


@lru_cache(maxsize=65536)
def initials(word: str) -> str:
    """Pinyin initials: 胡萝卜 → hlb, 察右中旗 → cyzq."""
    return "".join(lazy_pinyin(word, style=Style.FIRST_LETTER, errors="ignore"))


class Segmenter:
    """One jieba per process, taught our words; words are only ever added (a word that left the
    data does no harm), and a word list already taught is not taught again."""

    def __init__(self):
        self._jieba = rjieba.Jieba()
        self._lock = threading.Lock()
        self._taught: set[str] = set()
        self.vocabulary: set[str] = set()
        self.by_pinyin: dict[str, set[str]] = {}
        self.teach(lexicon.PRODUCE_WORDS)

    def teach(self, words) -> None:
        new = {w for w in (normalise(w).strip() for w in words) if w} - self._taught
        if not new:
            return
        with self._lock:
            for word in sorted(new):
                self._taught.add(word)
                if " " in word or not all(is_cjk(ch) for ch in word):
                    continue
                self._jieba.add_word(word, None, None)
                if len(word) >= 2:
                    self.vocabulary.add(word)
                    self.by_pinyin.setdefault(pinyin(word), set()).add(word)

    def cut_for_search(self, run: str) -> list[str]:
        return self._jieba.cut_for_search(run, True)

    def cut(self, run: str) -> list[str]:
        return self._jieba.cut(run, True)


_segmenter: Segmenter | None = None
_segmenter_lock = threading.Lock()


def segmenter() -> Segmenter:
    global _segmenter
    if _segmenter is None:
        with _segmenter_lock:
            if _segmenter is None:
                _segmenter = Segmenter()
    return _segmenter


# ---------------------------------------------------------------------------------------------
# Documents


def word_lexemes(word: str) -> list[str]:
    """A Chinese word and its pinyin forms (a single character has none: hu would match too
    much), or a Latin/digit run as it is."""
    if not is_cjk(word):
        return [word]
    if len(word) == 1:
        return [word]
    return [word, pinyin(word), initials(word)]


def field_words(text: str, *, characters: bool = False, bigrams: bool = False) -> list[str]:
    """The words of a field: jieba's search cut of each Chinese run (words and the shorter
    words inside them), Latin/digit runs; with ``characters`` each Chinese character, with
    ``bigrams`` each pair of neighbouring characters (so a name jieba cuts one way in a
    sentence and another way alone, 义兴元, is still found by its pairs)."""
    seg = segmenter()
    words: list[str] = []
    for run in runs(text):
        if is_cjk(run):
            words.extend(w for w in seg.cut_for_search(run) if w not in STOPWORDS)
            if bigrams:
                words.extend(run[i : i + 2] for i in range(len(run) - 1))
            if characters:
                words.extend(ch for ch in run if ch not in STOPWORDS)
        else:
            words.append(run)
    return words


def expand(words, synonyms: dict[str, set[str]]) -> list[str]:
    """Lexemes of the words and of the words a shopper may type for them (the synonym table)."""
    lexemes: dict[str, None] = {}
    for word in words:
        for lexeme in word_lexemes(word):
            lexemes[lexeme] = None
        for other in synonyms.get(word, ()):
            parts = runs(other)
            if len(parts) > 1 and not any(is_cjk(p) for p in parts):
                parts = ["".join(parts)]  # sweet potato is one lexeme, sweetpotato, not potato
            for part in parts:
                for lexeme in word_lexemes(part):
                    lexemes[lexeme] = None
    return list(lexemes)


def title_pinyin(text: str) -> str:
    """A title's words in pinyin (察右中旗草原胡萝卜 → chayou zhongqi caoyuan huluobo): what the
    fuzzy fallback compares a query's sound with, word by word."""
    words = []
    for run in runs(text):
        words.extend(pinyin(w) for w in segmenter().cut(run)) if is_cjk(run) else words.append(run)
    return " ".join(w for w in words if w)


def sound_words(text: str) -> list[str]:
    """A query's runs in pinyin, for the fuzzy fallback."""
    return [pinyin(run) if is_cjk(run) else run for run in runs((text or "")[:MAX_QUERY_CHARS])]


# ---------------------------------------------------------------------------------------------
# Queries


@dataclass(frozen=True)
class Lexeme:
    text: str
    prefix: bool = False  # matches any lexeme starting with text


Alternative = tuple[Lexeme, ...]  # all of these


@dataclass(frozen=True)
class Concept:
    """What one part of the query means: any of ``alternatives``."""

    source: str
    alternatives: tuple[Alternative, ...]
    corrected: str = ""  # the dictionary word a homophone typo was read as


def _word_concept(word: str, *, corrected: str = "") -> Concept:
    alternatives: dict[Alternative, None] = {}
    if corrected:
        for meant in sorted(segmenter().by_pinyin.get(pinyin(word), ())):
            alternatives[(Lexeme(meant),)] = None
    alternatives[(Lexeme(word),)] = None
    if len(word) >= 2:
        alternatives[(Lexeme(pinyin(word)),)] = None
    if len(word) >= 3:  # its pairs of characters, all of them (names and titles keep pairs)
        alternatives[tuple(Lexeme(word[i : i + 2]) for i in range(len(word) - 1))] = None
    return Concept(word, tuple(alternatives), corrected)


def _latin_concept(run: str) -> Concept:
    alternatives: dict[Alternative, None] = {(Lexeme(run),): None}
    if run.isalpha() and len(run) >= 3:
        alternatives[(Lexeme(run, prefix=True),)] = None
        if run.endswith("s") and len(run) >= 4:  # carrots, oats
            alternatives[(Lexeme(run[:-1]),)] = None
    return Concept(run, tuple(alternatives))


def _cjk_concepts(run: str) -> list[Concept]:
    """Longest dictionary words first, by characters or, for a homophone typo, by pinyin
    (胡箩卜 is read as 胡萝卜); what no dictionary word covers is cut by jieba."""
    seg = segmenter()
    syllables = lazy_pinyin(run, errors="ignore")
    if len(syllables) != len(run):  # a character pypinyin cannot read: characters only
        syllables = None
    concepts: list[Concept] = []
    pending = ""

    def flush():
        nonlocal pending
        if pending:
            for word in seg.cut(pending):
                if word not in STOPWORDS:
                    concepts.append(_word_concept(word))
            pending = ""

    i = 0
    while i < len(run):
        for length in range(min(8, len(run) - i), 1, -1):
            span = run[i : i + length]
            if span in seg.vocabulary:
                flush()
                concepts.append(_word_concept(span))
                break
            if syllables and "".join(syllables[i : i + length]) in seg.by_pinyin:
                flush()
                concepts.append(_word_concept(span, corrected="".join(syllables[i : i + length])))
                break
        else:
            pending += run[i]
            i += 1
            continue
        i += length
    flush()
    return concepts


def _phrase_concept(words: list[str]) -> Concept:
    """Latin words side by side (sweet potato): all of them, or the phrase written as one
    lexeme the way multi-word synonyms are indexed (sweetpotato)."""
    alternatives = (
        tuple(Lexeme(w) for w in words),
        (Lexeme("".join(words)),),
    )
    return Concept(" ".join(words), alternatives)


def parse_query(text: str) -> list[Concept]:
    """The concepts of a shopper's query; none for an empty or punctuation-only one."""
    concepts: list[Concept] = []
    latin: list[str] = []

    def flush_latin():
        if len(latin) == 1:
            concepts.append(_latin_concept(latin[0]))
        elif latin:
            concepts.append(_phrase_concept(latin[:MAX_CONCEPTS]))
        latin.clear()

    for run in runs((text or "")[:MAX_QUERY_CHARS]):
        if is_cjk(run):
            flush_latin()
            concepts.extend(_cjk_concepts(run))
        else:
            latin.append(run)
    flush_latin()
    unique = list(dict.fromkeys(concepts))
    return unique[:MAX_CONCEPTS]


def query_key(text: str) -> str:
    """The form a query is logged and cached under: normalised, spaces collapsed."""
    return " ".join(normalise(text or "")[:100].split())
