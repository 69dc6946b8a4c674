"""The search engine: which documents match a query, how well, in which order, with facets.

One set of rules on both databases (``analysis`` makes the concepts):
- a document matches when every concept matches one of its fields (any concept, for the nearest
  matches a search without results offers);
- relevance is the sum over the concepts of the best field each matched: title 1.0, 规格 and
  category 0.4, cooperative and place 0.2, description 0.1 (PostgreSQL's default ts_rank
  weights for A–D);
- 综合 orders by relevance, then in stock before sold out, then sales, then the staff's priority.

PostgreSQL evaluates them over the generated tsvector with a GIN index (and pg_trgm similarity
over the title's pinyin for the fuzzy fallback); SQLite, the zero-setup demo's database, runs the
same rules in Python over the documents held in memory (a demo catalogue has tens of products).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import BooleanField, Case, Count, F, FloatField, Q, Value, When
from django.db.models.expressions import RawSQL
from django.utils import timezone
from oscar.core.loading import get_model

from . import analysis, documents

SearchDocument = get_model("catalogue", "SearchDocument")
ProductCategory = get_model("catalogue", "ProductCategory")

WEIGHTS = (("A", 1.0), ("B", 0.4), ("C", 0.2), ("D", 0.1))
FIELD_OF_WEIGHT = dict(zip("ABCD", documents.FIELDS, strict=True))
PRICE_RANGES = [  # (key, label, low, high): ¥ ranges shoppers pick from
    ("0-30", "¥30以下", None, Decimal("30")),
    ("30-60", "¥30–60", Decimal("30"), Decimal("60")),
    ("60-100", "¥60–100", Decimal("60"), Decimal("100")),
    ("100-", "¥100以上", Decimal("100"), None),
]
PRICE_RANGE_KEYS = {key for key, *_ in PRICE_RANGES}
FUZZY_SIMILARITY = 0.3

ORDERINGS = {
    # 综合: relevance first (a browse without words has none), then in stock, sales, priority
    "default": ("-score", "-in_stock", "-sales", "-priority", "-date_created", "-product_id"),
    "sales": ("-sales", "-in_stock", "-score", "-product_id"),
    "newest": ("-date_created", "-product_id"),
    "price-asc": (F("price").asc(nulls_last=True), "-score", "-product_id"),
    "price-desc": (F("price").desc(nulls_last=True), "-score", "-product_id"),
    "title": ("title", "product_id"),
}


@dataclass
class Filters:
    """What a shopper narrowed the results to (each facet's value, or empty)."""

    league: str = ""
    county: str = ""  # slug
    cooperative: str = ""  # slug
    categories: list[int] = field(default_factory=list)  # a category and its subcategories
    certified: bool = False
    price: str = ""

    def apply(self, queryset):
        if self.league:
            queryset = queryset.filter(league=self.league)
        if self.county:
            queryset = queryset.filter(county__slug=self.county)
        if self.cooperative:
            queryset = queryset.filter(cooperative__slug=self.cooperative)
        if self.categories:
            any_of = Q()
            for pk in self.categories:
                any_of |= Q(category_ids__contains=f" {int(pk)} ")
            queryset = queryset.filter(any_of)
        if self.certified:
            queryset = queryset.filter(certified_until__gte=timezone.localdate())
        for key, _label, low, high in PRICE_RANGES:
            if self.price == key:
                if low is not None:
                    queryset = queryset.filter(price__gte=low)
                if high is not None:
                    queryset = queryset.filter(price__lt=high)
        return queryset


# ---------------------------------------------------------------------------------------------
# PostgreSQL


def _tsquery_lexeme(lexeme: analysis.Lexeme, weights: str) -> str:
    # lexemes are letters and digits only (analysis), so quoting them is all the escaping needed
    return f"'{lexeme.text}':{'*' if lexeme.prefix else ''}{weights}".rstrip(":")


def _tsquery_concept(concept: analysis.Concept, weights: str = "") -> str:
    return (
        "("
        + " | ".join(
            "(" + " & ".join(_tsquery_lexeme(lex, weights) for lex in alt) + ")"
            for alt in concept.alternatives
        )
        + ")"
    )


def tsquery(concepts, *, every: bool = True, weights: str = "") -> str:
    joiner = " & " if every else " | "
    return joiner.join(_tsquery_concept(c, weights) for c in concepts)


def _postgres_match(
    queryset, concepts, *, every: bool, title_only: bool = False, scored: bool = True
):
    if title_only:  # the title's own vector and index (no weights to check row by row)
        matched = RawSQL(
            "title_vector @@ %s::tsquery",
            [tsquery(concepts, every=every)],
            output_field=BooleanField(),
        )
    else:
        matched = RawSQL(
            "vector @@ %s::tsquery", [tsquery(concepts, every=every)], output_field=BooleanField()
        )
    if not scored:  # an order that needs no relevance (联想: best sellers first)
        return queryset.filter(matched).annotate(score=Value(0.0, output_field=FloatField()))
    parts, params = [], []
    for concept in concepts:
        whens = []
        for weight, score in WEIGHTS:
            whens.append(f"WHEN vector @@ %s::tsquery THEN {score}")
            params.append(_tsquery_concept(concept, weight))
        parts.append("(CASE " + " ".join(whens) + " ELSE 0 END)")
    # the SQL is this module's constants; every query word goes in as a parameter
    score = RawSQL(" + ".join(parts), params, output_field=FloatField())  # noqa: S611
    return queryset.filter(matched).annotate(score=score)


def _postgres_fuzzy(queryset, text: str):
    targets = analysis.sound_words(text)[:4]
    if not targets:
        return queryset.none().annotate(score=Value(0.0, output_field=FloatField()))
    # Candidates through the trigram index: a title word at least FUZZY_SIMILARITY similar to a
    # target makes word_similarity(target, title_pinyin) at least as much (pg_trgm's %> uses the
    # threshold set here), so the exact test below runs on a few rows, not every document.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.word_similarity_threshold', %s, false)",
            [str(FUZZY_SIMILARITY)],
        )
    near = RawSQL(  # noqa: S611 (constants; the targets go in as parameters)
        "(" + " OR ".join(["title_pinyin %%> %s"] * len(targets)) + ")",
        targets,
        output_field=BooleanField(),
    )
    queryset = queryset.filter(near)
    best = RawSQL(
        "(SELECT max(similarity(word, target)) FROM unnest(string_to_array(title_pinyin, ' '))"
        " AS word, unnest(%s::text[]) AS target)",
        [targets],
        output_field=FloatField(),
    )
    return queryset.annotate(score=best).filter(score__gte=FUZZY_SIMILARITY)


# ---------------------------------------------------------------------------------------------
# Python (SQLite): the same rules over documents held in memory


_memory = threading.local()


def _documents_in_memory() -> dict[int, tuple]:
    current = (documents.version(), documents.local_writes())
    held = getattr(_memory, "held", None)
    if held is None or held[0] != current:
        rows = SearchDocument.objects.values_list("product_id", *documents.FIELDS, "title_pinyin")
        held = (
            current,
            {
                pk: (tuple(frozenset(text.split()) for text in fields), pinyin)
                for pk, *fields, pinyin in rows
            },
        )
        _memory.held = held
    return held[1]


def _has(lexemes: frozenset, lexeme: analysis.Lexeme) -> bool:
    if not lexeme.prefix:
        return lexeme.text in lexemes
    return any(word.startswith(lexeme.text) for word in lexemes)


def concept_score(concept: analysis.Concept, fields) -> float:
    """The weight of the best field the concept matches (0 when none)."""
    for (_weight, score), lexemes in zip(WEIGHTS, fields, strict=True):
        if any(all(_has(lexemes, lex) for lex in alt) for alt in concept.alternatives):
            return score
    return 0.0


def _python_scores(concepts, *, every: bool, title_only: bool = False) -> dict[int, float]:
    scores = {}
    for pk, (fields, _pinyin) in _documents_in_memory().items():
        if title_only:
            fields = (fields[0], frozenset(), frozenset(), frozenset())
        each = [concept_score(c, fields) for c in concepts]
        if all(each) if every else any(each):
            scores[pk] = round(sum(each), 6)
    return scores


def trigrams(text: str) -> set[str]:
    """pg_trgm's trigrams of a text (words padded with two spaces before, one after)."""
    grams = set()
    for word in "".join(ch if ch.isalnum() else " " for ch in text.lower()).split():
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def similarity(a: str, b: str) -> float:
    """pg_trgm's similarity()."""
    ta, tb = trigrams(a), trigrams(b)
    return len(ta & tb) / len(ta | tb) if ta and tb else 0.0


def _python_fuzzy(text: str) -> dict[int, float]:
    targets = analysis.sound_words(text)[:4]
    scores = {}
    for pk, (_fields, pinyin) in _documents_in_memory().items():
        value = max(
            (similarity(word, target) for word in pinyin.split() for target in targets),
            default=0.0,
        )
        if value >= FUZZY_SIMILARITY:
            scores[pk] = round(value, 6)
    return scores


def _annotate_scores(queryset, scores: dict[int, float]):
    if not scores:
        return queryset.none().annotate(score=Value(0.0, output_field=FloatField()))
    return queryset.filter(product_id__in=list(scores)).annotate(
        score=Case(
            *(When(product_id=pk, then=Value(s)) for pk, s in scores.items()),
            default=Value(0.0),
            output_field=FloatField(),
        )
    )


# ---------------------------------------------------------------------------------------------


def postgres() -> bool:
    return connection.vendor == "postgresql"


def match(
    concepts, *, every: bool = True, title_only: bool = False, scored: bool = True, queryset=None
):
    """Documents matching the concepts (all of them, or any with ``every=False``; in their
    titles only with ``title_only``), annotated with ``score`` (relevance; 0 with
    ``scored=False``, which spares PostgreSQL the ranking). No concepts: every document, score 0."""
    queryset = SearchDocument.objects.all() if queryset is None else queryset
    if not concepts:
        return queryset.annotate(score=Value(0.0, output_field=FloatField()))
    if postgres():
        return _postgres_match(
            queryset, concepts, every=every, title_only=title_only, scored=scored
        )
    return _annotate_scores(queryset, _python_scores(concepts, every=every, title_only=title_only))


def fuzzy(text: str, queryset=None):
    """Documents with a title word that sounds like a word of the text (pg_trgm similarity of
    their pinyin, at least ``FUZZY_SIMILARITY``), ``score`` the best similarity."""
    queryset = SearchDocument.objects.all() if queryset is None else queryset
    if postgres():
        return _postgres_fuzzy(queryset, text)
    return _annotate_scores(queryset, _python_fuzzy(text))


def ordered(queryset, sort: str):
    return queryset.order_by(*ORDERINGS.get(sort, ORDERINGS["default"]))


FACETS_SQL = """
WITH m AS MATERIALIZED ({matched})
SELECT 'place', m.league, c.id, c.slug, c.name, count(*)
  FROM m LEFT JOIN {county} c ON c.id = m.county_id GROUP BY m.league, c.id, c.slug, c.name
UNION ALL
SELECT 'cooperative', NULL, o.id, o.slug, o.name, count(*)
  FROM m JOIN {cooperative} o ON o.id = m.cooperative_id GROUP BY o.id, o.slug, o.name
UNION ALL
SELECT 'category', NULL, g.id, NULL, g.name, count(DISTINCT pc.product_id)
  FROM m JOIN {product_category} pc ON pc.product_id = m.product_id
  JOIN {category} g ON g.id = pc.category_id GROUP BY g.id, g.name
UNION ALL
SELECT 'total', NULL, NULL, NULL, NULL, count(*) FROM m
UNION ALL
SELECT 'certified', NULL, NULL, NULL, NULL, count(*) FROM m WHERE m.certified_until >= %s
{prices}
"""


def facets(queryset) -> dict:
    """The number of matching documents (``total``) and their counts by league, county,
    cooperative, category, certification and price range. On PostgreSQL one statement whatever
    the number of results (the match evaluated once, in a MATERIALIZED CTE); on SQLite five
    queries through the ORM."""
    if not postgres():
        return {**_facets_orm(queryset), "total": queryset.count()}
    try:
        matched, params = (
            queryset.order_by()
            .values_list(
                "product_id", "league", "county_id", "cooperative_id", "price", "certified_until"
            )
            .query.sql_with_params()
        )
    except EmptyResultSet:  # nothing can match (a query of punctuation only: .none())
        nothing = {"certified": 0, **{"price_" + key: 0 for key, *_ in PRICE_RANGES}}
        return {**_facets_dict([], [], [], nothing), "total": 0}
    prices, price_params = [], []
    for key, _label, low, high in PRICE_RANGES:
        conditions, bounds = [], []
        if low is not None:
            conditions.append("m.price >= %s")
            bounds.append(low)
        if high is not None:
            conditions.append("m.price < %s")
            bounds.append(high)
        prices.append(  # constants; the key and the bounds go in as parameters
            "UNION ALL SELECT 'price', %s, NULL, NULL, NULL, count(*) FROM m WHERE "  # noqa: S608
            + " AND ".join(conditions)
        )
        price_params += [key, *bounds]
    tables = {
        "county": SearchDocument._meta.get_field("county").related_model._meta.db_table,
        "cooperative": SearchDocument._meta.get_field("cooperative").related_model._meta.db_table,
        "product_category": ProductCategory._meta.db_table,
        "category": ProductCategory._meta.get_field("category").related_model._meta.db_table,
    }
    sql = FACETS_SQL.format(matched=matched, prices="\n".join(prices), **tables)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, timezone.localdate(), *price_params])
        rows = cursor.fetchall()
    by_place, cooperatives, categories, totals = [], [], [], {}
    for facet, value, pk, slug, name, n in rows:
        if facet == "place":
            by_place.append({"league": value, "county_id": pk, "slug": slug, "name": name, "n": n})
        elif facet == "cooperative":
            cooperatives.append({"slug": slug, "name": name, "n": n})
        elif facet == "category":
            categories.append({"category_id": pk, "name": name, "n": n})
        else:
            totals["price_" + value if facet == "price" else facet] = n
    by_place.sort(key=lambda r: (r["league"] or "", -r["n"], r["name"] or ""))
    cooperatives.sort(key=lambda r: (-r["n"], r["name"]))
    categories.sort(key=lambda r: (-r["n"], r["name"]))
    return {**_facets_dict(by_place, cooperatives, categories, totals), "total": totals["total"]}


def _facets_orm(queryset) -> dict:
    """``facets`` through the ORM (SQLite)."""
    base = queryset.order_by()
    ids = base.values("product_id")
    by_place = list(
        base.values("league", "county_id", slug=F("county__slug"), name=F("county__name"))
        .annotate(n=Count("product_id"))
        .order_by("league", "-n", "name")
    )
    cooperatives = list(
        base.exclude(cooperative_id=None)
        .values(slug=F("cooperative__slug"), name=F("cooperative__name"))
        .annotate(n=Count("product_id"))
        .order_by("-n", "name")
    )
    categories = list(
        ProductCategory.objects.filter(product_id__in=ids)
        .values("category_id", name=F("category__name"))
        .annotate(n=Count("product_id", distinct=True))
        .order_by("-n", "name")
    )
    today = timezone.localdate()
    aggregates = {"certified": Count("product_id", filter=Q(certified_until__gte=today))}
    for key, _label, low, high in PRICE_RANGES:
        condition = Q()
        if low is not None:
            condition &= Q(price__gte=low)
        if high is not None:
            condition &= Q(price__lt=high)
        aggregates["price_" + key] = Count("product_id", filter=condition)
    totals = base.aggregate(**aggregates)
    return _facets_dict(by_place, cooperatives, categories, totals)


def _facets_dict(by_place, cooperatives, categories, totals) -> dict:
    leagues: dict[str, int] = {}
    for row in by_place:
        if row["league"]:
            leagues[row["league"]] = leagues.get(row["league"], 0) + row["n"]
    return {
        "leagues": [{"value": k, "name": k, "n": n} for k, n in leagues.items()],
        "counties": [
            {"value": r["slug"], "name": r["name"], "n": r["n"]} for r in by_place if r["county_id"]
        ],
        "cooperatives": [
            {"value": r["slug"], "name": r["name"], "n": r["n"]} for r in cooperatives
        ],
        "categories": [
            {"value": r["category_id"], "name": r["name"], "n": r["n"]} for r in categories
        ],
        "certified": totals.get("certified", 0),
        "prices": [
            {"value": key, "name": label, "n": totals.get("price_" + key, 0)}
            for key, label, *_ in PRICE_RANGES
            if totals.get("price_" + key)
        ],
    }
