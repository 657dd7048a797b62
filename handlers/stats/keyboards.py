"""The keyboards under /stats views, the chart picker, a chart and the Monday digest."""

from __future__ import annotations

from datetime import date
from typing import Any

from aiogram.types import InlineKeyboardMarkup

from bot.ui import BTN_BACK, Buttons, shorten
from catalog.stats import Period
from handlers.stats import texts
from handlers.stats.callbacks import StatsAction, StatsCallback


def day_int(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def here(period: Period) -> dict[str, Any]:
    """The callback fields that name ``period``."""
    return {"k": period.kind.value, "s": day_int(period.start), "e": day_int(period.end)}


def stats_kb(
    period: Period, section: str, *, can_go_later: bool, admin: bool, digest_on: bool
) -> InlineKeyboardMarkup:
    at = here(period)
    kb = Buttons()
    rows: list[int] = []
    for kind, title in texts.PERIOD_TITLES.items():
        marked = f"• {title}" if kind == period.kind.value else title
        # s=e=0 asks for the current period of that kind.
        kb.button(text=marked, callback_data=StatsCallback(a=StatsAction.VIEW, k=kind, v=section))
    rows.append(len(texts.PERIOD_TITLES))
    steps = [(texts.BTN_EARLIER, -1)] + ([(texts.BTN_LATER, 1)] if can_go_later else [])
    for caption, step in steps:
        kb.button(
            text=caption,
            callback_data=StatsCallback(
                a=StatsAction.VIEW, v=section, **here(period.shifted(step))
            ),
        )
    kb.button(
        text=texts.BTN_CUSTOM, callback_data=StatsCallback(a=StatsAction.CUSTOM, v=section, **at)
    )
    rows.append(3 if can_go_later else 2)
    for code, title in texts.BTN_SECTIONS.items():
        marked = f"• {title}" if code == section else title
        kb.button(text=marked, callback_data=StatsCallback(a=StatsAction.VIEW, v=code, **at))
    rows += [2, 2]
    kb.button(
        text=texts.BTN_CHART, callback_data=StatsCallback(a=StatsAction.CHARTS, v=section, **at)
    )
    if admin:
        kb.button(
            text=texts.BTN_EXPORT,
            callback_data=StatsCallback(a=StatsAction.EXPORT, v=section, **at),
        )
        rows.append(2)
        kb.button(
            text=texts.BTN_DIGEST_ON if digest_on else texts.BTN_DIGEST_OFF,
            callback_data=StatsCallback(a=StatsAction.DIGEST, v="off" if digest_on else "on", **at),
        )
    rows.append(1)
    kb.adjust(*rows)
    return kb.as_markup()


def charts_kb(period: Period, section: str, topics: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    at = here(period)
    kb = Buttons()
    kb.button(text=texts.BTN_CHART_ALL, callback_data=StatsCallback(a=StatsAction.CHART, **at))
    for code, title in topics:
        kb.button(
            text=shorten(title, 40),
            callback_data=StatsCallback(a=StatsAction.CHART, t=code, **at),
        )
    kb.button(text=BTN_BACK, callback_data=StatsCallback(a=StatsAction.VIEW, v=section, **at))
    kb.adjust(1, *([2] * (len(topics) // 2)), *([1] * (len(topics) % 2)), 1)
    return kb.as_markup()


def chart_methods_kb(period: Period, scope: str, method: str) -> InlineKeyboardMarkup:
    at = here(period)
    kb = Buttons()
    for code, title in texts.BTN_CHART_METHODS.items():
        if code != method:
            kb.button(
                text=title,
                callback_data=StatsCallback(a=StatsAction.CHART, t=scope, m=code, **at),
            )
    kb.adjust(2)
    return kb.as_markup()


def digest_kb() -> InlineKeyboardMarkup:
    kb = Buttons()
    kb.button(
        text=texts.BTN_DIGEST_STOP, callback_data=StatsCallback(a=StatsAction.DIGEST, v="off")
    )
    return kb.as_markup()
