"""The request feature's forms, as aiogram_dialog dialogs: the tutor's training request, the
methodologists' approval with scheduling, a session recorded without a request, the reason
sent back to a tutor, and a session's results.

Every step is one message that is edited; typed answers go (``forms.typed``). A step takes
only what it asks for: each TextInput's type factory refuses commands and menu labels and
anything else that is not an answer, with the hint shown in the form; other content (a
sticker, a photo) gets the hint too and changes nothing. The final «Отправить»/«Сохранить» is
idempotent: the form's id travels with what it creates, so a second press after a crash finds
the first one's result.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from datetime import date, datetime, timedelta
from operator import itemgetter
from typing import Any

from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.filters.base import Filter
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram_dialog import Dialog, DialogManager, ShowMode, Window
from aiogram_dialog.api.entities import ChatEvent
from aiogram_dialog.widgets.input import ManagedTextInput, MessageInput, TextInput
from aiogram_dialog.widgets.kbd import (
    Button,
    Cancel,
    Column,
    Group,
    Row,
    ScrollingGroup,
    Select,
)
from aiogram_dialog.widgets.text import Const, Format

from bot import forms, ui
from bot.settings import Settings
from catalog.requests import (
    MAX_AHEAD_DAYS,
    MAX_PARTICIPANTS,
    MAX_RANGE_DAYS,
    MIN_PARTICIPANTS,
    SESSION_PAST_DAYS,
    Audience,
    Contact,
    parse_clock,
    parse_contact,
    parse_dates,
    parse_hours,
    parse_participants,
    parse_results,
    parse_session_day,
)
from catalog.requests import (
    Format as TrainingFormat,
)
from handlers.requests import cards, service, texts
from handlers.requests.calendar import (
    FIRST,
    LAST,
    MARKED,
    OPEN,
    RuCalendar,
    local_today,
    show_month,
)
from handlers.requests.keyboards import announce_kb
from handlers.requests.states import (
    ApproveForm,
    ReasonForm,
    RequestForm,
    ResultsForm,
    SessionForm,
)
from storage.catalog import CatalogRepo
from storage.db import Database
from storage.organisations import OrgRepo
from storage.requests import RequestInput, SessionInput
from storage.users import Role, UserRecord

log = logging.getLogger(__name__)

MAX_QUERY = 100
MAX_DATES_TEXT = 200
MAX_CONTACT = 200
MAX_COMMENT = 1000
ORGS_SHOWN = 24
SESSION_TIMES = ("08:38", "09:00", "10:00", "11:00", "13:00", "14:00", "15:00")
SESSION_HOURS = ("1", "2", "3", "4", "6", "8")

# -- what every step shares --------------------------------------------------------------------


def _mw(manager: DialogManager, key: str) -> Any:
    return manager.middleware_data[key]


def _db(manager: DialogManager) -> Database:
    db: Database = manager.middleware_data["db"]
    return db


def _settings(manager: DialogManager) -> Settings:
    settings: Settings = manager.middleware_data["settings"]
    return settings


def _desk(manager: DialogManager) -> service.Desk:
    settings = _settings(manager)
    return service.Desk(
        _db(manager),
        _mw(manager, "delivery"),
        _mw(manager, "scheduler"),
        settings.tz,
        settings.request_sla_days,
        settings.staff_chat_id,
    )


def _state_name(manager: DialogManager) -> str:
    return str(manager.current_context().state.state)


def _fail(manager: DialogManager, text: str) -> None:
    """A hint for the step on screen; it is shown there only."""
    manager.dialog_data["error"] = {"at": _state_name(manager), "text": text}


def _flash(manager: DialogManager, text: str) -> None:
    """A line for the top of whatever step comes next («Понял так: …»)."""
    manager.dialog_data["flash_next"] = text


def _clear(manager: DialogManager) -> None:
    manager.dialog_data.pop("error", None)
    manager.dialog_data.pop("resumed", None)


def _notes(manager: DialogManager) -> str:
    """The hint and the line carried over that belong to the step on screen."""
    data = manager.dialog_data
    here = _state_name(manager)
    out = ""
    if data.get("resumed"):
        out += "↪️ Продолжаем с того места, где вы остановились.\n\n"
    flash = data.get("flash") or {}
    if flash.get("at") == here:
        out += str(flash.get("text", ""))
    error = data.get("error") or {}
    if error.get("at") == here:
        out += f"⚠️ {error.get('text', '')}\n\n"
    return out


def _moved(manager: DialogManager) -> None:
    """A line carried over is shown on the step the form moved to, and on no other."""
    text = manager.dialog_data.pop("flash_next", None)
    if text:
        manager.dialog_data["flash"] = {"at": _state_name(manager), "text": text}
    else:
        manager.dialog_data.pop("flash", None)


def _answer(text: str | None, hint: str) -> str:
    """The first guard of every typed step: a command or a menu label is not an answer (they
    are handled before the forms; this is in case one ever reaches a form)."""
    value = " ".join((text or "").split())
    if not value or value.startswith("/") or value in ui.MENU_BUTTONS:
        raise ValueError(texts.NOT_AN_ANSWER.format(hint=hint))
    return value


async def on_invalid(
    message: Message, widget: ManagedTextInput[Any], manager: DialogManager, error: ValueError
) -> None:
    _fail(manager, str(error))
    await forms.typed(message, manager)


async def text_expected(message: Message, widget: MessageInput, manager: DialogManager) -> None:
    _fail(manager, ui.TEXT_EXPECTED)
    await forms.typed(message, manager)


async def buttons_expected(message: Message, widget: MessageInput, manager: DialogManager) -> None:
    _fail(manager, ui.BUTTONS_EXPECTED)
    await forms.typed(message, manager)


async def finish(
    manager: DialogManager, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Close the form and put the outcome where its message was, with no live buttons left."""
    chat = _mw(manager, "event_chat")
    bot = _mw(manager, "bot")
    message_id = manager.current_stack().last_message_id
    await manager.done(show_mode=ShowMode.NO_UPDATE)
    if message_id is not None:
        try:
            await bot.edit_message_text(
                text=text, chat_id=chat.id, message_id=message_id, reply_markup=markup
            )
            return
        except TelegramBadRequest as e:
            log.info("form message %s not edited: %s", message_id, e.message)
    await bot.send_message(chat.id, text, reply_markup=markup)


async def on_cancelled(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    """«Отмена»: the form's message says so instead of showing a step with no buttons."""
    manager.show_mode = ShowMode.NO_UPDATE
    if isinstance(callback.message, Message):
        with suppress(TelegramAPIError):
            await callback.message.edit_text(ui.CANCELLED, reply_markup=None)
    await _restore_card(manager)


def _cancel() -> Cancel:
    return Cancel(Const(ui.BTN_CANCEL), on_click=on_cancelled, show_mode=ShowMode.NO_UPDATE)


def _nav() -> Row:
    """Back and Cancel, the last row of every step but the first (bot.forms' wording); Cancel
    says that the form was cancelled."""
    return Row(forms.back_button(), _cancel())


class TypedBack(Filter):
    """«Назад» typed instead of pressed, as people used to do before the forms had buttons."""

    async def __call__(self, message: Message) -> bool:
        return (message.text or "").strip(" .!◀️").lower() == "назад"


async def typed_back(message: Message, widget: MessageInput, manager: DialogManager) -> None:
    await forms.typed(message, manager)
    _clear(manager)
    with suppress(ValueError):
        # The first step has nothing before it (and no «Назад» button): it stays.
        await manager.back()


def _inputs(factory: Any, on_success: Any) -> list[Any]:
    return [
        MessageInput(typed_back, filter=TypedBack()),
        TextInput(id="txt", type_factory=factory, on_success=on_success, on_error=on_invalid),
        MessageInput(text_expected),
    ]


# -- the tutor's request -----------------------------------------------------------------------

STEPS = (
    ("org", RequestForm.waiting_for_organisation),
    ("topic", RequestForm.waiting_for_topic),
    ("format", RequestForm.waiting_for_format),
    ("audience", RequestForm.waiting_for_audience),
    ("participants", RequestForm.waiting_for_participants),
    ("dates", RequestForm.waiting_for_dates),
    ("contact", RequestForm.waiting_for_contact),
    ("comment", RequestForm.waiting_for_comment),
)
STEP_STATES = dict(STEPS)


def _head(manager: DialogManager, step: str) -> str:
    number = [name for name, _ in STEPS].index(step) + 1
    fix = int(manager.dialog_data.get("fix_id") or 0)
    title = texts.FIX_TITLE.format(id=fix) if fix else ""
    return title + texts.STEP.format(step=number, total=texts.REQUEST_STEPS) + _notes(manager)


async def _advance(manager: DialogManager) -> None:
    """The next step, or back to the summary when a field was changed from it."""
    _clear(manager)
    if manager.dialog_data.get("editing"):
        await manager.switch_to(RequestForm.confirming)
    else:
        await manager.next()
    _moved(manager)


async def request_started(start_data: Any, manager: DialogManager) -> None:
    data = start_data if isinstance(start_data, dict) else {}
    manager.dialog_data.update(data.get("draft") or {})
    if data.get("org_id"):
        manager.dialog_data.setdefault("org_id", int(data["org_id"]))
    audience = data.get("audience")
    if audience:
        manager.current_context().widget_data["aud"] = [str(a) for a in audience]


# Step 1: the МО.


def org_query(text: str | None) -> str:
    value = _answer(text, texts.ASK_ORG)
    if len(value) > MAX_QUERY:
        raise ValueError(texts.ORG_QUERY_INVALID)
    return value


async def org_getter(dialog_manager: DialogManager, orgs: OrgRepo, **_: Any) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    kept = await orgs.get(int(data.get("org_id") or 0))
    kept = kept if kept is not None and kept.active else None
    found = [o for o in [await orgs.get(int(i)) for i in data.get("org_found") or []] if o]
    body = texts.ASK_ORG_KEPT.format(org=ui.escape(kept.name)) if kept else texts.ASK_ORG
    if "org_query" in data:
        query = ui.escape(ui.shorten(str(data.get("org_understood") or data["org_query"]), 50))
        found_text = texts.ORG_FOUND if found else texts.ORG_NONE
        body += "\n\n" + found_text.format(query=query)
    return {
        "text": _head(dialog_manager, "org") + body,
        "keep": texts.BTN_KEEP_ORG.format(org=ui.shorten(kept.short_name, 40)) if kept else "",
        "orgs": [(o.id, ui.shorten(o.short_name, 60)) for o in found if o.active],
    }


async def org_typed(
    message: Message, widget: ManagedTextInput[str], manager: DialogManager, query: str
) -> None:
    orgs: OrgRepo = _mw(manager, "orgs")
    found = await orgs.find_understood(query, limit=ORGS_SHOWN)
    _clear(manager)
    manager.dialog_data.update(
        org_query=query,
        org_understood=found.understood if found.changed(query) else query,
        org_found=[o.id for o in found.orgs],
    )
    scroll = manager.find("orgs")
    if scroll is not None:
        await scroll.set_page(0)
    await forms.typed(message, manager)


async def _org_chosen(manager: DialogManager, org_id: int) -> None:
    orgs: OrgRepo = _mw(manager, "orgs")
    org = await orgs.get(org_id)
    if org is None or not org.active:
        forms.alert(manager, ui.STALE_BUTTON)
        return
    for key in ("org_query", "org_understood", "org_found"):
        manager.dialog_data.pop(key, None)
    manager.dialog_data["org_id"] = org.id
    await _advance(manager)


async def org_picked(
    callback: CallbackQuery, widget: Any, manager: DialogManager, item: int
) -> None:
    await _org_chosen(manager, int(item))


async def org_kept(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    await _org_chosen(manager, int(manager.dialog_data.get("org_id") or 0))


def _orgs(on_click: Any) -> ScrollingGroup:
    """The МО found for what was typed, by id, a page of six."""
    return ScrollingGroup(
        Select(
            Format("{item[1]}"),
            id="org",
            item_id_getter=itemgetter(0),
            items="orgs",
            type_factory=int,
            on_click=on_click,
        ),
        id="orgs",
        width=1,
        height=6,
        hide_on_single_page=True,
    )


def _org_window() -> Window:
    return Window(
        Format("{text}"),
        Button(Format("{keep}"), id="keep", on_click=org_kept, when="keep"),
        _orgs(org_picked),
        _cancel(),
        TextInput(id="org_q", type_factory=org_query, on_success=org_typed, on_error=on_invalid),
        MessageInput(text_expected),
        state=RequestForm.waiting_for_organisation,
        getter=org_getter,
    )


# Steps 2-4: buttons.


async def topic_getter(
    dialog_manager: DialogManager, materials: CatalogRepo, **_: Any
) -> dict[str, Any]:
    topics = [(t.code, ui.shorten(t.title, 28)) for t in await materials.topics()]
    return {"text": _head(dialog_manager, "topic") + texts.ASK_TOPIC, "topics": topics}


async def topic_picked(
    callback: CallbackQuery, widget: Any, manager: DialogManager, item: str
) -> None:
    materials: CatalogRepo = _mw(manager, "materials")
    if item not in await materials.topic_titles():
        forms.alert(manager, ui.STALE_BUTTON)
        return
    manager.dialog_data["topic"] = item
    await _advance(manager)


def _topics(on_click: Any) -> ScrollingGroup:
    return ScrollingGroup(
        Select(
            Format("{item[1]}"),
            id="topic",
            item_id_getter=itemgetter(0),
            items="topics",
            on_click=on_click,
        ),
        id="topics",
        width=2,
        height=7,
        hide_on_single_page=True,
    )


async def format_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    return {
        "text": _head(dialog_manager, "format") + texts.ASK_FORMAT,
        "formats": list(texts.FORMAT_TITLES.items()),
    }


async def format_picked(
    callback: CallbackQuery, widget: Any, manager: DialogManager, item: str
) -> None:
    if item not in TrainingFormat._value2member_map_:
        forms.alert(manager, ui.STALE_BUTTON)
        return
    manager.dialog_data["format"] = item
    await _advance(manager)


def _formats(on_click: Any) -> Column:
    return Column(
        Select(
            Format("{item[1]}"),
            id="fmt",
            item_id_getter=itemgetter(0),
            items="formats",
            on_click=on_click,
        )
    )


async def audience_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    return {
        "text": _head(dialog_manager, "audience") + texts.ASK_AUDIENCE,
        "audiences": list(texts.AUDIENCE_TITLES.items()),
    }


def _audience_chosen(manager: DialogManager) -> list[str]:
    chosen = manager.current_context().widget_data.get("aud")
    if not isinstance(chosen, list):
        return []
    return [str(a) for a in chosen if a in Audience._value2member_map_]


async def audience_done(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    if not _audience_chosen(manager):
        forms.alert(manager, texts.AUDIENCE_EMPTY)
        return
    await _advance(manager)


# Steps 5-8: typed, the dates also from the calendar.


def participants_factory(text: str | None) -> int:
    count = parse_participants(_answer(text, texts.ASK_PARTICIPANTS))
    if count is None or not MIN_PARTICIPANTS <= count <= MAX_PARTICIPANTS:
        raise ValueError(texts.PARTICIPANTS_INVALID)
    return count


async def participants_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    return {"text": _head(dialog_manager, "participants") + texts.ASK_PARTICIPANTS}


async def participants_entered(
    message: Message, widget: ManagedTextInput[int], manager: DialogManager, count: int
) -> None:
    manager.dialog_data["participants"] = count
    await forms.typed(message, manager)
    await _advance(manager)


def dates_factory(text: str | None) -> str:
    value = _answer(text, texts.ASK_DATES.format(examples="«завтра»"))
    if len(value) > MAX_DATES_TEXT:
        raise ValueError(texts.DATES_TOO_LONG)
    return value


async def dates_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    today = local_today(dialog_manager)
    data = dialog_manager.dialog_data
    start = data.get("cal_start")
    if start:
        day = date.fromisoformat(start)
        body = texts.DATES_END.format(start=texts.date_range(day, day))
    else:
        body = texts.ASK_DATES.format(examples=texts.date_examples(today))
    return {
        "text": _head(dialog_manager, "dates") + body,
        FIRST: (today + timedelta(days=1)).isoformat(),
        LAST: (today + timedelta(days=MAX_AHEAD_DAYS)).isoformat(),
        OPEN: (today + timedelta(days=1)).isoformat(),
        MARKED: [start] if start else [],
        "cal_start": bool(start),
    }


async def _dates_chosen(manager: DialogManager, start: date, end: date, note: str = "") -> None:
    manager.dialog_data.update(
        date_from=start.isoformat(), date_to=end.isoformat(), dates_note=note, cal_start=None
    )
    _flash(manager, texts.DATES_UNDERSTOOD.format(dates=texts.date_range(start, end, note)))
    await _advance(manager)


async def dates_entered(
    message: Message, widget: ManagedTextInput[str], manager: DialogManager, typed: str
) -> None:
    await forms.typed(message, manager)
    today = local_today(manager)
    found = parse_dates(typed, today)
    if found is None:
        _fail(manager, texts.DATES_INVALID.format(examples=texts.date_examples(today)))
        return
    await _dates_chosen(manager, found.start, found.end, found.note)


async def day_picked(event: ChatEvent, widget: Any, manager: DialogManager, day: date) -> None:
    today = local_today(manager)
    if not today < day <= today + timedelta(days=MAX_AHEAD_DAYS):
        forms.alert(manager, ui.STALE_BUTTON)
        return
    raw = manager.dialog_data.get("cal_start")
    start = date.fromisoformat(raw) if raw else None
    if start is None or day < start:
        _clear(manager)
        manager.dialog_data["cal_start"] = day.isoformat()
        return
    if (day - start).days + 1 > MAX_RANGE_DAYS:
        forms.alert(manager, texts.DATES_TOO_LONG)
        return
    await _dates_chosen(manager, start, day)


async def one_day(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    raw = manager.dialog_data.get("cal_start")
    if not raw:
        forms.alert(manager, ui.STALE_BUTTON)
        return
    day = date.fromisoformat(raw)
    await _dates_chosen(manager, day, day)


def contact_factory(text: str | None) -> Contact:
    value = _answer(text, texts.ASK_CONTACT)
    contact = parse_contact(value) if len(value) <= MAX_CONTACT else None
    if contact is None:
        raise ValueError(texts.CONTACT_INVALID)
    return contact


async def contact_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    return {"text": _head(dialog_manager, "contact") + texts.ASK_CONTACT}


async def contact_entered(
    message: Message, widget: ManagedTextInput[Contact], manager: DialogManager, contact: Contact
) -> None:
    manager.dialog_data.update(
        contact_name=contact.name,
        contact_phone=contact.phone.number,
        contact_code=contact.phone.code,
    )
    await forms.typed(message, manager)
    await _advance(manager)


def comment_factory(text: str | None) -> str:
    _answer(text, texts.ASK_COMMENT)
    value = (text or "").strip()
    if len(value) > MAX_COMMENT:
        raise ValueError(texts.text_too_long(MAX_COMMENT))
    return value


async def comment_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    return {"text": _head(dialog_manager, "comment") + texts.ASK_COMMENT}


async def comment_entered(
    message: Message, widget: ManagedTextInput[str], manager: DialogManager, comment: str
) -> None:
    manager.dialog_data["comment"] = comment
    await forms.typed(message, manager)
    await _advance(manager)


async def no_comment(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    manager.dialog_data["comment"] = ""
    await _advance(manager)


# The summary.


async def summary_getter(
    dialog_manager: DialogManager, orgs: OrgRepo, materials: CatalogRepo, **_: Any
) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    org = await orgs.get(int(data.get("org_id") or 0))
    titles = await materials.topic_titles()
    dates = ""
    if data.get("date_from") and data.get("date_to"):
        dates = texts.date_range(
            date.fromisoformat(data["date_from"]),
            date.fromisoformat(data["date_to"]),
            str(data.get("dates_note") or ""),
        )
    view = texts.RequestView(
        organisation=org.name if org else "",
        topic=titles.get(str(data.get("topic", "")), ""),
        format=str(data.get("format", "")),
        audience=tuple(_audience_chosen(dialog_manager)),
        participants=data.get("participants"),
        dates=dates,
        contact_name=data.get("contact_name") or "",
        contact_phone=data.get("contact_phone") or "",
        contact_phone_code=int(data.get("contact_code") or 3),
        comment=str(data.get("comment") or ""),
    )
    fix = int(data.get("fix_id") or 0)
    intro = str(data.get("fix_note") or "")
    return {
        "text": intro + _notes(dialog_manager) + texts.request_summary(view, fix),
        "submit": texts.BTN_RESUBMIT if fix else texts.BTN_SUBMIT,
        "fields": list(texts.FIELD_BUTTONS),
    }


async def field_picked(
    callback: CallbackQuery, widget: Any, manager: DialogManager, item: str
) -> None:
    state = STEP_STATES.get(item)
    if state is None:
        forms.alert(manager, ui.STALE_BUTTON)
        return
    _clear(manager)
    manager.dialog_data["editing"] = True
    manager.dialog_data.pop("fix_note", None)
    await manager.switch_to(state)


def _draft(manager: DialogManager) -> RequestInput | None:
    data = manager.dialog_data
    try:
        return RequestInput(
            organisation_id=int(data["org_id"]),
            topic_code=str(data["topic"]),
            format=TrainingFormat(data["format"]),
            audience=tuple(Audience(a) for a in _audience_chosen(manager)),
            participants=int(data["participants"]),
            date_from=date.fromisoformat(data["date_from"]),
            date_to=date.fromisoformat(data["date_to"]),
            dates_text=str(data.get("dates_note") or ""),
            contact_name=str(data["contact_name"]),
            contact_phone=str(data["contact_phone"]),
            contact_phone_code=int(data.get("contact_code") or 3),
            comment=str(data.get("comment") or ""),
        )
    except (KeyError, ValueError, TypeError):
        return None


async def submit(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    draft = _draft(manager)
    if draft is None or not draft.audience:
        forms.alert(manager, texts.DRAFT_LOST)
        await finish(manager, texts.DRAFT_LOST)
        return
    user: UserRecord = _mw(manager, "user")
    desk = _desk(manager)
    # The form's own id: pressed again after a crash, it finds what the first press filed.
    key = manager.current_context().id
    fix = int(manager.dialog_data.get("fix_id") or 0)
    if fix:
        request = await service.resubmit(desk, user.id, fix, draft, key)
        if request is None:
            await finish(manager, texts.NOT_FIXABLE)
            return
        await finish(manager, texts.RESUBMITTED.format(id=request.id))
        return
    filed = await service.file_request(desk, user.id, draft, key)
    await finish(manager, texts.SUBMITTED.format(id=filed.request.id))


def request_dialog() -> Dialog:
    return forms.form(
        _org_window(),
        Window(
            Format("{text}"),
            _topics(topic_picked),
            _nav(),
            MessageInput(buttons_expected),
            state=RequestForm.waiting_for_topic,
            getter=topic_getter,
        ),
        Window(
            Format("{text}"),
            _formats(format_picked),
            _nav(),
            MessageInput(buttons_expected),
            state=RequestForm.waiting_for_format,
            getter=format_getter,
        ),
        Window(
            Format("{text}"),
            Group(
                forms.ticks("aud", "audiences"),
                width=2,
            ),
            Button(Const(ui.BTN_DONE), id="aud_done", on_click=audience_done),
            _nav(),
            MessageInput(buttons_expected),
            state=RequestForm.waiting_for_audience,
            getter=audience_getter,
        ),
        Window(
            Format("{text}"),
            _nav(),
            *_inputs(participants_factory, participants_entered),
            state=RequestForm.waiting_for_participants,
            getter=participants_getter,
        ),
        Window(
            Format("{text}"),
            RuCalendar(id="cal", on_click=day_picked),
            Button(Const(texts.BTN_ONE_DAY), id="one_day", on_click=one_day, when="cal_start"),
            _nav(),
            *_inputs(dates_factory, dates_entered),
            state=RequestForm.waiting_for_dates,
            getter=dates_getter,
        ),
        Window(
            Format("{text}"),
            _nav(),
            *_inputs(contact_factory, contact_entered),
            state=RequestForm.waiting_for_contact,
            getter=contact_getter,
        ),
        Window(
            Format("{text}"),
            Button(Const(texts.BTN_NO_COMMENT), id="no_comment", on_click=no_comment),
            _nav(),
            *_inputs(comment_factory, comment_entered),
            state=RequestForm.waiting_for_comment,
            getter=comment_getter,
        ),
        Window(
            Format("{text}"),
            Group(
                Select(
                    Format("{item[1]}"),
                    id="field",
                    item_id_getter=itemgetter(0),
                    items="fields",
                    on_click=field_picked,
                ),
                width=2,
            ),
            Button(Format("{submit}"), id="send", on_click=submit),
            _nav(),
            MessageInput(buttons_expected),
            state=RequestForm.confirming,
            getter=summary_getter,
        ),
        on_start=request_started,
        role=Role.TUTOR,
    )


# -- scheduling: approving a request, or a session on its own -----------------------------------


def _title(manager: DialogManager) -> str:
    rid = manager.dialog_data.get("request_id")
    title = texts.SCHEDULE_TITLE_APPROVE.format(id=rid) if rid else texts.SCHEDULE_TITLE_NEW
    return title + _notes(manager)


async def schedule_started(start_data: Any, manager: DialogManager) -> None:
    data = start_data if isinstance(start_data, dict) else {}
    manager.dialog_data.update(data)
    asked = data.get("asked") or []
    if asked:
        show_month("scal", date.fromisoformat(asked[0]), manager)


async def _next_step(manager: DialogManager) -> None:
    _clear(manager)
    await manager.next()
    _moved(manager)


async def schedule_topic_getter(
    dialog_manager: DialogManager, materials: CatalogRepo, **_: Any
) -> dict[str, Any]:
    topics = [(t.code, ui.shorten(t.title, 28)) for t in await materials.topics()]
    return {"text": _title(dialog_manager) + texts.SCHEDULE_ASK_TOPIC, "topics": topics}


async def schedule_topic_picked(
    callback: CallbackQuery, widget: Any, manager: DialogManager, item: str
) -> None:
    materials: CatalogRepo = _mw(manager, "materials")
    if item not in await materials.topic_titles():
        forms.alert(manager, ui.STALE_BUTTON)
        return
    manager.dialog_data["topic"] = item
    await _next_step(manager)


async def schedule_org_getter(
    dialog_manager: DialogManager, orgs: OrgRepo, **_: Any
) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    found = [o for o in [await orgs.get(int(i)) for i in data.get("org_found") or []] if o]
    body = texts.SCHEDULE_ASK_ORG
    if "org_query" in data:
        query = ui.escape(ui.shorten(str(data.get("org_understood") or data["org_query"]), 50))
        body += "\n\n" + (texts.ORG_FOUND if found else texts.ORG_NONE).format(query=query)
    return {
        "text": _title(dialog_manager) + body,
        "orgs": [(o.id, ui.shorten(o.short_name, 60)) for o in found if o.active],
    }


async def schedule_org_picked(
    callback: CallbackQuery, widget: Any, manager: DialogManager, item: int
) -> None:
    orgs: OrgRepo = _mw(manager, "orgs")
    org = await orgs.get(int(item))
    if org is None:
        forms.alert(manager, ui.STALE_BUTTON)
        return
    manager.dialog_data["org_id"] = org.id
    await _next_step(manager)


async def schedule_for_all(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    manager.dialog_data["org_id"] = 0
    await _next_step(manager)


async def date_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    today = local_today(dialog_manager)
    data = dialog_manager.dialog_data
    body = texts.SCHEDULE_ASK_DATE.format(example=texts.session_example(today))
    asked = data.get("asked") or []
    marked: list[str] = []
    if asked:
        start, end = date.fromisoformat(asked[0]), date.fromisoformat(asked[-1])
        note = str(data.get("asked_note") or "")
        body += "\n" + texts.SCHEDULE_ASKED.format(dates=texts.date_range(start, end, note))
        marked = [
            (start + timedelta(days=i)).isoformat() for i in range(min((end - start).days, 92) + 1)
        ]
    return {
        "text": _title(dialog_manager) + body,
        FIRST: (today - timedelta(days=SESSION_PAST_DAYS)).isoformat(),
        LAST: (today + timedelta(days=366)).isoformat(),
        OPEN: today.isoformat(),
        MARKED: marked,
    }


async def session_day_picked(
    event: ChatEvent, widget: Any, manager: DialogManager, day: date
) -> None:
    today = local_today(manager)
    if not today - timedelta(days=SESSION_PAST_DAYS) <= day <= today + timedelta(days=366):
        forms.alert(manager, ui.STALE_BUTTON)
        return
    manager.dialog_data["date"] = day.isoformat()
    await _next_step(manager)


def session_day_factory(text: str | None) -> str:
    # No example date here (a factory has no clock): the step itself shows today's.
    return _answer(text, texts.SCHEDULE_PICK_DATE)[:20]


async def session_day_entered(
    message: Message, widget: ManagedTextInput[str], manager: DialogManager, typed: str
) -> None:
    await forms.typed(message, manager)
    today = local_today(manager)
    day = parse_session_day(typed, today)
    if day is None:
        _fail(manager, texts.SCHEDULE_DATE_INVALID.format(example=texts.session_example(today)))
        return
    manager.dialog_data["date"] = day.isoformat()
    await _next_step(manager)


async def time_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    return {
        "text": _title(dialog_manager) + texts.SCHEDULE_ASK_TIME,
        "times": [(t.replace(":", ""), t) for t in SESSION_TIMES],
    }


async def time_picked(
    callback: CallbackQuery, widget: Any, manager: DialogManager, item: str
) -> None:
    moment = parse_clock(f"{item[:2]}:{item[2:]}") if len(item) == 4 else None
    if moment is None:
        forms.alert(manager, ui.STALE_BUTTON)
        return
    manager.dialog_data["time"] = f"{moment:%H:%M}"
    await _next_step(manager)


def clock_factory(text: str | None) -> str:
    moment = parse_clock(_answer(text, texts.SCHEDULE_ASK_TIME)[:10])
    if moment is None:
        raise ValueError(texts.SCHEDULE_TIME_INVALID)
    return f"{moment:%H:%M}"


async def time_entered(
    message: Message, widget: ManagedTextInput[str], manager: DialogManager, moment: str
) -> None:
    manager.dialog_data["time"] = moment
    await forms.typed(message, manager)
    await _next_step(manager)


async def schedule_format_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    asked = dialog_manager.dialog_data.get("format")
    formats = [
        (code, f"• {title}" if code == asked else title)
        for code, title in texts.FORMAT_TITLES.items()
    ]
    return {"text": _title(dialog_manager) + texts.SCHEDULE_ASK_FORMAT, "formats": formats}


async def schedule_format_picked(
    callback: CallbackQuery, widget: Any, manager: DialogManager, item: str
) -> None:
    if item not in TrainingFormat._value2member_map_:
        forms.alert(manager, ui.STALE_BUTTON)
        return
    manager.dialog_data["format"] = item
    await _next_step(manager)


def place_factory(text: str | None) -> str:
    value = _answer(text, texts.SCHEDULE_ASK_PLACE)
    if not 3 <= len(value) <= 300:
        raise ValueError(texts.SCHEDULE_PLACE_INVALID)
    return value


async def place_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    return {"text": _title(dialog_manager) + texts.SCHEDULE_ASK_PLACE}


async def place_entered(
    message: Message, widget: ManagedTextInput[str], manager: DialogManager, place: str
) -> None:
    manager.dialog_data["place"] = place
    await forms.typed(message, manager)
    await _next_step(manager)


async def hours_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    return {
        "text": _title(dialog_manager) + texts.SCHEDULE_ASK_HOURS,
        "hours": [(h, f"{h} ч") for h in SESSION_HOURS],
    }


async def hours_picked(
    callback: CallbackQuery, widget: Any, manager: DialogManager, item: str
) -> None:
    value = parse_hours(item)
    if value is None:
        forms.alert(manager, ui.STALE_BUTTON)
        return
    manager.dialog_data["hours"] = value
    await _next_step(manager)


def hours_factory(text: str | None) -> float:
    value = parse_hours(_answer(text, texts.SCHEDULE_ASK_HOURS)[:20])
    if value is None:
        raise ValueError(texts.SCHEDULE_HOURS_INVALID)
    return value


async def hours_entered(
    message: Message, widget: ManagedTextInput[float], manager: DialogManager, value: float
) -> None:
    manager.dialog_data["hours"] = value
    await forms.typed(message, manager)
    await _next_step(manager)


async def schedule_comment_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    return {"text": _title(dialog_manager) + texts.SCHEDULE_ASK_COMMENT}


async def schedule_comment_entered(
    message: Message, widget: ManagedTextInput[str], manager: DialogManager, comment: str
) -> None:
    manager.dialog_data["comment"] = comment
    await forms.typed(message, manager)
    await _next_step(manager)


async def schedule_no_comment(
    callback: CallbackQuery, button: Button, manager: DialogManager
) -> None:
    manager.dialog_data["comment"] = ""
    await _next_step(manager)


def _session_input(manager: DialogManager) -> SessionInput | None:
    data = manager.dialog_data
    try:
        moment = datetime.combine(
            date.fromisoformat(data["date"]),
            datetime.strptime(data["time"], "%H:%M").time(),
            tzinfo=_settings(manager).tz,
        )
        return SessionInput(
            topic_code=str(data["topic"]),
            format=TrainingFormat(data["format"]),
            starts_at=moment,
            place=str(data["place"]),
            planned_hours=float(data["hours"]),
            organisation_id=int(data.get("org_id") or 0) or None,
            form_key=manager.current_context().id,
        )
    except (KeyError, ValueError, TypeError):
        return None


async def check_getter(
    dialog_manager: DialogManager, orgs: OrgRepo, materials: CatalogRepo, **_: Any
) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    org = await orgs.get(int(data.get("org_id") or 0))
    titles = await materials.topic_titles()
    day = date.fromisoformat(data["date"]) if data.get("date") else None
    lines = [
        ("📚 Направление", titles.get(str(data.get("topic", "")), "—")),
        ("🏥 МО", org.name if org else texts.SCHEDULE_FOR_ALL),
        ("📅 Когда", f"{day:%d.%m.%Y} {data.get('time', '')}" if day else "—"),
        ("🎓 Формат", texts.FORMAT_TITLES.get(str(data.get("format")), "—")),
        ("📍 Место", str(data.get("place", "—"))),
        ("⏱ Ак. часов", texts.hours(float(data.get("hours") or 0))),
    ]
    if data.get("request_id"):
        lines.append(("💬 Комментарий", str(data.get("comment") or "—")))
    text = f"{_title(dialog_manager)}{texts.schedule_draft(lines)}\n\n{texts.SCHEDULE_CHECK}"
    return {"text": text}


async def schedule_save(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    session_input = _session_input(manager)
    if session_input is None:
        await finish(manager, texts.DRAFT_LOST.replace("/request", "/sessions"))
        return
    user: UserRecord = _mw(manager, "user")
    request_id = int(manager.dialog_data.get("request_id") or 0)
    if not request_id:
        session = await service.record_session(_db(manager), session_input, user.id)
        await finish(manager, texts.SCHEDULE_SAVED.format(id=session.id), announce_kb(session.id))
        return
    comment = str(manager.dialog_data.get("comment") or "")
    request = await service.approve(_desk(manager), request_id, user.id, session_input, comment)
    await _restore_card(manager)
    if request is None or request.session_id is None:
        await finish(manager, texts.REVIEW_TOO_LATE)
        return
    done = texts.REVIEW_APPROVED.format(id=request_id, session=request.session_id)
    await finish(manager, done, announce_kb(request.session_id))


async def _restore_card(manager: DialogManager) -> None:
    """The card the form started from shows the request as it is now, with its buttons."""
    data = manager.dialog_data
    chat, message_id = data.get("card_chat"), data.get("card_message")
    request_id = int(data.get("request_id") or 0)
    if not chat or not message_id or not request_id:
        return
    drawn = await cards.request_card(_db(manager), request_id, _settings(manager).tz)
    if drawn is None:
        return
    with suppress(TelegramAPIError):
        await _mw(manager, "bot").edit_message_text(
            text=drawn[0], chat_id=int(chat), message_id=int(message_id), reply_markup=drawn[1]
        )


def _slot_windows(group: Any, *, first: bool) -> list[Window]:
    """The steps both scheduling dialogs share: date, time, format, place, hours."""
    return [
        Window(
            Format("{text}"),
            RuCalendar(id="scal", on_click=session_day_picked),
            _cancel() if first else _nav(),
            *_inputs(session_day_factory, session_day_entered),
            state=group.waiting_for_date,
            getter=date_getter,
        ),
        Window(
            Format("{text}"),
            Group(
                Select(
                    Format("{item[1]}"),
                    id="time",
                    item_id_getter=itemgetter(0),
                    items="times",
                    on_click=time_picked,
                ),
                width=4,
            ),
            _nav(),
            *_inputs(clock_factory, time_entered),
            state=group.waiting_for_time,
            getter=time_getter,
        ),
        Window(
            Format("{text}"),
            _formats(schedule_format_picked),
            _nav(),
            MessageInput(buttons_expected),
            state=group.waiting_for_format,
            getter=schedule_format_getter,
        ),
        Window(
            Format("{text}"),
            _nav(),
            *_inputs(place_factory, place_entered),
            state=group.waiting_for_place,
            getter=place_getter,
        ),
        Window(
            Format("{text}"),
            Group(
                Select(
                    Format("{item[1]}"),
                    id="hours",
                    item_id_getter=itemgetter(0),
                    items="hours",
                    on_click=hours_picked,
                ),
                width=6,
            ),
            _nav(),
            *_inputs(hours_factory, hours_entered),
            state=group.waiting_for_hours,
            getter=hours_getter,
        ),
    ]


def _check_window(state: Any) -> Window:
    return Window(
        Format("{text}"),
        Button(Const(texts.BTN_SAVE), id="save", on_click=schedule_save),
        _nav(),
        MessageInput(buttons_expected),
        state=state,
        getter=check_getter,
    )


def approve_dialog() -> Dialog:
    return forms.form(
        *_slot_windows(ApproveForm, first=True),
        Window(
            Format("{text}"),
            Button(Const(texts.BTN_NO_COMMENT), id="no_comment", on_click=schedule_no_comment),
            _nav(),
            *_inputs(comment_factory, schedule_comment_entered),
            state=ApproveForm.waiting_for_comment,
            getter=schedule_comment_getter,
        ),
        _check_window(ApproveForm.confirming),
        on_start=schedule_started,
        role=Role.METHODOLOGIST,
    )


def session_dialog() -> Dialog:
    return forms.form(
        Window(
            Format("{text}"),
            _topics(schedule_topic_picked),
            _cancel(),
            MessageInput(buttons_expected),
            state=SessionForm.waiting_for_topic,
            getter=schedule_topic_getter,
        ),
        Window(
            Format("{text}"),
            Button(Const(texts.BTN_FOR_ALL), id="all", on_click=schedule_for_all),
            _orgs(schedule_org_picked),
            _nav(),
            TextInput(
                id="org_q", type_factory=org_query, on_success=org_typed, on_error=on_invalid
            ),
            MessageInput(text_expected),
            state=SessionForm.waiting_for_organisation,
            getter=schedule_org_getter,
        ),
        *_slot_windows(SessionForm, first=False),
        _check_window(SessionForm.confirming),
        on_start=schedule_started,
        role=Role.METHODOLOGIST,
    )


# -- the reason sent to the tutor, and a session's results -------------------------------------


def reason_factory(text: str | None) -> str:
    _answer(text, texts.REVIEW_COMMENT_INVALID)
    value = (text or "").strip()
    if not 3 <= len(value) <= MAX_COMMENT:
        raise ValueError(texts.REVIEW_COMMENT_INVALID)
    return value


async def reason_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    ask = texts.REVIEW_ASK_CHANGES if data.get("mode") == "changes" else texts.REVIEW_ASK_REASON
    return {"text": _notes(dialog_manager) + ask.format(id=data.get("request_id"))}


async def reason_entered(
    message: Message, widget: ManagedTextInput[str], manager: DialogManager, reason: str
) -> None:
    await forms.typed(message, manager)
    data = dict(manager.dialog_data)
    request_id = int(data.get("request_id") or 0)
    user: UserRecord = _mw(manager, "user")
    desk = _desk(manager)
    if data.get("mode") == "changes":
        request = await service.ask_changes(desk, request_id, user.id, reason)
        done = texts.REVIEW_CHANGES_SENT
    else:
        request = await service.reject(desk, request_id, user.id, reason)
        done = texts.REVIEW_REJECTED
    await _restore_card(manager)
    await finish(manager, texts.REVIEW_TOO_LATE if request is None else done.format(id=request_id))


def reason_dialog() -> Dialog:
    return forms.form(
        Window(
            Format("{text}"),
            _cancel(),
            *_inputs(reason_factory, reason_entered),
            state=ReasonForm.waiting_for_reason,
            getter=reason_getter,
        ),
        on_start=schedule_started,
        role=Role.METHODOLOGIST,
    )


def results_factory(text: str | None) -> tuple[int, float]:
    found = parse_results(_answer(text, texts.RESULTS_INVALID))
    if found is None:
        raise ValueError(texts.RESULTS_INVALID)
    return found


async def results_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    number = dialog_manager.dialog_data.get("session_id")
    return {"text": _notes(dialog_manager) + texts.RESULTS_ASK.format(id=number)}


async def results_entered(
    message: Message,
    widget: ManagedTextInput[tuple[int, float]],
    manager: DialogManager,
    value: tuple[int, float],
) -> None:
    await forms.typed(message, manager)
    trained, hours_done = value
    number = int(manager.dialog_data.get("session_id") or 0)
    user: UserRecord = _mw(manager, "user")
    if not await service.record_results(_db(manager), number, trained, hours_done, user.id):
        await finish(manager, texts.SESSION_GONE)
        return
    await finish(manager, texts.results_saved(number, trained, hours_done))


def results_dialog() -> Dialog:
    return forms.form(
        Window(
            Format("{text}"),
            _cancel(),
            *_inputs(results_factory, results_entered),
            state=ResultsForm.waiting_for_results,
            getter=results_getter,
        ),
        on_start=schedule_started,
        role=Role.METHODOLOGIST,
    )


def create_dialogs() -> list[Dialog]:
    """New dialogs each call: a Dialog is a Router and joins one dispatcher only."""
    return [request_dialog(), approve_dialog(), session_dialog(), reason_dialog(), results_dialog()]
