"""The bot's Russian calendar (bot.calendar) with marked days: the start a tutor picked, or
the days a tutor asked for when a methodologist schedules the session. Days outside the window
are blank and do nothing when pressed. "Today" comes from the bot's one clock (``db.now()``),
not the machine's.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from aiogram_dialog.api.protocols import DialogManager
from aiogram_dialog.widgets.kbd.calendar_kbd import ManagedCalendar
from aiogram_dialog.widgets.text import Text

from bot.calendar import RussianCalendar
from bot.settings import Settings
from storage.db import Database

# The window getter puts the marked days (ISO dates) and the allowed range under these keys.
MARKED = "calendar_marked"
FIRST, LAST, OPEN = "cal_min", "cal_max", "cal_open"


def local_today(manager: DialogManager) -> date:
    db: Database = manager.middleware_data["db"]
    settings: Settings = manager.middleware_data["settings"]
    return db.now().astimezone(settings.tz).date()


class _Day(Text):
    async def _render_text(self, data: dict[str, Any], manager: DialogManager) -> str:
        day: date = data["date"]
        window = data.get("data") or {}
        if day.isoformat() in window.get(MARKED, ()):
            return f"•{day.day}•"
        return str(day.day)


class RuCalendar(RussianCalendar):
    """The window's getter gives ``FIRST``, ``LAST``, ``OPEN`` (ISO dates) and ``MARKED`` days."""

    prev_month = "◀️ {month}"
    next_month = "{month} ▶️"
    this_month = "{month}"

    def __init__(self, id: str, **options: Any) -> None:
        super().__init__(id, _Day(), **options)


def show_month(calendar_id: str, day: date, manager: DialogManager) -> None:
    """Open the calendar on the month of ``day`` (the tutor's dates, a date typed)."""
    widget = manager.find(calendar_id)
    if isinstance(widget, ManagedCalendar):
        widget.set_offset(day.replace(day=1))
