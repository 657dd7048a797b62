"""aiogram_dialog's Calendar in Russian, with marked days: the start a tutor picked, or the
days a tutor asked for when a methodologist schedules the session.

The library's defaults use ``strftime`` (English or the machine's locale), so every text is
ours. Days outside the window are blank and do nothing when pressed. "Today" comes from the
bot's one clock (``db.now()``), not the machine's.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from aiogram_dialog.api.protocols import DialogManager
from aiogram_dialog.widgets.kbd import Calendar, CalendarScope, CalendarUserConfig
from aiogram_dialog.widgets.kbd.calendar_kbd import (
    CalendarDaysView,
    CalendarMonthView,
    CalendarScopeView,
    CalendarYearsView,
    ManagedCalendar,
)
from aiogram_dialog.widgets.text import Text

from bot.settings import Settings
from storage.db import Database

MONTHS = (
    "Январь", "Февраль", "Март", "Апрель", "Май", "Июнь",
    "Июль", "Август", "Сентябрь", "Октябрь", "Ноябрь", "Декабрь",
)  # fmt: skip
WEEKDAYS = ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс")
# The window getter puts the marked days (ISO dates) and the allowed range under these keys.
MARKED = "calendar_marked"
FIRST = "calendar_first"
LAST = "calendar_last"


def local_today(manager: DialogManager) -> date:
    db: Database = manager.middleware_data["db"]
    settings: Settings = manager.middleware_data["settings"]
    return db.now().astimezone(settings.tz).date()


class _Month(Text):
    def __init__(self, fmt: str = "{month}") -> None:
        super().__init__()
        self.fmt = fmt

    async def _render_text(self, data: dict[str, Any], manager: DialogManager) -> str:
        day: date = data["date"]
        return self.fmt.format(month=MONTHS[day.month - 1], year=day.year)


class _Weekday(Text):
    async def _render_text(self, data: dict[str, Any], manager: DialogManager) -> str:
        day: date = data["date"]
        return WEEKDAYS[day.weekday()]


class _Day(Text):
    async def _render_text(self, data: dict[str, Any], manager: DialogManager) -> str:
        day: date = data["date"]
        window = data.get("data") or {}
        if day.isoformat() in window.get(MARKED, ()):
            return f"•{day.day}•"
        return str(day.day)


class RuCalendar(Calendar):
    """The window's getter gives ``FIRST`` and ``LAST`` (ISO dates) and ``MARKED`` days."""

    def _init_views(self) -> dict[CalendarScope, CalendarScopeView]:
        return {
            CalendarScope.DAYS: CalendarDaysView(
                self._item_callback_data,
                date_text=_Day(),
                today_text=_Day(),
                weekday_text=_Weekday(),
                header_text=_Month("🗓 {month} {year}"),
                next_month_text=_Month("{month} ▶️"),
                prev_month_text=_Month("◀️ {month}"),
            ),
            CalendarScope.MONTHS: CalendarMonthView(
                self._item_callback_data, month_text=_Month(), this_month_text=_Month()
            ),
            CalendarScope.YEARS: CalendarYearsView(self._item_callback_data),
        }

    async def _get_user_config(
        self, data: dict[str, Any], manager: DialogManager
    ) -> CalendarUserConfig:
        settings: Settings = manager.middleware_data["settings"]
        first, last = data.get(FIRST), data.get(LAST)
        return CalendarUserConfig(
            firstweekday=0,
            timezone=settings.tz,  # type: ignore[arg-type]
            min_date=date.fromisoformat(first) if first else None,
            max_date=date.fromisoformat(last) if last else None,
        )

    async def _render_keyboard(self, data: dict[str, Any], manager: DialogManager) -> Any:
        if self.get_offset(manager) is None:
            first = data.get(FIRST)
            start = date.fromisoformat(first) if first else local_today(manager)
            self.set_offset(max(start, local_today(manager)), manager)
        return await super()._render_keyboard(data, manager)

    async def _handle_click_date(self, data: str, manager: DialogManager) -> None:
        # A forged day (not a number) is a press that changes nothing.
        if data.isdigit():
            await super()._handle_click_date(data, manager)


def show_month(calendar_id: str, day: date, manager: DialogManager) -> None:
    """Open the calendar on the month of ``day`` (the tutor's dates, a date typed)."""
    widget = manager.find(calendar_id)
    if isinstance(widget, ManagedCalendar):
        widget.set_offset(day.replace(day=1))
