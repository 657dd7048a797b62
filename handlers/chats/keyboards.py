"""The chat registry's keyboards: the list of chats, a chat's card, the directions to bind."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from aiogram.types import InlineKeyboardMarkup

from bot import ui
from handlers.chats import texts
from handlers.chats.callbacks import ChatAction, ChatCallback


def bind_kb(
    topics: Sequence[tuple[str, str]], chosen: Collection[str], chat_id: int, thread: int
) -> InlineKeyboardMarkup:
    """Two columns of directions, ✅ on the bound ones; a press toggles one."""
    kb = ui.Buttons()
    for code, title in topics:
        mark = "✅ " if code in chosen else ""
        kb.button(
            text=mark + ui.shorten(title, 60),
            callback_data=ChatCallback(
                action=ChatAction.TOGGLE, chat_id=chat_id, thread=thread, topic=code
            ),
        )
    kb.button(
        text=ui.BTN_DONE,
        callback_data=ChatCallback(action=ChatAction.BIND_DONE, chat_id=chat_id, thread=thread),
    )
    kb.adjust(2)
    return kb.as_markup()


def list_kb(chats: Sequence[tuple[int, str]], page: int, pages: int) -> InlineKeyboardMarkup:
    kb = ui.Buttons()
    for chat_id, title in chats:
        kb.button(
            text=ui.shorten(title, 40),
            callback_data=ChatCallback(action=ChatAction.OPEN, chat_id=chat_id),
        )
    sizes = [1] * len(chats)
    pager = 0
    if page > 0:
        kb.button(text="◀️", callback_data=ChatCallback(action=ChatAction.LIST, page=page - 1))
        pager += 1
    if page < pages - 1:
        kb.button(text="▶️", callback_data=ChatCallback(action=ChatAction.LIST, page=page + 1))
        pager += 1
    kb.adjust(*sizes, pager or 1)
    return kb.as_markup()


def card_kb(chat_id: int, has_welcome: bool) -> InlineKeyboardMarkup:
    kb = ui.Buttons()
    kb.button(
        text=texts.BTN_BIND, callback_data=ChatCallback(action=ChatAction.BIND, chat_id=chat_id)
    )
    kb.button(
        text=texts.BTN_WELCOME,
        callback_data=ChatCallback(action=ChatAction.WELCOME, chat_id=chat_id),
    )
    if has_welcome:
        kb.button(
            text=texts.BTN_WELCOME_OFF,
            callback_data=ChatCallback(action=ChatAction.WELCOME_OFF, chat_id=chat_id),
        )
    kb.button(
        text=texts.BTN_REFRESH,
        callback_data=ChatCallback(action=ChatAction.REFRESH, chat_id=chat_id),
    )
    kb.button(text=texts.BTN_CHATS_BACK, callback_data=ChatCallback(action=ChatAction.LIST))
    kb.adjust(2)
    return kb.as_markup()
