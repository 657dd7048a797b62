"""The VKS card, a form: the next dates (or any date from a calendar), then the date's card,
from which each thing is set in a step of its own (topic, link, speaker, directions), a date
is cancelled after a confirmation or restored, the first reminder is previewed, and the
recording is attached after the VKS. Every step edits the one message and has Back and Cancel;
a typed step takes only what it asks for (never a command or a menu label)."""

from __future__ import annotations

import logging
from datetime import date
from operator import itemgetter
from typing import Any

from aiogram.types import CallbackQuery, ContentType, Message
from aiogram_dialog import Dialog, DialogManager, Window
from aiogram_dialog.api.entities import ChatEvent
from aiogram_dialog.widgets.input import ManagedTextInput, MessageInput, TextInput
from aiogram_dialog.widgets.kbd import (
    Button,
    Column,
    Group,
    ManagedCalendar,
    ManagedMultiselect,
    Row,
    Select,
    SwitchTo,
)
from aiogram_dialog.widgets.text import Const, Format, Text

from bot import forms, ui
from bot.calendar import RussianCalendar
from bot.delivery import Delivery
from bot.settings import Settings
from catalog.schedule import is_holiday
from handlers.vks import service, texts
from handlers.vks.states import VksCard
from storage.catalog import CatalogRepo
from storage.db import Database
from storage.users import Role, UserRecord
from storage.vks import VksRepo

log = logging.getLogger(__name__)

NOT_AN_ANSWER = "Это команда или кнопка меню, а не ответ."


# -- what the steps need from the middleware data ---------------------------------------------


def _db(manager: DialogManager) -> Database:
    db: Database = manager.middleware_data["db"]
    return db


def _settings(manager: DialogManager) -> Settings:
    settings: Settings = manager.middleware_data["settings"]
    return settings


def _materials(manager: DialogManager) -> CatalogRepo:
    materials: CatalogRepo = manager.middleware_data["materials"]
    return materials


def _user(manager: DialogManager) -> UserRecord:
    user: UserRecord = manager.middleware_data["user"]
    return user


def _today(manager: DialogManager) -> date:
    return service.local_now(_db(manager), _settings(manager).tz).date()


def _day(manager: DialogManager) -> date | None:
    """The date the card is about, if it may still be edited."""
    raw = manager.dialog_data.get("day")
    return service.parse_day(raw, _today(manager)) if isinstance(raw, str) else None


def _pop(manager: DialogManager, key: str) -> str:
    """A hint or a notice: shown once, gone at the next step."""
    return str(manager.dialog_data.pop(key, None) or "")


# -- the calendar, in Russian --------------------------------------------------------------------


class DayText(Text):
    """Days of the VKS weekday as numbers (🎉 on a holiday, today in brackets); other days are
    dots: the VKS is not held then."""

    async def _render_text(self, data: dict[str, Any], manager: DialogManager) -> str:
        day: date = data["date"]
        window: dict[str, Any] = data["data"]
        if day.weekday() != window.get("cal_weekday"):
            return "·"
        if is_holiday(day):
            return f"🎉{day.day}"
        if day.isoformat() == window.get("cal_today"):
            return f"[{day.day}]"
        return str(day.day)


# -- choosing the date ----------------------------------------------------------------------------


async def _open_card(manager: DialogManager, day: date) -> str:
    """The card of ``day``, or why that date cannot be opened."""
    today = _today(manager)
    slot = await VksRepo(_db(manager)).slot()
    if not service.editable(day, today):
        return texts.DAY_INVALID
    if day.weekday() != slot.weekday:
        return texts.NOT_SLOT_DAY.format(
            dative=texts.WEEKDAYS_DATIVE[slot.weekday],
            accusative=texts.WEEKDAYS_ACCUSATIVE[slot.weekday],
        )
    manager.dialog_data["day"] = day.isoformat()
    await manager.switch_to(VksCard.viewing_card)
    return ""


async def date_chosen(
    callback: CallbackQuery, widget: Any, manager: DialogManager, item_id: str
) -> None:
    day = service.parse_day(item_id, _today(manager))
    problem = await _open_card(manager, day) if day is not None else texts.DAY_INVALID
    if problem:
        # Only a forged or an outdated button gets here: the list offers the slot's dates.
        forms.alert(manager, problem)


async def other_date_chosen(
    event: ChatEvent, widget: ManagedCalendar, manager: DialogManager, day: date
) -> None:
    if problem := await _open_card(manager, day):
        manager.dialog_data["error"] = problem


async def dates_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    db, settings = _db(dialog_manager), _settings(dialog_manager)
    seen = await service.overview(db, settings.tz)
    offsets = ", ".join(texts.describe_offset(o) for o in seen.offsets)
    return {
        "error": _pop(dialog_manager, "error"),
        "header": texts.LIST.format(
            slot=texts.describe_slot(seen.slot), tz=settings.timezone, offsets=offsets
        ),
        "dates": [(f"{d:%Y%m%d}", texts.date_button(d, ui.shorten(s, 40))) for d, s in seen.dates],
    }


async def other_date_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    today = _today(dialog_manager)
    slot = await VksRepo(_db(dialog_manager)).slot()
    return {
        "ask": texts.PICK_DATE.format(weekdays=texts.WEEKDAYS_DATIVE[slot.weekday]),
        "error": _pop(dialog_manager, "error"),
        "cal_min": (today - service.PAST_LIMIT).isoformat(),
        "cal_max": (today + service.FUTURE_LIMIT).isoformat(),
        "cal_today": today.isoformat(),
        "cal_open": today.isoformat(),
        "cal_weekday": slot.weekday,
    }


# -- the card -----------------------------------------------------------------------------------


async def card_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    day = _day(dialog_manager)
    if day is None:
        return {
            "card": texts.DAY_INVALID,
            "error": _pop(dialog_manager, "error"),
            "has_day": False,
            "cancelled": False,
            "active": False,
        }
    found = await service.card(_db(dialog_manager), _materials(dialog_manager), day)
    text = texts.card(
        day,
        found.slot,
        found.vks,
        directions=found.directions,
        holiday=found.holiday,
        attending=found.attending,
        reminders=found.reminders,
        recording=found.vks.recording_id,
        notice=_pop(dialog_manager, "notice"),
    )
    return {
        "card": text,
        "error": _pop(dialog_manager, "error"),
        "has_day": True,
        "cancelled": found.vks.cancelled,
        "active": not found.vks.cancelled,
    }


async def restore(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    day = _day(manager)
    if day is None:
        forms.alert(manager, texts.DAY_INVALID)
        return
    await service.set_cancelled(_db(manager), day, False, _user(manager).id)
    manager.dialog_data["notice"] = texts.RESTORED_DONE.format(day=texts.day_title(day))


async def cancel_confirmed(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    day = _day(manager)
    if day is None:
        forms.alert(manager, texts.DAY_INVALID)
        return
    await service.set_cancelled(_db(manager), day, True, _user(manager).id)
    manager.dialog_data["notice"] = texts.CANCELLED_DONE.format(day=texts.day_title(day))
    await manager.switch_to(VksCard.viewing_card)


async def cancel_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    day = _day(dialog_manager)
    error = _pop(dialog_manager, "error")
    if day is None:
        return {"ask": texts.DAY_INVALID, "error": error}
    vks = await VksRepo(_db(dialog_manager)).get(day)
    topic = f" «{ui.escape(ui.shorten(vks.topic, 80))}»" if vks.topic else ""
    return {"ask": texts.ASK_CANCEL.format(day=texts.day_title(day), topic=topic), "error": error}


# -- topic, link, speaker -----------------------------------------------------------------------


def _answer(text: str, field: str) -> str:
    """Never a command, a deep link or a menu label: those leave the form before they reach
    it, and this is the second guard."""
    if text.strip().startswith("/") or text.strip() in ui.MENU_BUTTONS:
        raise ValueError(f"{NOT_AN_ANSWER} {texts.FIELD_INVALID[field]}")
    return text


def topic_value(text: str) -> str:
    return service.clean_topic(_answer(text, "topic"))


def link_value(text: str) -> str:
    """The link; «-» clears it."""
    if _answer(text, "link").strip() == "-":
        return ""
    return service.clean_link(text)


def speaker_value(text: str) -> str:
    """The speaker; «-» clears it."""
    if _answer(text, "speaker").strip() == "-":
        return ""
    return service.clean_speaker(text)


def _field_of(manager: DialogManager) -> str:
    state = manager.current_context().state
    return {
        VksCard.waiting_for_link: "link",
        VksCard.waiting_for_speaker: "speaker",
    }.get(state, "topic")


async def _save(manager: DialogManager, field: str, value: str | None) -> None:
    day = _day(manager)
    if day is None:
        manager.dialog_data["error"] = texts.DAY_INVALID
        return
    await service.set_field(_db(manager), day, field, value, _user(manager).id)
    manager.dialog_data["notice"] = texts.SAVED[field] if value else texts.CLEARED[field]
    await manager.switch_to(VksCard.viewing_card)


async def value_entered(
    message: Message, widget: ManagedTextInput[str], manager: DialogManager, value: str
) -> None:
    await forms.typed(message, manager)
    await _save(manager, _field_of(manager), value or None)


async def value_invalid(
    message: Message, widget: ManagedTextInput[str], manager: DialogManager, error: ValueError
) -> None:
    await forms.typed(message, manager)
    manager.dialog_data["error"] = str(error)


async def clear_value(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    await _save(manager, _field_of(manager), None)


def _field_getter(field: str) -> Any:
    async def getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
        day = _day(dialog_manager)
        current: str | None = None
        if day is not None:
            vks = await VksRepo(_db(dialog_manager)).get(day)
            current = getattr(vks, field)
        ask = texts.ASK_FIELD[field].format(day=texts.day_title(day) if day else "")
        if current:
            ask += "\n" + texts.NOW_SET.format(value=ui.escape(current))
        return {"ask": ask, "error": _pop(dialog_manager, "error"), "is_set": bool(current)}

    return getter


# -- directions ---------------------------------------------------------------------------------


async def open_directions(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    day = _day(manager)
    if day is None:
        forms.alert(manager, texts.DAY_INVALID)
        return
    chosen = (await VksRepo(_db(manager)).get(day)).directions
    picker = manager.find("dirs")
    assert isinstance(picker, ManagedMultiselect)
    # What the date has now, whatever was ticked and left with Back last time.
    for topic in await _materials(manager).topics():
        await picker.set_checked(topic.code, topic.code in chosen)
    await manager.switch_to(VksCard.choosing_directions)


async def directions_done(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    day = _day(manager)
    picker = manager.find("dirs")
    if day is None or not isinstance(picker, ManagedMultiselect):
        forms.alert(manager, texts.DAY_INVALID)
        return
    codes = [str(c) for c in picker.get_checked()]
    await service.set_directions(_db(manager), _materials(manager), day, codes, _user(manager).id)
    manager.dialog_data["notice"] = texts.DIRECTIONS_SAVED
    await manager.switch_to(VksCard.viewing_card)


async def directions_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    day = _day(dialog_manager)
    topics = await _materials(dialog_manager).topics()
    return {
        "error": _pop(dialog_manager, "error"),
        "ask": texts.DIRECTIONS_PICK.format(day=texts.day_title(day) if day else ""),
        "topics": [(t.code, ui.shorten(t.title, 40)) for t in topics],
    }


# -- preview and recording ----------------------------------------------------------------------


async def open_preview(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    day = _day(manager)
    if day is None or not (await VksRepo(_db(manager)).get(day)).topic:
        forms.alert(manager, texts.NEEDS_TOPIC)
        return
    await manager.switch_to(VksCard.viewing_preview)


async def preview_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    day = _day(dialog_manager)
    found = (
        await service.preview(_db(dialog_manager), _settings(dialog_manager).tz, day)
        if day is not None
        else None
    )
    error = _pop(dialog_manager, "error")
    if found is None:
        return {"preview": texts.NEEDS_TOPIC, "error": error}
    text, moment = found
    tz = _settings(dialog_manager).tz
    head = texts.PREVIEW_HEAD.format(when=moment.astimezone(tz).strftime("%d.%m в %H:%M"))
    return {"preview": f"{head}\n\n{text}\n\n{texts.PREVIEW_TAIL}", "error": error}


async def open_recording(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    day = _day(manager)
    if day is None:
        forms.alert(manager, texts.DAY_INVALID)
        return
    vks = await VksRepo(_db(manager)).get(day)
    if not vks.topic:
        forms.alert(manager, texts.NEEDS_TOPIC)
        return
    if vks.recording_id is not None:
        forms.alert(manager, texts.RECORDING_EXISTS.format(id=vks.recording_id))
        return
    await manager.switch_to(VksCard.waiting_for_recording)


def _recording_of(message: Message) -> service.Recording | None:
    if message.video is not None:
        v = message.video
        return service.Recording(
            file_id=v.file_id,
            file_unique_id=v.file_unique_id,
            file_name=v.file_name,
            file_size=v.file_size,
            mime_type=v.mime_type,
            file_type="video",
        )
    if message.document is not None:
        d = message.document
        return service.Recording(
            file_id=d.file_id,
            file_unique_id=d.file_unique_id,
            file_name=d.file_name,
            file_size=d.file_size,
            mime_type=d.mime_type,
            file_type="document",
        )
    text = message.text or ""
    if text.startswith("/") or text in ui.MENU_BUTTONS:
        return None
    url = service.recording_link(text)
    return service.Recording(url=url) if url else None


async def recording_received(
    message: Message, widget: MessageInput, manager: DialogManager
) -> None:
    await forms.typed(message, manager)
    day = _day(manager)
    source = _recording_of(message)
    if day is None:
        manager.dialog_data["error"] = texts.DAY_INVALID
        return
    if source is None:
        manager.dialog_data["error"] = texts.RECORDING_INVALID
        return
    outcome = await service.add_recording(
        _db(manager), _materials(manager), day, source, _user(manager).id
    )
    if outcome.material_id is None:
        if outcome.existing is not None:
            manager.dialog_data["notice"] = texts.RECORDING_EXISTS.format(id=outcome.existing)
            await manager.switch_to(VksCard.viewing_card)
        elif outcome.duplicate is not None:
            manager.dialog_data["error"] = texts.RECORDING_DUPLICATE.format(id=outcome.duplicate)
        else:
            problem = ui.escape(outcome.problem)
            manager.dialog_data["error"] = f"{texts.RECORDING_INVALID} ({problem})"
        return
    delivery: Delivery = manager.middleware_data["delivery"]
    delivery.kick()
    log.info("VKS %s: recording added as material %s", day, outcome.material_id)
    manager.dialog_data["notice"] = texts.recording_done(outcome.material_id, outcome.recipients)
    await manager.switch_to(VksCard.viewing_card)


async def recording_invalid(message: Message, widget: MessageInput, manager: DialogManager) -> None:
    await forms.typed(message, manager)
    manager.dialog_data["error"] = texts.RECORDING_INVALID


async def recording_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    day = _day(dialog_manager)
    return {
        "ask": texts.ASK_RECORDING.format(day=texts.day_title(day) if day else ""),
        "error": _pop(dialog_manager, "error"),
    }


# -- the dialog ---------------------------------------------------------------------------------


def hint() -> Format:
    """The hint for the answer just refused, above the step's own text."""
    return Format("⚠️ {error}\n", when="error")


def _back_to_card() -> Row:
    """Back to the card (not to the step before in the list of steps) and Cancel."""
    return Row(
        SwitchTo(Const(ui.BTN_BACK), id="card", state=VksCard.viewing_card),
        forms.cancel_button(),
    )


def _field_window(field: str, state: Any, factory: Any, clear: str = "") -> Window:
    widgets: list[Any] = [
        hint(),
        Format("{ask}"),
        TextInput(id=field, type_factory=factory, on_success=value_entered, on_error=value_invalid),
        MessageInput(forms.text_expected),
    ]
    if clear:
        widgets.append(Button(Const(clear), id="clear", on_click=clear_value, when="is_set"))
    widgets.append(_back_to_card())
    return Window(*widgets, state=state, getter=_field_getter(field))


def create_dialogs() -> list[Dialog]:
    """A new set of this feature's dialogs (a Dialog can be in one dispatcher only)."""
    return [
        forms.form(
            Window(
                hint(),
                Format("{header}"),
                Column(
                    Select(
                        Format("{item[1]}"),
                        id="d",
                        item_id_getter=itemgetter(0),
                        items="dates",
                        on_click=date_chosen,
                    )
                ),
                SwitchTo(
                    Const(texts.BTN_OTHER_DATE), id="other", state=VksCard.choosing_other_date
                ),
                forms.cancel_button(),
                MessageInput(forms.buttons_expected),
                state=VksCard.choosing_date,
                getter=dates_getter,
            ),
            Window(
                hint(),
                Format("{ask}"),
                RussianCalendar("cal", DayText(), on_click=other_date_chosen),
                forms.nav(),
                MessageInput(forms.buttons_expected),
                state=VksCard.choosing_other_date,
                getter=other_date_getter,
            ),
            Window(
                hint(),
                Format("{card}"),
                Row(
                    SwitchTo(Const(texts.BTN_TOPIC), id="tp", state=VksCard.waiting_for_topic),
                    SwitchTo(Const(texts.BTN_LINK), id="ln", state=VksCard.waiting_for_link),
                    SwitchTo(Const(texts.BTN_SPEAKER), id="sp", state=VksCard.waiting_for_speaker),
                    when="has_day",
                ),
                Row(
                    Button(Const(texts.BTN_DIRECTIONS), id="dr", on_click=open_directions),
                    SwitchTo(
                        Const(texts.BTN_CANCEL_VKS),
                        id="cx",
                        state=VksCard.confirming_cancel,
                        when="active",
                    ),
                    Button(
                        Const(texts.BTN_RESTORE_VKS), id="rs", on_click=restore, when="cancelled"
                    ),
                    when="has_day",
                ),
                Row(
                    Button(Const(texts.BTN_PREVIEW), id="pv", on_click=open_preview),
                    Button(Const(texts.BTN_RECORDING), id="rc", on_click=open_recording),
                    when="has_day",
                ),
                Row(
                    SwitchTo(Const(ui.BTN_BACK), id="dates", state=VksCard.choosing_date),
                    forms.cancel_button(),
                ),
                MessageInput(forms.buttons_expected),
                state=VksCard.viewing_card,
                getter=card_getter,
            ),
            _field_window("topic", VksCard.waiting_for_topic, topic_value),
            _field_window("link", VksCard.waiting_for_link, link_value, texts.BTN_CLEAR_LINK),
            _field_window(
                "speaker", VksCard.waiting_for_speaker, speaker_value, texts.BTN_CLEAR_SPEAKER
            ),
            Window(
                hint(),
                Format("{ask}"),
                Group(
                    forms.ticks("dirs", "topics"),
                    width=2,
                ),
                Button(Const(ui.BTN_DONE), id="done", on_click=directions_done),
                _back_to_card(),
                MessageInput(forms.buttons_expected),
                state=VksCard.choosing_directions,
                getter=directions_getter,
            ),
            Window(
                hint(),
                Format("{ask}"),
                Button(Const(texts.BTN_CANCEL_YES), id="yes", on_click=cancel_confirmed),
                _back_to_card(),
                MessageInput(forms.buttons_expected),
                state=VksCard.confirming_cancel,
                getter=cancel_getter,
            ),
            Window(
                hint(),
                Format("{preview}"),
                _back_to_card(),
                MessageInput(forms.buttons_expected),
                state=VksCard.viewing_preview,
                getter=preview_getter,
            ),
            Window(
                hint(),
                Format("{ask}"),
                MessageInput(
                    recording_received,
                    content_types=[ContentType.VIDEO, ContentType.DOCUMENT, ContentType.TEXT],
                ),
                MessageInput(recording_invalid),
                _back_to_card(),
                state=VksCard.waiting_for_recording,
                getter=recording_getter,
            ),
            role=Role.METHODOLOGIST,
        )
    ]
