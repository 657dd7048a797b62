"""The welcome form: one step that takes the text new members of a chat will see.

The step is one message (the person's answer is removed and the form's message edited), with
«✖️ Отмена»; it takes only text, never a command or a menu label. Saved, the form's message
says so and the welcome follows as new members will see it."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Message
from aiogram_dialog import Dialog, DialogManager, Window
from aiogram_dialog.widgets.input import ManagedTextInput, MessageInput, TextInput
from aiogram_dialog.widgets.kbd import Row
from aiogram_dialog.widgets.text import Format

from bot import forms, ui
from handlers.chats import texts
from handlers.chats.states import ChatWelcome
from storage.chats import ChatRepo
from storage.db import Database
from storage.users import Role

MAX_WELCOME = 1000


def welcome_factory(text: str) -> str:
    """Text, never a command or a main-menu label (those have their handlers before forms)."""
    if text.startswith("/") or text in ui.MENU_BUTTONS:
        raise ValueError(texts.NOT_AN_ANSWER)
    return text


async def _close_with(manager: DialogManager, text: str) -> None:
    """Close the form (its keyboard goes) and put ``text`` where its step was."""
    message_id = manager.current_stack().last_message_id
    chat = manager.middleware_data["event_chat"]
    bot: Bot = manager.middleware_data["bot"]
    await manager.done()
    if message_id:
        try:
            await bot.edit_message_text(text, chat_id=chat.id, message_id=message_id)
            return
        except TelegramAPIError:
            pass
    await bot.send_message(chat.id, text)


async def welcome_entered(
    message: Message, widget: ManagedTextInput[str], manager: DialogManager, value: str
) -> None:
    await forms.typed(message, manager)
    # The author's bold and links are kept; what they typed as tags is escaped by html_text.
    text = message.html_text.strip()
    if len(text) > MAX_WELCOME:
        manager.dialog_data["error"] = texts.WELCOME_TOO_LONG
        return
    db: Database = manager.middleware_data["db"]
    chats = ChatRepo(db)
    chat_id = int((manager.start_data or {}).get("chat_id", 0))  # type: ignore[union-attr]
    if await chats.get(chat_id) is None:
        await _close_with(manager, texts.CHAT_GONE)
        return
    await chats.set_welcome(chat_id, text)
    await _close_with(manager, texts.WELCOME_SAVED)
    await message.answer(texts.WELCOME_HELLO.format(names=texts.WELCOME_SAMPLE_NAME) + text)


async def welcome_invalid(
    message: Message, widget: ManagedTextInput[Any], manager: DialogManager, error: ValueError
) -> None:
    manager.dialog_data["error"] = str(error)
    await forms.typed(message, manager)


async def welcome_getter(dialog_manager: DialogManager, **kwargs: Any) -> dict[str, Any]:
    db: Database = dialog_manager.middleware_data["db"]
    start = dialog_manager.start_data if isinstance(dialog_manager.start_data, dict) else {}
    chat = await ChatRepo(db).get(int(start.get("chat_id", 0)))
    where = texts.place(chat.title, chat.id) if chat else texts.CHAT_GONE
    return {
        "error": dialog_manager.dialog_data.pop("error", ""),
        "prompt": texts.ask_welcome(where, chat.welcome_text if chat else None),
    }


def create_dialogs() -> list[Dialog]:
    """A new dialog for one dispatcher (a Dialog is a Router and joins one dispatcher only)."""
    return [
        forms.form(
            Window(
                Format("⚠️ {error}\n", when="error"),
                Format("{prompt}"),
                TextInput(
                    id="welcome",
                    type_factory=welcome_factory,
                    on_success=welcome_entered,
                    on_error=welcome_invalid,
                ),
                MessageInput(forms.text_expected),
                Row(forms.cancel_button()),
                state=ChatWelcome.waiting_for_welcome,
                getter=welcome_getter,
            ),
            role=Role.METHODOLOGIST,
        )
    ]
