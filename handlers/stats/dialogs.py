"""The custom period of /stats, a form: the first day in a calendar, then the last one (or the
whole period typed at either step: «01.09.2026-30.11.2026», «сентябрь 2026», «2025»). The form
takes the place of the view it was opened from; when it is done, that message shows the view of
the chosen period, and Cancel gives back the view it came from."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Message
from aiogram_dialog import Dialog, DialogManager, ShowMode, Window
from aiogram_dialog.api.entities import ChatEvent
from aiogram_dialog.widgets.input import ManagedTextInput, MessageInput, TextInput
from aiogram_dialog.widgets.kbd import (
    Button,
    ManagedCalendar,
    Row,
)
from aiogram_dialog.widgets.text import Const, Format, Text

from bot import forms, ui
from bot.calendar import RussianCalendar
from bot.settings import Settings
from catalog.stats import MAX_PERIOD_DAYS, Period, PeriodKind, parse_period, period_of
from handlers.stats import texts
from handlers.stats.keyboards import day_int
from handlers.stats.states import StatsPeriod
from handlers.stats.views import period_of_fields, stats_view, today
from storage.db import Database
from storage.users import Role, UserRecord

log = logging.getLogger(__name__)

# The earliest first day a calendar offers (parse_period takes years from 2000 too).
EARLIEST = date(2000, 1, 1)


# -- a calendar in Russian, its bounds and today from the window's getter -----------------------


class DayText(Text):
    """A day's button: today in brackets, the chosen first day marked."""

    async def _render_text(self, data: dict[str, Any], manager: DialogManager) -> str:
        day: date = data["date"]
        window: dict[str, Any] = data["data"]
        if day.isoformat() == window.get("cal_today"):
            return f"[{day.day}]"
        if day.isoformat() == window.get("cal_marked"):
            return f"▶{day.day}"
        return str(day.day)


# -- what a step accepts ------------------------------------------------------------------------


def period_text(text: str) -> str:
    """A typed period, as text: never a command, a deep link or a menu label (they leave the
    form before they reach it; this is the second guard)."""
    value = " ".join(text.split())
    if not value or value.startswith("/") or value in ui.MENU_BUTTONS or len(value) > 100:
        raise ValueError(texts.BAD_PERIOD)
    return value


def _now(manager: DialogManager) -> date:
    data = manager.middleware_data
    db: Database = data["db"]
    settings: Settings = data["settings"]
    return today(db, settings)


def _start(manager: DialogManager) -> date | None:
    raw = manager.dialog_data.get("start")
    return date.fromisoformat(raw) if isinstance(raw, str) else None


def _last_day(start: date, now: date) -> date:
    return min(now, start + timedelta(days=MAX_PERIOD_DAYS - 1))


async def _finish(manager: DialogManager, period: Period) -> None:
    manager.dialog_data.pop("error", None)
    await manager.done(
        result={"k": period.kind.value, "s": day_int(period.start), "e": day_int(period.end)}
    )


async def period_typed(
    message: Message, widget: ManagedTextInput[str], manager: DialogManager, value: str
) -> None:
    await forms.typed(message, manager)
    period = parse_period(value, _now(manager))
    if period is None:
        manager.dialog_data["error"] = _hint(manager)
        return
    await _finish(manager, period)


async def period_invalid(
    message: Message, widget: ManagedTextInput[str], manager: DialogManager, error: ValueError
) -> None:
    await forms.typed(message, manager)
    manager.dialog_data["error"] = _hint(manager)


async def not_text(message: Message, widget: MessageInput, manager: DialogManager) -> None:
    await forms.typed(message, manager)
    manager.dialog_data["error"] = texts.NOT_TEXT


def _hint(manager: DialogManager) -> str:
    return texts.BAD_PERIOD.format(**texts.examples(_now(manager)))


async def start_picked(
    event: ChatEvent, widget: ManagedCalendar, manager: DialogManager, day: date
) -> None:
    now = _now(manager)
    if not EARLIEST <= day <= now:
        manager.dialog_data["error"] = texts.DAY_OUT_OF_RANGE
        return
    manager.dialog_data.pop("error", None)
    manager.dialog_data["start"] = day.isoformat()
    await manager.switch_to(StatsPeriod.waiting_for_end)


async def end_picked(
    event: ChatEvent, widget: ManagedCalendar, manager: DialogManager, day: date
) -> None:
    start = _start(manager)
    if start is None:
        await manager.switch_to(StatsPeriod.waiting_for_start)
        return
    if not start <= day <= _last_day(start, _now(manager)):
        manager.dialog_data["error"] = texts.DAY_OUT_OF_RANGE
        return
    await _finish(manager, Period(PeriodKind.CUSTOM, start, day))


async def one_day(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    start = _start(manager)
    if start is None:
        await manager.switch_to(StatsPeriod.waiting_for_start)
        return
    await _finish(manager, Period(PeriodKind.CUSTOM, start, start))


async def till_today(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    start = _start(manager)
    if start is None:
        await manager.switch_to(StatsPeriod.waiting_for_start)
        return
    await _finish(manager, Period(PeriodKind.CUSTOM, start, _last_day(start, _now(manager))))


async def closed(result: Any, manager: DialogManager) -> None:
    """Done or cancelled: the form's message becomes the view of the chosen period, or of the
    one it was opened from."""
    data = manager.middleware_data
    db: Database = data["db"]
    settings: Settings = data["settings"]
    user: UserRecord = data["user"]
    now = today(db, settings)
    origin = manager.start_data if isinstance(manager.start_data, dict) else {}
    chosen = result if isinstance(result, dict) else origin
    period = period_of_fields(
        str(chosen.get("k", "")), int(chosen.get("s", 0)), int(chosen.get("e", 0)), now
    ) or period_of(PeriodKind.MONTH, now)
    text, kb = await stats_view(db, settings, user, period, str(origin.get("v", "d")))
    # This message replaces the form's: the library must not touch it after us.
    manager.show_mode = ShowMode.NO_UPDATE
    event = manager.event
    chat_id = data["event_chat"].id
    message_id = manager.current_stack().last_message_id
    if isinstance(event, CallbackQuery) and isinstance(event.message, Message):
        message_id = event.message.message_id
    bot = data["bot"]
    if message_id is not None:
        try:
            await bot.edit_message_text(
                text, chat_id=chat_id, message_id=message_id, reply_markup=kb
            )
            return
        except TelegramBadRequest as e:
            if "not modified" in e.message:
                return
            # Gone or too old to edit (after a restart, say): the view comes as a new message.
            log.info("the form's message could not become the view: %s", e.message)
    await bot.send_message(chat_id, text, reply_markup=kb)


# -- getters ----------------------------------------------------------------------------------


def _error(manager: DialogManager) -> str:
    """The hint for the answer just refused: shown once, gone at the next step or page."""
    return str(manager.dialog_data.pop("error", None) or "")


async def start_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    now = _now(dialog_manager)
    chosen = _start(dialog_manager)
    return {
        "ask": texts.ASK_PERIOD.format(**texts.examples(now)),
        "error": _error(dialog_manager),
        "cal_min": EARLIEST.isoformat(),
        "cal_max": now.isoformat(),
        "cal_open": (chosen or now).isoformat(),
        "cal_today": now.isoformat(),
        "cal_marked": chosen.isoformat() if chosen else "",
    }


async def end_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    now = _now(dialog_manager)
    start = _start(dialog_manager) or now
    return {
        "ask": texts.ASK_END.format(start=f"{start:%d.%m.%Y}"),
        "error": _error(dialog_manager),
        "cal_min": start.isoformat(),
        "cal_max": _last_day(start, now).isoformat(),
        "cal_open": start.isoformat(),
        "cal_today": now.isoformat(),
        "cal_marked": start.isoformat(),
    }


def _inputs() -> list[Any]:
    return [
        TextInput(
            id="typed", type_factory=period_text, on_success=period_typed, on_error=period_invalid
        ),
        MessageInput(not_text),
    ]


def create_dialogs() -> list[Dialog]:
    """A new set of this feature's dialogs (a Dialog can be in one dispatcher only)."""
    return [
        forms.form(
            Window(
                Const(texts.PERIOD_HEAD),
                Format("⚠️ {error}", when="error"),
                Format("{ask}"),
                RussianCalendar("from", DayText(), on_click=start_picked),
                forms.cancel_button(),
                *_inputs(),
                state=StatsPeriod.waiting_for_start,
                getter=start_getter,
            ),
            Window(
                Const(texts.PERIOD_HEAD),
                Format("⚠️ {error}", when="error"),
                Format("{ask}"),
                RussianCalendar("to", DayText(), on_click=end_picked),
                Row(
                    Button(Const(texts.BTN_ONE_DAY), id="one", on_click=one_day),
                    Button(Const(texts.BTN_TILL_TODAY), id="now", on_click=till_today),
                ),
                forms.nav(),
                *_inputs(),
                state=StatsPeriod.waiting_for_end,
                getter=end_getter,
            ),
            role=Role.METHODOLOGIST,
            on_close=closed,
        )
    ]
