"""Celery tasks of the catalogue: thin wrappers over ``catalog.search.documents``, and the
after-commit scheduling of document rebuilds (``catalog.receivers`` calls it)."""

import threading

from celery import shared_task
from django.db import transaction

from catalog.search import documents


@shared_task(acks_late=True)
def rebuild_search_documents(product_ids=None):
    """Rebuild these products' search documents (all when None)."""
    return documents.rebuild(product_ids)


_pending = threading.local()


def rebuild_after_commit(product_ids=None) -> None:
    """Rebuild these products' documents (all when None) after the current transaction
    commits, in one Celery task however many saves asked for it."""
    state = getattr(_pending, "state", None)
    if state is None:
        state = _pending.state = {"all": False, "ids": set()}
    if product_ids is None:
        state["all"] = True
    else:
        state["ids"].update(int(pk) for pk in product_ids if pk)
    # registered each time (the first callback to run sends everything, the others find nothing),
    # so a rolled-back transaction's wishes go out with the next commit instead of being lost
    transaction.on_commit(_dispatch)


def _dispatch():
    state = getattr(_pending, "state", None)
    _pending.state = None
    if not state or not (state["all"] or state["ids"]):
        return
    rebuild_search_documents.delay(None if state["all"] else sorted(state["ids"]))
