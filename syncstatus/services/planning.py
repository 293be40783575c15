"""Planning the list queries: which due-date ranges to ask InFakt for so that the list pages are fewest."""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import date

PAGE = 100  # records per list page


def pages(records: int) -> int:
    """List pages needed for `records` (at least one: an empty answer is a request too)."""
    return max(1, math.ceil(records / PAGE))


def plan_ranges(needed: Iterable[date], estimate: dict[date, int]) -> list[tuple[date, date]]:
    """Cover every needed due date with date ranges so that the list pages are fewest.

    `estimate` maps a due date to the number of unpaid invoices expected there;
    a range costs max(1, ceil(invoices in it / 100)) requests, the dates between
    its needed ones included. Dynamic programming over the sorted needed dates
    finds the cheapest cover; among equally cheap covers, the one reading the
    fewest records.
    """
    days = sorted(set(needed))
    if not days:
        return []
    known = sorted(estimate)
    prefix = [0]
    for day in known:
        prefix.append(prefix[-1] + estimate[day])

    def count(start: date, end: date) -> int:
        return prefix[bisect_right(known, end)] - prefix[bisect_left(known, start)]

    # best[i]: (requests, records) to cover days[:i]; cut[i]: where its last range starts.
    best: list[tuple[int, int]] = [(0, 0)]
    cut: list[int] = [0]
    for i in range(1, len(days) + 1):
        options = []
        for j in range(i):
            records = count(days[j], days[i - 1])
            options.append(((best[j][0] + pages(records), best[j][1] + records), j))
        cost, j = min(options)
        best.append(cost)
        cut.append(j)
    ranges = []
    i = len(days)
    while i:
        j = cut[i]
        ranges.append((days[j], days[i - 1]))
        i = j
    return ranges[::-1]
