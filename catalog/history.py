"""The visitor's browsing history (Oscar's ``oscar_history`` cookie: product ids, oldest first).

Oscar's "recently viewed" tag and its history update read the cookie as it comes and fail (a
500) on ids that are not product ids (``["x"]``, ``[1e400]``, a number past the database's
integer); here such entries are left out.
"""

import functools
import json

from oscar.core.loading import get_class


@functools.cache
def manager():
    return get_class("customer.history", "CustomerHistoryManager")


def history_ids(request) -> list[int]:
    """The product ids in the visitor's history cookie (none if there is no cookie)."""
    return [pk for pk in manager().extract(request) if type(pk) is int and 0 < pk < 2**31]


def clean_history_cookie(request) -> None:
    """Leave only product ids in this request's history cookie, for Oscar's code to read."""
    name = manager().cookie_name
    if name in request.COOKIES:
        request.COOKIES[name] = json.dumps(history_ids(request))
