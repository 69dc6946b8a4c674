"""The search log: every first page of a search shoppers made, Oscar's ``user_search`` signal
(its analytics keeps signed-in users' searches), 热门搜索, and the staff's weekly report."""

from __future__ import annotations

from datetime import timedelta

from django.core.cache import cache
from django.db.models import Count, Max, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone
from oscar.apps.search.signals import user_search
from oscar.core.loading import get_model

from . import analysis, documents

SearchLog = get_model("catalogue", "SearchLog")

POPULAR_KEY = "catalog:search:popular"
# Until shoppers have searched enough, 热门搜索 shows what the cooperatives are known for.
STARTER_QUERIES = ["胡萝卜", "烟薯", "雪菊茶", "燕麦", "奶豆腐", "羊肉", "小米", "胡麻油"]


def record(request, query: str, results: int, *, sender) -> None:
    """Log a search (normalised, at most 100 characters) and send Oscar's ``user_search``."""
    key = analysis.query_key(query)
    if not key:
        return
    user = request.user if request.user.is_authenticated else None
    SearchLog.objects.create(query=key, results=results, user=user)
    user_search.send(sender=sender, session=request.session, user=request.user, query=key)


def popular_queries(*, limit: int = 8, days: int = 30) -> list[str]:
    """热门搜索: the queries most searched in the last ``days`` that found something (cached
    for ten minutes), topped up with the starter list."""
    queries = cache.get(POPULAR_KEY)
    if queries is None:
        since = timezone.now() - timedelta(days=days)
        queries = list(
            SearchLog.objects.filter(date_created__gte=since, results__gt=0)
            .values("query")
            .annotate(n=Count("pk"))
            .order_by("-n", "query")
            .values_list("query", flat=True)[: limit * 3]
        )
        # what shoppers typed, shown to everyone: words only (no punctuation or operators), and
        # no typo the search had to read as another word (胡箩卜)
        documents.ensure_dictionary()  # the words a typo is read against
        queries = [q for q in queries if _well_typed(q)][:limit]
        cache.set(POPULAR_KEY, queries, 600)
    topped = list(dict.fromkeys([*queries, *STARTER_QUERIES]))
    return topped[:limit]


def _well_typed(query: str) -> bool:
    concepts = analysis.parse_query(query)
    return bool(concepts) and not any(c.corrected for c in concepts)


def weekly_report(*, weeks: int = 8, limit: int = 20) -> list[dict]:
    """For each of the last ``weeks`` weeks (newest first): searches, the top queries and the
    queries that found nothing, each with how often and when last."""
    since = timezone.now() - timedelta(weeks=weeks)
    rows = (
        SearchLog.objects.filter(date_created__gte=since)
        .annotate(week=TruncWeek("date_created"))
        .values("week", "query")
        .annotate(
            n=Count("pk"),
            empty=Count("pk", filter=Q(results=0)),
            last=Max("date_created"),
        )
        .order_by("-week", "-n", "query")
    )
    weeks_seen: dict = {}
    for row in rows:
        week = weeks_seen.setdefault(
            row["week"], {"week": row["week"], "searches": 0, "top": [], "empty": []}
        )
        week["searches"] += row["n"]
        entry = {"query": row["query"], "n": row["n"], "last": row["last"]}
        if len(week["top"]) < limit:
            week["top"].append(entry)
        if row["empty"] and len(week["empty"]) < limit:
            week["empty"].append({**entry, "n": row["empty"]})
    return list(weeks_seen.values())
