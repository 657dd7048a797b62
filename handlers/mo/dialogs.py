"""The МО directory's forms: a new value for one field of one МО, and a new directory from a
file. Each is one step, one message, which shows the outcome when it is done."""

from __future__ import annotations

import io
import logging
from contextlib import suppress
from typing import Any

from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram_dialog import Dialog, DialogManager, ShowMode, Window
from aiogram_dialog.widgets.input import ManagedTextInput, MessageInput, TextInput
from aiogram_dialog.widgets.kbd import Button, Cancel
from aiogram_dialog.widgets.text import Const, Format

from bot import forms, ui
from handlers.mo import service, texts
from handlers.mo.keyboards import card_kb
from handlers.mo.states import OrgEditForm, OrgImportForm
from storage.organisations import OrgRepo
from storage.users import Role

log = logging.getLogger(__name__)


def _hint(manager: DialogManager, text: str) -> None:
    manager.dialog_data["error"] = text


async def _finish(
    manager: DialogManager, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Close the form and put the outcome where its message was."""
    chat = manager.middleware_data["event_chat"]
    bot = manager.middleware_data["bot"]
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
    if isinstance(callback.message, Message):
        with suppress(TelegramAPIError):
            await callback.message.edit_text(ui.CANCELLED, reply_markup=None)


def _cancel() -> Cancel:
    return Cancel(Const(ui.BTN_CANCEL), on_click=on_cancelled, show_mode=ShowMode.NO_UPDATE)


def _notes(manager: DialogManager) -> str:
    error = manager.dialog_data.get("error")
    return f"⚠️ {error}\n\n" if error else ""


async def started(start_data: Any, manager: DialogManager) -> None:
    if isinstance(start_data, dict):
        manager.dialog_data.update(start_data)


# -- one field ----------------------------------------------------------------------------------


def value_factory(text: str | None) -> str:
    value = " ".join((text or "").split())
    if not value or value.startswith("/") or value in ui.MENU_BUTTONS:
        raise ValueError(ui.TEXT_EXPECTED)
    return value


async def value_getter(dialog_manager: DialogManager, orgs: OrgRepo, **_: Any) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    org = await orgs.get(int(data.get("org_id") or 0))
    field = str(data.get("field", ""))
    ask = texts.ASK_VALUE if field in ("name", "short_name") else texts.ASK_VALUE_OPTIONAL
    card = texts.card(org) if org else texts.GONE
    return {"text": _notes(dialog_manager) + ask.format(card=card, field=texts.FIELDS[field])}


async def value_invalid(
    message: Message, widget: ManagedTextInput[str], manager: DialogManager, error: ValueError
) -> None:
    _hint(manager, str(error))
    await forms.typed(message, manager)


async def value_entered(
    message: Message, widget: ManagedTextInput[str], manager: DialogManager, raw: str
) -> None:
    await forms.typed(message, manager)
    orgs: OrgRepo = manager.middleware_data["orgs"]
    org_id = int(manager.dialog_data.get("org_id") or 0)
    field = str(manager.dialog_data.get("field", ""))
    edited = await service.edit(orgs, org_id, field, raw)
    if not edited.saved:
        _hint(manager, texts.VALUE_INVALID.format(reason=edited.problem))
        return
    org = await orgs.get(org_id)
    if org is None:
        await _finish(manager, texts.GONE)
        return
    await _finish(manager, f"{texts.SAVED}\n\n{texts.card(org)}", card_kb(org.id))


async def not_text(message: Message, widget: MessageInput, manager: DialogManager) -> None:
    _hint(manager, ui.TEXT_EXPECTED)
    await forms.typed(message, manager)


# -- the whole directory ------------------------------------------------------------------------


async def file_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    return {"text": _notes(dialog_manager) + texts.ASK_FILE}


async def file_received(message: Message, widget: MessageInput, manager: DialogManager) -> None:
    await forms.typed(message, manager)
    document = message.document
    name = (document.file_name or "") if document else ""
    if document is None or not name.lower().endswith((".csv", ".xlsx")):
        _hint(manager, texts.NEED_TABLE)
        return
    if (document.file_size or 0) > service.FILE_LIMIT:
        _hint(manager, texts.FILE_TOO_BIG.format(limit=service.FILE_LIMIT // 1024 // 1024))
        return
    buffer = io.BytesIO()
    await manager.middleware_data["bot"].download(document, destination=buffer)
    orgs: OrgRepo = manager.middleware_data["orgs"]
    report = await service.replace_directory(orgs, buffer.getvalue(), name)
    if isinstance(report, str):
        _hint(manager, texts.IMPORT_FAILED.format(reason=ui.escape(ui.shorten(report, 300))))
        return
    problems = [(p.row, p.field, p.message) for p in report.plan.problems]
    if problems or not report.plan.rows:
        lines = [texts.IMPORT_REFUSED]
        lines += [
            texts.IMPORT_PROBLEM.format(
                row=r, field=ui.escape(f or "—"), message=ui.escape(ui.shorten(m, 200))
            )
            for r, f, m in problems[:30]
        ]
        await _finish(manager, ui.fit(lines))
        return
    await _finish(manager, texts.imported(report.created, report.updated, report.deactivated))


def create_dialogs() -> list[Dialog]:
    """New dialogs each call: a Dialog is a Router and joins one dispatcher only."""
    return [
        forms.form(
            Window(
                Format("{text}"),
                _cancel(),
                TextInput(
                    id="value",
                    type_factory=value_factory,
                    on_success=value_entered,
                    on_error=value_invalid,
                ),
                MessageInput(not_text),
                state=OrgEditForm.waiting_for_value,
                getter=value_getter,
            ),
            on_start=started,
            role=Role.ADMIN,
        ),
        forms.form(
            Window(
                Format("{text}"),
                _cancel(),
                MessageInput(file_received),
                state=OrgImportForm.waiting_for_file,
                getter=file_getter,
            ),
            on_start=started,
            role=Role.ADMIN,
        ),
    ]
