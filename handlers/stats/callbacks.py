"""The buttons of /stats views, charts and digests.

A material card (drawn by search) carries a chart button too, so the callback data is defined
once in ``bot.ui``; the prefix and the field order are those of the buttons already sent (in
/stats messages, digests and material cards): they keep working after the move.
"""

from __future__ import annotations

from bot.ui import StatsAction, StatsCallback

__all__ = ["StatsAction", "StatsCallback"]
