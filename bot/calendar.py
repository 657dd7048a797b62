"""aiogram_dialog's Calendar in Russian and on the bot's clock, for every form that asks for a
date. The library's defaults use ``strftime`` (English or the machine's locale), so every text
is ours; Monday comes first.

The window's getter gives ``cal_min`` and ``cal_max`` (ISO dates: the days that may be picked)
and ``cal_open`` (the day whose month the calendar opens at: the library would open at today
by the machine's clock). A feature gives only how a day is drawn (``day_text``: today, marked
days, days that cannot be picked).
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
)
from aiogram_dialog.widgets.text import Text

MONTHS = (
    "Январь", "Февраль", "Март", "Апрель", "Май", "Июнь",
    "Июль", "Август", "Сентябрь", "Октябрь", "Ноябрь", "Декабрь",
)  # fmt: skip
WEEKDAYS = ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс")


class MonthText(Text):
    def __init__(self, pattern: str = "{month}") -> None:
        super().__init__()
        self.pattern = pattern

    async def _render_text(self, data: dict[str, Any], manager: DialogManager) -> str:
        day: date = data["date"]
        return self.pattern.format(month=MONTHS[day.month - 1], year=day.year)


class WeekdayText(Text):
    async def _render_text(self, data: dict[str, Any], manager: DialogManager) -> str:
        day: date = data["date"]
        return WEEKDAYS[day.weekday()]


class RussianCalendar(Calendar):
    """The days between the getter's ``cal_min`` and ``cal_max``, opened at ``cal_open``."""

    prev_month = "« {month}"
    next_month = "{month} »"
    this_month = "[{month}]"

    def __init__(self, id: str, day_text: Text, **options: Any) -> None:
        # The views are built by the library's constructor: the day's text must be there first.
        self.day_text = day_text
        super().__init__(id, **options)

    def _init_views(self) -> dict[CalendarScope, CalendarScopeView]:
        return {
            CalendarScope.DAYS: CalendarDaysView(
                self._item_callback_data,
                date_text=self.day_text,
                today_text=self.day_text,
                weekday_text=WeekdayText(),
                header_text=MonthText("🗓 {month} {year}"),
                next_month_text=MonthText(self.next_month),
                prev_month_text=MonthText(self.prev_month),
            ),
            CalendarScope.MONTHS: CalendarMonthView(
                self._item_callback_data,
                month_text=MonthText(),
                this_month_text=MonthText(self.this_month),
            ),
            CalendarScope.YEARS: CalendarYearsView(self._item_callback_data),
        }

    async def _get_user_config(
        self, data: dict[str, Any], manager: DialogManager
    ) -> CalendarUserConfig:
        return CalendarUserConfig(
            firstweekday=0,
            min_date=date.fromisoformat(data["cal_min"]),
            max_date=date.fromisoformat(data["cal_max"]),
        )

    async def _render_keyboard(self, data: dict[str, Any], manager: DialogManager) -> Any:
        if self.get_offset(manager) is None:
            self.set_offset(date.fromisoformat(data["cal_open"]), manager)
        rows = await super()._render_keyboard(data, manager)
        # Weeks wholly outside the bounds are rows of blank buttons: they only take room.
        return [row for row in rows if any(b.text.strip() for b in row)]

    async def _handle_click_date(self, data: str, manager: DialogManager) -> None:
        # A forged day (not a number) is a press that changes nothing.
        if data.isdigit():
            await super()._handle_click_date(data, manager)
