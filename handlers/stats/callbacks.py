"""The buttons of /stats views, charts and digests.

The prefix and the field order are those of the buttons already sent (in /stats messages,
digests and material cards): they keep working after the move.
"""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class StatsAction(StrEnum):
    VIEW = "v"
    CUSTOM = "c"
    CHARTS = "g"  # pick what to chart
    CHART = "p"
    EXPORT = "x"
    DIGEST = "d"


class StatsCallback(CallbackData, prefix="st"):
    """A /stats view. The period travels as dates (YYYYMMDD), so a button pressed weeks later
    still shows the period it was made for; the handler checks them, never trusts them."""

    a: StatsAction
    k: str = "m"  # catalog.stats.PeriodKind
    s: int = 0
    e: int = 0
    v: str = "d"  # the section: d, s, n, t
    t: str = ""  # chart scope: "" the catalog, a topic code, or "#<material id>"
    m: str = "3"  # catalog.stats.Method
